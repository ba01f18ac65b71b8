"""The operations CLI against moto: one moto server on 127.0.0.1 for the whole session, with a
dev stack deployed into it (`moto_stack`).

The CLI finds moto through AWS_ENDPOINT_URL, which botocore reads like any other setting, so
every call goes over HTTP as it would to AWS."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner, Result
from moto.server import ThreadedMotoServer
from moto_stack import REGION, Deployed, deploy

from ops import waiting
from ops.aws import Aws
from ops.cli import main


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, moto_url: str) -> None:
    """Credentials for moto, no profile or config file of the machine, no waiting."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(waiting, "POLL_SECONDS", 0.01)


@pytest.fixture(scope="session")
def deployed(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return deploy(moto_url, tmp_path_factory.mktemp("stack"))


@pytest.fixture
def ops(deployed: Deployed) -> Callable[..., Result]:
    """Run `python -m ops ARGS --outputs <the deployed stack's outputs>`."""

    def run(*args: str, input: str | None = None, outputs: Path | None = None) -> Result:
        path = outputs or deployed.outputs_path
        return CliRunner().invoke(main, [*args, "--outputs", str(path)], input=input)

    return run


@pytest.fixture
def error_line() -> Callable[[Result, int], str]:
    """The one error line of a failed command (its last line on stderr, after any notes of
    what it did before), once its exit status is checked."""

    def check(result: Result, exit_code: int) -> str:
        assert result.exit_code == exit_code, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert [line for line in lines if line.startswith("Error:")] == lines[-1:], result.stderr
        return lines[-1]

    return check


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Stubber]]:
    """Answer one service's calls from a botocore Stubber instead of moto, for the APIs moto
    does not have; every queued answer must have been asked for."""
    stubbers: list[Stubber] = []

    def make(service: str) -> Stubber:
        client = boto3.client(service, region_name=REGION)
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        other = Aws.client
        monkeypatch.setattr(
            Aws, "client", lambda self, name: client if name == service else other(self, name)
        )
        return stubber

    yield make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
