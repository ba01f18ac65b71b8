"""The benchmark's grown stacks stay valid stack files (the benchmark runs only by hand)."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from components import config as stack_config
from plan import engine
from tests.conftest import PROJECT_DIR, write_stack

spec = importlib.util.spec_from_file_location("plan_bench", PROJECT_DIR / "bench" / "plan_bench.py")
assert spec and spec.loader
plan_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plan_bench)

PRD = yaml.safe_load((PROJECT_DIR / "Pulumi.prd.yaml").read_text())["config"]
VARIANTS = [
    pytest.param(changes, id=label)
    for _, variants in plan_bench.scaled_variants(PRD)
    for label, changes in variants
]


@pytest.mark.parametrize("changes", VARIANTS)
def test_each_grown_stack_is_a_valid_stack_file(tmp_path, changes) -> None:
    write_stack(tmp_path, "bench", {**PRD, **changes})
    project, values, secret_keys = engine.read_stack_config(PROJECT_DIR, "bench", tmp_path)
    config = stack_config.load(project, "bench", values, secret_keys)
    assert set(config.services) == set(
        changes.get("webplatform:services", PRD["webplatform:services"])
    )
