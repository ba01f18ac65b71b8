"""A scheduled job: an EventBridge Scheduler schedule that runs an ECS task in the app subnets,
with retries, an encrypted dead-letter queue, a role that may start only that task, and a
notification to the alerts topic when the task exits with an error."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import dead_letter_queue
from components.platform import Platform


class JobSettings(TypedDict):
    """What the stack config says of one job."""

    schedule: str
    """`cron(...)` or `rate(...)`, EventBridge Scheduler syntax."""
    time_zone: str
    """IANA time zone the schedule is read in."""
    service: str | None
    """Run this service's task with `command`; None: the job has its own image."""
    image: str | None
    """The job's own image, when it runs no service's task."""
    architecture: str
    """The own image's platform: arm64 or x86_64."""
    cpu: int
    """Fargate CPU units of the own task."""
    memory: int
    """Fargate memory in MiB of the own task."""
    command: Sequence[str] | None
    """The command the job runs."""
    retries: int
    """Times the scheduler retries a start that failed."""
    max_event_age_seconds: int
    """How long the scheduler keeps retrying a start."""
    enabled: bool
    """Whether the schedule runs."""


class ScheduledJobArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    name: str
    """The job's short name, from the config."""
    cluster_arn: pulumi.Input[str]
    """The ECS cluster the task runs in."""
    schedule: str
    """`cron(...)` or `rate(...)`, EventBridge Scheduler syntax (checked in the config)."""
    time_zone: str
    """IANA time zone the cron expression is read in."""
    enabled: bool
    """ENABLED or DISABLED: a disabled schedule keeps its settings and runs nothing."""
    task_definition_arn: pulumi.Input[str]
    """The task definition to run, the job's own or a service's, without a revision: the
    revision a deployment registered last."""
    family: pulumi.Input[str]
    """That task definition's family; the role may run only this family."""
    container_name: pulumi.Input[str]
    """The container whose command `command` overrides."""
    execution_role_arn: pulumi.Input[str]
    """The task's execution role, which the schedule passes to ECS."""
    task_role_arn: pulumi.Input[str]
    """The task's role, which the schedule passes to ECS."""
    command: Sequence[str] | None
    """The command to run instead of the image's; None keeps the task definition's."""
    retries: int
    """Attempts after a failed RunTask call (0-185)."""
    max_event_age_seconds: int
    """How long a run may keep being retried (60-86400 seconds)."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The app subnets."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """The app security group."""
    alerts_topic_arn: pulumi.Input[str]
    """SNS topic told when a run exits with an error."""


class ScheduledJob(pulumi.ComponentResource):
    """An ECS task on a schedule, with retries, a dead-letter queue and failure alerts."""

    schedule_name: pulumi.Output[str]
    """The EventBridge Scheduler schedule."""
    dead_letter_queue_arn: pulumi.Output[str]
    """Runs the scheduler could not start after every retry land here."""
    role_arn: pulumi.Output[str]
    """The role the scheduler runs the task with."""

    def __init__(
        self, name: str, args: ScheduledJobArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:ScheduledJob", name, None, opts)
        job_name = f"{args['platform']['name_prefix']}-{args['name']}"
        region, account = args["platform"]["region"], args["platform"]["account_id"]

        queue = dead_letter_queue(
            f"{name}-dlq", f"{job_name}-job-dlq", args["platform"]["data_key_arn"], self
        )
        role = aws.iam.Role(
            name,
            name=f"{job_name}-job",
            description=f"EventBridge Scheduler runs the job {job_name} with this role",
            assume_role_policy=json.dumps(trust_policy(region, account)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        family_arn = pulumi.Output.concat(
            f"arn:aws:ecs:{region}:{account}:task-definition/", args["family"]
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.json_dumps(
                scheduler_policy(
                    # Every revision of the family: the schedule names the family without a
                    # revision, so it runs the one a deployment registered last.
                    task_definitions=[
                        pulumi.Output.concat(family_arn, suffix) for suffix in ("", ":*")
                    ],
                    cluster_arn=args["cluster_arn"],
                    passed_roles=[args["execution_role_arn"], args["task_role_arn"]],
                    queue_arn=queue.arn,
                    data_kms_key_arn=args["platform"]["data_key_arn"],
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sqs.QueuePolicy(
            f"{name}-dlq",
            queue_url=queue.url,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SchedulerRoleSendsDeadLetters",
                            "Effect": "Allow",
                            "Principal": {"AWS": role.arn},
                            "Action": "sqs:SendMessage",
                            "Resource": queue.arn,
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sqs:*",
                            "Resource": queue.arn,
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        network = aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
            subnets=args["subnet_ids"],
            security_groups=list(args["security_group_ids"]),
            assign_public_ip=False,
        )
        schedule = aws.scheduler.Schedule(
            name,
            name=job_name,
            description=f"Runs the job {args['name']}",
            schedule_expression=args["schedule"],
            schedule_expression_timezone=args["time_zone"],
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            state="ENABLED" if args["enabled"] else "DISABLED",
            target=aws.scheduler.ScheduleTargetArgs(
                arn=args["cluster_arn"],
                role_arn=role.arn,
                ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                    task_definition_arn=args["task_definition_arn"],
                    launch_type="FARGATE",
                    task_count=1,
                    network_configuration=network,
                ),
                input=override_input(args["container_name"], args["command"]),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_retry_attempts=args["retries"],
                    maximum_event_age_in_seconds=args["max_event_age_seconds"],
                ),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=queue.arn),
            ),
            # Scheduler checks the role when the schedule is saved and at every run.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

        rule = aws.cloudwatch.EventRule(
            f"{name}-failed",
            name=f"{job_name}-failed",
            description=f"A run of the job {args['name']} stopped with an error",
            event_pattern=pulumi.Output.json_dumps(
                failure_pattern(args["cluster_arn"], args["family"])
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-failed",
            rule=rule.name,
            arn=args["alerts_topic_arn"],
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths={
                    "task": "$.detail.taskArn",
                    "stopped": "$.detail.stoppedAt",
                    "stopCode": "$.detail.stopCode",
                    "reason": "$.detail.stoppedReason",
                    "container": "$.detail.containers[0].name",
                    "exitCode": "$.detail.containers[0].exitCode",
                },
                input_template=(
                    f'"Job {job_name} failed at <stopped>: container <container> exited with '
                    'code <exitCode> (<stopCode>: <reason>). Task <task>."'
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.schedule_name = schedule.name
        self.dead_letter_queue_arn = queue.arn
        self.role_arn = role.arn
        self.register_outputs(
            {
                "schedule_name": self.schedule_name,
                "dead_letter_queue_arn": self.dead_letter_queue_arn,
                "role_arn": self.role_arn,
            }
        )


def trust_policy(region: str, account_id: str) -> dict[str, Any]:
    """EventBridge Scheduler may assume the role for this account's default schedule group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": account_id,
                        "aws:SourceArn": (
                            f"arn:aws:scheduler:{region}:{account_id}:schedule-group/default"
                        ),
                    }
                },
            }
        ],
    }


def scheduler_policy(
    *,
    task_definitions: Sequence[pulumi.Input[str]],
    cluster_arn: pulumi.Input[str],
    passed_roles: Sequence[pulumi.Input[str]],
    queue_arn: pulumi.Input[str],
    data_kms_key_arn: pulumi.Input[str],
) -> dict[str, Any]:
    """Run the family's task definitions in this cluster, hand ECS the task's two roles, and
    deliver dead letters to the encrypted queue; nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RunTheJobsTask",
                "Effect": "Allow",
                "Action": "ecs:RunTask",
                "Resource": list(task_definitions),
                "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
            },
            {
                "Sid": "PassTheTasksRoles",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": list(passed_roles),
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
            {
                "Sid": "SendDeadLetters",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "EncryptDeadLetters",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": data_kms_key_arn,
            },
        ],
    }


def override_input(
    container_name: pulumi.Input[str], command: Sequence[str] | None
) -> pulumi.Output[str] | None:
    """The RunTask overrides as Scheduler's `input` JSON: the container's command; None when
    the task definition's own command runs."""
    if not command:
        return None
    overrides = [{"name": container_name, "command": list(command)}]
    return pulumi.Output.json_dumps({"containerOverrides": overrides})


def failure_pattern(cluster_arn: pulumi.Input[str], family: pulumi.Input[str]) -> dict[str, Any]:
    """Tasks of the family, in this cluster, that stopped with a container's non-zero exit
    code, or that never started (no exit code at all: image pull, secrets, capacity).

    `group` is `family:<family>` for tasks started by RunTask, which is how Scheduler starts
    them; a service's own tasks are in `service:<name>` and do not match.
    """
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "group": [pulumi.Output.concat("family:", family)],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": ["TaskFailedToStart"]},
            ],
        },
    }
