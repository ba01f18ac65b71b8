"""What AWS accepts: each rule with a value just inside (accepted) and just outside (one line
naming the key and the rule), and the data module's tables kept fresh."""

from __future__ import annotations

import datetime

import pytest

from components import config as stack_config
from components.config import aws_data, data, observability, pipeline
from components.config.edge import service_shape
from components.observability import alarms
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
        "edge.waf.officeCidrs: ::/0: WAF IP sets take any range but /0",
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


# Keys whose rule names neither an AWS page nor why none applies; each one done leaves the list.
UNSOURCED = {
    "environment",
    "accountId",
    "project",
    "aws:region",
    "protectStatefulResources",
    "tables",
    "appSettings",
    "services",
    "functions",
    "functionReservedConcurrency",
    "jobs",
    "network.subnetPrefixLength",
    "network.natGateways",
    "network.flowLogTraffic",
    "database.engine",
    "database.instanceClass",
    "database.databaseName",
    "database.deletionProtection",
    "database.autoMinorVersionUpgrade",
    "database.slowQuerySeconds",
    "database.timeZone",
    "database.access",
    "database.logStatement",
    "database.monitoringIntervalSeconds",
    "cache.engine",
    "cache.autoMinorVersionUpgrade",
    "cache.access",
    "tables.<name>.rangeKey",
    "tables.<name>.attributes",
    "tables.<name>.globalSecondaryIndexes",
    "tables.<name>.stream",
    "tables.<name>.billingMode",
    "tables.<name>.readCapacity",
    "tables.<name>.writeCapacity",
    "tables.<name>.globalSecondaryIndexes.[].rangeKey",
    "tables.<name>.globalSecondaryIndexes.[].projection",
    "backup.enabled",
    "backup.schedule",
    "backup.vaultLock",
    "cluster.preferSpot",
    "services.<name>.image",
    "services.<name>.architecture",
    "services.<name>.deploy",
    "services.<name>.port",
    "services.<name>.healthCheckPath",
    "services.<name>.command",
    "services.<name>.environment",
    "services.<name>.secrets",
    "services.<name>.desiredCount",
    "services.<name>.minCount",
    "services.<name>.maxCount",
    "services.<name>.readonlyRootFilesystem",
    "services.<name>.logDatetimeFormat",
    "services.<name>.tables",
    "services.<name>.buckets",
    "services.<name>.autoscaling.cpuPercent",
    "services.<name>.autoscaling.memoryPercent",
    "services.<name>.autoscaling.requestsPerTarget",
    "functions.<name>.code",
    "functions.<name>.handler",
    "functions.<name>.image",
    "functions.<name>.architecture",
    "functions.<name>.reservedConcurrency",
    "functions.<name>.vpc",
    "functions.<name>.environment",
    "jobs.<name>.after",
    "jobs.<name>.timeZone",
    "jobs.<name>.service",
    "jobs.<name>.image",
    "jobs.<name>.architecture",
    "jobs.<name>.command",
    "jobs.<name>.timeoutMinutes",
    "jobs.<name>.overlap",
    "jobs.<name>.enabled",
    "jobs.<name>.retries.attempts",
    "jobs.<name>.retries.intervalSeconds",
    "jobs.<name>.retries.backoffRate",
    "jobRetries.attempts",
    "jobRetries.intervalSeconds",
    "jobRetries.backoffRate",
    "opsHost.enabled",
    "opsHost.rootVolumeGb",
    "opsHost.sessionPreferences",
    "operators.principals",
}


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
    assert missing == UNSOURCED
