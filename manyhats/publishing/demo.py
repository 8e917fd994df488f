"""The demo's publishing show: posts that go out on all four sandbox platforms at their
time, then posts that meet the sandbox's faults, so each failure can be seen explained
where a person looks (the post's schedule panel, Publishing health, notifications).

Runs once the demo accounts are connected (`manyhats demo`), at most once per data
folder: the posts carry a fixed working title, so a restart finds them and does nothing.

    schedule_showcase(workspace)        posts scheduled a minute or two ahead
    FAULTS                              sandbox fault rules, one hit each
    inject_faults(sandbox_url)          armed just before the fault posts are due
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.utils import timezone

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

log = logging.getLogger(__name__)

# When the show's posts are due, from the moment it is set up.
ON_TIME_AFTER = timedelta(seconds=90)
FAULTS_AFTER = timedelta(minutes=4)
# The fault rules are armed this long before the fault posts are due: after the on-time
# posts are out (they would otherwise take the faults), before the fault posts go.
ARM_BEFORE = timedelta(seconds=40)

TIKTOK_OPTIONS = {
    "privacy_level": "SELF_ONLY",
    "disable_comment": False,
    "disable_duet": False,
    "disable_stitch": False,
}

# One hit each (count 1). Endpoint names are the sandbox's (docs/sandbox.md).
FAULTS: list[dict[str, Any]] = [
    # The post is made, the answer never arrives: unconfirmed, looked up, found: published.
    {"platform": "linkedin", "endpoint": "posts_create", "kind": "response_lost", "count": 1},
    # Too many calls (Meta answers with its app-level code 4 and X-App-Usage at 100 %):
    # every Facebook post of the app waits for the pause, shown with its end, then goes.
    {"platform": "facebook", "endpoint": "feed", "kind": "429", "count": 1, "retry_after": 20},
    # The platform cannot fetch the picture: retried with fresh media URLs, with the
    # platform's message shown meanwhile (five failures in a row would fail it).
    {"platform": "instagram", "endpoint": "media", "kind": "media_failed", "count": 1},
    # A server error on TikTok after the request went out: unconfirmed, looked up on
    # TikTok, sent again only once TikTok shows no such post.
    {"platform": "tiktok", "endpoint": "content_init", "kind": "5xx", "count": 1},
]


@dataclass(frozen=True)
class ShowPost:
    title: str
    text: str
    formats: dict[str, str]  # platform -> format
    picture: str  # a demo library asset's title
    faults: bool = False


SHOW = [
    ShowPost(
        "Demo: Veckans böna ute i tid",
        "Veckans böna: Etiopien Guji, med toner av persika och jasmin. Finns i butiken nu. "
        "#specialtykaffe #nordkaffe",
        {"facebook": "image", "instagram": "image", "linkedin": "image", "tiktok": "photo_post"},
        "Espresso at the bar",
    ),
    ShowPost(
        "Demo: Fel som visas och förklaras",
        "Bakom kulisserna: så rostar vi höstblandningen. #rosteri #nordkaffe",
        {"facebook": "text", "instagram": "image", "linkedin": "text", "tiktok": "photo_post"},
        "The roaster at work",
        faults=True,
    ),
]


def _approver(workspace: Workspace) -> Membership:
    found = (
        Membership.objects.filter(workspace=workspace, role__in=[Role.OWNER, Role.MANAGER])
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    if found is None:
        raise LookupError("the demo workspace has no owner or manager")
    return found


def _accounts(workspace: Workspace) -> dict[str, ConnectedAccount]:
    """The first active account per platform."""
    accounts: dict[str, ConnectedAccount] = {}
    for account in ConnectedAccount.objects.filter(workspace=workspace, status="active").order_by(
        "pk"
    ):
        accounts.setdefault(account.platform, account)
    return accounts


def schedule_showcase(workspace: Workspace) -> list[Post]:
    """Schedule the show's posts (idempotent: none is made twice). The posts scheduled now;
    an empty list when they exist already or no account is connected."""
    if Post.objects.filter(workspace=workspace, title__in=[s.title for s in SHOW]).exists():
        return []
    accounts = _accounts(workspace)
    if not accounts:
        return []
    membership = _approver(workspace)
    now = timezone.now()
    made = []
    for spec in SHOW:
        asset = MediaAsset.objects.filter(workspace=workspace, title=spec.picture).first()
        targets = [
            TargetInput(
                account.pk,
                spec.formats[platform],
                options=dict(TIKTOK_OPTIONS) if platform == "tiktok" else {},
                # A text post carries no picture: its own, empty media list.
                media=[] if spec.formats[platform] == "text" else None,
            )
            for platform, account in accounts.items()
            if platform in spec.formats
        ]
        post = actions.do_create_post(
            membership,
            fields={"title": spec.title, "text": spec.text},
            media=[asset.pk] if asset is not None else [],
            targets=targets,
        )
        actions.do_approve(membership, post)
        at = now + (FAULTS_AFTER if spec.faults else ON_TIME_AFTER)
        engine.schedule(membership, post, at.replace(microsecond=0))
        made.append(post)
    return made


def fault_arm_delay() -> float:
    """Seconds from the show's set-up until the fault rules should be armed."""
    return (FAULTS_AFTER - ARM_BEFORE).total_seconds()


def inject_faults(sandbox_url: str) -> int:
    """Arm the show's fault rules on the sandbox; the number accepted (0 on failure, logged)."""
    try:
        response = httpx.post(f"{sandbox_url.rstrip('/')}/_sandbox/faults", json=FAULTS, timeout=10)
        response.raise_for_status()
    except httpx.HTTPError:
        log.exception("arming the demo's sandbox faults failed")
        return 0
    return len(FAULTS)
