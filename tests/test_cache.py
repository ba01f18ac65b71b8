"""The ElastiCache replication group as declared for each tier and engine."""

from __future__ import annotations

import json

import pytest

from plan import mock_outputs
from tests.conftest import by_name, of_type

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
PASSWORD = "random:index/randomPassword:RandomPassword"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def key_arn(plan, purpose: str) -> str:
    return by_name(plan, KEY, f"keys-{purpose}").outputs["arn"]


def test_prd_fails_over_across_zones_and_encrypts_at_rest_and_in_transit(plan_stack) -> None:
    plan = plan_stack("prd")
    (group,) = of_type(plan, GROUP)
    inputs = group.inputs
    assert inputs["replicationGroupId"] == "webplatform-prd-cache"
    assert inputs["engine"] == "valkey"
    assert inputs["engineVersion"] == "8.0"
    assert inputs["nodeType"] == "cache.r7g.large"
    assert inputs["numCacheClusters"] == 2
    assert inputs["preferredCacheClusterAzs"] == ["ap-northeast-1a", "ap-northeast-1c"]
    assert inputs["automaticFailoverEnabled"] is True
    assert inputs["multiAzEnabled"] is True
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["transitEncryptionMode"] == "required"
    assert inputs["atRestEncryptionEnabled"] is True
    assert inputs["kmsKeyId"] == key_arn(plan, "data")
    assert inputs["snapshotRetentionLimit"] == 7
    assert inputs["finalSnapshotIdentifier"] == "webplatform-prd-cache-final"
    assert group.protect is True


def test_dev_has_a_single_node_without_failover(plan_stack) -> None:
    plan = plan_stack("dev")
    (group,) = of_type(plan, GROUP)
    inputs = group.inputs
    assert inputs["replicationGroupId"] == "webplatform-dev-cache"
    assert inputs["numCacheClusters"] == 1
    assert inputs["preferredCacheClusterAzs"] == ["ap-northeast-1a"]
    assert inputs["automaticFailoverEnabled"] is False
    assert inputs["multiAzEnabled"] is False
    assert inputs["snapshotRetentionLimit"] == 0
    assert inputs["transitEncryptionMode"] == "required"
    assert inputs["atRestEncryptionEnabled"] is True
    assert "finalSnapshotIdentifier" not in inputs
    assert group.protect is False


def test_replicas_wrap_around_the_zones(plan_stack) -> None:
    plan = plan_stack("prd", cache={"replicas": 3})
    (group,) = of_type(plan, GROUP)
    assert group.inputs["numCacheClusters"] == 4
    assert group.inputs["preferredCacheClusterAzs"] == [
        "ap-northeast-1a",
        "ap-northeast-1c",
        "ap-northeast-1d",
        "ap-northeast-1a",
    ]


def test_group_sits_in_the_data_subnets_and_group_with_its_parameter_group(plan_stack) -> None:
    plan = plan_stack("prd")
    (group,) = of_type(plan, GROUP)
    (subnet_group,) = of_type(plan, SUBNET_GROUP)
    (parameter_group,) = of_type(plan, PARAMETER_GROUP)
    data_subnets = {s.id for s in of_type(plan, SUBNET) if s.name.startswith("network-data-")}
    assert set(subnet_group.inputs["subnetIds"]) == data_subnets
    assert group.inputs["subnetGroupName"] == subnet_group.outputs["name"]
    data = by_name(plan, SECURITY_GROUP, "network-data-sg").id
    assert group.inputs["securityGroupIds"] == [data]
    assert group.inputs["port"] == 6379
    assert group.inputs["parameterGroupName"] == parameter_group.outputs["name"]
    assert parameter_group.inputs["family"] == "valkey8"
    assert parameter_group.inputs["parameters"] == [
        {"name": "maxmemory-policy", "value": "allkeys-lru"}
    ]
    (rule,) = [r for r in of_type(plan, INGRESS) if r.name.startswith("cache-")]
    assert rule.inputs["securityGroupId"] == data
    assert (
        rule.inputs["referencedSecurityGroupId"]
        == by_name(plan, SECURITY_GROUP, "network-app-sg").id
    )
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (6379, 6379)


def test_redis_takes_its_family_from_the_major_version(plan_stack) -> None:
    plan = plan_stack("dev", cache={"engine": "redis"})
    (group,) = of_type(plan, GROUP)
    (parameter_group,) = of_type(plan, PARAMETER_GROUP)
    assert group.inputs["engine"] == "redis"
    assert group.inputs["engineVersion"] == "7.1"
    assert group.inputs["atRestEncryptionEnabled"] is True
    assert parameter_group.inputs["family"] == "redis7"
    assert parameter_group.inputs["name"] == "webplatform-dev-cache-redis7"


def test_auth_token_is_kept_in_an_encrypted_secret_and_never_shown(plan_stack) -> None:
    plan = plan_stack("prd")
    (password,) = [p for p in of_type(plan, PASSWORD) if p.name != "edge-origin-verify"]
    (secret,) = of_type(plan, SECRET)
    (version,) = of_type(plan, SECRET_VERSION)
    (group,) = of_type(plan, GROUP)
    assert password.inputs["length"] >= 16
    assert password.inputs["special"] is False
    assert secret.inputs["kmsKeyId"] == key_arn(plan, "secrets")
    assert secret.inputs["name"] == "webplatform-prd/cache/auth-token"
    assert version.inputs["secretId"] == secret.id
    assert version.inputs["secretString"] == "[secret]"
    assert group.inputs["authToken"] == "[secret]"
    assert password.outputs["result"] == "[secret]"
    # The value the mocked provider generated appears nowhere: not in any resource's inputs
    # or outputs, nor in the stack outputs.
    _, state = mock_outputs.for_resource(
        PASSWORD, password.name, {}, region="ap-northeast-1", account_id="222222222222"
    )
    token = state["result"]
    assert len(token) >= 16
    everything = json.dumps(
        [[r.inputs, r.outputs] for r in plan.resources] + [plan.outputs], default=str
    )
    assert token not in everything


def test_slow_log_goes_to_an_encrypted_group_with_retention(plan_stack) -> None:
    for tier, retention in (("prd", 365), ("dev", 30)):
        plan = plan_stack(tier)
        (group,) = of_type(plan, GROUP)
        log_group = by_name(plan, LOG_GROUP, "cache-slow-log")
        assert log_group.inputs["name"] == f"/aws/elasticache/webplatform-{tier}-cache/slow-log"
        assert log_group.inputs["kmsKeyId"] == key_arn(plan, "logs")
        assert log_group.inputs["retentionInDays"] == retention
        assert group.inputs["logDeliveryConfigurations"] == [
            {
                "destination": log_group.outputs["name"],
                "destinationType": "cloudwatch-logs",
                "logFormat": "json",
                "logType": "slow-log",
            }
        ]


@pytest.mark.parametrize(("tier", "upgrades"), [("dev", True), ("prd", False)])
def test_minor_upgrades_are_automatic_in_dev_only(plan_stack, tier: str, upgrades: bool) -> None:
    group = by_name(plan_stack(tier), GROUP, "cache").inputs
    assert group["autoMinorVersionUpgrade"] is upgrades


def test_prd_may_choose_automatic_minor_upgrades(plan_stack) -> None:
    plan = plan_stack("prd", cache={"autoMinorVersionUpgrade": True})
    assert by_name(plan, GROUP, "cache").inputs["autoMinorVersionUpgrade"] is True
