from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from manyhats.sandbox import audience, seed
from manyhats.sandbox.audience import TEMPLATES, Audience, final_totals, load_profile
from manyhats.sandbox.clock import Clock
from manyhats.sandbox.state import SandboxState
from manyhats.sandbox.testing import test_config

PUBLISHED = datetime(2026, 3, 10, 17, 0, tzinfo=UTC).timestamp()  # a Tuesday, 18:00 in Stockholm
HOUR = 3600.0


def make_state() -> SandboxState:
    state = SandboxState(None, config=test_config(), clock=Clock(wall=lambda: PUBLISHED))
    posts = [
        (
            "meta",
            "ig1",
            "instagram",
            seed.IG_ACCOUNTS[0],
            "reel",
            "Nytt bröd varje morgon! #fika #bakery Boka bord",
        ),
        ("meta", "fb1", "facebook", seed.META_PAGES[0], "image", "Fresh bread every morning."),
        (
            "linkedin",
            "urn:li:share:1",
            "linkedin",
            seed.LINKEDIN_ORGS[0],
            "document",
            "How we bake " * 60,
        ),
        ("tiktok", "v1", "tiktok", seed.TIKTOK_CREATORS[0], "video", "Watch the dough rise #bread"),
    ]
    for family, ident, platform, account, fmt, text in posts:
        state.put(family, "posts", {"id": ident, "platform": platform, "account_id": account,
                                    "format": fmt, "text": text, "published_at": PUBLISHED})  # fmt: skip
    return state


def run(state: SandboxState, hours: list[float], seed_: int = 7) -> None:
    engine = Audience(load_profile(), seed=seed_)
    for h in hours:
        engine.tick(state, PUBLISHED + h * HOUR)


def comparable(state: SandboxState) -> dict[str, object]:
    snap = state.snapshot()["platforms"]
    return {
        family: {
            "metrics": {
                k: {m: v for m, v in p["metrics"].items()} for k, p in tables["posts"].items()
            },
            "comments": sorted(
                (c["post_id"], c["text"], c["kind"], c["lang"], c["created_at"])
                for c in tables["comments"].values()
            ),
            "messages": sorted(
                (m["text"], m["kind"], m["created_at"]) for m in tables["messages"].values()
            ),
            "followers": {k: a["followers"] for k, a in tables["accounts"].items()},
        }
        for family, tables in snap.items()
    }


def test_the_same_seed_gives_the_same_audience() -> None:
    a, b = make_state(), make_state()
    run(a, [1, 6, 48])
    run(b, [1, 6, 48])
    assert comparable(a) == comparable(b)


def test_results_do_not_depend_on_how_often_it_ticks() -> None:
    a, b = make_state(), make_state()
    run(a, [48])
    run(b, [0.5 * i for i in range(1, 97)])
    assert comparable(a) == comparable(b)


def test_another_seed_gives_another_audience() -> None:
    a, b = make_state(), make_state()
    run(a, [48], seed_=1)
    run(b, [48], seed_=2)
    assert comparable(a) != comparable(b)


def test_metrics_grow_monotonically_and_saturate() -> None:
    state = make_state()
    engine = Audience(load_profile(), seed=3)
    history: list[dict[str, int]] = []
    for h in [0, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256]:
        engine.tick(state, PUBLISHED + h * HOUR)
        metrics = state.table("meta", "posts")["ig1"]["metrics"]
        history.append({m: v for m, v in metrics.items() if m != "updated_at"})
    for before, after in itertools.pairwise(history):
        assert all(after[m] >= before[m] for m in before)
    assert history[0]["impressions"] == 0
    assert history[4]["impressions"] > 0
    assert history[-1] == history[-2]  # saturated
    assert history[-1]["reach"] <= history[-1]["impressions"]


def test_comments_and_dms_are_spawned_in_english_and_swedish() -> None:
    state = make_state()
    run(state, [72])
    comments = list(state.table("meta", "comments").values()) + list(
        state.table("tiktok", "comments").values()
    )
    assert comments
    assert {c["lang"] for c in comments} == {"en", "sv"}
    assert {c["kind"] for c in comments} <= set(TEMPLATES)
    assert len({c["kind"] for c in comments}) >= 3
    for c in comments:
        assert c["created_at"] <= PUBLISHED + 72 * HOUR
        assert c["author"]["name"]
    ig_comments = [c for c in comments if c["post_id"] == "ig1"]
    assert len(ig_comments) == state.get("meta", "posts", "ig1")["metrics"]["comments"]  # type: ignore[index]
    messages = list(state.table("meta", "messages").values())
    assert messages
    conversations = state.table("meta", "conversations")
    assert sum(c["message_count"] for c in conversations.values()) == len(messages)
    assert state.table("linkedin", "messages") == {}  # no DM base rate for LinkedIn


def test_followers_grow_with_reach() -> None:
    state = make_state()
    before = state.get("tiktok", "accounts", seed.TIKTOK_CREATORS[0])["followers"]  # type: ignore[index]
    run(state, [200])
    assert state.get("tiktok", "accounts", seed.TIKTOK_CREATORS[0])["followers"] > before  # type: ignore[index]


def test_deleted_and_future_posts_are_left_alone() -> None:
    state = make_state()
    state.get("meta", "posts", "fb1")["deleted"] = True  # type: ignore[index]
    state.put("meta", "posts", {"id": "later", "platform": "facebook", "account_id": seed.META_PAGES[0],
                                "format": "text", "text": "x", "published_at": PUBLISHED + 1000 * HOUR})  # fmt: skip
    run(state, [48])
    assert "metrics" not in state.get("meta", "posts", "fb1")  # type: ignore[operator]
    assert "metrics" not in state.get("meta", "posts", "later")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("platform", "change", "metric"),
    [
        ("facebook", {"text": "Fresh bread. Learn more!"}, "clicks"),
        ("instagram", {"pillar": "educational"}, "saves"),
    ],
)
def test_profile_multipliers_move_the_totals(
    platform: str, change: dict[str, str], metric: str
) -> None:
    profile = load_profile()
    post = {
        "id": "p",
        "platform": platform,
        "format": "image",
        "text": "Fresh bread.",
        "published_at": PUBLISHED,
    }
    plain = final_totals(post, profile, 1, 1000)
    boosted = final_totals(post | change, profile, 1, 1000)
    assert boosted[metric] > plain[metric]


def test_the_module_tick_uses_the_state_clock_and_config() -> None:
    state = make_state()
    state.clock.advance(24 * HOUR)
    events = audience.tick(state)
    assert {e.kind for e in events} == {"comment", "message"}
    assert state.get("tiktok", "posts", "v1")["metrics"]["video_views"] > 0  # type: ignore[index]
