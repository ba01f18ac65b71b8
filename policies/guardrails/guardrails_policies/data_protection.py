"""Data protection: deletion protection, final snapshots, backups, point-in-time recovery,
versioning and Pulumi ``protect`` on stateful resources.

These are mandatory in prd and advisory in dev (policies/guardrails/prd.json and dev.json);
without a config file they are advisory. Absent fields are read as the provider's default:
``deletionProtection`` false, ``skipFinalSnapshot`` false, ``backupRetentionPeriod`` 1 for a
cluster and 0 for an instance, point-in-time recovery off.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from policy_support import flag, get, matches, number, resource_policy, stack_policy

ADVISORY = EnforcementLevel.ADVISORY
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
DATABASES = [RDS_CLUSTER, RDS_INSTANCE]
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
VERSIONING_TYPES = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
STATEFUL_TYPES = [
    RDS_CLUSTER,
    RDS_INSTANCE,
    "aws:dynamodb/table:Table",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:kms/key:Key",
    "aws:efs/fileSystem:FileSystem",
]


def _label(args) -> str:
    return f"{args.resource_type} '{args.name}'"


def _check_deletion_protection(props, args, cfg):
    if not flag(get(props, "deletionProtection")):
        yield f"{_label(args)} has deletionProtection off (the default)."


RDS_DELETION_PROTECTION = resource_policy(
    "guardrails-rds-deletion-protection",
    "Databases have deletion protection on.",
    types=DATABASES,
    check=_check_deletion_protection,
    controls=("RDS.7", "RDS.8"),
    severity=Severity.HIGH,
    remediation="Set deletion_protection=True (from the stack config of the prd tier).",
    level=ADVISORY,
)


def _check_final_snapshot(props, args, cfg):
    if flag(get(props, "skipFinalSnapshot")):
        yield f"{_label(args)} skips its final snapshot (skipFinalSnapshot=true)."
    elif not get(props, "finalSnapshotIdentifier"):
        yield f"{_label(args)} has no finalSnapshotIdentifier."


RDS_FINAL_SNAPSHOT = resource_policy(
    "guardrails-rds-final-snapshot",
    "Databases take a final snapshot when deleted.",
    types=DATABASES,
    check=_check_final_snapshot,
    severity=Severity.HIGH,
    remediation="Set skip_final_snapshot=False and final_snapshot_identifier='<name>-final'.",
    level=ADVISORY,
)


def _check_backup_retention(props, args, cfg):
    provider_default = 1 if args.resource_type == RDS_CLUSTER else 0
    days = number(get(props, "backupRetentionPeriod"), default=provider_default)
    minimum = number(cfg["minimumDays"], default=7)
    if days < minimum:
        unit = "day" if days == 1 else "days"
        yield f"{_label(args)} keeps backups {days:g} {unit}; at least {minimum:g} required."


RDS_BACKUP_RETENTION = resource_policy(
    "guardrails-rds-backup-retention",
    "Databases keep automated backups for at least the configured number of days.",
    types=DATABASES,
    check=_check_backup_retention,
    controls=("RDS.11",),
    severity=Severity.HIGH,
    remediation="Set backup_retention_period to at least minimumDays (7 by default).",
    params={
        "minimumDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "description": "Minimum backupRetentionPeriod in days.",
            "default": 7,
        },
    },
    level=ADVISORY,
)


def _check_pitr(props, args, cfg):
    if not flag(get(props, "pointInTimeRecovery", "enabled")):
        yield f"{_label(args)} has point-in-time recovery off (the default)."


DYNAMODB_PITR = resource_policy(
    "guardrails-dynamodb-point-in-time-recovery",
    "DynamoDB tables have point-in-time recovery on.",
    types=["aws:dynamodb/table:Table"],
    check=_check_pitr,
    controls=("DynamoDB.2",),
    severity=Severity.HIGH,
    remediation="Set point_in_time_recovery={'enabled': True}.",
    level=ADVISORY,
)


def _check_versioning(bucket, stack, cfg):
    if matches(bucket.name, cfg["logBucketPatterns"]):
        return
    configs = stack.referring(bucket, VERSIONING_TYPES, "bucket", ("bucket", "id"))
    statuses = [get(c.props, "versioningConfiguration", "status") for c in configs]
    if "Enabled" not in statuses:
        yield f"versioning is {statuses or 'not configured'}; data buckets need 'Enabled'."


S3_VERSIONING = stack_policy(
    "guardrails-s3-bucket-versioning",
    "Every data bucket has versioning enabled; log buckets (logical name matching "
    "logBucketPatterns, by default '*-logs') are exempt.",
    subjects=BUCKET_TYPES,
    reads=VERSIONING_TYPES,
    check=_check_versioning,
    controls=("S3.14",),
    severity=Severity.MEDIUM,
    remediation=(
        "Add an aws.s3.BucketVersioning with versioning_configuration={'status': 'Enabled'} "
        "(and a lifecycle rule expiring noncurrent versions)."
    ),
    params={
        "logBucketPatterns": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "Logical-name patterns (shell style) of log buckets, which need no versioning: "
                "their objects are written once by a service and expire by lifecycle."
            ),
            "default": ["*-logs"],
        },
    },
    level=ADVISORY,
)


def _check_protect(props, args, cfg):
    if args.resource_type in cfg["resourceTypes"] and not args.opts.protect:
        yield f"{_label(args)} holds data and is not protected (protect=True)."


STATEFUL_PROTECT = resource_policy(
    "guardrails-aws-stateful-protect",
    "Stateful resources carry the Pulumi `protect` option, so a stack update cannot delete them.",
    types=None,
    check=_check_protect,
    severity=Severity.HIGH,
    remediation=(
        "Pass opts=ResourceOptions(protect=True) (driven by the stack config). Policies only "
        "see `protect`: the engine does not pass retain_on_delete to policy packs, so a "
        "resource that only retains on delete takes an exception with that reason."
    ),
    params={
        "resourceTypes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Type tokens of the resources that must be protected.",
            "default": STATEFUL_TYPES,
        },
    },
    level=ADVISORY,
)

POLICIES = [
    RDS_DELETION_PROTECTION,
    RDS_FINAL_SNAPSHOT,
    RDS_BACKUP_RETENTION,
    DYNAMODB_PITR,
    S3_VERSIONING,
    STATEFUL_PROTECT,
]


def _check_table_deletion_protection(props, args, cfg):
    if not flag(get(props, "deletionProtectionEnabled")):
        yield f"{_label(args)} has deletionProtectionEnabled off (the default)."


DYNAMODB_DELETION_PROTECTION = resource_policy(
    "guardrails-dynamodb-deletion-protection",
    "DynamoDB tables have deletion protection on.",
    types=["aws:dynamodb/table:Table"],
    check=_check_table_deletion_protection,
    controls=("DynamoDB.6",),
    severity=Severity.HIGH,
    remediation="Set deletion_protection_enabled=True (from the stack config of the prd tier).",
    level=ADVISORY,
)

POLICIES += [DYNAMODB_DELETION_PROTECTION]
