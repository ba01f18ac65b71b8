"""Credentials, roles, and what AWS refusing a request looks like: one line, and exit status 1
for AWS, 2 for the local setup."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.stub import Stubber
from click.testing import Result
from moto_stack import REGION

from ops.aws import Aws


def test_a_role_is_assumed_first(ops: Callable[..., Result]) -> None:
    identity = Aws(REGION, role_arn="arn:aws:iam::123456789012:role/operator")
    arn = identity.client("sts").get_caller_identity()["Arn"]
    assert arn.startswith("arn:aws:sts::123456789012:assumed-role/operator/ops-")
    result = ops(
        "params", "get", "web/SECRET_KEY", "--role", "arn:aws:iam::123456789012:role/operator"
    )
    assert result.stdout == "web-secret-key\n"


def test_a_role_with_mfa_prompts_for_the_code(ops: Callable[..., Result]) -> None:
    result = ops(
        "params",
        "get",
        "web/SECRET_KEY",
        "--role",
        "arn:aws:iam::123456789012:role/operator",
        "--mfa-serial",
        "arn:aws:iam::123456789012:mfa/alice",
        input="123456\n",
    )
    assert result.exit_code == 0, result.output
    assert "MFA code for arn:aws:iam::123456789012:mfa/alice" in result.output
    assert result.stdout.endswith("web-secret-key\n")


def test_no_credentials(
    monkeypatch: pytest.MonkeyPatch,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    line = error_line(ops("status"), 2)
    assert (
        line == "Error: no AWS credentials: pass --profile, set AWS_PROFILE or run `aws sso login`"
    )


def test_an_unknown_profile(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    assert "profile (nobody) could not be found" in error_line(
        ops("status", "--profile", "nobody"), 2
    )


def test_access_denied(
    stub: Callable[[str], Stubber],
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/observer/ops-alice is not authorized to "
        "perform: ssm:GetParameter on resource: arn:aws:ssm:ap-northeast-1:123456789012:"
        "parameter/webplatform/dev/web/SECRET_KEY"
    )
    stub("ssm").add_client_error("get_parameter", "AccessDeniedException", message, 400)
    line = error_line(ops("params", "get", "web/SECRET_KEY"), 1)
    assert line == f"Error: GetParameter was denied: {message} " + (
        "(ask for a role that allows it, or pass --role)"
    )


class Throttling(BaseHTTPRequestHandler):
    """An AWS JSON endpoint that always says Rate exceeded."""

    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def throttling_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_throttling_is_retried_then_reported(
    throttling_url: str,
    monkeypatch: pytest.MonkeyPatch,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", throttling_url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    Throttling.requests = 0
    line = error_line(ops("logs", "search", "--function", "hello"), 1)
    assert Throttling.requests == 2
    assert line == (
        "Error: FilterLogEvents was throttled by AWS 2 times in a row: "
        "wait a minute and try again, or narrow the request"
    )
