from __future__ import annotations

import base64
import hashlib

import pytest

from manyhats.sandbox.clock import Clock
from manyhats.sandbox.state import SandboxState, pkce_matches
from manyhats.sandbox.testing import test_config


class FakeWall:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
def state(wall: FakeWall) -> SandboxState:
    return SandboxState(None, config=test_config(), clock=Clock(wall=wall))


def test_the_clock_runs_at_its_speed_and_adds_advances(wall: FakeWall) -> None:
    clock = Clock(speed=60, wall=wall)
    start = clock.now()
    wall.t += 10
    assert clock.now() == start + 600
    clock.advance(3600)
    assert clock.now() == start + 4200
    clock.set_speed(1)
    wall.t += 10
    assert clock.now() == start + 4210  # re-anchored: no jump when the speed changes


def test_the_clock_refuses_to_go_back(wall: FakeWall) -> None:
    with pytest.raises(ValueError):
        Clock(wall=wall).advance(-1)
    with pytest.raises(ValueError):
        Clock(speed=0, wall=wall)


def test_a_token_is_valid_until_its_simulated_expiry(state: SandboxState) -> None:
    grant = state.issue_token("instagram", "17841400000000001", ["instagram_basic"], ttl=3600)
    assert grant["access_token"].startswith("EAA")
    assert state.check_token("instagram", grant["access_token"]).error is None
    state.clock.advance(3599)
    assert state.check_token("facebook", grant["access_token"]).error is None  # one Meta family
    state.clock.advance(1)
    assert state.check_token("instagram", grant["access_token"]).error == "expired"


def test_unknown_and_revoked_tokens_are_told_apart(state: SandboxState) -> None:
    grant = state.issue_token("linkedin", "urn:li:person:x", [], ttl=None)
    assert state.check_token("linkedin", "nope").error == "invalid"
    assert state.check_token("linkedin", None).error == "invalid"
    assert state.check_token("tiktok", grant["access_token"]).error == "invalid"  # other family
    assert state.revoke_token("linkedin", grant["access_token"]) is True
    assert state.check_token("linkedin", grant["access_token"]).error == "revoked"
    assert state.revoke_token("linkedin", "nope") is False


def test_a_refresh_rotates_the_tokens_and_keeps_the_grant(state: SandboxState) -> None:
    old = state.issue_token("tiktok", "open-1", ["video.publish"], ttl=86400, refresh_ttl=365 * 86400,
                            extra={"open_id": "open-1"})  # fmt: skip
    state.clock.advance(86400 * 2)
    assert state.check_token("tiktok", old["access_token"]).error == "expired"
    new = state.refresh_token("tiktok", old["refresh_token"], ttl=86400)
    assert new.error is None and new.grant is not None
    assert new.grant["refresh_token"] != old["refresh_token"]
    assert new.grant["open_id"] == "open-1"
    assert new.grant["scopes"] == ["video.publish"]
    assert new.grant["refresh_expires_at"] == pytest.approx(old["refresh_expires_at"])
    assert state.refresh_token("tiktok", old["refresh_token"], ttl=86400).error == "invalid"


def test_a_refresh_without_rotation_keeps_the_refresh_token(state: SandboxState) -> None:
    old = state.issue_token("linkedin", "p", ["r"], ttl=60, refresh_ttl=3600)
    first = state.refresh_token("linkedin", old["refresh_token"], ttl=60, rotate=False)
    assert first.grant is not None and first.grant["refresh_token"] == old["refresh_token"]
    second = state.refresh_token("linkedin", old["refresh_token"], ttl=60, rotate=False)
    assert second.error is None
    state.clock.advance(3600)
    assert state.refresh_token("linkedin", old["refresh_token"], ttl=60).error == "expired"


def test_an_authorization_code_works_once_and_expires(state: SandboxState) -> None:
    code = state.issue_code("linkedin", client_id="sandbox-linkedin", redirect_uri="http://x/cb",
                            subject="urn:li:person:x", scopes=["w_organization_social"])  # fmt: skip
    first = state.consume_code("linkedin", code)
    assert first.error is None and first.record is not None
    assert first.record["redirect_uri"] == "http://x/cb"
    assert state.consume_code("linkedin", code).error == "used"
    late = state.issue_code(
        "linkedin", client_id="c", redirect_uri="r", subject="s", scopes=[], ttl=60
    )
    state.clock.advance(61)
    assert state.consume_code("linkedin", late).error == "expired"
    assert state.consume_code("linkedin", "nope").error == "invalid"


def test_pkce_s256_and_plain_are_checked() -> None:
    verifier = "a" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    assert pkce_matches(verifier, challenge, "S256")
    assert not pkce_matches("b" * 50, challenge, "S256")
    assert pkce_matches(verifier, verifier, "plain")
    assert pkce_matches(verifier, None, None)


def test_stories_expire_after_24_simulated_hours(state: SandboxState) -> None:
    story = state.add_story("meta", {"id": "s1", "platform": "instagram"})
    state.clock.advance(23 * 3600)
    assert state.expire_stories() == 0
    state.clock.advance(3600)
    assert state.expire_stories() == 1
    assert story["expired"] is True
