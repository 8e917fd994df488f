"""Facebook Pages and Instagram on Meta's wire contract (Graph API, Facebook Login, Instagram
Login, rupload). Any `/vNN.N/` prefix is accepted, and none (the app's default version).

Graph is one tree of nodes: a catch-all route per Graph host finds the node (`me`, a Page,
an IG account, a post, media, a container, a comment, a video, a conversation, the app),
then the handler registered for (node type, edge, method) in oauth.py, pages.py, ig.py,
engage.py and insights.py. Every answer carries X-App-Usage (and X-Business-Use-Case-Usage
for Page / Instagram objects); when a budget reaches 100 % calls fail with code 4, 17, 32,
80001 or 80002 (HTTP 400), as Graph does. Budgets per rolling hour come from
`state.config.extra` (`meta_app_calls_per_hour`, `meta_user_calls_per_hour`,
`meta_page_calls_per_hour`, `meta_ig_calls_per_hour`).

Fault endpoint names (platform "facebook" or "instagram" by the object's owner):
oauth_access_token, debug_token, me, me_accounts, me_permissions, me_businesses, page,
subscriptions, subscribed_apps, feed, photos, videos, video_reels, photo_stories,
video_stories, rupload, video_status, post, published_posts, stories, media (container
create), container_status, media_publish, content_publishing_limit, media_list, ig_rupload,
ig_user, comments, replies, comment, conversations, messages, insights, ig_oauth_access_token,
ig_exchange_token, ig_refresh_token. `media_failed` is taken by media (IG containers),
photos, videos and rupload / ig_rupload (reels and video stories upload there).

Simulated rules: IG captions 2,200 chars / 30 hashtags / 20 mentions (subcode 2207010),
JPEG-only images (bytes sniffed when the URL is on loopback, else judged by extension),
carousels of 2..`meta_carousel_max` (default 10) children without captions, 100 IG
publishes per 24 h (the account's `publishing_quota`), 400 containers per 24 h (code 613),
30 API reels per Page per 24 h, Messenger/IG replies within 24 h (HUMAN_AGENT 7 days),
containers and videos processed in simulated time (`meta_image_seconds`,
`meta_video_seconds`), unpublished containers expire after 24 h, stories after 24 h.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .. import wire
from ..state import SandboxState
from .base import (
    FAMILY,
    TABLE,
    Ctx,
    account_usage,
    fail,
    grant_of,
    missing,
    reachable,
    read_params,
    token_of,
)
from .engage import conversation_by_id
from .hooks import deliver
from .ig import rupload_container
from .insights import HANDLERS as INSIGHT_HANDLERS
from .oauth import fb_dialog, ig_authorize, ig_token
from .pages import rupload_video

__all__ = ["INSIGHT_HANDLERS", "routes"]  # importing the handler modules registers them

VERSION = re.compile(r"^v\d+\.\d+$")
ROOTS = {"graph": {"oauth/access_token", "debug_token"},
         "ig_graph": {"access_token", "refresh_access_token"}}  # fmt: skip
NODE_TABLES = (
    ("accounts", ""), ("posts", ""), ("stories", ""), ("containers", "container"),
    ("comments", "comment"), ("videos", "video"), ("photos", "photo"), ("users", "user"),
    ("apps", "app"),
)  # fmt: skip
TYPE_NAMES = {"page": "Page", "ig": "IGUser", "post": "Post", "media": "IGMedia", "user": "User",
              "container": "ShadowIGMediaBuilder", "comment": "Comment", "video": "Video",
              "photo": "Photo", "app": "Application", "conversation": "Conversation"}  # fmt: skip


def find_node(state: SandboxState, node_id: str) -> tuple[str, dict[str, Any] | None]:
    for table, kind in NODE_TABLES:
        record = state.get(FAMILY, table, node_id)
        if record is None:
            continue
        if table == "accounts":
            return ("ig" if record.get("kind") == "ig_business" else "page"), record
        if table in ("posts", "stories"):
            return ("media" if record.get("platform") == "instagram" else "post"), record
        return kind, record
    conv = conversation_by_id(state, node_id)
    return ("conversation", conv) if conv is not None else ("", None)


def _owner(node_type: str, node: dict[str, Any]) -> str:
    if node_type in ("page", "ig"):
        return str(node["id"])
    if node_type in ("user", "app"):
        return ""
    return str(node.get("account_id") or "")


def _app_token(ctx: Ctx) -> None:
    app_id, _, secret = (ctx.token or "").partition("|")
    app = ctx.state.get(FAMILY, "apps", app_id)
    if app is None or secret != app["secret"] or (ctx.node_type == "app" and ctx.node_id != app_id):
        raise fail(190, "Invalid OAuth access token signature.", type="OAuthException")


async def _dispatch(ctx: Ctx) -> Response:
    request, method = ctx.request, ctx.request.method
    segments = [s for s in request.path_params.get("path", "").split("/") if s]
    if segments and VERSION.match(segments[0]):
        ctx.version, segments = segments[0], segments[1:]
    ctx.params, ctx.files = await read_params(request)
    ctx.token = token_of(request, ctx.params)
    joined = "/".join(segments)
    if joined in ROOTS[ctx.role]:
        ctx.node_type, ctx.edge = ("root" if ctx.role == "graph" else "igroot"), joined
        ctx.platform = "instagram" if ctx.ig_login else "facebook"
    else:
        if not segments or len(segments) > 2:
            raise missing(joined, method)
        ctx.node_id, ctx.edge = segments[0], (segments[1] if len(segments) == 2 else "")
        if ctx.node_id == "me":
            grant = grant_of(ctx)
            ctx.node_id = grant.get("page_id") or grant["subject"]
        ctx.node_type, ctx.node = find_node(ctx.state, ctx.node_id)
        if ctx.node is None or (ctx.ig_login and ctx.node_type in ("page", "post")):
            raise missing(ctx.node_id, method)
        ctx.account_id = _owner(ctx.node_type, ctx.node)
        owner = ctx.account()
        ctx.platform = owner.get("platform") or ("instagram" if ctx.ig_login else "facebook")
    entry = TABLE.get((ctx.node_type, ctx.edge, method))
    if entry is None:
        if ctx.edge and not any(k[:2] == (ctx.node_type, ctx.edge) for k in TABLE):
            raise fail(100, f"(#100) Tried accessing nonexisting field ({ctx.edge}) on node type "
                       f"({TYPE_NAMES.get(ctx.node_type, 'Node')})")  # fmt: skip
        raise missing(ctx.node_id or joined, method)
    await ctx.state.faults.apply(ctx.platform, entry.name, request)
    if entry.auth == "token":
        grant = grant_of(ctx)
        if ctx.node_type == "user":
            if ctx.node_id not in (grant["subject"], grant.get("user_id")):
                raise missing(ctx.node_id, method)
        elif ctx.node_type != "app" and ctx.account_id not in reachable(ctx, grant):
            raise missing(ctx.node_id, method)
        account_usage(ctx)
    elif entry.auth == "app":
        _app_token(ctx)
    response = await entry.handler(ctx)
    ctx.state.faults.after(ctx.platform, entry.name, request)
    return response


def graph_host(role: str) -> Any:
    async def handle(request: Request) -> Response:
        ctx = Ctx(request, request.app.state.sandbox, role, {}, {})
        try:
            response = await _dispatch(ctx)
        except wire.Respond as answer:
            response = answer.response
        for key, value in ctx.extra_headers.items():
            response.headers[key] = value
        return response

    return handle


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    state.audience_hooks[FAMILY] = deliver(state)
    methods = ["GET", "POST", "DELETE"]
    dialog = ["GET", "POST"]
    return {
        "graph": [Route("/{path:path}", graph_host("graph"), methods=methods)],
        "ig_graph": [Route("/{path:path}", graph_host("ig_graph"), methods=methods)],
        "www": [Route("/{version}/dialog/oauth", fb_dialog, methods=dialog),
                Route("/dialog/oauth", fb_dialog, methods=dialog)],
        "ig_www": [Route("/oauth/authorize", ig_authorize, methods=dialog)],
        "ig_api": [Route("/oauth/access_token", ig_token, methods=["POST"])],
        "rupload": [
            Route("/video-upload/{version}/{video_id}", rupload_video, methods=["POST"]),
            Route("/ig-api-upload/{version}/{container_id}", rupload_container,
                  methods=["POST"]),
        ],
    }  # fmt: skip
