"""The pipeline layer: how a commit becomes a running task.

    GitHub ─(connection)─► CodePipeline V2 ─► CodeBuild (docker build, push <commit id>) ─► ECR
                                  └─► approval (where config asks) ─► ECS rolling deploy
                                                                      or CodeDeploy blue/green

Built after compute: each service's pipeline deploys to its ECS service, and a blue/green one
shifts the edge layer's listener between the service's two target groups.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict
from components.data.bucket import Bucket
from components.data.storage import bucket_suffix
from components.foundation.keys import account_administers
from components.pipeline.build import Build
from components.pipeline.delivery import Deployment, ServicePipeline
from components.pipeline.deploy import BlueGreen
from components.pipeline.repository import ImageRepository
from components.platform import Platform

ARTIFACT_EXPIRE_DAYS = 30
ARTIFACT_NONCURRENT_DAYS = 7
CONNECTION_NAME_LIMIT = 32


class SourceSettings(TypedDict):
    """The GitHub repository the services are built from."""

    repository: str
    """GitHub `owner/name`."""
    branch: str
    """Commits to this branch start the pipelines."""
    connection_arn: str | None
    """An existing CodeStar connection; None: the layer creates one (pending until an
    administrator completes the handshake in the console)."""
    context: str
    """The Docker build context, `{service}` replaced by the service's name."""


class TrafficSettings(TypedDict):
    """How CodeDeploy shifts production traffic."""

    config_name: str | None
    """A predefined `CodeDeployDefault.ECS...` configuration; None: a custom one of these."""
    type: str
    """canary, linear or allAtOnce."""
    percent: int
    """Share of traffic per step."""
    minutes: int
    """Minutes between steps."""


class PipelineSettings(TypedDict):
    """What the stack config says of the pipeline."""

    source: SourceSettings | None
    """The GitHub source; None: image repositories only."""
    approval: bool
    """A manual approval before each deploy."""
    keep_images: int
    """Tagged images each repository keeps."""
    untagged_expire_days: int
    """Days an untagged image stays."""
    build_compute_type: str
    """CodeBuild's size."""
    build_timeout_minutes: int
    """A longer build fails."""
    traffic: TrafficSettings
    """Blue/green traffic shifting."""
    termination_wait_minutes: int
    """Minutes the old task set keeps running after a blue/green switch."""
    rollback_5xx_count: int
    """Target 5xx responses in a minute that roll a blue/green deployment back."""


class DeliveredService(TypedDict):
    """What the pipeline needs of one service from the stack config."""

    deploy: str
    """How the service takes a new image: rolling or blueGreen."""
    architecture: str
    """arm64 or x86_64: what the build produces."""
    port: int | None
    """The container port (blue/green services)."""


class PipelineArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: PipelineSettings
    """The stack config's pipeline settings."""
    services: Mapping[str, DeliveredService]
    """The services by name: each gets a repository, and with a source a build and a pipeline."""
    job_images: Sequence[str]
    """Jobs with their own image: each gets a repository."""
    cluster_name: pulumi.Input[str]
    """The compute layer's ECS cluster."""
    deployed: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """The compute layer's services output: serviceName, containerName, taskFamily,
    taskRoleArn and executionRoleArn per service."""
    listener_arn: pulumi.Input[str]
    """The edge layer's production listener."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>`, for the rollback alarms."""
    target_group_names: pulumi.Input[Mapping[str, str]]
    """The edge layer's (blue) target group name by routed service."""
    target_group_arn_suffixes: pulumi.Input[Mapping[str, str]]
    """Their `targetgroup/<name>/<id>`."""
    green_target_groups: pulumi.Input[Mapping[str, Mapping[str, str]]]
    """Per blue/green service: the green group's name and arnSuffix and the testListenerArn."""
    alerts_topic_arn: pulumi.Input[str]
    """Where pipeline notifications and rollback alarms go."""


class Pipeline(pulumi.ComponentResource):
    """Image repositories for every service and job image; with a source, per service a
    build project and a pipeline deploying rolling or blue/green, sharing one connection, one
    artifact bucket and one key."""

    repository_urls: pulumi.Output[dict[str, str]]
    """Repository URL by service or job."""
    pipelines: pulumi.Output[dict[str, str]]
    """Pipeline name by service (empty without a source)."""
    connection_arn: pulumi.Output[str] | None
    """The GitHub connection; None without a source."""
    artifact_bucket: pulumi.Output[str] | None
    """The artifact bucket; None without a source."""

    def __init__(
        self, name: str, args: PipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:pipeline:Pipeline", name, None, opts)
        platform = args["platform"]
        settings = args["settings"]
        child = pulumi.ResourceOptions(parent=self)
        repositories = {
            owner: ImageRepository(
                f"repository-{owner}",
                {
                    "platform": platform,
                    "owner": owner,
                    "keep_images": settings["keep_images"],
                    "untagged_expire_days": settings["untagged_expire_days"],
                },
                opts=child,
            )
            for owner in [*args["services"], *args["job_images"]]
        }
        self.repository_urls = output_dict({owner: r.url for owner, r in repositories.items()})
        self.pipelines = output_dict({})
        self.connection_arn = None
        self.artifact_bucket = None
        source = settings["source"]
        if source is not None:
            self._deliver(source, args, repositories)
        self.register_outputs(
            {
                "repository_urls": self.repository_urls,
                "pipelines": self.pipelines,
                "connection_arn": self.connection_arn,
                "artifact_bucket": self.artifact_bucket,
            }
        )

    def _deliver(
        self,
        source: SourceSettings,
        args: PipelineArgs,
        repositories: Mapping[str, ImageRepository],
    ) -> None:
        """The connection, key and artifact bucket, then per service its build and pipeline."""
        platform = args["platform"]
        settings = args["settings"]
        prefix = platform["name_prefix"]
        child = pulumi.ResourceOptions(parent=self)
        connection_arn: pulumi.Input[str]
        if source["connection_arn"] is not None:
            connection_arn = source["connection_arn"]
        else:
            connection_arn = aws.codestarconnections.Connection(
                "github",
                name=f"{prefix}-github"[:CONNECTION_NAME_LIMIT],
                provider_type="GitHub",
                opts=child,
            ).arn
        key = aws.kms.Key(
            "pipeline-key",
            description=f"{prefix} pipeline artifacts and builds",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [account_administers(platform["account_id"])],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=platform["protect"]),
        )
        aws.kms.Alias(
            "pipeline-key", name=f"alias/{prefix}-pipeline", target_key_id=key.key_id, opts=child
        )
        bucket = Bucket(
            "pipeline-artifacts",
            {
                "bucket_name": f"{prefix}-pipeline-artifacts-"
                f"{bucket_suffix(platform['account_id'], platform['region'])}",
                "encryption": "kms",
                "kms_key_arn": key.arn,
                "versioning": True,
                "expire_days": ARTIFACT_EXPIRE_DAYS,
                "noncurrent_expire_days": ARTIFACT_NONCURRENT_DAYS,
                "protect": platform["protect"],
            },
            opts=child,
        )
        traffic = settings["traffic"]
        config_name: pulumi.Input[str]
        if traffic["config_name"] is not None:
            config_name = traffic["config_name"]
        else:
            kind = {"canary": "TimeBasedCanary", "linear": "TimeBasedLinear"}[traffic["type"]]
            step = {"interval": traffic["minutes"], "percentage": traffic["percent"]}
            routing = aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
                type=kind,
                time_based_canary=step if kind == "TimeBasedCanary" else None,  # type: ignore[arg-type]
                time_based_linear=step if kind == "TimeBasedLinear" else None,  # type: ignore[arg-type]
            )
            config_name = aws.codedeploy.DeploymentConfig(
                "traffic",
                deployment_config_name=(
                    f"{prefix}-{traffic['type']}-{traffic['percent']}pct-{traffic['minutes']}min"
                ),
                compute_platform="ECS",
                traffic_routing_config=routing,
                opts=child,
            ).deployment_config_name

        deployed = pulumi.Output.from_input(args["deployed"])
        pipelines: dict[str, pulumi.Output[str]] = {}
        for service, delivered in args["services"].items():
            field = _picker(deployed, service)
            build = Build(
                f"build-{service}",
                {
                    "platform": platform,
                    "service": service,
                    "deploy": delivered["deploy"],
                    "architecture": delivered["architecture"],
                    "repository_arn": repositories[service].arn,
                    "repository_url": repositories[service].url,
                    "context": source["context"].replace("{service}", service),
                    "container_name": field("containerName"),
                    "container_port": delivered["port"],
                    "task_family": field("taskFamily"),
                    "bucket_arn": bucket.arn,
                    "key_arn": key.arn,
                    "compute_type": settings["build_compute_type"],
                    "timeout_minutes": settings["build_timeout_minutes"],
                },
                opts=child,
            )
            deployment: Deployment = {
                "cluster_name": args["cluster_name"],
                "service_name": field("serviceName"),
                "passed_role_arns": [field("taskRoleArn"), field("executionRoleArn")],
            }
            if delivered["deploy"] == "blueGreen":
                blue_green = self._blue_green(service, args, field("serviceName"), config_name)
                deployment["application_name"] = blue_green.application_name
                deployment["deployment_group_name"] = blue_green.deployment_group_name
                deployment["deployment_config_name"] = config_name
            pipelines[service] = ServicePipeline(
                f"pipeline-{service}",
                {
                    "platform": platform,
                    "service": service,
                    "connection_arn": connection_arn,
                    "repository": source["repository"],
                    "branch": source["branch"],
                    "context": source["context"].replace("{service}", service),
                    "project_name": build.project_name,
                    "project_arn": build.project_arn,
                    "bucket": bucket.bucket,
                    "bucket_arn": bucket.arn,
                    "key_arn": key.arn,
                    "approval": settings["approval"],
                    "deployment": deployment,
                    "alerts_topic_arn": args["alerts_topic_arn"],
                },
                opts=child,
            ).pipeline_name
        self.pipelines = output_dict(pipelines)
        self.connection_arn = pulumi.Output.from_input(connection_arn)
        self.artifact_bucket = bucket.bucket

    def _blue_green(
        self,
        service: str,
        args: PipelineArgs,
        service_name: pulumi.Output[str],
        config_name: pulumi.Input[str],
    ) -> BlueGreen:
        names = pulumi.Output.from_input(args["target_group_names"])
        suffixes = pulumi.Output.from_input(args["target_group_arn_suffixes"])
        green = _picker(pulumi.Output.from_input(args["green_target_groups"]), service)
        return BlueGreen(
            f"deploy-{service}",
            {
                "platform": args["platform"],
                "service": service,
                "cluster_name": args["cluster_name"],
                "service_name": service_name,
                "listener_arn": args["listener_arn"],
                "test_listener_arn": green("testListenerArn"),
                "target_group_names": [names.apply(lambda n: n[service]), green("name")],
                "target_group_arn_suffixes": [
                    suffixes.apply(lambda s: s[service]),
                    green("arnSuffix"),
                ],
                "load_balancer_arn_suffix": args["load_balancer_arn_suffix"],
                "deployment_config_name": config_name,
                "termination_wait_minutes": args["settings"]["termination_wait_minutes"],
                "rollback_5xx_count": args["settings"]["rollback_5xx_count"],
                "alerts_topic_arn": args["alerts_topic_arn"],
            },
            opts=pulumi.ResourceOptions(parent=self),
        )


def _picker(
    values: pulumi.Output[Mapping[str, Mapping[str, str]]], key: str
) -> Callable[[str], pulumi.Output[str]]:
    """A function reading one field of `values[key]` as an output."""
    return lambda field: values.apply(lambda v: v[key][field])
