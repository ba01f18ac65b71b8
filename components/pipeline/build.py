"""A CodeBuild project per service: Docker builds the image from the commit, pushes it to the
service's repository tagged with the commit id, and writes what the deploy stage reads."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws
import yaml

from components.pipeline.iam import ECR_PUSH_ACTIONS, trust_policy
from components.platform import Platform

BUILDSPEC = Path(__file__).with_name("buildspec.yml")
# What the deploy stage reads, by deploy style.
ARTIFACTS = {
    "rolling": ["imagedefinitions.json"],
    "blueGreen": ["imageDetail.json", "appspec.yaml", "taskdef.json"],
}
# CodeBuild's Amazon Linux images, by the platform the service runs on.
BUILD_ENVIRONMENTS = {
    "arm64": ("ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0"),
    "x86_64": ("LINUX_CONTAINER", "aws/codebuild/amazonlinux-x86_64-standard:5.0"),
}
DOCKER_PLATFORMS = {"arm64": "linux/arm64", "x86_64": "linux/amd64"}


def buildspec(deploy: str) -> str:
    """The repository's buildspec with the artifacts of one deploy style."""
    spec = yaml.safe_load(BUILDSPEC.read_text())
    spec["artifacts"]["files"] = ARTIFACTS[deploy]
    return yaml.safe_dump(spec, sort_keys=False, width=1000)


def build_policy(
    *,
    repository_arns: Sequence[str],
    log_group_arn: str,
    bucket_arn: str,
    key_arn: str,
    reads_task_definitions: bool,
) -> dict[str, Any]:
    """The build role's policy: push to its own repositories, write its log group, read and
    write the artifact bucket with the pipeline key. `ecr:GetAuthorizationToken` (and
    `ecs:DescribeTaskDefinition`, for the blue/green task definition template) take no resource."""
    anywhere = ["ecr:GetAuthorizationToken"]
    if reads_task_definitions:
        anywhere.append("ecs:DescribeTaskDefinition")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SignInToEcr", "Effect": "Allow", "Action": anywhere, "Resource": "*"},
            {
                "Sid": "PushItsImages",
                "Effect": "Allow",
                "Action": ECR_PUSH_ACTIONS,
                "Resource": list(repository_arns),
            },
            {
                "Sid": "WriteItsLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
            {
                "Sid": "Artifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                "Resource": f"{bucket_arn}/*",
            },
            {
                "Sid": "ArtifactsKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
            },
        ],
    }


class BuildArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, logs key and log retention."""
    service: str
    """The service built."""
    deploy: str
    """The service's deploy style, "rolling" or "blueGreen": which files the build writes."""
    architecture: str
    """The service's platform, arm64 or x86_64: the build runs on the same."""
    repository_arn: pulumi.Input[str]
    """The service's image repository, the only one the build may push to."""
    repository_url: pulumi.Input[str]
    """Where the image is pushed."""
    context: str
    """The Docker build context in the source repository."""
    container_name: pulumi.Input[str]
    """The service's container, named in imagedefinitions.json and appspec.yaml."""
    container_port: int | None
    """The container port the load balancer sends traffic to (blue/green only)."""
    task_family: pulumi.Input[str]
    """The service's task definition family, the blue/green template's source."""
    bucket_arn: pulumi.Input[str]
    """The artifact bucket."""
    key_arn: pulumi.Input[str]
    """The pipeline key: build output and artifacts."""
    compute_type: str
    """CodeBuild's size."""
    timeout_minutes: int
    """A build that takes longer fails."""


class Build(pulumi.ComponentResource):
    """A CodeBuild project in privileged mode (Docker needs it), logging to its own encrypted
    log group, with a role that reaches only its repository, log group and artifacts."""

    project_name: pulumi.Output[str]
    """The CodeBuild project."""
    project_arn: pulumi.Output[str]
    """The project's ARN, for the pipeline role."""
    log_group_name: pulumi.Output[str]
    """Where the builds log."""
    role_arn: pulumi.Output[str]
    """The role builds run with."""

    def __init__(
        self, name: str, args: BuildArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:pipeline:Build", name, None, opts)
        platform = args["platform"]
        physical = f"{platform['name_prefix']}-{args['service']}"
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/aws/codebuild/{physical}",
            retention_in_days=platform["log_retention_days"],
            kms_key_id=platform["logs_key_arn"],
            opts=child,
        )
        project_arn = (
            f"arn:aws:codebuild:{platform['region']}:{platform['account_id']}:project/{physical}"
        )
        role = aws.iam.Role(
            name,
            name=f"{physical}-build",
            description=f"CodeBuild builds the {physical} image with this role",
            assume_role_policy=json.dumps(
                trust_policy("codebuild.amazonaws.com", platform["account_id"], project_arn)
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.all(
                repository=args["repository_arn"],
                logs=log_group.arn,
                bucket=args["bucket_arn"],
                key=args["key_arn"],
            ).apply(
                lambda v: json.dumps(
                    build_policy(
                        repository_arns=[v["repository"]],
                        log_group_arn=v["logs"],
                        bucket_arn=v["bucket"],
                        key_arn=v["key"],
                        reads_task_definitions=args["deploy"] == "blueGreen",
                    )
                )
            ),
            opts=child,
        )
        environment_type, image = BUILD_ENVIRONMENTS[args["architecture"]]
        variables = {
            "REPOSITORY_URI": args["repository_url"],
            "BUILD_CONTEXT": args["context"],
            "PLATFORM": DOCKER_PLATFORMS[args["architecture"]],
            "CONTAINER_NAME": args["container_name"],
            "CONTAINER_PORT": str(args["container_port"] or ""),
            "TASK_FAMILY": args["task_family"],
            "DEPLOY_STYLE": args["deploy"],
        }
        project = aws.codebuild.Project(
            name,
            name=physical,
            description=f"Builds and pushes the {physical} image",
            service_role=role.arn,
            encryption_key=args["key_arn"],
            build_timeout=args["timeout_minutes"],
            source={"type": "CODEPIPELINE", "buildspec": buildspec(args["deploy"])},
            artifacts={"type": "CODEPIPELINE"},
            environment={
                "type": environment_type,
                "image": image,
                "compute_type": args["compute_type"],
                "image_pull_credentials_type": "CODEBUILD",
                # The Docker daemon runs only in privileged mode.
                "privileged_mode": True,
                "environment_variables": [
                    {"name": key, "value": value, "type": "PLAINTEXT"}
                    for key, value in variables.items()
                ],
            },
            logs_config={
                "cloudwatch_logs": {"status": "ENABLED", "group_name": log_group.name},
                "s3_logs": {"status": "DISABLED"},
            },
            # CodeBuild checks that its role can write the log group when the project is saved.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.project_name = project.name
        self.project_arn = project.arn
        self.log_group_name = log_group.name
        self.role_arn = role.arn
        self.register_outputs(
            {
                "project_name": self.project_name,
                "project_arn": self.project_arn,
                "log_group_name": self.log_group_name,
                "role_arn": self.role_arn,
            }
        )
