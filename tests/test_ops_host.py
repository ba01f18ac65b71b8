"""The operation host: on in prd, off in dev; reachable only through Session Manager, and
admitted to the data stores for port forwarding."""

from __future__ import annotations

import json

import pytest

from components import config as stack_config
from components.compute.ops_host import ami_parameter
from tests.conftest import by_name, of_type
from tests.test_config import load

INSTANCE = "aws:ec2/instance:Instance"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
AL2023_ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"


def test_prd_has_the_host_and_dev_does_not(plan_stack) -> None:
    assert len(of_type(plan_stack("prd"), INSTANCE)) == 1
    dev = plan_stack("dev")
    assert of_type(dev, INSTANCE) == []
    assert not [r for r in dev.resources if r.name.startswith("ops-host")]
    assert "opsHost" not in dev.outputs
    assert len(of_type(plan_stack("dev", opsHost={"enabled": True}), INSTANCE)) == 1


def test_the_host_is_locked_down(plan_stack) -> None:
    plan = plan_stack("prd")
    host = by_name(plan, INSTANCE, "ops-host")
    inputs = host.inputs
    app_subnets = [s for s in of_type(plan, "aws:ec2/subnet:Subnet") if "-app-" in s.name]
    assert (
        inputs["subnetId"]
        == by_name(plan, "aws:ec2/subnet:Subnet", "network-app-ap-northeast-1a").id
    )
    assert inputs["subnetId"] in [s.id for s in app_subnets]
    assert inputs["instanceType"] == "t4g.micro"
    assert "keyName" not in inputs
    assert inputs["associatePublicIpAddress"] is False
    assert inputs["metadataOptions"]["httpTokens"] == "required"
    assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1
    root = inputs["rootBlockDevice"]
    assert (root["encrypted"], root["volumeType"], root["volumeSize"]) == (True, "gp3", 20)
    assert root["kmsKeyId"] == by_name(plan, "aws:kms/key:Key", "keys-data").outputs["arn"]
    assert inputs["disableApiTermination"] is True
    assert inputs["monitoring"] is True
    assert inputs["tags"] == {"Name": "webplatform-prd-ops-host"}
    group = by_name(plan, GROUP, "ops-host-sg")
    assert inputs["vpcSecurityGroupIds"] == [group.id]
    assert "userData" not in inputs


def test_the_image_is_resolved_by_ec2_from_the_public_parameter(plan_stack) -> None:
    host = by_name(plan_stack("prd"), INSTANCE, "ops-host")
    assert host.inputs["ami"] == f"resolve:ssm:{AL2023_ARM}"
    # EC2 reports the AMI id, not the parameter: the ami input must not force replacements.
    assert host.ignore_changes == ["ami"]
    bigger = plan_stack("prd", opsHost={"instanceType": "m7i.large", "rootVolumeGb": 50})
    inputs = by_name(bigger, INSTANCE, "ops-host").inputs
    assert inputs["ami"].endswith("al2023-ami-kernel-default-x86_64")
    assert (inputs["instanceType"], inputs["rootBlockDevice"]["volumeSize"]) == ("m7i.large", 50)


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [("t4g.micro", "arm64"), ("m7g.large", "arm64"), ("c7gn.xlarge", "arm64"),
     ("r6gd.large", "arm64"), ("t3.micro", "x86_64"), ("t3a.small", "x86_64"),
     ("m7i.large", "x86_64"), ("g4dn.xlarge", "x86_64")],
)  # fmt: skip
def test_the_image_matches_the_instance_architecture(instance_type: str, arch: str) -> None:
    assert ami_parameter(instance_type).endswith(f"-{arch}")


def test_the_role_is_session_manager_only(plan_stack) -> None:
    plan = plan_stack("prd")
    role = by_name(plan, "aws:iam/role:Role", "ops-host")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "ec2.amazonaws.com"}]
    attached = [a for a in of_type(plan, ATTACHMENT) if a.name.startswith("ops-host")]
    assert [a.inputs["policyArn"] for a in attached] == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    ]
    # Beyond Session Manager, only what encrypting and logging its sessions needs.
    inline = [
        p.name for p in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if "ops-host" in p.name
    ]
    assert inline == ["ops-host-sessions"]
    profile = by_name(plan, "aws:iam/instanceProfile:InstanceProfile", "ops-host")
    assert profile.inputs["role"] == role.inputs["name"]
    assert (
        by_name(plan, INSTANCE, "ops-host").inputs["iamInstanceProfile"] == profile.inputs["name"]
    )


def rules_of(plan, rule_type: str, group_id: str) -> list:
    return [r for r in of_type(plan, rule_type) if r.inputs["securityGroupId"] == group_id]


@pytest.mark.parametrize(
    ("changes", "db_port"),
    [({}, 5432), ({"database": {"engine": "aurora-mysql"}}, 3306)],
)
def test_the_data_group_admits_the_host_on_both_ports(plan_stack, changes, db_port) -> None:
    plan = plan_stack("prd", **changes)
    host_group = by_name(plan, GROUP, "ops-host-sg").id
    data_group = by_name(plan, GROUP, "network-data-sg").id
    from_host = [
        (r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"])
        for r in rules_of(plan, INGRESS, data_group)
        if r.inputs.get("referencedSecurityGroupId") == host_group
    ]
    assert sorted(from_host) == sorted([("tcp", db_port, db_port), ("tcp", 6379, 6379)])
    assert rules_of(plan, INGRESS, host_group) == []


def test_host_egress_with_endpoints_goes_to_them_only(plan_stack) -> None:
    plan = plan_stack("prd")
    host_group = by_name(plan, GROUP, "ops-host-sg").id
    data_group = by_name(plan, GROUP, "network-data-sg").id
    endpoints = by_name(plan, GROUP, "network-endpoints-sg").id
    egress = {
        (r.inputs["fromPort"], r.inputs.get("referencedSecurityGroupId") or r.inputs["cidrIpv4"])
        for r in rules_of(plan, EGRESS, host_group)
    }
    assert egress == {(443, endpoints), (5432, data_group), (6379, data_group)}
    assert all(r.inputs["description"] for r in rules_of(plan, EGRESS, host_group))


def test_host_egress_without_endpoints_reaches_ssm_through_nat(plan_stack) -> None:
    plan = plan_stack("dev", opsHost={"enabled": True})
    host_group = by_name(plan, GROUP, "ops-host-sg").id
    (https,) = [r for r in rules_of(plan, EGRESS, host_group) if r.inputs["fromPort"] == 443]
    assert (https.inputs["cidrIpv4"], https.inputs["toPort"]) == ("0.0.0.0/0", 443)
    assert "referencedSecurityGroupId" not in https.inputs


def test_outputs_say_how_to_forward_ports(plan_stack) -> None:
    plan = plan_stack("prd")
    host = by_name(plan, INSTANCE, "ops-host")
    cluster = by_name(plan, "aws:rds/cluster:Cluster", "database")
    outputs = plan.outputs["opsHost"]
    assert outputs["instanceId"] == host.id
    assert outputs["databaseTunnel"] == (
        f"aws ssm start-session --target {host.id} "
        "--document-name AWS-StartPortForwardingSessionToRemoteHost "
        f"--parameters host={cluster.outputs['endpoint']},portNumber=5432,localPortNumber=15432"
    )
    assert outputs["cacheTunnel"].endswith("portNumber=6379,localPortNumber=16379")


BAD_OPS_HOST = [
    ({"enabled": True, "instanceType": "micro"}, "opsHost.instanceType: "),
    ({"enabled": True, "rootVolumeGb": 4}, "opsHost.rootVolumeGb: must be"),
    ({"enabled": "sometimes"}, "opsHost.enabled: "),
    ({"enabled": True, "keyName": "ops"}, "opsHost.keyName: unknown key; expected one of"),
]


@pytest.mark.parametrize(("ops_host", "message"), BAD_OPS_HOST, ids=lambda v: str(v)[:30])
def test_bad_ops_host_config_is_one_line_naming_the_key(ops_host: dict, message: str) -> None:
    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", opsHost=ops_host)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value


def test_sessions_are_encrypted_with_the_logs_key_and_logged(plan_stack) -> None:
    plan = plan_stack("prd")
    key = by_name(plan, "aws:kms/key:Key", "keys-logs").outputs["arn"]
    document = by_name(plan, "aws:ssm/document:Document", "ops-host-session-preferences").inputs
    assert (document["name"], document["documentType"]) == ("SSM-SessionManagerRunShell", "Session")
    inputs = json.loads(document["content"])["inputs"]
    assert inputs["kmsKeyId"] == key
    assert inputs["cloudWatchLogGroupName"] == "/ssm/webplatform-prd/sessions"
    assert inputs["cloudWatchEncryptionEnabled"] is True
    group = by_name(plan, "aws:cloudwatch/logGroup:LogGroup", "ops-host-sessions").inputs
    assert (group["kmsKeyId"], group["retentionInDays"]) == (key, 365)
    grants = {
        s["Sid"]: s
        for s in json.loads(
            by_name(plan, "aws:iam/rolePolicy:RolePolicy", "ops-host-sessions").inputs["policy"]
        )["Statement"]
    }
    assert grants["DecryptSessions"]["Resource"] == key
    log_group = by_name(plan, "aws:cloudwatch/logGroup:LogGroup", "ops-host-sessions")
    assert grants["LogSessions"]["Resource"][0] == log_group.outputs["arn"]


def test_another_stack_may_own_the_session_preferences(plan_stack) -> None:
    plan = plan_stack("prd", opsHost={"enabled": True, "sessionPreferences": False})
    assert of_type(plan, "aws:ssm/document:Document") == []
