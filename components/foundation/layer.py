"""The foundation layer: what every other layer encrypts with and notifies through."""

from typing import TypedDict

import pulumi

from components.foundation.alerts import Alerts
from components.foundation.keys import Keys

KEY_PURPOSES = ("data", "logs", "secrets")


class FoundationArgs(TypedDict):
    name_prefix: str
    """`<project>-<environment>`, the start of every physical name."""
    region: str
    """The stack's region, for the service principals in the key policies."""
    account_id: str
    """The stack's AWS account: it administers the keys, and only it may publish alerts."""
    protect: bool
    """Pulumi `protect` on the keys: whatever they encrypted is lost with them."""


class Foundation(pulumi.ComponentResource):
    """Customer-managed KMS keys per purpose and the encrypted alerts topic.

    Built first: the network's flow logs, the data stores, the services' logs and the jobs'
    failure alerts all need them.
    """

    data_key_arn: pulumi.Output[str]
    """KMS key for data stores, buckets, queues and topics."""
    logs_key_arn: pulumi.Output[str]
    """KMS key for CloudWatch log groups."""
    secrets_key_arn: pulumi.Output[str]
    """KMS key for Secrets Manager secrets and SSM SecureString parameters."""
    alerts_topic_arn: pulumi.Output[str]
    """SNS topic that alarms and failed jobs publish to."""

    def __init__(
        self, name: str, args: FoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:foundation:Foundation", name, None, opts)
        keys = Keys(
            "keys",
            {
                "name_prefix": args["name_prefix"],
                "account_id": args["account_id"],
                "region": args["region"],
                "purposes": list(KEY_PURPOSES),
                "protect": args["protect"],
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.data_key_arn = keys.arns["data"]
        self.logs_key_arn = keys.arns["logs"]
        self.secrets_key_arn = keys.arns["secrets"]
        alerts = Alerts(
            "alerts",
            {
                "name_prefix": args["name_prefix"],
                "account_id": args["account_id"],
                "region": args["region"],
                "kms_key_arn": self.data_key_arn,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alerts_topic_arn = alerts.topic_arn
        self.register_outputs(
            {
                "data_key_arn": self.data_key_arn,
                "logs_key_arn": self.logs_key_arn,
                "secrets_key_arn": self.secrets_key_arn,
                "alerts_topic_arn": self.alerts_topic_arn,
            }
        )
