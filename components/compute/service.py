"""A long-running ECS Fargate service: its task, its place behind the load balancer when it
takes web traffic, rolling deployments with a circuit breaker, and target-tracking autoscaling."""

import hashlib
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.compute.cluster import capacity_provider_strategy
from components.compute.task import HealthCheck, Task, TaskArgs

SCALE_IN_COOLDOWN = 300
SCALE_OUT_COOLDOWN = 60
TARGET_GROUP_NAME_LIMIT = 32


class AutoscalingSettings(TypedDict):
    """Targets of the tracking policies; None: no policy on that metric."""

    cpu_percent: int | None
    """Average CPU utilisation to hold, in percent."""
    memory_percent: int | None
    """Average memory utilisation to hold, in percent."""
    requests_per_target: int | None
    """Load balancer requests per task per minute to hold (web-facing services only)."""


class ServiceSettings(TypedDict):
    """What the stack config says of one service."""

    image: str
    """Image URI with a tag or digest, never `latest`."""
    architecture: str
    """The image's platform: arm64 or x86_64."""
    cpu: int
    """Fargate CPU units (256 = 0.25 vCPU)."""
    memory: int
    """Fargate memory in MiB, a size that goes with `cpu`."""
    port: int | None
    """The container port of a web-facing service; None for a worker."""
    health_check_path: str
    """The path the load balancer checks on a web-facing service."""
    command: Sequence[str] | None
    """Overrides the image's command."""
    environment: Mapping[str, str]
    """Plain environment variables (nothing secret)."""
    secrets: Mapping[str, str]
    """Variable name to an SSM parameter name or a Secrets Manager ARN, read by `valueFrom`."""
    health_check: HealthCheck | None
    """The container health check."""
    desired_count: int
    """Tasks at the first deployment."""
    min_count: int
    """Fewest tasks autoscaling keeps."""
    max_count: int
    """Most tasks autoscaling starts."""
    autoscaling: AutoscalingSettings
    """Target-tracking policies."""
    readonly_root_filesystem: bool
    """Mount the container's root filesystem read-only."""
    log_datetime_format: str | None
    """`awslogs-datetime-format`, so multi-line stack traces stay one event."""
    tables: Sequence[str]
    """DynamoDB tables (short names) the task role reads and writes."""
    buckets: Sequence[str]
    """Buckets (purposes) the task role reads and writes."""
    deploy: str
    """How a new image reaches the service: "rolling" (ECS) or "blueGreen" (CodeDeploy)."""


class LoadBalancerAttachment(TypedDict):
    """Where the edge layer's load balancer sends a web-facing service's traffic."""

    target_group_arn: pulumi.Input[str]
    """The service's target group (the edge layer's, which a listener rule forwards to)."""
    target_group_arn_suffix: pulumi.Input[str]
    """`targetgroup/<name>/<id>`, for the requests-per-target metric."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """`app/<name>/<id>` of the load balancer, for the requests-per-target metric."""
    listener_arn: pulumi.Input[str]
    """The listener forwarding to the group: the service is created after it exists."""
    health_check_grace_period_seconds: int
    """Seconds new tasks get before failed load balancer health checks count."""


class ServiceArgs(TypedDict):
    task: TaskArgs
    """The service's container: image, size, port, secrets, logs and roles."""
    cluster_arn: pulumi.Input[str]
    """The cluster the service runs in (its capacity providers attached)."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The app subnets the tasks run in."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """The tasks' security groups (the app group)."""
    prefer_spot: bool
    """Run the tasks on FARGATE_SPOT rather than FARGATE."""
    desired_count: int
    """Tasks at the first deployment; later autoscaling and pipelines own the count."""
    min_count: int
    """Fewest tasks autoscaling keeps."""
    max_count: int
    """Most tasks autoscaling starts."""
    autoscaling: AutoscalingSettings
    """Targets of the tracking policies."""
    deployment_controller: NotRequired[str]
    """The ECS deployment controller: ECS (rolling, the default) or CODE_DEPLOY (blue/green
    through CodeDeploy, for a load-balanced service)."""
    load_balancer: NotRequired[LoadBalancerAttachment]
    """The edge layer's target group for a web-facing service; absent: no load balancer
    (and no requests-per-target policy)."""


class Service(pulumi.ComponentResource):
    """An ECS service of one `Task`, in the app subnets with no public IP.

    Rolling deployments keep at least half the desired tasks healthy and start up to twice as
    many; a deployment whose tasks keep failing is stopped and rolled back (circuit breaker).
    `pulumi up` does not undo what a deployment pipeline or autoscaling changed: the service
    ignores changes to its task definition and desired count after creation. Under the
    CODE_DEPLOY controller CodeDeploy replaces the whole task set, so the service also ignores
    what only a CodeDeploy deployment may change (load balancers, network configuration,
    platform version, capacity providers), and has no circuit breaker (ECS allows it only with
    the ECS controller).

    A web-facing service (one with a port) registers its tasks in the target group the edge
    layer passes (`load_balancer`). ECS refuses a target group that no load balancer forwards
    to, so the service is created only after the listener and the rules forwarding to the
    group exist (their ARNs are part of the target group's input).
    """

    service_name: pulumi.Output[str]
    """The ECS service name."""
    target_group_arn: pulumi.Output[str] | None
    """The target group its tasks register in; None with no port or no load balancer."""
    target_group_arn_suffix: pulumi.Output[str] | None
    """`targetgroup/<name>/<id>`, for the load balancer's CloudWatch metrics; None with no port."""
    task_definition_arn: pulumi.Output[str]
    """The task definition revision this stack created."""
    latest_task_definition_arn: pulumi.Output[str]
    """The family's latest revision, whoever registered it (a deployment, for example)."""
    family: pulumi.Output[str]
    """The task definition family."""
    container_name: pulumi.Output[str]
    """The task's one essential container."""
    execution_role_arn: pulumi.Output[str]
    """Role ECS uses to pull the image, write logs and read the secrets."""
    task_role_arn: pulumi.Output[str]
    """Role the container's code runs as."""
    log_group_name: pulumi.Output[str]
    """The container's log group."""

    def __init__(
        self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Service", name, None, opts)
        task_args = args["task"]
        task = Task(name, task_args, opts=pulumi.ResourceOptions(parent=self))
        physical = f"{task_args['platform']['name_prefix']}-{task_args['name']}"

        attachment = args.get("load_balancer")
        port = task_args["port"]
        balanced = attachment is not None and port is not None
        load_balancing: dict = {}
        if attachment is not None and balanced:
            # The listener's ARN travels with the target group's, so the service is created
            # after the listener and the rules that forward to the group.
            load_balancing = {
                "load_balancers": [
                    {
                        "target_group_arn": pulumi.Output.all(
                            attachment["target_group_arn"], attachment["listener_arn"]
                        ).apply(lambda v: v[0]),
                        "container_name": task.container_name,
                        "container_port": port,
                    }
                ],
                "health_check_grace_period_seconds": attachment[
                    "health_check_grace_period_seconds"
                ],
            }
        blue_green = args.get("deployment_controller", "ECS") == "CODE_DEPLOY"
        rolling: dict = {
            "deployment_circuit_breaker": aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            )
        }
        owned_by_codedeploy = [
            "loadBalancers", "networkConfiguration", "platformVersion",
            "capacityProviderStrategies",
        ]  # fmt: skip
        service = aws.ecs.Service(
            name,
            name=physical,
            cluster=args["cluster_arn"],
            task_definition=task.task_definition_arn,
            desired_count=args["desired_count"],
            capacity_provider_strategies=capacity_provider_strategy(
                args["prefer_spot"], task_args["architecture"]
            ),  # type: ignore[arg-type]
            platform_version="LATEST",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args["subnet_ids"],
                security_groups=list(args["security_group_ids"]),
                assign_public_ip=False,
            ),
            deployment_minimum_healthy_percent=50,
            deployment_maximum_percent=200,
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(
                type="CODE_DEPLOY" if blue_green else "ECS"
            ),
            **({} if blue_green else rolling),
            enable_execute_command=True,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            **load_balancing,
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=[
                    "taskDefinition",
                    "desiredCount",
                    *(owned_by_codedeploy if blue_green else []),
                ],
            ),
        )
        self._autoscaling(name, args, service)

        self.service_name = service.name
        self.target_group_arn = (
            pulumi.Output.from_input(attachment["target_group_arn"])
            if attachment is not None and balanced
            else None
        )
        self.target_group_arn_suffix = (
            pulumi.Output.from_input(attachment["target_group_arn_suffix"])
            if attachment is not None and balanced
            else None
        )
        self.task_definition_arn = task.task_definition_arn
        self.latest_task_definition_arn = task.latest_task_definition_arn
        self.family = task.family
        self.container_name = task.container_name
        self.execution_role_arn = task.execution_role_arn
        self.task_role_arn = task.task_role_arn
        self.log_group_name = task.log_group_name
        self.register_outputs(
            {
                "service_name": self.service_name,
                "target_group_arn": self.target_group_arn,
                "target_group_arn_suffix": self.target_group_arn_suffix,
                "task_definition_arn": self.task_definition_arn,
                "latest_task_definition_arn": self.latest_task_definition_arn,
                "family": self.family,
                "container_name": self.container_name,
                "execution_role_arn": self.execution_role_arn,
                "task_role_arn": self.task_role_arn,
                "log_group_name": self.log_group_name,
            }
        )

    def _autoscaling(
        self,
        name: str,
        args: ServiceArgs,
        service: aws.ecs.Service,
    ) -> None:
        """A scalable target between the min and max counts, and a target-tracking policy per
        configured metric. Requests per target needs the load balancer: without
        `load_balancer` that policy is left out. With min = max there is nothing
        to scale: no target, no policy."""
        if args["min_count"] == args["max_count"]:
            return
        physical = f"{args['task']['platform']['name_prefix']}-{args['task']['name']}"
        target = aws.appautoscaling.Target(
            name,
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.all(args["cluster_arn"], service.name).apply(
                lambda v: f"service/{v[0].split('/')[-1]}/{v[1]}"
            ),
            min_capacity=args["min_count"],
            max_capacity=args["max_count"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        scaling = args["autoscaling"]
        metrics: dict[str, tuple[str, int | None, pulumi.Input[str] | None]] = {
            "cpu": ("ECSServiceAverageCPUUtilization", scaling.get("cpu_percent"), None),
            "memory": ("ECSServiceAverageMemoryUtilization", scaling.get("memory_percent"), None),
        }
        attachment = args.get("load_balancer")
        if attachment is not None and args["task"]["port"] is not None:
            metrics["requests"] = (
                "ALBRequestCountPerTarget",
                scaling.get("requests_per_target"),
                pulumi.Output.all(
                    attachment["load_balancer_arn_suffix"], attachment["target_group_arn_suffix"]
                ).apply(lambda v: f"{v[0]}/{v[1]}"),
            )
        for key, (metric, value, label) in metrics.items():
            if value is None:
                continue
            aws.appautoscaling.Policy(
                f"{name}-{key}",
                name=f"{physical}-{key}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration={
                    "target_value": value,
                    "scale_in_cooldown": SCALE_IN_COOLDOWN,
                    "scale_out_cooldown": SCALE_OUT_COOLDOWN,
                    "predefined_metric_specification": {
                        "predefined_metric_type": metric,
                        "resource_label": label,
                    },
                },
                opts=pulumi.ResourceOptions(parent=self),
            )


def target_group_name(physical: str) -> str:
    """`<prefix>-<service>`, or, past the 32 characters AWS allows, its start and a hash."""
    if len(physical) <= TARGET_GROUP_NAME_LIMIT:
        return physical
    digest = hashlib.sha256(physical.encode()).hexdigest()[:6]
    return f"{physical[: TARGET_GROUP_NAME_LIMIT - 7].rstrip('-')}-{digest}"
