"""The plan runs the real policy packs as `pulumi preview --policy-pack` would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import plan.__main__ as plan_cli
from plan.policy_run import PolicyPackProcess
from tests.conftest import plan_output

POLICIES = plan_cli.PROJECT_DIR / "policies"


@pytest.mark.parametrize("pack_dir", plan_cli.POLICY_PACKS, ids=lambda p: p.name)
def test_each_pack_boots_and_answers_over_grpc(pack_dir: Path) -> None:
    with PolicyPackProcess(pack_dir) as pack:
        pack.wait_ready()
        info = pack.analyzer_info()
    assert info.name == f"webplatform-{pack_dir.name}"
    assert info.supportsConfig
    names = [p.name for p in info.policies]
    assert names and all(n.startswith(f"{pack_dir.name}-") for n in names)
    assert all(p.description and p.remediation_steps and p.severity for p in info.policies)


def test_the_plan_runs_all_three_packs() -> None:
    assert [p.name for p in plan_cli.POLICY_PACKS] == ["encryption", "guardrails", "tagging"]


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_both_stacks_plan_with_no_mandatory_violation(stack: str) -> None:
    status, out = plan_output(stack, "--json")
    assert status == 0
    violations = json.loads(out)["policyViolations"]
    assert [v for v in violations if v["enforcementLevel"] == "mandatory"] == []
    for violation in violations:
        assert set(violation) == {"pack", "policy", "enforcementLevel", "urn", "message"}


def copy_policies(tmp_path: Path) -> Path:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def protect_keys_in_dev(tmp_path: Path, exceptions: dict[str, str]) -> Path:
    """A copy of the guardrails pack whose dev config makes protecting KMS keys mandatory."""
    policies = copy_policies(tmp_path)
    config_file = policies / "guardrails" / "dev.json"
    config = json.loads(config_file.read_text())
    config["guardrails-aws-stateful-protect"] = {
        "enforcementLevel": "mandatory",
        "resourceTypes": ["aws:kms/key:Key"],
        "exceptions": exceptions,
    }
    config_file.write_text(json.dumps(config))
    return policies / "guardrails"


def test_a_violation_fails_the_plan_with_exit_1_and_is_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plan_cli, "POLICY_PACKS", [protect_keys_in_dev(tmp_path, {})])

    assert plan_cli.main(["dev"]) == 1
    text = capsys.readouterr().out
    # The foundation's three keys, the workflows key, the edge's us-east-1 logs key, the
    # pipeline key and the observability layer's us-east-1 alerts key.
    assert "Policy violations: 7 mandatory, " in text
    assert "  [mandatory] webplatform-guardrails/guardrails-aws-stateful-protect" in text
    keys = "webplatform:foundation:Foundation$webplatform:foundation:Keys"
    assert f"    urn:pulumi:dev::webplatform::{keys}$aws:kms/key:Key::keys-logs" in text


def test_an_exception_silences_a_policy_for_one_resource_and_the_plan_prints_why(
    tmp_path, monkeypatch, capsys
):
    reason = "dev keys are throwaway; prd protects them"
    excepted = {"keys-data": reason, "keys-secrets": reason, "workflows-key": reason}
    pack = protect_keys_in_dev(tmp_path, excepted)
    monkeypatch.setattr(plan_cli, "POLICY_PACKS", [pack])

    assert plan_cli.main(["dev"]) == 1
    lines = capsys.readouterr().out.splitlines()
    # keys-logs, the us-east-1 logs and alerts keys and the pipeline key are left.
    assert [line for line in lines if line.startswith("Policy violations: 4 mandatory, ")]
    assert not [line for line in lines if line.endswith(("::keys-data", "::keys-secrets"))]
    assert "  webplatform-guardrails/guardrails-aws-stateful-protect: keys-data: " + reason in lines
    assert (
        "  webplatform-guardrails/guardrails-aws-stateful-protect: keys-secrets: " + reason in lines
    )


def test_a_pack_that_fails_to_start_is_an_error_with_its_stderr(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (broken / "__main__.py").write_text("raise SystemExit('cannot load the policies: boom')\n")
    monkeypatch.setattr(plan_cli, "POLICY_PACKS", [*plan_cli.POLICY_PACKS, broken])

    assert plan_cli.main(["dev"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: policy pack 'broken': exited with status 1")
    assert "cannot load the policies: boom" in captured.err


def test_no_policy_skips_the_packs(monkeypatch, capsys) -> None:
    monkeypatch.setattr(plan_cli, "POLICY_PACKS", [Path("/nonexistent/pack")])
    assert plan_cli.main(["dev", "--no-policy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["policyViolations"] == []
