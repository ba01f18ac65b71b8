"""AWS Backup for the stateful stores: a daily plan into an encrypted vault, so a deleted
cluster or table can still be restored (automated RDS backups live and die with the cluster)."""

import json
from collections.abc import Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.platform import Platform

SERVICE_POLICIES = (
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
)


class BackupSettings(TypedDict):
    """What the stack config says of AWS Backup."""

    schedule: str
    """When the daily backup starts: a cron() expression in UTC."""
    retention_days: int
    """Days each recovery point is kept."""
    vault_lock: bool
    """Lock the vault (governance mode): recovery points cannot be deleted before
    `retention_days`, even by the account's administrators, while the lock holds."""


class BackupArgs(TypedDict):
    platform: Platform
    """Name prefix, region, account, keys, log retention and protection."""
    settings: BackupSettings
    """The plan's schedule, retention and lock."""
    resource_arns: Sequence[pulumi.Input[str]]
    """What is backed up: the Aurora cluster and the DynamoDB tables."""


class Backup(pulumi.ComponentResource):
    """A vault encrypted with the data key, a daily plan and a selection of the stores."""

    vault_name: pulumi.Output[str]
    """The backup vault."""
    plan_id: pulumi.Output[str]
    """The backup plan."""

    def __init__(
        self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("webplatform:data:Backup", name, None, opts)
        platform, settings = args["platform"], args["settings"]
        prefix = platform["name_prefix"]
        vault = aws.backup.Vault(
            name,
            name=prefix,
            kms_key_arn=platform["data_key_arn"],
            opts=pulumi.ResourceOptions(parent=self, protect=platform["protect"]),
        )
        if settings["vault_lock"]:
            aws.backup.VaultLockConfiguration(
                name,
                backup_vault_name=vault.name,
                min_retention_days=settings["retention_days"],
                opts=pulumi.ResourceOptions(parent=self),
            )
        plan = aws.backup.Plan(
            name,
            name=prefix,
            rules=[
                {
                    "rule_name": "daily",
                    "target_vault_name": vault.name,
                    "schedule": settings["schedule"],
                    "start_window": 60,
                    "completion_window": 360,
                    "lifecycle": {"delete_after": settings["retention_days"]},
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = aws.iam.Role(
            name,
            name=f"{prefix}-backup",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": platform["account_id"]}
                            },
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy.rsplit('For', 1)[1].lower()}",
                role=role.name,
                policy_arn=policy,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in SERVICE_POLICIES
        ]
        aws.backup.Selection(
            name,
            name=prefix,
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(args["resource_arns"]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
        self.vault_name = vault.name
        self.plan_id = plan.id
        self.register_outputs({"vault_name": self.vault_name, "plan_id": self.plan_id})
