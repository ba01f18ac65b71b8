"""The stack outputs the CLI works from, as a typed model, and where they come from: the Pulumi
CLI (`pulumi stack output --json --show-secrets`) or a file holding that command's output."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from ops.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Output(BaseModel):
    """Outputs are camelCase; unknown keys are other tools' business."""

    model_config = ConfigDict(alias_generator=to_camel, extra="ignore", frozen=True)


class SecurityGroups(Output):
    alb: str
    app: str
    data: str
    endpoints: str | None = None
    """Only where the stack has interface endpoints (none in dev)."""


class ServiceOutputs(Output):
    service_name: str
    target_group_arn: str | None = None
    """None for a service that takes no web traffic."""
    log_group: str
    task_family: str
    container_name: str


class JobOutputs(Output):
    schedule_name: str
    dead_letter_queue_arn: str
    task_family: str
    container_name: str
    log_group: str
    command: str | None = None
    """The job's command, shell-quoted, when it runs a service's task (whose own command is
    the service's); None: the job's own task definition has it."""


class FunctionOutputs(Output):
    name: str
    arn: str
    log_group: str


class OpsHostOutputs(Output):
    instance_id: str
    database_tunnel: str
    cache_tunnel: str


class DatabaseOutputs(Output):
    endpoint: str
    reader_endpoint: str
    port: int


class CacheOutputs(Output):
    endpoint: str
    port: int


class CdnOutputs(Output):
    distribution_id: str
    url: str


class LogArchiveOutputs(Output):
    bucket: str
    athena_workgroup: str
    glue_database: str
    table: str


class StackOutputs(Output):
    region: str
    name_prefix: str
    """`<project>-<environment>`, which starts the name of everything the stack owns."""
    cluster_name: str
    parameter_path: str
    """`/<project>/<environment>`: the stack's SSM parameters live under it."""
    parameter_key_arn: str
    """The KMS key of the stack's SecureString parameters."""
    app_subnet_ids: list[str]
    security_group_ids: SecurityGroups
    services: dict[str, ServiceOutputs]
    jobs: dict[str, JobOutputs]
    functions: dict[str, FunctionOutputs]
    database: DatabaseOutputs
    cache: CacheOutputs
    ops_host: OpsHostOutputs | None = None
    cdn: CdnOutputs | None = None
    log_archive: LogArchiveOutputs | None = None
    alarms: list[str] | None = None


# What to do when a command needs an optional output the stack does not have.
MISSING_LAYER = {
    "opsHost": "enable opsHost in the stack config and run `pulumi up`",
    "cdn": "the stack has no edge layer with a CloudFront distribution yet",
    "logArchive": "the stack has no observability layer with a log archive yet",
}


def load(stack: str | None, path: Path | None) -> tuple[StackOutputs, str]:
    """The outputs and a label naming where they came from, for messages."""
    if path is not None:
        label = str(path)
        document = _parse(label, _read(path, stack))
    elif stack is not None:
        label = f"stack {stack}"
        document = _parse(label, _from_pulumi(stack))
    else:
        raise ConfigError(
            "which stack? pass --stack NAME (read with the Pulumi CLI) or --outputs FILE"
        )
    try:
        return StackOutputs.model_validate(document), label
    except ValidationError as error:
        raise ConfigError(_first_problem(label, error)) from None


def _read(path: Path, stack: str | None) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise ConfigError(
            f"cannot read the outputs file {path} ({error.strerror}): write it with "
            f"`pulumi stack output --json --show-secrets --stack {stack or '<stack>'} > {path}`"
        ) from None


def _from_pulumi(stack: str) -> str:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise ConfigError(
            "the Pulumi CLI is not on PATH: pass --outputs FILE, written by "
            f"`pulumi stack output --json --show-secrets --stack {stack} > FILE`"
        )
    command = [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", stack]
    done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigError(f"`pulumi stack output --stack {stack}` failed: {reason}")
    return done.stdout


def _parse(label: str, text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{label}: the outputs are not JSON ({error.msg} at line {error.lineno})"
        ) from None


def _first_problem(label: str, error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (
        f"{label}: output {where}: {first['msg'].lower()}{more}; "
        "outputs older than this CLI need a `pulumi up`"
    )
