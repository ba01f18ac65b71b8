"""Encryption pack: each policy from a compliant fixture, one field mutated at a time."""

from __future__ import annotations

import json

import pytest
from policy_harness import DELETE, UNKNOWN, Res, check_resource, check_stack, mutate
from pulumi_policy.proxy import UnknownValueError

from components.config import edge as edge_config
from encryption_policies import at_rest, in_transit

KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"

RDS_CLUSTER = {
    "engine": "aurora-postgresql",
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY,
}
RDS_INSTANCE = {**RDS_CLUSTER, "engine": "postgres", "instanceClass": "db.t4g.micro"}
CLUSTER_INSTANCE = {
    "clusterIdentifier": "dev-web-db",
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY,
}
REDIS = {
    "engine": "redis",
    "atRestEncryptionEnabled": True,
    "kmsKeyId": KEY,
    "transitEncryptionEnabled": True,
    "transitEncryptionMode": "required",
}
HTTPS_LISTENER = {
    "protocol": "HTTPS",
    "port": 443,
    "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "certificateArn": CERT,
    "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}],
}
HTTP_LISTENER = {
    "protocol": "HTTP",
    "port": 80,
    "defaultActions": [
        {
            "type": "redirect",
            "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
        }
    ],
}
DISTRIBUTION = {
    "enabled": True,
    "defaultCacheBehavior": {"targetOriginId": "alb", "viewerProtocolPolicy": "redirect-to-https"},
    "orderedCacheBehaviors": [
        {"pathPattern": "/static/*", "targetOriginId": "s3", "viewerProtocolPolicy": "https-only"}
    ],
    "origins": [
        {
            "originId": "alb",
            "domainName": "alb.example.com",
            "customOriginConfig": {
                "httpPort": 80,
                "httpsPort": 443,
                "originProtocolPolicy": "https-only",
                "originSslProtocols": ["TLSv1.2"],
            },
        },
        {"originId": "s3", "domainName": "b.s3.amazonaws.com", "originAccessControlId": "oac"},
    ],
    "viewerCertificate": {
        "acmCertificateArn": CERT,
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    },
}

# (policy, type, compliant props, [(path, value, violates)])
CASES = [
    (
        at_rest.RDS_STORAGE,
        "aws:rds/cluster:Cluster",
        RDS_CLUSTER,
        [
            ("storageEncrypted", DELETE, True),  # provisioned default: false
            ("storageEncrypted", False, True),
            ("kmsKeyId", DELETE, True),  # AWS managed aws/rds key
            ("engineMode", "serverless", False),
        ],
    ),
    (
        at_rest.RDS_STORAGE,
        "aws:rds/instance:Instance",
        RDS_INSTANCE,
        [
            ("storageEncrypted", DELETE, True),
            ("kmsKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.RDS_PERFORMANCE_INSIGHTS,
        "aws:rds/cluster:Cluster",
        RDS_CLUSTER,
        [
            ("performanceInsightsKmsKeyId", DELETE, True),
            ("performanceInsightsEnabled", DELETE, False),
        ],
    ),
    (
        at_rest.RDS_PERFORMANCE_INSIGHTS,
        "aws:rds/clusterInstance:ClusterInstance",
        CLUSTER_INSTANCE,
        [
            ("performanceInsightsKmsKeyId", DELETE, True),
            ("performanceInsightsEnabled", False, False),
        ],
    ),
    (
        at_rest.RDS_PERFORMANCE_INSIGHTS,
        "aws:rds/instance:Instance",
        RDS_INSTANCE,
        [
            ("performanceInsightsKmsKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.ELASTICACHE_AT_REST,
        "aws:elasticache/replicationGroup:ReplicationGroup",
        REDIS,
        [
            ("atRestEncryptionEnabled", DELETE, True),  # redis default: false
            ("atRestEncryptionEnabled", False, True),
            ("engine", DELETE, False),
            ("engine", "valkey", False),
        ],
    ),
    (
        at_rest.ELASTICACHE_AT_REST,
        "aws:elasticache/replicationGroup:ReplicationGroup",
        {"engine": "valkey"},
        [  # valkey default: true
            ("atRestEncryptionEnabled", False, True),
            ("engine", "redis", True),
        ],
    ),
    (
        at_rest.ELASTICACHE_AT_REST,
        "aws:elasticache/cluster:Cluster",
        {"replicationGroupId": "dev-web-cache", "engine": "redis"},
        [
            ("replicationGroupId", DELETE, True),
        ],
    ),
    (
        at_rest.DYNAMODB_TABLE,
        "aws:dynamodb/table:Table",
        {"hashKey": "pk", "serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY}},
        [
            ("serverSideEncryption", DELETE, True),
            ("serverSideEncryption.enabled", False, True),
            ("serverSideEncryption.kmsKeyArn", DELETE, True),
        ],
    ),
    (
        at_rest.EBS_VOLUME,
        "aws:ebs/volume:Volume",
        {"size": 8, "encrypted": True},
        [
            ("encrypted", DELETE, True),
            ("encrypted", False, True),
        ],
    ),
    (
        at_rest.EC2_INSTANCE_VOLUMES,
        "aws:ec2/instance:Instance",
        {
            "rootBlockDevice": {"encrypted": True, "volumeSize": 20},
            "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}],
        },
        [
            ("rootBlockDevice", DELETE, True),
            ("rootBlockDevice.encrypted", DELETE, True),
            ("ebsBlockDevices.0.encrypted", False, True),
            ("ebsBlockDevices", DELETE, False),
        ],
    ),
    (
        at_rest.SNS_TOPIC,
        "aws:sns/topic:Topic",
        {"kmsMasterKeyId": KEY},
        [
            ("kmsMasterKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.SQS_QUEUE,
        "aws:sqs/queue:Queue",
        {"kmsMasterKeyId": KEY},
        [
            ("kmsMasterKeyId", DELETE, False),  # SQS managed SSE is AWS's default
            ("sqsManagedSseEnabled", False, False),  # the key still encrypts
        ],
    ),
    (
        at_rest.SQS_QUEUE,
        "aws:sqs/queue:Queue",
        {"sqsManagedSseEnabled": True},
        [
            ("sqsManagedSseEnabled", False, True),
            ("sqsManagedSseEnabled", DELETE, False),
        ],
    ),
    (
        at_rest.LOG_GROUP,
        "aws:cloudwatch/logGroup:LogGroup",
        {"name": "/ecs/web", "retentionInDays": 30, "kmsKeyId": KEY},
        [
            ("kmsKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.KINESIS_STREAM,
        "aws:kinesis/stream:Stream",
        {"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"},
        [
            ("encryptionType", DELETE, True),  # default NONE
            ("encryptionType", "NONE", True),
            ("kmsKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.FIREHOSE_STREAM,
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        {
            "destination": "extended_s3",
            "serverSideEncryption": {
                "enabled": True,
                "keyType": "CUSTOMER_MANAGED_CMK",
                "keyArn": KEY,
            },
        },
        [
            ("serverSideEncryption", DELETE, True),
            ("serverSideEncryption.enabled", False, True),
        ],
    ),
    (
        at_rest.FIREHOSE_STREAM,
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        {"destination": "extended_s3", "kinesisSourceConfiguration": {"kinesisStreamArn": "arn:k"}},
        [("kinesisSourceConfiguration", DELETE, True)],
    ),
    (
        at_rest.ECR_REPOSITORY,
        "aws:ecr/repository:Repository",
        {"encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}]},
        [
            ("encryptionConfigurations", DELETE, True),  # default AES256
            ("encryptionConfigurations.0.encryptionType", "AES256", True),
            ("encryptionConfigurations.0.encryptionType", "KMS_DSSE", False),
        ],
    ),
    (
        at_rest.CODEBUILD_PROJECT,
        "aws:codebuild/project:Project",
        {"encryptionKey": KEY, "artifacts": {"type": "CODEPIPELINE"}},
        [
            ("encryptionKey", DELETE, True),
            ("artifacts.encryptionDisabled", True, True),
            ("secondaryArtifacts", [{"type": "S3", "encryptionDisabled": True}], True),
        ],
    ),
    (
        at_rest.CODEPIPELINE,
        "aws:codepipeline/pipeline:Pipeline",
        {
            "artifactStores": [
                {"location": "b", "type": "S3", "encryptionKey": {"id": KEY, "type": "KMS"}}
            ]
        },
        [
            ("artifactStores.0.encryptionKey", DELETE, True),
        ],
    ),
    (
        at_rest.SECRET,
        "aws:secretsmanager/secret:Secret",
        {"kmsKeyId": KEY},
        [
            ("kmsKeyId", DELETE, True),
        ],
    ),
    (
        at_rest.SSM_PARAMETER,
        "aws:ssm/parameter:Parameter",
        {"name": "/web/dev/DB_HOST", "type": "SecureString", "value": "[secret]", "keyId": KEY},
        [
            ("type", "String", True),
            ("type", "StringList", True),
            ("keyId", DELETE, False),
        ],
    ),
    (
        in_transit.LISTENER_TLS_POLICY,
        "aws:lb/listener:Listener",
        HTTPS_LISTENER,
        [
            ("sslPolicy", DELETE, True),  # default ELBSecurityPolicy-2016-08
            ("sslPolicy", "ELBSecurityPolicy-TLS-1-1-2017-01", True),
            ("sslPolicy", "ELBSecurityPolicy-TLS13-1-3-2021-06", False),
        ],
    ),
    (
        in_transit.LISTENER_TLS_POLICY,
        "aws:alb/listener:Listener",
        HTTPS_LISTENER,
        [
            ("sslPolicy", "ELBSecurityPolicy-2016-08", True),
        ],
    ),
    (
        in_transit.LISTENER_HTTP_REDIRECT,
        "aws:lb/listener:Listener",
        HTTP_LISTENER,
        [
            ("protocol", DELETE, False),  # default HTTP, still a redirect
            ("defaultActions.0.redirect.protocol", "HTTP", True),
            ("defaultActions.0", {"type": "forward", "targetGroupArn": "arn:tg"}, True),
            ("defaultActions", [], True),
        ],
    ),
    (
        in_transit.LISTENER_HTTP_REDIRECT,
        "aws:lb/listener:Listener",
        HTTPS_LISTENER,
        [
            ("protocol", DELETE, True),  # absent: HTTP, and it forwards
            ("protocol", "HTTP", True),
        ],
    ),
    (
        in_transit.CLOUDFRONT_VIEWER_TLS,
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        [
            ("defaultCacheBehavior.viewerProtocolPolicy", "allow-all", True),
            ("orderedCacheBehaviors.0.viewerProtocolPolicy", "allow-all", True),
            ("viewerCertificate.minimumProtocolVersion", DELETE, True),  # default TLSv1
            ("viewerCertificate.minimumProtocolVersion", "TLSv1.2_2019", True),
            ("viewerCertificate.minimumProtocolVersion", "TLSv1.2_2025", False),
            ("viewerCertificate", {"cloudfrontDefaultCertificate": True}, True),
        ],
    ),
    (
        in_transit.CLOUDFRONT_ORIGIN_TLS,
        "aws:cloudfront/distribution:Distribution",
        DISTRIBUTION,
        [
            ("origins.0.customOriginConfig.originProtocolPolicy", "match-viewer", True),
            ("origins.0.customOriginConfig.originProtocolPolicy", "http-only", True),
            ("origins.0.customOriginConfig.originSslProtocols", ["TLSv1.1", "TLSv1.2"], True),
            ("origins.0.customOriginConfig.originSslProtocols", [], True),
            ("origins.0.customOriginConfig", DELETE, False),
        ],
    ),
    (
        in_transit.ELASTICACHE_IN_TRANSIT,
        "aws:elasticache/replicationGroup:ReplicationGroup",
        REDIS,
        [
            ("transitEncryptionEnabled", DELETE, True),  # default false
            ("transitEncryptionMode", "preferred", True),
            ("transitEncryptionMode", DELETE, False),
        ],
    ),
    (
        in_transit.ELASTICACHE_IN_TRANSIT,
        "aws:elasticache/cluster:Cluster",
        {"replicationGroupId": "dev-web-cache"},
        [
            ("replicationGroupId", DELETE, True),
        ],
    ),
    (
        at_rest.FIREHOSE_CMK,
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        {
            "destination": "extended_s3",
            "serverSideEncryption": {
                "enabled": True,
                "keyType": "CUSTOMER_MANAGED_CMK",
                "keyArn": KEY,
            },
            "extendedS3Configuration": {"bucketArn": "arn:aws:s3:::archive", "kmsKeyArn": KEY},
        },
        [
            ("extendedS3Configuration.kmsKeyArn", DELETE, True),
            ("extendedS3Configuration", DELETE, False),  # another destination
        ],
    ),
    (
        at_rest.ATHENA_WORKGROUP,
        "aws:athena/workgroup:Workgroup",
        {
            "name": "web-logs",
            "configuration": {
                "enforceWorkgroupConfiguration": True,
                "resultConfiguration": {
                    "outputLocation": "s3://results/",
                    "encryptionConfiguration": {"encryptionOption": "SSE_KMS", "kmsKeyArn": KEY},
                },
            },
        },
        [
            ("configuration.enforceWorkgroupConfiguration", False, True),
            ("configuration.enforceWorkgroupConfiguration", DELETE, False),  # default true
            ("configuration.resultConfiguration.encryptionConfiguration", DELETE, True),
            (
                "configuration.resultConfiguration.encryptionConfiguration.encryptionOption",
                "SSE_S3",
                True,
            ),
            ("configuration.resultConfiguration.encryptionConfiguration.kmsKeyArn", DELETE, True),
            ("configuration", DELETE, True),
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


@pytest.mark.parametrize(("policy", "resource_type", "props"), COMPLIANT)
def test_other_types_are_ignored(policy, resource_type, props):
    assert check_resource(policy, "aws:ec2/vpc:Vpc", {}) == []


def test_exception_skips_the_named_resource():
    config = {"exceptions": {"web-db": "restored from an unencrypted snapshot, tracked in #12"}}
    props = mutate(RDS_CLUSTER, "storageEncrypted", False)
    assert (
        check_resource(
            at_rest.RDS_STORAGE, "aws:rds/cluster:Cluster", props, name="web-db", config=config
        )
        == []
    )
    assert check_resource(
        at_rest.RDS_STORAGE, "aws:rds/cluster:Cluster", props, name="web-db2", config=config
    )


def test_parameters_override_defaults():
    listener = mutate(HTTPS_LISTENER, "sslPolicy", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06")
    policy = in_transit.LISTENER_TLS_POLICY
    assert check_resource(policy, "aws:lb/listener:Listener", listener)
    config = {"allowedSslPolicies": ["ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"]}
    assert check_resource(policy, "aws:lb/listener:Listener", listener, config=config) == []
    ecr = {"encryptionConfigurations": [{"encryptionType": "AES256"}]}
    config = {"allowedEncryptionTypes": ["AES256", "KMS"]}
    assert (
        check_resource(at_rest.ECR_REPOSITORY, "aws:ecr/repository:Repository", ecr, config=config)
        == []
    )


def test_the_pack_allows_every_tls_policy_the_stack_config_offers():
    policy = in_transit.LISTENER_TLS_POLICY
    for ssl_policy in edge_config.TLS_POLICIES:
        listener = mutate(HTTPS_LISTENER, "sslPolicy", ssl_policy)
        assert check_resource(policy, "aws:lb/listener:Listener", listener) == [], ssl_policy


def test_unknown_value_is_left_to_the_sdk():
    with pytest.raises(UnknownValueError):
        check_resource(at_rest.SSM_PARAMETER, "aws:ssm/parameter:Parameter", {"type": UNKNOWN})


# --- stack policies: buckets and their separate configuration resources ----------------------

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def bucket(name: str, bucket_name: str | None = None) -> Res:
    bucket_name = bucket_name or f"dev-{name}-1a2b"
    return Res(
        BUCKET,
        name,
        {"bucket": bucket_name, "id": bucket_name, "arn": f"arn:aws:s3:::{bucket_name}"},
    )


def sse(
    name: str,
    target: str,
    algorithm: str = "aws:kms",
    key: str | None = KEY,
    by_dependency: bool = True,
) -> Res:
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key else {})}
    props = {
        "bucket": "" if by_dependency else f"dev-{target}-1a2b",
        "rules": [{"applyServerSideEncryptionByDefault": default, "bucketKeyEnabled": True}],
    }
    return Res(SSE, name, props, deps={"bucket": [target]} if by_dependency else {})


def deny_insecure(arn: str, **overrides) -> dict:
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(overrides)
    return {"Version": "2012-10-17", "Statement": [statement]}


def bucket_policy(name: str, target: str, document: dict, by_dependency: bool = True) -> Res:
    props = {"bucket": f"dev-{target}-1a2b", "policy": json.dumps(document)}
    return Res(POLICY, name, props, deps={"bucket": [target]} if by_dependency else {})


@pytest.mark.parametrize(
    ("resources", "bad"),
    [
        ([bucket("assets"), sse("assets-sse", "assets")], []),
        ([bucket("assets"), sse("assets-sse", "assets", by_dependency=False)], []),  # by value
        ([bucket("assets")], ["assets"]),
        ([bucket("assets"), bucket("data"), sse("assets-sse", "assets")], ["data"]),
        ([bucket("assets"), sse("assets-sse", "assets", algorithm="AES256", key=None)], ["assets"]),
        ([bucket("assets"), sse("assets-sse", "assets", key=None)], ["assets"]),  # aws/s3 key
        ([bucket("web-alb-logs"), sse("l", "web-alb-logs", algorithm="AES256", key=None)], []),
        ([bucket("web-alb-logs")], ["web-alb-logs"]),
        (
            [
                bucket("storage-access-logs"),
                sse("a", "storage-access-logs", algorithm="AES256", key=None),
            ],
            [],
        ),
        ([bucket("app-logs"), sse("b", "app-logs", algorithm="AES256", key=None)], ["app-logs"]),
    ],
)
def test_bucket_sse(resources, bad):
    found = check_stack(at_rest.S3_BUCKET_SSE, resources)
    assert sorted(name for name, _ in found) == bad


def test_bucket_sse_exception_and_parameter():
    resources = [bucket("legacy"), sse("legacy-sse", "legacy", algorithm="AES256", key=None)]
    assert (
        check_stack(
            at_rest.S3_BUCKET_SSE,
            resources,
            config={"exceptions": {"legacy": "vendor reads it without KMS"}},
        )
        == []
    )
    assert check_stack(at_rest.S3_BUCKET_SSE, resources, config={"sseS3Buckets": ["leg*"]}) == []


ARN = "arn:aws:s3:::dev-assets-1a2b"


@pytest.mark.parametrize(
    ("document", "by_dependency", "bad"),
    [
        (deny_insecure(ARN), True, False),
        (deny_insecure(ARN), False, False),
        (deny_insecure(ARN, Condition={"Bool": {"aws:SecureTransport": False}}), True, False),
        (deny_insecure(ARN, Principal={"AWS": "*"}, Action=["*"]), True, False),
        (deny_insecure(ARN, Effect="Allow"), True, True),
        (deny_insecure(ARN, Condition={"Bool": {"aws:SecureTransport": "true"}}), True, True),
        (deny_insecure(ARN, Action="s3:GetObject"), True, True),
        (deny_insecure(ARN, Principal={"Service": "cloudfront.amazonaws.com"}), True, True),
        ({"Version": "2012-10-17", "Statement": []}, True, True),
    ],
)
def test_bucket_secure_transport(document, by_dependency, bad):
    resources = [
        bucket("assets"),
        bucket_policy("assets-policy", "assets", document, by_dependency),
    ]
    found = check_stack(in_transit.S3_SECURE_TRANSPORT, resources)
    assert bool(found) is bad, found


def test_bucket_without_policy_is_reported_with_its_urn():
    found = check_stack(in_transit.S3_SECURE_TRANSPORT, [bucket("assets"), bucket("data")])
    assert [name for name, _ in found] == ["assets", "data"]
    assert "aws:SecureTransport" in found[0][1]


def test_stack_policy_reports_known_buckets_then_raises_unknown():
    unknown = Res(
        POLICY, "p", {"bucket": "dev-assets-1a2b", "policy": UNKNOWN}, deps={"bucket": ["assets"]}
    )
    found: list = []
    with pytest.raises(UnknownValueError):
        check_stack(
            in_transit.S3_SECURE_TRANSPORT, [bucket("assets"), unknown, bucket("data")], sink=found
        )
    assert [name for name, _ in found] == ["data"]
