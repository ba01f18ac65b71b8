"""`params` against SSM and KMS in moto."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result
from moto_stack import Deployed


def test_list_shows_the_stacks_parameters_without_values(ops: Callable[..., Result]) -> None:
    result = ops("params", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    names = [p["name"] for p in listed]
    assert "/webplatform/dev/web/SECRET_KEY" in names
    assert "/webplatform/dev/shared/DB_HOST" in names
    assert not any(name.startswith("/webplatform/prd/") for name in names)
    assert all(set(p) == {"name", "type", "version", "modified"} for p in listed)
    table = ops("params", "list")
    assert "web/SECRET_KEY" in table.stdout
    assert "web-secret-key" not in table.stdout


def test_get_decrypts_by_relative_or_full_name(ops: Callable[..., Result]) -> None:
    assert ops("params", "get", "web/SECRET_KEY").stdout == "web-secret-key\n"
    assert ops("params", "get", "/webplatform/dev/web/SECRET_KEY").stdout == "web-secret-key\n"


@pytest.mark.parametrize(
    "name",
    ["/webplatform/prd/web/SECRET_KEY", "/webplatform/devx/web/KEY", "/webplatform/dev", "web/"],
)
def test_names_outside_the_stacks_path_are_refused(
    name: str, ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    for command in (["get", name], ["put", name], ["delete", name, "--yes"]):
        line = error_line(ops("params", *command, input="value\n"), 2)
        assert "names start with /webplatform/dev/" in line


def test_put_from_stdin_encrypts_with_the_stacks_key(
    deployed: Deployed, ops: Callable[..., Result]
) -> None:
    result = ops("params", "put", "worker/API_TOKEN", input="token-1\n")
    assert result.exit_code == 0, result.output
    assert "/webplatform/dev/worker/API_TOKEN: version 1" in result.stderr
    described = deployed.client("ssm").describe_parameters(
        ParameterFilters=[{"Key": "Name", "Values": ["/webplatform/dev/worker/API_TOKEN"]}]
    )["Parameters"][0]
    assert described["Type"] == "SecureString"
    assert described["KeyId"] == deployed.outputs["parameterKeyArn"]
    assert ops("params", "get", "worker/API_TOKEN").stdout == "token-1\n"


def test_put_changes_an_existing_value_only_with_overwrite(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert ops("params", "put", "web/FEATURE_FLAGS", input="a").exit_code == 0
    line = error_line(ops("params", "put", "web/FEATURE_FLAGS", input="b"), 2)
    assert (
        line
        == "Error: /webplatform/dev/web/FEATURE_FLAGS exists: pass --overwrite to change its value"
    )
    assert ops("params", "get", "web/FEATURE_FLAGS").stdout == "a\n"
    result = ops("params", "put", "web/FEATURE_FLAGS", "--overwrite", input="b")
    assert "version 2" in result.stderr
    assert ops("params", "get", "web/FEATURE_FLAGS").stdout == "b\n"


def test_put_refuses_an_empty_value(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert "the value is empty" in error_line(ops("params", "put", "web/EMPTY", input=""), 2)


def test_delete_asks_first(
    deployed: Deployed, ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert ops("params", "put", "web/OLD_KEY", input="old").exit_code == 0
    declined = ops("params", "delete", "web/OLD_KEY", input="n\n")
    assert declined.exit_code == 1
    assert ops("params", "get", "web/OLD_KEY").stdout == "old\n"
    assert ops("params", "delete", "web/OLD_KEY", input="y\n").exit_code == 0
    assert "no parameter /webplatform/dev/web/OLD_KEY" in error_line(
        ops("params", "get", "web/OLD_KEY"), 1
    )
    assert "no parameter" in error_line(ops("params", "delete", "web/OLD_KEY", "--yes"), 1)
