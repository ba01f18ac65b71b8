"""`exec` and the tunnels: the session AWS starts (through a Stubber: moto has neither ECS
ExecuteCommand nor SSM StartSession) and how it is handed to the Session Manager plugin, here a
stand-in script on PATH that records what it was given."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.stub import Stubber
from click.testing import Result
from moto_stack import Deployed

from ops.sessions import SESSION_VARIABLE

CLUSTER_ARN = "arn:aws:ecs:ap-northeast-1:123456789012:cluster/webplatform-dev"
TASK_ARN = "arn:aws:ecs:ap-northeast-1:123456789012:task/webplatform-dev/5e6f7a8b9c0d"
SESSION = {
    "sessionId": "ecs-execute-command-0a1b2c3d",
    "streamUrl": "wss://ssmmessages.ap-northeast-1.amazonaws.com/v1/data-channel/ecs-execute-command-0a1b2c3d",
    "tokenValue": "token-value",
}


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Put a `session-manager-plugin` of this version on PATH; returns where it records its
    arguments and environment."""

    def install(version: str) -> Path:
        record = tmp_path / "plugin.json"
        script = tmp_path / "session-manager-plugin"
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, os, sys\n"
            "if sys.argv[1:] == ['--version']:\n"
            f"    print({version!r})\n"
            "    sys.exit(0)\n"
            f"with open({str(record)!r}, 'w') as f:\n"
            "    json.dump({'argv': sys.argv[1:], 'environment': dict(os.environ)}, f)\n"
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
        return record

    return install


def queue_exec(ecs: Stubber) -> None:
    ecs.add_response(
        "list_tasks",
        {"taskArns": [TASK_ARN]},
        {
            "cluster": "webplatform-dev",
            "serviceName": "webplatform-dev-web",
            "desiredStatus": "RUNNING",
        },
    )
    ecs.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "taskArn": TASK_ARN,
                    "lastStatus": "RUNNING",
                    "enableExecuteCommand": True,
                    "containers": [{"name": "web", "runtimeId": "5e6f7a8b9c0d-1234567890"}],
                }
            ]
        },
        {"cluster": "webplatform-dev", "tasks": [TASK_ARN]},
    )
    ecs.add_response(
        "execute_command",
        {
            "clusterArn": CLUSTER_ARN,
            "taskArn": TASK_ARN,
            "containerName": "web",
            "interactive": True,
            "session": SESSION,
        },
        {
            "cluster": "webplatform-dev",
            "task": TASK_ARN,
            "container": "web",
            "command": "/bin/bash",
            "interactive": True,
        },
    )


def test_exec_hands_the_session_to_the_plugin(
    moto_url: str,
    plugin: Callable[[str], Path],
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
) -> None:
    record = plugin("1.2.694.0")
    queue_exec(stub("ecs"))
    result = ops("exec", "web", "--command", "/bin/bash")
    assert result.exit_code == 0, result.output
    given = json.loads(record.read_text())
    assert given["argv"] == [
        SESSION_VARIABLE,
        "ap-northeast-1",
        "StartSession",
        "",
        json.dumps({"Target": "ecs:webplatform-dev_5e6f7a8b9c0d_5e6f7a8b9c0d-1234567890"}),
        moto_url,
    ]
    assert json.loads(given["environment"][SESSION_VARIABLE]) == SESSION
    assert given["environment"]["AWS_ACCESS_KEY_ID"] == "testing"


def test_an_older_plugin_gets_the_session_as_an_argument(
    plugin: Callable[[str], Path], stub: Callable[[str], Stubber], ops: Callable[..., Result]
) -> None:
    record = plugin("1.2.398.0")
    queue_exec(stub("ecs"))
    assert ops("exec", "web", "--command", "/bin/bash").exit_code == 0
    given = json.loads(record.read_text())
    assert json.loads(given["argv"][0]) == SESSION
    assert SESSION_VARIABLE not in given["environment"]


def test_exec_without_the_plugin(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    line = error_line(ops("exec", "web"), 2)
    assert line.startswith("Error: session-manager-plugin is not on PATH: install the Session")


def test_exec_without_a_running_task(
    plugin: Callable[[str], Path],
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    plugin("1.2.694.0")
    stub("ecs").add_response("list_tasks", {"taskArns": []})
    assert error_line(ops("exec", "worker"), 1) == (
        "Error: service worker has no running task: see `status`"
    )


def test_exec_into_an_unknown_service(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert "unknown service 'api'" in error_line(ops("exec", "api"), 2)


@pytest.mark.parametrize(
    ("command", "host", "port", "local_port"),
    [
        (["db", "tunnel"], "endpoint", "5432", "15432"),
        (["db", "tunnel", "--reader"], "readerEndpoint", "5432", "15432"),
        (["cache", "tunnel", "--local-port", "6380"], "endpoint", "6379", "6380"),
    ],
)
def test_tunnels_forward_through_the_ops_host(
    command: list[str],
    host: str,
    port: str,
    local_port: str,
    deployed: Deployed,
    plugin: Callable[[str], Path],
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
) -> None:
    record = plugin("1.2.694.0")
    store = deployed.outputs["cache" if command[0] == "cache" else "database"]
    request = {
        "Target": deployed.outputs["opsHost"]["instanceId"],
        "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost",
        "Parameters": {
            "host": [store[host]],
            "portNumber": [port],
            "localPortNumber": [local_port],
        },
    }
    response = {"SessionId": "alice-0a1b2c3d", "TokenValue": "token", "StreamUrl": "wss://x"}
    stub("ssm").add_response("start_session", response, request)
    result = ops(*command)
    assert result.exit_code == 0, result.output
    assert f"localhost:{local_port} -> {store[host]}:{port}" in result.stderr
    given = json.loads(record.read_text())
    assert json.loads(given["argv"][4]) == request
    assert json.loads(given["environment"][SESSION_VARIABLE]) == response


def test_a_tunnel_without_an_ops_host(
    tmp_path: Path,
    deployed: Deployed,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    outputs = deployed.outputs_with(tmp_path, opsHost=None)
    line = error_line(ops("db", "tunnel", outputs=outputs), 2)
    assert line.endswith(
        "has no opsHost output: enable opsHost in the stack config and run `pulumi up`"
    )
