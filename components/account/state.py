"""The Pulumi state backend of an account: a versioned, KMS-encrypted, access-logged, TLS-only
bucket for `pulumi login s3://...`, and the key of the `awskms://` secrets provider."""

from collections.abc import Sequence
from typing import TypedDict

import pulumi

from components.data.bucket import Bucket
from components.data.storage import bucket_suffix, s3_access_log_statement
from components.foundation.keys import Keys

STATE_KEY_PURPOSE = "state"


def account_bucket_names(project: str, account_id: str, region: str) -> dict[str, str]:
    """The physical name of each of the account's buckets, by purpose."""
    suffix = bucket_suffix(account_id, region)
    return {
        purpose: f"{project}-{purpose}-{suffix}"
        for purpose in ("pulumi-state", "access-logs", "cloudtrail")
    }


class StateBackendArgs(TypedDict):
    name_prefix: str
    """`<project>`: the key alias is `alias/<name_prefix>-state`."""
    account_id: str
    """The account; its administrators manage the key and the buckets through IAM."""
    region: str
    """The region of the bucket and the key."""
    state_bucket_name: str
    """Physical name of the state bucket."""
    access_logs_bucket_name: str
    """Physical name of the bucket that receives the account's S3 server access logs."""
    logged_bucket_names: Sequence[str]
    """Every bucket whose server access logs go to the access-logs bucket (the state bucket
    and, with the baseline, the trail's)."""
    noncurrent_version_days: int
    """Days the state bucket keeps replaced versions of the state files."""
    access_log_days: int
    """Days the access-logs bucket keeps logs."""
    protect: bool
    """Pulumi `protect` on the key and the buckets: the state and its secrets are lost with
    them."""


class StateBackend(pulumi.ComponentResource):
    """The state bucket, the access-logs bucket and the state key.

    Server access logging cannot write to a bucket with SSE-KMS default encryption, so the
    access-logs bucket uses SSE-S3; the state bucket uses the state key, as do the Pulumi
    secrets of every stack (`--secrets-provider awskms://<alias>?region=<region>`).
    """

    bucket: pulumi.Output[str]
    """The state bucket's name, for `pulumi login s3://<bucket>`."""
    key_arn: pulumi.Output[str]
    """The state key's ARN."""
    key_alias: pulumi.Output[str]
    """The state key's alias, for `--secrets-provider awskms://<alias>?region=<region>`."""
    access_logs_bucket: pulumi.Output[str]
    """The access-logs bucket's name."""

    def __init__(
        self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:account:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keys = Keys(
            f"{name}-keys",
            {
                "name_prefix": args["name_prefix"],
                "account_id": args["account_id"],
                "region": args["region"],
                "purposes": [STATE_KEY_PURPOSE],
                "protect": args["protect"],
            },
            opts=child,
        )
        key_arn = keys.arns.apply(lambda arns: arns[STATE_KEY_PURPOSE])
        access_logs_name = args["access_logs_bucket_name"]
        access_logs = Bucket(
            f"{name}-access-logs",
            {
                "bucket_name": access_logs_name,
                "encryption": "s3",
                "versioning": False,
                "expire_days": args["access_log_days"],
                "policy_statements": [
                    s3_access_log_statement(
                        f"arn:aws:s3:::{access_logs_name}",
                        args["account_id"],
                        args["logged_bucket_names"],
                    )
                ],
                "protect": args["protect"],
            },
            opts=child,
        )
        state = Bucket(
            name,
            {
                "bucket_name": args["state_bucket_name"],
                "kms_key_arn": key_arn,
                "noncurrent_expire_days": args["noncurrent_version_days"],
                "access_logs_bucket": access_logs.bucket,
                "protect": args["protect"],
            },
            opts=child,
        )

        self.bucket = state.bucket
        self.key_arn = key_arn
        self.key_alias = pulumi.Output.from_input(
            f"alias/{args['name_prefix']}-{STATE_KEY_PURPOSE}"
        )
        self.access_logs_bucket = access_logs.bucket
        self.register_outputs(
            {
                "bucket": self.bucket,
                "key_arn": self.key_arn,
                "key_alias": self.key_alias,
                "access_logs_bucket": self.access_logs_bucket,
            }
        )
