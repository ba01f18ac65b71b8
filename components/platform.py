"""What every layer needs, passed once: one small typed value built after the foundation."""

from typing import TypedDict

import pulumi


class Platform(TypedDict):
    """The stack's identity, its keys and its defaults, shared by every layer."""

    name_prefix: str
    """`<project>-<environment>`, the start of every Name tag and physical name."""
    region: str
    """The stack's region, for service principals, endpoints and ARNs."""
    account_id: str
    """The stack's AWS account, for ARNs and for the trust and key policies' conditions."""
    log_retention_days: int
    """Retention of every CloudWatch log group the stack creates."""
    protect: bool
    """Pulumi `protect` (and deletion protection where AWS has it) on stateful resources."""
    data_key_arn: pulumi.Input[str]
    """KMS key for data stores, buckets, queues and topics."""
    logs_key_arn: pulumi.Input[str]
    """KMS key for CloudWatch log groups."""
    secrets_key_arn: pulumi.Input[str]
    """KMS key for Secrets Manager secrets and SSM SecureString parameters."""
