"""The data layer's keys, tables and parameters, and the data config's validation."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from tests.conftest import by_name, of_type
from tests.test_config import load

TABLE = "aws:dynamodb/table:Table"
PARAMETER = "aws:ssm/parameter:Parameter"
ORDERS = {
    "hashKey": "pk",
    "rangeKey": "sk",
    "attributes": {"pk": "S", "sk": "S", "customer": "S"},
    "globalSecondaryIndexes": [{"name": "by-customer", "hashKey": "customer", "rangeKey": "sk"}],
    "ttlAttribute": "expiresAt",
    "stream": "NEW_AND_OLD_IMAGES",
}


def test_a_key_per_purpose_rotating_and_protected_in_prd(plan_stack) -> None:
    prd = plan_stack("prd")
    keys = {k.name: k for k in of_type(prd, "aws:kms/key:Key") if k.name.startswith("keys-")}
    assert set(keys) == {"keys-data", "keys-logs", "keys-secrets"}
    assert all(k.inputs["enableKeyRotation"] and k.protect for k in keys.values())
    assert not any(k.protect for k in of_type(plan_stack("dev"), "aws:kms/key:Key"))
    # The data key's publisher statement is checked in detail below.
    assert [s["Sid"] for s in json.loads(keys["keys-secrets"].inputs["policy"])["Statement"]] == [
        "AccountAdministersThroughIam"
    ]


@pytest.mark.parametrize(("tier", "protected"), [("dev", False), ("prd", True)])
def test_tables_from_config(plan_stack, tier: str, protected: bool) -> None:
    plan = plan_stack(tier, tables={"orders": ORDERS})
    table = by_name(plan, TABLE, "tables-orders")
    data_key = by_name(plan, "aws:kms/key:Key", "keys-data")
    inputs = table.inputs
    assert inputs["name"] == f"webplatform-{tier}-orders"
    assert inputs["billingMode"] == "PAY_PER_REQUEST"
    assert (inputs["hashKey"], inputs["rangeKey"]) == ("pk", "sk")
    assert sorted(a["name"] for a in inputs["attributes"]) == ["customer", "pk", "sk"]
    (index,) = inputs["globalSecondaryIndexes"]
    assert index["keySchemas"] == [
        {"attributeName": "customer", "keyType": "HASH"},
        {"attributeName": "sk", "keyType": "RANGE"},
    ]
    assert "readCapacity" not in index and "writeCapacity" not in index
    assert inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert (inputs["streamEnabled"], inputs["streamViewType"]) == (True, "NEW_AND_OLD_IMAGES")
    assert inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": data_key.outputs["arn"]}
    assert inputs["pointInTimeRecovery"] == {"enabled": True}
    assert inputs["deletionProtectionEnabled"] is protected
    assert table.protect is protected
    assert plan.outputs["tables"] == {"orders": f"webplatform-{tier}-orders"}


def test_a_provisioned_tables_indexes_get_its_capacity(plan_stack) -> None:
    provisioned = {**ORDERS, "billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 2}
    plan = plan_stack("dev", tables={"orders": provisioned})
    (index,) = by_name(plan, TABLE, "tables-orders").inputs["globalSecondaryIndexes"]
    assert (index["readCapacity"], index["writeCapacity"]) == (5, 2)


def test_app_settings_become_secure_string_parameters(plan_stack) -> None:
    settings = {"web": {"SECRET_KEY": {"secure": "v1:c2VjcmV0LWtleQ=="}},
                "worker": {"API_TOKEN": {"secure": "v1:dG9rZW4="}}}  # fmt: skip
    image = "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/webplatform/app:1.0.0"
    services = {"web": {"image": image, "port": 8080}, "worker": {"image": image}}
    plan = plan_stack("prd", appSettings=settings, services=services)
    secrets_key = by_name(plan, "aws:kms/key:Key", "keys-secrets")
    parameters = {p.inputs["name"]: p for p in of_type(plan, PARAMETER)}
    web = parameters["/webplatform/prd/web/SECRET_KEY"]
    assert web.inputs["type"] == "SecureString"
    assert web.inputs["keyId"] == secrets_key.outputs["arn"]
    assert web.inputs["value"] == "[secret]"
    assert "/webplatform/prd/worker/API_TOKEN" in parameters
    document = json.dumps([r.to_policy_record() for r in plan.resources])
    assert "c2VjcmV0LWtleQ" not in document and "dG9rZW4" not in document


def test_app_settings_in_plain_text_are_refused(plan_stack) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        plan_stack(
            "prd",
            appSettings={"web": {"SECRET_KEY": "in-the-clear"}},
            services={"web": {"image": "registry.example.com/web:1.0.0"}},
        )
    message = str(raised.value)
    assert message.startswith("Pulumi.test.yaml: webplatform:appSettings: values must be secrets")
    assert "in-the-clear" not in message


def test_data_defaults_per_tier() -> None:
    dev, prd = load("dev"), load("prd")
    assert (dev.database.instances, prd.database.instances) == (1, 2)
    assert (dev.database.backup_retention_days, prd.database.backup_retention_days) == (1, 30)
    assert (dev.database.auto_minor_version_upgrade, prd.database.auto_minor_version_upgrade) == (
        True,
        False,
    )
    assert (dev.cache.replicas, prd.cache.replicas) == (0, 1)
    assert (prd.database.engine, prd.database.version, prd.database.port) == (
        "aurora-postgresql",
        "16.6",
        5432,
    )
    mysql = load("dev", database={"engine": "aurora-mysql"}).database
    assert (mysql.version, mysql.port) == ("8.0.mysql_aurora.3.08.0", 3306)
    assert (prd.cache.engine, prd.cache.version) == ("valkey", "8.0")


BAD_DATA = [
    (
        {"database": {"maxCapacity": 300}},
        "database.maxCapacity: must be 256 or less",
    ),
    (
        {"database": {"minCapacity": -0.5}},
        "database.minCapacity: must be 0 or more (ACUs of about 2 GiB), got -0.5",
    ),
    (
        {"database": {"minCapacity": 0, "engineVersion": "16.2"}},
        "database: minCapacity 0 (automatic pause) needs Aurora PostgreSQL 13.15+, 14.12+, 15.7+, "
        "16.3+; engineVersion is 16.2",
    ),
    (
        {
            "database": {
                "engine": "aurora-mysql",
                "minCapacity": 0,
                "engineVersion": "8.0.mysql_aurora.3.07.1",
            }
        },
        "database: minCapacity 0 (automatic pause) needs Aurora MySQL 3.08.0+",
    ),
    (
        {"database": {"minCapacity": 0}},
        "database: minCapacity 0 (automatic pause) never pauses behind RDS Proxy, which keeps "
        "connections open; set access: password or minCapacity 0.5 or more",
    ),
    (
        {"database": {"minCapacity": 8, "maxCapacity": 4}},
        "database: minCapacity 8.0 is above maxCapacity 4.0",
    ),
    (
        {"database": {"backupRetentionDays": 40}},
        "database.backupRetentionDays: must be 35 or less",
    ),
    (
        {"database": {"engine": "postgres"}},
        "database.engine: expected one of aurora-postgresql, aurora-mysql",
    ),
    (
        {"database": {"engineVersion": "latest"}},
        "database.engineVersion: expected a version such as 16.6",
    ),
    (
        {"database": {"engine": "aurora-mysql", "engineVersion": "16.6"}},
        "database: engineVersion 16.6 is not an aurora-mysql version",
    ),
    (
        {"database": {"backupWindow": "3am"}},
        "database.backupWindow: expected a UTC window such as '18:00-18:30'",
    ),
    (
        {"database": {"maintenanceWindow": "sunday 19:00"}},
        "database.maintenanceWindow: expected a UTC window",
    ),
    (
        {"database": {"backupWindow": "19:00-19:40", "maintenanceWindow": "sun:19:10-sun:19:40"}},
        "database: backupWindow 19:00-19:40 overlaps",
    ),
    (
        {"database": {"instanceClass": "r7g.large"}},
        "database.instanceClass: expected db.serverless or a class",
    ),
    ({"database": {"timeZone": "Tokyo"}}, "database.timeZone: expected an IANA time zone"),
    (
        {"database": {"instances": 1}},
        "database.instances: prd needs a writer and at least one reader",
    ),
    (
        {"cache": {"nodeType": "t4g.micro"}},
        "cache.nodeType: expected a node type such as cache.t4g.small",
    ),
    ({"cache": {"replicas": 0}}, "cache.replicas: prd needs at least 1 replica"),
    ({"cache": {"engineVersion": "8"}}, "cache.engineVersion: expected a version such as 8.0"),
    (
        {"cache": {"snapshotWindow": "17:00-17:30"}},
        "cache.snapshotWindow: '17:00-17:30' is shorter than 60 minutes",
    ),
    (
        {"tables": {"orders": {**ORDERS, "attributes": {"pk": "S", "sk": "S"}}}},
        "tables.orders: key 'customer' is not among the attributes",
    ),
    (
        {"tables": {"orders": {**ORDERS, "attributes": {**ORDERS["attributes"], "total": "N"}}}},
        "tables.orders: attribute 'total' is no key",
    ),
    (
        {"tables": {"orders": {**ORDERS, "billingMode": "PROVISIONED"}}},
        "tables.orders: readCapacity and writeCapacity go with",
    ),
    ({"tables": {"Orders": ORDERS}}, "tables: table 'Orders' is not a lowercase name"),
    (
        {"tables": {"orders": {**ORDERS, "attributes": {"pk": "X"}}}},
        "tables.orders.attributes.pk: expected one of S, N, B",
    ),
    (
        {"appSettings": {"web": {"secret_key": "x"}}},
        "appSettings: web.secret_key: expected an UPPER_CASE setting name",
    ),
    (
        {"appSettings": {"wbe": {"SECRET_KEY": "x"}}},
        "appSettings.wbe: no service named 'wbe'",
    ),
    (
        {"buckets": {"archiveToGlacierDays": 400, "archiveExpireDays": 365}},
        "buckets: archiveExpireDays must come after archiveToGlacierDays",
    ),
]


@pytest.mark.parametrize(("changes", "message"), BAD_DATA, ids=lambda v: str(v)[:40])
def test_bad_data_config_is_one_line_naming_the_key(changes: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", **changes)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value


def test_data_endpoints_are_shared_parameters_for_every_service(plan_stack) -> None:
    plan = plan_stack("dev")
    names = sorted(p.inputs["name"] for p in of_type(plan, PARAMETER))
    assert names == [
        f"/webplatform/dev/shared/{name}"
        for name in ("CACHE_AUTH", "CACHE_HOST", "CACHE_PORT", "CACHE_READER_HOST", "CACHE_USER",
                     "DB_AUTH", "DB_HOST", "DB_NAME", "DB_PORT", "DB_READER_HOST", "DB_USER")
    ]  # fmt: skip
    assert all(p.inputs["type"] == "SecureString" for p in of_type(plan, PARAMETER))
    # The services reach the database through the proxy's endpoints (the values are secret in
    # the plan; what each parameter is made from shows in its dependencies).
    parameters = {p.inputs["name"].rsplit("/", 1)[1]: p for p in of_type(plan, PARAMETER)}
    proxy = by_name(plan, "aws:rds/proxy:Proxy", "database-proxy")
    reader = by_name(plan, "aws:rds/proxyEndpoint:ProxyEndpoint", "database-proxy-reader")
    assert proxy.urn in parameters["DB_HOST"].dependencies
    assert reader.urn in parameters["DB_READER_HOST"].dependencies
    cluster = by_name(plan, "aws:rds/cluster:Cluster", "database")
    assert cluster.urn not in parameters["DB_HOST"].dependencies


def test_the_alerts_topic_is_encrypted_and_only_this_accounts_services_publish(plan_stack) -> None:
    plan = plan_stack("prd")
    topic = by_name(plan, "aws:sns/topic:Topic", "alerts")
    assert topic.inputs["name"] == "webplatform-prd-alerts"
    assert (
        topic.inputs["kmsMasterKeyId"]
        == by_name(plan, "aws:kms/key:Key", "keys-data").outputs["arn"]
    )
    policy = by_name(plan, "aws:sns/topicPolicy:TopicPolicy", "alerts")
    alarms, rules, notifications, deny = json.loads(policy.inputs["policy"])["Statement"]
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}
    assert rules["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:events:ap-northeast-1:222222222222:rule/*"}
    }
    assert notifications["Principal"] == {"Service": "codestar-notifications.amazonaws.com"}
    assert alarms["Resource"] == rules["Resource"] == topic.outputs["arn"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_alarms_and_rules_may_use_the_data_key_as_aws_documents_for_encrypted_topics(
    plan_stack,
) -> None:
    """The key statement for CloudWatch and EventBridge has the documented shape, with no
    condition key a service request might lack; the topic policy limits publishers to this
    account's alarms and rules."""
    plan = plan_stack("prd")
    key = by_name(plan, "aws:kms/key:Key", "keys-data")
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AlarmsAndEventsPublishToEncryptedTopicsAndQueues"] == {
        "Sid": "AlarmsAndEventsPublishToEncryptedTopicsAndQueues",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    topic_policy = json.loads(
        by_name(plan, "aws:sns/topicPolicy:TopicPolicy", "alerts").inputs["policy"]
    )
    publishers = [s for s in topic_policy["Statement"] if s["Effect"] == "Allow"]
    assert [s["Principal"]["Service"] for s in publishers] == [
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
        "codestar-notifications.amazonaws.com",
    ]
    assert publishers[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:ap-northeast-1:222222222222:alarm:*"},
    }
