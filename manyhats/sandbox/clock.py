"""The simulated clock: every expiry in the sandbox and the audience run on it.

`now() = anchor_sim + (wall time - anchor_wall) * speed`. Advancing adds to `anchor_sim`;
changing the speed re-anchors at the current simulated instant, so time never jumps back.
Persisted anchors keep counting while the sandbox is stopped (the platforms do not pause
either).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


class Clock:
    def __init__(self, speed: float = 1.0, *, wall: Callable[[], float] = time.time) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._wall = wall
        self._lock = threading.Lock()
        self._anchor_wall = wall()
        self._anchor_sim = self._anchor_wall
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        """Simulated time as Unix seconds."""
        with self._lock:
            return self._anchor_sim + (self._wall() - self._anchor_wall) * self._speed

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._anchor_sim += seconds
        return self.now()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        current = self.now()
        with self._lock:
            self._anchor_wall = self._wall()
            self._anchor_sim = current
            self._speed = float(speed)

    def reset(self, speed: float = 1.0) -> None:
        with self._lock:
            self._anchor_wall = self._wall()
            self._anchor_sim = self._anchor_wall
            self._speed = float(speed)

    def to_json(self) -> dict[str, Any]:
        now = self.now()
        with self._lock:
            return {
                "now": now,
                "now_iso": datetime.fromtimestamp(now, UTC).isoformat(),
                "speed": self._speed,
                "offset_seconds": now - self._wall(),
                "anchor_wall": self._anchor_wall,
                "anchor_sim": self._anchor_sim,
            }

    def load(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._anchor_wall = float(data["anchor_wall"])
            self._anchor_sim = float(data["anchor_sim"])
            self._speed = float(data["speed"])
