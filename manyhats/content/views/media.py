"""The media library: browse, upload, describe, crop, subtitle and serve a workspace's files.

Routes live under ``w/<slug>/media/``. Reading needs VIEW_CALENDAR, every change
COMPOSE. Files are only ever served through the views here (never from
MEDIA_URL), after the workspace check, and only from inside the asset's own
folder; videos answer HTTP Range requests so players can seek.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.utils.text import capfirst
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.content.media import library
from manyhats.content.media.errors import MediaError, human_size
from manyhats.content.media.ingest import ingest_upload, size_limit
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.sniff import guess_kind
from manyhats.content.media.specs import SPECS
from manyhats.content.media.subtitles import (
    Cue,
    format_srt_time,
    to_srt,
    to_vtt,
    validate_language,
)
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm

Kind = MediaAsset.Kind
PAGE_SIZE = 48
PICKER_LIMIT = 60
MAX_FILES_PER_UPLOAD = 50
# Browsers show these image types themselves; others (TIFF, BMP) are previewed by their thumbnail.
BROWSER_IMAGES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"}
ORIGINAL_MAX_AGE = 24 * 3600  # an asset's original never changes
VERSION_MAX_AGE = 300  # versions and thumbnails may be made again
COMMON_LANGUAGES = ("en", "sv", "da", "nb", "fi", "de", "fr", "es", "it", "nl", "pl", "pt", "ar")


def _is_htmx(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _can_edit(request: WorkspaceRequest) -> bool:
    return request.membership.can(Perm.COMPOSE)


def _asset(request: WorkspaceRequest, asset: uuid.UUID) -> MediaAsset:
    return get_object_or_404(MediaAsset, workspace=request.workspace, uuid=asset)


def _error_text(exc: ValidationError) -> str:
    if isinstance(exc, MediaError):
        return exc.message_text
    return " ".join(str(m) for m in exc.messages)


def _asset_url(asset: MediaAsset, slug: str) -> str:
    return reverse("media_asset", args=[slug, asset.uuid])


def duration_text(ms: int | None) -> str:
    if not ms:
        return ""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code.lower())["name_translated"])
    except KeyError:
        try:
            return str(get_language_info(code.split("-")[0].lower())["name_translated"]) + (
                f" ({code})"
            )
        except KeyError:
            return code


STATUS_BADGES: dict[str, str] = {
    MediaAsset.Status.PROCESSING: "info",
    MediaAsset.Status.READY: "success",
    MediaAsset.Status.FAILED: "danger",
}


@dataclass
class Card:
    """An asset as the grid shows it."""

    asset: MediaAsset
    used_in: int

    @property
    def name(self) -> str:
        return self.asset.title or self.asset.original_name or str(self.asset)

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.asset.status, "")

    @property
    def facts(self) -> list[str]:
        a = self.asset
        facts = [str(a.get_kind_display()).capitalize(), human_size(a.size)]
        if a.width and a.height:
            facts.append(f"{a.width} \u00d7 {a.height}")
        if a.duration_ms and a.kind in (Kind.VIDEO, Kind.AUDIO):
            facts.append(duration_text(a.duration_ms))
        return facts


# --------------------------------------------------------------------------- the library


class LibraryFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Title, file name, alt text, tag")}
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    tag = forms.ChoiceField(label=gettext_lazy("Tag"), required=False)

    def __init__(self, *args: Any, tags: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind, tag = self.fields["kind"], self.fields["tag"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(tag, forms.ChoiceField)
        kind.choices = [
            ("", _("All kinds")),
            *[(k.value, str(k.label).capitalize()) for k in Kind],
        ]
        tag.choices = [("", _("All tags")), *[(t, t) for t in tags]]


def _filtered(request: WorkspaceRequest) -> tuple[LibraryFilter, QuerySet[MediaAsset]]:
    tags = library.workspace_tags(request.workspace.pk)
    form = LibraryFilter(request.GET or None, tags=tags)
    assets = MediaAsset.objects.filter(workspace=request.workspace)
    form.is_valid()  # an unknown kind or tag is ignored, the other filters still apply
    wanted = form.cleaned_data if form.is_bound else {}
    if wanted.get("q"):
        assets = assets.filter(library.search_filter(wanted["q"]))
    if wanted.get("kind"):
        assets = assets.filter(kind=wanted["kind"])
    if wanted.get("tag"):
        assets = assets.filter(library.tag_filter(wanted["tag"]))
    assets = assets.annotate(used_in=Count("post_uses__post", distinct=True)).order_by(
        "-created_at", "-id"
    )
    return form, assets


def _library_context(request: WorkspaceRequest, **extra: Any) -> dict[str, Any]:
    form, assets = _filtered(request)
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [Card(a, getattr(a, "used_in", 0)) for a in page.object_list]
    return {
        "filters": form,
        "page": page,
        "cards": cards,
        "filtered": bool(form.is_bound and any(request.GET.get(k) for k in ("q", "kind", "tag"))),
        "can_edit": _can_edit(request),
        "active_room": "media",
        "accept": "image/*,video/*,audio/*,.srt,.vtt,application/pdf",
        "limits": [
            (str(k.label).capitalize(), human_size(size_limit(k)))
            for k in (Kind.IMAGE, Kind.VIDEO, Kind.AUDIO, Kind.DOCUMENT)
        ],
        **extra,
    }


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def media_library(request: WorkspaceRequest) -> HttpResponse:
    context = _library_context(request)
    template = "content/media/library.html"
    if _is_htmx(request):
        template += "#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --------------------------------------------------------------------------- uploading


class RefusedUpload(UploadedFile):
    """Stands in for a file refused while it streamed in (too large); holds the reason."""

    def __init__(self, name: str, size: int, error: MediaError) -> None:
        super().__init__(io.BytesIO(), name=name or "upload", size=size)
        self.error = error


class SizeGuard(FileUploadHandler):
    """Stops keeping a file's bytes once it passes the upload limit for what it looks like.

    Django's own handlers would otherwise stream a 5 GB "photo" to a temporary
    file before ingest_upload ever saw it. The bytes are still counted, so the
    message says how large the file really was.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.kind: str | None = None
        self.limit = size_limit(None)
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start == 0:
            self.kind = guess_kind(raw_data[: 64 * 1024])
            self.limit = size_limit(self.kind)
        if self.refused or start + len(raw_data) > self.limit:
            if not self.refused:
                self.refused = True
                for handler in self.request.upload_handlers if self.request else []:
                    kept = getattr(handler, "file", None)
                    if handler is not self and kept is not None:
                        kept.close()  # a temporary file is deleted when closed
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refused:
            return None
        label = str(Kind(self.kind).label) if self.kind else str(Kind.VIDEO.label)
        error = MediaError(
            "too_large", kind=label, size=human_size(file_size), limit=human_size(self.limit)
        )
        return RefusedUpload(str(self.file_name or ""), file_size, error)


@dataclass
class UploadResult:
    name: str
    asset: MediaAsset | None = None
    duplicate: bool = False
    error: str = ""


def _ingest_all(request: WorkspaceRequest, files: list[UploadedFile]) -> list[UploadResult]:
    results = []
    for uploaded in files:
        name = Path(str(uploaded.name or "")).name or _("(no name)")
        if isinstance(uploaded, RefusedUpload):
            results.append(UploadResult(name, error=uploaded.error.message_text))
            continue
        try:
            asset = ingest_upload(request.workspace, request.user, uploaded, request=request)
        except MediaError as exc:
            results.append(UploadResult(name, error=exc.message_text))
            continue
        finally:
            uploaded.close()
        if not asset.is_duplicate:
            library.after_upload(asset)
        results.append(UploadResult(name, asset=asset, duplicate=asset.is_duplicate))
    return results


@csrf_protect
def _upload(request: WorkspaceRequest) -> HttpResponseBase:
    if request.method != "POST":
        return redirect("media_library", request.workspace.slug)
    files = request.FILES.getlist("files")
    if not files:
        results = [UploadResult("", error=_("Choose one or more files to upload."))]
    elif len(files) > MAX_FILES_PER_UPLOAD:
        results = [
            UploadResult(
                "",
                error=_("Upload at most %(max)s files at a time.") % {"max": MAX_FILES_PER_UPLOAD},
            )
        ]
    else:
        results = _ingest_all(request, files)
    added = sum(1 for r in results if r.asset is not None and not r.duplicate)
    if _is_htmx(request):
        response = render(
            request, "content/media/library.html#upload_results", {"results": results}
        )
        if added:
            response["HX-Trigger"] = "media-changed"
        return response
    context = _library_context(request, results=results)
    status = 200 if any(r.asset for r in results) else 400
    return render(request, "content/media/library.html", context, status=status)


@csrf_exempt  # checked by _upload, once the size guard is in place (Django's documented pattern)
@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def media_upload(request: WorkspaceRequest) -> HttpResponseBase:
    """Take one or more files (multipart field `files`) into the library; report each one."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeGuard(request))
    return _upload(request)


# --------------------------------------------------------------------------- one asset


class DetailsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=200)
    alt_text = forms.CharField(
        label=gettext_lazy("Alt text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Describe what the picture shows for people who cannot see it. Instagram allows "
            "1,000 characters; the other platforms less in places, so put the essentials first."
        ),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Separate tags with spaces or commas, e.g. summer, campaign-2026."),
    )

    def clean_alt_text(self) -> str:
        text = str(self.cleaned_data["alt_text"]).replace("\r\n", "\n").strip()
        if len(text) > 1000:
            raise ValidationError(
                _("Alt text can be 1,000 characters at most (Instagram's limit); this is %(n)s.")
                % {"n": len(text)}
            )
        return text

    def clean_tags(self) -> list[str]:
        return library.parse_tags(str(self.cleaned_data["tags"]))


class FocalForm(forms.Form):
    focal_x = forms.FloatField(
        label=gettext_lazy("Across (%)"), min_value=0, max_value=100, widget=forms.NumberInput(
            attrs={"step": "0.1"}
        )
    )  # fmt: skip
    focal_y = forms.FloatField(
        label=gettext_lazy("Down (%)"), min_value=0, max_value=100, widget=forms.NumberInput(
            attrs={"step": "0.1"}
        )
    )  # fmt: skip


class SubtitleUploadForm(forms.Form):
    language = forms.CharField(
        label=gettext_lazy("Language code"),
        max_length=20,
        help_text=gettext_lazy("For example en, sv or pt-BR."),
        widget=forms.TextInput(attrs={"list": "language-codes", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=gettext_lazy("SRT or WebVTT file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".srt,.vtt,text/vtt"}),
    )

    def clean_language(self) -> str:
        try:
            return validate_language(str(self.cleaned_data["language"]))
        except MediaError as exc:
            raise ValidationError(exc.message_text) from None


class SoundTrackForm(forms.Form):
    audio = forms.TypedChoiceField(label=gettext_lazy("Sound track"), coerce=int)
    original_volume = forms.IntegerField(
        label=gettext_lazy("Video's own sound (%)"), min_value=0, max_value=200, initial=100
    )
    track_volume = forms.IntegerField(
        label=gettext_lazy("Sound track (%)"), min_value=0, max_value=200, initial=100
    )
    offset = forms.DecimalField(
        label=gettext_lazy("Track starts at (seconds into the video)"),
        min_value=0,
        max_digits=8,
        decimal_places=1,
        initial=0,
    )

    def __init__(self, *args: Any, options: list[MediaAsset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {a.pk: a for a in options}
        audio = self.fields["audio"]
        assert isinstance(audio, forms.ChoiceField)
        audio.choices = [
            (a.pk, f"{a.title or a.original_name} ({duration_text(a.duration_ms)})")
            for a in options
        ]


class MakeVersionForm(forms.Form):
    spec = forms.ChoiceField(label=gettext_lazy("Format"))

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = self.fields["spec"]
        assert isinstance(spec, forms.ChoiceField)
        spec.choices = [(k, capfirst(str(s.label))) for k, s in SPECS.items() if kind in s.kinds]


@dataclass
class VersionRow:
    rendition: Rendition

    @property
    def label(self) -> str:
        base = self.rendition.spec.split(".", 1)[0]
        spec = SPECS.get(base)
        return str(spec.label) if spec else base

    @property
    def variant(self) -> str:
        request = (self.rendition.params or {}).get("inputs", {}).get("request", {})
        parts = []
        if request.get("fit") == "pad":
            parts.append(_("padded, not cropped"))
        if request.get("audio_asset_id"):
            parts.append(
                _("sound track mixed in (video %(original)s %%, track %(track)s %%)")
                % {
                    "original": round(float(request.get("original_volume", 1)) * 100),
                    "track": round(float(request.get("track_volume", 1)) * 100),
                }
            )
        if request.get("subtitles"):
            parts.append(_("%(language)s subtitles burned in") % {"language": request["subtitles"]})
        if request.get("cover_at_ms"):
            parts.append(_("frame at %(time)s") % {"time": duration_text(request["cover_at_ms"])})
        return "; ".join(parts)

    @property
    def badge(self) -> str:
        badges: dict[str, str] = {
            Rendition.Status.READY: "success",
            Rendition.Status.FAILED: "danger",
            Rendition.Status.PROCESSING: "info",
        }
        return badges.get(self.rendition.status, "")

    @property
    def busy(self) -> bool:
        return self.rendition.status in (Rendition.Status.PENDING, Rendition.Status.PROCESSING)


def _post_links(request: WorkspaceRequest, asset: MediaAsset) -> list[tuple[str, str]]:
    from manyhats.content.posts.models import Post

    posts = Post.objects.filter(media_items__asset=asset).distinct().order_by("-updated_at")
    slug = request.workspace.slug
    return [
        (
            post.title or (post.text[:60] if post.text else _("Untitled post")),
            _compose_url(slug, post),
        )
        for post in posts
    ]


def _compose_url(slug: str, post: Any) -> str:
    try:
        return reverse("compose_post", args=[slug, post.uuid])
    except NoReverseMatch:  # the composer's routes not installed
        return f"/w/{slug}/compose/{post.uuid}/"


def _preview_url(request: WorkspaceRequest, asset: MediaAsset) -> str:
    slug = request.workspace.slug
    if asset.kind == Kind.IMAGE and asset.mime in BROWSER_IMAGES:
        return reverse("media_original", args=[slug, asset.uuid])
    return reverse("media_thumb", args=[slug, asset.uuid])


def _asset_context(request: WorkspaceRequest, asset: MediaAsset, **extra: Any) -> dict[str, Any]:
    slug = request.workspace.slug
    renditions = list(asset.renditions.all())
    rows = [VersionRow(r) for r in renditions]
    cover = next(
        (r for r in renditions if r.spec == "cover" and r.status == Rendition.Status.READY), None
    )
    tracks = list(asset.subtitle_tracks.all()) if asset.kind == Kind.VIDEO else []
    is_video = asset.kind == Kind.VIDEO
    focal_source = ""
    if asset.kind == Kind.IMAGE:
        focal_source = _preview_url(request, asset)
    elif cover is not None:
        focal_source = reverse("media_rendition", args=[slug, asset.uuid, "cover"])
    # The picture the crop previews and focal point work on, with its shape.
    if asset.kind == Kind.IMAGE:
        shape = (asset.width or 1, asset.height or 1)
    elif cover is not None and cover.width and cover.height:
        shape = (cover.width, cover.height)
    else:
        shape = (asset.width or 16, asset.height or 9)
    context = {
        "asset": asset,
        "card": Card(asset, 0),
        "can_edit": _can_edit(request),
        "active_room": "media",
        "details": DetailsForm(
            initial={"title": asset.title, "alt_text": asset.alt_text, "tags": " ".join(asset.tags)}
        ),
        "focal": FocalForm(
            initial={
                "focal_x": round(asset.focal_x * 100, 1),
                "focal_y": round(asset.focal_y * 100, 1),
            }
        ),
        "focal_source": focal_source,
        "focal_shape": shape,
        "thumb_url": reverse("media_thumb", args=[slug, asset.uuid]),
        "preview_url": _preview_url(request, asset),
        "original_url": reverse("media_original", args=[slug, asset.uuid]),
        "poster_url": reverse("media_rendition", args=[slug, asset.uuid, "cover"]) if cover else "",
        "crops": [
            ("1:1", "1-1", "1", _("square posts")),
            ("4:5", "4-5", "0.8", _("Instagram and Facebook feed")),
            ("1.91:1", "191-1", "1.91", _("link previews")),
            ("9:16", "9-16", "0.5625", _("stories, Reels, TikTok")),
        ],
        "versions": [
            r for r in rows if not r.rendition.spec.startswith(library.SOUND_TRACK_SPEC + ".")
        ]
        if is_video
        else rows,
        "busy": any(r.busy for r in rows),
        "make_form": MakeVersionForm(kind=asset.kind)
        if asset.kind in (Kind.IMAGE, Kind.VIDEO)
        else None,
        "posts": _post_links(request, asset),
        "tracks": [(t, language_name(t.language)) for t in tracks],
        "common_languages": [(c, language_name(c)) for c in COMMON_LANGUAGES],
        "is_video": is_video,
        "duration": duration_text(asset.duration_ms),
        "created": asset.created_at,
    }
    if is_video:
        options = library.sound_track_options(request.workspace.pk)
        context["sound_form"] = SoundTrackForm(options=options)
        context["sound_versions"] = [
            r for r in rows if r.rendition.spec.startswith(library.SOUND_TRACK_SPEC + ".")
        ]
        context["subtitle_form"] = SubtitleUploadForm()
    context.update(extra)
    return context


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def media_asset(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """The asset's page; POST saves its title, alt text and tags."""
    item = _asset(request, asset)
    if request.method == "GET":
        if _is_htmx(request) and request.GET.get("part") == "versions":
            return render(
                request, "content/media/asset.html#versions", _asset_context(request, item)
            )
        return render(request, "content/media/asset.html", _asset_context(request, item))
    form = DetailsForm(request.POST)
    if form.is_valid():
        try:
            changed = library.do_update_details(
                request.membership,
                item,
                title=form.cleaned_data["title"],
                alt_text=form.cleaned_data["alt_text"],
                tags=form.cleaned_data["tags"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(request, _("Details saved."))
            return redirect("media_asset", request.workspace.slug, item.uuid)
    return render(
        request, "content/media/asset.html", _asset_context(request, item, details=form), status=400
    )


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_POST
def media_focal(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """Set the focal point (percent across and down); crops are made again around it."""
    item = _asset(request, asset)
    form = FocalForm(request.POST)
    error = ""
    queued = 0
    if form.is_valid():
        try:
            queued = library.do_set_focal_point(
                request.membership,
                item,
                x=form.cleaned_data["focal_x"] / 100,
                y=form.cleaned_data["focal_y"] / 100,
                request=request,
            )
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = " ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
    if _is_htmx(request):
        context = {"focal_error": error, "focal_saved": not error, "queued": queued}
        # 200 even for an error: HTMX swaps only successful answers, and the message is the answer.
        return render(request, "content/media/asset.html#focal_status", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Focal point saved."))
    return redirect("media_asset", request.workspace.slug, item.uuid)


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_POST
def media_versions(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """Make a version (`spec`) or make one again (`again` = its row key)."""
    item = _asset(request, asset)
    again = request.POST.get("again")
    try:
        if again:
            rendition = get_object_or_404(Rendition, asset=item, spec=again)
            library.do_make_again(request.membership, item, rendition)
        else:
            form = MakeVersionForm(request.POST, kind=item.kind)
            if not form.is_valid():
                raise ValidationError(_("Choose a format to make."))
            row = library.do_make_version(request.membership, item, form.cleaned_data["spec"])
            if row.status == Rendition.Status.READY:
                messages.info(request, _("That version is already made and up to date."))
                return redirect(_asset_url(item, request.workspace.slug) + "#versions-card")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The version is being made; this page shows when it is ready."))
    return redirect(_asset_url(item, request.workspace.slug) + "#versions-card")


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_POST
def media_sound_track(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """Queue the 9:16 Reels/TikTok version of a video with an audio file mixed under it."""
    item = _asset(request, asset)
    if item.kind != Kind.VIDEO:
        raise Http404
    options = library.sound_track_options(request.workspace.pk)
    form = SoundTrackForm(request.POST, options=options)
    if form.is_valid():
        offset_ms = int(form.cleaned_data["offset"] * 1000)
        if item.duration_ms and offset_ms >= item.duration_ms:
            form.add_error(
                "offset", _("Start the track before the video ends (%(length)s).")
                % {"length": duration_text(item.duration_ms)}
            )  # fmt: skip
        else:
            try:
                library.do_sound_track(
                    request.membership,
                    item,
                    audio=form.options[form.cleaned_data["audio"]],
                    original_volume=form.cleaned_data["original_volume"],
                    track_volume=form.cleaned_data["track_volume"],
                    offset_ms=offset_ms,
                )
            except ValidationError as exc:
                form.add_error(None, exc if not isinstance(exc, MediaError) else exc.message_text)
            else:
                messages.success(
                    request,
                    _("The Reels and TikTok version with this sound track is being made."),
                )
                return redirect(_asset_url(item, request.workspace.slug) + "#sound")
    return render(
        request,
        "content/media/asset.html",
        _asset_context(request, item, sound_form=form),
        status=400,
    )


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def media_delete(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """Confirm, then delete the asset with its versions and subtitles; never while a post uses it."""
    item = _asset(request, asset)
    posts = _post_links(request, item)
    context = {
        "asset": item,
        "card": Card(item, len(posts)),
        "posts": posts,
        "active_room": "media",
        "can_edit": _can_edit(request),
    }
    if request.method == "POST":
        try:
            library.do_delete(request.membership, item, request=request)
        except ValidationError as exc:
            context["error"] = _error_text(exc)
            return render(request, "content/media/delete.html", context, status=409)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": Card(item, 0).name})
        return redirect("media_library", request.workspace.slug)
    return render(request, "content/media/delete.html", context)


# --------------------------------------------------------------------------- subtitles


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_POST
def media_subtitles_add(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponse:
    """Upload an SRT/WebVTT file for a language, or (without a file) start typing one."""
    item = _asset(request, asset)
    if item.kind != Kind.VIDEO:
        raise Http404
    form = SubtitleUploadForm(request.POST, request.FILES)
    if form.is_valid():
        language = form.cleaned_data["language"]
        uploaded = form.cleaned_data["file"]
        if uploaded is None or request.POST.get("type"):
            return redirect("media_subtitles_edit", request.workspace.slug, item.uuid, language)
        limit = size_limit(Kind.SUBTITLE)
        if uploaded.size > limit:
            form.add_error("file", MediaError(
                "too_large", kind=str(Kind.SUBTITLE.label), size=human_size(uploaded.size),
                limit=human_size(limit),
            ).message_text)  # fmt: skip
        else:
            try:
                track = library.do_upload_subtitles(
                    request.membership, item, uploaded.read(), language=language, request=request
                )
            except ValidationError as exc:
                form.add_error("file", _error_text(exc))
            else:
                messages.success(
                    request,
                    _("%(language)s subtitles saved: %(count)s cues.")
                    % {"language": language_name(track.language), "count": len(track.cues)},
                )
                return redirect(_asset_url(item, request.workspace.slug) + "#subtitles")
    return render(
        request,
        "content/media/asset.html",
        _asset_context(request, item, subtitle_form=form),
        status=400,
    )


def _video_and_language(
    request: WorkspaceRequest, asset: uuid.UUID, language: str
) -> tuple[MediaAsset, str]:
    item = _asset(request, asset)
    if item.kind != Kind.VIDEO:
        raise Http404
    try:
        return item, validate_language(language)
    except MediaError:
        raise Http404 from None


def _rows_from_post(data: Any) -> list[library.CueRow]:
    try:
        count = min(int(data.get("cue-count", "0")), library.EDITOR_MAX_CUES + 50)
    except ValueError:
        count = 0
    rows = []
    for i in range(max(count, 0)):
        if f"cue-{i}-start" not in data or data.get(f"cue-{i}-delete"):
            continue
        rows.append(
            library.CueRow(
                i,
                str(data.get(f"cue-{i}-start", ""))[:20],
                str(data.get(f"cue-{i}-end", ""))[:20],
                str(data.get(f"cue-{i}-text", ""))[:2000],
            )
        )
    return rows


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def media_subtitles_edit(
    request: WorkspaceRequest, asset: uuid.UUID, language: str
) -> HttpResponse:
    """Edit (or type from scratch) a video's subtitles as a table of cues."""
    item, language = _video_and_language(request, asset, language)
    track = SubtitleTrack.objects.filter(asset=item, language=language).first()
    status = 200
    too_long = track is not None and len(track.cues) > library.EDITOR_MAX_CUES
    if request.method == "POST" and not too_long:
        rows = _rows_from_post(request.POST)
        if request.POST.get("action") == "add" or not rows:
            rows.append(library.CueRow(max((r.index for r in rows), default=-1) + 1))
            if request.POST.get("action") != "add":
                rows[0].errors.append(_("Add at least one line of subtitles."))
                status = 400
        else:
            cues = library.check_cue_rows(rows, item.duration_ms)
            if cues is not None:
                try:
                    library.do_save_subtitles(
                        request.membership, item, language, cues, request=request
                    )
                except ValidationError as exc:
                    messages.error(request, _error_text(exc))
                else:
                    messages.success(
                        request,
                        _("%(language)s subtitles saved: %(count)s cues.")
                        % {"language": language_name(language), "count": len(cues)},
                    )
                    return redirect(
                        "media_subtitles_edit", request.workspace.slug, item.uuid, language
                    )
            status = 400
    elif track is not None:
        rows = [library.CueRow.of(i, c) for i, c in enumerate(track.cue_list())]
    else:
        rows = [library.CueRow(0)]
    context = {
        "asset": item,
        "card": Card(item, 0),
        "language": language,
        "language_name": language_name(language),
        "track": track,
        "rows": rows,
        "next_index": max((r.index for r in rows), default=-1) + 1,
        "too_long": too_long,
        "max_cues": library.EDITOR_MAX_CUES,
        "has_errors": any(r.errors for r in rows),
        "duration": format_srt_time(item.duration_ms) if item.duration_ms else "",
        "can_edit": _can_edit(request),
        "active_room": "media",
        "original_url": reverse("media_original", args=[request.workspace.slug, item.uuid]),
    }
    return render(request, "content/media/subtitles.html", context, status=status)


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def media_subtitles_file(
    request: WorkspaceRequest, asset: uuid.UUID, language: str
) -> HttpResponse:
    """The subtitles as WebVTT (for <track>, the default) or SRT (`?format=srt`); `?download=1`."""
    item, language = _video_and_language(request, asset, language)
    track = get_object_or_404(SubtitleTrack, asset=item, language=language)
    fmt = "srt" if request.GET.get("format") == "srt" else "vtt"
    cues: list[Cue] = track.cue_list()
    body = to_srt(cues) if fmt == "srt" else to_vtt(cues)
    content_type = "application/x-subrip" if fmt == "srt" else "text/vtt"
    response = HttpResponse(body.encode(), content_type=f"{content_type}; charset=utf-8")
    stem = Path(item.original_name or "video").stem or "video"
    response["Content-Disposition"] = (
        content_disposition_header(bool(request.GET.get("download")), f"{stem}.{language}.{fmt}")
        or "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_POST
def media_subtitles_delete(
    request: WorkspaceRequest, asset: uuid.UUID, language: str
) -> HttpResponse:
    item, language = _video_and_language(request, asset, language)
    track = get_object_or_404(SubtitleTrack, asset=item, language=language)
    try:
        library.do_delete_subtitles(request.membership, track, request=request)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("%(language)s subtitles deleted.") % {"language": language_name(language)}
        )
    return redirect(_asset_url(item, request.workspace.slug) + "#subtitles")


# --------------------------------------------------------------------------- the picker


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def media_picker(request: WorkspaceRequest) -> HttpResponse:
    """An HTML fragment of ready assets to choose from (GET `kind`: comma-separated; `q`)."""
    kinds = [k for k in request.GET.get("kind", "").split(",") if k in Kind.values]
    query = request.GET.get("q", "").strip()[:100]
    assets = MediaAsset.objects.filter(
        workspace=request.workspace, status=MediaAsset.Status.READY
    ).exclude(kind=Kind.SUBTITLE)
    if kinds:
        assets = assets.filter(kind__in=kinds)
    if query:
        assets = assets.filter(library.search_filter(query))
    items = [Card(a, 0) for a in assets.order_by("-created_at", "-id")[:PICKER_LIMIT]]
    context = {"items": items, "q": query, "kinds": kinds, "limit": PICKER_LIMIT}
    return render(request, "content/media/_picker.html", context)


# --------------------------------------------------------------------------- files


UNSATISFIABLE = (-1, -1)


def requested_range(
    request: HttpRequest, size: int, etag: str, mtime: int
) -> tuple[int, int] | None:
    """The one byte range asked for as (first, last), inclusive; None for the whole file.

    Several ranges, a malformed header or an If-Range that no longer matches
    give the whole file (RFC 9110 allows ignoring Range). UNSATISFIABLE when
    the range starts past the end.
    """
    header = request.META.get("HTTP_RANGE", "").strip()
    if not header.startswith("bytes=") or "," in header:
        return None
    if_range = request.META.get("HTTP_IF_RANGE", "").strip()
    if if_range:
        if if_range.startswith(('"', "W/")):
            if if_range != etag:
                return None
        elif parse_http_date_safe(if_range) != mtime:
            return None
    match = re.fullmatch(r"(\d*)-(\d*)", header[6:].strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(end, size - 1)


def _read_range(path: Path, start: int, length: int, block: int = 64 * 1024) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(block, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def serve_file(
    request: HttpRequest, path: Path, *, content_type: str, filename: str, max_age: int
) -> HttpResponseBase:
    """A file with validators, private caching and single-range support (206/416)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise Http404 from None
    size = stat.st_size
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    mtime = int(stat.st_mtime)
    inline = content_type.split("/", 1)[0] in ("image", "video", "audio")
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(mtime),
        "Cache-Control": f"private, max-age={max_age}",
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": content_disposition_header(not inline, filename) or "inline",
    }
    response: HttpResponseBase | None = get_conditional_response(
        request, etag=etag, last_modified=mtime
    )
    if response is None:
        byte_range = requested_range(request, size, etag, mtime)
        if byte_range == UNSATISFIABLE:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
        elif byte_range is not None:
            start, end = byte_range
            response = StreamingHttpResponse(
                _read_range(path, start, end - start + 1), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
            response["Content-Length"] = str(end - start + 1)
        else:
            response = FileResponse(path.open("rb"), content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def _served(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    return workspace_view(Perm.VIEW_CALENDAR)(require_http_methods(["GET", "HEAD"])(view))


def _original_name(asset: MediaAsset) -> str:
    suffix = Path(asset.original.name or "").suffix
    name = asset.original_name or f"{asset.uuid.hex}{suffix}"
    return name if Path(name).suffix else name + suffix


@_served
def media_original(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponseBase:
    item = _asset(request, asset)
    path = library.inside_folder(item, item.original.name)
    if path is None:
        raise Http404
    return serve_file(
        request,
        path,
        content_type=item.mime,
        filename=_original_name(item),
        max_age=ORIGINAL_MAX_AGE,
    )


@_served
def media_rendition(request: WorkspaceRequest, asset: uuid.UUID, spec: str) -> HttpResponseBase:
    item = _asset(request, asset)
    rendition = get_object_or_404(Rendition, asset=item, spec=spec, status=Rendition.Status.READY)
    path = library.inside_folder(item, rendition.file.name) if rendition.file.name else None
    if path is None:
        raise Http404
    stem = Path(item.original_name or item.uuid.hex).stem
    return serve_file(
        request,
        path,
        content_type=rendition.mime or "application/octet-stream",
        filename=f"{stem}-{spec}{path.suffix}",
        max_age=VERSION_MAX_AGE,
    )


_PLACEHOLDER_SHAPES: dict[str, str] = {
    Kind.VIDEO: '<circle cx="240" cy="240" r="70" fill="#8b8d98"/><path d="M220 205v70l58-35z" fill="#fff"/>',
    Kind.AUDIO: '<path d="M215 300V180l90-20v120" fill="none" stroke="#8b8d98" stroke-width="14"/>'
    '<circle cx="198" cy="300" r="24" fill="#8b8d98"/><circle cx="288" cy="280" r="24" fill="#8b8d98"/>',
    Kind.DOCUMENT: '<path d="M185 160h80l40 40v120h-120z" fill="#8b8d98"/>'
    '<path d="M265 160v40h40" fill="#cdced6"/>',
    Kind.SUBTITLE: '<rect x="160" y="185" width="160" height="110" rx="14" fill="#8b8d98"/>'
    '<path d="M185 235h60M255 235h40M185 262h110" stroke="#fff" stroke-width="12"/>',
    Kind.IMAGE: '<rect x="165" y="180" width="150" height="120" rx="10" fill="#8b8d98"/>'
    '<path d="M175 290l45-50 35 35 25-25 30 40z" fill="#cdced6"/>',
}


def _placeholder(kind: str) -> HttpResponse:
    shape = _PLACEHOLDER_SHAPES.get(kind, _PLACEHOLDER_SHAPES[Kind.DOCUMENT])
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480">'
        f'<rect width="480" height="480" fill="#e8e8ec"/>{shape}</svg>'
    )
    response = HttpResponse(svg.encode(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@_served
def media_thumb(request: WorkspaceRequest, asset: uuid.UUID) -> HttpResponseBase:
    """A JPEG of at most 480 px (an image, or a video's cover frame), else a placeholder picture."""
    item = _asset(request, asset)
    path = library.thumbnail(item)
    if path is None:
        return _placeholder(item.kind)
    return serve_file(
        request, path, content_type="image/jpeg", filename="thumb.jpg", max_age=VERSION_MAX_AGE
    )


# --------------------------------------------------------------------------- routes

_A = "w/<slug:slug>/media/<uuid:asset>/"

urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/media/", media_library, name="media_library"),
    path("w/<slug:slug>/media/upload/", media_upload, name="media_upload"),
    path("w/<slug:slug>/media/picker/", media_picker, name="media_picker"),
    path(_A, media_asset, name="media_asset"),
    path(_A + "focal-point/", media_focal, name="media_focal"),
    path(_A + "versions/", media_versions, name="media_versions"),
    path(_A + "sound-track/", media_sound_track, name="media_sound_track"),
    path(_A + "delete/", media_delete, name="media_delete"),
    path(_A + "subtitles/", media_subtitles_add, name="media_subtitles_add"),
    path(_A + "subtitles/<str:language>/", media_subtitles_edit, name="media_subtitles_edit"),
    path(_A + "subtitles/<str:language>/file/", media_subtitles_file, name="media_subtitles_file"),
    path(
        _A + "subtitles/<str:language>/delete/",
        media_subtitles_delete,
        name="media_subtitles_delete",
    ),
    path(_A + "original/", media_original, name="media_original"),
    path(_A + "thumb/", media_thumb, name="media_thumb"),
    path(_A + "versions/<str:spec>/", media_rendition, name="media_rendition"),
]
