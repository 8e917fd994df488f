"""What a platform router needs besides `wire`: the state of the request, the token it carries
and its parameters, with failures answered in the family's envelope (by raising
`wire.Respond`, which the app turns into the response)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from . import wire

if TYPE_CHECKING:
    from .state import SandboxState


def state_of(request: Request) -> SandboxState:
    return request.app.state.sandbox


async def params(request: Request) -> dict[str, Any]:
    """Query parameters merged with a JSON object or form body (body wins).

    Graph API clients send parameters in any of the three; file parts of a multipart body
    are returned as Starlette UploadFile objects.
    """
    merged: dict[str, Any] = dict(request.query_params)
    if request.method in ("GET", "HEAD", "DELETE"):
        return merged
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        raw = await request.body()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if isinstance(body, dict):
                merged.update(body)
    elif ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        merged.update({k: v for k, v in form.multi_items()})
    return merged


async def access_token(request: Request, family: str) -> str | None:
    """The raw token: `Authorization: Bearer|OAuth`, TikTok Business `Access-Token`, or (Meta)
    the `access_token` query/body parameter."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    if request.headers.get("access-token"):
        return request.headers["access-token"]
    if wire.family_of(family) == "meta":
        token = (await params(request)).get("access_token")
        return str(token) if token else None
    return None


async def require_grant(
    request: Request, platform: str, scopes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The valid grant behind the request's token, else raise the family's token error.

    Missing scopes answer Meta code 200 / LinkedIn 403 ACCESS_DENIED / TikTok scope_not_authorized.
    """
    state = state_of(request)
    check = state.check_token(platform, await access_token(request, platform))
    if check.error is not None or check.grant is None:
        kind: wire.StandardError = f"token_{check.error or 'invalid'}"  # type: ignore[assignment]
        raise wire.Respond(wire.standard_error(platform, kind))
    missing = [s for s in scopes if s not in check.grant["scopes"]]
    if missing:
        family = wire.family_of(platform)
        need = ", ".join(missing)
        if family == "meta":
            resp = wire.meta_error(
                200, f"(#200) Requires {need} permission to manage the object", status=403
            )
        elif family == "linkedin":
            resp = wire.linkedin_error(
                403,
                "ACCESS_DENIED",
                f"Not enough permissions to access: {request.method} {request.url.path}",
                100,
            )
        else:
            resp = wire.tiktok_error(
                "scope_not_authorized",
                f"The user did not authorize the scope required: {need}",
                401,
            )
        raise wire.Respond(resp)
    return check.grant
