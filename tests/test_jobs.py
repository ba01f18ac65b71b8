"""Scheduled jobs: an EventBridge Scheduler schedule running an ECS task (a service's, with the
job's command, or the job's own), retries, a dead-letter queue, a role that may start only
that task, and an alert when a run fails."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from plan import engine
from tests.conftest import MINIMAL, PROJECT_DIR, by_name, of_type, write_stack
from tests.test_config import load

SCHEDULE = "aws:scheduler/schedule:Schedule"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
KEY = "aws:kms/key:Key"
IMAGE = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/app:1.0.0"
SERVICES = {"web": {"image": IMAGE, "port": 8080}}
CLEANUP = {
    "schedule": "cron(30 3 * * ? *)",
    "service": "web",
    "command": ["python", "-m", "cleanup"],
}
REPORT = {"schedule": "rate(6 hours)", "image": IMAGE, "command": ["report", "--daily"],
          "cpu": 1024, "memory": 2048}  # fmt: skip
CLUSTER_ARN = "arn:aws:ecs:ap-northeast-1:222222222222:cluster/webplatform-prd"


@pytest.fixture(scope="module")
def prd(tmp_path_factory):
    """One prd plan with a job on a service and a job with its own image."""
    directory = tmp_path_factory.mktemp("jobs")
    config = {
        **MINIMAL["prd"],
        "webplatform:services": SERVICES,
        "webplatform:jobs": {"cleanup": CLEANUP, "report": REPORT},
    }
    write_stack(directory, "test", config)
    return engine.run(PROJECT_DIR, "test", directory)


def statements(registration, field: str = "policy") -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(registration.inputs[field])["Statement"]}


def test_a_job_on_a_service_runs_its_task_with_the_jobs_command(prd) -> None:
    schedule = by_name(prd, SCHEDULE, "job-cleanup")
    web_task = by_name(prd, TASK_DEFINITION, "service-web")
    inputs = schedule.inputs
    assert inputs["name"] == "webplatform-prd-cleanup"
    assert inputs["scheduleExpression"] == "cron(30 3 * * ? *)"
    assert inputs["scheduleExpressionTimezone"] == "Asia/Tokyo"
    assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert inputs["state"] == "ENABLED"
    target = inputs["target"]
    assert target["arn"] == CLUSTER_ARN
    assert target["roleArn"] == by_name(prd, ROLE, "job-cleanup").outputs["arn"]
    app_subnets = [s.id for s in of_type(prd, "aws:ec2/subnet:Subnet") if "-app-" in s.name]
    app_group = by_name(prd, "aws:ec2/securityGroup:SecurityGroup", "network-app-sg")
    assert target["ecsParameters"] == {
        # The family without a revision: the revision a deployment registered last.
        "taskDefinitionArn": web_task.outputs["arnWithoutRevision"],
        "launchType": "FARGATE",
        "taskCount": 1,
        "networkConfiguration": {
            "subnets": app_subnets,
            "securityGroups": [app_group.id],
            "assignPublicIp": False,
        },
    }
    assert json.loads(target["input"]) == {
        "containerOverrides": [{"name": "web", "command": ["python", "-m", "cleanup"]}]
    }


def test_retries_and_an_encrypted_dead_letter_queue(prd) -> None:
    target = by_name(prd, SCHEDULE, "job-cleanup").inputs["target"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 3600}
    queue = by_name(prd, QUEUE, "job-cleanup-dlq")
    assert target["deadLetterConfig"] == {"arn": queue.outputs["arn"]}
    assert queue.inputs["name"] == "webplatform-prd-cleanup-job-dlq"
    assert queue.inputs["kmsMasterKeyId"] == by_name(prd, KEY, "keys-data").outputs["arn"]
    assert queue.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    policy = statements(by_name(prd, QUEUE_POLICY, "job-cleanup-dlq"))
    assert policy["SchedulerRoleSendsDeadLetters"] == {
        "Sid": "SchedulerRoleSendsDeadLetters",
        "Effect": "Allow",
        "Principal": {"AWS": by_name(prd, ROLE, "job-cleanup").outputs["arn"]},
        "Action": "sqs:SendMessage",
        "Resource": queue.outputs["arn"],
    }
    assert policy["TlsOnly"]["Effect"] == "Deny"
    assert prd.outputs["jobs"]["cleanup"] == {
        "scheduleName": "webplatform-prd-cleanup",
        "deadLetterQueueArn": queue.outputs["arn"],
        "taskFamily": "webplatform-prd-web",  # it runs the web service's task
        "containerName": "web",
        "logGroup": "/ecs/webplatform-prd/web",
    }


def test_trust_is_the_scheduler_of_this_account(prd) -> None:
    trust = json.loads(by_name(prd, ROLE, "job-cleanup").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": "222222222222",
                    "aws:SourceArn": "arn:aws:scheduler:ap-northeast-1:222222222222:"
                    "schedule-group/default",
                }
            },
        }
    ]


@pytest.mark.parametrize(("job", "family", "roles_of"),
                         [("cleanup", "webplatform-prd-web", "service-web"),
                          ("report", "webplatform-prd-job-report", "job-report")])  # fmt: skip
def test_role_runs_only_the_family_and_passes_only_its_two_roles(prd, job, family, roles_of):
    found = statements(by_name(prd, ROLE_POLICY, f"job-{job}"))
    queue = by_name(prd, QUEUE, f"job-{job}-dlq")
    definition = by_name(prd, TASK_DEFINITION, roles_of)
    assert definition.inputs["family"] == family
    passed = [by_name(prd, ROLE, f"{roles_of}-{kind}").outputs["arn"] for kind in ("exec", "task")]
    assert passed == [definition.inputs["executionRoleArn"], definition.inputs["taskRoleArn"]]
    assert found == {
        "RunTheJobsTask": {
            "Sid": "RunTheJobsTask",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": [
                f"arn:aws:ecs:ap-northeast-1:222222222222:task-definition/{family}",
                f"arn:aws:ecs:ap-northeast-1:222222222222:task-definition/{family}:*",
            ],
            "Condition": {"ArnEquals": {"ecs:cluster": CLUSTER_ARN}},
        },
        "PassTheTasksRoles": {
            "Sid": "PassTheTasksRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": passed,
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        "SendDeadLetters": {
            "Sid": "SendDeadLetters",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": queue.outputs["arn"],
        },
        "EncryptDeadLetters": {
            "Sid": "EncryptDeadLetters",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": by_name(prd, KEY, "keys-data").outputs["arn"],
        },
    }
    # The task definition the schedule runs is one the role may run.
    schedule_task = by_name(prd, SCHEDULE, f"job-{job}").inputs["target"]["ecsParameters"]
    assert schedule_task["taskDefinitionArn"] in found["RunTheJobsTask"]["Resource"]


def test_a_failed_run_notifies_the_alerts_topic(prd) -> None:
    rule = by_name(prd, RULE, "job-cleanup-failed")
    assert rule.inputs["name"] == "webplatform-prd-cleanup-failed"
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [CLUSTER_ARN],
            "group": ["family:webplatform-prd-web"],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": ["TaskFailedToStart"]},
            ],
        },
    }
    target = by_name(prd, TARGET, "job-cleanup-failed")
    topic = by_name(prd, "aws:sns/topic:Topic", "alerts")
    assert target.inputs["arn"] == topic.outputs["arn"]
    assert target.inputs["rule"] == rule.inputs["name"]
    transformer = target.inputs["inputTransformer"]
    assert transformer["inputPaths"]["exitCode"] == "$.detail.containers[0].exitCode"
    assert transformer["inputPaths"]["task"] == "$.detail.taskArn"
    message = json.loads(transformer["inputTemplate"])  # SNS gets one JSON string
    assert message.startswith("Job webplatform-prd-cleanup failed at <stopped>")
    placeholders = {p.split(">")[0] for p in message.split("<")[1:]}
    assert placeholders == set(transformer["inputPaths"])
    assert "roleArn" not in target.inputs  # the topic policy admits EventBridge


def test_a_job_with_its_own_image_gets_its_own_task(prd) -> None:
    definition = by_name(prd, TASK_DEFINITION, "job-report")
    (container,) = json.loads(definition.inputs["containerDefinitions"])
    assert (container["name"], container["image"]) == ("job-report", IMAGE)
    assert container["command"] == ["report", "--daily"]
    assert container["portMappings"] == []
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert (definition.inputs["cpu"], definition.inputs["memory"]) == ("1024", "2048")
    target = by_name(prd, SCHEDULE, "job-report").inputs["target"]
    assert target["ecsParameters"]["taskDefinitionArn"] == definition.outputs["arnWithoutRevision"]
    # The task definition holds the command: there is nothing to override.
    assert "input" not in target
    rule = json.loads(by_name(prd, RULE, "job-report-failed").inputs["eventPattern"])
    assert rule["detail"]["group"] == ["family:webplatform-prd-job-report"]
    # The job on the service made no task definition of its own.
    assert {d.name for d in of_type(prd, TASK_DEFINITION)} == {"service-web", "job-report"}


def test_schedule_options_from_config(plan_stack) -> None:
    job = {**CLEANUP, "timeZone": "UTC", "enabled": False, "retries": 0,
           "maxEventAgeSeconds": 600}  # fmt: skip
    plan = plan_stack("dev", services=SERVICES, jobs={"cleanup": job})
    inputs = by_name(plan, SCHEDULE, "job-cleanup").inputs
    assert inputs["name"] == "webplatform-dev-cleanup"
    assert (inputs["scheduleExpressionTimezone"], inputs["state"]) == ("UTC", "DISABLED")
    assert inputs["target"]["retryPolicy"] == {
        "maximumRetryAttempts": 0,
        "maximumEventAgeInSeconds": 600,
    }


def test_no_jobs_no_scheduler_resources(plan_stack) -> None:
    plan = plan_stack("prd", services=SERVICES)
    assert of_type(plan, SCHEDULE) == [] and of_type(plan, RULE) == []
    assert plan.outputs["jobs"] == {}


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
        "jobs.cleanup.schedule: expected cron(min hour day-of-month month day-of-week year)",
        id="cron-five-fields",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "0 3 * * *"}},
        "jobs.cleanup.schedule: expected cron(",
        id="bare-crontab",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "rate(1 hours)"}},
        "jobs.cleanup.schedule: expected cron(min hour day-of-month month day-of-week year) or "
        "rate(N unit), got 'rate(1 hours)'",
        id="rate-one-plural",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "rate(5 minute)"}},
        "jobs.cleanup.schedule: expected cron(",
        id="rate-many-singular",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "schedule": "rate(0 minutes)"}},
        "jobs.cleanup.schedule: expected cron(",
        id="rate-zero",
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
        {"cleanup": {"schedule": "rate(1 day)", "command": ["x"]}},
        "jobs.cleanup: set exactly one of service (with command) or image",
        id="neither-service-nor-image",
    ),
    pytest.param(
        {"report": {**REPORT, "memory": 512}},
        "jobs.report: memory 512 does not go with cpu 1024 on Fargate",
        id="fargate-size",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "retries": 186}},
        "jobs.cleanup.retries: expected less than or equal to 185",
        id="retries",
    ),
    pytest.param(
        {"cleanup": {**CLEANUP, "maxEventAgeSeconds": 30}},
        "jobs.cleanup.maxEventAgeSeconds: expected greater than or equal to 60",
        id="event-age",
    ),
]


@pytest.mark.parametrize(("jobs", "message"), BAD_JOBS)
def test_bad_job_config_is_one_line_naming_the_key(jobs: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", services=SERVICES, jobs=jobs)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value
