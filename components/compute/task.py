"""What one Fargate container needs to run, for a service or a scheduled job: its log group, its
execution and task roles, and its task definition."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.platform import Platform

# Where the ECS Exec (SSM) agent writes inside the container; with a read-only root filesystem
# each needs a writable task volume, or the agent cannot start and `execute-command` fails
# (aws/containers-roadmap#1359).
EXEC_AGENT_PATHS = {
    "exec-managed-agents": "/managed-agents",
    "exec-ssm-state": "/var/lib/amazon/ssm",
    "exec-ssm-logs": "/var/log/amazon/ssm",
}
EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TABLE_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
]
OBJECT_ACTIONS = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


class HealthCheck(TypedDict):
    command: Sequence[str]
    """Such as ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]."""
    interval_seconds: int
    """Seconds between checks."""
    timeout_seconds: int
    """Seconds a check may take before it counts as failed."""
    retries: int
    """Consecutive failures that make the container unhealthy."""
    start_period_seconds: int
    """Failures in this time after start do not count."""


class TaskArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    name: str
    """The service's or job's name: the container's name and the end of the family name."""
    project_path: str
    """`/<project>/<environment>`: the execution role reads the SSM parameters under it."""
    image: str
    """The container image, with a tag or digest."""
    architecture: str
    """"arm64" (Graviton) or "x86_64": the platform the image is built for."""
    cpu: int
    """Fargate CPU units (256 to 16384)."""
    memory: int
    """Memory in MiB, a size Fargate allows with `cpu`."""
    port: int | None
    """The container port for a web-facing task, or None."""
    command: Sequence[str] | None
    """Overrides the image's command, or None for the image's own."""
    environment: Mapping[str, str]
    """Plain environment variables."""
    secrets: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Environment variable name to the ARN of an SSM parameter or a Secrets Manager secret
    (optionally with `:json-key:version-stage:version-id`), injected by `valueFrom`. May be an
    output, such as a selection of the `Parameters` component's ARNs."""
    health_check: HealthCheck | None
    """The container health check, or None."""
    readonly_root_filesystem: bool
    """Mount the root filesystem read-only (the app writes only to volumes and /tmp mounts)."""
    log_datetime_format: str | None
    """`awslogs-datetime-format`: a line starting with it begins a new event, so multi-line
    stack traces stay one event. None: every line is an event."""
    table_arns: Sequence[pulumi.Input[str]]
    """DynamoDB tables the task reads and writes (and their indexes)."""
    bucket_arns: Sequence[pulumi.Input[str]]
    """S3 buckets whose objects the task reads, writes and lists."""
    exec_log_group_arn: NotRequired[pulumi.Input[str]]
    """The cluster's ECS Exec log group: the task role may write session logs to it. Leave it
    out for a task nobody execs into."""
    database_connect_arn: NotRequired[pulumi.Input[str] | None]
    """`rds-db:connect` resource of the database user through the proxy; None: no IAM
    database access."""


class Task(pulumi.ComponentResource):
    """A Fargate task definition of one essential container (awsvpc), with its log group,
    an execution role that pulls the image and reads exactly the task's secrets, and a task role
    limited to its tables and buckets and to ECS Exec."""

    task_definition_arn: pulumi.Output[str]
    """The task definition revision this stack created."""
    latest_task_definition_arn: pulumi.Output[str]
    """The ARN without a revision: whatever revision was registered last (by a deployment too)."""
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
        self, name: str, args: TaskArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:Task", name, None, opts)
        self._name = name
        physical = f"{args['platform']['name_prefix']}-{args['name']}"
        log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/ecs/{args['platform']['name_prefix']}/{args['name']}",
            retention_in_days=args["platform"]["log_retention_days"],
            kms_key_id=args["platform"]["logs_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        secrets: pulumi.Output[dict[str, str]] = pulumi.Output.from_input(args["secrets"])  # type: ignore[arg-type]
        execution_role = self._role("exec", f"{physical}-exec", args, source_arn=False)
        aws.iam.RolePolicyAttachment(
            f"{name}-exec",
            role=execution_role.name,
            policy_arn=EXECUTION_POLICY_ARN,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-exec",
            role=execution_role.id,
            policy=pulumi.Output.all(
                secrets=secrets.apply(lambda s: list(s.values())),
                key=args["platform"]["secrets_key_arn"],
            ).apply(lambda v: json.dumps(execution_policy(args, v["secrets"], v["key"]))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        task_role = self._role("task", f"{physical}-task", args, source_arn=True)
        aws.iam.RolePolicy(
            f"{name}-task",
            role=task_role.id,
            policy=pulumi.Output.all(
                tables=pulumi.Output.all(*args["table_arns"]),
                buckets=pulumi.Output.all(*args["bucket_arns"]),
                key=args["platform"]["data_key_arn"],
                exec_logs=args.get("exec_log_group_arn"),
                exec_key=args["platform"]["logs_key_arn"],
                database=args.get("database_connect_arn"),
            ).apply(
                lambda v: json.dumps(
                    task_policy(
                        args["platform"]["region"],
                        v["tables"],
                        v["buckets"],
                        v["key"],
                        v["exec_logs"],
                        v["exec_key"],
                        v["database"],
                    )
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        definition = aws.ecs.TaskDefinition(
            name,
            family=physical,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(args["cpu"]),
            memory=str(args["memory"]),
            runtime_platform={
                "cpu_architecture": args["architecture"].upper(),
                "operating_system_family": "LINUX",
            },
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            volumes=[{"name": volume} for volume in exec_volumes(args)],
            container_definitions=pulumi.Output.json_dumps(
                [container_definition(args, log_group.name, secrets)]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.task_definition_arn = definition.arn
        self.latest_task_definition_arn = definition.arn_without_revision
        self.family = definition.family
        self.container_name = pulumi.Output.from_input(args["name"])
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = task_role.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "task_definition_arn": self.task_definition_arn,
                "latest_task_definition_arn": self.latest_task_definition_arn,
                "family": self.family,
                "container_name": self.container_name,
                "execution_role_arn": self.execution_role_arn,
                "task_role_arn": self.task_role_arn,
                "log_group_name": self.log_group_name,
            }
        )

    def _role(self, kind: str, role_name: str, args: TaskArgs, source_arn: bool) -> aws.iam.Role:
        """A role only ECS tasks of this account (and, for the task role, only tasks this
        account's ECS started) can assume."""
        region, account = args["platform"]["region"], args["platform"]["account_id"]
        condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account}}
        if source_arn:
            condition["ArnLike"] = {"aws:SourceArn": f"arn:aws:ecs:{region}:{account}:*"}
        return aws.iam.Role(
            f"{self._name}-{kind}",
            name=role_name,
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": condition,
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def secret_resource(value_from: str) -> str:
    """The ARN IAM knows a `valueFrom` by: a Secrets Manager reference loses its
    `:json-key:version-stage:version-id` suffix."""
    if value_from.startswith("arn:aws:secretsmanager:"):
        return ":".join(value_from.split(":")[:7])
    return value_from


def execution_policy(args: TaskArgs, secrets: Sequence[str], key_arn: str) -> dict[str, Any]:
    """Read the stack's parameters (and any other parameter the task names), exactly the
    Secrets Manager secrets the task names, and decrypt them with the secrets key."""
    region, account = args["platform"]["region"], args["platform"]["account_id"]
    prefix = ssm_parameter_arn(region, account, f"{args['project_path']}/")
    others = sorted({s for s in secrets if ":ssm:" in s and not s.startswith(prefix)})
    parameters = [prefix + "*", *others]
    managed = sorted({secret_resource(s) for s in secrets if ":secretsmanager:" in s})
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameters",
            "Resource": parameters,
        }
    ]
    if managed:
        statements.append(
            {
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": managed,
            }
        )
    statements.append(
        {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}
    )
    return {"Version": "2012-10-17", "Statement": statements}


def task_policy(
    region: str,
    tables: Sequence[str],
    buckets: Sequence[str],
    data_key_arn: str,
    exec_log_group_arn: str | None,
    exec_key_arn: str | None = None,
    database_connect_arn: str | None = None,
) -> dict[str, Any]:
    """What the application itself may do: its tables and buckets, the data key only through
    DynamoDB and S3, and the channels ECS Exec opens (which take no resource but `*`)."""
    statements: list[dict[str, Any]] = []
    if tables:
        statements.append(
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": TABLE_ACTIONS,
                "Resource": [r for t in tables for r in (t, f"{t}/index/*")],
            }
        )
    if buckets:
        statements += [
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": OBJECT_ACTIONS,
                "Resource": [f"{b}/*" for b in buckets],
            },
            {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": list(buckets)},
        ]  # fmt: skip
    if tables or buckets:
        services = [f"dynamodb.{region}.amazonaws.com"] * bool(tables) + [
            f"s3.{region}.amazonaws.com"
        ] * bool(buckets)
        statements.append(
            {
                "Sid": "DataKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": data_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": services}},
            }
        )
    statements.append(
        {"Sid": "EcsExec", "Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"}
    )
    if exec_log_group_arn:
        statements += [
            {
                "Sid": "EcsExecFindLogGroup",
                "Effect": "Allow",
                "Action": "logs:DescribeLogGroups",
                "Resource": exec_log_group_arn.split(":log-group:")[0] + ":log-group:*",
            },
            {
                "Sid": "EcsExecSessionLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": f"{exec_log_group_arn}:*",
            },
        ]
    if database_connect_arn:
        statements.append(
            {
                "Sid": "DatabaseThroughTheProxy",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": database_connect_arn,
            }
        )
    if exec_log_group_arn and exec_key_arn:
        statements.append(
            {
                "Sid": "EcsExecSessionKey",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": exec_key_arn,
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def exec_volumes(args: TaskArgs) -> dict[str, str]:
    """Task volumes (Fargate ephemeral storage) by container path for the ECS Exec agent: needed
    when Exec is on (the task has an Exec log group) and the root filesystem is read-only."""
    if args.get("exec_log_group_arn") is None or not args["readonly_root_filesystem"]:
        return {}
    return EXEC_AGENT_PATHS


def container_definition(
    args: TaskArgs, log_group: pulumi.Input[str], secrets: pulumi.Output[dict[str, str]]
) -> dict[str, Any]:
    """The task's one essential container, as ECS's container definition JSON."""
    options: dict[str, pulumi.Input[str]] = {
        "awslogs-group": log_group,
        "awslogs-region": args["platform"]["region"],
        "awslogs-stream-prefix": args["name"],
    }
    if args["log_datetime_format"]:
        options["awslogs-datetime-format"] = args["log_datetime_format"]
    container: dict[str, Any] = {
        "name": args["name"],
        "image": args["image"],
        "essential": True,
        "readonlyRootFilesystem": args["readonly_root_filesystem"],
        "portMappings": [{"containerPort": args["port"], "protocol": "tcp"}]
        if args["port"] is not None
        else [],
        "environment": [{"name": k, "value": v} for k, v in sorted(args["environment"].items())],
        "secrets": secrets.apply(
            lambda s: [{"name": k, "valueFrom": v} for k, v in sorted(s.items())]
        ),
        "logConfiguration": {"logDriver": "awslogs", "options": options},
    }
    if args["command"]:
        container["command"] = list(args["command"])
    volumes = exec_volumes(args)
    if volumes:
        container["mountPoints"] = [
            {"sourceVolume": volume, "containerPath": path, "readOnly": False}
            for volume, path in volumes.items()
        ]
    check = args["health_check"]
    if check:
        container["healthCheck"] = {
            "command": list(check["command"]),
            "interval": check["interval_seconds"],
            "timeout": check["timeout_seconds"],
            "retries": check["retries"],
            "startPeriod": check["start_period_seconds"],
        }
    return container


def ssm_parameter_arn(region: str, account_id: str, name: str) -> str:
    """The ARN of the SSM parameter `name` (which starts with `/`)."""
    return f"arn:aws:ssm:{region}:{account_id}:parameter{name}"
