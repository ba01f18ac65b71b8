"""`status` against the stack in moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from moto_stack import Deployed


def test_status_as_json(ops: Callable[..., Result]) -> None:
    result = ops("status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    services = {s["service"]: s for s in report["services"]}
    web, worker = services["web"], services["worker"]
    assert (web["desired"], web["running"]) == (2, 1)
    assert web["taskDefinition"] == "webplatform-dev-web:1"
    assert web["rollout"] == "IN_PROGRESS"
    assert web["targets"] == {"states": {"healthy": 2}, "reasons": []}
    assert (worker["desired"], worker["running"], worker["pending"]) == (1, 1, 0)
    assert worker["rollout"] == "COMPLETED"
    assert worker["targets"] is None
    alarms = {a["name"]: a for a in report["alarms"]}
    assert alarms["webplatform-dev-web-5xx"]["reason"] == "Threshold Crossed: 5 datapoints"
    assert "webplatform-dev-worker-cpu" not in alarms
    assert all(name.startswith("webplatform-dev-") for name in alarms)


def test_status_as_tables(ops: Callable[..., Result]) -> None:
    result = ops("status")
    assert result.exit_code == 0, result.output
    web = next(line for line in result.stdout.splitlines() if " web " in line)
    assert "webplatform-dev-web:1" in web
    assert "2 healthy" in web
    assert "IN_PROGRESS" in web
    assert "webplatform-dev-web-5xx" in result.stdout
    assert "webplatform-prd-web-5xx" not in result.stdout


def test_a_service_missing_from_the_cluster(
    tmp_path: Path, deployed: Deployed, ops: Callable[..., Result]
) -> None:
    services = {
        **deployed.outputs["services"],
        "api": {**deployed.outputs["services"]["worker"], "serviceName": "webplatform-dev-api"},
    }
    result = ops("status", "--json", outputs=deployed.outputs_with(tmp_path, services=services))
    assert result.exit_code == 0, result.output
    api = next(s for s in json.loads(result.stdout)["services"] if s["service"] == "api")
    assert api["rollout"] == "MISSING"
