"""What AWS accepts: each rule with a value just inside (accepted) and just outside (one line
naming the key and the rule), and the data module's tables kept fresh."""

from __future__ import annotations

import datetime

import pytest

from components import config as stack_config
from components.config import aws_data
from components.config.edge import service_shape
from tests.test_config import JOB, WEB, load

FUNCTION = {"code": "functions/hello", "handler": "app.handler", "runtime": "python3.13"}
HEALTH = {"command": ["CMD-SHELL", "curl -f localhost:8080/health"]}

# (changes just inside, changes just outside, the message of the outside one)
RULES = [
    pytest.param(
        {"services": {"web": {**WEB, "healthCheck": {**HEALTH, "timeoutSeconds": 60}}}},
        {"services": {"web": {**WEB, "healthCheck": {**HEALTH, "timeoutSeconds": 61}}}},
        "services.web.healthCheck.timeoutSeconds: must be 60 or less (seconds), got 61",
        id="health-check-timeout",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "healthCheck": {**HEALTH, "intervalSeconds": 5}}}},
        {"services": {"web": {**WEB, "healthCheck": {**HEALTH, "intervalSeconds": 4}}}},
        "services.web.healthCheck.intervalSeconds: must be 5 or more (seconds), got 4",
        id="health-check-interval",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "healthCheck": {"command": ["CMD", "/bin/check"]}}}},
        {"services": {"web": {**WEB, "healthCheck": {"command": ["curl", "-f", "localhost"]}}}},
        "services.web.healthCheck.command: starts with CMD or CMD-SHELL",
        id="health-check-command",
    ),
    pytest.param(
        {"functions": {"hello": {**FUNCTION, "runtime": "python3.12"}}},
        {"functions": {"hello": {**FUNCTION, "runtime": "python3.9"}}},
        "functions.hello: runtime 'python3.9' is no Lambda runtime; one of",
        id="lambda-runtime-gone",
    ),
    pytest.param(
        {"functions": {"hello": {**FUNCTION, "runtime": "nodejs22.x"}}},
        {"functions": {"hello": {**FUNCTION, "runtime": "nodejs20.x"}}},
        "functions.hello: runtime nodejs20.x is deprecated since 2026-04-30",
        id="lambda-runtime-deprecated",
    ),
    pytest.param(
        {"functions": {"hello": {**FUNCTION, "environment": {"AWS_REGION_NAME": "x"}}}},
        {"functions": {"hello": {**FUNCTION, "environment": {"AWS_REGION": "x"}}}},
        "functions.hello.environment: AWS_REGION is set by the Lambda runtime",
        id="lambda-reserved-variable",
    ),
    pytest.param(
        {"database": {"engineVersion": "13.6"}},
        {"database": {"engineVersion": "13.5"}},
        "database: engineVersion 13.5 has no Serverless v2 (db.serverless): 13.6+, 14.3+",
        id="serverless-v2-version",
    ),
    pytest.param(
        {"database": {"engineVersion": "13.5", "instanceClass": "db.r7g.large"}},
        {"database": {"engineVersion": "12.22", "instanceClass": "db.r7g.large"}},
        "database: engineVersion 12.22: aurora-postgresql 12 is past RDS standard support",
        id="aurora-major-version",
    ),
    pytest.param(
        {"database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.02.0"}},
        {"database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.01.1"}},
        "database: engineVersion 8.0.mysql_aurora.3.01.1 has no Serverless v2",
        id="serverless-v2-mysql-version",
    ),
    pytest.param(
        {"database": {"instanceClass": "db.t4g.medium"}},
        {"database": {"instanceClass": "db.t4g.small"}},
        "database.instanceClass: db.t4g.small: Aurora takes burstable classes in medium and large",
        id="aurora-burstable-size",
    ),
    pytest.param(
        {"database": {"instanceClass": "db.r8g.large"}},
        {"database": {"instanceClass": "db.m5.large"}},
        "database.instanceClass: db.m5.large: Aurora runs on db.{r5,",
        id="aurora-instance-family",
    ),
    pytest.param(
        {"cache": {"engineVersion": "7.2"}},
        {"cache": {"engineVersion": "7.1"}},
        "cache: engineVersion 7.1: ElastiCache creates valkey 7.2, 8.0, 8.1, 8.2, 9.0, 9.1",
        id="valkey-version",
    ),
    pytest.param(
        {"cache": {"nodeType": "cache.t4g.medium"}},
        {"cache": {"nodeType": "cache.t4g.large"}},
        "cache.nodeType: cache.t4g.large: burstable nodes come in micro, small and medium",
        id="cache-burstable-size",
    ),
    pytest.param(
        {"cache": {"nodeType": "cache.m7g.large"}},
        {"cache": {"nodeType": "cache.m4.large"}},
        "cache.nodeType: cache.m4.large: current node types are cache.{t3,",
        id="cache-node-family",
    ),
    pytest.param(
        {"owner": "platform team @ example.com/ops"},
        {"owner": "platform-team!"},
        "owner: an AWS tag value takes no '!'",
        id="tag-value-characters",
    ),
    pytest.param(
        {"owner": "awsome-team"},
        {"owner": "aws:team"},
        "owner: a tag value may not start with aws:",
        id="tag-value-prefix",
    ),
    pytest.param(
        {"services": {"web": {**WEB, "environment": {"PORT": "8080"}}}},
        {"services": {"web": {**WEB, "environment": {"PORT": "8000"}}}},
        "services.web.environment.PORT: PORT '8000' is not the service's port (8080)",
        id="port-variable",
    ),
    pytest.param(
        {"services": {"web": WEB}, "jobs": {"nightly": {**JOB, "schedule": "rate(1 day)",
                                                         "architecture": "arm64"}}},
        {"services": {"web": WEB}, "jobs": {"nightly": {**JOB, "schedule": "rate(1 day)",
                                                         "architecture": "x86_64"}}},
        "jobs.nightly.architecture: the job runs service 'web''s task, whose architecture is "
        "arm64",
        id="job-architecture-vs-its-service",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("inside", "outside", "message"), RULES)
def test_each_aws_rule_accepts_just_inside_and_refuses_just_outside(
    inside: dict, outside: dict, message: str
) -> None:
    load("prd", **inside)
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", **outside)
    text = str(raised.value)
    assert text.startswith(f"Pulumi.prd.yaml: webplatform:{message}"), text
    assert "\n" not in text


def test_the_runtimes_are_botocores_and_the_dates_are_fresh() -> None:
    enum = service_shape("lambda", "Runtime")["enum"]
    assert set(aws_data.LAMBDA_RUNTIMES) <= set(enum)
    age = (datetime.date.today() - aws_data.CHECKED).days
    assert age <= aws_data.MAX_AGE_DAYS, (
        f"components/config/aws_data.py was checked {age} days ago: compare its tables with "
        "the AWS pages named beside them and set CHECKED"
    )


def test_a_runtime_is_refused_from_its_deprecation_date() -> None:
    day = aws_data.LAMBDA_RUNTIMES["python3.13"]
    assert aws_data.check_runtime("python3.13", day - datetime.timedelta(days=1)) is None
    assert "deprecated since" in str(aws_data.check_runtime("python3.13", day))


SECRET = "arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:web/token-AbCdEf"
PRIVATE = {"cidr": "10.20.0.0/16", "natGateways": "none"}
TASK_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "ssm"]
PASSWORD = {"access": "password"}
CROSS_KEY_RULES = [
    pytest.param(
        {"services": {"web": {**WEB, "secrets": {"TOKEN": SECRET}}}},
        {"services": {"web": {**WEB, "secrets": {"TOKEN": SECRET.replace("2222", "3333")}}}},
        "services.web.secrets.TOKEN: the secret is in ap-northeast-1 of account 333333333333; "
        "the task's execution role reads secrets of ap-northeast-1 in 222222222222 only",
        id="secret-of-another-account",
    ),
    pytest.param(
        {"services": {"web": WEB}, "network": {**PRIVATE, "interfaceEndpoints": TASK_ENDPOINTS}},
        {"services": {"web": WEB}, "network": {**PRIVATE, "interfaceEndpoints": ["logs"]}},
        "network.interfaceEndpoints: with natGateways none, tasks start only through endpoints: "
        "add ecr.api, ecr.dkr, ssm",
        id="private-tasks-need-endpoints",
    ),
    pytest.param(
        {"services": {"web": WEB}, "database": PASSWORD,
         "network": {**PRIVATE, "interfaceEndpoints": [*TASK_ENDPOINTS, "secretsmanager"]}},
        {"services": {"web": WEB}, "database": PASSWORD,
         "network": {**PRIVATE, "interfaceEndpoints": TASK_ENDPOINTS}},
        "network.interfaceEndpoints: with natGateways none, tasks start only through endpoints: "
        "add secretsmanager",
        id="password-access-needs-secrets-manager",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("inside", "outside", "message"), CROSS_KEY_RULES)
def test_rules_across_keys(inside: dict, outside: dict, message: str) -> None:
    test_each_aws_rule_accepts_just_inside_and_refuses_just_outside(inside, outside, message)
