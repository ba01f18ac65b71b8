"""One service's CodePipeline (V2): Source (GitHub through the connection) -> Build (CodeBuild)
-> Approve (where config asks) -> Deploy (ECS rolling, or CodeDeploy blue/green), with
notifications of failed and succeeded runs and pending approvals to the alerts topic."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.pipeline.iam import trust_policy
from components.platform import Platform

NOTIFIED_EVENTS = [
    "codepipeline-pipeline-pipeline-execution-failed",
    "codepipeline-pipeline-pipeline-execution-succeeded",
    "codepipeline-pipeline-manual-approval-needed",
]
DEPLOY_TIMEOUT_MINUTES = 30


class Deployment(TypedDict):
    """Where the Deploy stage sends the image."""

    cluster_name: pulumi.Input[str]
    """The service's ECS cluster."""
    service_name: pulumi.Input[str]
    """The ECS service."""
    passed_role_arns: Sequence[pulumi.Input[str]]
    """The task and execution roles the new task definition names (passed to ECS)."""
    application_name: NotRequired[pulumi.Input[str]]
    """Blue/green: the CodeDeploy application; absent: the ECS rolling deploy."""
    deployment_group_name: NotRequired[pulumi.Input[str]]
    """Blue/green: the deployment group."""
    deployment_config_name: NotRequired[pulumi.Input[str]]
    """Blue/green: the traffic-shifting configuration the group uses."""


def pipeline_policy(
    *,
    region: str,
    account_id: str,
    bucket_arn: str,
    key_arn: str,
    connection_arn: str,
    project_arn: str,
    cluster_name: str,
    service_name: str,
    passed_role_arns: Sequence[str],
    codedeploy: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The pipeline role: its artifacts, its connection, its build project, and deploying to
    its service (through CodeDeploy for blue/green). `ecs:RegisterTaskDefinition` and
    `ecs:DescribeTaskDefinition` take no resource."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Artifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "ArtifactBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketVersioning", "s3:GetBucketLocation"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "ArtifactsKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "Source",
            "Effect": "Allow",
            "Action": ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
            "Resource": connection_arn,
        },
        {
            "Sid": "Build",
            "Effect": "Allow",
            "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            "Resource": project_arn,
        },
        {
            "Sid": "TaskDefinitions",
            "Effect": "Allow",
            "Action": ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"],
            "Resource": "*",
        },
        {
            "Sid": "PassTheTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": list(passed_role_arns),
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    ]
    if codedeploy is None:
        statements.append(
            {
                "Sid": "RollingDeploy",
                "Effect": "Allow",
                "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
                "Resource": (
                    f"arn:aws:ecs:{region}:{account_id}:service/{cluster_name}/{service_name}"
                ),
            }
        )
    else:
        codedeploy_arn = f"arn:aws:codedeploy:{region}:{account_id}"
        application = codedeploy["application"]
        statements.append(
            {
                "Sid": "BlueGreenDeploy",
                "Effect": "Allow",
                "Action": [
                    "codedeploy:CreateDeployment",
                    "codedeploy:GetDeployment",
                    "codedeploy:GetApplication",
                    "codedeploy:GetApplicationRevision",
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:GetDeploymentConfig",
                ],
                "Resource": [
                    f"{codedeploy_arn}:application:{application}",
                    f"{codedeploy_arn}:deploymentgroup:{application}/{codedeploy['group']}",
                    f"{codedeploy_arn}:deploymentconfig:{codedeploy['config']}",
                ],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


class ServicePipelineArgs(TypedDict):
    platform: Platform
    """Name prefix, region and account."""
    service: str
    """The service delivered."""
    connection_arn: pulumi.Input[str]
    """The CodeStar connection to GitHub."""
    repository: str
    """GitHub `owner/name`."""
    branch: str
    """Commits to this branch start the pipeline."""
    context: str
    """The build context: only commits touching it start the pipeline."""
    project_name: pulumi.Input[str]
    """The service's CodeBuild project."""
    project_arn: pulumi.Input[str]
    """Its ARN."""
    bucket: pulumi.Input[str]
    """The artifact bucket."""
    bucket_arn: pulumi.Input[str]
    """Its ARN."""
    key_arn: pulumi.Input[str]
    """The pipeline key the artifacts are encrypted with."""
    approval: bool
    """A manual approval before the Deploy stage."""
    deployment: Deployment
    """Where the image goes."""
    alerts_topic_arn: pulumi.Input[str]
    """Where failures, successes and pending approvals are announced."""


class ServicePipeline(pulumi.ComponentResource):
    """The pipeline, its role, and its notification rule."""

    pipeline_name: pulumi.Output[str]
    """The CodePipeline."""
    pipeline_arn: pulumi.Output[str]
    """Its ARN."""

    def __init__(
        self, name: str, args: ServicePipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:pipeline:ServicePipeline", name, None, opts)
        platform = args["platform"]
        physical = f"{platform['name_prefix']}-{args['service']}"
        child = pulumi.ResourceOptions(parent=self)
        deployment = args["deployment"]
        blue_green = "application_name" in deployment
        role = aws.iam.Role(
            name,
            name=f"{physical}-pipeline",
            description=f"CodePipeline delivers {physical} with this role",
            assume_role_policy=json.dumps(
                trust_policy("codepipeline.amazonaws.com", platform["account_id"])
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.all(
                bucket=args["bucket_arn"],
                key=args["key_arn"],
                connection=args["connection_arn"],
                project=args["project_arn"],
                cluster=deployment["cluster_name"],
                service=deployment["service_name"],
                roles=pulumi.Output.all(*deployment["passed_role_arns"]),
                application=deployment.get("application_name"),
                group=deployment.get("deployment_group_name"),
                config=deployment.get("deployment_config_name"),
            ).apply(
                lambda v: json.dumps(
                    pipeline_policy(
                        region=platform["region"],
                        account_id=platform["account_id"],
                        bucket_arn=v["bucket"],
                        key_arn=v["key"],
                        connection_arn=v["connection"],
                        project_arn=v["project"],
                        cluster_name=v["cluster"],
                        service_name=v["service"],
                        passed_role_arns=v["roles"],
                        codedeploy={
                            "application": v["application"],
                            "group": v["group"],
                            "config": v["config"],
                        }
                        if blue_green
                        else None,
                    )
                )
            ),
            opts=child,
        )
        deploy_action: dict[str, Any]
        if blue_green:
            deploy_action = {
                "name": "BlueGreen",
                "category": "Deploy",
                "owner": "AWS",
                "provider": "CodeDeployToECS",
                "version": "1",
                "input_artifacts": ["image"],
                "configuration": {
                    "ApplicationName": deployment["application_name"],
                    "DeploymentGroupName": deployment["deployment_group_name"],
                    "TaskDefinitionTemplateArtifact": "image",
                    "TaskDefinitionTemplatePath": "taskdef.json",
                    "AppSpecTemplateArtifact": "image",
                    "AppSpecTemplatePath": "appspec.yaml",
                    "Image1ArtifactName": "image",
                    "Image1ContainerName": "IMAGE1_NAME",
                },
            }
        else:
            deploy_action = {
                "name": "Rolling",
                "category": "Deploy",
                "owner": "AWS",
                "provider": "ECS",
                "version": "1",
                "input_artifacts": ["image"],
                "configuration": {
                    "ClusterName": deployment["cluster_name"],
                    "ServiceName": deployment["service_name"],
                    "FileName": "imagedefinitions.json",
                    "DeploymentTimeout": str(DEPLOY_TIMEOUT_MINUTES),
                },
            }
        approve: dict[str, Any] = {
            "name": "Approve",
            "actions": [
                {
                    "name": "Approve",
                    "category": "Approval",
                    "owner": "AWS",
                    "provider": "Manual",
                    "version": "1",
                    "configuration": {
                        "CustomData": f"Deploy the built {args['service']} image to "
                        f"{platform['name_prefix']}?"
                    },
                }
            ],
        }
        stages: list[Any] = [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "category": "Source",
                        "owner": "AWS",
                        "provider": "CodeStarSourceConnection",
                        "version": "1",
                        "output_artifacts": ["source"],
                        "configuration": {
                            "ConnectionArn": args["connection_arn"],
                            "FullRepositoryId": args["repository"],
                            "BranchName": args["branch"],
                            "OutputArtifactFormat": "CODE_ZIP",
                        },
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    {
                        "name": "Image",
                        "category": "Build",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                        "input_artifacts": ["source"],
                        "output_artifacts": ["image"],
                        "configuration": {"ProjectName": args["project_name"]},
                    }
                ],
            },
            *([approve] if args["approval"] else []),
            {"name": "Deploy", "actions": [deploy_action]},
        ]
        pipeline = aws.codepipeline.Pipeline(
            name,
            name=physical,
            pipeline_type="V2",
            execution_mode="QUEUED",
            role_arn=role.arn,
            artifact_stores=[
                {
                    "location": args["bucket"],
                    "type": "S3",
                    "encryption_key": {"id": args["key_arn"], "type": "KMS"},
                }
            ],
            stages=stages,
            # Only pushes to the branch that touch the service's build context start it.
            triggers=[
                {
                    "provider_type": "CodeStarSourceConnection",
                    "git_configuration": {
                        "source_action_name": "Source",
                        "pushes": [
                            {
                                "branches": {"includes": [args["branch"]]},
                                "file_paths": {"includes": [f"{args['context']}/**"]},
                            }
                        ],
                    },
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        aws.codestarnotifications.NotificationRule(
            name,
            name=physical,
            resource=pipeline.arn,
            detail_type="BASIC",
            event_type_ids=NOTIFIED_EVENTS,
            targets=[{"address": args["alerts_topic_arn"], "type": "SNS"}],
            opts=child,
        )
        self.pipeline_name = pipeline.name
        self.pipeline_arn = pipeline.arn
        self.register_outputs(
            {"pipeline_name": self.pipeline_name, "pipeline_arn": self.pipeline_arn}
        )
