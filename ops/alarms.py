"""`alarms test`: put one of the stack's alarms in ALARM, to try the notification path."""

from __future__ import annotations

import click

from ops.console import note
from ops.context import Stack, stack_command
from ops.errors import ConfigError
from ops.status import ALARM_TYPES


@click.group()
def alarms() -> None:
    """The stack's CloudWatch alarms."""


@alarms.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@stack_command
def test(stack: Stack, name: str, yes: bool) -> None:
    """Set an alarm to ALARM to test its notifications.

    NAME is the alarm's name with or without the stack's prefix. The alarm goes back to its
    real state at its next evaluation.
    """
    prefix = f"{stack.outputs.name_prefix}-"
    full = name if name.startswith(prefix) else prefix + name
    cloudwatch = stack.aws.client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[full], AlarmTypes=ALARM_TYPES)
    alarm = next(iter(found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])), None)
    if alarm is None:
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=prefix, AlarmTypes=ALARM_TYPES
        )
        known = sorted(
            a["AlarmName"].removeprefix(prefix)
            for page in pages
            for a in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])
        )
        raise ConfigError(f"unknown alarm '{name}': {stack.label} has {', '.join(known) or 'none'}")
    actions = alarm.get("AlarmActions", [])
    if not yes:
        targets = ", ".join(a.rsplit(":", 1)[-1] for a in actions) or "no action"
        click.confirm(f"Set {full} to ALARM (notifies {targets})?", abort=True, err=True)
    cloudwatch.set_alarm_state(
        AlarmName=full,
        StateValue="ALARM",
        StateReason="Testing the notification path with `ops alarms test`",
    )
    note(f"{full} is in ALARM until its next evaluation")
