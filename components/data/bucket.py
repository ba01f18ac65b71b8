"""One S3 bucket as every layer declares it: private, encrypted, TLS-only, owner-enforced,
versioned unless it holds logs, with lifecycle rules where it keeps objects for a while."""

import re
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
# Prefixes and suffixes S3 keeps for its own names (access points, aliases, directory buckets).
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")
ABORT_MULTIPART_DAYS = 7


class BucketArgs(TypedDict):
    bucket_name: str
    """Physical name, globally unique: 3 to 63 lowercase letters, digits and hyphens, starting
    and ending with a letter or digit (no dots: they break TLS to virtual-hosted endpoints)."""
    encryption: NotRequired[str]
    """Default encryption: "kms" (the default; SSE-KMS with `kms_key_arn` and a bucket key) or
    "s3" (SSE-S3, AES256) for writers that cannot use KMS, such as ALB access logs. The
    encryption policy accepts "s3" only for buckets whose logical name matches `sseS3Buckets`."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer managed key for "kms" encryption; required with it."""
    versioning: NotRequired[bool]
    """Keep every version of every object (default true). Only log buckets (logical name
    matching `*-logs`) may turn it off without a versioning policy violation."""
    expire_days: NotRequired[int | None]
    """Delete objects this many days after they are written (default: never)."""
    transition_to_glacier_days: NotRequired[int | None]
    """Move objects to Glacier Flexible Retrieval after this many days (default: never)."""
    noncurrent_expire_days: NotRequired[int | None]
    """Delete replaced and deleted versions this many days after they stop being current
    (versioned buckets only; default: keep them)."""
    object_ownership: NotRequired[str]
    """Object ownership: "BucketOwnerEnforced" (the default: ACLs disabled) or
    "BucketOwnerPreferred" for a service that still writes with ACLs."""
    policy_statements: NotRequired[Sequence[pulumi.Input[dict[str, Any]]]]
    """Statements added to the bucket policy after the TLS-only deny; they may hold outputs
    (ARNs of other resources)."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the bucket itself (default false; true in prd)."""
    access_logs_bucket: NotRequired[pulumi.Input[str] | None]
    """Bucket that receives this bucket's S3 server access logs, under `s3/<bucket_name>/`
    (its policy must admit logging.s3.amazonaws.com); None: no access logging."""


S3_ACCESS_LOG_PREFIX = "s3/"
"""Where S3 server access logs land in the access-logs bucket, one prefix per source bucket."""


def validate_bucket_name(name: str) -> str:
    """The name, if S3 accepts it as a general purpose bucket name without dots; else ValueError."""
    if not BUCKET_NAME.match(name):
        raise ValueError(
            f"bucket name {name!r} must be 3 to 63 lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    if name.startswith(RESERVED_PREFIXES) or name.endswith(RESERVED_SUFFIXES):
        raise ValueError(f"bucket name {name!r} uses a prefix or suffix S3 reserves")
    return name


def tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    """Deny every request to the bucket and its objects that does not come over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


class Bucket(pulumi.ComponentResource):
    """An S3 bucket with its settings as the separate resources pulumi-aws v7 uses.

    The S3 bucket resource carries the component's name, so policies that recognise buckets by
    logical name (`*-logs`, `sseS3Buckets`) see it. Every setting refers to the bucket through
    its `bucket` input, which is how the policy packs match a bucket to its settings.
    """

    bucket: pulumi.Output[str]
    """The bucket's name."""
    arn: pulumi.Output[str]
    """The bucket's ARN."""
    regional_domain_name: pulumi.Output[str]
    """`<name>.s3.<region>.amazonaws.com`, the origin domain for CloudFront."""

    def __init__(
        self, name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Bucket", name, None, opts)
        bucket_name = validate_bucket_name(args["bucket_name"])
        versioning = args.get("versioning", True)
        _check_lifecycle(args, versioning)
        encryption_rule = _encryption_rule(args)

        bucket = aws.s3.Bucket(
            name,
            bucket=bucket_name,
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect", False)),
        )
        # Public access block, then ownership controls, then the policy: S3 rejects concurrent
        # changes to these ("OperationAborted: A conflicting conditional operation"), and the
        # policy must be judged against a bucket whose public access is already blocked.
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.bucket,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.bucket,
            rule={"object_ownership": args.get("object_ownership", "BucketOwnerEnforced")},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        # The ARN of a bucket follows from its name, so the policy is known at preview.
        bucket_arn = f"arn:aws:s3:::{bucket_name}"
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.bucket,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        tls_only_statement(bucket_arn),
                        *args.get("policy_statements", []),
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.bucket,
            rules=[encryption_rule],
            opts=pulumi.ResourceOptions(parent=self),
        )
        after_versioning: list[pulumi.Resource] = []
        if versioning:
            after_versioning.append(
                aws.s3.BucketVersioning(
                    f"{name}-versioning",
                    bucket=bucket.bucket,
                    versioning_configuration={"status": "Enabled"},
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        rule = _lifecycle_rule(args)
        if rule is not None:
            # After versioning, so the noncurrent-version rule applies to a versioned bucket.
            aws.s3.BucketLifecycleConfiguration(
                f"{name}-lifecycle",
                bucket=bucket.bucket,
                rules=[rule],
                opts=pulumi.ResourceOptions(parent=self, depends_on=after_versioning),
            )

        target = args.get("access_logs_bucket")
        if target:
            aws.s3.BucketLogging(
                f"{name}-logging",
                bucket=bucket.bucket,
                target_bucket=target,
                target_prefix=f"{S3_ACCESS_LOG_PREFIX}{args['bucket_name']}/",
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.bucket = bucket.bucket
        self.arn = bucket.arn
        self.regional_domain_name = bucket.bucket_regional_domain_name
        self.register_outputs(
            {
                "bucket": self.bucket,
                "arn": self.arn,
                "regional_domain_name": self.regional_domain_name,
            }
        )


def _encryption_rule(
    args: BucketArgs,
) -> aws.s3.BucketServerSideEncryptionConfigurationRuleArgsDict:
    if args.get("encryption", "kms") == "s3":
        return {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}
    key = args.get("kms_key_arn")
    if key is None:
        raise ValueError(f"bucket {args['bucket_name']!r}: KMS encryption needs kms_key_arn")
    return {
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": key,
        },
        "bucket_key_enabled": True,
    }


def _check_lifecycle(args: BucketArgs, versioning: bool) -> None:
    name = args["bucket_name"]
    days: dict[str, int | None] = {
        "expire_days": args.get("expire_days"),
        "transition_to_glacier_days": args.get("transition_to_glacier_days"),
        "noncurrent_expire_days": args.get("noncurrent_expire_days"),
    }
    for key, value in days.items():
        if value is not None and value < 1:
            raise ValueError(f"bucket {name!r}: {key} must be at least 1, got {value}")
    expire, glacier = days["expire_days"], days["transition_to_glacier_days"]
    if expire is not None and glacier is not None and expire <= glacier:
        raise ValueError(
            f"bucket {name!r}: expire_days ({expire}) must come after "
            f"transition_to_glacier_days ({glacier})"
        )
    if days["noncurrent_expire_days"] is not None and not versioning:
        raise ValueError(f"bucket {name!r}: noncurrent_expire_days needs versioning")


def _lifecycle_rule(args: BucketArgs) -> aws.s3.BucketLifecycleConfigurationRuleArgsDict | None:
    """One rule over the whole bucket, or None when the args ask for no expiry or transition."""
    expire = args.get("expire_days")
    glacier = args.get("transition_to_glacier_days")
    noncurrent = args.get("noncurrent_expire_days")
    if expire is None and glacier is None and noncurrent is None:
        return None
    rule: aws.s3.BucketLifecycleConfigurationRuleArgsDict = {
        "id": "default",
        "status": "Enabled",
        "filter": {},
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
    }
    if glacier is not None:
        rule["transitions"] = [{"days": glacier, "storage_class": "GLACIER"}]
    if expire is not None:
        rule["expiration"] = {"days": expire}
    if noncurrent is not None:
        rule["noncurrent_version_expiration"] = {"noncurrent_days": noncurrent}
    return rule
