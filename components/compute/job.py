"""A graph of jobs (one job alone is a graph of one): a Step Functions state machine that runs
each job's ECS task in dependency order, with retries, timeouts and failure reports, logging to
a KMS-encrypted log group and traced; and the EventBridge Scheduler schedule that starts it,
with its own retries and an encrypted dead-letter queue for starts that failed.

The definition and the IAM documents are built in `components.compute.workflow`."""

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import dead_letter_queue
from components.compute import workflow
from components.platform import Platform


class RetrySettings(TypedDict):
    """Retries of a failed run, with exponential backoff."""

    attempts: int
    """Runs after the first; 0: none."""
    interval_seconds: int
    """Seconds before the first retry."""
    backoff_rate: float
    """Each next wait is this many times longer."""


class JobSettings(TypedDict):
    """What the stack config says of one job."""

    schedule: str | None
    """`cron(...)` or `rate(...)`, EventBridge Scheduler syntax; None: the job runs `after`
    others."""
    after: Sequence[str]
    """The jobs that must succeed before this one runs; empty for a job with a schedule."""
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
    retries: RetrySettings
    """How a failed run is retried."""
    timeout_minutes: int
    """A run longer than this is stopped and counts as failed."""
    overlap: str
    """"skip" or "allow": a start while the graph's previous run still goes."""
    start_retries: int
    """Times the scheduler retries a workflow start that failed."""
    max_event_age_seconds: int
    """How long the scheduler keeps retrying a start."""
    enabled: bool
    """Whether the schedule runs."""


class WorkflowJob(TypedDict):
    """One job of a graph, as its state machine runs it."""

    family: pulumi.Input[str]
    """The task definition family it runs (the latest revision); the role may run only these."""
    container_name: pulumi.Input[str]
    """The task's container: its command is overridden, and it names the log stream."""
    log_group_name: pulumi.Input[str]
    """Where the task's container logs go."""
    execution_role_arn: pulumi.Input[str]
    """The task's execution role, which the state machine passes to ECS."""
    task_role_arn: pulumi.Input[str]
    """The task's role, which the state machine passes to ECS."""
    command: Sequence[str] | None
    """The command to run instead of the task definition's; None keeps it."""
    retry_attempts: int
    """Runs after the first when it fails; 0: none."""
    retry_interval_seconds: int
    """Seconds before the first retry."""
    retry_backoff_rate: float
    """Each next wait is this many times longer."""
    timeout_minutes: int
    """A run longer than this is stopped and counts as failed."""


class JobWorkflowArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    name: str
    """The graph's name: its (first) root job's name."""
    levels: Sequence[Sequence[str]]
    """The graph's jobs by level: the roots first, then each job one level below the deepest
    job it runs after; jobs of one level run side by side."""
    jobs: Mapping[str, WorkflowJob]
    """Each job of the graph by name."""
    cluster_arn: pulumi.Input[str]
    """The ECS cluster the tasks run in."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The app subnets."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """The app security group."""
    alerts_topic_arn: pulumi.Input[str]
    """SNS topic told of a job that failed after its retries, and of a skipped run."""
    workflow_key_arn: pulumi.Input[str]
    """The customer-managed key the state machine's definition and history are encrypted
    with."""
    schedule: str
    """`cron(...)` or `rate(...)`, EventBridge Scheduler syntax (checked in the config)."""
    time_zone: str
    """IANA time zone the schedule is read in."""
    enabled: bool
    """ENABLED or DISABLED: a disabled schedule keeps its settings and starts nothing."""
    overlap: str
    """"skip": a run that starts while the previous one is going ends with a notice;
    "allow": it runs."""
    start_retries: int
    """Attempts after a failed StartExecution call (0-185)."""
    max_event_age_seconds: int
    """How long a start may keep being retried (60-86400 seconds)."""


class JobWorkflow(pulumi.ComponentResource):
    """A graph of jobs as one state machine, started on a schedule."""

    state_machine_arn: pulumi.Output[str]
    """The Step Functions state machine that runs the graph."""
    schedule_name: pulumi.Output[str]
    """The EventBridge Scheduler schedule that starts it."""
    dead_letter_queue_arn: pulumi.Output[str]
    """Starts the scheduler could not make after every retry land here."""
    dead_letter_queue_name: pulumi.Output[str]
    """That queue's name (the `QueueName` of its metrics)."""
    role_arn: pulumi.Output[str]
    """The role the state machine runs with."""
    log_group_name: pulumi.Output[str]
    """The state machine's execution log group."""

    def __init__(
        self, name: str, args: JobWorkflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:compute:JobWorkflow", name, None, opts)
        platform = args["platform"]
        region, account = platform["region"], platform["account_id"]
        physical = f"{platform['name_prefix']}-{args['name']}"
        machine_arn = workflow.state_machine_arn(region, account, physical)
        child = pulumi.ResourceOptions(parent=self)
        jobs = args["jobs"]

        # /aws/vendedlogs/ keeps log delivery's resource policy on the log groups short.
        log_group = aws.cloudwatch.LogGroup(
            name,
            name=f"/aws/vendedlogs/states/{physical}",
            retention_in_days=platform["log_retention_days"],
            kms_key_id=platform["logs_key_arn"],
            opts=child,
        )
        role = aws.iam.Role(
            name,
            name=f"{physical}-jobs",
            description=f"Step Functions runs the jobs {physical} with this role",
            assume_role_policy=json.dumps(
                workflow.trust_policy("states.amazonaws.com", account, machine_arn)
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=pulumi.Output.all(
                families=pulumi.Output.all(*[j["family"] for j in jobs.values()]),
                roles=pulumi.Output.all(
                    *[
                        r
                        for j in jobs.values()
                        for r in (j["execution_role_arn"], j["task_role_arn"])
                    ]
                ),
                cluster=args["cluster_arn"],
                topic=args["alerts_topic_arn"],
                data_key=platform["data_key_arn"],
                workflow_key=args["workflow_key_arn"],
            ).apply(
                lambda v: json.dumps(
                    workflow.state_machine_policy(
                        region=region,
                        account_id=account,
                        machine_arn=machine_arn,
                        families=sorted(set(v["families"])),
                        cluster_arn=v["cluster"],
                        passed_roles=sorted(set(v["roles"])),
                        topic_arn=v["topic"],
                        data_key_arn=v["data_key"],
                        workflow_key_arn=v["workflow_key"],
                        lists_executions=args["overlap"] == "skip",
                    )
                )
            ),
            opts=child,
        )
        definition = pulumi.Output.all(
            jobs=pulumi.Output.all(
                *[
                    pulumi.Output.all(j["family"], j["container_name"], j["log_group_name"]).apply(
                        lambda v, j=j: {
                            **_plain(j),
                            "family": v[0],  # type: ignore[misc]
                            "container_name": v[1],
                            "log_group_name": v[2],
                        }
                    )
                    for j in jobs.values()
                ]
            ),
            cluster=args["cluster_arn"],
            subnets=args["subnet_ids"],
            groups=pulumi.Output.all(*args["security_group_ids"]),
            topic=args["alerts_topic_arn"],
        ).apply(
            lambda v: json.dumps(
                workflow.definition(
                    title=physical,
                    levels=args["levels"],
                    jobs=dict(zip(jobs, v["jobs"], strict=True)),
                    overlap=args["overlap"],
                    cluster_arn=v["cluster"],
                    subnet_ids=v["subnets"],
                    security_group_ids=v["groups"],
                    topic_arn=v["topic"],
                )
            )
        )
        machine = aws.sfn.StateMachine(
            name,
            name=physical,
            type="STANDARD",
            role_arn=role.arn,
            definition=definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                log_destination=log_group.arn.apply(lambda arn: f"{arn}:*"),
                level="ALL",
                include_execution_data=True,
            ),
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=True),
            encryption_configuration=aws.sfn.StateMachineEncryptionConfigurationArgs(
                type="CUSTOMER_MANAGED_KMS_KEY",
                kms_key_id=args["workflow_key_arn"],
                kms_data_key_reuse_period_seconds=300,
            ),
            # Step Functions checks the role (and its logging and key permissions) when the
            # state machine is saved.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        # The ARN from the name AWS confirms, so what depends on it waits for the machine.
        arn = machine.name.apply(lambda n: workflow.state_machine_arn(region, account, n))

        queue = dead_letter_queue(
            f"{name}-dlq", f"{physical}-jobs-dlq", platform["data_key_arn"], self
        )
        scheduler_role = aws.iam.Role(
            f"{name}-schedule",
            name=f"{physical}-jobs-schedule",
            description=f"EventBridge Scheduler starts the jobs {physical} with this role",
            assume_role_policy=json.dumps(
                workflow.trust_policy(
                    "scheduler.amazonaws.com",
                    account,
                    f"arn:aws:scheduler:{region}:{account}:schedule-group/default",
                )
            ),
            opts=child,
        )
        scheduler_policy = aws.iam.RolePolicy(
            f"{name}-schedule",
            role=scheduler_role.id,
            policy=pulumi.Output.all(
                arn=arn,
                queue=queue.arn,
                data_key=platform["data_key_arn"],
                workflow_key=args["workflow_key_arn"],
            ).apply(
                lambda v: json.dumps(
                    workflow.scheduler_policy(
                        machine_arn=v["arn"],
                        queue_arn=v["queue"],
                        data_key_arn=v["data_key"],
                        workflow_key_arn=v["workflow_key"],
                    )
                )
            ),
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-dlq",
            queue_url=queue.url,
            policy=pulumi.Output.json_dumps(
                dead_letter_queue_policy(scheduler_role.arn, queue.arn)
            ),
            opts=child,
        )
        schedule = aws.scheduler.Schedule(
            name,
            name=physical,
            description=schedule_description(args["levels"]),
            schedule_expression=args["schedule"],
            schedule_expression_timezone=args["time_zone"],
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            state="ENABLED" if args["enabled"] else "DISABLED",
            # The schedule's payload encrypted with the data key (the role may decrypt with it).
            kms_key_arn=platform["data_key_arn"],
            target=aws.scheduler.ScheduleTargetArgs(
                # The templated Step Functions target: StartExecution with `input`.
                arn=arn,
                role_arn=scheduler_role.arn,
                input=json.dumps({"scheduledTime": "<aws.scheduler.scheduled-time>"}),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_retry_attempts=args["start_retries"],
                    maximum_event_age_in_seconds=args["max_event_age_seconds"],
                ),
                dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=queue.arn),
            ),
            # Scheduler checks the role when the schedule is saved and at every run.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[scheduler_policy]),
        )

        self.state_machine_arn = arn
        self.schedule_name = schedule.name
        self.dead_letter_queue_arn = queue.arn
        self.dead_letter_queue_name = queue.name
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "state_machine_arn": self.state_machine_arn,
                "schedule_name": self.schedule_name,
                "dead_letter_queue_arn": self.dead_letter_queue_arn,
                "dead_letter_queue_name": self.dead_letter_queue_name,
                "role_arn": self.role_arn,
                "log_group_name": self.log_group_name,
            }
        )


# A schedule's Description is 512 characters at most (botocore's scheduler model).
SCHEDULE_DESCRIPTION_MAX = 512


def schedule_description(levels: Sequence[Sequence[str]]) -> str:
    """The jobs a schedule starts, level by level, cut to what Scheduler takes."""
    text = f"Starts the jobs {' -> '.join(', '.join(level) for level in levels)}"
    if len(text) <= SCHEDULE_DESCRIPTION_MAX:
        return text
    return text[: SCHEDULE_DESCRIPTION_MAX - 3] + "..."


def _plain(job: WorkflowJob) -> dict[str, Any]:
    """The job's settings the definition reads that are plain values already."""
    keys = (
        "command",
        "retry_attempts",
        "retry_interval_seconds",
        "retry_backoff_rate",
        "timeout_minutes",
    )
    return {key: job[key] for key in keys}  # type: ignore[literal-required]


def dead_letter_queue_policy(
    role_arn: pulumi.Input[str], queue_arn: pulumi.Input[str]
) -> dict[str, Any]:
    """The scheduler's role sends dead letters; nothing reaches the queue without TLS."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SchedulerRoleSendsDeadLetters",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            },
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": queue_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def workflow_key(name: str, platform: Platform, parent: pulumi.Resource) -> aws.kms.Key:
    """The key the stack's state machines are encrypted with: rotated, protected like the
    other keys, and readable by CloudWatch Logs' delivery for the execution logs."""
    key = aws.kms.Key(
        name,
        description=f"{platform['name_prefix']} job workflows",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps(
            workflow.workflow_key_policy(
                platform["region"], platform["account_id"], platform["name_prefix"]
            )
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=platform["protect"]),
    )
    aws.kms.Alias(
        name,
        name=f"alias/{platform['name_prefix']}-workflows",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return key
