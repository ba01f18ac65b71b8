"""AWS Backup: a daily plan of the database and the tables into an encrypted vault."""

import json

import pytest

from tests.conftest import by_name, of_type, stack_plan

VAULT = "aws:backup/vault:Vault"


def test_prd_backs_up_the_cluster_and_every_table_into_a_vault_on_the_data_key() -> None:
    plan = stack_plan("prd")
    vault = by_name(plan, VAULT, "backup")
    key = by_name(plan, "aws:kms/key:Key", "keys-data").outputs["arn"]
    assert (vault.inputs["name"], vault.inputs["kmsKeyArn"]) == ("webplatform-prd", key)
    assert vault.protect
    (rule,) = by_name(plan, "aws:backup/plan:Plan", "backup").inputs["rules"]
    assert rule["targetVaultName"] == vault.outputs["name"]
    assert rule["schedule"] == "cron(0 19 * * ? *)"
    assert rule["lifecycle"] == {"deleteAfter": 35}
    selection = by_name(plan, "aws:backup/selection:Selection", "backup").inputs
    cluster = by_name(plan, "aws:rds/cluster:Cluster", "database").outputs["arn"]
    table = by_name(plan, "aws:dynamodb/table:Table", "tables-sessions").outputs["arn"]
    assert selection["resources"] == [cluster, table]
    role = by_name(plan, "aws:iam/role:Role", "backup")
    assert selection["iamRoleArn"] == role.outputs["arn"]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = {
        a.inputs["policyArn"].rsplit("/", 1)[1]
        for a in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("backup-")
    }
    assert attached == {
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForRestores",
    }
    assert of_type(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration") == []


def test_dev_has_no_backup_plan() -> None:
    assert of_type(stack_plan("dev"), VAULT) == []


def test_the_vault_lock_holds_recovery_points_for_the_retention(plan_stack) -> None:
    plan = plan_stack("prd", backup={"vaultLock": True, "retentionDays": 90})
    lock = of_type(plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert [r.inputs["minRetentionDays"] for r in lock] == [90]


@pytest.mark.parametrize(
    ("backup", "message"),
    [
        ({"retentionDays": 0}, "backup.retentionDays: must be 1 or more (days), got 0"),
        (
            {"schedule": "rate(1 day)"},
            "backup.schedule: expected cron(minutes hours day-of-month month day-of-week year)",
        ),
    ],
)
def test_backup_mistakes(backup, message) -> None:
    from components import config as stack_config
    from tests.test_config import load

    with pytest.raises(stack_config.ConfigError) as raised:
        load("prd", backup=backup)
    assert str(raised.value).startswith(f"Pulumi.prd.yaml: webplatform:{message}"), raised.value
