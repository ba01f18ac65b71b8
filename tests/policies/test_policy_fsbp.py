"""The Security Hub (FSBP) controls added beyond the first set: for each policy a compliant
fixture, violating and passing mutations, the provider-default form (the field absent) and an
unknown value during preview (the SDK's advisory "can't run")."""

from __future__ import annotations

import json

import pytest
from policy_harness import DELETE, UNKNOWN, Res, check_resource, check_stack, mutate
from pulumi_policy.proxy import UnknownValueError

from encryption_policies import at_rest
from guardrails_policies import data_protection, edge, iam, network, observability, workloads

KEY = "arn:aws:kms:ap-northeast-1:111111111111:key/k"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def containers(**extra) -> str:
    return json.dumps(
        [
            {
                "name": "web",
                "image": "web:1",
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:::parameter/p"}],
                "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                **extra,
            }
        ]
    )


ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
SERVICE = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "*"}

# (policy, type, compliant props, [(path, value, violates)], a path to make unknown)
CASES = [
    (
        network.DEFAULT_SECURITY_GROUP_NO_RULES,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        {"vpcId": "vpc-1", "ingress": [], "egress": []},
        [
            ("ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}], True),
            ("egress", [{"protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]}], True),
            ("ingress", DELETE, False),  # absent: the provider removes every rule
        ],
        "ingress",
    ),
    (
        network.SUBNET_NO_PUBLIC_IP,
        "aws:ec2/subnet:Subnet",
        {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": False},
        [("mapPublicIpOnLaunch", True, True), ("mapPublicIpOnLaunch", DELETE, False)],
        "mapPublicIpOnLaunch",
    ),
    (
        network.IMDSV2,
        "aws:ec2/instance:Instance",
        {"metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"}},
        [
            ("metadataOptions.httpTokens", "optional", True),
            ("metadataOptions", DELETE, True),  # the default allows IMDSv1
            ("metadataOptions.httpEndpoint", "disabled", False),
        ],
        "metadataOptions.httpTokens",
    ),
    (
        network.IMDSV2,
        "aws:ec2/launchTemplate:LaunchTemplate",
        {"metadataOptions": {"httpTokens": "required"}},
        [("metadataOptions.httpTokens", DELETE, True)],
        "metadataOptions",
    ),
    (
        edge.ALB_DROP_INVALID_HEADERS,
        "aws:lb/loadBalancer:LoadBalancer",
        {"loadBalancerType": "application", "dropInvalidHeaderFields": True},
        [
            ("dropInvalidHeaderFields", DELETE, True),  # default false
            ("dropInvalidHeaderFields", False, True),
            ("loadBalancerType", "network", False),
        ],
        "dropInvalidHeaderFields",
    ),
    (
        observability.FLOW_LOG_REJECT,
        "aws:ec2/flowLog:FlowLog",
        {"vpcId": "vpc-1", "trafficType": "ALL"},
        [
            ("trafficType", "REJECT", False),
            ("trafficType", "ACCEPT", True),
            ("trafficType", DELETE, True),
        ],
        "trafficType",
    ),
    (
        observability.RDS_LOG_EXPORTS,
        "aws:rds/cluster:Cluster",
        {"engine": "aurora-postgresql", "enabledCloudwatchLogsExports": ["postgresql"]},
        [
            ("enabledCloudwatchLogsExports", [], True),
            ("enabledCloudwatchLogsExports", DELETE, True),
        ],
        "enabledCloudwatchLogsExports",
    ),
    (
        data_protection.DYNAMODB_DELETION_PROTECTION,
        "aws:dynamodb/table:Table",
        {"hashKey": "id", "deletionProtectionEnabled": True},
        [
            ("deletionProtectionEnabled", DELETE, True),  # default false
            ("deletionProtectionEnabled", False, True),
        ],
        "deletionProtectionEnabled",
    ),
    (
        workloads.ECS_NOT_PRIVILEGED,
        "aws:ecs/taskDefinition:TaskDefinition",
        {"family": "web", "containerDefinitions": containers(privileged=False)},
        [
            ("containerDefinitions", containers(privileged=True), True),
            ("containerDefinitions", containers(), False),  # absent: not privileged
        ],
        "containerDefinitions",
    ),
    (
        workloads.ECS_NO_PLAINTEXT_CREDENTIALS,
        "aws:ecs/taskDefinition:TaskDefinition",
        {"family": "web", "containerDefinitions": containers()},
        [
            (
                "containerDefinitions",
                containers(environment=[{"name": "db_password", "value": "hunter2"}]),
                True,
            ),
            (
                "containerDefinitions",
                containers(environment=[{"name": "STRIPE_API_KEY", "value": "sk"}]),
                True,
            ),
            ("containerDefinitions", containers(environment=[]), False),
        ],
        "containerDefinitions",
    ),
    (
        workloads.ECR_SCAN_ON_PUSH,
        "aws:ecr/repository:Repository",
        {"imageScanningConfiguration": {"scanOnPush": True}},
        [
            ("imageScanningConfiguration.scanOnPush", False, True),
            ("imageScanningConfiguration", DELETE, True),  # default false
        ],
        "imageScanningConfiguration",
    ),
    (
        workloads.ECR_IMMUTABLE_TAGS,
        "aws:ecr/repository:Repository",
        {"imageTagMutability": "IMMUTABLE"},
        [
            ("imageTagMutability", "MUTABLE", True),
            ("imageTagMutability", DELETE, True),  # default MUTABLE
            ("imageTagMutability", "IMMUTABLE_WITH_EXCLUSION", False),
        ],
        "imageTagMutability",
    ),
    (
        iam.NO_PUBLIC_RESOURCE_POLICY,
        "aws:sqs/queuePolicy:QueuePolicy",
        {"queueUrl": "q", "policy": doc(SERVICE)},
        [
            ("policy", doc(ANYONE), True),
            ("policy", doc({**ANYONE, "Principal": {"AWS": ["*"]}}), True),
            ("policy", doc({**ANYONE, "Condition": {"ArnEquals": {"aws:SourceArn": "a"}}}), False),
            ("policy", doc({**ANYONE, "Effect": "Deny"}), False),
            ("policy", DELETE, False),
        ],
        "policy",
    ),
    (
        iam.NO_PUBLIC_RESOURCE_POLICY,
        "aws:iam/role:Role",
        {"assumeRolePolicy": doc({**SERVICE, "Action": "sts:AssumeRole"})},
        [("assumeRolePolicy", doc({**ANYONE, "Action": "sts:AssumeRole"}), True)],
        "assumeRolePolicy",
    ),
    (
        iam.NO_PUBLIC_RESOURCE_POLICY,
        "aws:lambda/permission:Permission",
        {"function": "f", "principal": "*", "sourceArn": "arn:aws:s3:::b"},
        [
            ("sourceArn", DELETE, True),
            ("principal", "s3.amazonaws.com", False),
        ],
        "principal",
    ),
    (
        at_rest.ELASTICACHE_CMK,
        "aws:elasticache/replicationGroup:ReplicationGroup",
        {"engine": "valkey", "kmsKeyId": KEY},
        [
            ("kmsKeyId", DELETE, True),  # valkey encrypts at rest by default
            ("engine", "redis", False),  # redis without at-rest encryption: the other policy
        ],
        "kmsKeyId",
    ),
    (
        at_rest.SSM_PARAMETER_CMK,
        "aws:ssm/parameter:Parameter",
        {"type": "SecureString", "keyId": KEY},
        [("keyId", DELETE, True), ("type", "String", False)],
        "keyId",
    ),
    (
        at_rest.LAMBDA_ENVIRONMENT_CMK,
        "aws:lambda/function:Function",
        {"environment": {"variables": {"MODE": "x"}}, "kmsKeyArn": KEY},
        [("kmsKeyArn", DELETE, True), ("environment", DELETE, False)],
        "kmsKeyArn",
    ),
    (
        at_rest.SCHEDULER_SCHEDULE_CMK,
        "aws:scheduler/schedule:Schedule",
        {"scheduleExpression": "rate(1 hour)", "kmsKeyArn": KEY},
        [("kmsKeyArn", DELETE, True)],
        "kmsKeyArn",
    ),
    (
        edge.CLOUDFRONT_WAF,
        "aws:cloudfront/distribution:Distribution",
        {"webAclId": "arn:aws:wafv2:us-east-1:1:global/webacl/w/1", "origins": []},
        [("webAclId", DELETE, True), ("webAclId", "", True)],
        "webAclId",
    ),
    (
        edge.CLOUDFRONT_S3_OAC,
        "aws:cloudfront/distribution:Distribution",
        {
            "origins": [
                {
                    "originId": "s3",
                    "domainName": "b.s3.amazonaws.com",
                    "originAccessControlId": "o",
                },
                {"originId": "alb", "domainName": "alb", "customOriginConfig": {"httpPort": 80}},
            ]
        },
        [
            ("origins.0.originAccessControlId", DELETE, True),
            ("origins.0.s3OriginConfig", {"originAccessIdentity": "oai"}, False),  # still has OAC
            ("origins", DELETE, False),
        ],
        "origins.0.originAccessControlId",
    ),
    (
        workloads.CODEBUILD_NOT_PRIVILEGED,
        "aws:codebuild/project:Project",
        {"environment": {"image": "aws/codebuild/standard:7.0", "privilegedMode": False}},
        [("environment.privilegedMode", True, True), ("environment.privilegedMode", DELETE, False)],
        "environment.privilegedMode",
    ),
    (
        observability.CODEBUILD_LOGGING,
        "aws:codebuild/project:Project",
        {"logsConfig": {"cloudwatchLogs": {"status": "ENABLED", "groupName": "/aws/codebuild/b"}}},
        [
            ("logsConfig.cloudwatchLogs.groupName", DELETE, True),  # a group CodeBuild makes
            ("logsConfig.cloudwatchLogs.status", "DISABLED", True),
            ("logsConfig.cloudwatchLogs.status", DELETE, False),  # ENABLED is the default
            ("logsConfig", DELETE, True),
            (
                "logsConfig",
                {
                    "cloudwatchLogs": {"status": "DISABLED"},
                    "s3Logs": {"status": "ENABLED", "location": "bucket/build-logs"},
                },
                False,
            ),
        ],
        "logsConfig.cloudwatchLogs.groupName",
    ),
    (
        workloads.ACM_TRANSPARENCY,
        "aws:acm/certificate:Certificate",
        {
            "domainName": "example.com",
            "options": {"certificateTransparencyLoggingPreference": "ENABLED"},
        },
        [
            ("options.certificateTransparencyLoggingPreference", "DISABLED", True),
            ("options", DELETE, False),  # the default is ENABLED
        ],
        "options.certificateTransparencyLoggingPreference",
    ),
    (
        at_rest.FIREHOSE_CMK,
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        {
            "serverSideEncryption": {
                "enabled": True,
                "keyType": "CUSTOMER_MANAGED_CMK",
                "keyArn": KEY,
            }
        },
        [
            ("serverSideEncryption.keyType", "AWS_OWNED_CMK", True),
            ("serverSideEncryption.keyType", DELETE, True),  # default AWS_OWNED_CMK
            ("serverSideEncryption.enabled", False, False),  # the SSE policy reports that
        ],
        "serverSideEncryption.keyType",
    ),
]

COMPLIANT = [pytest.param(p, t, props, id=f"{p.name}:{t}") for p, t, props, _, _ in CASES]
MUTATIONS = [
    pytest.param(p, t, props, path, value, bad, id=f"{p.name}:{t}:{path}={value!r}")
    for p, t, props, mutations, _ in CASES
    for path, value, bad in mutations
]
UNKNOWNS = [
    pytest.param(p, t, props, path, id=f"{p.name}:{path}") for p, t, props, _, path in CASES
]


@pytest.mark.parametrize(("policy", "resource_type", "props"), COMPLIANT)
def test_compliant_fixture_passes(policy, resource_type, props):
    assert check_resource(policy, resource_type, props) == []


@pytest.mark.parametrize(("policy", "resource_type", "props", "path", "value", "bad"), MUTATIONS)
def test_mutation(policy, resource_type, props, path, value, bad):
    found = check_resource(policy, resource_type, mutate(props, path, value))
    assert bool(found) is bad, found


@pytest.mark.parametrize(("policy", "resource_type", "props", "path"), UNKNOWNS)
def test_an_unknown_value_cannot_be_judged_during_preview(policy, resource_type, props, path):
    with pytest.raises(UnknownValueError):
        check_resource(policy, resource_type, mutate(props, path, UNKNOWN))


SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


@pytest.mark.parametrize(
    ("rotation", "bad"),
    [
        (Res(ROTATION, "r", {"secretId": "s-id"}, deps={"secretId": ["token"]}), False),
        (Res(ROTATION, "r", {"secretId": "arn:s"}), False),  # by the secret's ARN
        (Res(ROTATION, "r", {"secretId": UNKNOWN}, deps={"secretId": ["token"]}), False),
        (Res(ROTATION, "r", {"secretId": "other"}), True),
        (None, True),
    ],
)
def test_secret_rotation(rotation, bad):
    secret = Res(SECRET, "token", {"arn": "arn:s", "id": "s-id", "name": "token"})
    found = check_stack(workloads.SECRET_ROTATED, [secret, *([rotation] if rotation else [])])
    assert bool(found) is bad, found


def test_secret_rotation_found_through_dependencies_when_values_are_unknown():
    secret = Res(SECRET, "token", {"arn": UNKNOWN, "id": UNKNOWN})
    rotation = Res(ROTATION, "r", {"secretId": UNKNOWN}, deps={"secretId": ["token"]})
    assert check_stack(workloads.SECRET_ROTATED, [secret, rotation]) == []
    assert check_stack(
        workloads.SECRET_ROTATED, [secret, Res(ROTATION, "r", {"secretId": UNKNOWN})]
    )


def test_a_privileged_build_passes_only_when_an_exception_names_it_with_a_reason():
    project = {"environment": {"image": "aws/codebuild/standard:7.0", "privilegedMode": True}}
    policy, kind = workloads.CODEBUILD_NOT_PRIVILEGED, "aws:codebuild/project:Project"
    reason = {"exceptions": {"build-web": "Docker builds need the daemon"}}
    assert check_resource(policy, kind, project, name="build-web", config=reason) == []
    assert check_resource(policy, kind, project, name="build-api", config=reason)
    blank = {"exceptions": {"build-web": "  "}}
    assert check_resource(policy, kind, project, name="build-web", config=blank)
