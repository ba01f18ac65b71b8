"""`params`: the stack's SSM parameters, and only those: every name is resolved under the
stack's parameter path, and a name outside it is refused."""

from __future__ import annotations

import sys

import click

from ops.console import json_lines, note, table
from ops.context import Stack, stack_command
from ops.errors import AwsError, ConfigError


@click.group()
def params() -> None:
    """The stack's SSM parameters."""


def full_name(stack: Stack, name: str) -> str:
    """`web/KEY` or `/<project>/<env>/web/KEY`, as the full name; refuses other paths."""
    root = stack.outputs.parameter_path.rstrip("/")
    full = name if name.startswith("/") else f"{root}/{name}"
    if not full.startswith(f"{root}/") or full.endswith("/"):
        raise ConfigError(
            f"{name} is not one of {stack.label}'s parameters: their names start with {root}/"
        )
    return full


@params.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per parameter.")
@stack_command
def list_parameters(stack: Stack, as_json: bool) -> None:
    """List the stack's parameters (names, never values)."""
    root = stack.outputs.parameter_path.rstrip("/")
    pages = (
        stack.aws.client("ssm")
        .get_paginator("describe_parameters")
        .paginate(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]}])
    )
    found = sorted((p for page in pages for p in page["Parameters"]), key=lambda p: p["Name"])
    records = [
        {
            "name": p["Name"],
            "type": p["Type"],
            "version": p["Version"],
            "modified": p.get("LastModifiedDate"),
        }
        for p in found
    ]
    if as_json:
        json_lines(records)
        return
    table(
        ["name", "type", "version", "modified"],
        (
            [r["name"].removeprefix(f"{root}/"), r["type"], r["version"], r["modified"]]
            for r in records
        ),
        title=f"{stack.label}: parameters under {root}/",
    )


@params.command()
@click.argument("name")
@stack_command
def get(stack: Stack, name: str) -> None:
    """Print a parameter's decrypted value.

    NAME is relative to the stack's parameter path (web/SECRET_KEY) or the full name.
    """
    full = full_name(stack, name)
    ssm = stack.aws.client("ssm")
    try:
        parameter = ssm.get_parameter(Name=full, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        raise AwsError(f"no parameter {full}: see `params list`") from None
    click.echo(parameter["Value"])


@params.command()
@click.argument("name")
@click.option("--overwrite", is_flag=True, help="Replace the value of an existing parameter.")
@click.option("--description", help="What the parameter is for.")
@stack_command
def put(stack: Stack, name: str, overwrite: bool, description: str | None) -> None:
    """Set a SecureString from stdin or a hidden prompt.

    NAME is encrypted with the stack's parameter key. The value comes from stdin when it is
    piped, otherwise from a hidden prompt; never from the command line, where shell history
    and process lists would keep it.
    """
    full = full_name(stack, name)
    value = read_value()
    request = {
        "Name": full,
        "Value": value,
        "Type": "SecureString",
        "KeyId": stack.outputs.parameter_key_arn,
        "Overwrite": overwrite,
    }
    if description:
        request["Description"] = description
    ssm = stack.aws.client("ssm")
    try:
        version = ssm.put_parameter(**request)["Version"]
    except ssm.exceptions.ParameterAlreadyExists:
        raise ConfigError(f"{full} exists: pass --overwrite to change its value") from None
    note(f"{full}: version {version}")


def read_value() -> str:
    if sys.stdin.isatty():
        value: str = click.prompt("Value", hide_input=True, confirmation_prompt=True)
    else:
        value = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if not value:
        raise click.UsageError("the value is empty")
    return value


@params.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@stack_command
def delete(stack: Stack, name: str, yes: bool) -> None:
    """Delete a parameter, after confirmation."""
    full = full_name(stack, name)
    if not yes:
        click.confirm(f"Delete {full}?", abort=True, err=True)
    ssm = stack.aws.client("ssm")
    try:
        ssm.delete_parameter(Name=full)
    except ssm.exceptions.ParameterNotFound:
        raise AwsError(f"no parameter {full}: see `params list`") from None
    note(f"deleted {full}")
