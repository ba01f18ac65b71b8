"""An example function: greets the caller, from an API Gateway-style event or a plain one."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

MAX_NAME = 64


def greeting(name: str | None) -> str:
    """`Hello, <name>!`, with a name trimmed to MAX_NAME characters; `world` without one."""
    cleaned = (name or "").strip()[:MAX_NAME]
    return f"Hello, {cleaned or 'world'}!"


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """Answer `{"name": ...}` or `?name=...` with an HTTP-shaped JSON response."""
    event = event or {}
    query = event.get("queryStringParameters") or {}
    name = query.get("name") or event.get("name")
    if name is not None and not isinstance(name, str):
        return _response(400, {"error": "name must be a string"})
    request_id = getattr(context, "aws_request_id", None)
    logger.info("greeting request %s", request_id)
    return _response(200, {"message": greeting(name)})


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
