"""Customer-managed KMS keys, one per purpose, with rotation on and narrow key policies."""

import json
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.base import output_dict


class KeysArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`: aliases are `alias/<name_prefix>-<purpose>`."""
    account_id: str
    """The stack's AWS account; its administrators manage the keys through IAM."""
    region: str
    """The stack's region, for service principals and ARNs in the key policies."""
    purposes: Sequence[str]
    """One key per purpose: "data" (data stores, buckets, queues, topics), "logs" (CloudWatch
    Logs), "secrets" (Secrets Manager and SSM parameters); for the account program, "state"
    (the Pulumi state bucket and secrets provider) and "trail" (CloudTrail log files)."""
    protect: bool
    """Refuse to delete the keys (Pulumi `protect`): whatever they encrypted is lost with them."""


class Keys(pulumi.ComponentResource):
    """A KMS key and alias per purpose."""

    arns: pulumi.Output[dict[str, str]]
    """Key ARN by purpose."""

    def __init__(
        self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:foundation:Keys", name, None, opts)
        arns: dict[str, pulumi.Output[str]] = {}
        for purpose in args["purposes"]:
            key = aws.kms.Key(
                f"{name}-{purpose}",
                description=f"{args['name_prefix']} {purpose}",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=json.dumps(key_policy(purpose, args["account_id"], args["region"])),
                opts=pulumi.ResourceOptions(parent=self, protect=args["protect"]),
            )
            aws.kms.Alias(
                f"{name}-{purpose}",
                name=f"alias/{args['name_prefix']}-{purpose}",
                target_key_id=key.key_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
            arns[purpose] = key.arn
        self.arns = output_dict(arns)
        self.register_outputs({"arns": self.arns})


def account_administers(account_id: str) -> dict[str, Any]:
    """The key-policy statement that leaves a key to the account's IAM policies: without it
    nobody, not even the account's administrators, could manage the key."""
    return {
        "Sid": "AccountAdministersThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def key_policy(purpose: str, account_id: str, region: str) -> dict[str, Any]:
    """The account administers and uses the key through IAM (services such as RDS, DynamoDB,
    S3 and Secrets Manager act with their caller's permissions); a service principal gets only
    what its purpose needs, for this account alone."""
    statements: list[dict[str, Any]] = [account_administers(account_id)]
    if purpose == "data":
        # The shape AWS documents for services that publish to encrypted SNS topics: no
        # condition key, since AWS does not document aws:SourceAccount on the KMS requests SNS
        # makes for them, and one the request lacks would silently drop every alert. Who may
        # publish at all is limited by the topic policy (this account's alarms and rules only).
        statements.append(alarm_publishers_statement())
        # Pipeline notifications reach the encrypted alerts topic: CodeStar Notifications may
        # use the key only through SNS in this region, as AWS documents.
        statements.append(
            {
                "Sid": "CodeStarNotificationsPublishThroughSns",
                "Effect": "Allow",
                "Principal": {"Service": "codestar-notifications.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com"}},
            }
        )
        # CloudFront reads the SSE-KMS assets bucket through origin access control. The
        # distribution is made later (edge layer), so any distribution of this account.
        statements.append(
            {
                "Sid": "CloudFrontDecryptsAssetsForThisAccountsDistributions",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:aws:cloudfront::{account_id}:distribution/*"
                    },
                },
            }
        )
    if purpose == "logs":
        statements.append(
            {
                "Sid": "CloudWatchLogsForThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:aws:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            }
        )
    if purpose == "trail":
        # CloudTrail encrypts log files and digests for this account's trails in the region,
        # and reads the key's properties; people decrypt through IAM (the statement above).
        trails = f"arn:aws:cloudtrail:{region}:{account_id}:trail/*"
        statements += [
            {
                "Sid": "CloudTrailEncryptsThisAccountsTrails",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:aws:cloudtrail:*:{account_id}:trail/*"
                        )
                    },
                    "ArnLike": {"aws:SourceArn": trails},
                },
            },
            {
                "Sid": "CloudTrailDescribesTheKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"ArnLike": {"aws:SourceArn": trails}},
            },
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def alarm_publishers_statement() -> dict[str, Any]:
    """CloudWatch alarms and EventBridge rules may use the key to publish to the topics it
    encrypts (Amazon SNS developer guide, "Enable compatibility between event sources from
    AWS services and encrypted topics")."""
    return {
        "Sid": "AlarmsAndEventsPublishToEncryptedTopicsAndQueues",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
