"""Shared helpers: run the real program offline against a stack file the test writes.

The repository's program is planned once per stack file and test process: `engine.run` of it with
a stack file already planned hands out a copy of that plan (the program, the mock engine and so
the plan depend only on the stack file's name and text), and `python -m plan` with the same
arguments runs once (`plan_output`). Under pytest-xdist that is once per worker (`make test`
uses `--dist worksteal`: an idle worker takes tests queued for a busy one). Other programs
(the fixtures) run every time.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from plan import engine

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The smallest valid stack file of each tier.
MINIMAL = {
    "dev": {
        "webplatform:environment": "dev",
        "webplatform:owner": "platform-team",
        "webplatform:accountId": "111111111111",
        "webplatform:network": {"cidr": "10.10.0.0/16"},
    },
    "prd": {
        "webplatform:environment": "prd",
        "webplatform:owner": "platform-team",
        "webplatform:accountId": "222222222222",
        "webplatform:network": {"cidr": "10.20.0.0/16"},
    },
}


_PLANS: dict[str, engine.Plan] = {}
_run_program = engine.run


def _run_once_per_stack_file(
    project_dir: Path, stack: str, stack_config_dir: Path | None = None
) -> engine.Plan:
    stack_file = Path(stack_config_dir or project_dir) / f"Pulumi.{stack}.yaml"
    if Path(project_dir).resolve() != PROJECT_DIR or not stack_file.is_file():
        return _run_program(project_dir, stack, stack_config_dir)
    key = hashlib.sha256(f"{stack}\n{stack_file.read_text(encoding='utf-8')}".encode()).hexdigest()
    if key not in _PLANS:
        _PLANS[key] = _run_program(project_dir, stack, stack_config_dir)
    return copy.deepcopy(_PLANS[key])


engine.run = _run_once_per_stack_file


def write_stack(directory: Path, stack: str, config: dict[str, Any]) -> Path:
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


@pytest.fixture
def plan_stack(tmp_path: Path) -> Callable[..., engine.Plan]:
    """Plan the real program with a stack file made of a tier's minimal config plus changes.

    A change whose value is None removes the key.
    """

    def run(tier: str, **changes: Any) -> engine.Plan:
        config = {**MINIMAL[tier]}
        for key, value in changes.items():
            full_key = key if ":" in key else f"webplatform:{key}"
            if value is None:
                config.pop(full_key, None)
            else:
                config[full_key] = value
        write_stack(tmp_path, "test", config)
        return engine.run(PROJECT_DIR, "test", tmp_path)

    return run


def of_type(plan: engine.Plan, type_token: str) -> list[engine.Registration]:
    return [r for r in plan.resources if r.type == type_token]


def by_name(plan: engine.Plan, type_token: str, name: str) -> engine.Registration:
    (found,) = [r for r in of_type(plan, type_token) if r.name == name]
    return found


@functools.cache
def stack_plan(stack: str) -> engine.Plan:
    """The plan of a stack file of the repository, made once per test session."""
    return engine.run(PROJECT_DIR, stack, PROJECT_DIR)


@functools.cache
def plan_output(*args: str) -> tuple[int, str]:
    """`python -m plan ARGS` (the packs included unless ARGS skip them), run once per test
    session: its exit status and what it printed on stdout."""
    from plan.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(args))
    return status, out.getvalue()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (pulumi_aws and the rest) lives to the end: the cycle collector
    need not look at it again."""
    gc.freeze()
