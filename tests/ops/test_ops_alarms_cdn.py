"""`alarms test` against CloudWatch and `cdn invalidate` against CloudFront, in moto."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from moto_stack import Deployed


def alarm_state(deployed: Deployed, name: str) -> str:
    alarms = deployed.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarms[0]["StateValue"])


def test_alarms_test_asks_then_sets_alarm(deployed: Deployed, ops: Callable[..., Result]) -> None:
    name = "webplatform-dev-hello-errors"
    declined = ops("alarms", "test", "hello-errors", input="n\n")
    assert declined.exit_code == 1
    assert "notifies webplatform-dev-alerts" in declined.stderr
    assert alarm_state(deployed, name) != "ALARM"
    result = ops("alarms", "test", "hello-errors", "--yes")
    assert result.exit_code == 0, result.output
    assert alarm_state(deployed, name) == "ALARM"
    alarm = deployed.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert "ops alarms test" in alarm["StateReason"]


def test_alarms_test_knows_only_the_stacks_alarms(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    line = error_line(ops("alarms", "test", "webplatform-prd-web-5xx", "--yes"), 2)
    assert line.startswith("Error: unknown alarm 'webplatform-prd-web-5xx': ")
    assert line.endswith("has hello-errors, web-5xx, worker-cpu")


def test_cdn_invalidate_waits_for_completion(
    deployed: Deployed, ops: Callable[..., Result]
) -> None:
    result = ops("cdn", "invalidate")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("invalidated /* on https://dev.example.com (")
    result = ops("cdn", "invalidate", "/index.html", "/assets/*")
    assert result.exit_code == 0, result.output
    cloudfront = deployed.client("cloudfront")
    distribution = deployed.outputs["cdn"]["distributionId"]
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    paths = [
        cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["Paths"]["Items"]
        for i in listed["Items"]
    ]
    assert sorted(paths) == [["/*"], ["/index.html", "/assets/*"]]


def test_cdn_invalidate_refuses_relative_paths(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert "paths start with /: index.html" in error_line(ops("cdn", "invalidate", "index.html"), 2)


def test_cdn_invalidate_without_a_cdn(
    tmp_path: Path,
    deployed: Deployed,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    line = error_line(
        ops("cdn", "invalidate", outputs=deployed.outputs_with(tmp_path, cdn=None)), 2
    )
    assert "has no cdn output: the stack has no edge layer" in line
