"""The media library pages: uploading, finding, describing, cropping, subtitling and serving files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from conftest import client_for
from manyhats.content.media import ingest_upload, make_renditions
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.testing import jpeg_bytes, make_audio, make_video, png_bytes, upload
from manyhats.content.views.media import UNSATISFIABLE, requested_range
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import AuditEvent

SRT = b"1\n00:00:00,200 --> 00:00:00,900\nHello there\n\n2\n00:00:01,000 --> 00:00:01,400\nBye\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "superfast"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "video": make_video(folder / "clip.mp4", width=320, height=240, seconds=1.5).read_bytes(),
        "music": make_audio(folder / "music.mp3", seconds=1).read_bytes(),
    }


@pytest.fixture
def owner(members):
    return members["owner"]


@pytest.fixture
def editor_client(members):
    return client_for(members["editor"])


def url(name: str, *args: object) -> str:
    return reverse(name, args=["acme", *args])


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def add(workspace, user, name: str, data: bytes, **fields: object) -> MediaAsset:
    asset = ingest_upload(workspace, user, upload(name, data))
    for key, value in fields.items():
        setattr(asset, key, value)
    if fields:
        asset.save()
    return asset


def body(response) -> bytes:
    """The bytes of a streamed (file) response."""
    return b"".join(response.streaming_content)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --------------------------------------------------------------------------- uploading


def test_a_jpeg_and_a_png_are_uploaded_together_and_get_thumbnails(editor_client, media_root):
    response = editor_client.post(
        url("media_upload"),
        {
            "files": [
                upload("beach.jpg", jpeg_bytes(1200, 800)),
                upload("logo.png", png_bytes(300, 300, alpha=True)),
            ]
        },
    )

    assert response.status_code == 200
    page = text_of(response)
    assert "beach.jpg</strong>: added." in page and "logo.png</strong>: added." in page
    beach = MediaAsset.objects.get(original_name="beach.jpg")
    logo = MediaAsset.objects.get(original_name="logo.png")
    assert (beach.kind, beach.mime, beach.width, beach.height) == ("image", "image/jpeg", 1200, 800)
    assert logo.mime == "image/png"
    # Thumbnails are made at once, at most 480 pixels on the long side.
    with Image.open(media_root / beach.folder / "thumb.jpg") as thumb:
        assert thumb.format == "JPEG" and thumb.size == (480, 320)
    # The new files are in the grid underneath.
    assert url("media_asset", beach.uuid) in page and url("media_thumb", logo.uuid) in page


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("broken.jpg", jpeg_bytes(800, 600)[:3000], "This image could not be read"),
        ("notes.jpg", b"Shopping list: milk, eggs, coffee\n" * 20, "kind of file is not supported"),
    ],
    ids=["corrupt-jpeg", "text-named-jpg"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_leaves_nothing(
    editor_client, media_root, name, data, expected
):
    response = editor_client.post(url("media_upload"), {"files": [upload(name, data)]})

    assert response.status_code == 400
    assert expected in text_of(response)
    assert MediaAsset.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused_while_it_streams_in(
    editor_client, media_root, settings, tmp_path, monkeypatch
):
    from manyhats.content.views import media as views

    ingested: list[str] = []
    real_ingest = views.ingest_upload

    def spy(workspace, user, uploaded, **kwargs):
        ingested.append(uploaded.name)
        return real_ingest(workspace, user, uploaded, **kwargs)

    monkeypatch.setattr(views, "ingest_upload", spy)
    settings.MANYHATS_MAX_IMAGE_BYTES = 100_000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE, so Django would stream it to a temporary file;
    # the message still gives its whole size (3 MB and a bit = 2.9 MiB).
    big = jpeg_bytes(1600, 1200) + b"\0" * 3_000_000

    response = editor_client.post(
        url("media_upload"),
        {"files": [upload("huge.jpg", big), upload("small.jpg", jpeg_bytes(64, 48))]},
    )

    page = text_of(response)
    assert response.status_code == 200  # the small one was added
    assert (
        "huge.jpg</strong>: This file is 2.9 MB; the largest image file allowed is 97.7 KB." in page
    )
    assert "small.jpg</strong>: added." in page
    assert list(MediaAsset.objects.values_list("original_name", flat=True)) == ["small.jpg"]
    names = {p.name for p in stored_files(media_root)}
    assert names == {"original.jpg", "thumb.jpg"}
    assert list((tmp_path / "uploads").iterdir()) == []
    assert ingested == ["small.jpg"]  # the large one never got past the upload handler


def test_the_same_file_twice_is_reported_as_already_in_the_library(editor_client):
    data = jpeg_bytes(320, 240)
    editor_client.post(url("media_upload"), {"files": [upload("a.jpg", data)]})

    response = editor_client.post(url("media_upload"), {"files": [upload("copy.jpg", data)]})

    assert "copy.jpg</strong>: already in the library." in text_of(response)
    assert MediaAsset.objects.count() == 1


def test_an_htmx_upload_answers_with_the_results_and_asks_the_grid_to_refresh(editor_client):
    response = editor_client.post(
        url("media_upload"),
        {"files": [upload("a.jpg", jpeg_bytes(64, 48))]},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "media-changed"
    assert "<html" not in response.content.decode() and "a.jpg</strong>: added." in text_of(
        response
    )


def test_an_upload_without_files_says_what_to_do(editor_client):
    response = editor_client.post(url("media_upload"), {})

    assert response.status_code == 400
    assert "Choose one or more files to upload." in text_of(response)


def test_a_video_upload_queues_its_cover_frame_which_becomes_its_thumbnail(
    editor_client, clips, media_root
):
    editor_client.post(url("media_upload"), {"files": [upload("clip.mp4", clips["video"])]})
    video = MediaAsset.objects.get()
    assert video.status == "processing"
    assert video.renditions.get().spec == "cover"
    placeholder = editor_client.get(url("media_thumb", video.uuid))
    assert placeholder["Content-Type"] == "image/svg+xml"

    run_tasks()

    video.refresh_from_db()
    assert video.status == "ready"
    thumb = editor_client.get(url("media_thumb", video.uuid))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert body(thumb)[:2] == b"\xff\xd8"


# --------------------------------------------------------------------------- finding


def test_the_library_searches_titles_names_alt_text_and_tags_and_filters_by_tag_and_kind(
    workspace, owner, editor_client, clips
):
    add(workspace, owner, "IMG_0001.jpg", jpeg_bytes(64, 48), title="Midsummer table")
    add(workspace, owner, "IMG_0002.jpg", jpeg_bytes(65, 48), alt_text="A cinnamon bun")
    add(workspace, owner, "IMG_0003.jpg", jpeg_bytes(66, 48), tags=["fika", "café"])
    add(workspace, owner, "clip.mp4", clips["video"], tags=["fika"])

    def names(**params: str) -> set[str]:
        page = editor_client.get(url("media_library"), params).content.decode()
        return set(re.findall(r'class="asset-name">([^<]+)<', page))

    assert names() == {"Midsummer table", "IMG_0002.jpg", "IMG_0003.jpg", "clip.mp4"}
    assert names(q="midsummer") == {"Midsummer table"}
    assert names(q="cinnamon") == {"IMG_0002.jpg"}
    assert names(q="0003") == {"IMG_0003.jpg"}
    assert names(q="CAFÉ") == {"IMG_0003.jpg"}
    assert names(tag="fika") == {"IMG_0003.jpg", "clip.mp4"}
    assert names(tag="café") == {"IMG_0003.jpg"}
    assert names(tag="fika", kind="video") == {"clip.mp4"}
    assert names(q="nothing like this") == set()


def test_the_grid_is_newest_first_in_pages_of_48(workspace, owner, editor_client):
    for i in range(50):
        add(workspace, owner, f"p{i:02d}.jpg", jpeg_bytes(16 + i, 16, quality=50))

    first = editor_client.get(url("media_library")).content.decode()
    second = editor_client.get(url("media_library"), {"page": 2}).content.decode()

    assert first.count('class="asset-card"') == 48
    assert re.findall(r'class="asset-name">([^<]+)<', first)[:2] == ["p49.jpg", "p48.jpg"]
    assert re.findall(r'class="asset-name">([^<]+)<', second) == ["p01.jpg", "p00.jpg"]


def test_an_htmx_filter_answers_with_the_results_only(editor_client, workspace, owner):
    add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))

    response = editor_client.get(url("media_library"), {"q": "a"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="media-results"') and "<html" not in body
    assert "1 file matches." in text_of(response)


def test_the_grid_shows_status_failures_and_how_often_a_file_is_used(
    workspace, owner, editor_client
):
    from manyhats.content.posts.models import Post, PostMedia

    used = add(workspace, owner, "used.jpg", jpeg_bytes(64, 48))
    failed = add(workspace, owner, "failed.jpg", jpeg_bytes(65, 48))
    failed.status, failed.error_code = "failed", "source_missing"
    failed.save()
    for title in ("One", "Two"):
        post = Post.objects.create(workspace=workspace, title=title)
        PostMedia.objects.create(post=post, asset=used)

    page = text_of(editor_client.get(url("media_library")))

    assert "used in 2 posts" in page
    assert "The original file is missing from storage." in page
    assert 'class="badge danger">Failed<' in page


# --------------------------------------------------------------------------- describing


def test_title_alt_text_and_tags_are_saved_with_tags_cleaned(workspace, owner, editor_client):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))

    response = editor_client.post(
        url("media_asset", asset.uuid),
        {
            "title": " Team photo ",
            "alt_text": "Five people laughing.",
            "tags": "Team, #team summer",
        },
    )

    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.alt_text, asset.tags) == (
        "Team photo",
        "Five people laughing.",
        ["team", "summer"],
    )
    event = AuditEvent.objects.get(action="media.updated")
    assert event.after == {
        "title": "Team photo",
        "alt_text": "Five people laughing.",
        "tags": ["team", "summer"],
    }


def test_alt_text_over_instagrams_1000_characters_is_refused(workspace, owner, editor_client):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))

    response = editor_client.post(
        url("media_asset", asset.uuid), {"title": "", "alt_text": "x" * 1001, "tags": ""}
    )

    assert response.status_code == 400
    assert "1,000 characters at most" in text_of(response) and "this is 1001" in text_of(response)
    asset.refresh_from_db()
    assert asset.alt_text == ""


def test_a_guest_sees_the_asset_page_but_cannot_change_it(workspace, owner, members):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48), alt_text="A cup")
    guest = client_for(members["guest"])

    page = guest.get(url("media_asset", asset.uuid))
    assert page.status_code == 200 and "A cup" in text_of(page)
    assert "Save details" not in text_of(page)

    assert guest.post(url("media_asset", asset.uuid), {"alt_text": "Changed"}).status_code == 403


def test_the_focal_point_is_saved_within_bounds_and_crops_are_made_again(
    workspace, owner, editor_client
):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(400, 200))
    make_renditions(asset, ["square_1x1"])

    response = editor_client.post(
        url("media_focal", asset.uuid),
        {"focal_x": "25", "focal_y": "80"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and "Focal point saved." in text_of(response)
    assert "1 version is being made again" in text_of(response)
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y) == (0.25, 0.8)
    assert asset.renditions.get(spec="square_1x1").status == Rendition.Status.PENDING

    for bad in ({"focal_x": "101", "focal_y": "50"}, {"focal_x": "-1", "focal_y": "50"}):
        response = editor_client.post(url("media_focal", asset.uuid), bad)
        assert response.status_code == 302
        asset.refresh_from_db()
        assert (asset.focal_x, asset.focal_y) == (0.25, 0.8)
    page = text_of(editor_client.get(url("media_asset", asset.uuid)))
    assert "Ensure this value is greater than or equal to 0." in page


def test_a_failed_version_can_be_made_again(workspace, owner, editor_client, media_root):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(200, 200))
    (made,) = make_renditions(asset, ["ig_feed_4x5"])
    made.status, made.error_code = "failed", "render_failed"
    made.save()

    editor_client.post(url("media_versions", asset.uuid), {"again": "ig_feed_4x5"})
    assert asset.renditions.get().status == Rendition.Status.PENDING
    run_tasks()

    made.refresh_from_db()
    assert (made.status, made.width, made.height) == ("ready", 1080, 1350)


# --------------------------------------------------------------------------- subtitles


@pytest.fixture
def video(workspace, owner, clips) -> MediaAsset:
    return add(workspace, owner, "clip.mp4", clips["video"])


def test_an_srt_file_is_uploaded_and_offered_as_webvtt_and_srt(video, editor_client):
    response = editor_client.post(
        url("media_subtitles_add", video.uuid),
        {"language": "sv", "file": upload("clip.sv.srt", SRT)},
    )
    assert response.status_code == 302
    track = SubtitleTrack.objects.get(asset=video)
    assert track.language == "sv" and len(track.cues) == 2

    page = text_of(editor_client.get(url("media_asset", video.uuid)))
    track_url = url("media_subtitles_file", video.uuid, "sv")
    assert (
        f'<track kind="subtitles" srclang="sv" label="Swedish" src="{track_url}" default>' in page
    )

    vtt = editor_client.get(track_url, {"download": "1"})
    assert vtt["Content-Type"] == "text/vtt; charset=utf-8"
    assert vtt["Content-Disposition"] == 'attachment; filename="clip.sv.vtt"'
    assert vtt.content.decode().startswith("WEBVTT\n\n00:00:00.200 --> 00:00:00.900\nHello there")
    srt = editor_client.get(track_url, {"format": "srt"})
    assert srt.content.decode().startswith("1\n00:00:00,200 --> 00:00:00,900\nHello there")


def test_a_subtitle_file_with_broken_timings_is_refused_with_its_cue_named(video, editor_client):
    broken = b"1\n00:00:01,000 --> 00:00:00,500\nBackwards\n"

    response = editor_client.post(
        url("media_subtitles_add", video.uuid),
        {"language": "en", "file": upload("bad.srt", broken)},
    )

    assert response.status_code == 400
    assert "Cue 1 ends (00:00:00,500) before or when it starts" in text_of(response)
    assert not SubtitleTrack.objects.exists()


def edit_data(*rows: tuple[str, str, str]) -> dict[str, str]:
    data = {"cue-count": str(len(rows))}
    for i, (start, end, text) in enumerate(rows):
        data |= {f"cue-{i}-start": start, f"cue-{i}-end": end, f"cue-{i}-text": text}
    return data


def test_the_cue_editor_names_the_rows_that_are_wrong_and_saves_nothing(video, editor_client):
    SubtitleTrack.objects.create(
        asset=video, language="en", cues=[{"start_ms": 0, "end_ms": 500, "text": "Old"}]
    )

    response = editor_client.post(
        url("media_subtitles_edit", video.uuid, "en"),
        edit_data(
            ("00:00:00,100", "00:00:00,600", "Fine"),
            ("00:00:00,900", "00:00:00,700", "Backwards"),
            ("00:00:01,000", "00:00:09,000", "Past the end"),
            ("soon", "00:00:01,400", ""),
        ),
    )

    assert response.status_code == 400
    page = text_of(response)
    errors = re.findall(r'<ul class="errorlist" id="cue-(\d)-errors">(.*?)</ul>', page)
    assert [i for i, _ in errors] == ["1", "2", "3"]
    assert "The end must come after the start." in errors[0][1]
    assert "Ends after the video ends (it is 00:00:01,5" in errors[1][1]
    assert "Write the start as hours:minutes:seconds" in errors[2][1]
    assert "Type the text shown at this time" in errors[2][1]
    assert 'value="00:00:00,900"' in page  # what was typed stays
    assert SubtitleTrack.objects.get().cues == [{"start_ms": 0, "end_ms": 500, "text": "Old"}]


def test_typed_cues_are_sorted_small_overlaps_trimmed_and_saved(video, editor_client):
    response = editor_client.post(
        url("media_subtitles_edit", video.uuid, "de"),
        edit_data(
            ("00:00:00,800", "00:00:01,200", "Zwei"),
            ("0:00.1", "00:00:00,900", "Eins"),
            ("", "", ""),
        ),
    )

    assert response.status_code == 302
    track = SubtitleTrack.objects.get(asset=video, language="de")
    assert track.source == "manual"
    assert track.cues == [
        {"start_ms": 100, "end_ms": 800, "text": "Eins"},
        {"start_ms": 800, "end_ms": 1200, "text": "Zwei"},
    ]


def test_badly_overlapping_cues_are_refused(video, editor_client):
    response = editor_client.post(
        url("media_subtitles_edit", video.uuid, "en"),
        edit_data(("00:00:00,000", "00:00:01,000", "A"), ("00:00:00,300", "00:00:01,200", "B")),
    )

    assert response.status_code == 400
    assert "while the cue before is still shown (until 00:00:01,000)" in text_of(response)


def test_rows_marked_for_deletion_are_left_out_and_a_row_can_be_added(video, editor_client):
    data = edit_data(("00:00:00,000", "00:00:00,500", "Keep"), ("00:00:00,600", "00:00:01", "Drop"))

    added = editor_client.post(
        url("media_subtitles_edit", video.uuid, "en"), {**data, "action": "add"}
    )
    assert added.status_code == 200 and 'name="cue-2-start"' in added.content.decode()

    editor_client.post(url("media_subtitles_edit", video.uuid, "en"), {**data, "cue-1-delete": "1"})
    assert SubtitleTrack.objects.get().cues == [{"start_ms": 0, "end_ms": 500, "text": "Keep"}]


def test_a_new_language_can_be_typed_from_scratch(video, editor_client):
    response = editor_client.post(
        url("media_subtitles_add", video.uuid), {"language": "pt-BR", "type": "1"}
    )
    assert response["Location"] == url("media_subtitles_edit", video.uuid, "pt-BR")

    page = editor_client.get(response["Location"])
    assert page.status_code == 200 and 'name="cue-0-start" value=""' in page.content.decode()
    refused = editor_client.post(url("media_subtitles_add", video.uuid), {"language": "english!"})
    assert "is not a language code" in text_of(refused)


def test_a_sound_track_request_is_queued_for_the_vertical_version(
    workspace, owner, video, clips, editor_client
):
    music = add(workspace, owner, "music.mp3", clips["music"])
    page = text_of(editor_client.get(url("media_asset", video.uuid)))
    assert "music.mp3" in page

    response = editor_client.post(
        url("media_sound_track", video.uuid),
        {"audio": music.pk, "original_volume": "40", "track_volume": "150", "offset": "0.5"},
    )

    assert response.status_code == 302
    rendition = video.renditions.get(spec__startswith="reel_tiktok_1080x1920.")
    request = rendition.params["inputs"]["request"]
    assert (request["audio_asset_id"], request["original_volume"], request["track_volume"]) == (
        music.pk,
        0.4,
        1.5,
    )
    assert request["audio_offset_ms"] == 500 and rendition.status == "pending"
    page = text_of(editor_client.get(url("media_asset", video.uuid)))
    assert "sound track mixed in (video 40 %, track 150 %)" in page

    too_loud = editor_client.post(
        url("media_sound_track", video.uuid),
        {"audio": music.pk, "original_volume": "250", "track_volume": "100", "offset": "0"},
    )
    assert too_loud.status_code == 400


# --------------------------------------------------------------------------- serving files


def test_members_get_the_original_and_thumbnail_and_outsiders_get_404(
    workspace, owner, members, outsider, other_workspace
):
    asset = add(workspace, owner, "photo.png", png_bytes(800, 600))
    guest = client_for(members["guest"])

    original = guest.get(url("media_original", asset.uuid))
    assert original.status_code == 200
    assert original["Content-Type"] == "image/png"
    assert original["X-Content-Type-Options"] == "nosniff"
    assert original["Content-Disposition"] == 'inline; filename="photo.png"'
    assert original["Cache-Control"] == "private, max-age=86400"
    assert body(original) == png_bytes(800, 600)

    thumb = guest.get(url("media_thumb", asset.uuid))
    assert thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(body(thumb))).size) == 480

    stranger = client_for(outsider)
    for name in ("media_original", "media_thumb", "media_asset"):
        assert stranger.get(url(name, asset.uuid)).status_code == 404
        # Nor through a workspace of their own.
        assert stranger.get(reverse(name, args=["other", asset.uuid])).status_code == 404


def test_a_made_version_is_served_and_a_missing_one_is_404(workspace, owner, editor_client):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(300, 200))
    make_renditions(asset, ["square_1x1"])

    made = editor_client.get(url("media_rendition", asset.uuid, "square_1x1"))
    assert made.status_code == 200 and made["Content-Type"] == "image/jpeg"
    assert editor_client.get(url("media_rendition", asset.uuid, "story_9x16")).status_code == 404
    assert editor_client.get(url("media_rendition", asset.uuid, "..")).status_code == 404


def test_a_file_outside_the_assets_folder_is_never_served(
    workspace, owner, editor_client, tmp_path
):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))
    secret = tmp_path / "media" / "secret.txt"
    secret.write_text("do not serve")
    MediaAsset.objects.filter(pk=asset.pk).update(original="secret.txt")
    assert editor_client.get(url("media_original", asset.uuid)).status_code == 404
    MediaAsset.objects.filter(pk=asset.pk).update(original=f"{asset.folder}/../../../secret.txt")
    assert editor_client.get(url("media_original", asset.uuid)).status_code == 404


def test_a_range_request_gets_206_with_exactly_those_bytes(video, clips, editor_client):
    data = clips["video"]
    size = len(data)
    original = url("media_original", video.uuid)

    part = editor_client.get(original, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-1099/{size}"
    assert part["Content-Length"] == "1000" and part["Content-Type"] == "video/mp4"
    assert body(part) == data[100:1100]

    tail = editor_client.get(original, headers={"Range": "bytes=-500"})
    assert tail["Content-Range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert body(tail) == data[-500:]

    rest = editor_client.get(original, headers={"Range": f"bytes={size - 10}-"})
    assert body(rest) == data[-10:]

    beyond = editor_client.get(original, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"

    whole = editor_client.get(original)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(size)
    stale = editor_client.get(original, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.status_code == 200
    fresh = editor_client.get(original, headers={"Range": "bytes=0-9", "If-Range": whole["ETag"]})
    assert fresh.status_code == 206
    assert editor_client.get(original, headers={"If-None-Match": whole["ETag"]}).status_code == 304


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=5-", (5, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-1", (99, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=100-", UNSATISFIABLE),
        ("bytes=-0", UNSATISFIABLE),
        ("bytes=9-3", None),
        ("bytes=0-1,5-6", None),
        ("bytes=abc", None),
        ("items=0-5", None),
        ("", None),
    ],
)
def test_range_headers_are_read_as_rfc_9110_says(header, expected):
    request = RequestFactory().get("/", headers={"Range": header} if header else {})
    assert requested_range(request, 100, '"e"', 0) == expected


# --------------------------------------------------------------------------- deleting


def test_deleting_is_refused_while_a_post_uses_the_file(workspace, owner, editor_client):
    from manyhats.content.posts.models import Post, PostMedia

    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))
    post = Post.objects.create(workspace=workspace, title="Summer sale")
    PostMedia.objects.create(post=post, asset=asset)

    confirm = editor_client.get(url("media_delete", asset.uuid))
    assert "Summer sale" in text_of(confirm) and f"/w/acme/compose/{post.uuid}/" in text_of(confirm)
    response = editor_client.post(url("media_delete", asset.uuid))

    assert response.status_code == 409
    assert "This file is used by 1 post(s); remove it from them first." in text_of(response)
    assert MediaAsset.objects.filter(pk=asset.pk).exists()


def test_an_unused_file_is_deleted_with_its_folder(
    workspace, owner, editor_client, media_root, django_capture_on_commit_callbacks
):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(64, 48))
    folder = media_root / asset.folder
    assert folder.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url("media_delete", asset.uuid))

    assert response.status_code == 302 and response["Location"] == url("media_library")
    assert not MediaAsset.objects.exists() and not folder.exists()


# --------------------------------------------------------------------------- the picker


def test_the_picker_lists_ready_files_of_the_asked_kinds_with_their_data(
    workspace, owner, editor_client, video
):
    photo = add(workspace, owner, "photo.jpg", jpeg_bytes(64, 48), title="Harbour")
    busy = add(workspace, owner, "busy.jpg", jpeg_bytes(65, 48))
    busy.status = "processing"
    busy.save()

    page = editor_client.get(url("media_picker"), {"kind": "image,document"}).content.decode()

    buttons = re.findall(r'<button type="button" class="pick-asset"[^>]*>', page)
    assert buttons == [
        f'<button type="button" class="pick-asset" data-asset-id="{photo.pk}" '
        f'data-asset-kind="image" data-thumb="{url("media_thumb", photo.uuid)}" '
        'data-name="Harbour">'
    ]
    assert url("media_library") in page
    both = editor_client.get(url("media_picker"), {"kind": "image,video"}).content.decode()
    assert both.count('class="pick-asset"') == 2
    found = editor_client.get(url("media_picker"), {"q": "harb"}).content.decode()
    assert found.count('class="pick-asset"') == 1


def test_a_version_is_made_on_request_and_asking_again_says_it_is_there(
    workspace, owner, editor_client
):
    asset = add(workspace, owner, "a.jpg", jpeg_bytes(300, 200))

    editor_client.post(url("media_versions", asset.uuid), {"spec": "link_1_91x1"})
    assert asset.renditions.get().status == Rendition.Status.PENDING
    run_tasks()
    again = editor_client.post(
        url("media_versions", asset.uuid), {"spec": "link_1_91x1"}, follow=True
    )

    assert "That version is already made and up to date." in text_of(again)
    made = asset.renditions.get()
    assert (made.status, made.width, made.height) == ("ready", 1200, 628)
    refused = editor_client.post(url("media_versions", asset.uuid), {"spec": "cover"}, follow=True)
    assert "Choose a format to make." in text_of(refused)


def test_long_subtitle_tracks_are_edited_as_files_and_guests_only_read(
    video, members, editor_client
):
    cues = [{"start_ms": i * 10, "end_ms": i * 10 + 5, "text": f"Line {i}"} for i in range(401)]
    SubtitleTrack.objects.create(asset=video, language="en", cues=cues)

    page = text_of(editor_client.get(url("media_subtitles_edit", video.uuid, "en")))
    assert "These subtitles have 401 cues, more than the 400 this page edits at once." in page
    assert 'name="cue-0-start"' not in page

    SubtitleTrack.objects.filter(asset=video).update(cues=cues[:1])
    guest = client_for(members["guest"])
    read_only = text_of(guest.get(url("media_subtitles_edit", video.uuid, "en")))
    assert '<fieldset class="plain" disabled>' in read_only and "Save subtitles" not in read_only
    assert guest.post(url("media_subtitles_edit", video.uuid, "en"), {}).status_code == 403


def test_uploads_still_need_the_csrf_token(members):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(members["editor"])

    response = client.post(url("media_upload"), {"files": [upload("a.jpg", jpeg_bytes(64, 48))]})

    assert response.status_code == 403
    assert not MediaAsset.objects.exists()
