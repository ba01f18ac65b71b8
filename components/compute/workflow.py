"""What a graph of jobs runs as: its Step Functions definition (Amazon States Language, in
JSONata) and the IAM documents of the state machine, its schedule and its key. Plain
functions of plain values, so the definition can be read and checked without an engine.

One job is one state wrapping its task: a Parallel state of one branch that runs the task
with the `.sync` ECS integration (Step Functions waits for the task to stop), reads the
container's exit code and fails the branch unless it is 0. The wrapper carries the job's
Retry (backoff) and Catch, so a non-zero exit, a task that never started, and a timeout are
retried the same way; the Catch publishes to the alerts topic the job's name, its exit code
or failure reason, and its log stream. Jobs of the same level of the graph run side by side
in a Parallel state; a job that failed lets its siblings finish, and the next level does
not start.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from components.foundation.keys import account_administers

RUN_TASK = "arn:aws:states:::ecs:runTask.sync"
PUBLISH = "arn:aws:states:::sns:publish"
LIST_EXECUTIONS = "arn:aws:states:::aws-sdk:sfn:listExecutions"
# The rule Step Functions manages in the account to hear of its ECS tasks stopping.
ECS_EVENTS_RULE = "StepFunctionsGetEventsForECSTaskRule"
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]
TRACING_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]
EXIT_CODE_ERROR = "Job.ExitCode"
FAILED_ERROR = "Job.Failed"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
CHECK_OVERLAP = "Check for a run in progress"
OVERLAP_CHOICE = "Run in progress?"
REPORT_SKIPPED = "Report the skipped run"
SKIPPED = "Skipped"
# Transient errors of a notification or a look-up: try a few times, quickly.
QUICK_RETRY = {
    "ErrorEquals": ["States.ALL"],
    "IntervalSeconds": 5,
    "MaxAttempts": 3,
    "BackoffRate": 2,
}


def state_machine_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account_id}:stateMachine:{name}"


def definition(
    *,
    title: str,
    levels: Sequence[Sequence[str]],
    jobs: Mapping[str, Mapping[str, Any]],
    overlap: str,
    cluster_arn: str,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    topic_arn: str,
) -> dict[str, Any]:
    """The state machine of one graph of jobs.

    `levels` are the graph's jobs, roots first; `jobs` has per job its `family`,
    `container_name`, `log_group_name`, `command` (None: the task definition's),
    `retry_attempts`, `retry_interval_seconds`, `retry_backoff_rate` and `timeout_minutes`.
    `overlap` "skip" starts with a look at the state machine's own running executions and
    ends with a notice when another one is running.
    """
    network = {
        "AwsvpcConfiguration": {
            "Subnets": list(subnet_ids),
            "SecurityGroups": list(security_group_ids),
            "AssignPublicIp": "DISABLED",
        }
    }
    states: dict[str, Any] = {}
    entries = [
        level[0] if len(level) == 1 else _level_name(i, level) for i, level in enumerate(levels)
    ]
    for i, level in enumerate(levels):
        following = entries[i + 1] if i + 1 < len(levels) else SUCCEEDED
        if len(level) == 1:
            (name,) = level
            states.update(
                _job_states(title, name, jobs[name], cluster_arn, network, topic_arn, following)
            )
            continue
        states[entries[i]] = {
            "Type": "Parallel",
            "Comment": f"{', '.join(level)} side by side; each reports its own failure",
            "Branches": [
                {
                    "StartAt": name,
                    "States": _job_states(
                        title, name, jobs[name], cluster_arn, network, topic_arn, None
                    ),
                }
                for name in level
            ],
            "Next": f"{entries[i]}: all succeeded?",
        }
        states[f"{entries[i]}: all succeeded?"] = {
            "Type": "Choice",
            "Choices": [{"Condition": "{% true in $states.input.failed %}", "Next": FAILED}],
            "Default": following,
        }
    states[SUCCEEDED] = {"Type": "Succeed"}
    states[FAILED] = {
        "Type": "Fail",
        "Error": FAILED_ERROR,
        "Cause": "A job failed after its retries; the alerts topic has its exit code and log "
        "stream, and the graph's later jobs did not run.",
    }
    start = entries[0]
    if overlap == "skip":
        states.update(_overlap_states(title, topic_arn, start))
        start = CHECK_OVERLAP
    return {
        "Comment": f"Jobs {title}: {' -> '.join(', '.join(level) for level in levels)}",
        "QueryLanguage": "JSONata",
        "StartAt": start,
        "States": states,
    }


def _level_name(index: int, level: Sequence[str]) -> str:
    """`Together 2: b, c`, shortened to stay within the 80 characters of a state name."""
    name = f"Together {index + 1}: {', '.join(level)}"
    return name if len(name) <= 60 else f"Together {index + 1}: {len(level)} jobs"


def _job_states(
    title: str,
    name: str,
    job: Mapping[str, Any],
    cluster_arn: str,
    network: Mapping[str, Any],
    topic_arn: str,
    following: str | None,
) -> dict[str, Any]:
    """The job's wrapper state (run, check the exit code, retry, catch) and its report.

    `following` is the next state at the top level; None inside a level's Parallel
    branch, where the job's outcome (`failed`) ends the branch either way.
    """
    run, check, ok, bad = (
        f"{name}: run",
        f"{name}: exit code",
        f"{name}: exited 0",
        f"{name}: exited non-zero",
    )
    report = f"{name}: report the failure"
    arguments: dict[str, Any] = {
        "Cluster": cluster_arn,
        # The family without a revision: the revision a deployment registered last.
        "TaskDefinition": job["family"],
        "LaunchType": "FARGATE",
        "NetworkConfiguration": network,
        "PropagateTags": "TASK_DEFINITION",
    }
    if job["command"]:
        arguments["Overrides"] = {
            "ContainerOverrides": [{"Name": job["container_name"], "Command": list(job["command"])}]
        }
    wrapper: dict[str, Any] = {
        "Type": "Parallel",
        "Comment": f"Job {name}: its task, retried with backoff when it fails",
        "Branches": [
            {
                "StartAt": run,
                "States": {
                    run: {
                        "Type": "Task",
                        "Resource": RUN_TASK,
                        "Arguments": arguments,
                        "TimeoutSeconds": job["timeout_minutes"] * 60,
                        "Next": check,
                    },
                    check: {
                        "Type": "Choice",
                        "Choices": [
                            {
                                "Condition": "{% $states.input.Containers[0].ExitCode = 0 %}",
                                "Next": ok,
                            }
                        ],
                        "Default": bad,
                    },
                    ok: {"Type": "Succeed"},
                    # The stopped task's description is the cause: the report reads its exit
                    # code, stop reason and task id from it.
                    bad: {
                        "Type": "Fail",
                        "Error": EXIT_CODE_ERROR,
                        "Cause": "{% $string($states.input) %}",
                    },
                },
            }
        ],
        "Output": {"job": name, "failed": False},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": report}],
    }
    if job["retry_attempts"]:
        wrapper["Retry"] = [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": job["retry_interval_seconds"],
                "MaxAttempts": job["retry_attempts"],
                "BackoffRate": job["retry_backoff_rate"],
            }
        ]
    reporting: dict[str, Any] = {
        "Type": "Task",
        "Resource": PUBLISH,
        "Arguments": {
            "TopicArn": topic_arn,
            "Subject": f"{title}: job {name} failed"[:100],
            "Message": _failure_message(title, name, job),
        },
        "Output": {"job": name, "failed": True},
        "Retry": [QUICK_RETRY],
    }
    if following is None:
        wrapper["End"] = True
        reporting["End"] = True
    else:
        wrapper["Next"] = following
        reporting["Next"] = FAILED
    return {name: wrapper, report: reporting}


def _failure_message(title: str, name: str, job: Mapping[str, Any]) -> str:
    """A JSONata expression over the caught error ({Error, Cause}): when the cause is a
    stopped task's description, its exit code (or why it stopped) and its log stream
    (`<prefix>/<container>/<task id>`, the awslogs prefix being the container's name);
    otherwise the error and its cause (a timeout, a task ECS refused to start)."""
    container = job["container_name"]
    return (
        "{% ( $cause := $states.input.Cause; "
        "$task := ($type($cause) = 'string' and $contains($cause, /^\\s*\\{/)) "
        "? $parse($cause) : {}; "
        "$exit := $task.Containers[0].ExitCode; "
        "$reason := $exists($exit) "
        "? 'exit code ' & $string($exit) & ($task.StoppedReason ? ' (' & $task.StoppedReason "
        "& ')' : '') "
        ": ($task.StoppedReason ? $task.StoppedReason "
        ": $states.input.Error & ($cause ? ': ' & $cause : '')); "
        "$stream := $task.TaskArn "
        f"? '{container}/{container}/' & $split($task.TaskArn, '/')[-1] "
        f": 'none (the task did not start)'; "
        f"'Job {name} of {title} failed after its retries: ' & $reason & '. Log group "
        f"{job['log_group_name']}, stream ' & $stream & '. Execution ' & "
        "$states.context.Execution.Id & '.' ) %}"
    )


def _overlap_states(title: str, topic_arn: str, start: str) -> dict[str, Any]:
    """Skip a run while another execution of the same state machine is running: list the
    running executions (the SDK integration), and end with a notice if one is not this."""
    return {
        CHECK_OVERLAP: {
            "Type": "Task",
            "Resource": LIST_EXECUTIONS,
            "Arguments": {
                "StateMachineArn": "{% $states.context.StateMachine.Id %}",
                "StatusFilter": "RUNNING",
                "MaxResults": 10,
            },
            "Output": {
                "others": "{% $count($states.result.Executions"
                "[ExecutionArn != $states.context.Execution.Id]) %}"
            },
            "Retry": [QUICK_RETRY],
            "Next": OVERLAP_CHOICE,
        },
        OVERLAP_CHOICE: {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.others > 0 %}", "Next": REPORT_SKIPPED}],
            "Default": start,
        },
        REPORT_SKIPPED: {
            "Type": "Task",
            "Resource": PUBLISH,
            "Arguments": {
                "TopicArn": topic_arn,
                "Subject": f"{title}: run skipped"[:100],
                "Message": f"{{% 'Skipped a run of {title}: the previous run is still going "
                "(overlap: skip). Execution ' & $states.context.Execution.Id & '.' %}",
            },
            "Retry": [QUICK_RETRY],
            "Next": SKIPPED,
        },
        SKIPPED: {"Type": "Succeed", "Comment": "Another run of these jobs was still going"},
    }


def trust_policy(service: str, account_id: str, source_arn: str) -> dict[str, Any]:
    """Only `service`, acting for this account's `source_arn`, may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            }
        ],
    }


def state_machine_policy(
    *,
    region: str,
    account_id: str,
    machine_arn: str,
    families: Sequence[str],
    cluster_arn: str,
    passed_roles: Sequence[str],
    topic_arn: str,
    data_key_arn: str,
    workflow_key_arn: str,
    lists_executions: bool,
) -> dict[str, Any]:
    """What the state machine may do: run exactly its jobs' task families in the cluster,
    watch and stop those tasks, keep the ECS events rule Step Functions manages, pass the
    tasks' roles to ECS, publish to the encrypted alerts topic, see its own executions (for
    the overlap check), use its key, deliver its logs and write traces."""
    task_definitions = [
        f"arn:aws:ecs:{region}:{account_id}:task-definition/{family}{suffix}"
        for family in families
        for suffix in ("", ":*")
    ]
    cluster_name = cluster_arn.rsplit("/", 1)[-1]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "RunTheJobsTasks",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": task_definitions,
            "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
        },
        {
            "Sid": "WatchAndStopTheTasks",
            "Effect": "Allow",
            "Action": ["ecs:DescribeTasks", "ecs:StopTask"],
            "Resource": f"arn:aws:ecs:{region}:{account_id}:task/{cluster_name}/*",
        },
        {
            # The task inherits the task definition's tags (PropagateTags), for cost reports.
            "Sid": "TagTheTasksItStarts",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": f"arn:aws:ecs:{region}:{account_id}:task/{cluster_name}/*",
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "HearOfStoppedTasks",
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": f"arn:aws:events:{region}:{account_id}:rule/{ECS_EVENTS_RULE}",
        },
        {
            "Sid": "PassTheTasksRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": list(passed_roles),
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            "Sid": "ReportToAlerts",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": topic_arn,
        },
        {
            "Sid": "EncryptAlerts",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": data_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com"}},
        },
    ]
    if lists_executions:
        statements.append(
            {
                "Sid": "SeeOwnRuns",
                "Effect": "Allow",
                "Action": "states:ListExecutions",
                "Resource": machine_arn,
            }
        )
    statements += [
        {
            "Sid": "UseTheWorkflowKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": workflow_key_arn,
            "Condition": {
                "StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": machine_arn}
            },
        },
        {
            "Sid": "EncryptDeliveredLogs",
            "Effect": "Allow",
            "Action": "kms:GenerateDataKey",
            "Resource": workflow_key_arn,
            "Condition": {
                "StringEquals": {
                    "kms:EncryptionContext:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"
                }
            },
        },
        # Log delivery and X-Ray take no resource but `*`.
        {"Sid": "DeliverLogs", "Effect": "Allow", "Action": LOG_DELIVERY_ACTIONS, "Resource": "*"},
        {"Sid": "WriteTraces", "Effect": "Allow", "Action": TRACING_ACTIONS, "Resource": "*"},
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def scheduler_policy(
    *,
    machine_arn: str,
    queue_arn: str,
    data_key_arn: str,
    workflow_key_arn: str,
) -> dict[str, Any]:
    """Start this state machine, and deliver starts that failed to the encrypted queue."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StartTheWorkflow",
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": machine_arn,
            },
            {
                "Sid": "EncryptTheExecutionInput",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": workflow_key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:EncryptionContext:aws:states:stateMachineArn": machine_arn
                    }
                },
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
                "Resource": data_key_arn,
            },
        ],
    }


def workflow_key_policy(region: str, account_id: str, name_prefix: str) -> dict[str, Any]:
    """The account administers and uses the key through IAM (each state machine's role is
    granted it for its own encryption context); CloudWatch Logs' delivery service decrypts
    the execution data it delivers to the state machines' log groups, for this account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            account_administers(account_id),
            {
                "Sid": "LogDeliveryReadsWorkflowLogs",
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
                },
            },
        ],
    }
