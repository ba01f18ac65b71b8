"""`jobs run`: the task moto starts, and (through a Stubber) the exit codes moto cannot give."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from click.testing import Result
from moto_stack import REPORT_COMMAND, Deployed

from ops.jobs import STARTED_BY


@pytest.fixture
def task_stopper(deployed: Deployed) -> Iterator[list[dict[str, Any]]]:
    """Stops the task `jobs run` starts, as its container would by exiting (moto's tasks run
    until stopped); yields the tasks it stopped, as moto saw them when they started."""
    ecs = deployed.client("ecs")
    cluster = deployed.outputs["clusterName"]
    stopped: list[dict[str, Any]] = []
    done = threading.Event()

    def stop() -> None:
        while not done.is_set():
            arns = ecs.list_tasks(cluster=cluster, startedBy=STARTED_BY, desiredStatus="RUNNING")
            for arn in arns["taskArns"]:
                stopped.extend(ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"])
                ecs.stop_task(cluster=cluster, task=arn, reason="Essential container exited")
            time.sleep(0.01)

    thread = threading.Thread(target=stop, daemon=True)
    thread.start()
    yield stopped
    done.set()
    thread.join()


def test_run_starts_the_jobs_task_as_its_schedule_does(
    deployed: Deployed, task_stopper: list[dict[str, Any]], ops: Callable[..., Result]
) -> None:
    result = ops("jobs", "run", "nightly-report")
    assert result.exit_code == 0, result.output
    (task,) = task_stopper
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    assert f"task {task_id} started" in result.stderr
    assert result.stdout.splitlines() == [
        f"log stream: /ecs/webplatform-dev/worker worker/worker/{task_id}",
        "exit code: 0",
    ]
    assert task["taskDefinitionArn"].endswith(":task-definition/webplatform-dev-worker:1")
    assert task["launchType"] == "FARGATE"
    assert task["overrides"]["containerOverrides"] == [
        {"name": "worker", "command": REPORT_COMMAND}
    ]
    subnet = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "subnetId")
    assert subnet == deployed.outputs["appSubnetIds"][0]


def test_run_with_another_command(
    task_stopper: list[dict[str, Any]], ops: Callable[..., Result]
) -> None:
    result = ops("jobs", "run", "nightly-report", "--command", "python -m worker.report --dry-run")
    assert result.exit_code == 0, result.output
    assert task_stopper[0]["overrides"]["containerOverrides"] == [
        {"name": "worker", "command": [*REPORT_COMMAND, "--dry-run"]}
    ]


TASK_ARN = "arn:aws:ecs:ap-northeast-1:123456789012:task/webplatform-dev/0f1e2d3c4b5a"
DEFINITION_ARN = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/webplatform-dev-worker:7"


def queue_run(ecs: Stubber, deployed: Deployed, stopped: dict[str, Any]) -> None:
    """RunTask as the command must ask it, a task that runs and then stops as `stopped` says."""
    outputs = deployed.outputs
    ecs.add_response(
        "run_task",
        {"tasks": [{"taskArn": TASK_ARN, "lastStatus": "PROVISIONING"}], "failures": []},
        {
            "cluster": "webplatform-dev",
            "taskDefinition": "webplatform-dev-worker",
            "launchType": "FARGATE",
            "count": 1,
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": outputs["appSubnetIds"],
                    "securityGroups": [outputs["securityGroupIds"]["app"]],
                    "assignPublicIp": "DISABLED",
                }
            },
            "overrides": {"containerOverrides": [{"name": "worker", "command": REPORT_COMMAND}]},
            "startedBy": STARTED_BY,
            "propagateTags": "TASK_DEFINITION",
        },
    )
    describe = {"cluster": "webplatform-dev", "tasks": [TASK_ARN]}
    running = {"taskArn": TASK_ARN, "lastStatus": "RUNNING", "taskDefinitionArn": DEFINITION_ARN}
    ecs.add_response("describe_tasks", {"tasks": [running]}, describe)
    ecs.add_response("describe_tasks", {"tasks": [{**running, **stopped}]}, describe)


# moto's containers always exit 0, so a failing job is answered by a Stubber; the schedule
# still comes from moto.
def test_run_exits_with_the_jobs_exit_code(
    deployed: Deployed, stub: Callable[[str], Stubber], ops: Callable[..., Result]
) -> None:
    ecs = stub("ecs")
    queue_run(
        ecs,
        deployed,
        {"lastStatus": "STOPPED", "containers": [{"name": "worker", "exitCode": 3}]},
    )
    ecs.add_response(
        "describe_task_definition",
        {
            "taskDefinition": {
                "containerDefinitions": [
                    {
                        "name": "worker",
                        "logConfiguration": {
                            "logDriver": "awslogs",
                            "options": {
                                "awslogs-group": "/ecs/webplatform-dev/worker",
                                "awslogs-stream-prefix": "worker",
                            },
                        },
                    }
                ]
            }
        },
        {"taskDefinition": DEFINITION_ARN},
    )
    result = ops("jobs", "run", "nightly-report")
    assert result.exit_code == 3
    assert result.stdout.splitlines() == [
        "log stream: /ecs/webplatform-dev/worker worker/worker/0f1e2d3c4b5a",
        "exit code: 3",
    ]


def test_a_task_that_never_ran_its_command(
    deployed: Deployed,
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    ecs = stub("ecs")
    queue_run(
        ecs,
        deployed,
        {
            "lastStatus": "STOPPED",
            "stoppedReason": "ResourceInitializationError: unable to pull secrets",
            "containers": [{"name": "worker"}],
        },
    )
    ecs.add_response(
        "describe_task_definition",
        {"taskDefinition": {"containerDefinitions": [{"name": "worker"}]}},
        {"taskDefinition": ANY},
    )
    line = error_line(ops("jobs", "run", "nightly-report"), 1)
    assert line.endswith(
        "stopped before its command ran: ResourceInitializationError: unable to pull secrets"
    )


def test_run_task_failures(
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    stub("ecs").add_response(
        "run_task", {"tasks": [], "failures": [{"reason": "Capacity is unavailable"}]}
    )
    line = error_line(ops("jobs", "run", "nightly-report"), 1)
    assert line == "Error: RunTask started no task for job nightly-report: Capacity is unavailable"


def test_an_unknown_job(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    line = error_line(ops("jobs", "run", "weekly-report"), 2)
    assert line.startswith("Error: unknown job 'weekly-report': ")
    assert line.endswith("has nightly-report")
