"""What AWS accepts: each rule with a value just inside (accepted) and just outside (one line
naming the key and the rule), and the data module's tables kept fresh."""

from __future__ import annotations

import datetime
import json
import typing

import pytest

from components import config as stack_config
from components.compute import job
from components.config import aws_data, data, network, observability, pipeline, schedule
from components.config.edge import service_shape
from components.observability import alarms
from tests.conftest import MINIMAL
from tests.test_config import JOB, WEB, load

SOURCE = {"repository": "example/app"}
CONNECTION = (
    "arn:aws:codeconnections:ap-northeast-1:222222222222:connection/"
    "0123abcd-0123-4567-89ab-0123456789ab"
)
TABLE = {"hashKey": "id", "attributes": {"id": "S"}}
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
        {"functions": {"hello": {**FUNCTION, "runtime": "python3.8"}}},
        "functions.hello: runtime 'python3.8' is no Lambda runtime; one of",
        id="lambda-runtime-gone",
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
        {"owner": "platform\u3000team"},
        {"owner": "platform\tteam"},
        "owner: an AWS tag value takes no '\\t'",
        id="tag-value-white-space",
    ),
    pytest.param(
        {"database": {"minCapacity": 0.5, "maxCapacity": 1}},
        {"database": {"minCapacity": 0.5, "maxCapacity": 0.5}},
        "database.maxCapacity: must be 1 or more",
        id="serverless-v2-max-capacity",
    ),
    pytest.param(
        {"database": {"backupWindow": "23:30-00:00", "maintenanceWindow": "mon:00:00-mon:00:30"}},
        {"database": {"backupWindow": "23:45-00:15", "maintenanceWindow": "mon:00:00-mon:00:30"}},
        "database: backupWindow 23:45-00:15 overlaps maintenanceWindow mon:00:00-mon:00:30",
        id="backup-window-into-monday",
    ),
    pytest.param(
        {"database": {"engine": "aurora-mysql", "masterUsername": "admin"}},
        {"database": {"masterUsername": "admin"}},
        "database: masterUsername admin is reserved by aurora-postgresql",
        id="master-username-reserved-on-postgres",
    ),
    pytest.param(
        {"database": {"engine": "aurora-mysql", "masterUsername": "rdsadmin2"}},
        {"database": {"engine": "aurora-mysql", "masterUsername": "rdsadmin"}},
        "database: masterUsername rdsadmin is reserved by aurora-mysql",
        id="master-username-rdsadmin",
    ),
    pytest.param(
        {"database": {"databaseName": "d" * 63}},
        {"database": {"databaseName": "d" * 64}},
        "database: databaseName: PostgreSQL names are 63 at most",
        id="database-name-postgres",
    ),
    pytest.param(
        {"database": {"engine": "aurora-mysql", "databaseName": "d" * 64}},
        {"database": {"engine": "aurora-mysql", "databaseName": "d" * 65}},
        "database.databaseName: does not have the expected form",
        id="database-name-mysql",
    ),
    pytest.param(
        {"database": {"engine": "aurora-mysql", "instanceClass": "db.t4g.medium"}},
        {"database": {"engine": "aurora-mysql", "instanceClass": "db.t3.medium"}},
        "database: db.t3.medium: Aurora MySQL has no Performance Insights on db.t3",
        id="aurora-mysql-t3-performance-insights",
    ),
    pytest.param(
        {"cache": {"snapshotWindow": "19:00-20:00"}},
        {"cache": {"snapshotWindow": "19:30-20:30"}},
        "cache: snapshotWindow 19:30-20:30 overlaps maintenanceWindow sun:20:00-sun:21:00",
        id="cache-snapshot-apart-from-maintenance",
    ),
    pytest.param(
        {"cache": {"snapshotWindow": "18:00-19:00", "maintenanceWindow": "sun:19:00-mon:18:00"}},
        {"cache": {"snapshotWindow": "18:00-19:00", "maintenanceWindow": "sun:19:00-mon:19:01"}},
        "cache.maintenanceWindow: 'sun:19:00-mon:19:01' is longer than 24 hours",
        id="cache-maintenance-window-24-hours",
    ),
    pytest.param(
        {"cache": {"nodeType": "cache.r6g.xlarge"}},
        {"cache": {"nodeType": "cache.r6gd.xlarge"}},
        "cache.nodeType: cache.r6gd.xlarge: r6gd nodes need data tiering",
        id="cache-data-tiering-nodes",
    ),
    pytest.param(
        {"buckets": {"archiveToGlacierDays": 0}},
        {"buckets": {"archiveToGlacierDays": -1}},
        "buckets.archiveToGlacierDays: must be 0 or more",
        id="glacier-transition-days",
    ),
    pytest.param(
        {"owner": "awsome-team"},
        {"owner": "aws:team"},
        "owner: a tag value may not start with aws:",
        id="tag-value-prefix",
    ),
    pytest.param(
        {"pipeline": {"buildComputeType": "BUILD_GENERAL1_2XLARGE"}},
        {"pipeline": {"buildComputeType": "BUILD_LAMBDA_4GB"}},
        "pipeline.buildComputeType: CodeBuild's ARM and Linux containers take "
        "BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, BUILD_GENERAL1_LARGE, "
        "BUILD_GENERAL1_XLARGE, BUILD_GENERAL1_2XLARGE, got 'BUILD_LAMBDA_4GB'",
        id="codebuild-compute-type",
    ),
    pytest.param(
        {"pipeline": {"buildTimeoutMinutes": 2160}},
        {"pipeline": {"buildTimeoutMinutes": 2161}},
        "pipeline.buildTimeoutMinutes: must be 2160 or less (minutes), got 2161",
        id="codebuild-timeout",
    ),
    pytest.param(
        {"pipeline": {"keepImages": 1}},
        {"pipeline": {"keepImages": 0}},
        "pipeline.keepImages: must be 1 or more, got 0",
        id="ecr-count-number",
    ),
    pytest.param(
        {"pipeline": {"untaggedExpireDays": 1}},
        {"pipeline": {"untaggedExpireDays": 0}},
        "pipeline.untaggedExpireDays: must be 1 or more (days), got 0",
        id="ecr-since-image-pushed",
    ),
    pytest.param(
        {"pipeline": {"blueGreen": {"terminationWaitMinutes": 2880}}},
        {"pipeline": {"blueGreen": {"terminationWaitMinutes": 2881}}},
        "pipeline.blueGreen.terminationWaitMinutes: must be 2880 or less (minutes), got 2881",
        id="codedeploy-termination-wait",
    ),
    pytest.param(
        {"pipeline": {"blueGreen": {"testListenerPort": 65535}}},
        {"pipeline": {"blueGreen": {"testListenerPort": 65536}}},
        "pipeline.blueGreen.testListenerPort: must be 65535 or less, got 65536",
        id="test-listener-port",
    ),
    pytest.param(
        {"pipeline": {"source": {**SOURCE, "connectionArn": CONNECTION}}},
        {"pipeline": {"source": {**SOURCE, "connectionArn": CONNECTION.replace(":connection/",
                                                                              ":host/")}}},
        "pipeline.source.connectionArn: does not have the expected form",
        id="connection-arn",
    ),
    pytest.param(
        {"observability": {"evaluationPeriods": 288}},
        {"observability": {"evaluationPeriods": 289}},
        "observability.evaluationPeriods: must be 288 or less, got 289",
        id="alarm-evaluation-one-day",
    ),
    pytest.param(
        {"observability": {"slack": {"workspaceId": "T0123ABCD", "channelId": "C0123abcd"}}},
        {"observability": {"slack": {"workspaceId": "t0123abcd", "channelId": "C0123abcd"}}},
        "observability.slack.workspaceId: does not have the expected form (^[0-9A-Z]{1,255}$)",
        id="slack-workspace-id",
    ),
    pytest.param(
        {"observability": {"alertHttpsEndpoint": "https://events.example.com/hook"}},
        {"observability": {"alertHttpsEndpoint": "http://events.example.com/hook"}},
        "observability.alertHttpsEndpoint: expected an https:// URL",
        id="https-endpoint",
    ),
    pytest.param(
        {"observability": {"alertEmails": ["ops@example.com"]}},
        {"observability": {"alertEmails": ["ops@example"]}},
        "observability.alertEmails: expected e-mail addresses such as ops@example.com",
        id="alert-email",
    ),
    pytest.param(
        {"opsHost": {"instanceType": "m7g.medium"}},
        {"opsHost": {"instanceType": "t4g.tiny"}},
        "opsHost.instanceType: 't4g.tiny' is no EC2 instance type; did you mean",
        id="ops-host-instance-type",
    ),
    pytest.param(
        {"opsHost": {"instanceType": "t3.micro"}},
        {"opsHost": {"instanceType": "a1.medium"}},
        "opsHost.instanceType: a1 is Graviton without the g suffix",
        id="ops-host-architecture",
    ),
    pytest.param(
        {"tables": {"sessions": {**TABLE, "ttlAttribute": "expiresAt"}}},
        {"tables": {"sessions": {**TABLE, "ttlAttribute": "id"}}},
        "tables.sessions: ttlAttribute 'id' is a key of type S; DynamoDB expires items by a "
        "Number attribute only",
        id="dynamodb-ttl-number",
    ),
    pytest.param(
        {"tables": {"sessions": {"hashKey": "k" * 255, "attributes": {"k" * 255: "S"}}}},
        {"tables": {"sessions": {"hashKey": "k" * 256, "attributes": {"k" * 256: "S"}}}},
        "tables.sessions.hashKey: must be 255 characters or fewer",
        id="dynamodb-attribute-name",
    ),
    pytest.param(
        {"buckets": {"archiveToGlacierDays": 30, "archiveExpireDays": 31}},
        {"buckets": {"archiveToGlacierDays": 30, "archiveExpireDays": 30}},
        "buckets: archiveExpireDays must come after archiveToGlacierDays",
        id="s3-expiry-after-transition",
    ),
    pytest.param(
        {"database": {"backupRetentionDays": 35}},
        {"database": {"backupRetentionDays": 36}},
        "database.backupRetentionDays: must be 35 or less (days), got 36",
        id="aurora-backup-retention",
    ),
    pytest.param(
        {"database": {"backupWindow": "18:00-18:30"}},
        {"database": {"backupWindow": "18:00-18:29"}},
        "database.backupWindow: '18:00-18:29' is shorter than 30 minutes",
        id="aurora-backup-window-length",
    ),
    pytest.param(
        {"database": {"backupWindow": "18:30-19:00"}},
        {"database": {"backupWindow": "18:31-19:01"}},
        "database: backupWindow 18:31-19:01 overlaps maintenanceWindow sun:19:00-sun:19:30",
        id="aurora-windows-apart",
    ),
    pytest.param(
        {"cache": {"snapshotRetentionDays": 35}},
        {"cache": {"snapshotRetentionDays": 36}},
        "cache.snapshotRetentionDays: must be 35 or less (days), got 36",
        id="cache-snapshot-retention",
    ),
    pytest.param(
        {"edge": {"waf": {"rateLimit": 10}}},
        {"edge": {"waf": {"rateLimit": 9}}},
        "edge.waf.rateLimit: WAF takes 10 to 2,000,000,000 requests per 5 minutes, got 9",
        id="waf-rate-limit",
    ),
    pytest.param(
        {"edge": {"waf": {"officeCidrs": ["0.0.0.0/1", "2001:db8::/32"]}}},
        {"edge": {"waf": {"officeCidrs": ["::/0"]}}},
        "edge.waf.officeCidrs: expected a CIDR block narrower than /0, got '::/0'",
        id="waf-ip-set-range",
    ),
    pytest.param(
        {"backup": {"retentionDays": 36500}},
        {"backup": {"retentionDays": 36501}},
        "backup.retentionDays: must be 36500 or less (days), got 36501",
        id="backup-retention",
    ),
    pytest.param(
        {"edge": {"priceClass": "PriceClass_100"}},
        {"edge": {"priceClass": "PriceClass_300"}},
        "edge.priceClass: expected one of PriceClass_100, PriceClass_200, PriceClass_All",
        id="cloudfront-price-class",
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


def test_a_runtime_is_refused_from_the_day_lambda_blocks_creating_functions_on_it() -> None:
    deprecated, blocked = aws_data.LAMBDA_RUNTIMES["nodejs20.x"]
    assert aws_data.check_runtime("nodejs20.x", deprecated) is None
    assert aws_data.check_runtime("nodejs20.x", blocked - datetime.timedelta(days=1)) is None
    assert str(aws_data.check_runtime("nodejs20.x", blocked)).startswith(
        "runtime nodejs20.x is deprecated since 2026-04-30 and Lambda creates no functions on it "
        "since 2027-02-01; one of nodejs24.x, nodejs22.x, python3.14"
    )


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


def _bounds(model: type, field: str) -> tuple[int, int]:
    metadata = model.model_fields[field].metadata
    low = next(m.ge for m in metadata if hasattr(m, "ge"))
    high = next(m.le for m in metadata if hasattr(m, "le"))
    return low, high


def test_the_hand_written_ranges_are_botocores() -> None:
    timeout = service_shape("codebuild", "BuildTimeOut")
    assert _bounds(pipeline.PipelineConfig, "build_timeout_minutes") == (
        timeout["min"],
        timeout["max"],
    )
    port = service_shape("elbv2", "Port")
    assert _bounds(pipeline.BlueGreenConfig, "test_listener_port") == (port["min"], port["max"])
    for shape in ("KeySchemaAttributeName", "TimeToLiveAttributeName"):
        assert service_shape("dynamodb", shape)["max"] == data.ATTRIBUTE_NAME_MAX
    assert observability.ALARM_PERIOD_SECONDS == alarms.PERIOD_SECONDS
    assert service_shape("scheduler", "ScheduleExpression")["max"] == (
        schedule.SCHEDULE_EXPRESSION_MAX
    )
    assert service_shape("scheduler", "Description")["max"] == job.SCHEDULE_DESCRIPTION_MAX


def test_every_key_names_its_aws_constraint_or_why_there_is_none() -> None:
    from components.config import reference

    missing = set()
    for row in reference.reference().splitlines():
        if not row.startswith("| `"):
            continue
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        key, kind, rule = cells[0].strip("`"), cells[1], cells[-1]
        if kind in ("mapping", "mapping (optional)"):
            continue  # a section: its keys have rows of their own
        if "[AWS](" not in rule and "no AWS constraint: " not in rule:
            missing.add(key)
    assert missing == set()


def test_a_runtime_lambda_no_longer_patches_is_a_warning(plan_stack, capsys) -> None:
    deprecated, blocked = aws_data.LAMBDA_RUNTIMES["nodejs20.x"]
    assert aws_data.unpatched_runtime("nodejs20.x", deprecated - datetime.timedelta(days=1)) is None
    assert aws_data.unpatched_runtime("nodejs20.x", blocked) is None  # refused from then on
    assert aws_data.unpatched_runtime("nodejs24.x", deprecated) is None
    if datetime.date.today() >= blocked:
        pytest.skip("nodejs20.x is refused by now; pick a runtime between its two dates")
    legacy = {**FUNCTION, "code": "functions/hello", "handler": "app.handler"}
    plan_stack("prd", functions={"legacy": {**legacy, "runtime": "nodejs20.x"}})
    assert (
        "warning: Pulumi.test.yaml: webplatform:functions.legacy.runtime: runtime nodejs20.x is "
        "deprecated since 2026-04-30 (Lambda no longer patches it) and Lambda creates no "
        "functions on it from 2027-02-01; move to nodejs24.x\n"
    ) in capsys.readouterr().err


def _load_setting(value: str, owner: str = "web") -> None:
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in MINIMAL["prd"].items()}
    values["webplatform:services"] = json.dumps({"web": WEB})
    values["webplatform:functions"] = json.dumps({"hello": FUNCTION})
    values["webplatform:appSettings"] = json.dumps({owner: {"TOKEN": value}})
    stack_config.load("webplatform", "prd", values, {"webplatform:appSettings"})


def test_an_app_setting_fits_a_standard_parameter() -> None:
    _load_setting("x" * 4096)
    for value, size in (("", 0), ("é" * 2049, 4098)):
        with pytest.raises(stack_config.ConfigError) as raised:
            _load_setting(value)
        assert str(raised.value) == (
            "Pulumi.prd.yaml: webplatform:appSettings: web.TOKEN: a standard SSM parameter "
            f"holds 1 to 4096 bytes, this one {size}"
        )


def test_an_app_setting_is_no_ssm_reference_and_belongs_to_a_service() -> None:
    _load_setting("{{ not a reference }")
    with pytest.raises(stack_config.ConfigError) as raised:
        _load_setting("{{ssm:/other/value}}")
    assert str(raised.value) == (
        "Pulumi.prd.yaml: webplatform:appSettings: web.TOKEN: SSM refuses values wrapped in {{ }}"
    )
    with pytest.raises(stack_config.ConfigError) as raised:
        _load_setting("x", owner="hello")
    assert str(raised.value) == (
        "Pulumi.prd.yaml: webplatform:appSettings.hello: 'hello' is a function; app settings "
        "reach services only"
    )


def test_the_flow_log_traffic_choices_are_botocores() -> None:
    annotation = network.NetworkConfig.model_fields["flow_log_traffic"].annotation
    assert set(typing.get_args(annotation)) == set(service_shape("ec2", "TrafficType")["enum"])


def test_backups_start_at_most_once_an_hour() -> None:
    load("prd", backup={"enabled": True, "schedule": "cron(15 * ? * * *)"})
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", backup={"enabled": True, "schedule": "cron(0/30 * ? * * *)"})
    assert str(raised.value) == (
        "Pulumi.prd.yaml: webplatform:backup.schedule: cron(0/30 * ? * * *): AWS Backup starts "
        "jobs at least 60 minutes apart; give one minute of the hour, not '0/30'"
    )


def test_the_table_choices_are_botocores() -> None:
    fields = data.TableConfig.model_fields
    choices = {
        "stream": "StreamViewType",
        "billing_mode": "BillingMode",
    }
    for field, shape in choices.items():
        annotation = fields[field].annotation
        allowed = {a for arg in typing.get_args(annotation) for a in typing.get_args(arg) or [arg]}
        assert allowed - {type(None)} <= set(service_shape("dynamodb", shape)["enum"])
    projection = typing.get_args(data.IndexConfig.model_fields["projection"].annotation)
    assert set(projection) <= set(service_shape("dynamodb", "ProjectionType")["enum"])


def test_a_table_has_up_to_20_global_secondary_indexes() -> None:
    def table(count: int) -> dict:
        indexes = [{"name": f"by-k{i}", "hashKey": f"k{i}"} for i in range(count)]
        attributes = {"id": "S", **{f"k{i}": "S" for i in range(count)}}
        return {"hashKey": "id", "attributes": attributes, "globalSecondaryIndexes": indexes}

    load("prd", tables={"orders": table(20)})
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", tables={"orders": table(21)})
    assert "webplatform:tables.orders.globalSecondaryIndexes: " in str(raised.value)
    assert "20" in str(raised.value)
