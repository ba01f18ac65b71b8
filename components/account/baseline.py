"""The account's security baseline, each piece switchable: a multi-region CloudTrail trail
(KMS, log file validation, to an access-logged bucket), a GuardDuty detector, Security Hub with
the AWS Foundational Security Best Practices standard, and an IAM Access Analyzer."""

from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.data.bucket import Bucket
from components.foundation.keys import Keys

TRAIL_KEY_PURPOSE = "trail"
CLOUDTRAIL_SERVICE = "cloudtrail.amazonaws.com"
FSBP_STANDARD = "standards/aws-foundational-security-best-practices/v/1.0.0"


def fsbp_standard_arn(region: str) -> str:
    """The FSBP standard's ARN, which names the region (the CIS rulesets do not)."""
    return f"arn:aws:securityhub:{region}::{FSBP_STANDARD}"


def trail_bucket_statements(bucket_name: str, account_id: str, trail_arn: str) -> list[Any]:
    """What CloudTrail needs of its bucket, for this trail only (`aws:SourceArn`): read the
    bucket's ACL, write log files under `AWSLogs/<account>/` with the owner in full control."""
    bucket_arn = f"arn:aws:s3:::{bucket_name}"
    return [
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_SERVICE},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL_SERVICE},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn,
                }
            },
        },
    ]


class SecurityBaselineArgs(TypedDict):
    name_prefix: str
    """`<project>`: the trail is `<name_prefix>-trail`, the analyzer `<name_prefix>-account`."""
    account_id: str
    """The account."""
    region: str
    """The trail's home region; GuardDuty, Security Hub and Access Analyzer are regional."""
    cloud_trail: bool
    """Declare the trail, its key and its bucket."""
    trail_bucket_name: str
    """Physical name of the trail's bucket."""
    trail_expire_days: int
    """Days the trail's bucket keeps log files."""
    access_logs_bucket: pulumi.Input[str]
    """Bucket that receives the trail bucket's S3 server access logs."""
    guard_duty: bool
    """Declare a GuardDuty detector."""
    security_hub: bool
    """Enable Security Hub with the FSBP standard."""
    access_analyzer: bool
    """Declare an account IAM Access Analyzer."""
    protect: bool
    """Pulumi `protect` on the trail's key and bucket."""


class SecurityBaseline(pulumi.ComponentResource):
    """The pieces the config turns on; an output is empty for a piece that is off."""

    trail_arn: pulumi.Output[str]
    """The trail's ARN."""
    guardduty_detector_id: pulumi.Output[str]
    """The GuardDuty detector's id."""
    security_hub_standard_arn: pulumi.Output[str]
    """The FSBP standard's ARN, subscribed."""
    access_analyzer_arn: pulumi.Output[str]
    """The analyzer's ARN."""

    def __init__(
        self, name: str, args: SecurityBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:account:SecurityBaseline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix, account, region = args["name_prefix"], args["account_id"], args["region"]
        empty = pulumi.Output.from_input("")
        self.trail_arn = empty
        self.guardduty_detector_id = empty
        self.security_hub_standard_arn = empty
        self.access_analyzer_arn = empty

        if args["cloud_trail"]:
            trail_name = f"{prefix}-trail"
            trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{trail_name}"
            keys = Keys(
                f"{name}-keys",
                {
                    "name_prefix": prefix,
                    "account_id": account,
                    "region": region,
                    "purposes": [TRAIL_KEY_PURPOSE],
                    "protect": args["protect"],
                },
                opts=child,
            )
            key_arn = keys.arns.apply(lambda arns: arns[TRAIL_KEY_PURPOSE])
            bucket = Bucket(
                f"{name}-trail-logs",
                {
                    "bucket_name": args["trail_bucket_name"],
                    "kms_key_arn": key_arn,
                    "expire_days": args["trail_expire_days"],
                    "policy_statements": trail_bucket_statements(
                        args["trail_bucket_name"], account, trail_arn
                    ),
                    "access_logs_bucket": args["access_logs_bucket"],
                    "protect": args["protect"],
                },
                opts=child,
            )
            # After the bucket's policy: CloudTrail checks it can write when the trail is made.
            trail = aws.cloudtrail.Trail(
                name,
                name=trail_name,
                s3_bucket_name=bucket.bucket,
                kms_key_id=key_arn,
                is_multi_region_trail=True,
                include_global_service_events=True,
                enable_log_file_validation=True,
                enable_logging=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket]),
            )
            self.trail_arn = trail.arn

        if args["guard_duty"]:
            detector = aws.guardduty.Detector(
                name, enable=True, finding_publishing_frequency="FIFTEEN_MINUTES", opts=child
            )
            self.guardduty_detector_id = detector.id

        if args["security_hub"]:
            # The standards AWS enables by default are left off, so the one subscribed here is
            # the account's choice; controls are judged once each (consolidated findings).
            hub = aws.securityhub.Account(
                name,
                enable_default_standards=False,
                control_finding_generator="SECURITY_CONTROL",
                auto_enable_controls=True,
                opts=child,
            )
            standard = aws.securityhub.StandardsSubscription(
                f"{name}-fsbp",
                standards_arn=fsbp_standard_arn(region),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[hub]),
            )
            self.security_hub_standard_arn = standard.standards_arn

        if args["access_analyzer"]:
            analyzer = aws.accessanalyzer.Analyzer(
                name, analyzer_name=f"{prefix}-account", type="ACCOUNT", opts=child
            )
            self.access_analyzer_arn = analyzer.arn

        self.register_outputs(
            {
                "trail_arn": self.trail_arn,
                "guardduty_detector_id": self.guardduty_detector_id,
                "security_hub_standard_arn": self.security_hub_standard_arn,
                "access_analyzer_arn": self.access_analyzer_arn,
            }
        )
