"""The content behind `manyhats demo`: a small library, a strategy and a backlog of ideas.

Idempotent: a workspace that already has media is left alone. The pictures
are drawn with Pillow and the video is an ffmpeg test pattern, so nothing is
downloaded and nothing of anyone else's is shipped.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from manyhats.content.media import add_subtitle_track, ingest_upload, request_renditions
from manyhats.content.media.models import MediaAsset
from manyhats.content.media.testing import make_video
from manyhats.content.posts import actions
from manyhats.content.posts.models import Campaign, ComposerSettings, HashtagGroup, Persona, Pillar
from manyhats.workspaces.models import Membership, Workspace

# (file name, title, alt text, tags, colours top -> bottom, focal point)
PICTURES = [
    (
        "espresso.jpg",
        "Espresso at the bar",
        "A cup of espresso on a wooden bar, steam rising.",
        ["kaffe", "espresso"],
        ((92, 58, 33), (222, 184, 135)),
        (0.5, 0.4),
    ),
    (
        "roastery.jpg",
        "The roaster at work",
        "The coffee roaster pouring freshly roasted beans into the cooling tray.",
        ["rosteri", "bakom-kulisserna"],
        ((40, 40, 48), (196, 120, 60)),
        (0.35, 0.5),
    ),
    (
        "kanelbulle.jpg",
        "Kanelbulle and coffee",
        "A cinnamon bun next to a cup of filter coffee on a white table.",
        ["fika", "kanelbulle"],
        ((245, 222, 179), (160, 82, 45)),
        (0.5, 0.6),
    ),
    (
        "autumn-blend.jpg",
        "Autumn blend bag",
        "",  # left empty on purpose: the composer warns about missing alt text
        ["höstblend", "produkt"],
        ((178, 34, 34), (255, 140, 0)),
        (0.5, 0.5),
    ),
]
SUBTITLES_SV = """1
00:00:00,500 --> 00:00:03,000
Så här rostar vi höstens blend.

2
00:00:03,200 --> 00:00:06,500
Mörk, söt och med toner av kanel.

3
00:00:06,800 --> 00:00:09,500
Finns i butiken från fredag.
"""
IDEAS = [
    ("Behind the scenes: a day with the roaster", "rosteri"),
    ("Customer of the week: story takeover", "gemenskap"),
    ("How to brew filter coffee at home (carousel)", "kunskap"),
]


def _picture(
    size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int], label: str
) -> bytes:
    width, height = size
    mask = Image.linear_gradient("L").resize((width, height))
    im = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(im)
    try:
        font: Any = ImageFont.truetype("DejaVuSans-Bold.ttf", size=width // 14)
    except OSError:
        font = ImageFont.load_default()
    draw.text((width * 0.08, height * 0.78), label, fill=(255, 255, 255), font=font)
    draw.ellipse(
        (width * 0.3, height * 0.25, width * 0.7, height * 0.25 + width * 0.4),
        outline=(255, 255, 255),
        width=max(4, width // 200),
    )
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def seed_content(workspace: Workspace, owner: Any) -> None:
    if MediaAsset.objects.filter(workspace=workspace).exists():
        return
    ComposerSettings.of(workspace)
    pillars = {
        key: Pillar.objects.get_or_create(
            workspace=workspace, name=name, defaults={"color": color, "description": text}
        )[0]
        for key, name, color, text in [
            ("kunskap", "Kaffekunskap", "#8b5a2b", "Brewing, origins, roasting: we teach."),
            ("rosteri", "Bakom kulisserna", "#2f6f4f", "The people and the craft behind the cup."),
            ("gemenskap", "Gemenskap", "#b8476b", "Our guests and neighbours."),
        ]
    }
    Persona.objects.get_or_create(
        workspace=workspace,
        name="Kaffenörden Karin",
        defaults={"description": "35, brews at home, follows origins and roast dates."},
    )
    Persona.objects.get_or_create(
        workspace=workspace,
        name="Fikasugna Filip",
        defaults={"description": "24, comes for the buns, shares on TikTok."},
    )
    Campaign.objects.get_or_create(
        workspace=workspace, slug="hostblend-2026", defaults={"name": "Höstblend 2026"}
    )
    HashtagGroup.objects.get_or_create(
        workspace=workspace, name="Fika", defaults={"tags": ["fika", "kanelbulle", "kaffe"]}
    )
    HashtagGroup.objects.get_or_create(
        workspace=workspace,
        name="Rosteri",
        defaults={"tags": ["specialtykaffe", "rosteri", "stockholm"]},
    )
    for name, title, alt, tags, (top, bottom), (fx, fy) in PICTURES:
        data = _picture((2400, 1800), top, bottom, title)
        asset = ingest_upload(
            workspace, owner, SimpleUploadedFile(name, data), title=title, alt_text=alt
        )
        asset.tags, asset.focal_x, asset.focal_y = tags, fx, fy
        asset.save(update_fields=["tags", "focal_x", "focal_y"])
    with tempfile.TemporaryDirectory() as folder:
        path = make_video(
            Path(folder) / "roast.mp4", width=720, height=1280, seconds=10, pattern="testsrc2"
        )
        video = ingest_upload(
            workspace,
            owner,
            SimpleUploadedFile("hostblend-roast.mp4", path.read_bytes()),
            title="Roasting the autumn blend",
        )
    video.tags = ["höstblend", "rosteri"]
    video.save(update_fields=["tags"])
    add_subtitle_track(video, SUBTITLES_SV.encode(), language="sv")
    request_renditions(video, ["cover"])
    from manyhats.content.tasks import make_asset_renditions

    make_asset_renditions.enqueue(video.pk)
    membership = Membership.objects.get(workspace=workspace, user=owner)
    for title, pillar in IDEAS:
        actions.do_create_post(
            membership,
            fields={"title": title, "pillar": pillars[pillar].pk},
            status="idea",
        )
    from manyhats.content.planning.demo import seed_strategy

    seed_strategy(workspace, owner)  # pillar shares, personas, goals, frequency, ~50 ideas
