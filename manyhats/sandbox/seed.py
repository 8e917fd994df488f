"""The seeded state: well-known app credentials and one test user per family.

Sandra Sandbox can grant two Facebook Pages (each with a linked Instagram business account),
two LinkedIn organizations and two TikTok creators. Ids are fixed so tests and fixtures can
name them.
"""

from __future__ import annotations

from typing import Any

SANDRA = "Sandra Sandbox"
META_USER_ID = "100000000000001"
META_PAGES = ("200000000000001", "200000000000002")
IG_ACCOUNTS = ("17841400000000001", "17841400000000002")
LINKEDIN_PERSON_ID = "sNdRaSbx01"
LINKEDIN_PERSON = f"urn:li:person:{LINKEDIN_PERSON_ID}"
LINKEDIN_ORGS = ("urn:li:organization:90000001", "urn:li:organization:90000002")
TIKTOK_USER_ID = "sandra"
TIKTOK_CREATORS = ("-000SaNdBoXcReAtOr01", "-000SaNdBoXcReAtOr02")

TABLES = (
    "apps",
    "users",
    "accounts",
    "tokens",
    "refresh_tokens",
    "codes",
    "media",
    "posts",
    "stories",
    "comments",
    "conversations",
    "messages",
    "insights",
    "webhook_deliveries",
)


def _app(client_id: str, secret: str, name: str) -> dict[str, Any]:
    return {
        "id": client_id,
        "secret": secret,
        "name": name,
        "webhook": {"url": None, "verify_token": None, "fields": []},
    }


def _empty() -> dict[str, dict[str, Any]]:
    return {table: {} for table in TABLES}


def seed_meta() -> dict[str, dict[str, Any]]:
    data = _empty()
    # One Meta app serves facebook and instagram; the per-platform names are aliases so a
    # config that derives `sandbox-<platform>` also works (Instagram Login has its own app id).
    for client_id in ("sandbox-meta", "sandbox-facebook", "sandbox-instagram"):
        suffix = client_id.removeprefix("sandbox-")
        data["apps"][client_id] = _app(
            client_id, f"sandbox-secret-{suffix}", "manyhats sandbox app"
        )
    data["users"][META_USER_ID] = {
        "id": META_USER_ID,
        "name": SANDRA,
        "email": "sandra@sandbox.test",
        "grants": [*META_PAGES, *IG_ACCOUNTS],
    }
    brands = (
        ("Sandbox Bakery", "sandboxbakery", "Bakery"),
        ("Sandbox Bikes", "sandboxbikes", "Bicycle Shop"),
    )
    for (name, handle, category), page_id, ig_id in zip(
        brands, META_PAGES, IG_ACCOUNTS, strict=True
    ):
        data["accounts"][page_id] = {
            "id": page_id,
            "kind": "page",
            "platform": "facebook",
            "name": name,
            "username": handle,
            "category": category,
            "owner": META_USER_ID,
            "instagram_business_account": ig_id,
            "followers": 1200,
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }
        data["accounts"][ig_id] = {
            "id": ig_id,
            "kind": "ig_business",
            "platform": "instagram",
            "name": name,
            "username": handle.replace("sandbox", "sandbox."),
            "owner": META_USER_ID,
            "page_id": page_id,
            "followers": 3400,
            "follows": 180,
            "publishing_quota": 100,
        }
    return data


def seed_linkedin() -> dict[str, dict[str, Any]]:
    data = _empty()
    data["apps"]["sandbox-linkedin"] = _app(
        "sandbox-linkedin", "sandbox-secret-linkedin", "manyhats sandbox app"
    )
    data["users"][LINKEDIN_PERSON] = {
        "id": LINKEDIN_PERSON,
        "sub": LINKEDIN_PERSON_ID,
        "name": SANDRA,
        "given_name": "Sandra",
        "family_name": "Sandbox",
        "email": "sandra@sandbox.test",
        "locale": {"country": "SE", "language": "sv"},
        "grants": list(LINKEDIN_ORGS),
    }
    for urn, (name, vanity) in zip(
        LINKEDIN_ORGS,
        (("Sandbox Bakery AB", "sandbox-bakery"), ("Sandbox Bikes AB", "sandbox-bikes")),
        strict=True,
    ):
        data["accounts"][urn] = {
            "id": urn,
            "kind": "organization",
            "platform": "linkedin",
            "name": name,
            "vanity_name": vanity,
            "owner": LINKEDIN_PERSON,
            "role": "ADMINISTRATOR",
            "followers": 850,
        }
    return data


def seed_tiktok() -> dict[str, dict[str, Any]]:
    data = _empty()
    data["apps"]["sandbox-tiktok"] = _app(
        "sandbox-tiktok", "sandbox-secret-tiktok", "manyhats sandbox app"
    )
    data["users"][TIKTOK_USER_ID] = {
        "id": TIKTOK_USER_ID,
        "name": SANDRA,
        "email": "sandra@sandbox.test",
        "grants": list(TIKTOK_CREATORS),
    }
    for open_id, (display, username), n in zip(
        TIKTOK_CREATORS,
        (("Sandra Bakes", "sandra.bakes"), ("Sandra Rides", "sandra.rides")),
        (1, 2),
        strict=True,
    ):
        data["accounts"][open_id] = {
            "id": open_id,
            "kind": "creator",
            "platform": "tiktok",
            "open_id": open_id,
            "union_id": f"sandbox-union-{n:02d}",
            "name": display,
            "username": username,
            "owner": TIKTOK_USER_ID,
            "followers": 5100,
            "privacy_level_options": [
                "PUBLIC_TO_EVERYONE",
                "MUTUAL_FOLLOW_FRIENDS",
                "FOLLOWER_OF_CREATOR",
                "SELF_ONLY",
            ],
            "max_video_post_duration_sec": 600,
            "comment_disabled": False,
            "duet_disabled": False,
            "stitch_disabled": True,
        }
    return data


def seeded() -> dict[str, dict[str, dict[str, Any]]]:
    return {"meta": seed_meta(), "linkedin": seed_linkedin(), "tiktok": seed_tiktok()}
