"""`status`: per service its tasks, its deployment and rollout, its targets' health; and the
stack's alarms now in ALARM."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from ops.console import table
from ops.context import Stack, stack_command
from ops.outputs import ServiceOutputs

DESCRIBE_SERVICES_LIMIT = 10
ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of tables.")
@stack_command
def status(stack: Stack, as_json: bool) -> None:
    """Tasks, deployments, target health, alarms in ALARM.

    Per service: running, desired and pending tasks, the task definition of the primary
    deployment and its rollout state, and the health of its load balancer targets. Then the
    alarms whose names start with the stack's prefix and that are in ALARM now.
    """
    report: dict[str, Any] = {
        "cluster": stack.outputs.cluster_name,
        "services": service_status(stack),
        "alarms": alarms_in_alarm(stack),
    }
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    table(
        ["service", "running", "desired", "pending", "task definition", "rollout", "targets"],
        (
            [
                s["service"],
                s["running"],
                s["desired"],
                s["pending"],
                s["taskDefinition"],
                rollout_text(s),
                targets_text(s["targets"]),
            ]
            for s in report["services"]
        ),
        title=f"{stack.label}: cluster {stack.outputs.cluster_name}",
    )
    if report["alarms"]:
        table(
            ["alarm", "since", "reason"],
            ([a["name"], a["since"], a["reason"]] for a in report["alarms"]),
            title="Alarms in ALARM",
        )
    else:
        click.echo("No alarm is in ALARM.")


def service_status(stack: Stack) -> list[dict[str, Any]]:
    ecs = stack.aws.client("ecs")
    wanted = stack.outputs.services
    names = [s.service_name for s in wanted.values()]
    described: dict[str, dict[str, Any]] = {}
    for first in range(0, len(names), DESCRIBE_SERVICES_LIMIT):
        chunk = names[first : first + DESCRIBE_SERVICES_LIMIT]
        response = ecs.describe_services(cluster=stack.outputs.cluster_name, services=chunk)
        described.update({s["serviceName"]: s for s in response["services"]})
    return [
        one_service(stack, name, outputs, described.get(outputs.service_name))
        for name, outputs in wanted.items()
    ]


def one_service(
    stack: Stack, name: str, outputs: ServiceOutputs, described: dict[str, Any] | None
) -> dict[str, Any]:
    if described is None or described.get("status") != "ACTIVE":
        return {
            "service": name,
            "running": None,
            "desired": None,
            "pending": None,
            "taskDefinition": None,
            "rollout": "MISSING",
            "rolloutReason": f"no active service {outputs.service_name}",
            "deployments": 0,
            "targets": None,
        }
    deployments = described.get("deployments", [])
    primary: dict[str, Any] = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    return {
        "service": name,
        "running": described["runningCount"],
        "desired": described["desiredCount"],
        "pending": described["pendingCount"],
        "taskDefinition": described["taskDefinition"].rsplit("/", 1)[-1],
        "rollout": primary.get("rolloutState", "UNKNOWN"),
        "rolloutReason": primary.get("rolloutStateReason", ""),
        "deployments": len(deployments),
        "targets": target_health(stack, outputs.target_group_arn),
    }


def target_health(stack: Stack, target_group_arn: str | None) -> dict[str, Any] | None:
    if target_group_arn is None:
        return None
    response = stack.aws.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
    descriptions = response["TargetHealthDescriptions"]
    states = Counter(d["TargetHealth"]["State"] for d in descriptions)
    reasons = sorted(
        {
            d["TargetHealth"]["Description"]
            for d in descriptions
            if d["TargetHealth"]["State"] != "healthy" and d["TargetHealth"].get("Description")
        }
    )
    return {"states": dict(sorted(states.items())), "reasons": reasons}


def alarms_in_alarm(stack: Stack) -> list[dict[str, Any]]:
    """The stack's alarms (named `<name prefix>-...`) in ALARM. DescribeAlarms filters by state
    here and by name in code: an account has few alarms in ALARM at a time."""
    prefix = f"{stack.outputs.name_prefix}-"
    pages = (
        stack.aws.client("cloudwatch")
        .get_paginator("describe_alarms")
        .paginate(StateValue="ALARM", AlarmTypes=ALARM_TYPES)
    )
    found = [
        alarm
        for page in pages
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
        if alarm["AlarmName"].startswith(prefix)
    ]
    return [
        {
            "name": alarm["AlarmName"],
            "since": alarm["StateUpdatedTimestamp"].isoformat(timespec="seconds"),
            "reason": alarm.get("StateReason", ""),
        }
        for alarm in sorted(found, key=lambda a: a["AlarmName"])
    ]


def rollout_text(service: dict[str, Any]) -> str:
    text = str(service["rollout"])
    if service["deployments"] > 1:
        text += f" ({service['deployments']} deployments)"
    if service["rollout"] in ("FAILED", "MISSING") and service["rolloutReason"]:
        text += f": {service['rolloutReason']}"
    return text


def targets_text(targets: dict[str, Any] | None) -> str:
    if targets is None:
        return "-"
    if not targets["states"]:
        return "none registered"
    text = ", ".join(f"{count} {state}" for state, count in targets["states"].items())
    return text + "".join(f" ({reason})" for reason in targets["reasons"])
