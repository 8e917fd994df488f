from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from manyhats.sandbox.state import STATE_FILE, SandboxState
from manyhats.sandbox.testing import run_sandbox_in_thread, test_config


def test_a_snapshot_is_json_and_a_deep_copy(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, config=test_config())
    snap = state.snapshot()
    json.dumps(snap)
    snap["platforms"]["meta"]["apps"].clear()
    assert state.get("meta", "apps", "sandbox-meta") is not None


def test_changes_are_saved_after_the_debounce_and_reloaded(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, config=test_config(save_delay=0.05))
    state.put("linkedin", "posts", {"id": "urn:li:share:1", "platform": "linkedin"})
    state.issue_token("linkedin", "p", ["r"], ttl=60)
    state.clock.advance(7200)
    state.touch()
    deadline = time.monotonic() + 3
    while not (tmp_path / STATE_FILE).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    again = SandboxState(tmp_path, config=test_config())
    assert again.get("linkedin", "posts", "urn:li:share:1") == {
        "id": "urn:li:share:1",
        "platform": "linkedin",
    }
    assert len(again.table("linkedin", "tokens")) == 1
    assert again.clock.now() - time.time() > 7100  # the advance survived the restart
    assert not list(tmp_path.glob(".sandbox-state.*"))  # no temp files left behind


def test_many_changes_cause_one_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = SandboxState(tmp_path, config=test_config(save_delay=0.2))
    writes: list[int] = []
    real_save = state.save

    def counting_save() -> None:
        writes.append(1)
        real_save()

    monkeypatch.setattr(state, "save", counting_save)
    for i in range(50):
        state.put("tiktok", "posts", {"id": str(i), "platform": "tiktok"})
    time.sleep(0.5)
    assert writes == [1]


def test_load_can_be_skipped_and_reset_restores_the_seed(tmp_path: Path) -> None:
    state = SandboxState(tmp_path, config=test_config())
    state.put("meta", "posts", {"id": "1", "platform": "facebook"})
    state.save()
    assert SandboxState(tmp_path, config=test_config(), load=False).table("meta", "posts") == {}
    loaded = SandboxState(tmp_path, config=test_config())
    assert "1" in loaded.table("meta", "posts")
    loaded.reset()
    assert loaded.table("meta", "posts") == {}


def test_a_running_sandbox_flushes_its_state_on_stop(tmp_path: Path) -> None:
    running = run_sandbox_in_thread(data_dir=tmp_path, config=test_config(save_delay=60))
    try:
        httpx.post(running.url + "/_sandbox/clock", json={"advance_seconds": 86400})
        running.state.put("tiktok", "posts", {"id": "v1", "platform": "tiktok"})
    finally:
        running.stop()
    saved = json.loads((tmp_path / STATE_FILE).read_text())
    assert "v1" in saved["platforms"]["tiktok"]["posts"]
    assert saved["clock"]["anchor_sim"] - saved["clock"]["anchor_wall"] >= 86400


def test_an_unreadable_snapshot_is_set_aside_and_the_seed_used(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text("{not json")
    state = SandboxState(tmp_path, config=test_config())
    assert len(state.table("meta", "accounts")) == 4
    assert (tmp_path / "sandbox-state.unreadable.json").read_text() == "{not json"
    assert not (tmp_path / STATE_FILE).exists()
