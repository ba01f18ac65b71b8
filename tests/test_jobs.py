"""Jobs: each graph of jobs (`after`) is one Step Functions state machine, started by an
EventBridge Scheduler schedule; each job runs an ECS task (a service's with the job's command,
or its own) with retries, a timeout and a failure report to the alerts topic; the state
machine's role may run only those task families."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from components.compute import job as job_component
from components.config.compute import job_graphs
from plan import engine
from tests import asl
from tests.conftest import MINIMAL, PROJECT_DIR, by_name, of_type, stack_plan, write_stack
from tests.test_config import load

MACHINE = "aws:sfn/stateMachine:StateMachine"
SCHEDULE = "aws:scheduler/schedule:Schedule"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
KEY = "aws:kms/key:Key"
IMAGE = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/app:1.0.0"
SERVICES = {"web": {"image": IMAGE, "port": 8080}}
REGION, ACCOUNT = "ap-northeast-1", "222222222222"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/webplatform-prd"
CLEANUP = {
    "schedule": "cron(30 3 * * ? *)",
    "service": "web",
    "command": ["python", "-m", "cleanup"],
    "overlap": "allow",
    "timeoutMinutes": 15,
}
REPORT = {
    "schedule": "rate(6 hours)",
    "image": IMAGE,
    "command": ["report", "--daily"],
    "cpu": 1024,
    "memory": 2048,
}
# A diamond: load, then clean and enrich side by side, then publish.
DIAMOND = {
    "load": {
        "schedule": "cron(0 1 * * ? *)",
        "service": "web",
        "command": ["load"],
        "retries": {"attempts": 4, "intervalSeconds": 10, "backoffRate": 3},
    },
    "clean": {
        "after": ["load"],
        "service": "web",
        "command": ["clean"],
        "retries": {"attempts": 0},
    },
    "enrich": {"after": ["load"], "service": "web", "command": ["enrich"]},
    "publish": {"after": ["clean", "enrich"], "image": IMAGE, "command": ["publish"]},
}


@pytest.fixture(scope="module")
def prd(tmp_path_factory) -> engine.Plan:
    """One prd plan: a job on a service, a job with its own image, and a diamond graph."""
    directory = tmp_path_factory.mktemp("jobs")
    config = {
        **MINIMAL["prd"],
        "webplatform:services": SERVICES,
        "webplatform:jobs": {"cleanup": CLEANUP, "report": REPORT, **DIAMOND},
    }
    write_stack(directory, "test", config)
    return engine.run(PROJECT_DIR, "test", directory)


def definition(plan: engine.Plan, graph: str) -> dict:
    return json.loads(by_name(plan, MACHINE, f"jobs-{graph}").inputs["definition"])


def statements(registration, field: str = "policy") -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(registration.inputs[field])["Statement"]}


def machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:webplatform-prd-{name}"


# --- the graph ----------------------------------------------------------------------------


def test_graphs_and_their_levels() -> None:
    after = {name: job.get("after", []) for name, job in DIAMOND.items()}
    # In the order of each graph's alphabetically first job: clean, cleanup, report.
    assert job_graphs({**after, "cleanup": [], "report": []}) == [
        [["load"], ["clean", "enrich"], ["publish"]],
        [["cleanup"]],
        [["report"]],
    ]
    # A job below two levels waits for the deeper one.
    assert job_graphs({"a": [], "b": ["a"], "c": ["a", "b"]}) == [[["a"], ["b"], ["c"]]]
    # Two roots with one schedule start one graph.
    assert job_graphs({"a": [], "b": [], "c": ["a", "b"]}) == [[["a", "b"], ["c"]]]


def test_one_state_machine_and_one_schedule_per_graph(prd) -> None:
    assert sorted(m.inputs["name"] for m in of_type(prd, MACHINE)) == [
        "webplatform-prd-cleanup",
        "webplatform-prd-load",
        "webplatform-prd-report",
    ]
    assert sorted(s.inputs["name"] for s in of_type(prd, SCHEDULE)) == sorted(
        m.inputs["name"] for m in of_type(prd, MACHINE)
    )
    # The old per-job failure rule on ECS task events is gone: the workflow reports.
    assert of_type(prd, RULE) == []


# --- the definition -----------------------------------------------------------------------


def test_one_job_runs_its_task_with_sync_and_checks_the_exit_code(prd) -> None:
    found = definition(prd, "cleanup")
    assert asl.problems(found) == []
    assert found["QueryLanguage"] == "JSONata"
    # overlap: allow starts with the job itself.
    assert found["StartAt"] == "cleanup"
    assert set(found["States"]) == {"cleanup", "cleanup: report the failure", "Succeeded", "Failed"}
    job = found["States"]["cleanup"]
    assert job["Type"] == "Parallel" and job["Next"] == "Succeeded"
    (branch,) = job["Branches"]
    assert branch["StartAt"] == "cleanup: run"
    run = branch["States"]["cleanup: run"]
    app_subnets = [s.id for s in of_type(prd, "aws:ec2/subnet:Subnet") if "-app-" in s.name]
    app_group = by_name(prd, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg")
    assert run == {
        "Type": "Task",
        "Resource": "arn:aws:states:::ecs:runTask.sync",
        "Arguments": {
            "Cluster": CLUSTER_ARN,
            "TaskDefinition": "webplatform-prd-web",  # the family: its latest revision
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                    "Subnets": app_subnets,
                    "SecurityGroups": [app_group.id],
                    "AssignPublicIp": "DISABLED",
                }
            },
            "PropagateTags": "TASK_DEFINITION",
            # What the schedule's ECS target input did before: the job's command.
            "Overrides": {
                "ContainerOverrides": [{"Name": "web", "Command": ["python", "-m", "cleanup"]}]
            },
        },
        "TimeoutSeconds": 15 * 60,
        "Next": "cleanup: exit code",
    }
    check = branch["States"]["cleanup: exit code"]
    assert check["Default"] == "cleanup: exited non-zero"
    assert branch["States"]["cleanup: exited non-zero"]["Type"] == "Fail"
    assert branch["States"]["cleanup: exited non-zero"]["Error"] == "Job.ExitCode"


@pytest.mark.parametrize(
    ("task", "succeeded"),
    [
        (
            {
                "Containers": [{"Name": "web", "ExitCode": 0}],
                "StopCode": "EssentialContainerExited",
            },
            True,
        ),
        (
            {
                "Containers": [{"Name": "web", "ExitCode": 1}],
                "StopCode": "EssentialContainerExited",
            },
            False,
        ),
        ({"Containers": [{"Name": "web", "ExitCode": 137}]}, False),
        # Never ran (image pull, secrets): no exit code at all.
        ({"Containers": [{"Name": "web"}], "StopCode": "TaskFailedToStart"}, False),
    ],
)
def test_only_exit_code_0_is_success(prd, task, succeeded) -> None:
    branch = definition(prd, "cleanup")["States"]["cleanup"]["Branches"][0]
    (rule,) = branch["States"]["cleanup: exit code"]["Choices"]
    assert rule["Next"] == "cleanup: exited 0"
    assert asl.evaluate(rule["Condition"], {"input": task}) is succeeded
    # The failure's cause is the stopped task itself, for the report to read.
    cause = branch["States"]["cleanup: exited non-zero"]["Cause"]
    assert json.loads(asl.evaluate(cause, {"input": task})) == task


def test_a_chain_runs_in_order(plan_stack) -> None:
    # The stack files' graph: import at 03:00, report after it.
    plan = stack_plan("dev")
    found = json.loads(by_name(plan, MACHINE, "jobs-import").inputs["definition"])
    assert asl.problems(found) == []
    states = found["States"]
    assert found["StartAt"] == "Check for a run in progress"
    assert states["Run in progress?"]["Default"] == "import"
    assert states["import"]["Next"] == "report"
    assert states["report"]["Next"] == "Succeeded"
    assert states["import: report the failure"]["Next"] == "Failed"
    assert states["report: report the failure"]["Next"] == "Failed"


def test_a_diamond_runs_its_middle_side_by_side(prd) -> None:
    found = definition(prd, "load")
    assert asl.problems(found) == []
    states = found["States"]
    assert states["load"]["Next"] == "Together 2: clean, enrich"
    together = states["Together 2: clean, enrich"]
    assert together["Type"] == "Parallel"
    assert [b["StartAt"] for b in together["Branches"]] == ["clean", "enrich"]
    for branch in together["Branches"]:
        job = branch["StartAt"]
        # Inside a level a job ends its branch either way, so a sibling that failed lets the
        # other finish; the level's outcome is checked after.
        assert set(branch["States"]) == {job, f"{job}: report the failure"}
        assert branch["States"][job]["End"] is True
        assert branch["States"][job]["Output"] == {"job": job, "failed": False}
        assert branch["States"][f"{job}: report the failure"]["End"] is True
        assert branch["States"][f"{job}: report the failure"]["Output"] == {
            "job": job,
            "failed": True,
        }
    assert together["Next"] == "Together 2: clean, enrich: all succeeded?"
    after = states["Together 2: clean, enrich: all succeeded?"]
    assert after["Default"] == "publish"
    (rule,) = after["Choices"]
    assert rule["Next"] == "Failed"
    outcome = [{"job": "clean", "failed": False}, {"job": "enrich", "failed": True}]
    assert asl.evaluate(rule["Condition"], {"input": outcome}) is True
    assert (
        asl.evaluate(rule["Condition"], {"input": [{**o, "failed": False} for o in outcome]})
        is False
    )
    assert states["publish"]["Next"] == "Succeeded"
    assert states["Failed"]["Type"] == "Fail"
    # publish has its own image: its task definition holds the command.
    run = states["publish"]["Branches"][0]["States"]["publish: run"]["Arguments"]
    assert run["TaskDefinition"] == "webplatform-prd-job-publish" and "Overrides" not in run


def test_retries_with_backoff_and_a_catch_per_job(prd) -> None:
    states = asl.all_states(definition(prd, "load"))
    assert states["load"]["Retry"] == [
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 4, "BackoffRate": 3.0}
    ]
    assert "Retry" not in states["clean"]  # retries: {attempts: 0}
    # enrich and publish take the tier's default (prd: 2 more runs, 60 s, doubling).
    for job in ("enrich", "publish"):
        assert states[job]["Retry"] == [
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 60,
                "MaxAttempts": 2,
                "BackoffRate": 2.0,
            }
        ]
    for job in ("load", "clean", "enrich", "publish"):
        assert states[job]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "Next": f"{job}: report the failure"}
        ]
        assert states[f"{job}: run"]["TimeoutSeconds"] == 60 * 60  # the default hour
        report = states[f"{job}: report the failure"]
        assert report["Resource"] == "arn:aws:states:::sns:publish"
        assert (
            report["Arguments"]["TopicArn"]
            == by_name(prd, "aws:sns/topic:Topic", "alerts").outputs["arn"]
        )
        assert report["Arguments"]["Subject"] == f"webplatform-prd-load: job {job} failed"


TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/webplatform-prd/8f2c4e6a9b1d4c3e"
CONTEXT = {
    "Execution": {"Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:webplatform-prd-load:run-1"}
}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(
            {
                "Error": "Job.ExitCode",
                "Cause": json.dumps(
                    {
                        "TaskArn": TASK_ARN,
                        "StoppedReason": "Essential container in task exited",
                        "Containers": [{"ExitCode": 3}],
                    }
                ),
            },
            ["exit code 3 (Essential container in task exited)", "stream web/web/8f2c4e6a9b1d4c3e"],
            id="non-zero-exit",
        ),
        pytest.param(
            # As Step Functions reports a task it saw fail by itself: the task is the cause.
            {
                "Error": "States.TaskFailed",
                "Cause": json.dumps(
                    {
                        "TaskArn": TASK_ARN,
                        "StoppedReason": "CannotPullContainerError: pull access denied",
                        "Containers": [{"Name": "web"}],
                    }
                ),
            },
            [
                "failed after its retries: CannotPullContainerError: pull access denied",
                "stream web/web/8f2c4e6a9b1d4c3e",
            ],
            id="never-started",
        ),
        pytest.param(
            {"Error": "States.Timeout", "Cause": "The task timed out."},
            [
                "failed after its retries: States.Timeout: The task timed out.",
                "stream none (the task did not start)",
            ],
            id="timeout",
        ),
        pytest.param(
            {"Error": "ECS.AccessDeniedException"},
            ["failed after its retries: ECS.AccessDeniedException.", "stream none"],
            id="no-cause",
        ),
    ],
)
def test_the_report_names_the_job_its_exit_code_or_reason_and_its_log_stream(prd, error, expected):
    report = asl.all_states(definition(prd, "load"))["enrich: report the failure"]
    message = asl.evaluate(report["Arguments"]["Message"], {"input": error, "context": CONTEXT})
    assert message.startswith("Job enrich of webplatform-prd-load failed after its retries: ")
    assert "Log group /ecs/webplatform-prd/web, stream " in message
    assert message.endswith(f"Execution {CONTEXT['Execution']['Id']}.")
    for part in expected:
        assert part in message, message


def test_overlap_skip_looks_at_its_own_running_executions_and_ends_with_a_notice(prd) -> None:
    states = definition(prd, "load")["States"]
    check = states["Check for a run in progress"]
    assert check["Resource"] == "arn:aws:states:::aws-sdk:sfn:listExecutions"
    assert check["Arguments"]["StatusFilter"] == "RUNNING"
    me = CONTEXT["Execution"]["Id"]
    context = {**CONTEXT, "StateMachine": {"Id": machine_arn("load")}}
    assert asl.evaluate(check["Arguments"]["StateMachineArn"], {"context": context}) == machine_arn(
        "load"
    )
    result = {"Executions": [{"ExecutionArn": me}, {"ExecutionArn": me.replace("run-1", "run-0")}]}
    others = asl.evaluate(check["Output"]["others"], {"result": result, "context": CONTEXT})
    alone = asl.evaluate(
        check["Output"]["others"],
        {"result": {"Executions": [{"ExecutionArn": me}]}, "context": CONTEXT},
    )
    assert (others, alone) == (1, 0)
    (rule,) = states["Run in progress?"]["Choices"]
    assert (
        rule["Next"] == "Report the skipped run" and states["Run in progress?"]["Default"] == "load"
    )
    assert asl.evaluate(rule["Condition"], {"input": {"others": 1}}) is True
    assert asl.evaluate(rule["Condition"], {"input": {"others": 0}}) is False
    notice = states["Report the skipped run"]
    assert notice["Resource"] == "arn:aws:states:::sns:publish" and notice["Next"] == "Skipped"
    message = asl.evaluate(notice["Arguments"]["Message"], {"context": CONTEXT})
    assert message.startswith(
        "Skipped a run of webplatform-prd-load: the previous run is still going"
    )
    assert states["Skipped"]["Type"] == "Succeed"
    # allow: no look-up, and the role may not list executions.
    assert "Check for a run in progress" not in definition(prd, "cleanup")["States"]
    assert "SeeOwnRuns" not in statements(by_name(prd, ROLE_POLICY, "jobs-cleanup"))


# --- the state machine, its role and its key -----------------------------------------------


@pytest.mark.parametrize("graph", ["cleanup", "report", "load"])
def test_every_call_of_the_definition_is_one_the_role_allows(prd, graph) -> None:
    policy = json.loads(by_name(prd, ROLE_POLICY, f"jobs-{graph}").inputs["policy"])
    for name, state in asl.all_states(definition(prd, graph)).items():
        if state["Type"] != "Task":
            continue
        for action, resource in asl.calls(state, REGION, ACCOUNT, machine_arn(graph)):
            assert asl.allows(policy, action, resource), (name, action, resource)


@pytest.mark.parametrize(
    ("graph", "families", "roles_of"),
    [
        ("cleanup", ["webplatform-prd-web"], ["service-web"]),
        ("report", ["webplatform-prd-job-report"], ["job-report"]),
        (
            "load",
            ["webplatform-prd-job-publish", "webplatform-prd-web"],
            ["job-publish", "service-web"],
        ),
    ],
)
def test_the_role_runs_only_its_families_and_passes_only_their_roles(
    prd, graph, families, roles_of
):
    found = statements(by_name(prd, ROLE_POLICY, f"jobs-{graph}"))
    assert found["RunTheJobsTasks"] == {
        "Sid": "RunTheJobsTasks",
        "Effect": "Allow",
        "Action": "ecs:RunTask",
        "Resource": [
            f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}{suffix}"
            for family in families
            for suffix in ("", ":*")
        ],
        "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}},
    }
    passed = sorted(
        by_name(prd, ROLE, f"{owner}-{kind}").outputs["arn"]
        for owner in roles_of
        for kind in ("exec", "task")
    )
    assert found["PassTheTasksRoles"]["Resource"] == passed
    assert found["PassTheTasksRoles"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    tasks = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/webplatform-prd/*"
    assert found["WatchAndStopTheTasks"]["Resource"] == tasks
    assert found["HearOfStoppedTasks"]["Resource"] == (
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForECSTaskRule"
    )
    data_key = by_name(prd, KEY, "keys-data").outputs["arn"]
    assert found["EncryptAlerts"] == {
        "Sid": "EncryptAlerts",
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": data_key,
        "Condition": {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}},
    }
    key = by_name(prd, KEY, "workflows-key").outputs["arn"]
    assert found["UseTheWorkflowKey"]["Resource"] == key
    assert found["UseTheWorkflowKey"]["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": machine_arn(graph)}
    }
    # Nothing but log delivery and tracing (which take no resource) is allowed on `*`.
    wide = {sid for sid, s in found.items() if s["Resource"] == "*"}
    assert wide == {"DeliverLogs", "WriteTraces"}
    trust = json.loads(by_name(prd, ROLE, f"jobs-{graph}").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": machine_arn(graph)},
    }


def test_the_state_machine_logs_traces_and_is_encrypted_with_a_customer_key(prd) -> None:
    machine = by_name(prd, MACHINE, "jobs-load")
    log_group = by_name(prd, LOG_GROUP, "jobs-load")
    assert log_group.inputs["name"] == "/aws/vendedlogs/states/webplatform-prd-load"
    assert log_group.inputs["kmsKeyId"] == by_name(prd, KEY, "keys-logs").outputs["arn"]
    assert log_group.inputs["retentionInDays"] == 365
    assert machine.inputs["type"] == "STANDARD"
    assert machine.inputs["roleArn"] == by_name(prd, ROLE, "jobs-load").outputs["arn"]
    assert machine.inputs["loggingConfiguration"] == {
        "level": "ALL",
        "includeExecutionData": True,
        "logDestination": f"{log_group.outputs['arn']}:*",
    }
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}
    key = by_name(prd, KEY, "workflows-key")
    assert machine.inputs["encryptionConfiguration"] == {
        "type": "CUSTOMER_MANAGED_KMS_KEY",
        "kmsKeyId": key.outputs["arn"],
        "kmsDataKeyReusePeriodSeconds": 300,
    }
    assert key.inputs["enableKeyRotation"] is True
    assert key.protect is True  # prd protects keys
    key_policy = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert key_policy["LogDeliveryReadsWorkflowLogs"]["Principal"] == {
        "Service": "delivery.logs.amazonaws.com"
    }
    assert key_policy["LogDeliveryReadsWorkflowLogs"]["Action"] == "kms:Decrypt"
    role = statements(by_name(prd, ROLE_POLICY, "jobs-load"))
    assert role["EncryptDeliveredLogs"]["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}
    }
    # The whole stack has one workflows key.
    assert [k.name for k in of_type(prd, KEY) if k.name.startswith("workflows")] == [
        "workflows-key"
    ]


# --- the schedule -----------------------------------------------------------------------------


def test_the_schedule_starts_the_workflow_with_retries_and_a_dead_letter_queue(prd) -> None:
    schedule = by_name(prd, SCHEDULE, "jobs-load")
    inputs = schedule.inputs
    assert inputs["name"] == "webplatform-prd-load"
    assert inputs["scheduleExpression"] == "cron(0 1 * * ? *)"
    assert inputs["scheduleExpressionTimezone"] == "Asia/Tokyo"
    assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert inputs["state"] == "ENABLED"
    target = inputs["target"]
    role = by_name(prd, ROLE, "jobs-load-schedule")
    assert target["arn"] == machine_arn("load")
    assert target["roleArn"] == role.outputs["arn"]
    assert "ecsParameters" not in target
    assert json.loads(target["input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    assert target["retryPolicy"] == {"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 3600}
    queue = by_name(prd, QUEUE, "jobs-load-dlq")
    assert target["deadLetterConfig"] == {"arn": queue.outputs["arn"]}
    assert queue.inputs["kmsMasterKeyId"] == by_name(prd, KEY, "keys-data").outputs["arn"]
    found = statements(by_name(prd, ROLE_POLICY, "jobs-load-schedule"))
    assert found["StartTheWorkflow"] == {
        "Sid": "StartTheWorkflow",
        "Effect": "Allow",
        "Action": "states:StartExecution",
        "Resource": machine_arn("load"),
    }
    assert set(found) == {
        "StartTheWorkflow",
        "EncryptTheExecutionInput",
        "SendDeadLetters",
        "EncryptDeadLetters",
    }
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/default"
    }
    dlq = {
        s["Sid"]: s
        for s in json.loads(by_name(prd, QUEUE_POLICY, "jobs-load-dlq").inputs["policy"])[
            "Statement"
        ]
    }
    assert dlq["SchedulerRoleSendsDeadLetters"]["Principal"] == {"AWS": role.outputs["arn"]}
    assert dlq["TlsOnly"]["Effect"] == "Deny"


def test_schedule_options_from_config(plan_stack) -> None:
    job = {
        **CLEANUP,
        "timeZone": "UTC",
        "enabled": False,
        "startRetries": 0,
        "maxEventAgeSeconds": 600,
    }
    plan = plan_stack("dev", services=SERVICES, jobs={"cleanup": job})
    inputs = by_name(plan, SCHEDULE, "jobs-cleanup").inputs
    assert inputs["name"] == "webplatform-dev-cleanup"
    assert (inputs["scheduleExpressionTimezone"], inputs["state"]) == ("UTC", "DISABLED")
    assert inputs["target"]["retryPolicy"] == {
        "maximumRetryAttempts": 0,
        "maximumEventAgeInSeconds": 600,
    }
    # dev's default retries: one more run after 30 s.
    (retry,) = definition(plan, "cleanup")["States"]["cleanup"]["Retry"]
    assert (retry["MaxAttempts"], retry["IntervalSeconds"]) == (1, 30)


def test_outputs_per_job_for_the_operations_cli(prd) -> None:
    jobs = prd.outputs["jobs"]
    assert set(jobs) == {"cleanup", "report", "load", "clean", "enrich", "publish"}
    assert jobs["cleanup"] == {
        "scheduleName": "webplatform-prd-cleanup",
        "deadLetterQueueArn": by_name(prd, QUEUE, "jobs-cleanup-dlq").outputs["arn"],
        "stateMachineArn": machine_arn("cleanup"),
        "taskFamily": "webplatform-prd-web",  # it runs the web service's task
        "containerName": "web",
        "logGroup": "/ecs/webplatform-prd/web",
        "command": "python -m cleanup",  # what `ops jobs run` overrides the web task with
    }
    # A job with its own image has its command in its own task definition.
    assert jobs["report"]["command"] is None
    # A job of a graph points at its graph's schedule and state machine.
    assert jobs["publish"]["stateMachineArn"] == machine_arn("load")
    assert jobs["publish"]["scheduleName"] == "webplatform-prd-load"
    assert jobs["publish"]["taskFamily"] == "webplatform-prd-job-publish"
    assert jobs["publish"]["logGroup"] == "/ecs/webplatform-prd/job-publish"


def test_a_job_with_its_own_image_gets_its_own_task(prd) -> None:
    definition_ = by_name(prd, TASK_DEFINITION, "job-report")
    (container,) = json.loads(definition_.inputs["containerDefinitions"])
    assert (container["name"], container["image"]) == ("job-report", IMAGE)
    assert container["command"] == ["report", "--daily"]
    assert (definition_.inputs["cpu"], definition_.inputs["memory"]) == ("1024", "2048")
    assert {d.name for d in of_type(prd, TASK_DEFINITION)} == {
        "service-web",
        "job-report",
        "job-publish",
    }


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_the_stack_files_definitions_are_sound(stack) -> None:
    plan = stack_plan(stack)
    (machine,) = of_type(plan, MACHINE)
    found = json.loads(machine.inputs["definition"])
    assert asl.problems(found) == []
    assert found["Comment"] == f"Jobs webplatform-{stack}-import: import -> report"


def test_no_jobs_no_workflow_resources(plan_stack) -> None:
    plan = plan_stack("prd", services=SERVICES)
    assert of_type(plan, SCHEDULE) == [] and of_type(plan, MACHINE) == []
    assert not [k for k in of_type(plan, KEY) if k.name == "workflows-key"]
    assert plan.outputs["jobs"] == {}


# --- config mistakes --------------------------------------------------------------------------

BAD_JOBS = [
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "cron(0 3 * * * *)"}},
        "jobs.cleanup.schedule: cron(0 3 * * * *): exactly one of day-of-month and day-of-week "
        "must be '?'",
        id="cron-neither-question-mark",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "cron(0 3 ? * ? *)"}},
        "jobs.cleanup.schedule: cron(0 3 ? * ? *): exactly one of day-of-month and day-of-week",
        id="cron-both-question-marks",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "cron(0 3 * * ?)"}},
        "jobs.cleanup.schedule: cron(0 3 * * ?): a cron expression has 6 fields",
        id="cron-five-fields",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "rate(1 hours)"}},
        "jobs.cleanup.schedule: rate(1 hours): write rate(1 hour)",
        id="rate-one-plural",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "timeZone": "JST"}},
        "jobs.cleanup.timeZone: expected an IANA time zone such as Asia/Tokyo, got 'JST'",
        id="time-zone",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "service": "api"}},
        "jobs.cleanup.service: no service 'api' in services",
        id="unknown-service",
    ),
    pytest.param(
        {"cleanup": {"schedule": "rate(1 day)", "service": "web"}},
        "jobs.cleanup: a job on a service's task needs a command",
        id="service-without-command",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "image": IMAGE}},
        "jobs.cleanup: set exactly one of service (with command) or image",
        id="service-and-image",
    ),
    pytest.param(
        {"report": {**REPORT, "memory": 512}},
        "jobs.report: memory 512 MiB does not go with cpu 1024 (1 vCPU) on Fargate",
        id="fargate-size",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "startRetries": 186}},
        "jobs.cleanup.startRetries: must be 185 or less",
        id="start-retries",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "retries": 2}},
        "jobs.cleanup.retries: expected a mapping of keys",
        id="retries-the-old-number",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "retries": {"attempts": 11}}},
        "jobs.cleanup.retries.attempts: must be 10 or less",
        id="retry-attempts",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "retries": {"attempts": 1, "backoffRate": 0.5}}},
        "jobs.cleanup.retries.backoffRate: must be 1 or more",
        id="backoff",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "timeoutMinutes": 0}},
        "jobs.cleanup.timeoutMinutes: must be 1 or more",
        id="timeout",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "overlap": "queue"}},
        "jobs.cleanup.overlap: expected one of skip, allow, got 'queue'",
        id="overlap",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "maxEventAgeSeconds": 30}},
        "jobs.cleanup.maxEventAgeSeconds: must be 60 or more",
        id="event-age",
    ),
    # The graph.
    pytest.param(
        {"cleanup": CLEANUP, "build": {"service": "web", "command": ["build"]}},
        "jobs.build: set schedule, or after: [job, ...]",
        id="neither-schedule-nor-after",
    ),
    pytest.param(
        {"cleanup": CLEANUP, "build": {**CLEANUP, "after": ["cleanup"]}},
        "jobs.build: set schedule or after, not both",
        id="schedule-and-after",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "build": {"after": ["import"], "service": "web", "command": ["build"]},
        },
        "jobs.build.after: no job 'import' in jobs",
        id="unknown-after",
    ),
    pytest.param(
        {"cleanup": CLEANUP, "build": {"after": ["build"], "service": "web", "command": ["build"]}},
        "jobs.build.after: a job cannot run after itself",
        id="after-itself",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "build": {"after": ["cleanup", "cleanup"], "service": "web", "command": ["build"]},
        },
        "jobs.build.after: names a job twice",
        id="after-twice",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "build": {"after": ["cleanup", "deploy"], "service": "web", "command": ["build"]},
            "check": {"after": ["build"], "service": "web", "command": ["check"]},
            "deploy": {"after": ["check"], "service": "web", "command": ["deploy"]},
        },
        "jobs.build.after: the jobs run after each other in a cycle: "
        "build -> deploy -> check -> build",
        id="cycle",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "other": {**CLEANUP, "schedule": "rate(1 hour)"},
            "build": {"after": ["cleanup", "other"], "service": "web", "command": ["build"]},
        },
        "jobs.other.schedule: one graph of jobs has one schedule: 'cleanup' and 'other' start "
        "the same graph",
        id="roots-with-two-schedules",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "build": {
                "after": ["cleanup"],
                "service": "web",
                "command": ["build"],
                "timeZone": "UTC",
            },
        },
        "jobs.build.timeZone: only a job with a schedule has this; the graph's root decides it",
        id="schedule-setting-on-a-later-job",
    ),
    pytest.param(
        {
            "cleanup": CLEANUP,
            "build": {
                "after": ["cleanup"],
                "service": "web",
                "command": ["build"],
                "overlap": "allow",
            },
        },
        "jobs.build.overlap: only a job with a schedule has this",
        id="overlap-on-a-later-job",
    ),
]


@pytest.mark.parametrize(("jobs", "message"), BAD_JOBS)
def test_bad_job_config_is_one_line_naming_the_key(jobs: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", services=SERVICES, jobs=jobs)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value
    assert "\n" not in str(raised.value)


def test_two_roots_with_one_schedule_are_one_graph() -> None:
    jobs = {
        "first": {**CLEANUP},
        "second": {**CLEANUP, "command": ["b"]},
        "last": {"after": ["first", "second"], "service": "web", "command": ["c"]},
    }
    config = load("prd", services=SERVICES, jobs=jobs)
    graphs = job_graphs({n: j.after for n, j in config.jobs.items()})
    assert graphs == [[["first", "second"], ["last"]]]


def test_retries_default_from_the_tier_and_merge_key_by_key() -> None:
    dev = load("dev", services=SERVICES, jobs={"cleanup": CLEANUP})
    assert dev.jobs["cleanup"].retries.model_dump() == {
        "attempts": 1,
        "interval_seconds": 30,
        "backoff_rate": 2.0,
    }
    prd = load("prd", services=SERVICES, jobs={"cleanup": {**CLEANUP, "retries": {"attempts": 5}}})
    assert prd.jobs["cleanup"].retries.model_dump() == {
        "attempts": 5,
        "interval_seconds": 60,
        "backoff_rate": 2.0,
    }
    stack = load("prd", services=SERVICES, jobs={"cleanup": CLEANUP}, jobRetries={"attempts": 0})
    assert stack.jobs["cleanup"].retries.attempts == 0


def test_schedules_are_encrypted_with_the_data_key_the_role_may_use(prd) -> None:
    key = by_name(prd, "aws:kms/key:Key", "keys-data").outputs["arn"]
    for schedule in of_type(prd, "aws:scheduler/schedule:Schedule"):
        assert schedule.inputs["kmsKeyArn"] == key


def test_a_schedule_names_its_jobs_within_schedulers_512_characters() -> None:
    levels = [["import"], ["transform", "report"]]
    assert (
        job_component.schedule_description(levels) == "Starts the jobs import -> transform, report"
    )
    many = [[f"job-{i:02d}-{'x' * 24}" for i in range(20)]]
    description = job_component.schedule_description(many)
    assert len(description) == 512 and description.endswith("...")
