"""`python -m ops`: the commands, and one line instead of a traceback when AWS says no."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
from botocore.exceptions import BotoCoreError, ClientError

from ops.alarms import alarms
from ops.archive import archive
from ops.cdn import cdn
from ops.errors import ConfigError, from_boto
from ops.jobs import jobs
from ops.logs import logs
from ops.params import params
from ops.sessions import cache, db, exec_
from ops.status import status


class Commands(click.Group):
    """Lists every command, subcommands included, in the order they are added; makes every
    error one line: boto3's, and a subcommand's usage errors (without the usage)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(path, command.get_short_help_str(limit=60)) for path, command in leaves(self)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (BotoCoreError, ClientError) as error:
            raise from_boto(error) from None
        except click.UsageError as error:
            raise ConfigError(error.format_message()) from None


def leaves(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from leaves(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Day-two work on a deployed stack, from its outputs.

    Every command takes --stack NAME (outputs from the Pulumi CLI) or --outputs FILE, and the
    AWS options --region, --profile, --role and --mfa-serial. Exit status: 0 done, 1 AWS
    refused or failed, 2 a usage or configuration problem.
    """


logs.add_command(archive)
for command in (status, logs, params, jobs, exec_, db, cache, alarms, cdn):
    main.add_command(command)
