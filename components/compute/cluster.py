"""The ECS cluster the services and jobs run in: Fargate and Fargate Spot, Container Insights,
and ECS Exec sessions logged to an encrypted log group."""

from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.platform import Platform


def capacity_provider_strategy(
    prefer_spot: bool, architecture: str = "arm64"
) -> list[dict[str, str | int]]:
    """Where tasks run: all on FARGATE_SPOT (cheaper, may be stopped with two minutes' notice)
    when spot is preferred and the task is x86_64, otherwise all on FARGATE.

    ARM64 tasks always run on FARGATE: the ECS developer guide says Fargate Spot supports only
    X86_64 Linux tasks, while the CapacityProviderStrategyItem API reference says ARM64 works
    from platform version 1.4.0; this is right under either reading.
    """
    spot = prefer_spot and architecture == "x86_64"
    provider = "FARGATE_SPOT" if spot else "FARGATE"
    return [{"capacity_provider": provider, "weight": 1, "base": 0}]


class ClusterArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""


class Cluster(pulumi.ComponentResource):
    """An ECS cluster with both Fargate capacity providers.

    `arn` and `name` resolve only once the capacity providers are attached, so a service that
    uses them waits for them.
    """

    arn: pulumi.Output[str]
    """The cluster's ARN."""
    name: pulumi.Output[str]
    """The cluster's name."""
    exec_log_group_arn: pulumi.Output[str]
    """Where ECS Exec sessions are logged; task roles need to write to it."""

    def __init__(
        self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Cluster", name, None, opts)
        prefix = args["platform"]["name_prefix"]
        exec_logs = aws.cloudwatch.LogGroup(
            f"{name}-exec",
            name=f"/ecs-exec/{prefix}",
            retention_in_days=args["platform"]["log_retention_days"],
            kms_key_id=args["platform"]["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        cluster = aws.ecs.Cluster(
            name,
            name=prefix,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            configuration={
                "execute_command_configuration": {
                    # Exec sessions' data channel is encrypted with the logs key as well as TLS.
                    "kms_key_id": args["platform"]["logs_key_arn"],
                    "logging": "OVERRIDE",
                    "log_configuration": {
                        "cloud_watch_log_group_name": exec_logs.name,
                        "cloud_watch_encryption_enabled": True,
                    },
                }
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        providers = aws.ecs.ClusterCapacityProviders(
            name,
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            # Tasks started without a strategy (scheduled jobs use the FARGATE launch type) run
            # on FARGATE; each service sets its own.
            default_capacity_provider_strategies=capacity_provider_strategy(False),  # type: ignore[arg-type]
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = pulumi.Output.all(cluster.arn, providers.id).apply(lambda v: v[0])
        self.name = providers.cluster_name
        self.exec_log_group_arn = exec_logs.arn
        self.register_outputs(
            {"arn": self.arn, "name": self.name, "exec_log_group_arn": self.exec_log_group_arn}
        )
