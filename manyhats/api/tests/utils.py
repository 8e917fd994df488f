"""Small helpers for the API tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

API = "/api/v1"


def body(response: Any) -> Any:
    return json.loads(response.content)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is `status` with the one error shape and `code`; returns the error."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    data = body(response)
    assert set(data) == {"error"}
    error = data["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    for detail in error["details"]:
        assert set(detail) == {"field", "code", "message"}
    return error


def send(client: Client, method: str, path: str, data: Any = None, **extra: Any) -> Any:
    """Send JSON (or raw text when `data` is a str) to an API path."""
    payload = data if isinstance(data, str | bytes) or data is None else json.dumps(data)
    call = getattr(client, method.lower())
    if method.upper() in {"GET", "HEAD"}:
        return call(API + path, **extra)
    return call(API + path, payload or "", content_type="application/json", **extra)
