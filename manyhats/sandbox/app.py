"""The sandbox ASGI application: per-platform routers under the contract's path prefixes, the
admin API under /_sandbox, fault handling and the background audience ticker.

Why Starlette + uvicorn (not Django): the sandbox must absorb bursts (10,000 publishes a
minute, hundreds concurrent, each possibly with injected latency); async handlers make a
sleeping request cost a coroutine instead of a thread, and `response_lost` / `timeout` need
control over the raw connection, which a WSGI stack does not give.

Adding a platform: write `manyhats/sandbox/<family>.py` with
`def routes(state: SandboxState) -> dict[str, list[BaseRoute]]` keyed by host role (see
HOSTS); `build_app` imports it lazily when the file exists. `register_platform` overrides or
adds a factory (tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import importlib
import importlib.util
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from . import audience, wire
from .faults import RAW_SEND_KEY, DropConnection, FaultSpecError
from .state import SandboxState
from .webhooks import WebhookDeliverer

log = logging.getLogger("manyhats.sandbox")

RouterFactory = Callable[[SandboxState], Mapping[str, Sequence[BaseRoute]]]


@dataclass(frozen=True)
class Host:
    family: str
    role: str
    prefix: str
    real_base: str
    platforms: tuple[str, ...]


HOSTS: tuple[Host, ...] = (
    Host("meta", "graph", "/meta/graph", "https://graph.facebook.com", ("facebook", "instagram")),
    Host("meta", "www", "/meta/www", "https://www.facebook.com", ("facebook", "instagram")),
    Host(
        "meta",
        "rupload",
        "/meta/rupload",
        "https://rupload.facebook.com",
        ("facebook", "instagram"),
    ),
    Host("meta", "ig_graph", "/meta/iggraph", "https://graph.instagram.com", ("instagram",)),
    Host("meta", "ig_www", "/meta/igwww", "https://www.instagram.com", ("instagram",)),
    Host("meta", "ig_api", "/meta/igapi", "https://api.instagram.com", ("instagram",)),
    Host("linkedin", "api", "/linkedin/api", "https://api.linkedin.com", ("linkedin",)),
    Host("linkedin", "www", "/linkedin/www", "https://www.linkedin.com", ("linkedin",)),
    Host("tiktok", "open", "/tiktok/open", "https://open.tiktokapis.com", ("tiktok",)),
    Host("tiktok", "www", "/tiktok/www", "https://www.tiktok.com", ("tiktok",)),
    Host("tiktok", "upload", "/tiktok/upload", "https://open-upload.tiktokapis.com", ("tiktok",)),
    Host("tiktok", "business", "/tiktok/business", "https://business-api.tiktok.com", ("tiktok",)),
)
PLATFORM_MODULES: dict[str, str] = {
    family: f"manyhats.sandbox.{family}" for family in wire.FAMILIES
}
_FACTORIES: dict[str, RouterFactory] = {}


def register_platform(family: str, factory: RouterFactory) -> None:
    """Use `factory` for `family` (instead of the module in PLATFORM_MODULES)."""
    _FACTORIES[wire.family_of(family)] = factory


def unregister_platform(family: str) -> None:
    _FACTORIES.pop(wire.family_of(family), None)


def _factory(family: str) -> RouterFactory | None:
    if family in _FACTORIES:
        return _FACTORIES[family]
    module_name = PLATFORM_MODULES[family]
    if importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    return getattr(module, "routes", None)


def bases(base_url: str) -> dict[str, dict[str, str]]:
    """platform key -> host role -> sandbox base URL (e.g. bases(u)["instagram"]["ig_graph"])."""
    root = base_url.rstrip("/")
    out: dict[str, dict[str, str]] = {}
    for host in HOSTS:
        for platform in host.platforms:
            out.setdefault(platform, {})[host.role] = root + host.prefix
    return out


def family_for_path(path: str) -> str | None:
    for host in HOSTS:
        if path == host.prefix or path.startswith(host.prefix + "/"):
            return host.family
    return None


# ----------------------------------------------------------------------------- the app


class SandboxApp(Starlette):
    """Starlette that keeps uvicorn's raw `send` in the scope, so a fault can close the
    connection without a response (see faults.drop_connection)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
            sandbox: SandboxState | None = getattr(self.state, "sandbox", None)
            if sandbox is not None and not sandbox.public_url:
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
                if host:
                    sandbox.public_url = f"{scope['scheme']}://{host}"
        await super().__call__(scope, receive, send)


class _Nothing(Response):
    """Sends nothing: the connection is already closed."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        send_raw = scope.get(RAW_SEND_KEY)
        if getattr(getattr(send_raw, "__self__", None), "transport", None) is not None:
            for _ in range(3):  # let uvicorn see the connection_lost before we return
                await asyncio.sleep(0)
            return
        # Not under uvicorn: the best we can do is a response that never completes.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
        )


async def _on_respond(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, wire.Respond)
    return exc.response


async def _on_drop(request: Request, exc: Exception) -> Response:
    return _Nothing()


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    family = family_for_path(request.url.path)
    if family is None:
        return JSONResponse(
            {"error": exc.detail, "status": exc.status_code}, status_code=exc.status_code
        )
    if exc.status_code == 404:
        return wire.standard_error(family, "not_found")
    if exc.status_code == 405:
        return wire.standard_error(family, "method_not_allowed")
    return wire.standard_error(family, "server_error", message=str(exc.detail))


async def _on_error(request: Request, exc: Exception) -> Response:
    log.exception("sandbox handler failed", exc_info=exc)
    family = family_for_path(request.url.path)
    if family is None:
        return JSONResponse({"error": "internal error"}, status_code=500)
    return wire.standard_error(family, "server_error")


# ----------------------------------------------------------------------------- admin API


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise wire.Respond(_bad("the body must be JSON")) from None


def _csv(raw: str | None) -> set[str] | None:
    return {part.strip() for part in raw.split(",") if part.strip()} if raw else None


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


async def admin_state(request: Request) -> Response:
    """`?family=meta,tiktok&tables=accounts,posts` narrows the answer (big states)."""
    families = _csv(request.query_params.get("family"))
    tables = _csv(request.query_params.get("tables"))
    snap = _state(request).snapshot(families, tables)
    snap["bases"] = bases(str(request.base_url))
    return JSONResponse(snap)


async def admin_faults(request: Request) -> Response:
    faults = _state(request).faults
    if request.method == "GET":
        return JSONResponse({"faults": faults.to_json()})
    if request.method == "DELETE":
        raw_id = request.query_params.get("id")
        if raw_id is not None and not raw_id.isdigit():
            return _bad("id must be a rule id")
        return JSONResponse({"removed": faults.clear(int(raw_id) if raw_id else None)})
    body = await _json(request)
    specs = body if isinstance(body, list) else [body]
    try:
        rules = [faults.add(spec) for spec in specs]
    except FaultSpecError as exc:
        return _bad(str(exc))
    added = [r for r in faults.to_json() if r["id"] in {rule.id for rule in rules}]
    return JSONResponse({"faults": added}, status_code=201)


async def admin_clock(request: Request) -> Response:
    state = _state(request)
    body = await _json(request)
    if not isinstance(body, dict) or not ({"advance_seconds", "speed"} & set(body)):
        return _bad("send advance_seconds and/or speed")
    try:
        if "speed" in body:
            state.clock.set_speed(float(body["speed"]))
        if "advance_seconds" in body:
            state.clock.advance(float(body["advance_seconds"]))
    except (TypeError, ValueError) as exc:
        return _bad(str(exc) or "advance_seconds and speed must be numbers")
    state.touch()
    return JSONResponse({"clock": state.clock.to_json()})


async def admin_reset(request: Request) -> Response:
    state = _state(request)
    state.reset()
    return JSONResponse({"reset": True, "clock": state.clock.to_json()})


async def admin_tick(request: Request) -> Response:
    """Run the audience (and story expiry) once, now: handy after advancing the clock."""
    events = run_tick(_state(request))
    return JSONResponse({
        "comments": sum(1 for e in events if e.kind == "comment"),
        "messages": sum(1 for e in events if e.kind == "message"),
    })  # fmt: skip


async def admin_avatar(request: Request) -> Response:
    """A generated avatar (initial on a colour derived from the key): the sandbox's profile
    pictures resolve on loopback instead of pointing at a host that does not exist."""
    key = request.path_params["key"]
    hue = int(hashlib.sha256(key.encode()).hexdigest()[:4], 16) % 360
    label = html.escape((request.query_params.get("label") or key)[:1].upper())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="32" fill="hsl({hue},55%,45%)"/>'
        '<text x="32" y="42" font-family="sans-serif" font-size="28" text-anchor="middle" '
        f'fill="#fff">{label}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


async def admin_accounts(request: Request) -> Response:
    """Add many accounts with their tokens at once (see bulk.py)."""
    from .bulk import add_accounts

    body = await _json(request)
    if not isinstance(body, dict):
        return _bad("send platform, count and optionally prefix")
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int):
        return _bad("count must be a whole number")
    try:
        made = add_accounts(
            _state(request), str(body.get("platform", "")), count, str(body.get("prefix", "Bench"))
        )
    except ValueError as exc:
        return _bad(str(exc))
    return JSONResponse({"accounts": made}, status_code=201)


async def admin_health(request: Request) -> Response:
    return JSONResponse({"ok": True, "clock": _state(request).clock.to_json()})


def run_tick(state: SandboxState) -> list[audience.AudienceEvent]:
    state.expire_stories()
    events = audience.tick(state)
    for event in events:
        hook = state.audience_hooks.get(event.family)
        if hook is not None:
            try:
                hook(event)
            except Exception:
                log.exception("audience hook for %s failed", event.family)
    return events


# ----------------------------------------------------------------------------- assembly


def _lifespan(
    state: SandboxState,
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        deliverer = WebhookDeliverer(state)
        deliverer.bind(asyncio.get_running_loop())
        state.webhooks = deliverer
        ticker = asyncio.create_task(_ticker(state)) if state.config.audience_interval else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await deliverer.aclose()
            state.webhooks = None
            state.flush()

    return lifespan


async def _ticker(state: SandboxState) -> None:
    while True:
        await asyncio.sleep(state.config.audience_interval or 5.0)
        try:
            await asyncio.to_thread(run_tick, state)
        except Exception:
            log.exception("audience tick failed")


def build_app(state: SandboxState) -> SandboxApp:
    """The sandbox for `state`: admin API + every platform router that exists."""
    routes: list[BaseRoute] = [
        Route("/_sandbox/state", admin_state, methods=["GET"]),
        Route("/_sandbox/faults", admin_faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/clock", admin_clock, methods=["POST"]),
        Route("/_sandbox/reset", admin_reset, methods=["POST"]),
        Route("/_sandbox/tick", admin_tick, methods=["POST"]),
        Route("/_sandbox/health", admin_health, methods=["GET"]),
        Route("/_sandbox/accounts", admin_accounts, methods=["POST"]),
        Route("/_sandbox/avatars/{key}.svg", admin_avatar, methods=["GET"]),
    ]
    by_role: dict[str, dict[str, Sequence[BaseRoute]]] = {}
    for family in wire.FAMILIES:
        factory = _factory(family)
        by_role[family] = dict(factory(state)) if factory is not None else {}
        unknown = set(by_role[family]) - {h.role for h in HOSTS if h.family == family}
        if unknown:
            raise ValueError(f"{family} router returned unknown host roles: {sorted(unknown)}")
    for host in HOSTS:
        host_routes = list(by_role[host.family].get(host.role, ()))
        routes.append(Mount(host.prefix, app=Router(routes=host_routes, redirect_slashes=False)))
    app = SandboxApp(
        routes=routes,
        exception_handlers={
            wire.Respond: _on_respond,
            DropConnection: _on_drop,
            HTTPException: _on_http,
            Exception: _on_error,
        },
        lifespan=_lifespan(state),
    )
    app.state.sandbox = state
    return app
