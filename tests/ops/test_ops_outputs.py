"""Where the outputs come from, what happens when they are missing or wrong, and the help."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from moto_stack import SAMPLE_OUTPUTS, Deployed

from ops.cli import main
from ops.outputs import StackOutputs
from tests.conftest import stack_plan

README = Path(__file__).resolve().parents[2] / "README.md"
LEAF_COMMANDS = [
    "status",
    "logs search",
    "logs insights",
    "logs archive query",
    "logs archive list",
    "logs archive fetch",
    "params list",
    "params get",
    "params put",
    "params delete",
    "jobs run",
    "exec",
    "db tunnel",
    "cache tunnel",
    "alarms test",
    "cdn invalidate",
]


def test_the_sample_outputs_follow_the_contract() -> None:
    outputs = StackOutputs.model_validate_json(SAMPLE_OUTPUTS.read_text())
    assert outputs.name_prefix == "webplatform-dev"
    assert outputs.services["worker"].target_group_arn is None
    assert outputs.jobs["nightly-report"].task_family == "webplatform-dev-worker"
    assert outputs.ops_host is not None and outputs.ops_host.instance_id.startswith("i-")
    assert outputs.security_group_ids.app.startswith("sg-")


@pytest.mark.parametrize("stack", ["dev", "prd"])
def test_the_stacks_outputs_follow_the_contract(stack: str) -> None:
    planned = stack_plan(stack).outputs
    outputs = StackOutputs.model_validate(json.loads(json.dumps(planned)))
    assert outputs.name_prefix == f"webplatform-{stack}"
    assert set(outputs.services) == set(planned["services"])
    assert outputs.log_archive is not None and outputs.alarms


def test_optional_sections_may_be_missing() -> None:
    document = json.loads(SAMPLE_OUTPUTS.read_text())
    for key in ("opsHost", "cdn", "logArchive", "alarms"):
        del document[key]
    outputs = StackOutputs.model_validate(document)
    assert (outputs.ops_host, outputs.cdn, outputs.log_archive, outputs.alarms) == (None,) * 4


def test_help_lists_every_command_with_a_line_each() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].splitlines()
    described = {line.strip().rsplit("  ", 1)[0].strip() for line in listed if line.strip()}
    assert described == set(LEAF_COMMANDS)
    assert "..." not in result.output.split("Commands:")[1]


def test_the_readme_lists_every_command() -> None:
    day_two = README.read_text().split("## Day two")[1].split("\n## ")[0]
    for command in LEAF_COMMANDS:
        assert f"\n    {command}  " in day_two, command


def test_without_a_stack_or_an_outputs_file(error_line: Callable[[Result, int], str]) -> None:
    line = error_line(CliRunner().invoke(main, ["status"]), 2)
    assert "--stack NAME" in line and "--outputs FILE" in line


def test_a_missing_outputs_file(
    tmp_path: Path, ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    line = error_line(ops("status", outputs=tmp_path / "nowhere.json"), 2)
    assert "cannot read the outputs file" in line
    assert "pulumi stack output --json --show-secrets" in line


def test_outputs_that_are_not_json(
    tmp_path: Path, ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text("Current stack is dev:\n")
    assert "are not JSON" in error_line(ops("status", outputs=path), 2)


def test_outputs_older_than_the_cli_name_the_missing_key(
    tmp_path: Path,
    deployed: Deployed,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    services = {
        name: {k: v for k, v in service.items() if k != "logGroup"}
        for name, service in deployed.outputs["services"].items()
    }
    path = deployed.outputs_with(tmp_path, services=services)
    line = error_line(ops("status", outputs=path), 2)
    assert "output services.web.logGroup: field required (and 1 more)" in line
    assert "pulumi up" in line


def fake_pulumi(directory: Path, body: str) -> None:
    """A `pulumi` on PATH that records its arguments and prints `body`."""
    script = directory / "pulumi"
    script.write_text(
        f'#!/bin/sh\necho "$@" > "{directory}/arguments"\ncat <<\'EOF\'\n{body}\nEOF\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_outputs_from_the_pulumi_cli(
    tmp_path: Path, deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pulumi(tmp_path, json.dumps(deployed.outputs))
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    result = CliRunner().invoke(main, ["status", "--json", "--stack", "dev"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cluster"] == "webplatform-dev"
    arguments = (tmp_path / "arguments").read_text().split()
    assert arguments == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]


def test_a_stack_name_without_the_pulumi_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error_line: Callable[[Result, int], str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    line = error_line(CliRunner().invoke(main, ["status", "--stack", "dev"]), 2)
    assert "the Pulumi CLI is not on PATH: pass --outputs FILE" in line


def test_the_pulumi_cli_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error_line: Callable[[Result, int], str]
) -> None:
    script = tmp_path / "pulumi"
    script.write_text("#!/bin/sh\necho 'error: no stack named prod found' >&2\nexit 255\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    line = error_line(CliRunner().invoke(main, ["status", "--stack", "prod"]), 2)
    assert line.endswith("failed: error: no stack named prod found")
