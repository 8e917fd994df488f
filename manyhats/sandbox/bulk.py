"""Many accounts at once, for benchmarks and load tests: `POST /_sandbox/accounts`.

    {"platform": "linkedin" | "facebook" | "tiktok", "count": 1000, "prefix": "Bench"}

adds `count` accounts that Sandra Sandbox administers (LinkedIn organizations, Facebook
Pages, TikTok creators), each with a token that may publish as it, and answers
`{"accounts": [{"external_id", "name", "kind", "access_token", "refresh_token",
"expires_in", "scopes", "meta"}]}`, everything a ConnectedAccount needs. The consent pages
would offer them too, but connecting a thousand accounts through OAuth is not what a
benchmark measures. Ids are numbered on from the seeded ones, so calls can be repeated.
"""

from __future__ import annotations

from typing import Any

from . import seed
from .state import SandboxState

MAX_COUNT = 20_000
LINKEDIN_SCOPES = (
    "openid",
    "profile",
    "w_organization_social",
    "r_organization_social",
    "rw_organization_admin",
)
PAGE_SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "read_insights",
)
TIKTOK_SCOPES = ("user.info.basic", "video.publish", "video.upload", "video.list")
DAY = 86_400
PLATFORMS = ("linkedin", "facebook", "tiktok")


def add_accounts(
    state: SandboxState, platform: str, count: int, prefix: str = "Bench"
) -> list[dict[str, Any]]:
    """Add `count` accounts on `platform` administered by the seeded user; their tokens."""
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be between 1 and {MAX_COUNT}")
    return {"linkedin": _linkedin, "facebook": _facebook, "tiktok": _tiktok}[platform](
        state, count, prefix
    )


def _next(table: dict[str, Any], make: Any, start: int) -> Any:
    n = start
    while make(n) in table:
        n += 1
    return n


def _linkedin(state: SandboxState, count: int, prefix: str) -> list[dict[str, Any]]:
    grant = state.issue_token(
        "linkedin", seed.LINKEDIN_PERSON, list(LINKEDIN_SCOPES), 60 * DAY,
        refresh_ttl=365 * DAY, app_id="sandbox-linkedin",
    )  # fmt: skip
    out = []
    with state.mutate():
        accounts = state.table("linkedin", "accounts")
        user = state.table("linkedin", "users")[seed.LINKEDIN_PERSON]
        n = _next(accounts, lambda i: f"urn:li:organization:{91_000_000 + i}", 1)
        for i in range(n, n + count):
            urn = f"urn:li:organization:{91_000_000 + i}"
            name = f"{prefix} Page {i}"
            accounts[urn] = {
                "id": urn, "kind": "organization", "platform": "linkedin", "name": name,
                "vanity_name": f"{prefix.lower()}-page-{i}", "owner": seed.LINKEDIN_PERSON,
                "role": "ADMINISTRATOR", "followers": 100,
            }  # fmt: skip
            user["grants"].append(urn)
            out.append(_answer(urn, name, "organization", grant, {
                "member_urn": seed.LINKEDIN_PERSON, "member_name": seed.SANDRA,
            }))  # fmt: skip
    return out


def _facebook(state: SandboxState, count: int, prefix: str) -> list[dict[str, Any]]:
    out = []
    with state.mutate():
        accounts = state.table("meta", "accounts")
        n = _next(accounts, lambda i: str(210_000_000_000_000 + i), 1)
        pages = []
        for i in range(n, n + count):
            page = str(210_000_000_000_000 + i)
            name = f"{prefix} Page {i}"
            accounts[page] = {
                "id": page, "kind": "page", "platform": "facebook", "name": name,
                "username": f"{prefix.lower()}page{i}", "category": "Bakery",
                "owner": seed.META_USER_ID, "instagram_business_account": None,
                "followers": 100, "tasks": ["ANALYZE", "CREATE_CONTENT", "MODERATE", "MANAGE"],
            }  # fmt: skip
            pages.append((page, name))
        state.table("meta", "users")[seed.META_USER_ID]["grants"].extend(p for p, _ in pages)
    for page, name in pages:
        grant = state.issue_token(
            "facebook", page, list(PAGE_SCOPES), None, app_id="sandbox-facebook",
            extra={"type": "PAGE", "page_id": page, "user_id": seed.META_USER_ID,
                   "assets": [page]},
        )  # fmt: skip
        out.append(_answer(page, name, "page", grant, {"login": "facebook"}))
    return out


def _tiktok(state: SandboxState, count: int, prefix: str) -> list[dict[str, Any]]:
    out = []
    with state.mutate():
        accounts = state.table("tiktok", "accounts")
        n = _next(accounts, lambda i: f"-000BeNcH{i:011d}", 1)
        made = []
        for i in range(n, n + count):
            open_id = f"-000BeNcH{i:011d}"
            template = dict(accounts[seed.TIKTOK_CREATORS[0]])
            template |= {
                "id": open_id, "open_id": open_id, "union_id": f"bench-union-{i}",
                "name": f"{prefix} Creator {i}", "username": f"{prefix.lower()}.creator{i}",
            }  # fmt: skip
            accounts[open_id] = template
            made.append((open_id, template["name"]))
        state.table("tiktok", "users")[seed.TIKTOK_USER_ID]["grants"].extend(o for o, _ in made)
    for open_id, name in made:
        grant = state.issue_token(
            "tiktok", open_id, list(TIKTOK_SCOPES), DAY, refresh_ttl=365 * DAY,
            app_id="sandbox-tiktok",
        )  # fmt: skip
        out.append(_answer(open_id, name, "creator", grant, {}))
    return out


def _answer(
    external_id: str, name: str, kind: str, grant: dict[str, Any], meta: dict[str, Any]
) -> dict[str, Any]:
    expires = grant["expires_at"]
    return {
        "external_id": external_id,
        "name": name,
        "kind": kind,
        "access_token": grant["access_token"],
        "refresh_token": grant["refresh_token"] or "",
        "expires_in": None if expires is None else int(expires - grant["issued_at"]),
        "scopes": list(grant["scopes"]),
        "meta": meta,
    }
