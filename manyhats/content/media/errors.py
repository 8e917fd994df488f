"""Everything that can go wrong with a media file, as a code with a translated message.

Failures stored on a row keep the code and its parameters (`error_code`,
`error_params`) so the message is rendered in the reader's language when shown,
not in whichever language the worker happened to run in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as LazyStr
else:
    LazyStr = Promise

MESSAGES: dict[str, LazyStr] = {
    "empty_file": _("The file is empty. Choose the file again and upload it once more."),
    "too_large": _(
        "This file is %(size)s; the largest %(kind)s file allowed is %(limit)s. Make it smaller "
        "(shorter, lower resolution or more compressed) and upload it again."
    ),
    "unsupported_type": _(
        "This kind of file is not supported. Upload a JPEG, PNG, WebP, GIF or AVIF image; "
        "an MP4, MOV or WebM video; an MP3, M4A, WAV, OGG or FLAC audio file; SRT or "
        "WebVTT subtitles; or a PDF document."
    ),
    "heic_unsupported": _(
        "HEIC/HEIF photos are not supported yet. Export the photo as JPEG (on an iPhone: "
        "Settings > Camera > Formats > Most Compatible) and upload it again."
    ),
    "image_corrupt": _(
        "This image could not be read: the file is damaged or incomplete. Export it again "
        "from the original and upload the new file."
    ),
    "image_too_many_pixels": _(
        "This image is %(megapixels)s megapixels; the largest allowed is %(limit)s "
        "megapixels. Resize it (for example to 4000 pixels on the long side) and upload it again."
    ),
    "video_corrupt": _(
        "This video could not be read: the file is damaged or incomplete (for example, the "
        "upload or the export was cut short). Export it again and upload the new file."
    ),
    "audio_corrupt": _(
        "This audio file could not be read: it is damaged or incomplete. Export it again and "
        "upload the new file."
    ),
    "no_media_streams": _(
        "This file holds neither video nor sound. Check that you exported the right file."
    ),
    "video_too_large_frame": _(
        "This video is %(width)s x %(height)s pixels; the largest supported is 8192 pixels on "
        "either side. Export it at a lower resolution (1080 x 1920 suits every platform)."
    ),
    "document_corrupt": _(
        "This PDF is damaged or incomplete. Export it again and upload the new file."
    ),
    "subtitle_encoding": _(
        "The subtitle file's text encoding could not be recognised. Save it as UTF-8 and "
        "upload it again."
    ),
    "subtitle_empty": _(
        "The subtitle file has no cues. Check that it is an SRT or WebVTT file with timed text."
    ),
    "subtitle_bad_timing": _(
        "Cue %(cue)s: the timing line “%(line)s” is not understood. Write it as "
        "00:00:01,000 --> 00:00:03,500 (SRT) or 00:00:01.000 --> 00:00:03.500 (WebVTT)."
    ),
    "subtitle_missing_timing": _(
        "Cue %(cue)s has no timing line. Add one such as 00:00:01,000 --> 00:00:03,500 "
        "before its text."
    ),
    "subtitle_end_before_start": _(
        "Cue %(cue)s ends (%(end)s) before or when it starts (%(start)s). Fix its end time."
    ),
    "subtitle_overlap": _(
        "Cue %(cue)s starts at %(start)s, before cue %(previous)s ends at %(previous_end)s. "
        "Subtitles must follow each other: fix the times so they do not overlap."
    ),
    "subtitle_too_many_cues": _(
        "The subtitle file has more than %(limit)s cues. Split the video or the subtitles."
    ),
    "bad_language": _("“%(language)s” is not a language code. Use a code such as en, sv or pt-BR."),
    "not_a_video": _("Only videos can have subtitles, a sound track or a cover frame."),
    "not_audio": _("The sound track must be an audio file (or a video with sound)."),
    "bad_volume": _("Volume must be between 0 and 2 (1 keeps it as it is)."),
    "unknown_spec": _("“%(spec)s” is not a known format for this kind of media."),
    "no_subtitles": _(
        "This video has no %(language)s subtitles to burn in. Add them first, then try again."
    ),
    "source_missing": _("The original file is missing from storage. Upload the file again."),
    "render_failed": _(
        "The %(spec)s version could not be made. Try again; if it fails again, export the "
        "original in another format (MP4 with H.264 for video, JPEG for images) and upload it."
    ),
    "render_timeout": _(
        "Making the %(spec)s version took too long and was stopped. Shorten the video or "
        "upload it at a lower resolution, then try again."
    ),
}


class MediaError(ValidationError):
    """A refused or failed media operation. `code` picks the message; `detail` is for logs only."""

    def __init__(self, code: str, *, detail: str = "", **params: Any) -> None:
        super().__init__(MESSAGES[code], code=code, params=params)
        self.detail = detail
        self.error_params: dict[str, Any] = params

    @property
    def message_text(self) -> str:
        return render_error(self.code or "", self.error_params)


def render_error(code: str, params: dict[str, Any] | None) -> str:
    """The translated message for a stored error code (empty for no code)."""
    if not code:
        return ""
    message = MESSAGES.get(code, MESSAGES["render_failed"])
    try:
        return str(message) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(message)


def human_size(num_bytes: int) -> str:
    return str(filesizeformat(num_bytes)).replace("\xa0", " ")
