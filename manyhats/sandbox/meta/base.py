"""What every simulated Graph endpoint shares: the request context, parameter parsing (query,
form, multipart, JSON: Graph accepts all), field selection, cursor pagination, Graph errors,
rate-limit accounting with Meta's usage headers, and media fetching/sniffing.

Handlers register themselves with `@on(node_type, edge, method, name)`; the dispatcher in
`__init__` finds the node, applies faults named `name`, checks the token and the budgets,
runs the handler and adds the usage headers to whatever it answers.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import math
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from .. import wire
from ..state import SandboxState

FAMILY = "meta"
IMAGE_SECONDS = 2.0  # simulated processing time of an image container / photo
VIDEO_SECONDS = 20.0  # of a video, reel or video story
DAY = 86400.0
Handler = Callable[["Ctx"], Awaitable[Response]]


@dataclass(frozen=True)
class Entry:
    handler: Handler
    name: str  # the fault endpoint name
    auth: str  # "token" (user/page/IG token), "app" (app token), "none"


TABLE: dict[tuple[str, str, str], Entry] = {}


def on(
    node_type: str, edge: str, method: str, name: str, auth: str = "token"
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for m in method.split(","):
            TABLE[(node_type, edge, m)] = Entry(handler, name, auth)
        return handler

    return register


@dataclass
class Ctx:
    request: Request
    state: SandboxState
    role: str  # "graph" (graph.facebook.com) or "ig_graph" (graph.instagram.com)
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]]
    node_id: str = ""
    node_type: str = ""
    node: dict[str, Any] | None = None
    edge: str = ""
    token: str | None = None
    grant: dict[str, Any] | None = None
    account_id: str = ""  # the Page / IG account the node belongs to
    platform: str = "facebook"
    version: str = "v25.0"
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ig_login(self) -> bool:
        return self.role == "ig_graph"

    def now(self) -> float:
        return self.state.now()

    def table(self, name: str) -> dict[str, Any]:
        return self.state.table(FAMILY, name)

    def base_url(self, role: str) -> str:
        """The sandbox base URL of another host role (e.g. rupload)."""
        prefix = {"rupload": "meta/rupload", "graph": "meta/graph", "ig_graph": "meta/iggraph"}
        return str(self.request.base_url).rstrip("/") + "/" + prefix[role]

    def account(self, account_id: str | None = None) -> dict[str, Any]:
        return self.table("accounts").get(account_id or self.account_id) or {}

    def param(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return default if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def json_param(self, name: str) -> Any:
        value = self.params.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


# Errors in Graph's shape.


def fail(
    code: int, message: str, subcode: int | None = None, status: int = 400, **kw: Any
) -> wire.Respond:
    return wire.Respond(wire.meta_error(code, message, subcode, status, **kw))


def missing(node_id: str, method: str = "GET") -> wire.Respond:
    """Graph's answer for an object that does not exist or is out of the token's reach."""
    message = (
        f"Unsupported {method.lower()} request. Object with ID '{node_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
    )
    return wire.Respond(wire.standard_error("facebook", "not_found", message=message))


def bad_param(message: str, subcode: int | None = None, **kw: Any) -> wire.Respond:
    return fail(100, f"(#100) {message}", subcode, **kw)


def need_scope(ctx: Ctx, fb_scope: str, ig_scope: str = "") -> None:
    scope = ig_scope if ctx.ig_login and ig_scope else fb_scope
    if ctx.grant is None or scope not in ctx.grant.get("scopes", []):
        raise fail(200, f"(#200) Requires {scope} permission to manage the object", status=403)


def need_page_token(ctx: Ctx) -> None:
    """Page writes need the Page's own token (a user token is refused, as on Graph)."""
    if ctx.ig_login:
        return
    grant = ctx.grant or {}
    if grant.get("type") != "PAGE":
        raise fail(200, "(#200) This action requires a Page access token of the Page itself",
                   status=403)  # fmt: skip


# Parameters.


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """Query merged with a JSON, form or multipart body (body wins), and multipart files.

    Parsed here (not with Starlette's form parser) so no multipart library is needed.
    `name[0]=..` form keys are collected into lists (Graph's array syntax).
    """
    merged: dict[str, Any] = dict(request.query_params)
    files: dict[str, tuple[str, bytes, str]] = {}
    ctype = request.headers.get("content-type", "")
    raw = await request.body()
    if not raw:
        return merged, files
    if ctype.startswith("application/json"):
        try:
            body = json.loads(raw)
        except ValueError:
            raise bad_param("The request body is not valid JSON") from None
        if isinstance(body, dict):
            merged.update(body)
    elif ctype.startswith("application/x-www-form-urlencoded"):
        merged.update(_collect(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
    elif ctype.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw
        )
        pairs = []
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            raw_payload = part.get_payload(decode=True)
            payload = raw_payload if isinstance(raw_payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload, part.get_content_type())
            else:
                pairs.append((name, payload.decode("utf-8", "replace")))
        merged.update(_collect(pairs))
    return merged, files


def _collect(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("]") and "[" in key:
            base = key[: key.index("[")]
            try:
                item: Any = json.loads(value)
            except ValueError:
                item = value
            out.setdefault(base, []).append(item)
        else:
            out[key] = value
    return out


async def form_data(request: Request) -> FormData:
    """A urlencoded body as Starlette FormData (for consent.consent_decision)."""
    raw = await request.body()
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    )
    return FormData(pairs)


def token_of(request: Request, params: dict[str, Any]) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    token = params.get("access_token")
    return str(token) if token else None


def proof_ok(state: SandboxState, grant: dict[str, Any], token: str, proof: str) -> bool:
    app = state.get(FAMILY, "apps", grant.get("app_id") or "")
    if app is None:
        return False
    expected = hmac.new(app["secret"].encode(), token.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, proof)


# Tokens.


def reachable(ctx: Ctx, grant: dict[str, Any]) -> set[str]:
    kind = grant.get("type")
    if kind == "IG_USER":
        return {grant["subject"]}
    if kind == "USER":
        return set(grant.get("assets", []))
    page = ctx.account(grant.get("page_id"))
    ig = page.get("instagram_business_account")
    return {grant["page_id"], *([ig] if ig and ig in grant.get("assets", []) else [])}


def grant_of(ctx: Ctx) -> dict[str, Any]:
    if ctx.grant is not None:
        return ctx.grant
    platform = "instagram" if ctx.ig_login else "facebook"
    if not ctx.token:
        raise fail(104, "An access token is required to request this resource.",
                   type="OAuthException")  # fmt: skip
    check = ctx.state.check_token(platform, ctx.token)
    grant = check.grant
    wanted = ("IG_USER",) if ctx.ig_login else ("USER", "PAGE")
    if grant is None or grant.get("type") not in wanted:
        raise wire.Respond(wire.standard_error(platform, "token_invalid"))
    if check.error is not None:
        raise wire.Respond(wire.standard_error(platform, f"token_{check.error}"))  # type: ignore[arg-type]
    proof = ctx.param("appsecret_proof")
    if proof and not proof_ok(ctx.state, grant, ctx.token, proof):
        raise fail(100, "Invalid appsecret_proof provided in the API argument",
                   type="GraphMethodException")  # fmt: skip
    ctx.grant = grant
    return grant


# Fields, times, pagination.


def field_names(raw: str) -> list[str]:
    """Top-level names of a `fields` value: `a,b{c,d},e.limit(2){f}` -> [a, b, e]."""
    names, depth, current = [], 0, ""
    for ch in raw + ",":
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        if ch == "," and depth == 0:
            base = current.strip().split("{")[0].split(".")[0].split("(")[0]
            if base:
                names.append(base)
            current = ""
        else:
            current += ch
    return names


def select(obj: dict[str, Any], fields: str, default: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    wanted = field_names(fields) if fields else list(default)
    return {k: obj[k] for k in ["id", *wanted] if k in obj}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def when(value: Any) -> float | None:
    """A since/until parameter: unix seconds or an ISO date."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.lstrip("-").isdigit():
        return float(text)
    try:
        parsed = datetime.fromisoformat(text.replace("+0000", "+00:00").replace("Z", "+00:00"))
    except ValueError:
        raise bad_param(f"Invalid time {text!r}") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(raw.removeprefix("o:")))
    except (ValueError, UnicodeDecodeError):
        raise bad_param("Invalid cursor") from None


def paginate(ctx: Ctx, items: list[dict[str, Any]], *, default_limit: int = 25,
             max_limit: int = 100, extra: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    try:
        limit = max(1, min(max_limit, int(ctx.param("limit") or default_limit)))
    except ValueError:
        raise bad_param("limit must be a number") from None
    start = _offset(ctx.param("after")) if ctx.param("after") else 0
    page = items[start : start + limit]
    body: dict[str, Any] = {"data": page}
    if page:
        paging: dict[str, Any] = {"cursors": {"before": _cursor(start),
                                              "after": _cursor(start + len(page))}}  # fmt: skip
        if start + len(page) < len(items):
            query = {k: v for k, v in ctx.request.query_params.items() if k != "access_token"}
            query["after"] = _cursor(start + len(page))
            paging["next"] = f"{str(ctx.request.url).split('?')[0]}?{urlencode(query)}"
        body["paging"] = paging
    body.update(extra or {})
    return body


# Rate limits: usage headers and throttling (rolling hour, per-minute buckets).

BUDGETS = {
    "app": ("meta_app_calls_per_hour", 200_000),
    "user": ("meta_user_calls_per_hour", 50_000),
    "page": ("meta_page_calls_per_hour", 100_000),
    "instagram": ("meta_ig_calls_per_hour", 100_000),
}


def _budget(state: SandboxState, kind: str) -> int:
    key, default = BUDGETS[kind]
    return max(1, int(state.config.extra.get(key, default)))


def _window(buckets: dict[str, int], minute: int) -> int:
    for key in [k for k in buckets if int(k) <= minute - 60]:
        del buckets[key]
    return sum(buckets.values())


def _regain_minutes(buckets: dict[str, int], minute: int, budget: int) -> int:
    total = sum(buckets.values())
    for key in sorted(buckets, key=int):
        total -= buckets[key]
        if total < budget:
            return max(1, int(key) + 60 - minute)
    return 0


def account_usage(ctx: Ctx) -> None:
    """Count this call against the app, the user and the business object; raise Graph's
    throttling error (HTTP 400, code 4/17/32/80001/80002) when a budget is used up. Sets the
    X-App-Usage / X-Business-Use-Case-Usage headers either way."""
    grant = ctx.grant or {}
    minute = math.floor(ctx.now() / 60)
    keys: list[tuple[str, str]] = []
    if grant.get("app_id"):
        keys.append(("app", f"app:{grant['app_id']}"))
    if grant.get("type") == "USER":
        keys.append(("user", f"user:{grant['subject']}"))
    account = ctx.account()
    if account:
        keys.append(("instagram" if account.get("kind") == "ig_business" else "page",
                     f"obj:{account['id']}"))  # fmt: skip
    percents: dict[str, tuple[int, int]] = {}
    over: str | None = None
    with ctx.state.mutate():
        usage = ctx.table("usage")
        for kind, key in keys:
            buckets = usage.setdefault(key, {})
            count, budget = _window(buckets, minute), _budget(ctx.state, kind)
            if count >= budget and over not in ("page", "instagram"):
                over = kind  # the business-use-case limit wins when both apply
            percents[kind] = (count, budget)
        if over is None:
            for kind, key in keys:
                buckets = usage[key]
                buckets[str(minute)] = buckets.get(str(minute), 0) + 1
                count, budget = percents[kind]
                percents[kind] = (count + 1, budget)
        regain = 0
        if account and over in ("page", "instagram"):
            regain = _regain_minutes(usage[f"obj:{account['id']}"], minute,
                                     _budget(ctx.state, over))  # fmt: skip

    def pct(kind: str) -> int:
        count, budget = percents.get(kind, (0, 1))
        return min(100, round(100 * count / budget))

    if "app" in percents:
        ctx.extra_headers["x-app-usage"] = json.dumps(
            {"call_count": pct("app"), "total_cputime": pct("app") // 2,
             "total_time": pct("app") // 2}, separators=(",", ":"))  # fmt: skip
    if account:
        kind = "instagram" if account.get("kind") == "ig_business" else "page"
        ctx.extra_headers["x-business-use-case-usage"] = json.dumps({account["id"]: [{
            "type": "instagram" if kind == "instagram" else "pages", "call_count": pct(kind),
            "total_cputime": pct(kind) // 2, "total_time": pct(kind) // 2,
            "estimated_time_to_regain_access": regain,
        }]}, separators=(",", ":"))  # fmt: skip
    if over == "app":
        raise fail(4, "(#4) Application request limit reached", is_transient=True)
    if over == "user":
        raise fail(17, "(#17) User request limit reached", is_transient=True)
    if over == "page":
        if grant.get("type") == "USER":
            raise fail(32, "(#32) Page request limit reached", is_transient=True)
        raise fail(80001, "(#80001) There have been too many calls to this Page account. "
                   "Wait a bit and try again.", is_transient=True)  # fmt: skip
    if over == "instagram":
        raise fail(80002, "(#80002) There have been too many calls to this Instagram account. "
                   "Wait a bit and try again.", is_transient=True)  # fmt: skip


# Media: fetched only from loopback URLs, sniffed by magic bytes.

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FETCH_LIMIT = 32 * 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """What Meta would find at a media URL or in an upload."""

    ok: bool
    mime: str = ""  # from the bytes when they were seen, else from the URL's extension
    size: int | None = None
    error: str = ""  # why the fetch failed
    seen: bool = False  # the bytes were read: `mime` is "" when they match no known format

    def is_a(self, *types: str) -> bool:
        """True when the media is one of `types` (prefixes like "video/" work); media not
        seen and of unknown type is given the benefit of the doubt, as it cannot be told."""
        if not self.mime:
            return not self.seen
        return any(self.mime == t or (t.endswith("/") and self.mime.startswith(t)) for t in types)


def seen(content: bytes) -> Fetched:
    return Fetched(True, sniff(content[:16]), len(content), seen=True)


def sniff(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    return ""


async def fetch(url: str) -> Fetched:
    """What Meta would find at `url`: loopback URLs are fetched and sniffed (falling back to
    naming the Content-Type when the bytes are no media at all); other hosts are judged by
    the file extension without fetching."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Fetched(False, error="not a public http(s) URL")
    if parts.hostname not in LOOPBACK:
        return Fetched(True, mimetypes.guess_type(parts.path)[0] or "")
    try:
        async with httpx.AsyncClient(timeout=5) as client, client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                return Fetched(False, error=f"HTTP {resp.status_code}")
            body = b""
            async for chunk in resp.aiter_bytes():
                body += chunk
                if len(body) > FETCH_LIMIT:
                    break
            declared = resp.headers.get("content-type", "").split(";")[0].strip()
    except httpx.HTTPError as exc:
        return Fetched(False, error=type(exc).__name__)
    found = seen(body)
    if not found.mime and declared and not declared.startswith(("image/", "video/")):
        return Fetched(True, declared, len(body), seen=True)  # e.g. text/html: say what it is
    return found
