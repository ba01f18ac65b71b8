"""Encryption at rest: KMS (a customer managed key where the service allows it) or the
service's own encryption where it has no KMS option.

Absent fields are read as the provider's default (e.g. ``storageEncrypted`` false for a
provisioned Aurora cluster, ``atRestEncryptionEnabled`` false for Redis and true for Valkey).
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from policy_support import flag, get, items, matches, resource_policy, stack_policy, text

RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SSE_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)

CMK = "a customer managed KMS key"


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


# --- S3 ------------------------------------------------------------------------------------


def _check_bucket_sse(bucket, stack, cfg):
    configs = stack.referring(bucket, SSE_TYPES, "bucket", ("bucket", "id"))
    if not configs:
        yield "has no BucketServerSideEncryptionConfiguration."
        return
    allowed = list(cfg["allowedAlgorithms"])
    if matches(bucket.name, cfg["sseS3Buckets"]):
        allowed.append("AES256")
    defaults = [
        get(rule, "applyServerSideEncryptionByDefault")
        for config in configs
        for rule in items(get(config.props, "rules"))
    ]
    algorithms = [get(d, "sseAlgorithm") for d in defaults if d is not None]
    if not any(a in allowed for a in algorithms):
        yield f"default encryption is {algorithms or 'unset'}; expected one of {allowed}."
        return
    for by_default in defaults:
        algorithm = text(get(by_default, "sseAlgorithm"), default="")
        if algorithm.startswith("aws:kms") and not get(by_default, "kmsMasterKeyId"):
            yield f"SSE-KMS without kmsMasterKeyId uses the AWS managed aws/s3 key; use {CMK}."


S3_BUCKET_SSE = stack_policy(
    "encryption-s3-bucket-sse",
    "Every S3 bucket has a server-side encryption configuration with KMS (a customer managed "
    "key); SSE-S3 only for buckets whose writer cannot use KMS (ALB access logs).",
    subjects=BUCKET_TYPES,
    reads=SSE_TYPES,
    check=_check_bucket_sse,
    controls=("S3.17",),
    severity=Severity.HIGH,
    remediation=(
        "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with "
        "sse_algorithm 'aws:kms', kms_master_key_id set to the stack's key and "
        "bucket_key_enabled=True."
    ),
    params={
        "allowedAlgorithms": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Accepted default sseAlgorithm values.",
            "default": ["aws:kms", "aws:kms:dsse"],
        },
        "sseS3Buckets": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "Logical-name patterns (shell style) of buckets that may use SSE-S3 (AES256) "
                "because the service writing to them does not support KMS (ALB access logs)."
            ),
            "default": ["*-alb-logs", "*-lb-logs", "*-access-logs"],
        },
    },
)

# --- RDS / Aurora --------------------------------------------------------------------------


def _check_rds_storage(props, args, cfg):
    serverless_v1 = args.resource_type == RDS_CLUSTER and get(props, "engineMode") == "serverless"
    if not flag(get(props, "storageEncrypted"), default=serverless_v1):
        yield f"{_label(args)} storage is not encrypted (storageEncrypted defaults to false)."
    elif not get(props, "kmsKeyId"):
        yield f"{_label(args)} uses the AWS managed aws/rds key; set kmsKeyId to {CMK}."


RDS_STORAGE = resource_policy(
    "encryption-rds-storage-cmk",
    "RDS and Aurora storage is encrypted with a customer managed KMS key.",
    types=[RDS_CLUSTER, RDS_INSTANCE],
    check=_check_rds_storage,
    controls=("RDS.3", "RDS.27"),
    severity=Severity.HIGH,
    remediation="Set storage_encrypted=True and kms_key_id to the stack's data key.",
)


def _check_performance_insights(props, args, cfg):
    if flag(get(props, "performanceInsightsEnabled")) and not get(
        props, "performanceInsightsKmsKeyId"
    ):
        yield f"{_label(args)} Performance Insights has no performanceInsightsKmsKeyId."


RDS_PERFORMANCE_INSIGHTS = resource_policy(
    "encryption-rds-performance-insights-cmk",
    "RDS and Aurora Performance Insights data is encrypted with a customer managed KMS key.",
    types=[RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_INSTANCE],
    check=_check_performance_insights,
    severity=Severity.MEDIUM,
    remediation="Set performance_insights_kms_key_id wherever performance_insights_enabled=True.",
)

# --- ElastiCache ---------------------------------------------------------------------------


def _check_cache_at_rest(props, args, cfg):
    if args.resource_type == CACHE_CLUSTER:
        if not get(props, "replicationGroupId"):
            yield f"{_label(args)} is a standalone cache cluster, which has no encryption at rest."
        return
    valkey = get(props, "engine", default="redis") == "valkey"
    if not flag(get(props, "atRestEncryptionEnabled"), default=valkey):
        yield f"{_label(args)} has atRestEncryptionEnabled off (the default for redis)."


ELASTICACHE_AT_REST = resource_policy(
    "encryption-elasticache-at-rest",
    "ElastiCache replication groups encrypt data at rest.",
    types=[REPLICATION_GROUP, CACHE_CLUSTER],
    check=_check_cache_at_rest,
    controls=("ElastiCache.4",),
    severity=Severity.HIGH,
    remediation=(
        "Use an aws.elasticache.ReplicationGroup (or ServerlessCache) with "
        "at_rest_encryption_enabled=True and kms_key_id set."
    ),
)

# --- DynamoDB, EBS, EC2 --------------------------------------------------------------------


def _check_dynamodb(props, args, cfg):
    sse = get(props, "serverSideEncryption")
    if not flag(get(sse, "enabled")):
        yield f"{_label(args)} uses the AWS owned key; enable serverSideEncryption with {CMK}."
    elif not get(sse, "kmsKeyArn"):
        yield f"{_label(args)} uses the AWS managed aws/dynamodb key; set kmsKeyArn to {CMK}."


DYNAMODB_TABLE = resource_policy(
    "encryption-dynamodb-table-cmk",
    "DynamoDB tables are encrypted with a customer managed KMS key.",
    types=["aws:dynamodb/table:Table"],
    check=_check_dynamodb,
    severity=Severity.HIGH,
    remediation="Set server_side_encryption={'enabled': True, 'kms_key_arn': <key arn>}.",
)


def _check_volume(props, args, cfg):
    if not flag(get(props, "encrypted")):
        yield f"{_label(args)} is not encrypted (encrypted defaults to false)."


EBS_VOLUME = resource_policy(
    "encryption-ebs-volume",
    "EBS volumes are encrypted.",
    types=["aws:ebs/volume:Volume"],
    check=_check_volume,
    controls=("EC2.3",),
    severity=Severity.HIGH,
    remediation="Set encrypted=True (and kms_key_id to the stack's key).",
)


def _check_instance_volumes(props, args, cfg):
    if not flag(get(props, "rootBlockDevice", "encrypted")):
        yield f"{_label(args)} root volume is not encrypted (set rootBlockDevice.encrypted)."
    for device in items(get(props, "ebsBlockDevices")):
        if not flag(get(device, "encrypted")):
            yield f"{_label(args)} EBS volume {get(device, 'deviceName')} is not encrypted."


EC2_INSTANCE_VOLUMES = resource_policy(
    "encryption-ec2-instance-volumes",
    "EC2 instances encrypt their root and attached EBS volumes.",
    types=["aws:ec2/instance:Instance"],
    check=_check_instance_volumes,
    controls=("EC2.3",),
    severity=Severity.HIGH,
    remediation="Set root_block_device={'encrypted': True, ...} and encrypted on every device.",
)

# --- Messaging, logs, streams --------------------------------------------------------------


def _require(prop: str, what: str):
    def check(props, args, cfg):
        if not get(props, prop):
            yield f"{_label(args)} has no {prop}: {what}."

    return check


SNS_TOPIC = resource_policy(
    "encryption-sns-topic-kms",
    "SNS topics are encrypted with KMS.",
    types=["aws:sns/topic:Topic"],
    check=_require("kmsMasterKeyId", "messages are stored unencrypted"),
    controls=("SNS.1",),
    severity=Severity.MEDIUM,
    remediation="Set kms_master_key_id to the stack's key (its policy must allow the publishers).",
)


def _check_queue(props, args, cfg):
    if get(props, "kmsMasterKeyId"):
        return
    if not flag(get(props, "sqsManagedSseEnabled"), default=True):
        yield f"{_label(args)} disables SSE (sqsManagedSseEnabled=false, no kmsMasterKeyId)."


SQS_QUEUE = resource_policy(
    "encryption-sqs-queue-sse",
    "SQS queues use server-side encryption (KMS, or SQS managed SSE, AWS's default).",
    types=["aws:sqs/queue:Queue"],
    check=_check_queue,
    controls=("SQS.1",),
    severity=Severity.MEDIUM,
    remediation="Set kms_master_key_id, or leave sqs_managed_sse_enabled at its default (true).",
)

LOG_GROUP = resource_policy(
    "encryption-cloudwatch-log-group-kms",
    "CloudWatch log groups are encrypted with a customer managed KMS key.",
    types=["aws:cloudwatch/logGroup:LogGroup"],
    check=_require("kmsKeyId", "events are encrypted with a CloudWatch owned key"),
    severity=Severity.MEDIUM,
    remediation=(
        "Set kms_key_id to the stack's key; its key policy must allow the logs.<region>."
        "amazonaws.com principal."
    ),
)


def _check_kinesis_stream(props, args, cfg):
    if get(props, "encryptionType", default="NONE") != "KMS" or not get(props, "kmsKeyId"):
        yield f"{_label(args)} is not encrypted with KMS (encryptionType defaults to NONE)."


KINESIS_STREAM = resource_policy(
    "encryption-kinesis-stream-kms",
    "Kinesis data streams are encrypted with KMS.",
    types=["aws:kinesis/stream:Stream"],
    check=_check_kinesis_stream,
    controls=("Kinesis.1",),
    severity=Severity.MEDIUM,
    remediation="Set encryption_type='KMS' and kms_key_id.",
)


def _check_firehose(props, args, cfg):
    if get(props, "kinesisSourceConfiguration") or get(props, "mskSourceConfiguration"):
        return  # the source stream's encryption applies; Firehose SSE is for direct put only
    if not flag(get(props, "serverSideEncryption", "enabled")):
        yield f"{_label(args)} has serverSideEncryption disabled."


FIREHOSE_STREAM = resource_policy(
    "encryption-firehose-delivery-stream-sse",
    "Direct-put Firehose delivery streams use server-side encryption.",
    types=["aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"],
    check=_check_firehose,
    controls=("DataFirehose.1",),
    severity=Severity.MEDIUM,
    remediation=(
        "Set server_side_encryption={'enabled': True, 'key_type': 'CUSTOMER_MANAGED_CMK', "
        "'key_arn': <key arn>}."
    ),
)

# --- Pipeline and secrets ------------------------------------------------------------------


def _check_ecr(props, args, cfg):
    configs = items(get(props, "encryptionConfigurations"))
    kind = get(configs[0], "encryptionType", default="AES256") if configs else "AES256"
    if kind not in cfg["allowedEncryptionTypes"]:
        yield f"{_label(args)} uses {kind} (the default is AES256); use KMS."


ECR_REPOSITORY = resource_policy(
    "encryption-ecr-repository-kms",
    "ECR repositories encrypt images with KMS.",
    types=["aws:ecr/repository:Repository"],
    check=_check_ecr,
    severity=Severity.MEDIUM,
    remediation="Set encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': <arn>}].",
    params={
        "allowedEncryptionTypes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Accepted encryptionType values.",
            "default": ["KMS", "KMS_DSSE"],
        },
    },
)


def _check_codebuild(props, args, cfg):
    if not get(props, "encryptionKey"):
        yield f"{_label(args)} has no encryptionKey (artifacts use the AWS managed aws/s3 key)."
    for artifacts in [get(props, "artifacts"), *items(get(props, "secondaryArtifacts"))]:
        if flag(get(artifacts, "encryptionDisabled")):
            yield f"{_label(args)} disables artifact encryption (encryptionDisabled=true)."


CODEBUILD_PROJECT = resource_policy(
    "encryption-codebuild-project-kms",
    "CodeBuild projects encrypt build output with a customer managed KMS key.",
    types=["aws:codebuild/project:Project"],
    check=_check_codebuild,
    severity=Severity.MEDIUM,
    remediation="Set encryption_key to the stack's key and never set encryption_disabled.",
)


def _check_pipeline(props, args, cfg):
    for store in items(get(props, "artifactStores")):
        if not get(store, "encryptionKey", "id"):
            yield f"{_label(args)} artifact store {get(store, 'location')} has no encryptionKey."


CODEPIPELINE = resource_policy(
    "encryption-codepipeline-artifact-store-kms",
    "CodePipeline artifact stores are encrypted with a customer managed KMS key.",
    types=["aws:codepipeline/pipeline:Pipeline"],
    check=_check_pipeline,
    severity=Severity.MEDIUM,
    remediation="Set encryption_key={'id': <key arn>, 'type': 'KMS'} on every artifact store.",
)

SECRET = resource_policy(
    "encryption-secretsmanager-secret-cmk",
    "Secrets Manager secrets are encrypted with a customer managed KMS key.",
    types=["aws:secretsmanager/secret:Secret"],
    check=_require("kmsKeyId", "the AWS managed aws/secretsmanager key is used"),
    severity=Severity.MEDIUM,
    remediation="Set kms_key_id to the stack's key.",
)


def _check_parameter(props, args, cfg):
    kind = get(props, "type")
    if kind != "SecureString":
        yield f"{_label(args)} is a {kind}; store parameters as SecureString."


SSM_PARAMETER = resource_policy(
    "encryption-ssm-parameter-securestring",
    "SSM parameters are SecureString (encrypted with KMS).",
    types=["aws:ssm/parameter:Parameter"],
    check=_check_parameter,
    severity=Severity.MEDIUM,
    remediation=(
        "Use type='SecureString' with key_id set to the stack's key; a parameter that must "
        "stay plain text takes an exception with its reason."
    ),
)

POLICIES = [
    S3_BUCKET_SSE,
    RDS_STORAGE,
    RDS_PERFORMANCE_INSIGHTS,
    ELASTICACHE_AT_REST,
    DYNAMODB_TABLE,
    EBS_VOLUME,
    EC2_INSTANCE_VOLUMES,
    SNS_TOPIC,
    SQS_QUEUE,
    LOG_GROUP,
    KINESIS_STREAM,
    FIREHOSE_STREAM,
    ECR_REPOSITORY,
    CODEBUILD_PROJECT,
    CODEPIPELINE,
    SECRET,
    SSM_PARAMETER,
]


def _check_cache_cmk(props, args, cfg):
    valkey = get(props, "engine", default="redis") == "valkey"
    if flag(get(props, "atRestEncryptionEnabled"), default=valkey) and not get(props, "kmsKeyId"):
        yield f"{_label(args)} encrypts at rest with the service's key; set kmsKeyId to {CMK}."


ELASTICACHE_CMK = resource_policy(
    "encryption-elasticache-cmk",
    "ElastiCache replication groups encrypt at rest with a customer managed KMS key.",
    types=[REPLICATION_GROUP],
    check=_check_cache_cmk,
    severity=Severity.MEDIUM,
    remediation="Set kms_key_id to the stack's data key.",
)


def _check_parameter_cmk(props, args, cfg):
    if get(props, "type") == "SecureString" and not get(props, "keyId"):
        yield f"{_label(args)} uses the AWS managed aws/ssm key; set keyId to {CMK}."


SSM_PARAMETER_CMK = resource_policy(
    "encryption-ssm-parameter-cmk",
    "SSM SecureString parameters are encrypted with a customer managed KMS key.",
    types=["aws:ssm/parameter:Parameter"],
    check=_check_parameter_cmk,
    severity=Severity.MEDIUM,
    remediation="Set key_id to the stack's secrets key.",
)


def _check_lambda_environment(props, args, cfg):
    if get(props, "environment", "variables") and not get(props, "kmsKeyArn"):
        yield f"{_label(args)} environment uses the AWS managed aws/lambda key; set kmsKeyArn."


LAMBDA_ENVIRONMENT_CMK = resource_policy(
    "encryption-lambda-environment-cmk",
    "Lambda functions with environment variables encrypt them with a customer managed KMS key.",
    types=["aws:lambda/function:Function"],
    check=_check_lambda_environment,
    severity=Severity.MEDIUM,
    remediation="Set kms_key_arn to the stack's secrets key (and keep secrets out of variables).",
)


def _check_schedule(props, args, cfg):
    if not get(props, "kmsKeyArn"):
        yield f"{_label(args)} keeps its target input under an AWS owned key; set kmsKeyArn."


SCHEDULER_SCHEDULE_CMK = resource_policy(
    "encryption-scheduler-schedule-cmk",
    "EventBridge Scheduler schedules encrypt their target input with a customer managed KMS key.",
    types=["aws:scheduler/schedule:Schedule"],
    check=_check_schedule,
    severity=Severity.LOW,
    remediation=(
        "Set kms_key_arn to the stack's key; its key policy must allow scheduler.amazonaws.com."
    ),
    level=EnforcementLevel.ADVISORY,
)

POLICIES += [ELASTICACHE_CMK, SSM_PARAMETER_CMK, LAMBDA_ENVIRONMENT_CMK, SCHEDULER_SCHEDULE_CMK]


def _check_firehose_key(props, args, cfg):
    sse = get(props, "serverSideEncryption")
    if flag(get(sse, "enabled")) and get(sse, "keyType", default="AWS_OWNED_CMK") != (
        "CUSTOMER_MANAGED_CMK"
    ):
        yield f"{_label(args)} encrypts with an AWS owned key; use keyType CUSTOMER_MANAGED_CMK."
    s3 = get(props, "extendedS3Configuration")
    if s3 is not None and not get(s3, "kmsKeyArn"):
        yield f"{_label(args)} writes S3 objects without extendedS3Configuration.kmsKeyArn ({CMK})."


FIREHOSE_CMK = resource_policy(
    "encryption-firehose-delivery-stream-cmk",
    "Firehose server-side encryption uses a customer managed KMS key, not an AWS owned one.",
    types=["aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"],
    check=_check_firehose_key,
    severity=Severity.MEDIUM,
    remediation=(
        "Set server_side_encryption.key_type='CUSTOMER_MANAGED_CMK' and key_arn, and "
        "extended_s3_configuration.kms_key_arn."
    ),
)

POLICIES += [FIREHOSE_CMK]


def _check_athena_workgroup(props, args, cfg):
    configuration = get(props, "configuration")
    # The provider's default enforces the workgroup's settings on every query.
    if not flag(get(configuration, "enforceWorkgroupConfiguration"), default=True):
        yield (
            f"{_label(args)} lets queries override its result encryption "
            "(enforceWorkgroupConfiguration false)."
        )
    encryption = get(configuration, "resultConfiguration", "encryptionConfiguration")
    option = get(encryption, "encryptionOption")
    if option not in ("SSE_KMS", "CSE_KMS"):
        yield f"{_label(args)} writes query results with {option or 'no encryption'}; use SSE_KMS."
    elif not get(encryption, "kmsKeyArn"):
        yield f"{_label(args)} encrypts query results without a kmsKeyArn; set {CMK}."


ATHENA_WORKGROUP = resource_policy(
    "encryption-athena-workgroup-results",
    "Athena workgroups encrypt query results with a customer managed KMS key and enforce it.",
    types=["aws:athena/workgroup:Workgroup"],
    check=_check_athena_workgroup,
    severity=Severity.MEDIUM,
    remediation=(
        "Set configuration={'enforce_workgroup_configuration': True, 'result_configuration': "
        "{'encryption_configuration': {'encryption_option': 'SSE_KMS', 'kms_key_arn': <key>}}}."
    ),
)

POLICIES += [ATHENA_WORKGROUP]
