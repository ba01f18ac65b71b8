"""Interactive sessions through Session Manager: `exec` (ECS Exec into a service's task) and
`db tunnel` / `cache tunnel` (port forwarding through the operation host).

Both do what the AWS CLI's `ecs execute-command` and `ssm start-session` do: ask AWS for a
session with boto3 (so --profile, --role and MFA apply), then hand it to the user's
`session-manager-plugin`, which carries the terminal or the forwarded port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from ops.console import note
from ops.context import Stack, stack_command
from ops.errors import AwsError, ConfigError

PLUGIN = "session-manager-plugin"
PLUGIN_HELP = (
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "session-manager-working-with-install-plugin.html"
)
# Newer plugins read the session from this variable, which keeps its token out of `ps`.
SESSION_VARIABLE = "AWS_SSM_START_SESSION_RESPONSE"
LAST_PLUGIN_WITHOUT_VARIABLE = (1, 2, 497, 0)
PORT_FORWARDING = "AWS-StartPortForwardingSessionToRemoteHost"
LOCAL_PORT_OFFSET = 10000


def plugin_path() -> str:
    path = shutil.which(PLUGIN)
    if path is None:
        raise ConfigError(
            f"{PLUGIN} is not on PATH: install the Session Manager plugin ({PLUGIN_HELP})"
        )
    return path


def plugin_version(path: str) -> tuple[int, ...]:
    done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return tuple(int(part) for part in re.findall(r"\d+", done.stdout)[:4])


def hand_over(
    stack: Stack, plugin: str, session: dict[str, Any], client: Any, request: dict[str, Any]
) -> int:
    """Run the plugin on a started session until the user ends it; its exit status."""
    environment = {**os.environ, **stack.aws.credential_environment()}
    response = json.dumps(session)
    if plugin_version(plugin) > LAST_PLUGIN_WITHOUT_VARIABLE:
        environment[SESSION_VARIABLE] = response
        response = SESSION_VARIABLE
    command = [
        plugin,
        response,
        client.meta.region_name,
        "StartSession",
        "",  # no profile: the credentials are in the environment
        json.dumps(request),
        client.meta.endpoint_url,
    ]
    with keyboard_signals_to_plugin():
        return subprocess.call(command, env=environment)


@contextmanager
def keyboard_signals_to_plugin() -> Iterator[None]:
    """Ctrl-C and Ctrl-Z belong to the remote shell while the plugin runs, not to us."""
    names = [n for n in ("SIGINT", "SIGQUIT", "SIGTSTP") if hasattr(signal, n)]
    saved = {n: signal.signal(getattr(signal, n), signal.SIG_IGN) for n in names}
    try:
        yield
    finally:
        for name, handler in saved.items():
            signal.signal(getattr(signal, name), handler)


@click.command("exec")
@click.argument("service")
@click.option(
    "--command", default="/bin/sh", show_default=True, help="What to run in the container."
)
@click.option("--task", "task_id", metavar="ID", help="This task [default: the first running one].")
@stack_command
def exec_(stack: Stack, service: str, command: str, task_id: str | None) -> None:
    """ECS Exec into a running task of a service.

    Needs the Session Manager plugin (session-manager-plugin on PATH).
    """
    outputs = stack.service(service)
    plugin = plugin_path()
    ecs = stack.aws.client("ecs")
    cluster = stack.outputs.cluster_name
    task = running_task(ecs, cluster, service, outputs.service_name, task_id)
    container = next((c for c in task["containers"] if c["name"] == outputs.container_name), None)
    if container is None:
        raise AwsError(f"task {task['taskArn']} has no container {outputs.container_name}")
    if task.get("enableExecuteCommand") is False:
        raise AwsError(
            f"ECS Exec is off in task {task['taskArn']}: it was started before the service "
            "enabled it; force a new deployment of the service"
        )
    response = ecs.execute_command(
        cluster=cluster,
        task=task["taskArn"],
        container=outputs.container_name,
        command=command,
        interactive=True,
    )
    target = "ecs:{}_{}_{}".format(
        response["clusterArn"].rsplit("/", 1)[-1],
        response["taskArn"].rsplit("/", 1)[-1],
        container.get("runtimeId", ""),
    )
    note(f"{service}: {command} in task {response['taskArn'].rsplit('/', 1)[-1]}")
    status = hand_over(stack, plugin, response["session"], ecs, {"Target": target})
    click.get_current_context().exit(status)


def running_task(
    ecs: Any, cluster: str, service: str, service_name: str, task_id: str | None
) -> dict[str, Any]:
    arns = [
        arn
        for page in ecs.get_paginator("list_tasks").paginate(
            cluster=cluster, serviceName=service_name, desiredStatus="RUNNING"
        )
        for arn in page["taskArns"]
    ]
    if task_id is not None:
        arns = [arn for arn in arns if arn.rsplit("/", 1)[-1] == task_id]
    if arns:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:100])["tasks"]
        running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
        if running:
            return dict(running[0])
    which = f"task {task_id}" if task_id else "task"
    raise AwsError(f"service {service} has no running {which}: see `status`")


@click.group()
def db() -> None:
    """The stack's database."""


@db.command("tunnel")
@click.option("--reader", is_flag=True, help="To the reader endpoint.")
@click.option("--local-port", type=int, help="Local port [default: 10000 + the database's].")
@stack_command
def db_tunnel(stack: Stack, reader: bool, local_port: int | None) -> None:
    """Forward a local port to the database.

    Through the operation host, with Session Manager (session-manager-plugin on PATH).
    """
    database = stack.outputs.database
    host = database.reader_endpoint if reader else database.endpoint
    forward(stack, host, database.port, local_port)


@click.group()
def cache() -> None:
    """The stack's cache."""


@cache.command("tunnel")
@click.option("--local-port", type=int, help="Local port [default: 10000 + the cache's].")
@stack_command
def cache_tunnel(stack: Stack, local_port: int | None) -> None:
    """Forward a local port to the cache.

    Through the operation host, with Session Manager (session-manager-plugin on PATH).
    """
    forward(stack, stack.outputs.cache.endpoint, stack.outputs.cache.port, local_port)


def forward(stack: Stack, host: str, port: int, local_port: int | None) -> None:
    ops_host = stack.need(stack.outputs.ops_host, "opsHost")
    plugin = plugin_path()
    local = local_port or LOCAL_PORT_OFFSET + port
    request = {
        "Target": ops_host.instance_id,
        "DocumentName": PORT_FORWARDING,
        "Parameters": {"host": [host], "portNumber": [str(port)], "localPortNumber": [str(local)]},
    }
    ssm = stack.aws.client("ssm")
    response = ssm.start_session(**request)
    response.pop("ResponseMetadata", None)
    note(f"localhost:{local} -> {host}:{port} through {ops_host.instance_id}; Ctrl-C ends it")
    status = hand_over(stack, plugin, response, ssm, request)
    click.get_current_context().exit(status)
