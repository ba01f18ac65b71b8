"""Log persistence: CloudWatch Logs subscription filters feed one Firehose stream that writes
the log-archive bucket, in hourly UTC prefixes.

CloudWatch Logs sends Firehose gzipped batches (one JSON document of `logEvents` each).
Firehose decompresses them, puts each document on its own line and gzips the objects it
writes: one level of compression, JSON lines Athena reads.
"""

import json
from collections.abc import Mapping
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.platform import Platform

# Firehose's own expressions: the UTC hour the records arrived, and why a record failed.
ARCHIVE_PREFIX = "!{timestamp:yyyy/MM/dd/HH}/"
ERROR_PREFIX = "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
DATE_FORMAT = "yyyy/MM/dd/HH"
"""The date partition of the archive's keys, as Athena's partition projection reads it."""
BUFFER_MIB = 64
BUFFER_SECONDS = 300


class LogArchiveArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention."""
    bucket_arn: pulumi.Input[str]
    """The data layer's log-archive bucket (SSE-KMS with the data key)."""
    log_groups: Mapping[str, pulumi.Input[str]]
    """The log groups to archive, by a short key (one subscription filter each)."""


class LogArchive(pulumi.ComponentResource):
    """The archive's Firehose stream (encrypted with the data key), its two roles and a
    subscription filter per log group."""

    stream_arn: pulumi.Output[str]
    """The Firehose stream."""
    stream_name: pulumi.Output[str]
    """The Firehose stream's name."""

    def __init__(
        self, name: str, args: LogArchiveArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:observability:LogArchive", name, None, opts)
        platform = args["platform"]
        prefix, region, account = (
            platform["name_prefix"],
            platform["region"],
            platform["account_id"],
        )
        child = pulumi.ResourceOptions(parent=self)
        stream_name = f"{prefix}-logs"

        errors = aws.cloudwatch.LogGroup(
            f"{name}-errors",
            name=f"/aws/kinesisfirehose/{stream_name}",
            retention_in_days=platform["log_retention_days"],
            kms_key_id=platform["logs_key_arn"],
            opts=child,
        )
        aws.cloudwatch.LogStream(
            f"{name}-errors", name="DestinationDelivery", log_group_name=errors.name, opts=child
        )
        delivery_role = aws.iam.Role(
            f"{name}-delivery",
            name=f"{prefix}-logs-delivery",
            # The trust Firehose's guide gives: the account as the external id Firehose sends.
            assume_role_policy=json.dumps(
                service_trust(
                    "firehose.amazonaws.com", {"StringEquals": {"sts:ExternalId": account}}
                )
            ),
            opts=child,
        )
        delivery_policy = aws.iam.RolePolicy(
            f"{name}-delivery",
            role=delivery_role.id,
            policy=pulumi.Output.json_dumps(
                delivery_policy_document(
                    args["bucket_arn"], platform["data_key_arn"], errors.arn, region
                )
            ),
            opts=child,
        )
        stream = aws.kinesis.FirehoseDeliveryStream(
            name,
            name=stream_name,
            destination="extended_s3",
            server_side_encryption={
                "enabled": True,
                "key_type": "CUSTOMER_MANAGED_CMK",
                "key_arn": platform["data_key_arn"],
            },
            extended_s3_configuration={
                "role_arn": delivery_role.arn,
                "bucket_arn": args["bucket_arn"],
                "prefix": ARCHIVE_PREFIX,
                "error_output_prefix": ERROR_PREFIX,
                "compression_format": "GZIP",
                "kms_key_arn": platform["data_key_arn"],
                "buffering_size": BUFFER_MIB,
                "buffering_interval": BUFFER_SECONDS,
                "processing_configuration": {
                    "enabled": True,
                    "processors": [
                        {
                            "type": "Decompression",
                            "parameters": [
                                {"parameter_name": "CompressionFormat", "parameter_value": "GZIP"}
                            ],
                        },
                        {"type": "AppendDelimiterToRecord"},
                    ],
                },
                "cloudwatch_logging_options": {
                    "enabled": True,
                    "log_group_name": errors.name,
                    "log_stream_name": "DestinationDelivery",
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[delivery_policy]),
        )

        logs_role = aws.iam.Role(
            f"{name}-subscriptions",
            name=f"{prefix}-logs-subscriptions",
            assume_role_policy=json.dumps(
                service_trust(
                    "logs.amazonaws.com",
                    {"StringLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account}:*"}},
                )
            ),
            opts=child,
        )
        logs_policy = aws.iam.RolePolicy(
            f"{name}-subscriptions",
            role=logs_role.id,
            policy=stream.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "PutIntoTheArchiveStream",
                                "Effect": "Allow",
                                "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                                "Resource": arn,
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        for key, group in args["log_groups"].items():
            aws.cloudwatch.LogSubscriptionFilter(
                f"{name}-{key}",
                name="archive",
                log_group=group,
                filter_pattern="",  # every event
                destination_arn=stream.arn,
                role_arn=logs_role.arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[logs_policy]),
            )

        self.stream_arn = stream.arn
        self.stream_name = stream.name
        self.register_outputs({"stream_arn": self.stream_arn, "stream_name": self.stream_name})


def service_trust(service: str, condition: Mapping[str, Any]) -> dict[str, Any]:
    """A trust policy for one service principal acting for this account's resources only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": dict(condition),
            }
        ],
    }


def delivery_policy_document(
    bucket_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    error_log_group_arn: pulumi.Input[str],
    region: str,
) -> dict[str, Any]:
    """What Firehose needs to write the archive (Firehose developer guide, "Grant Firehose
    access to an Amazon S3 destination"): the bucket, the data key through S3 for this
    bucket only (its S3 Bucket Key makes the bucket the encryption context, else the object),
    and its error log stream."""
    bucket_objects = pulumi.Output.concat(bucket_arn, "/*")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteTheArchive",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                "Resource": [bucket_arn, bucket_objects],
            },
            {
                "Sid": "EncryptArchiveObjects",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": [bucket_arn, bucket_objects]
                    },
                },
            },
            {
                "Sid": "ReportDeliveryErrors",
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": pulumi.Output.concat(error_log_group_arn, ":log-stream:*"),
            },
        ],
    }
