"""Shared helpers: run the real program offline against a stack file the test writes."""

from __future__ import annotations

import functools
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
