"""LinkedIn (organization pages) on its real wire contract: /docs platforms/linkedin.md.

Host roles: `api` (`/rest/...` versioned Rest.li 2.0 endpoints and `/v2/userinfo`) and `www`
(OAuth authorization page and accessToken, `dms-uploads` for media bytes, `feed/update/{urn}/`
permalinks). Media, posts and comments live in linkedin_content.py, statistics in
linkedin_stats.py; this module holds what every endpoint shares (version header, Rest.li
query parsing, per-day quotas, page roles), OAuth and identity.

Every `/rest` call needs `LinkedIn-Version: YYYYMM` (missing, malformed, or outside the
12 months up to the simulated now -> 400) and `X-Restli-Protocol-Version: 2.0.0` (else 400);
URNs in paths must be percent-encoded (a raw `:` -> 400). Calls are counted per UTC day per
(app, endpoint) and per (app, member, endpoint); caps live in the state,
`state.table("linkedin", "settings")["daily_caps"] = {"posts_create": {"app": 500,
"member": 100}, "*": {...}}` (none by default) and an exhausted cap answers 429 without
Retry-After, as LinkedIn does.

Fault endpoint names: authorization, access_token, userinfo, organization_acls,
organizations, images_initialize, images, videos_initialize, videos_finalize, videos,
documents_initialize, documents, upload (dms-uploads PUT), posts_create, posts_list,
posts_get, posts_update, posts_delete, comments_list, comments_create, comments_delete,
share_statistics, follower_statistics, network_sizes. `media_failed` is taken on `upload`
(images, documents) and `videos_finalize` (videos): the media ends PROCESSING_FAILED.

Knobs in `state.config.extra`: `linkedin_processing_seconds` ({"image": 1, "document": 3,
"video": 20} simulated seconds from upload to AVAILABLE) and `linkedin_video_part_bytes`
(4 MiB). Apps may set `"programmatic_refresh": False` (no refresh tokens issued).
The consent page lets the member pick which of their pages the token covers (a
stand-in for page roles; LinkedIn itself has no picker).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import consent, kit, seed, wire
from .audience import AudienceEvent
from .state import SandboxState

PLATFORM = "linkedin"
ACCESS_TTL = 5_184_000  # 60 days
REFRESH_TTL = 31_536_000  # 365 days
VERSION_MONTHS = 12
KNOWN_SCOPES = frozenset({
    "openid", "profile", "email", "w_member_social", "w_organization_social",
    "r_organization_social", "rw_organization_admin", "r_organization_admin",
    "r_ads", "rw_ads", "r_ads_reporting",
})  # fmt: skip
ADMIN_READ = ("rw_organization_admin", "r_organization_admin")


def error(status: int, code: str, message: str, service_code: int | None = None) -> wire.Respond:
    return wire.Respond(wire.linkedin_error(status, code, message, service_code))


def denied(request: Request) -> wire.Respond:
    return error(403, "ACCESS_DENIED",
                 f"Not enough permissions to access: {request.method} {_rest_path(request)}", 100)  # fmt: skip


def _rest_path(request: Request) -> str:
    path = request.url.path
    return path[path.index("/rest/") :] if "/rest/" in path else path


# ----------------------------------------------------------------------------- Rest.li


class RestliError(ValueError):
    pass


def parse_restli(raw: str) -> Any:
    """One Rest.li 2.0 query value: `List(..)`, `(k:v,..)` or a percent-encoded leaf."""
    value, end = _parse(raw, 0)
    if end != len(raw):
        raise RestliError(f"unexpected {raw[end]!r} at {end}")
    return value


def _parse(raw: str, i: int) -> tuple[Any, int]:
    if raw.startswith("List(", i):
        items: list[Any] = []
        i += 5
        if raw.startswith(")", i):
            return items, i + 1
        while True:
            item, i = _parse(raw, i)
            items.append(item)
            if raw.startswith(",", i):
                i += 1
            elif raw.startswith(")", i):
                return items, i + 1
            else:
                raise RestliError("unterminated List(")
    if raw.startswith("(", i):
        record: dict[str, Any] = {}
        i += 1
        while not raw.startswith(")", i):
            colon = raw.find(":", i)
            if colon < 0:
                raise RestliError("a record field has no ':'")
            key = unquote(raw[i:colon])
            record[key], i = _parse(raw, colon + 1)
            if raw.startswith(",", i):
                i += 1
            elif not raw.startswith(")", i):
                raise RestliError("unterminated record")
        return record, i + 1
    end = i
    while end < len(raw) and raw[end] not in ",():":
        end += 1
    if end < len(raw) and raw[end] in "(:":
        raise RestliError(f"unencoded {raw[end]!r} in a value (percent-encode URNs)")
    leaf = raw[i:end]
    return ("" if leaf == "''" else unquote(leaf)), end


def query(request: Request) -> dict[str, Any]:
    """The raw query string parsed with Rest.li 2.0 rules (400 on bad syntax)."""
    raw_query = request.scope.get("query_string", b"").decode("latin-1")
    out: dict[str, Any] = {}
    for pair in filter(None, raw_query.split("&")):
        key, _, raw = pair.partition("=")
        try:
            out[unquote(key)] = parse_restli(raw)
        except RestliError as exc:
            raise error(
                400,
                "INVALID_ARGUMENT",
                f"Invalid value for query parameter {unquote(key)!r}: {exc}",
            ) from None
    return out


def path_urn(request: Request, name: str) -> str:
    """A URN path parameter, refusing one sent without percent-encoding."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    rest = raw_path.decode("latin-1").split("/rest/", 1)[-1]
    if ":" in rest:
        raise error(400, "INVALID_ARGUMENT", "URNs in the path must be percent-encoded")
    return str(request.path_params[name])


def int_param(q: dict[str, Any], name: str, default: int, *, maximum: int | None = None) -> int:
    raw = q.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise error(400, "INVALID_ARGUMENT", f"{name} must be a whole number") from None
    if value < 0:
        raise error(400, "INVALID_ARGUMENT", f"{name} must not be negative")
    return min(value, maximum) if maximum is not None else value


async def form_body(request: Request) -> FormData:
    """An application/x-www-form-urlencoded body (parsed here: python-multipart is not needed)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return FormData()
    raw = (await request.body()).decode("utf-8", "replace")
    pairs: list[tuple[str, str | UploadFile]] = list(parse_qsl(raw, keep_blank_values=True))
    return FormData(pairs)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise error(400, "INVALID_ARGUMENT", "The request body must be a JSON object")
    return body


def paged(
    items: list[dict[str, Any]], start: int, count: int,
    render: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: item,
) -> dict[str, Any]:  # fmt: skip
    """A start/count page of `items` (only the page's items are rendered)."""
    return {"elements": [render(item) for item in items[start : start + count]],
            "paging": {"start": start, "count": count, "total": len(items), "links": []}}  # fmt: skip


# ----------------------------------------------------------------------------- guards


def check_version(request: Request, state: SandboxState) -> None:
    version = request.headers.get("linkedin-version", "").strip()
    if not version:
        raise error(400, "VERSION_MISSING", "A version must be present. Please specify a "
                    "version by adding the LinkedIn-Version header.")  # fmt: skip
    match = re.fullmatch(r"(\d{4})(\d{2})(?:\.\d{2})?", version)
    now = state.clock.now_dt()
    if match and 1 <= int(match[2]) <= 12:
        age = (now.year * 12 + now.month) - (int(match[1]) * 12 + int(match[2]))
        if 0 <= age < VERSION_MONTHS:
            return
    raise error(400, "NONEXISTENT_VERSION", f"Requested version {version} is not active")


async def rest_guard(request: Request, endpoint: str, scopes: tuple[str, ...] = (), *,
                     any_of: bool = False) -> dict[str, Any]:  # fmt: skip
    """Version and protocol headers, faults, the token (and scopes), then the daily quota."""
    state = kit.state_of(request)
    check_version(request, state)
    if request.headers.get("x-restli-protocol-version", "") != "2.0.0":
        raise error(400, "INVALID_ARGUMENT", "This API requires X-Restli-Protocol-Version 2.0.0")
    await state.faults.apply(PLATFORM, endpoint, request)
    grant = await kit.require_grant(request, PLATFORM, () if any_of else scopes)
    if any_of and scopes and not set(scopes) & set(grant["scopes"]):
        raise denied(request)
    count_call(state, grant, endpoint)
    return grant


def count_call(state: SandboxState, grant: dict[str, Any], endpoint: str) -> None:
    """Per UTC day: one more call by (app) and by (app, member) on `endpoint`, or 429."""
    day = state.clock.now_dt().date().isoformat()
    app, member = grant.get("app_id") or "-", grant["subject"]
    with state.mutate():
        caps = state.table(PLATFORM, "settings").get("daily_caps") or {}
        cap = caps.get(endpoint) or caps.get("*") or {}
        usage = state.table(PLATFORM, "usage")
        for stale in [k for k in usage if not k.startswith(day)]:
            del usage[stale]
        keys = {
            "APPLICATION": f"{day}|{app}|*|{endpoint}",
            "MEMBER": f"{day}|{app}|{member}|{endpoint}",
        }
        for scope, key in keys.items():
            limit = cap.get("app" if scope == "APPLICATION" else "member")
            if limit is not None and usage.get(key, 0) >= limit:
                raise error(429, "TOO_MANY_REQUESTS", f"Resource level throttle {scope} DAY "
                            "limit for calls to this resource is reached.")  # fmt: skip
        for key in keys.values():
            usage[key] = usage.get(key, 0) + 1


def organizations_of(state: SandboxState, grant: dict[str, Any]) -> list[str]:
    """The pages the token's member administers (limited to those picked on the consent page)."""
    with state.lock:
        user = state.table(PLATFORM, "users").get(grant["subject"]) or {}
        accounts = state.table(PLATFORM, "accounts")
        picked = grant.get("orgs")
        return [
            urn for urn in user.get("grants", [])
            if urn in accounts and accounts[urn].get("role") == "ADMINISTRATOR"
            and (picked is None or urn in picked)
        ]  # fmt: skip


def require_admin(request: Request, grant: dict[str, Any], organization: Any) -> str:
    if not isinstance(organization, str) or organization not in organizations_of(
        kit.state_of(request), grant
    ):
        raise denied(request)
    return organization


# ----------------------------------------------------------------------------- OAuth (www)


def _oauth_error(code: str, description: str, status: int = 400) -> wire.Respond:
    return wire.Respond(
        JSONResponse({"error": code, "error_description": description}, status_code=status)
    )


def _page_error(message: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>LinkedIn (sandbox)</title><p>{escape(message)}</p>",
                        status_code=400)  # fmt: skip


async def authorization(request: Request) -> Response:
    state = kit.state_of(request)
    await state.faults.apply(PLATFORM, "authorization", request)
    form = await form_body(request) if request.method == "POST" else FormData()
    p = {
        k: str(v)
        for k, v in {**request.query_params, **form}.items()
        if k not in ("asset", "decision")
    }
    app = state.get(PLATFORM, "apps", p.get("client_id", ""))
    redirect_uri = p.get("redirect_uri", "")
    if app is None:
        return _page_error("The passed in client_id is invalid.")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        return _page_error("The redirect_uri does not match the registered value.")
    back = {"state": p["state"]} if p.get("state") else {}
    if p.get("response_type") != "code":
        return consent.redirect_back(redirect_uri, error="unsupported_response_type",
                                     error_description="Only response_type=code is supported", **back)  # fmt: skip
    scopes = [s for s in re.split(r"[\s,]+", p.get("scope", "")) if s]
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if unknown or not scopes:
        return consent.redirect_back(
            redirect_uri, error="unauthorized_scope_error",
            error_description=f'Scope "{unknown[0] if unknown else ""}" is not authorized for your application', **back,
        )  # fmt: skip
    user = state.get(PLATFORM, "users", seed.LINKEDIN_PERSON) or {}
    accounts = state.table(PLATFORM, "accounts")
    if request.method == "GET":
        assets = [consent.Asset(urn, accounts[urn]["name"], "LinkedIn Page")
                  for urn in user.get("grants", []) if urn in accounts]  # fmt: skip
        return consent.consent_page(platform=PLATFORM, app_name=app["name"], user_name=user.get("name", ""),
                                    scopes=scopes, assets=assets, hidden=p)  # fmt: skip
    decision = consent.consent_decision(form)
    if not decision.approved:
        return consent.redirect_back(redirect_uri, error="user_cancelled_authorize",
                                     error_description="The user cancelled the authorization", **back)  # fmt: skip
    code = state.issue_code(
        PLATFORM, client_id=app["id"], redirect_uri=redirect_uri, subject=seed.LINKEDIN_PERSON,
        scopes=scopes, ttl=1800, extra={"orgs": [a for a in decision.asset_ids if a in user.get("grants", [])]},
    )  # fmt: skip
    return consent.redirect_back(redirect_uri, code=code, **back)


def _token_answer(grant: dict[str, Any], now: float) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": grant["access_token"],
                            "expires_in": round(grant["expires_at"] - now)}  # fmt: skip
    if grant.get("refresh_token"):
        body["refresh_token"] = grant["refresh_token"]
        body["refresh_token_expires_in"] = round(grant["refresh_expires_at"] - now)
    body["scope"] = ",".join(grant["scopes"])
    return body


async def access_token(request: Request) -> Response:
    state = kit.state_of(request)
    await state.faults.apply(PLATFORM, "access_token", request)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise _oauth_error(
            "invalid_request", "The request must be application/x-www-form-urlencoded"
        )
    form = {k: str(v) for k, v in (await form_body(request)).items()}
    app = state.get(PLATFORM, "apps", form.get("client_id", ""))
    if app is None or app["secret"] != form.get("client_secret"):
        raise _oauth_error("invalid_client", "Client authentication failed", 401)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        check = state.consume_code(PLATFORM, form.get("code", ""))
        record = check.record
        if check.error is not None or record is None:
            raise _oauth_error(
                "invalid_grant",
                "The provided authorization grant or refresh token is invalid, expired or revoked",
            )
        if record["client_id"] != app["id"] or record["redirect_uri"] != form.get("redirect_uri"):
            raise _oauth_error(
                "invalid_grant",
                "Unable to retrieve access token: appid/redirect uri does not match authorization code",
            )
        grant = state.issue_token(
            PLATFORM, record["subject"], record["scopes"], ACCESS_TTL, app_id=app["id"],
            refresh_ttl=REFRESH_TTL if app.get("programmatic_refresh", True) else None,
            extra={"orgs": record.get("orgs")},
        )  # fmt: skip
    elif grant_type == "refresh_token":
        held = state.get(
            PLATFORM,
            "tokens",
            state.table(PLATFORM, "refresh_tokens").get(form.get("refresh_token", ""), ""),
        )
        refreshed = state.refresh_token(
            PLATFORM, form.get("refresh_token", ""), ttl=ACCESS_TTL, rotate=False
        )
        if (
            refreshed.error is not None
            or refreshed.grant is None
            or (held or {}).get("app_id") != app["id"]
        ):
            raise _oauth_error(
                "invalid_grant",
                "The provided authorization grant or refresh token is invalid, expired or revoked",
            )
        grant = refreshed.grant
    else:
        raise _oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
    state.faults.after(PLATFORM, "access_token", request)
    return JSONResponse(_token_answer(grant, state.now()), headers={"cache-control": "no-store"})


# ----------------------------------------------------------------------------- identity


async def userinfo(request: Request) -> Response:
    state = kit.state_of(request)
    await state.faults.apply(PLATFORM, "userinfo", request)
    grant = await kit.require_grant(request, PLATFORM, ("openid", "profile"))
    user = state.get(PLATFORM, "users", grant["subject"]) or {}
    body = {"sub": user.get("sub"), "name": user.get("name"), "given_name": user.get("given_name"),
            "family_name": user.get("family_name"), "picture": None, "locale": user.get("locale")}  # fmt: skip
    if "email" in grant["scopes"]:
        body |= {"email": user.get("email"), "email_verified": True}
    return wire.linkedin_ok(body)


async def organization_acls(request: Request) -> Response:
    grant = await rest_guard(request, "organization_acls", ADMIN_READ, any_of=True)
    q = query(request)
    if q.get("q") != "roleAssignee":
        raise error(400, "INVALID_ARGUMENT", "Unsupported finder; use q=roleAssignee")
    state = kit.state_of(request)
    role, wanted_state = q.get("role"), q.get("state", "APPROVED")
    rows = [
        {"role": "ADMINISTRATOR", "organization": urn, "roleAssignee": grant["subject"], "state": "APPROVED"}
        for urn in organizations_of(state, grant)
        if role in (None, "ADMINISTRATOR") and wanted_state == "APPROVED"
    ]  # fmt: skip
    start, count = int_param(q, "start", 0), int_param(q, "count", 10, maximum=100)
    return wire.linkedin_ok(paged(rows, start, count))


def organization_json(org: dict[str, Any]) -> dict[str, Any]:
    ident = int(org["id"].rsplit(":", 1)[1])
    return {
        "id": ident, "$URN": org["id"], "localizedName": org["name"], "vanityName": org.get("vanity_name"),
        "name": {"localized": {"en_US": org["name"]}, "preferredLocale": {"country": "US", "language": "en"}},
        "primaryOrganizationType": "NONE", "organizationType": "PRIVATELY_HELD", "locations": [],
    }  # fmt: skip


async def organizations(request: Request) -> Response:
    await rest_guard(request, "organizations")
    ident = str(request.path_params["ident"])
    org = kit.state_of(request).get(PLATFORM, "accounts", f"urn:li:organization:{ident}")
    if not ident.isdigit() or org is None:
        raise error(404, "RESOURCE_NOT_FOUND", f"Organization {ident} not found")
    return wire.linkedin_ok(organization_json(org))


# ----------------------------------------------------------------------------- assembly


def _audience_hook(state: SandboxState) -> Any:
    """Give audience comments their LinkedIn actor; LinkedIn pages have no DMs, so drop any."""

    def hook(event: AudienceEvent) -> None:
        with state.mutate():
            if event.kind == "comment":
                event.record.setdefault("actor", f"urn:li:person:{event.record['author']['id']}")
            elif event.kind == "message":
                state.table(PLATFORM, "messages").pop(event.record["id"], None)
                state.table(PLATFORM, "conversations").clear()

    return hook


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    from . import linkedin_content as content
    from . import linkedin_stats as stats

    state.audience_hooks[PLATFORM] = _audience_hook(state)
    return {
        "www": [
            Route("/oauth/v2/authorization", authorization, methods=["GET", "POST"]),
            Route("/oauth/v2/accessToken", access_token, methods=["POST"]),
            Route("/dms-uploads/{key}", content.upload, methods=["PUT"]),
            Route("/feed/update/{urn}/", content.permalink, methods=["GET"]),
        ],
        "api": [
            Route("/v2/userinfo", userinfo, methods=["GET"]),
            Route("/rest/organizationAcls", organization_acls, methods=["GET"]),
            Route("/rest/organizations/{ident}", organizations, methods=["GET"]),
            *content.routes(),
            *stats.routes(),
        ],
    }
