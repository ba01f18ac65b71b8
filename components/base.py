"""Helpers every component uses."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the longest SQS keeps a message


def output_dict(values: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[dict[str, str]]:
    """One output of a plain dict from a dict of inputs; an empty dict stays a dict."""
    return pulumi.Output.from_input(dict(values))  # type: ignore[arg-type]


def output_dicts(
    values: Mapping[str, Mapping[str, pulumi.Input[str] | None]],
) -> pulumi.Output[dict[str, dict[str, str]]]:
    """One output of plain dicts by key from dicts of inputs, such as the fields per service."""
    return pulumi.Output.from_input({key: dict(v) for key, v in values.items()})  # type: ignore[arg-type,return-value]


def dead_letter_queue(
    name: str, queue_name: str, kms_key_arn: pulumi.Input[str], parent: pulumi.Resource
) -> aws.sqs.Queue:
    """An SQS queue for what failed every retry: KMS-encrypted, kept as long as SQS allows."""
    return aws.sqs.Queue(
        name,
        name=queue_name,
        kms_master_key_id=kms_key_arn,
        message_retention_seconds=DLQ_RETENTION_SECONDS,
        opts=pulumi.ResourceOptions(parent=parent),
    )
