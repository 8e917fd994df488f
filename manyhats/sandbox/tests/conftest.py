"""Fixtures for the sandbox core: the running sandbox, plus a tiny demo router per family
(registered for the test only) so faults can be observed on real platform prefixes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from manyhats.sandbox import app as sandbox_app
from manyhats.sandbox import kit, wire
from manyhats.sandbox.state import SandboxState
from manyhats.sandbox.testing import RunningSandbox, run_sandbox_in_thread
from manyhats.sandbox.testing import sandbox as sandbox  # re-exported fixture
from manyhats.sandbox.testing import sandbox_server as sandbox_server  # its session server

DEMO_ROLE = {"meta": "graph", "linkedin": "api", "tiktok": "open"}
OK = {"meta": wire.meta_ok, "linkedin": wire.linkedin_ok, "tiktok": wire.tiktok_ok}


def demo_routes(family: str) -> sandbox_app.RouterFactory:
    fam = wire.family_of(family)

    def factory(state: SandboxState) -> dict[str, list[Route]]:
        async def publish(request: Request) -> Response:
            platform = request.query_params.get("platform", wire.PLATFORMS_OF[fam][0])
            await state.faults.apply(platform, "publish", request)
            post = state.put(
                family, "posts", {"id": wire.new_id(family, "share"), "platform": platform}
            )
            state.faults.after(platform, "publish", request)
            failed = state.faults.take(platform, "publish", "media_failed") is not None
            return OK[family]({"id": post["id"], "media": "failed" if failed else "ok"})

        async def me(request: Request) -> Response:
            grant = await kit.require_grant(request, wire.PLATFORMS_OF[fam][0], ("read",))
            return OK[family]({"subject": grant["subject"]})

        return {
            DEMO_ROLE[family]: [
                Route("/demo/publish", publish, methods=["POST"]),
                Route("/demo/me", me, methods=["GET"]),
            ]
        }

    return factory


@pytest.fixture(scope="module")
def demo_server() -> Iterator[RunningSandbox]:
    for family in wire.FAMILIES:
        sandbox_app.register_platform(family, demo_routes(family))
    running = run_sandbox_in_thread()
    try:
        yield running
    finally:
        running.stop()
        for family in wire.FAMILIES:
            sandbox_app.unregister_platform(family)


@pytest.fixture
def demo(demo_server: RunningSandbox) -> RunningSandbox:
    """A sandbox whose three families serve /demo/publish and /demo/me (reset per test)."""
    demo_server.state.reset()
    return demo_server


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One client for the whole run (creating one costs ~50 ms of TLS setup)."""
    with httpx.Client(timeout=5) as client:
        yield client


def demo_url(running: RunningSandbox, family: str) -> str:
    role = DEMO_ROLE[family]
    platform = wire.PLATFORMS_OF[wire.family_of(family)][0]
    return running.bases[platform][role] + "/demo"
