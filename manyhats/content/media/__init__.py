"""The media library's service API, for the composer, the worker and the connectors.

    ingest_upload(workspace, user, uploaded_file) -> MediaAsset
    make_renditions(asset, ["ig_feed_4x5", RenditionRequest("reel_tiktok_1080x1920", ...)])
    request_renditions(asset, specs) / make_pending_renditions(asset)   (queue, then worker)
    probe(path, fmt=...) -> ProbeResult
    parse_subtitles(data) -> list[Cue];  add_subtitle_track(video, data, language=...)

Every refusal is a MediaError: a django ValidationError with a translated
message that says what to do, and a `code`.
"""

from manyhats.content.media.errors import MediaError
from manyhats.content.media.ffmpeg import FfmpegError, ProbeResult, StreamInfo, probe
from manyhats.content.media.ingest import add_subtitle_track, delete_asset, ingest_upload
from manyhats.content.media.renditions import (
    RenditionRequest,
    make_pending_renditions,
    make_renditions,
    request_renditions,
)
from manyhats.content.media.specs import IMAGE_CROPS, SPECS
from manyhats.content.media.subtitles import Cue, parse_subtitles, read_subtitles, to_srt, to_vtt

__all__ = [
    "IMAGE_CROPS",
    "SPECS",
    "Cue",
    "FfmpegError",
    "MediaError",
    "ProbeResult",
    "RenditionRequest",
    "StreamInfo",
    "add_subtitle_track",
    "delete_asset",
    "ingest_upload",
    "make_pending_renditions",
    "make_renditions",
    "parse_subtitles",
    "probe",
    "read_subtitles",
    "request_renditions",
    "to_srt",
    "to_vtt",
]
