"""The versions we can make of an asset, one key each. Platforms' rules pick among them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IMAGE = "image"
VIDEO = "video"


@dataclass(frozen=True)
class RenditionSpec:
    key: str
    label: Promise
    width: int  # 0: keep the source's shape (cover frames)
    height: int
    kinds: frozenset[str]
    output: str  # "jpeg" | "mp4"

    def output_for(self, kind: str) -> str:
        return "jpeg" if kind == IMAGE else self.output


SPECS: dict[str, RenditionSpec] = {
    spec.key: spec
    for spec in (
        RenditionSpec("square_1x1", _("square 1:1"), 1080, 1080, frozenset({IMAGE, VIDEO}), "mp4"),
        RenditionSpec(
            "ig_feed_4x5", _("portrait 4:5"), 1080, 1350, frozenset({IMAGE, VIDEO}), "mp4"
        ),
        RenditionSpec(
            "link_1_91x1", _("link preview 1.91:1"), 1200, 628, frozenset({IMAGE}), "jpeg"
        ),
        RenditionSpec("story_9x16", _("story 9:16"), 1080, 1920, frozenset({IMAGE, VIDEO}), "mp4"),
        RenditionSpec(
            "reel_tiktok_1080x1920",
            _("Reels and TikTok 9:16"),
            1080,
            1920,
            frozenset({VIDEO}),
            "mp4",
        ),
        RenditionSpec("cover", _("cover frame"), 0, 0, frozenset({VIDEO}), "jpeg"),
    )
}
IMAGE_CROPS = ("square_1x1", "ig_feed_4x5", "link_1_91x1", "story_9x16")
COVER_MAX_SIDE = 1920
