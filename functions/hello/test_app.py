"""The example function's handler, called as Lambda would call it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

# Loaded by path: every function directory has its own `app` module.
_spec = importlib.util.spec_from_file_location("hello_app", Path(__file__).with_name("app.py"))
assert _spec and _spec.loader
app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app)

CONTEXT = SimpleNamespace(aws_request_id="00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"name": "Ada"}, "Hello, Ada!"),
        ({"queryStringParameters": {"name": "  Grace "}}, "Hello, Grace!"),
        ({"queryStringParameters": None}, "Hello, world!"),
        ({"name": "   "}, "Hello, world!"),
        (None, "Hello, world!"),
    ],
)
def test_greets_by_name_or_the_world(event, message) -> None:
    response = app.handler(event, CONTEXT)
    assert response["statusCode"] == 200
    assert response["headers"] == {"Content-Type": "application/json"}
    assert json.loads(response["body"]) == {"message": message}


def test_a_long_name_is_trimmed() -> None:
    body = json.loads(app.handler({"name": "x" * 500}, CONTEXT)["body"])
    assert body["message"] == f"Hello, {'x' * app.MAX_NAME}!"


def test_a_name_that_is_not_text_is_a_client_error() -> None:
    response = app.handler({"name": ["Ada"]}, CONTEXT)
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "name must be a string"}
