"""What every command gets: the stack's outputs and an AWS identity, chosen by the same options
on every command, and lookups that fail with one line naming what exists."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from ops import outputs as stack_outputs
from ops.aws import Aws
from ops.errors import ConfigError
from ops.options import option_group
from ops.outputs import FunctionOutputs, JobOutputs, ServiceOutputs, StackOutputs

T = TypeVar("T")


@dataclass(frozen=True)
class Stack:
    label: str
    """Where the outputs came from (`stack dev`, or the outputs file), for messages."""
    outputs: StackOutputs
    aws: Aws

    def service(self, name: str) -> ServiceOutputs:
        return pick(self.label, "service", name, self.outputs.services)

    def job(self, name: str) -> JobOutputs:
        return pick(self.label, "job", name, self.outputs.jobs)

    def function(self, name: str) -> FunctionOutputs:
        return pick(self.label, "function", name, self.outputs.functions)

    def need(self, value: T | None, output: str) -> T:
        """An optional section of the outputs that this command cannot do without."""
        if value is None:
            hint = stack_outputs.MISSING_LAYER.get(output, "run `pulumi up`")
            raise ConfigError(f"{self.label} has no {output} output: {hint}")
        return value


def pick(label: str, kind: str, name: str, known: Mapping[str, T]) -> T:
    if name in known:
        return known[name]
    choices = ", ".join(sorted(known)) or "none"
    raise ConfigError(f"unknown {kind} '{name}': {label} has {choices}")


def stack_command(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the options that choose the stack and the AWS identity; the command
    receives the `Stack` as its first argument. Apply it below the command's own options."""

    @functools.wraps(command)
    def run(
        stack: str | None,
        outputs: Path | None,
        region: str | None,
        profile: str | None,
        role: str | None,
        mfa_serial: str | None,
        **kwargs: Any,
    ) -> Any:
        loaded, label = stack_outputs.load(stack, outputs)
        aws = Aws(region or loaded.region, profile, role, mfa_serial)
        return command(Stack(label, loaded, aws), **kwargs)

    return option_group(
        click.option(
            "--stack", "-s", metavar="NAME", help="The stack, read with `pulumi stack output`."
        ),
        click.option(
            "--outputs",
            type=click.Path(dir_okay=False, path_type=Path),
            help="The stack's outputs from a file (`pulumi stack output --json --show-secrets`).",
        ),
        click.option("--region", help="AWS region [default: the stack's]."),
        click.option("--profile", help="AWS profile [default: the usual credential chain]."),
        click.option("--role", metavar="ARN", help="Assume this role first."),
        click.option("--mfa-serial", metavar="ARN", help="MFA device the role asks for."),
    )(run)
