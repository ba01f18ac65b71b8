"""`jobs run`: one job's task, now, with the job's command; wait for it to stop and exit with
its exit code."""

from __future__ import annotations

import shlex
from typing import Any

import click

from ops import waiting
from ops.console import note
from ops.context import Stack, stack_command
from ops.errors import AwsError

STARTED_BY = "ops-jobs-run"


@click.group()
def jobs() -> None:
    """The stack's scheduled jobs."""


@jobs.command()
@click.argument("name")
@click.option(
    "--command", "command_line", metavar="COMMAND", help="Run this instead of the job's command."
)
@stack_command
def run(stack: Stack, name: str, command_line: str | None) -> None:
    """Run a job now; exit with its exit code.

    The job NAME's task family (its latest revision) runs on FARGATE in the app subnets, with
    the job's command (from the stack's outputs), or --command.
    """
    job = stack.job(name)
    command = command_line or job.command
    overrides = (
        {"containerOverrides": [{"name": job.container_name, "command": shlex.split(command)}]}
        if command
        else {}
    )
    ecs = stack.aws.client("ecs")
    cluster = stack.outputs.cluster_name
    response = ecs.run_task(
        cluster=cluster,
        taskDefinition=job.task_family,
        launchType="FARGATE",
        count=1,
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": stack.outputs.app_subnet_ids,
                "securityGroups": [stack.outputs.security_group_ids.app],
                "assignPublicIp": "DISABLED",
            }
        },
        overrides=overrides,
        startedBy=STARTED_BY,
        propagateTags="TASK_DEFINITION",
    )
    if response.get("failures") or not response.get("tasks"):
        reasons = "; ".join(
            f"{f.get('reason', 'unknown')} {f.get('detail', '')}".strip()
            for f in response.get("failures", [])
        )
        raise AwsError(f"RunTask started no task for job {name}: {reasons or 'no reason given'}")
    task_arn = response["tasks"][0]["taskArn"]
    task_id = task_arn.rsplit("/", 1)[-1]
    note(f"job {name}: task {task_id} started in {cluster}")
    try:
        stopped = waiting.poll(
            f"job {name}",
            lambda: ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0],
            lambda task: task["lastStatus"] == "STOPPED",
            lambda task: task["lastStatus"].lower(),
        )
    except KeyboardInterrupt:
        note(
            f"the task runs on; stop it with: aws ecs stop-task --cluster {cluster} "
            f"--task {task_id}"
        )
        raise
    stream = log_stream(ecs, stopped["taskDefinitionArn"], job.container_name, task_id)
    if stream:
        click.echo(f"log stream: {stream[0]} {stream[1]}")
    container: dict[str, Any] = next(
        (c for c in stopped["containers"] if c["name"] == job.container_name), {}
    )
    exit_code = container.get("exitCode")
    if exit_code is None:
        reason = stopped.get("stoppedReason") or container.get("reason") or "no reason given"
        raise AwsError(f"job {name}: task {task_id} stopped before its command ran: {reason}")
    click.echo(f"exit code: {exit_code}")
    click.get_current_context().exit(exit_code)


def log_stream(
    ecs: Any, task_definition_arn: str, container_name: str, task_id: str
) -> tuple[str, str] | None:
    """The awslogs group and stream of the container in this task, if it logs with awslogs."""
    definition = ecs.describe_task_definition(taskDefinition=task_definition_arn)
    for container in definition["taskDefinition"]["containerDefinitions"]:
        configuration = container.get("logConfiguration") or {}
        options = configuration.get("options") or {}
        if container["name"] == container_name and configuration.get("logDriver") == "awslogs":
            prefix = options.get("awslogs-stream-prefix")
            stream = f"{prefix}/{container_name}/{task_id}" if prefix else task_id
            return options.get("awslogs-group", ""), stream
    return None
