"""The observability layer per tier: alarms and their actions, log metric filters, the log
archive, log search, the dashboard, the alerts subscriptions, and its config mistakes."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from components.observability.archive import ARCHIVE_PREFIX, ERROR_PREFIX
from components.observability.layer import ERROR_PATTERN, WARNING_PATTERN
from tests.conftest import MINIMAL, by_name, of_type, stack_plan
from tests.test_config import load

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
SUBSCRIPTION = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
FIREHOSE = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
GLUE_TABLE = "aws:glue/catalogTable:CatalogTable"
WORKGROUP = "aws:athena/workgroup:Workgroup"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION_SNS = "aws:sns/topicSubscription:TopicSubscription"
CHATBOT = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"
APPLICATION_LOGS = ("/ecs/", "/aws/lambda/", "/vpc/")


@pytest.fixture(scope="module")
def dev():
    return stack_plan("dev")


@pytest.fixture(scope="module")
def prd():
    return stack_plan("prd")


def alarms(plan) -> dict[str, dict]:
    """Alarms by name without the stack's `<project>-<environment>-` prefix."""
    return {r.inputs["name"].split("-", 2)[2]: r for r in of_type(plan, ALARM)}


def dimensions(alarm) -> dict:
    """The dimensions of an alarm's metric, or of every metric of its metric math."""
    found = dict(alarm.inputs.get("dimensions") or {})
    for query in alarm.inputs.get("metricQueries") or []:
        found.update((query.get("metric") or {}).get("dimensions") or {})
    return found


def test_the_prd_plan_watches_every_service_store_queue_and_log_group(prd) -> None:
    found = alarms(prd)
    for service in ("web", "worker"):
        for kind in ("cpu", "memory", "tasks"):
            assert dimensions(found[f"{service}-{kind}"])["ServiceName"] == (
                f"webplatform-prd-{service}"
            )
    for kind in ("alb-5xx", "alb-4xx", "alb-p95", "alb-rejected", "alb-tls-errors"):
        assert dimensions(found[kind])["LoadBalancer"].startswith("app/webplatform-prd/")
    assert dimensions(found["web-unhealthy"])["TargetGroup"].startswith("targetgroup/")
    for kind in ("cpu", "connections", "memory", "replica-lag"):
        assert dimensions(found[f"database-{kind}"]) == {
            "DBClusterIdentifier": "webplatform-prd-db"
        }
    for node in (1, 2):  # primary and replica
        for kind in ("cpu", "memory", "evictions"):
            assert dimensions(found[f"cache-{node}-{kind}"]) == {
                "CacheClusterId": f"webplatform-prd-cache-{node:03d}"
            }
    queues = {q.inputs["name"] for q in of_type(prd, QUEUE) if q.inputs["name"].endswith("-dlq")}
    watched = {
        a.inputs["dimensions"]["QueueName"]
        for a in of_type(prd, ALARM)
        if a.inputs.get("namespace") == "AWS/SQS"
    }
    assert queues and watched == queues
    groups = {
        g.inputs["name"]
        for g in of_type(prd, LOG_GROUP)
        if g.inputs["name"].startswith(APPLICATION_LOGS)
    }
    subscribed = {s.inputs["logGroup"] for s in of_type(prd, SUBSCRIPTION)}
    assert groups == {
        "/ecs/webplatform-prd/web",
        "/ecs/webplatform-prd/worker",  # the jobs run on the worker's task
        "/aws/lambda/webplatform-prd-hello",
        "/vpc/webplatform-prd/flow-logs",
    }
    assert groups <= subscribed
    (stream,) = of_type(prd, FIREHOSE)
    assert all(
        s.inputs["destinationArn"] == stream.outputs["arn"] for s in of_type(prd, SUBSCRIPTION)
    )
    assert {t.inputs["name"] for t in of_type(prd, GLUE_TABLE)} == {
        "events",
        "alb_access_logs",
        "cloudfront_access_logs",
    }
    assert len(of_type(prd, WORKGROUP)) == 1
    assert len(of_type(prd, DASHBOARD)) == 1
    assert prd.outputs["logArchive"] == {
        "bucket": "webplatform-prd-log-archive-6357360f",
        "stream": "webplatform-prd-logs",
        "athenaWorkgroup": "webplatform-prd-logs",
        "glueDatabase": "webplatform_prd_logs",
        "table": "events",
        "resultsBucket": "webplatform-prd-query-results-6357360f",
    }
    # Every alarm but the pipeline's rollback alarms, which CodeDeploy watches.
    watched = [a for a in of_type(prd, ALARM) if "webplatform:pipeline:" not in a.urn]
    assert sorted(prd.outputs["alarms"]) == sorted(a.inputs["name"] for a in watched)


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_every_alarm_notifies_its_regions_topic_on_alarm_and_ok(stack) -> None:
    plan = stack_plan(stack)
    topics = {t.name: t.outputs["arn"] for t in of_type(plan, TOPIC)}
    for alarm in of_type(plan, ALARM):
        in_us_east_1 = "us-east-1" in alarm.provider
        topic = topics["alerts-global" if in_us_east_1 else "alerts"]
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic], alarm.name
        assert alarm.inputs["treatMissingData"] in ("notBreaching", "breaching")
        assert alarm.inputs["evaluationPeriods"] >= 1
    assert topics["alerts-global"].startswith("arn:aws:sns:us-east-1:")
    waf = by_name(plan, ALARM, "alarm-waf-blocked")
    assert "us-east-1" in waf.provider
    assert waf.inputs["dimensions"] == {"WebACL": f"webplatform-{stack}", "Rule": "ALL"}


def test_missing_tasks_is_breaching_and_error_counts_are_not(prd) -> None:
    found = alarms(prd)
    assert found["web-tasks"].inputs["treatMissingData"] == "breaching"
    expression = found["web-tasks"].inputs["metricQueries"][0]["expression"]
    assert expression == "d - r"
    assert found["alb-5xx"].inputs["treatMissingData"] == "notBreaching"
    namespaces = {
        q["metric"]["namespace"]
        for q in found["web-tasks"].inputs["metricQueries"]
        if "metric" in q
    }
    assert namespaces == {"ECS/ContainerInsights"}


def test_thresholds_follow_the_tier(dev, prd) -> None:
    assert alarms(dev)["alb-5xx"].inputs["threshold"] == 10
    assert alarms(prd)["alb-5xx"].inputs["threshold"] == 2
    assert alarms(prd)["database-memory"].inputs["comparisonOperator"] == "LessThanThreshold"
    assert alarms(prd)["database-memory"].inputs["threshold"] == 512 * 1024 * 1024
    assert alarms(prd)["alb-p95"].inputs["extendedStatistic"] == "p95"
    assert alarms(dev)["web-cpu"].inputs["evaluationPeriods"] == 3


def test_dev_has_no_replica_lag_or_operation_host_alarm(dev, prd) -> None:
    assert "database-replica-lag" not in alarms(dev)
    assert "ops-host-status" not in alarms(dev)
    assert "cache-2-cpu" not in alarms(dev)
    assert alarms(prd)["ops-host-status"].inputs["dimensions"]["InstanceId"].startswith("i-")


def test_error_and_warning_filters_match_the_case_variants_apps_print(dev) -> None:
    filters = {f.inputs["name"]: f for f in of_type(dev, METRIC_FILTER)}
    assert set(filters) == {
        f"{owner}-log-{level}"
        for owner in ("service-web", "service-worker", "function-hello")
        for level in ("errors", "warnings")
    }
    for term in ("ERROR", "Error", "error", "CRITICAL", "Critical", "critical"):
        assert f"?{term}" in ERROR_PATTERN.split()
    assert "?WARNING" in WARNING_PATTERN.split() and "?warn" in WARNING_PATTERN.split()
    web = filters["service-web-log-errors"]
    assert web.inputs["logGroupName"] == "/ecs/webplatform-dev/web"
    assert web.inputs["metricTransformation"]["namespace"] == "webplatform-dev/Logs"
    alarm = alarms(dev)["service-web-log-errors"]
    assert alarm.inputs["metricName"] == "service-web-log-errors"


def test_the_archive_stream_decompresses_once_and_gzips_hourly_objects_with_the_data_key(
    dev,
) -> None:
    (stream,) = of_type(dev, FIREHOSE)
    key = by_name(dev, "aws:kms/key:Key", "keys-data").outputs["arn"]
    assert stream.inputs["serverSideEncryption"] == {
        "enabled": True,
        "keyType": "CUSTOMER_MANAGED_CMK",
        "keyArn": key,
    }
    s3 = stream.inputs["extendedS3Configuration"]
    archive = by_name(dev, "aws:s3/bucket:Bucket", "storage-log-archive")
    assert s3["bucketArn"] == archive.outputs["arn"]
    assert (s3["prefix"], s3["errorOutputPrefix"]) == (ARCHIVE_PREFIX, ERROR_PREFIX)
    assert s3["compressionFormat"] == "GZIP" and s3["kmsKeyArn"] == key
    processors = s3["processingConfiguration"]["processors"]
    assert [p["type"] for p in processors] == ["Decompression", "AppendDelimiterToRecord"]
    assert processors[0]["parameters"] == [
        {"parameterName": "CompressionFormat", "parameterValue": "GZIP"}
    ]


def test_the_roles_trust_only_their_service_for_this_account(dev) -> None:
    roles = {r.name: r for r in of_type(dev, "aws:iam/role:Role")}
    logs = json.loads(roles["log-archive-subscriptions"].inputs["assumeRolePolicy"])
    (statement,) = logs["Statement"]
    assert statement["Principal"] == {"Service": "logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringLike": {"aws:SourceArn": "arn:aws:logs:ap-northeast-1:111111111111:*"}
    }
    firehose = json.loads(roles["log-archive-delivery"].inputs["assumeRolePolicy"])
    assert firehose["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "111111111111"}
    }
    policies = {
        p.name: json.loads(p.inputs["policy"])
        for p in of_type(dev, "aws:iam/rolePolicy:RolePolicy")
    }
    (put,) = policies["log-archive-subscriptions"]["Statement"]
    assert put["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert (
        put["Resource"]
        == "arn:aws:firehose:ap-northeast-1:111111111111:deliverystream/webplatform-dev-logs"
    )
    kms = next(
        s
        for s in policies["log-archive-delivery"]["Statement"]
        if s["Sid"] == "EncryptArchiveObjects"
    )
    assert kms["Condition"]["StringEquals"] == {"kms:ViaService": "s3.ap-northeast-1.amazonaws.com"}


def test_log_tables_project_their_date_partitions(dev) -> None:
    tables = {t.inputs["name"]: t for t in of_type(dev, GLUE_TABLE)}
    events = tables["events"].inputs
    assert events["partitionKeys"] == [{"name": "datehour", "type": "string"}]
    parameters = events["parameters"]
    assert parameters["projection.datehour.format"] == "yyyy/MM/dd/HH"
    assert parameters["projection.datehour.range"] == "NOW-365DAYS,NOW"  # the archive's expiry
    location = events["storageDescriptor"]["location"]
    assert location.startswith("s3://webplatform-dev-log-archive-")
    assert parameters["storage.location.template"] == location + "${datehour}/"
    assert parameters["read_restored_glacier_objects"] == "true"
    alb = tables["alb_access_logs"].inputs
    assert alb["storageDescriptor"]["location"].endswith(
        "/alb/AWSLogs/111111111111/elasticloadbalancing/ap-northeast-1/"
    )
    assert alb["storageDescriptor"]["serDeInfo"]["serializationLibrary"].endswith("RegexSerDe")
    cloudfront = tables["cloudfront_access_logs"].inputs["parameters"]
    distribution = by_name(dev, "aws:cloudfront/distribution:Distribution", "edge-cdn").outputs[
        "id"
    ]
    assert cloudfront["projection.distributionid.values"] == distribution
    (workgroup,) = of_type(dev, WORKGROUP)
    configuration = workgroup.inputs["configuration"]
    assert configuration["enforceWorkgroupConfiguration"] is True
    assert configuration["resultConfiguration"]["encryptionConfiguration"]["encryptionOption"] == (
        "SSE_KMS"
    )
    assert configuration["resultConfiguration"]["outputLocation"].startswith(
        "s3://webplatform-dev-query-results-"
    )


def test_the_dashboard_shows_the_request_path_services_stores_and_jobs(dev) -> None:
    (board,) = of_type(dev, DASHBOARD)
    body = json.loads(board.inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    for title in (
        "CloudFront requests and errors",
        "WAF allowed and blocked",
        "Load balancer",
        "Services CPU %",
        "Database",
        "Cache engine CPU %",
        "Dead-letter queues",
    ):
        assert title in titles
    regions = {w["properties"]["title"]: w["properties"]["region"] for w in body["widgets"]}
    assert regions["CloudFront requests and errors"] == "us-east-1"
    assert regions["Load balancer"] == "ap-northeast-1"
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"])


def test_subscriptions_come_from_config(plan_stack) -> None:
    plan = plan_stack(
        "dev",
        observability={
            "alertEmails": ["ops@example.com", "oncall@example.com"],
            "alertHttpsEndpoint": "https://events.example.com/hook",
            "slack": {"workspaceId": "T0123ABCD", "channelId": "C0123ABCD"},
        },
    )
    subscriptions = of_type(plan, SUBSCRIPTION_SNS)
    # Each address and the endpoint on both topics (regional and us-east-1).
    assert sorted((s.inputs["protocol"], s.inputs["endpoint"]) for s in subscriptions) == sorted(
        2
        * [
            ("email", "ops@example.com"),
            ("email", "oncall@example.com"),
            ("https", "https://events.example.com/hook"),
        ]
    )
    (channel,) = of_type(plan, CHATBOT)
    assert (channel.inputs["slackTeamId"], channel.inputs["slackChannelId"]) == (
        "T0123ABCD",
        "C0123ABCD",
    )
    assert len(channel.inputs["snsTopicArns"]) == 2
    assert of_type(stack_plan("dev"), SUBSCRIPTION_SNS) == []


BAD_CONFIGS = [
    pytest.param(
        {"alertEmails": ["ops-at-example.com"]},
        "webplatform:observability.alertEmails: expected e-mail addresses such as "
        "ops@example.com, got 'ops-at-example.com'",
        id="email",
    ),
    pytest.param(
        {"alertEmails": ["ops@example.com", "ops@example.com"]},
        "webplatform:observability.alertEmails: lists an address twice",
        id="duplicate-email",
    ),
    pytest.param(
        {"alertHttpsEndpoint": "http://events.example.com/hook"},
        "webplatform:observability.alertHttpsEndpoint: expected an https:// URL",
        id="plain-http-endpoint",
    ),
    pytest.param(
        {"slack": {"workspaceId": "t0123", "channelId": "C0123ABCD"}},
        "webplatform:observability.slack.workspaceId: does not have the expected form",
        id="slack-workspace",
    ),
    pytest.param(
        {"slack": {"workspaceId": "T0123ABCD"}},
        "webplatform:observability.slack.channelId: required key is missing",
        id="slack-channel-missing",
    ),
    pytest.param(
        {"thresholds": {"serverErrorsPercent": 150}},
        "webplatform:observability.thresholds.serverErrorsPercent: must be 100 or less",
        id="percent-over-100",
    ),
    pytest.param(
        {"thresholds": {"targetP95Second": 2}},
        "webplatform:observability.thresholds.targetP95Second: unknown key; did you mean "
        "'targetP95Seconds'?",
        id="threshold-typo",
    ),
    pytest.param(
        {"evaluationPeriods": 0},
        "webplatform:observability.evaluationPeriods: must be 1 or more",
        id="no-evaluation-periods",
    ),
    pytest.param(
        {"queryResultsExpireDays": 0},
        "webplatform:observability.queryResultsExpireDays: must be 1 or more",
        id="results-expire-at-once",
    ),
]


@pytest.mark.parametrize(("observability", "message"), BAD_CONFIGS)
def test_bad_observability_config_is_one_line(observability: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", observability=observability)
    text = str(raised.value)
    assert text.startswith(f"Pulumi.prd.yaml: {message}"), text
    assert "\n" not in text


def test_tier_defaults_and_overrides() -> None:
    dev, prd = load("dev").observability, load("prd").observability
    assert (dev.evaluation_periods, prd.evaluation_periods) == (3, 2)
    assert dev.thresholds.log_errors > prd.thresholds.log_errors
    assert dev.alert_emails == [] and dev.slack is None
    changed = load("prd", observability={"thresholds": {"logErrors": 5}}).observability
    assert changed.thresholds.log_errors == 5
    assert changed.thresholds.server_errors_percent == prd.thresholds.server_errors_percent
    assert "observability" not in MINIMAL["prd"]


def test_a_job_with_its_own_task_has_its_log_group_archived_and_watched(plan_stack) -> None:
    plan = plan_stack(
        "dev",
        jobs={
            "cleanup": {
                "schedule": "rate(1 day)",
                "image": "111111111111.dkr.ecr.ap-northeast-1.amazonaws.com/cleanup:1.0.0",
                "command": ["cleanup"],
            }
        },
    )
    group = "/ecs/webplatform-dev/job-cleanup"
    assert group in {s.inputs["logGroup"] for s in of_type(plan, SUBSCRIPTION)}
    assert group in {f.inputs["logGroupName"] for f in of_type(plan, METRIC_FILTER)}
    found = alarms(plan)
    assert {"job-cleanup-log-errors", "jobs-cleanup-dlq"} <= set(found)


@pytest.mark.parametrize(
    ("name", "region"), [("alerts", "ap-northeast-1"), ("alerts-global", "us-east-1")]
)
def test_alarms_and_rules_of_this_account_and_region_publish_over_tls(dev, name, region) -> None:
    policy = json.loads(by_name(dev, "aws:sns/topicPolicy:TopicPolicy", name).inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    alarms_publish = statements["AlarmsOfThisAccountPublish"]
    assert alarms_publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms_publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111111111111"},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:111111111111:alarm:*"},
    }
    assert statements["RulesOfThisAccountPublish"]["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:events:{region}:111111111111:rule/*"}
    }
    assert statements["TlsOnly"]["Effect"] == "Deny"
    key = "keys-data" if name == "alerts" else "alerts-global"
    key_policy = json.loads(by_name(dev, "aws:kms/key:Key", key).inputs["policy"])
    (publishers,) = [
        s
        for s in key_policy["Statement"]
        if s["Sid"] == "AlarmsAndEventsPublishToEncryptedTopicsAndQueues"
    ]
    assert publishers["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_the_operations_cli_reads_the_log_archive_and_alarms_from_the_outputs(stack) -> None:
    from ops.outputs import LogArchiveOutputs

    plan = stack_plan(stack)
    archive = LogArchiveOutputs.model_validate(plan.outputs["logArchive"])
    assert (archive.glue_database, archive.table) == (f"webplatform_{stack}_logs", "events")
    assert archive.athena_workgroup == f"webplatform-{stack}-logs"
    alarms = plan.outputs["alarms"]
    assert alarms and all(a.startswith(f"webplatform-{stack}-") for a in alarms)
