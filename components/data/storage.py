"""The data layer's buckets: static assets for CloudFront, access logs of the edge and the load
balancer, and the long-term log archive."""

import hashlib
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi

from components.data.bucket import S3_ACCESS_LOG_PREFIX, Bucket, validate_bucket_name
from components.platform import Platform

PURPOSES = ("assets", "access-logs", "log-archive")
S3_LOGGING_SERVICE = "logging.s3.amazonaws.com"
NONCURRENT_VERSION_DAYS = 30
"""How long a versioned bucket keeps replaced and deleted versions."""

# The Elastic Load Balancing account that writes access logs in each region opened before
# August 2022. Newer regions use the log delivery service principal instead.
ELB_LOG_ACCOUNTS = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"


class BucketSettings(TypedDict):
    """What the stack config says of the buckets' lifecycles."""

    access_logs_expire_days: int
    """Days the access-logs bucket keeps ALB, CloudFront and WAF logs."""
    archive_to_glacier_days: int
    """Days before log-archive objects move to Glacier."""
    archive_expire_days: int
    """Days before log-archive objects are deleted; after `archive_to_glacier_days`."""


class StorageArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: BucketSettings
    """What the stack config says of the buckets' lifecycles."""
    assets_policy_statements: NotRequired[Sequence[pulumi.Input[dict[str, Any]]]]
    """Extra statements for the assets bucket policy, such as CloudFront's origin access
    control read (`s3:GetObject` on the objects for the distribution's `AWS:SourceArn`)."""


def bucket_suffix(account_id: str, region: str) -> str:
    """Eight hex digits, stable for an account and region, that make the names global."""
    return hashlib.sha256(f"{account_id}/{region}".encode()).hexdigest()[:8]


def bucket_names(name_prefix: str, account_id: str, region: str) -> dict[str, str]:
    """The physical name of each bucket, by purpose: `<prefix>-<purpose>-<suffix>`.

    Known before anything is created, so another layer can refer to a bucket by name (the
    CloudFront origin `<name>.s3.<region>.amazonaws.com`) without a cycle.
    """
    suffix = bucket_suffix(account_id, region)
    return {
        purpose: validate_bucket_name(f"{name_prefix}-{purpose}-{suffix}") for purpose in PURPOSES
    }


def s3_access_log_statement(
    bucket_arn: str, account_id: str, logged_buckets: Sequence[str]
) -> dict[str, Any]:
    """S3 server access logging may write the named buckets' logs, for this account, under
    `s3/` of the bucket at `bucket_arn`."""
    return {
        "Sid": "S3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": S3_LOGGING_SERVICE},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/{S3_ACCESS_LOG_PREFIX}*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{b}" for b in logged_buckets]},
        },
    }


def access_log_statements(
    bucket_arn: str, account_id: str, region: str, logged_buckets: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Who may write access logs: the load balancer's log writer for the region, the
    CloudWatch Logs delivery service (CloudFront standard logging v2, WAF) for this account, and
    S3 server access logging for the named buckets of this account."""
    elb_account = ELB_LOG_ACCOUNTS.get(region)
    elb_writer = (
        {"AWS": f"arn:aws:iam::{elb_account}:root"}
        if elb_account
        else {"Service": ELB_LOG_DELIVERY_SERVICE}
    )
    own_logs = f"{bucket_arn}/AWSLogs/{account_id}/*"
    from_this_account = {
        "StringEquals": {"aws:SourceAccount": account_id},
        # Any region: CloudFront's delivery sources live in us-east-1.
        "ArnLike": {"aws:SourceArn": f"arn:aws:logs:*:{account_id}:*"},
    }
    return [
        {
            "Sid": "LoadBalancerAccessLogs",
            "Effect": "Allow",
            "Principal": elb_writer,
            "Action": "s3:PutObject",
            # With or without a key prefix chosen by the load balancer's access_logs setting.
            "Resource": [own_logs, f"{bucket_arn}/*/AWSLogs/{account_id}/*"],
        },
        {
            "Sid": "LogDeliveryWrite",
            "Effect": "Allow",
            "Principal": {"Service": LOG_DELIVERY_SERVICE},
            "Action": "s3:PutObject",
            "Resource": own_logs,
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account_id,
                    "s3:x-amz-acl": "bucket-owner-full-control",
                },
                "ArnLike": from_this_account["ArnLike"],
            },
        },
        s3_access_log_statement(bucket_arn, account_id, logged_buckets),
        {
            "Sid": "LogDeliveryAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": LOG_DELIVERY_SERVICE},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": from_this_account,
        },
    ]


class Storage(pulumi.ComponentResource):
    """The assets, access-logs and log-archive buckets.

    Every bucket blocks public access, denies requests without TLS and disables ACLs. Assets
    and the archive are versioned and encrypted with the data key; access logs use SSE-S3
    (load balancers cannot write with SSE-KMS), are not versioned and expire.
    """

    assets_bucket: pulumi.Output[str]
    """Static files CloudFront serves."""
    assets_arn: pulumi.Output[str]
    """The assets bucket's ARN."""
    assets_regional_domain_name: pulumi.Output[str]
    """The CloudFront origin domain of the assets bucket."""
    access_logs_bucket: pulumi.Output[str]
    """Target of ALB access logs and CloudFront / WAF log deliveries."""
    access_logs_arn: pulumi.Output[str]
    """The access-logs bucket's ARN."""
    log_archive_bucket: pulumi.Output[str]
    """Where log persistence (Firehose) writes."""
    log_archive_arn: pulumi.Output[str]
    """The log-archive bucket's ARN."""

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Storage", name, None, opts)
        names = bucket_names(
            args["platform"]["name_prefix"],
            args["platform"]["account_id"],
            args["platform"]["region"],
        )
        child = pulumi.ResourceOptions(parent=self)

        access_logs = Bucket(
            f"{name}-access-logs",
            {
                "bucket_name": names["access-logs"],
                "encryption": "s3",
                "versioning": False,
                "expire_days": args["settings"]["access_logs_expire_days"],
                "policy_statements": access_log_statements(
                    f"arn:aws:s3:::{names['access-logs']}",
                    args["platform"]["account_id"],
                    args["platform"]["region"],
                    [names["assets"], names["log-archive"]],
                ),
                "protect": args["platform"]["protect"],
            },
            opts=child,
        )
        assets = Bucket(
            f"{name}-assets",
            {
                "bucket_name": names["assets"],
                "encryption": "kms",
                "kms_key_arn": args["platform"]["data_key_arn"],
                "versioning": True,
                "noncurrent_expire_days": NONCURRENT_VERSION_DAYS,
                "policy_statements": list(args.get("assets_policy_statements", [])),
                "protect": args["platform"]["protect"],
                "access_logs_bucket": access_logs.bucket,
            },
            opts=child,
        )
        log_archive = Bucket(
            f"{name}-log-archive",
            {
                "bucket_name": names["log-archive"],
                "encryption": "kms",
                "kms_key_arn": args["platform"]["data_key_arn"],
                "versioning": True,
                "transition_to_glacier_days": args["settings"]["archive_to_glacier_days"],
                "expire_days": args["settings"]["archive_expire_days"],
                "noncurrent_expire_days": NONCURRENT_VERSION_DAYS,
                "protect": args["platform"]["protect"],
                "access_logs_bucket": access_logs.bucket,
            },
            opts=child,
        )

        self.assets_bucket = assets.bucket
        self.assets_arn = assets.arn
        self.assets_regional_domain_name = assets.regional_domain_name
        self.access_logs_bucket = access_logs.bucket
        self.access_logs_arn = access_logs.arn
        self.log_archive_bucket = log_archive.bucket
        self.log_archive_arn = log_archive.arn
        self.register_outputs(
            {
                "assets_bucket": self.assets_bucket,
                "assets_arn": self.assets_arn,
                "assets_regional_domain_name": self.assets_regional_domain_name,
                "access_logs_bucket": self.access_logs_bucket,
                "access_logs_arn": self.access_logs_arn,
                "log_archive_bucket": self.log_archive_bucket,
                "log_archive_arn": self.log_archive_arn,
            }
        )
