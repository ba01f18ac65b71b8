"""Guardrails pack: network exposure, data protection, logging, IAM and KMS."""

from __future__ import annotations

import json

import pytest
from policy_harness import DELETE, Res, check_resource, check_stack, mutate

from guardrails_policies import data_protection, iam, network, observability

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
BUCKET = "aws:s3/bucket:Bucket"
ANYWHERE = ["0.0.0.0/0"]


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


CONTAINERS = [
    {
        "name": "web",
        "image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:abc123",
        "essential": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "web"},
        },
    },
    {"name": "sidecar", "image": "fluent-bit", "logConfiguration": {"logDriver": "awslogs"}},
]

AURORA = {
    "engine": "aurora-postgresql",
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "prd-web-db-final",
    "backupRetentionPeriod": 7,
}

# (policy, type, compliant props, [(path, value, violates)])
CASES = [
    (
        network.RDS_PUBLIC,
        "aws:rds/clusterInstance:ClusterInstance",
        {"publiclyAccessible": False},
        [
            ("publiclyAccessible", True, True),
            ("publiclyAccessible", DELETE, False),  # default false
        ],
    ),
    (
        network.RDS_PUBLIC,
        "aws:rds/instance:Instance",
        {"publiclyAccessible": False},
        [
            ("publiclyAccessible", True, True),
        ],
    ),
    (
        network.EC2_PUBLIC_IP,
        "aws:ec2/instance:Instance",
        {"associatePublicIpAddress": False},
        [
            ("associatePublicIpAddress", True, True),
            ("associatePublicIpAddress", DELETE, True),  # absent: the subnet decides
        ],
    ),
    (
        network.ECS_PUBLIC_IP,
        "aws:ecs/service:Service",
        {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": False}},
        [
            ("networkConfiguration.assignPublicIp", True, True),
            ("networkConfiguration.assignPublicIp", DELETE, False),  # default false
        ],
    ),
    (
        data_protection.RDS_DELETION_PROTECTION,
        "aws:rds/cluster:Cluster",
        AURORA,
        [
            ("deletionProtection", DELETE, True),
            ("deletionProtection", False, True),
        ],
    ),
    (
        data_protection.RDS_DELETION_PROTECTION,
        "aws:rds/instance:Instance",
        AURORA,
        [
            ("deletionProtection", DELETE, True),
        ],
    ),
    (
        data_protection.RDS_FINAL_SNAPSHOT,
        "aws:rds/cluster:Cluster",
        AURORA,
        [
            ("skipFinalSnapshot", True, True),
            ("skipFinalSnapshot", DELETE, False),  # default false
            ("finalSnapshotIdentifier", DELETE, True),
        ],
    ),
    (
        data_protection.RDS_FINAL_SNAPSHOT,
        "aws:rds/instance:Instance",
        AURORA,
        [
            ("skipFinalSnapshot", True, True),
        ],
    ),
    (
        data_protection.RDS_BACKUP_RETENTION,
        "aws:rds/cluster:Cluster",
        AURORA,
        [
            ("backupRetentionPeriod", 6, True),
            ("backupRetentionPeriod", DELETE, True),  # default 1
            ("backupRetentionPeriod", 35, False),
        ],
    ),
    (
        data_protection.RDS_BACKUP_RETENTION,
        "aws:rds/instance:Instance",
        AURORA,
        [
            ("backupRetentionPeriod", DELETE, True),  # default 0
        ],
    ),
    (
        data_protection.DYNAMODB_PITR,
        "aws:dynamodb/table:Table",
        {"hashKey": "pk", "pointInTimeRecovery": {"enabled": True}},
        [
            ("pointInTimeRecovery", DELETE, True),  # default off
            ("pointInTimeRecovery.enabled", False, True),
        ],
    ),
    (
        observability.ALB_ACCESS_LOGS,
        "aws:lb/loadBalancer:LoadBalancer",
        {
            "loadBalancerType": "application",
            "accessLogs": {"bucket": "dev-web-alb-logs", "enabled": True, "prefix": "alb"},
        },
        [
            ("accessLogs", DELETE, True),
            ("accessLogs.enabled", False, True),
            ("loadBalancerType", DELETE, False),
            ("loadBalancerType", "network", False),
        ],
    ),
    (
        observability.ALB_ACCESS_LOGS,
        "aws:alb/loadBalancer:LoadBalancer",
        {"accessLogs": {"bucket": "dev-web-alb-logs", "enabled": True}},
        [
            ("accessLogs", DELETE, True),  # absent type: application
            ("accessLogs.bucket", DELETE, True),
        ],
    ),
    # guardrails-cloudfront-logging is a stack policy (v2 log delivery): test_policy_edge.py
    (
        observability.LOG_GROUP_RETENTION,
        "aws:cloudwatch/logGroup:LogGroup",
        {"name": "/ecs/web", "retentionInDays": 30},
        [
            ("retentionInDays", DELETE, True),
            ("retentionInDays", 0, True),
            ("retentionInDays", 1, False),
        ],
    ),
    (
        observability.ECS_CONTAINER_LOGGING,
        "aws:ecs/taskDefinition:TaskDefinition",
        {"family": "web", "containerDefinitions": json.dumps(CONTAINERS)},
        [
            (
                "containerDefinitions",
                json.dumps([{**CONTAINERS[0], "logConfiguration": None}]),
                True,
            ),
            (
                "containerDefinitions",
                json.dumps([CONTAINERS[0], {"name": "x", "image": "y"}]),
                True,
            ),
        ],
    ),
    (
        observability.ECS_CONTAINER_INSIGHTS,
        "aws:ecs/cluster:Cluster",
        {"settings": [{"name": "containerInsights", "value": "enabled"}]},
        [
            ("settings.0.value", "enhanced", False),
            ("settings.0.value", "disabled", True),
            ("settings", DELETE, True),
        ],
    ),
    (
        iam.IAM_NO_ADMIN,
        "aws:iam/policy:Policy",
        {"policy": doc(allow("s3:GetObject"))},
        [
            ("policy", doc(allow("*")), True),
            ("policy", doc(allow(["*:*"])), True),
            ("policy", doc(allow("*", "arn:aws:s3:::b/*")), False),
            ("policy", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), True),
            ("policy", doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), False),
        ],
    ),
    (
        iam.IAM_NO_ADMIN,
        "aws:iam/rolePolicy:RolePolicy",
        {"policy": doc(allow("logs:*"))},
        [
            ("policy", doc(allow("logs:*"), allow("*")), True),
        ],
    ),
    (
        iam.IAM_NO_ADMIN,
        "aws:iam/role:Role",
        {"inlinePolicies": [{"name": "read", "policy": doc(allow("s3:GetObject"))}]},
        [
            ("inlinePolicies.0.policy", doc(allow("*")), True),
        ],
    ),
    (
        iam.IAM_NO_ADMIN,
        "aws:iam/role:Role",
        {"managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
        [
            ("managedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"], True),
            ("managedPolicyArns", DELETE, False),
        ],
    ),
    *[
        (
            iam.IAM_NO_ADMIN,
            attachment,
            {"policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"},
            [("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess", True)],
        )
        for attachment in iam.ATTACHMENT_TYPES
    ],
    (
        iam.IAM_NO_PASS_ROLE_WILDCARD,
        "aws:iam/rolePolicy:RolePolicy",
        {"policy": doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/dev-web-task"))},
        [
            ("policy", doc(allow("iam:PassRole")), True),
            ("policy", doc(allow(["ecs:RunTask", "iam:passrole"])), True),
            ("policy", doc(allow("iam:Pass*")), True),
            ("policy", doc(allow("iam:*")), True),
            ("policy", doc(allow("iam:GetRole")), False),
            (
                "policy",
                doc({"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}),
                False,
            ),
        ],
    ),
    (
        iam.IAM_NO_PASS_ROLE_WILDCARD,
        "aws:iam/role:Role",
        {"inlinePolicies": [{"name": "run", "policy": doc(allow("ecs:RunTask"))}]},
        [
            ("inlinePolicies.0.policy", doc(allow("iam:PassRole")), True),
        ],
    ),
    (
        iam.KMS_KEY_ROTATION,
        "aws:kms/key:Key",
        {"enableKeyRotation": True},
        [
            ("enableKeyRotation", DELETE, True),  # default false
            ("enableKeyRotation", False, True),
        ],
    ),
    (
        iam.KMS_KEY_ROTATION,
        "aws:kms/key:Key",
        {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"},
        [
            ("customerMasterKeySpec", "SYMMETRIC_DEFAULT", False),  # still SIGN_VERIFY
            ("keyUsage", DELETE, False),  # RSA: no rotation
        ],
    ),
    (
        observability.ALARM_ACTIONS,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"alarmActions": ["arn:aws:sns:r:1:alerts"], "okActions": ["arn:aws:sns:r:1:alerts"]},
        [
            ("alarmActions", [], True),
            ("alarmActions", DELETE, True),
            ("okActions", DELETE, True),
            ("actionsEnabled", False, True),
            ("actionsEnabled", True, False),
        ],
    ),
]

COMPLIANT = [pytest.param(p, t, props, id=f"{p.name}:{t}") for p, t, props, _ in CASES]
MUTATIONS = [
    pytest.param(p, t, props, path, value, bad, id=f"{p.name}:{t}:{path}={value!r}")
    for p, t, props, mutations in CASES
    for path, value, bad in mutations
]


@pytest.mark.parametrize(("policy", "resource_type", "props"), COMPLIANT)
def test_compliant_fixture_passes(policy, resource_type, props):
    assert check_resource(policy, resource_type, props) == []


@pytest.mark.parametrize(("policy", "resource_type", "props", "path", "value", "bad"), MUTATIONS)
def test_mutation(policy, resource_type, props, path, value, bad):
    found = check_resource(policy, resource_type, mutate(props, path, value))
    assert bool(found) is bad, found


def test_backup_retention_parameter_as_the_engine_passes_it():
    props = {**AURORA, "backupRetentionPeriod": 14}
    policy = data_protection.RDS_BACKUP_RETENTION
    assert check_resource(policy, "aws:rds/cluster:Cluster", props, config={"minimumDays": 30})
    assert not check_resource(policy, "aws:rds/cluster:Cluster", props, config={"minimumDays": 14})


def test_data_protection_is_advisory_without_config():
    for policy in data_protection.POLICIES:
        assert policy.enforcement_level.value == "advisory"


@pytest.mark.parametrize(
    ("resource_type", "protect", "config", "bad"),
    [
        ("aws:rds/cluster:Cluster", True, None, False),
        ("aws:rds/cluster:Cluster", False, None, True),
        ("aws:dynamodb/table:Table", False, None, True),
        ("aws:s3/bucket:Bucket", False, None, True),
        ("aws:kms/key:Key", False, None, True),
        ("aws:ecs/service:Service", False, None, False),
        ("aws:kms/key:Key", False, {"resourceTypes": ["aws:rds/cluster:Cluster"]}, False),
        ("aws:kms/key:Key", False, {"exceptions": {"web-res": "retain_on_delete is set"}}, False),
    ],
)
def test_stateful_resources_are_protected(resource_type, protect, config, bad):
    policy = data_protection.STATEFUL_PROTECT
    found = check_resource(policy, resource_type, {}, protect=protect, config=config)
    assert bool(found) is bad


# --- security groups: inline rules, SecurityGroupRule and SecurityGroupIngressRule ----------


def group(name: str, *ingress: dict) -> Res:
    return Res(SG, name, {"id": f"sg-{name}", "vpcId": "vpc-1", "ingress": list(ingress)})


def inline(port: int, cidrs=ANYWHERE, protocol="tcp", to_port=None, ipv6=None) -> dict:
    rule = {"protocol": protocol, "fromPort": port, "toPort": to_port or port, "cidrBlocks": cidrs}
    if ipv6 is not None:
        rule["ipv6CidrBlocks"] = ipv6
    return rule


def sg_rule(name: str, owner: str, port: int, by_dependency=True, kind="ingress", **extra) -> Res:
    props = {
        "type": kind,
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": ANYWHERE,
        "securityGroupId": f"sg-{owner}",
        **extra,
    }
    return Res(SG_RULE, name, props, deps={"securityGroupId": [owner]} if by_dependency else {})


def ingress_rule(name: str, owner: str, port: int, by_dependency=True, **extra) -> Res:
    props = {
        "ipProtocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrIpv4": "0.0.0.0/0",
        "securityGroupId": f"sg-{owner}",
        **extra,
    }
    return Res(
        INGRESS_RULE, name, props, deps={"securityGroupId": [owner]} if by_dependency else {}
    )


@pytest.mark.parametrize(
    ("resources", "bad"),
    [
        ([group("web-alb-sg", inline(443), inline(80))], []),
        ([group("web-alb-sg", inline(443, ipv6=["::/0"]))], []),
        ([group("web-alb-sg", inline(22))], ["web-alb-sg"]),
        ([group("web-alb-sg", inline(80, to_port=443))], ["web-alb-sg"]),  # a range
        ([group("web-alb-sg", inline(0, protocol="-1", to_port=0))], ["web-alb-sg"]),
        ([group("web-app-sg", inline(443))], ["web-app-sg"]),
        ([group("web-app-sg", inline(443, cidrs=[], ipv6=["::/0"]))], ["web-app-sg"]),
        ([group("web-app-sg", inline(8080, cidrs=["10.0.0.0/16"]))], []),
        (
            [
                group(
                    "web-app-sg",
                    {
                        "protocol": "tcp",
                        "fromPort": 8080,
                        "toPort": 8080,
                        "securityGroups": ["sg-alb"],
                    },
                )
            ],
            [],
        ),
        ([group("web-alb-sg"), sg_rule("alb-https", "web-alb-sg", 443)], []),
        ([group("web-alb-sg"), sg_rule("alb-https", "web-alb-sg", 443, by_dependency=False)], []),
        ([group("web-alb-sg"), sg_rule("alb-ssh", "web-alb-sg", 22)], ["alb-ssh"]),
        ([group("web-app-sg"), sg_rule("app-https", "web-app-sg", 443)], ["app-https"]),
        ([group("web-app-sg"), sg_rule("app-out", "web-app-sg", 443, kind="egress")], []),
        ([sg_rule("orphan", "elsewhere", 443, by_dependency=False)], ["orphan"]),
        ([group("web-alb-sg"), ingress_rule("alb-https", "web-alb-sg", 443)], []),
        (
            [group("web-alb-sg"), ingress_rule("alb-http", "web-alb-sg", 80, by_dependency=False)],
            [],
        ),
        (
            [group("web-alb-sg"), ingress_rule("alb-all", "web-alb-sg", -1, ipProtocol="-1")],
            ["alb-all"],
        ),
        ([group("web-db-sg"), ingress_rule("db-pg", "web-db-sg", 5432)], ["db-pg"]),
        (
            [
                group("web-db-sg"),
                ingress_rule("db-v6", "web-db-sg", 5432, cidrIpv4=None, cidrIpv6="::/0"),
            ],
            ["db-v6"],
        ),
        (
            [
                group("web-db-sg"),
                ingress_rule(
                    "db-app", "web-db-sg", 5432, cidrIpv4=None, referencedSecurityGroupId="sg-app"
                ),
            ],
            [],
        ),
    ],
)
def test_security_group_public_ingress(resources, bad):
    found = check_stack(network.SECURITY_GROUP_PUBLIC_INGRESS, resources)
    assert sorted({name for name, _ in found}) == bad, found


def test_security_group_allowlist_and_exceptions_are_configurable():
    resources = [group("edge-lb", inline(443)), group("bastion", inline(22))]
    policy = network.SECURITY_GROUP_PUBLIC_INGRESS
    assert {n for n, _ in check_stack(policy, resources)} == {"edge-lb", "bastion"}
    config = {
        "publicIngressAllowedGroups": ["edge-*"],
        "exceptions": {"bastion": "temporary vendor access, removed by 2025-01-31"},
    }
    assert check_stack(policy, resources, config=config) == []
    config = {"publicIngressAllowedGroups": ["edge-*"], "publicPorts": [8443]}
    assert {n for n, _ in check_stack(policy, resources, config=config)} == {"edge-lb", "bastion"}


# --- buckets and other "every X has a Y" stack policies -------------------------------------


def bucket(name: str) -> Res:
    return Res(BUCKET, name, {"bucket": f"dev-{name}", "id": f"dev-{name}"})


def child(resource_type: str, name: str, target: str, props: dict, prop="bucket", by_dep=True):
    value = props.pop(prop, None)
    return Res(
        resource_type, name, {prop: value or "", **props}, deps={prop: [target]} if by_dep else {}
    )


PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}


@pytest.mark.parametrize(
    ("block", "by_dep", "bad"),
    [
        (ALL_BLOCKED, True, False),
        ({**ALL_BLOCKED, "bucket": "dev-assets"}, False, False),
        ({**ALL_BLOCKED, "restrictPublicBuckets": False}, True, True),
        ({k: v for k, v in ALL_BLOCKED.items() if k != "ignorePublicAcls"}, True, True),
        (None, True, True),
    ],
)
def test_bucket_public_access_block(block, by_dep, bad):
    resources = [bucket("assets")]
    if block is not None:
        resources.append(child(PAB, "assets-pab", "assets", dict(block), by_dep=by_dep))
    found = check_stack(network.S3_PUBLIC_ACCESS_BLOCK, resources)
    assert bool(found) is bad


VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


@pytest.mark.parametrize(
    ("name", "status", "config", "bad"),
    [
        ("assets", "Enabled", None, False),
        ("assets", "Suspended", None, True),
        ("assets", None, None, True),
        ("web-alb-logs", None, None, False),  # log bucket by name
        ("archive", None, {"logBucketPatterns": ["archive"]}, False),
        ("assets", None, {"exceptions": {"assets": "rebuilt from the repo on deploy"}}, False),
    ],
)
def test_bucket_versioning(name, status, config, bad):
    resources = [bucket(name)]
    if status is not None:
        resources.append(
            child(VERSIONING, f"{name}-v", name, {"versioningConfiguration": {"status": status}})
        )
    found = check_stack(data_protection.S3_VERSIONING, resources, config=config)
    assert bool(found) is bad


WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_LOG = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/web/1"


@pytest.mark.parametrize(
    ("logging", "bad"),
    [
        ({"deps": {"resourceArn": ["web-acl"]}}, False),
        ({"resourceArn": ACL_ARN}, False),
        ({"resourceArn": "arn:other"}, True),
        (None, True),
    ],
)
def test_waf_logging(logging, bad):
    resources = [Res(WEB_ACL, "web-acl", {"arn": ACL_ARN, "scope": "CLOUDFRONT"})]
    if logging is not None:
        deps = logging.pop("deps", {})
        props = {"resourceArn": "", "logDestinationConfigs": ["arn:firehose"], **logging}
        resources.append(Res(WAF_LOG, "web-acl-logging", props, deps=deps))
    assert bool(check_stack(observability.WAF_LOGGING, resources)) is bad


@pytest.mark.parametrize(
    ("flow_log", "bad"),
    [
        ({"deps": {"vpcId": ["web-vpc"]}}, False),
        ({"vpcId": "vpc-123"}, False),
        ({"subnetId": "subnet-1"}, True),
        (None, True),
    ],
)
def test_vpc_flow_logs(flow_log, bad):
    resources = [Res("aws:ec2/vpc:Vpc", "web-vpc", {"id": "vpc-123", "cidrBlock": "10.0.0.0/16"})]
    if flow_log is not None:
        deps = flow_log.pop("deps", {})
        props = {"trafficType": "ALL", "logDestinationType": "cloud-watch-logs", **flow_log}
        resources.append(Res("aws:ec2/flowLog:FlowLog", "web-vpc-flow", props, deps=deps))
    assert bool(check_stack(observability.VPC_FLOW_LOGS, resources)) is bad


LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBSCRIPTION = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"


@pytest.mark.parametrize(
    ("group", "subscription", "bad"),
    [
        ("/ecs/web", {"deps": {"logGroup": ["web-logs"]}}, False),
        ("/ecs/web", {"logGroup": "/ecs/web"}, False),
        ("/ecs/web", {"logGroup": "/ecs/other"}, True),
        ("/aws/lambda/hello", None, True),
        ("/vpc/web/flow-logs", None, True),
        ("/aws/rds/cluster/db/postgresql", None, False),  # not an application log group
    ],
)
def test_application_log_groups_are_archived(group, subscription, bad):
    resources = [Res(LOG_GROUP, "web-logs", {"name": group, "retentionInDays": 30})]
    if subscription is not None:
        deps = subscription.pop("deps", {})
        props = {"destinationArn": "arn:aws:firehose:r:1:deliverystream/logs", **subscription}
        resources.append(Res(SUBSCRIPTION, "web-archive", props, deps=deps))
    assert bool(check_stack(observability.LOG_GROUP_ARCHIVED, resources)) is bad


def test_archived_log_group_patterns_are_configurable():
    resources = [Res(LOG_GROUP, "web-logs", {"name": "/app/web", "retentionInDays": 30})]
    assert check_stack(observability.LOG_GROUP_ARCHIVED, resources) == []
    config = {"applicationLogGroups": ["/app/*"]}
    assert check_stack(observability.LOG_GROUP_ARCHIVED, resources, config)
