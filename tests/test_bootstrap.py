"""The account program (`bootstrap/`): its plan passes the policy packs and declares the state
backend, the CI roles and the security baseline, each piece of the baseline switchable."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import plan.__main__ as plan_cli
from components.account.baseline import fsbp_standard_arn
from components.config import ConfigError
from components.config.account import load_account
from plan import engine
from tests.conftest import PROJECT_DIR, by_name, of_type

BOOTSTRAP = PROJECT_DIR / "bootstrap"
PROJECT = "webplatform-bootstrap"
REPOSITORY = "example-org/webplatform"


@functools.cache
def shared_plan() -> engine.Plan:
    return engine.run(BOOTSTRAP, "shared")


def plan_with(tmp_path: Path, **changes: Any) -> engine.Plan:
    """The shared stack file with some of its keys replaced."""
    stack = yaml.safe_load((BOOTSTRAP / "Pulumi.shared.yaml").read_text())
    stack["config"].update({f"{PROJECT}:{k}": v for k, v in changes.items()})
    (tmp_path / "Pulumi.test.yaml").write_text(yaml.safe_dump(stack))
    return engine.run(BOOTSTRAP, "test", tmp_path)


def document(resource: engine.Registration, key: str) -> dict[str, Any]:
    return json.loads(resource.inputs[key])


def test_the_shared_stack_plans_with_no_mandatory_violation(capsys) -> None:
    assert plan_cli.main(["shared", "--program", "bootstrap", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["project"] == PROJECT
    assert [v for v in result["policyViolations"] if v["enforcementLevel"] == "mandatory"] == []
    assert result["outputs"]["backendUrl"].startswith("s3://webplatform-pulumi-state-")
    assert result["outputs"]["secretsProvider"] == (
        "awskms://alias/webplatform-state?region=ap-northeast-1"
    )


def test_every_resource_goes_through_the_tagged_provider() -> None:
    plan = shared_plan()
    (provider,) = of_type(plan, "pulumi:providers:aws")
    assert provider.inputs["allowedAccountIds"] == ["111111111111"]
    assert provider.inputs["defaultTags"]["tags"] == {
        "Project": "webplatform",
        "Environment": "shared",
        "Owner": "platform-team",
        "ManagedBy": "pulumi",
    }
    custom = [r for r in plan.resources if r.custom and r.type.startswith("aws:")]
    assert custom and all(r.provider.startswith(provider.urn) for r in custom)


def test_the_state_bucket_is_versioned_encrypted_logged_and_tls_only() -> None:
    plan = shared_plan()
    state = by_name(plan, "aws:s3/bucket:Bucket", "state")
    name = state.inputs["bucket"]
    assert state.protect
    (key,) = [k for k in of_type(plan, "aws:kms/key:Key") if k.name == "state-keys-state"]
    assert key.inputs["enableKeyRotation"] is True and key.protect
    encryption = by_name(
        plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "state-encryption",
    )
    default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key.outputs["arn"]}
    versioning = by_name(plan, "aws:s3/bucketVersioning:BucketVersioning", "state-versioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    logging = by_name(plan, "aws:s3/bucketLogging:BucketLogging", "state-logging")
    assert logging.inputs["bucket"] == name
    assert logging.inputs["targetBucket"].startswith("webplatform-access-logs-")
    policy = document(by_name(plan, "aws:s3/bucketPolicy:BucketPolicy", "state-policy"), "policy")
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_ci_roles_trust_only_the_repository_and_its_subjects() -> None:
    plan = shared_plan()
    (oidc,) = of_type(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    expected = {
        "ci-preview": [f"repo:{REPOSITORY}:pull_request"],
        "ci-deploy": [
            f"repo:{REPOSITORY}:environment:development",
            f"repo:{REPOSITORY}:environment:production",
        ],
    }
    for name, subjects in expected.items():
        (statement,) = document(by_name(plan, "aws:iam/role:Role", name), "assumeRolePolicy")[
            "Statement"
        ]
        assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": subjects,
            }
        }


def test_the_preview_role_reads_the_state_and_writes_only_the_lock() -> None:
    plan = shared_plan()
    bucket = by_name(plan, "aws:s3/bucket:Bucket", "state").inputs["bucket"]
    key = by_name(plan, "aws:kms/key:Key", "state-keys-state").outputs["arn"]
    statements = document(by_name(plan, "aws:iam/rolePolicy:RolePolicy", "ci-preview"), "policy")[
        "Statement"
    ]
    writes = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert [s["Resource"] for s in writes] == [f"arn:aws:s3:::{bucket}/.pulumi/locks/*"]
    (kms,) = [s for s in statements if s["Sid"] == "UseTheStateKey"]
    assert kms["Resource"] == key and "kms:Encrypt" not in kms["Action"]
    assert [s["Sid"] for s in statements] == [
        "ListState",
        "ReadState",
        "TakeTheLock",
        "UseTheStateKey",
    ]
    assert not of_type_attached(plan, "ci-preview")


def of_type_attached(plan: engine.Plan, role: str) -> list[engine.Registration]:
    return [
        a
        for a in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == f"webplatform-{role}"
    ]


def test_the_deploy_role_manages_the_projects_roles_but_never_the_ci_roles() -> None:
    plan = shared_plan()
    statements = document(by_name(plan, "aws:iam/rolePolicy:RolePolicy", "ci-deploy"), "policy")[
        "Statement"
    ]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["ProjectRoles"]["Resource"] == [
        "arn:aws:iam::111111111111:role/webplatform-*",
        "arn:aws:iam::111111111111:instance-profile/webplatform-*",
    ]
    assert by_sid["NotTheCiRoles"] == {
        "Sid": "NotTheCiRoles",
        "Effect": "Deny",
        "Action": "iam:*",
        "Resource": "arn:aws:iam::111111111111:role/webplatform-ci-*",
    }
    assert [a.inputs["policyArn"] for a in of_type_attached(plan, "ci-deploy")] == [
        "arn:aws:iam::aws:policy/PowerUserAccess"
    ]


def test_the_trail_is_multi_region_validated_encrypted_and_its_bucket_admits_only_it() -> None:
    plan = shared_plan()
    trail = by_name(plan, "aws:cloudtrail/trail:Trail", "baseline")
    key = by_name(plan, "aws:kms/key:Key", "baseline-keys-trail")
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs["kmsKeyId"] == key.outputs["arn"]
    bucket_name = trail.inputs["s3BucketName"]
    policy = document(
        by_name(plan, "aws:s3/bucketPolicy:BucketPolicy", "baseline-trail-logs-policy"), "policy"
    )
    trail_arn = f"arn:aws:cloudtrail:ap-northeast-1:111111111111:trail/{trail.inputs['name']}"
    cloudtrail = [s for s in policy["Statement"] if s.get("Principal") != "*"]
    assert {s["Action"] for s in cloudtrail} == {"s3:GetBucketAcl", "s3:PutObject"}
    for statement in cloudtrail:
        assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    (write,) = [s for s in cloudtrail if s["Action"] == "s3:PutObject"]
    assert write["Resource"] == f"arn:aws:s3:::{bucket_name}/AWSLogs/111111111111/*"
    key_policy = document(key, "policy")["Statement"]
    (encrypt,) = [s for s in key_policy if s["Action"] == "kms:GenerateDataKey*"]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:cloudtrail:ap-northeast-1:111111111111:trail/*"
    }
    # The trail bucket's own access logs, and the state's, land in the access-logs bucket.
    access_logs = document(
        by_name(plan, "aws:s3/bucketPolicy:BucketPolicy", "state-access-logs-policy"), "policy"
    )
    (writer,) = [s for s in access_logs["Statement"] if s["Sid"] == "S3ServerAccessLogs"]
    sources = writer["Condition"]["ArnLike"]["aws:SourceArn"]
    assert f"arn:aws:s3:::{bucket_name}" in sources and len(sources) == 2


def test_security_hub_subscribes_fsbp_in_the_region_and_nothing_by_default() -> None:
    plan = shared_plan()
    hub = by_name(plan, "aws:securityhub/account:Account", "baseline")
    assert hub.inputs["enableDefaultStandards"] is False
    (standard,) = of_type(plan, "aws:securityhub/standardsSubscription:StandardsSubscription")
    assert standard.inputs["standardsArn"] == (
        "arn:aws:securityhub:ap-northeast-1::standards/"
        "aws-foundational-security-best-practices/v/1.0.0"
    )
    assert hub.urn in standard.dependencies
    assert fsbp_standard_arn("eu-west-1").startswith("arn:aws:securityhub:eu-west-1::")
    (detector,) = of_type(plan, "aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    (analyzer,) = of_type(plan, "aws:accessanalyzer/analyzer:Analyzer")
    assert analyzer.inputs["type"] == "ACCOUNT"


def test_each_piece_of_the_baseline_can_be_switched_off(tmp_path: Path) -> None:
    off = {"cloudTrail": False, "guardDuty": False, "securityHub": False, "accessAnalyzer": False}
    plan = plan_with(tmp_path, baseline=off)
    types = {r.type for r in plan.resources}
    for gone in (
        "aws:cloudtrail/trail:Trail",
        "aws:guardduty/detector:Detector",
        "aws:securityhub/account:Account",
        "aws:accessanalyzer/analyzer:Analyzer",
    ):
        assert gone not in types
    buckets = [b.name for b in of_type(plan, "aws:s3/bucket:Bucket")]
    assert sorted(buckets) == ["state", "state-access-logs"]
    assert [k.name for k in of_type(plan, "aws:kms/key:Key")] == ["state-keys-state"]
    assert plan.outputs["trailArn"] == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"github": {"repository": "not a repository"}},
            f"{PROJECT}:github.repository: does not have the expected form",
        ),
        (
            {"github": {"repository": REPOSITORY, "deployPolicyArns": ["AdministratorAccess"]}},
            f"{PROJECT}:github.deployPolicyArns[0]:",
        ),
        ({"baseline": {"guardduty": False}}, "unknown key; did you mean 'guardDuty'?"),
        ({"accountId": "42"}, f"{PROJECT}:accountId:"),
    ],
)
def test_a_bad_value_names_the_file_and_the_key(changes: dict[str, Any], message: str) -> None:
    values = {
        "aws:region": "ap-northeast-1",
        f"{PROJECT}:owner": "platform-team",
        f"{PROJECT}:accountId": "111111111111",
        f"{PROJECT}:github": json.dumps({"repository": REPOSITORY}),
    }
    values.update({f"{PROJECT}:{k}": json.dumps(v) if not isinstance(v, str) else v
                   for k, v in changes.items()})  # fmt: skip
    with pytest.raises(ConfigError) as error:
        load_account(PROJECT, "shared", values)
    assert str(error.value).startswith("Pulumi.shared.yaml: ")
    assert message in str(error.value)
