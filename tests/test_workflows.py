"""The GitHub Actions workflows, offline: actionlint over the files, and their structure (which
jobs run on which events, the packs every Pulumi command passes, the protected environment, OIDC
and no static AWS keys)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_DIR

GITHUB = PROJECT_DIR / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
PULUMI_ACTION = GITHUB / "actions" / "pulumi" / "action.yml"
LOCAL_PULUMI = "./.github/actions/pulumi"
STACKS = sorted(p.name.split(".")[1] for p in PROJECT_DIR.glob("Pulumi.*.yaml"))
PACKS = sorted(p.parent.name for p in (PROJECT_DIR / "policies").glob("*/PulumiPolicy.yaml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@v\d+$")


def actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    return str(found) if found.exists() else shutil.which("actionlint") or "actionlint"


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def workflow(name: str) -> dict[str, Any]:
    return load(GITHUB / "workflows" / f"{name}.yml")


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def pulumi_runs(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The `with:` of each run of the repository's Pulumi action in the job."""
    return [s["with"] for s in steps_using(job, LOCAL_PULUMI)]


def test_actionlint_passes_on_every_workflow() -> None:
    assert WORKFLOWS
    result = subprocess.run(
        [actionlint(), "-no-color", *map(str, WORKFLOWS)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (GITHUB / "workflows" / "deploy.yml").read_text()
    broken.write_text(text.replace("needs: dev", "needs: staging"))
    result = subprocess.run(
        [actionlint(), "-no-color", str(broken)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "staging" in result.stdout


def test_pull_requests_lint_test_then_preview_every_stack() -> None:
    pr = workflow("pull-request")
    assert pr["on"] == {"pull_request": {"branches": ["main"]}}
    jobs = pr["jobs"]
    assert [s["run"] for s in jobs["lint"]["steps"] if "run" in s] == ["make lint"]
    assert [s["run"] for s in jobs["test"]["steps"] if "run" in s] == ["make test"]
    preview = jobs["preview"]
    assert sorted(preview["needs"]) == ["lint", "test"]
    stacks = [entry["stack"] for entry in preview["strategy"]["matrix"]["include"]]
    assert STACKS and sorted(stacks) == STACKS
    (run,) = pulumi_runs(preview)
    assert run["command"] == "preview"
    assert run["stack"] == "${{ matrix.stack }}"
    assert run["comment-on-pr"] == "true"
    assert preview["permissions"]["pull-requests"] == "write"
    assert "environment" not in preview  # a preview waits for no reviewer


def test_a_push_to_main_deploys_dev_then_prd_through_the_protected_environment() -> None:
    deploy = workflow("deploy")
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    jobs = deploy["jobs"]
    assert sorted(jobs) == ["dev", "prd"]
    for stack, environment in (("dev", "development"), ("prd", "production")):
        job = jobs[stack]
        assert job["environment"] == environment
        (run,) = pulumi_runs(job)
        assert (run["command"], run["stack"]) == ("up", stack)
    assert jobs["prd"]["needs"] == "dev"
    # Only the deploy workflow runs `up`, and prd only from the protected environment.
    ups = [
        (name, job)
        for path in WORKFLOWS
        for name, job in load(path)["jobs"].items()
        for run in pulumi_runs(job)
        if run["command"] != "preview"
    ]
    assert sorted(name for name, _ in ups) == ["dev", "prd"]
    assert [job["environment"] for name, job in ups if name == "prd"] == ["production"]


def test_every_pulumi_command_runs_the_three_packs_with_the_stacks_config() -> None:
    action = load(PULUMI_ACTION)
    install, run = steps_using(action["runs"], "pulumi/actions")
    assert "with" not in install  # the CLI only, for `pulumi install`
    given = run["with"]
    assert given["command"] == "${{ inputs.command }}"
    assert given["stack-name"] == "${{ inputs.stack }}"
    packs = given["policyPacks"].splitlines()
    configs = given["policyPackConfigs"].splitlines()
    assert sorted(packs) == [f"policies/{p}" for p in PACKS] and len(PACKS) == 3
    assert configs == [f"{p}/${{{{ inputs.stack }}}}.json" for p in packs]
    for stack in STACKS:
        for config in configs:
            assert (PROJECT_DIR / config.replace("${{ inputs.stack }}", stack)).is_file()
    # Every Pulumi command of the workflows goes through this action, with a stack.
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():
            assert not steps_using(job, "pulumi/actions"), path
            for run in pulumi_runs(job):
                assert run["stack"] in STACKS or run["stack"] == "${{ matrix.stack }}"


def test_aws_access_is_oidc_only() -> None:
    action = load(PULUMI_ACTION)
    (credentials,) = steps_using(action["runs"], "aws-actions/configure-aws-credentials")
    assert set(credentials["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    for path in [*WORKFLOWS, PULUMI_ACTION]:
        text = path.read_text()
        assert not re.search(r"aws-access-key-id|aws-secret-access-key|AWS_SECRET|AKIA", text)
        assert "secrets." not in text, path
    for path in WORKFLOWS:
        document = load(path)
        assert document["permissions"] == {"contents": "read"}
        for name, job in document["jobs"].items():
            runs = pulumi_runs(job)
            permissions = job.get("permissions", {})
            # A token for OIDC exactly where a role is assumed.
            assert (permissions.get("id-token") == "write") == bool(runs), (path, name)
            for run in runs:
                assert run["role-to-assume"].startswith("${{ ")


def test_actions_are_pinned_by_major_version() -> None:
    uses = [
        str(step["uses"])
        for path in WORKFLOWS
        for job in load(path)["jobs"].values()
        for step in job.get("steps", [])
        if "uses" in step
    ] + [str(s["uses"]) for s in load(PULUMI_ACTION)["runs"]["steps"] if "uses" in s]
    remote = [u for u in uses if not u.startswith("./")]
    assert remote and all(PINNED.match(u) for u in remote), remote
    # One version of each action everywhere.
    versions: dict[str, set[str]] = {}
    for use in remote:
        name, version = use.split("@")
        versions.setdefault(name, set()).add(version)
    assert all(len(v) == 1 for v in versions.values()), versions


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_one_pulumi_operation_at_a_time_per_stack_never_cancelled(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        for run in pulumi_runs(job):
            stack = run["stack"]
            assert job["concurrency"] == {
                "group": f"pulumi-{stack}",
                "cancel-in-progress": False,
            }, name
