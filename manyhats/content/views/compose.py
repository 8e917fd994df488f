"""The Compose room: the post list, the composer, the live checks and the approval actions.

    w/<slug>/compose/                        the posts, by status (Perm.VIEW_CALENDAR)
    w/<slug>/compose/new/                    a new post (GET the form, POST saves it)
    w/<slug>/compose/<uuid>/                 the composer of one post (read: calendar, write: compose)
    w/<slug>/compose/check/                  the live checks of an unsaved post (POST, HTMX)
    w/<slug>/compose/<uuid>/check/           the live checks of a post being edited (POST, HTMX)
    w/<slug>/compose/<uuid>/<action>/        submit, approve, reject, comment, duplicate,
                                             template, use, delete (each a POST)

The checks build the post and its targets from the form in a transaction that is
rolled back, so what is checked and previewed is exactly what `content.posts.compose`
will send, without saving anything.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.content import forms as compose_forms
from manyhats.content.forms import PostFieldsForm, TargetState
from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import actions, compose
from manyhats.content.posts.models import (
    ComposerSettings,
    Post,
    PostEvent,
    PostMedia,
    PostTarget,
)
from manyhats.content.posts.preview import build_preview
from manyhats.content.rules import counting
from manyhats.content.rules.check import PRIVACY_LABELS, text_length
from manyhats.content.rules.limits import PLATFORM_NAMES, rules_for
from manyhats.content.rules.problems import Problem
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.publishing.views import schedule_panel
from manyhats.web.csp import with_csp
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)

Status = Post.Status
LIMITS_MAX_AGE = timedelta(minutes=10)
PAGE_SIZE = 50

# The list's tabs: key -> (label, filter).
TABS: dict[str, tuple[str | Promise, dict[str, Any]]] = {
    "all": (gettext_lazy("All posts"), {"is_template": False}),
    "ideas": (gettext_lazy("Ideas"), {"is_template": False, "status": Status.IDEA}),
    "drafts": (gettext_lazy("Drafts"), {"is_template": False, "status": Status.DRAFT}),
    "review": (
        gettext_lazy("Waiting for approval"),
        {"is_template": False, "status": Status.IN_REVIEW},
    ),
    "changes": (
        gettext_lazy("Changes requested"),
        {"is_template": False, "status": Status.CHANGES_REQUESTED},
    ),
    "approved": (gettext_lazy("Approved"), {"is_template": False, "status": Status.APPROVED}),
    "templates": (gettext_lazy("Templates"), {"is_template": True}),
}
STATUS_BADGES = {
    Status.IDEA: "info",
    Status.DRAFT: "",
    Status.IN_REVIEW: "warning",
    Status.CHANGES_REQUESTED: "danger",
    Status.APPROVED: "success",
}
FORMAT_LABELS = dict(PostFormat.choices)


def _url(name: str, *args: Any) -> str:
    """The URL of a route another part of the room provides, or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _can(request: WorkspaceRequest, perm: Perm) -> bool:
    return request.membership.can(perm)


def _errors(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _post(request: WorkspaceRequest, post: uuid_module.UUID) -> Post:
    return get_object_or_404(
        Post.objects.select_related("created_by", "approved_by", "cta"),
        workspace=request.workspace,
        uuid=post,
    )


def _composer_url(request: WorkspaceRequest, post: Post) -> str:
    return reverse("compose_post", args=[request.workspace.slug, post.uuid])


def status_badge(post: Post) -> str:
    return STATUS_BADGES.get(Status(post.status), "")


# --------------------------------------------------------------------------- the list


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def post_list(request: WorkspaceRequest) -> HttpResponse:
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    query = request.GET.get("q", "").strip()[:200]
    posts: QuerySet[Post] = Post.objects.filter(workspace=request.workspace, **TABS[tab][1])
    if query:
        posts = posts.filter(Q(title__icontains=query) | Q(text__icontains=query))
    posts = posts.select_related("created_by", "pillar", "campaign").prefetch_related(
        Prefetch("targets", queryset=PostTarget.objects.select_related("account"))
    )
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {
        key: Post.objects.filter(workspace=request.workspace, **filters).count()
        for key, (_label, filters) in TABS.items()
    }
    rows = [{"post": p, "badge": status_badge(p)} for p in page.object_list]
    return render(
        request,
        "content/compose/list.html",
        {
            "active_room": "compose",
            "tabs": [(key, label, counts[key]) for key, (label, _f) in TABS.items()],
            "tab": tab,
            "tab_label": TABS[tab][0],
            "q": query,
            "page": page,
            "rows": rows,
            "can_compose": _can(request, Perm.COMPOSE),
            "requires_approval": request.workspace.requires_approval,
        },
    )


# --------------------------------------------------------------------------- composer state


@dataclass
class MediaEntry:
    """One asset in a media list, as the composer shows it."""

    id: int
    uuid: str
    kind: str
    name: str
    thumb: str
    status: str = ""


@dataclass
class Composer:
    """Everything the composer page renders, from a saved post or from a posted form."""

    form: PostFieldsForm
    media: list[int]
    targets: list[TargetState]
    status: str = Status.DRAFT
    errors: list[str] = field(default_factory=list)
    media_errors: list[str] = field(default_factory=list)
    target_errors: list[str] = field(default_factory=list)


def _accounts(request: WorkspaceRequest, post: Post | None) -> list[ConnectedAccount]:
    """The active accounts, plus any a saved post already targets (whatever their state)."""
    found = ConnectedAccount.objects.filter(workspace=request.workspace)
    if post is not None and post.pk:
        found = found.filter(Q(status=AccountStatus.ACTIVE) | Q(post_targets__post=post))
    else:
        found = found.filter(status=AccountStatus.ACTIVE)
    return list(found.distinct().order_by("platform", "name"))


def _kinds(request: WorkspaceRequest, ids: list[int]) -> list[str]:
    kinds = dict(
        MediaAsset.objects.filter(workspace=request.workspace, pk__in=ids).values_list("pk", "kind")
    )
    return [kinds[i] for i in ids if i in kinds]


def _from_post(request: WorkspaceRequest, post: Post | None, status: str) -> Composer:
    accounts = _accounts(request, post)
    if post is None:
        return Composer(
            form=PostFieldsForm(workspace=request.workspace),
            media=[],
            targets=[compose_forms.fresh_state(a, []) for a in accounts],
            status=status,
        )
    media = list(
        post.media_items.filter(target__isnull=True)
        .order_by("position", "id")
        .values_list("asset_id", flat=True)
    )
    kinds = _kinds(request, media)
    saved = {
        t.account_id: compose_forms.state_from_target(t)
        for t in post.targets.select_related("account")
    }
    targets = [saved.get(a.pk) or compose_forms.fresh_state(a, kinds) for a in accounts]
    form = PostFieldsForm(workspace=request.workspace, initial=PostFieldsForm.initial_for(post))
    return Composer(form=form, media=media, targets=targets, status=post.status)


def _from_data(request: WorkspaceRequest, post: Post | None, data: QueryDict) -> Composer:
    form = PostFieldsForm(data, workspace=request.workspace)
    form.is_valid()
    media = compose_forms.asset_ids(data.getlist("media"))
    kinds = _kinds(request, media)
    targets = [compose_forms.state_from_data(data, a, kinds) for a in _accounts(request, post)]
    status = post.status if post is not None else _new_status(data.get("status", ""))
    return Composer(form=form, media=media, targets=targets, status=status)


def _new_status(value: str) -> str:
    return Status.IDEA if value == Status.IDEA else Status.DRAFT


def _chosen(composer: Composer) -> list[TargetState]:
    return [t for t in composer.targets if t.chosen]


def _apply_errors(composer: Composer, exc: ValidationError) -> None:
    """Put an action's errors next to the field they concern."""
    form = composer.form
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if name in form.fields:
                form.add_error(name, errors)
            else:
                composer.errors.extend(errors)
        return
    for error in exc.error_list:
        text = " ".join(str(m) for m in error.messages)
        if error.code in ("hashtag", "hashtags"):
            form.add_error("hashtags", text)
        elif error.code == "media":
            composer.media_errors.append(text)
        elif error.code in ("account", "format", "options"):
            composer.target_errors.append(text)
        else:
            composer.errors.append(text)


# --------------------------------------------------------------------------- checks


@dataclass
class Counter:
    label: str
    used: int
    max: int | None
    note: str = ""

    @property
    def over(self) -> bool:
        return self.max is not None and self.used > self.max


@dataclass
class TargetResult:
    """What the checks say about one target, and its preview."""

    account: ConnectedAccount
    format: str
    format_label: str
    counters: list[Counter]
    problems: list[Problem]
    preview: Any
    preview_template: str

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def platform_name(self) -> str:
        return str(PLATFORM_NAMES.get(str(self.account.platform), self.account.platform))


def counters(target: PostTarget, settings: ComposerSettings) -> list[Counter]:
    """Characters (in the platform's unit), hashtags and mentions against the platform's maxima."""
    rules = rules_for(str(target.account.platform), str(target.format))
    if rules is None or not rules.caption_shown:
        return []
    text = compose.final_text(target, settings)
    found = []
    for rule in rules.texts:
        value = text if rule.field == "text" else str(target.options.get(rule.field) or "")
        label = _("Characters") if rule.field == "text" else _("Title")
        note = _("LinkedIn counts some characters twice.") if rule.unit == "linkedin" else ""
        found.append(Counter(label, text_length(value, rule.unit), rule.max, note))
    found.append(Counter(_("Hashtags"), len(counting.hashtags(text)), rules.hashtags_max))
    found.append(Counter(_("Mentions"), len(counting.mentions(text)), rules.mentions_max))
    return found


def _preview(target: PostTarget, request: WorkspaceRequest) -> tuple[Any, str]:
    """The target's preview (content.posts.preview); a plain one if building it fails."""
    try:
        return build_preview(target, request), "content/previews/_target.html"
    except Exception:
        log.exception("the preview of target %s failed", target.pk)
    thumbs = []
    for planned in compose.planned_media(target):
        thumbs.append(
            {
                "url": _url("media_thumb", request.workspace.slug, planned.asset.uuid),
                "name": str(planned.asset),
                "kind": planned.asset.kind,
            }
        )
    fallback = {
        "text": compose.final_text(target),
        "first_comment": compose.final_first_comment(target),
        "link": compose.tagged_link(target),
        "media": thumbs,
    }
    return fallback, "content/compose/_preview_fallback.html"


def _results(request: WorkspaceRequest, targets: list[PostTarget]) -> list[TargetResult]:
    settings = ComposerSettings.of(request.workspace)
    results = []
    for target in targets:
        preview, template = _preview(target, request)
        results.append(
            TargetResult(
                account=target.account,
                format=str(target.format),
                format_label=str(FORMAT_LABELS.get(str(target.format), target.format)),
                counters=counters(target, settings),
                problems=compose.target_problems(target, settings),
                preview=preview,
                preview_template=template,
            )
        )
    return results


def _render_checks(
    request: WorkspaceRequest,
    results: list[TargetResult],
    form_errors: list[str],
    *,
    part: str = "",
) -> str:
    """The checks with the previews swapped out of band (HTMX), or one `part` of them."""
    template = "content/compose/_checks.html" + (f"#{part}" if part else "")
    return render_to_string(
        template,
        {
            "results": results,
            "blocking": sum(len(r.errors) for r in results),
            "warnings": sum(len(r.warnings) for r in results),
            "form_errors": form_errors,
            "requires_approval": request.workspace.requires_approval,
        },
        request=request,
    )


def _assets_in(request: WorkspaceRequest, ids: list[int]) -> list[MediaAsset]:
    found = {a.pk: a for a in MediaAsset.objects.filter(workspace=request.workspace, pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _check_unsaved(request: WorkspaceRequest, post: Post | None) -> HttpResponse:
    """Build the post from the form in a transaction that is rolled back, check and preview it."""
    composer = _from_data(request, post, request.POST)
    form = composer.form
    form_errors = []
    for name, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        form_errors.append(f"{form.fields[name].label}: {text}" if name in form.fields else text)
    with transaction.atomic():
        if post is None:
            post = Post(
                workspace=request.workspace,
                created_by=request.membership.user,
                status=composer.status,
            )
        for name, value in form.post_fields().items():
            setattr(post, name, value)
        post.save()
        PostMedia.objects.filter(post=post, target__isnull=True).delete()
        PostMedia.objects.bulk_create(
            PostMedia(post=post, asset=a, position=i)
            for i, a in enumerate(_assets_in(request, composer.media))
        )
        targets = []
        for position, state in enumerate(_chosen(composer)):
            target = PostTarget.objects.filter(post=post, account=state.account).first()
            target = target or PostTarget(post=post, account=state.account)
            target.format = state.format
            target.text_override = state.text_override
            target.first_comment_override = state.first_comment_override
            target.options = state.options
            target.own_media = state.media is not None
            target.position = position
            target.save()
            target.media_items.all().delete()
            if state.media is not None:
                PostMedia.objects.bulk_create(
                    PostMedia(post=post, target=target, asset=a, position=i)
                    for i, a in enumerate(_assets_in(request, state.media))
                )
            targets.append(target)
        html = _render_checks(request, _results(request, targets), form_errors)
        transaction.set_rollback(True)
    return HttpResponse(html)


@workspace_view(Perm.COMPOSE)
@require_POST
def check_new(request: WorkspaceRequest) -> HttpResponse:
    return _check_unsaved(request, None)


@workspace_view(Perm.COMPOSE)
@require_POST
def check_post(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    return _check_unsaved(request, _post(request, post))


# --------------------------------------------------------------------------- the composer


def _refresh_tiktok_limits(accounts: list[ConnectedAccount]) -> None:
    """Read the TikTok creator info again when it is older than ten minutes (never fails)."""
    from manyhats.platforms.actions import refresh_limits_quietly

    stale_before = timezone.now() - LIMITS_MAX_AGE
    for account in accounts:
        if account.platform != "tiktok" or account.status != AccountStatus.ACTIVE:
            continue
        if account.limits_fetched_at is not None and account.limits_fetched_at > stale_before:
            continue
        try:
            refresh_limits_quietly(account)
        except Exception:
            log.exception("could not refresh the limits of TikTok account %s", account.pk)


def _media_entries(request: WorkspaceRequest, ids: list[int]) -> list[MediaEntry]:
    slug = request.workspace.slug
    return [
        MediaEntry(
            id=a.pk,
            uuid=str(a.uuid),
            kind=a.kind,
            name=str(a),
            thumb=_url("media_thumb", slug, a.uuid),
            status=a.status,
        )
        for a in _assets_in(request, ids)
    ]


def _subtitle_languages(ids: list[int]) -> list[str]:
    from manyhats.content.media.models import SubtitleTrack

    return sorted(
        set(
            SubtitleTrack.objects.filter(
                asset_id__in=ids, asset__kind=MediaAsset.Kind.VIDEO
            ).values_list("language", flat=True)
        )
    )


@dataclass
class Panel:
    """One account's panel: its state plus what the template needs to draw it."""

    state: TargetState
    sections: dict[str, str]
    shown: dict[str, bool]
    media: list[MediaEntry]
    languages: list[str]
    privacy_levels: list[tuple[str, str]]
    interactions: list[dict[str, Any]]
    format_choices: list[tuple[str, str]]
    platform_name: str
    cover_seconds: str


def _seconds(ms: Any) -> str:
    if not isinstance(ms, int):
        return ""
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".")


SECTIONS = (
    "video",
    "crop",
    "story",
    "caption",
    "first_comment_hashtags",
    "share_to_feed",
    "linkedin_title",
    "tiktok",
    "tiktok_photo",
    "tiktok_video",
)


def _panels(request: WorkspaceRequest, composer: Composer) -> list[Panel]:
    panels = []
    for state in composer.targets:
        platform = state.platform
        media_ids = state.media if state.media is not None else composer.media
        limits = state.account.account_limits
        photo = state.format in compose_forms.TIKTOK_PHOTO_FORMATS
        interactions = []
        if platform == "tiktok":
            for name in compose_forms.INTERACTIONS:
                interactions.append(
                    {
                        "name": name,
                        "label": compose_forms.INTERACTION_LABELS[name],
                        "off_by_creator": name in limits.disabled,
                        "checked": state.allowed(name) and name not in limits.disabled,
                        "video_only": name != "comment",
                        "hidden": photo and name != "comment",
                    }
                )
        sections = {name: compose_forms.section_formats(platform, name) for name in SECTIONS}
        shown = {name: state.format in f for name, f in sections.items()}
        shown["video"] = shown["video"] and "video" in _kinds(request, media_ids)
        panels.append(
            Panel(
                state=state,
                sections={name: " ".join(sorted(f)) for name, f in sections.items()},
                shown=shown,
                media=_media_entries(request, state.media or []),
                languages=_subtitle_languages(media_ids),
                privacy_levels=[
                    (level, str(PRIVACY_LABELS.get(level, level)))
                    for level in limits.privacy_levels
                ],
                interactions=interactions,
                format_choices=[(f, str(FORMAT_LABELS.get(f, f))) for f in state.formats],
                platform_name=str(PLATFORM_NAMES.get(platform, platform)),
                cover_seconds=_seconds(state.options.get("cover_at_ms")),
            )
        )
    return panels


def _history(post: Post) -> list[PostEvent]:
    return list(post.events.select_related("actor").order_by("-at", "-id"))


def _render_composer(
    request: WorkspaceRequest,
    post: Post | None,
    composer: Composer,
    *,
    status: int = 200,
) -> HttpResponse:
    slug = request.workspace.slug
    can_compose = _can(request, Perm.COMPOSE)
    editable = can_compose
    ComposerSettings.of(request.workspace)  # the default calls to action on first use
    checks_html = previews_html = ""
    if post is not None:
        results = _results(request, list(post.targets.select_related("account")))
        checks_html = _render_checks(request, results, [], part="checks")
        previews_html = _render_checks(request, results, [], part="previews")
    events = _history(post) if post is not None else []
    # The latest step of the approval (edits and comments aside): was the approval withdrawn,
    # and what did the person who submitted the post say?
    quiet = (PostEvent.Kind.EDITED, PostEvent.Kind.COMMENTED)
    last_step = next((e for e in events if e.kind not in quiet), None)
    withdrawn = (
        post is not None
        and post.status == Status.DRAFT
        and last_step is not None
        and last_step.kind == PostEvent.Kind.APPROVAL_WITHDRAWN
    )
    submission = (
        last_step
        if post is not None
        and post.status == Status.IN_REVIEW
        and last_step is not None
        and last_step.kind == PostEvent.Kind.SUBMITTED
        else None
    )
    context = {
        "active_room": "compose",
        "post": post,
        "composer": composer,
        "form": composer.form,
        "panels": _panels(request, composer),
        "media": _media_entries(request, composer.media),
        "status": composer.status,
        "status_label": Status(composer.status).label,
        "status_badge": STATUS_BADGES.get(Status(composer.status), ""),
        "editable": editable,
        "can_compose": can_compose,
        "can_approve": _can(request, Perm.APPROVE),
        "requires_approval": request.workspace.requires_approval,
        "events": events,
        "withdrawn": withdrawn,
        "submission": submission,
        "checks_html": checks_html,
        "previews_html": previews_html,
        "check_url": (
            reverse("compose_check", args=[slug, post.uuid])
            if post is not None
            else reverse("compose_check_new", args=[slug])
        ),
        "save_url": (
            _composer_url(request, post)
            if post is not None
            else reverse("compose_new", args=[slug])
        ),
        "picker_url": _url("media_picker", slug),
        "library_url": _url("media", slug) or _url("media_library", slug),
        "suggest_url": _url("hashtag_suggest", slug),
        "crop_choices": [(c, compose_forms.CROP_LABELS[c]) for c in compose.CROP_CHOICES],
        "schedule": schedule_panel(request, post),
    }
    response = render(request, "content/compose/composer.html", context, status=status)
    # The previews show the accounts' avatars, which the platforms host.
    return with_csp(response, images=[a.avatar_url for a in _accounts(request, post)])


def _save(request: WorkspaceRequest, post: Post | None) -> HttpResponse:
    composer = _from_data(request, post, request.POST)
    if not composer.form.is_valid():
        messages.error(request, _("The post was not saved: correct the fields marked below."))
        return _render_composer(request, post, composer)
    fields = composer.form.post_fields()
    targets = [t.as_input() for t in _chosen(composer)]
    was_approved = post is not None and post.status == Status.APPROVED
    try:
        if post is None:
            post = actions.do_create_post(
                request.membership,
                fields=fields,
                targets=targets,
                media=composer.media,
                status=composer.status,
                request=request,
            )
        else:
            post = actions.do_update_post(
                request.membership,
                post,
                fields=fields,
                targets=targets,
                media=composer.media,
                request=request,
            )
    except ValidationError as exc:
        _apply_errors(composer, exc)
        messages.error(request, _("The post was not saved: correct the fields marked below."))
        return _render_composer(request, post if post is not None and post.pk else None, composer)
    if was_approved and post.status != Status.APPROVED:
        messages.warning(
            request,
            _("Saved. The changes withdrew the post's approval: it needs to be approved again."),
        )
    else:
        messages.success(request, _("Saved."))
    return redirect(_composer_url(request, post))


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "HEAD", "POST"])
def post_new(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    if not _can(request, Perm.COMPOSE):
        messages.info(request, _("Your role lets you read posts but not write them."))
        return redirect("compose", request.workspace.slug)
    status = _new_status(request.GET.get("status", ""))
    composer = _from_post(request, None, status)
    _refresh_tiktok_limits([t.account for t in composer.targets])
    return _render_composer(request, None, composer)


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "HEAD", "POST"])
def post_detail(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    if request.method == "POST":
        return _save(request, found)
    if _can(request, Perm.COMPOSE):
        _refresh_tiktok_limits([t.account for t in found.targets.select_related("account")])
    return _render_composer(request, found, _from_post(request, found, found.status))


# --------------------------------------------------------------------------- actions


def _act(request: WorkspaceRequest, post: Post, run: Any, done: str) -> HttpResponseRedirect:
    try:
        run()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, done)
    return redirect(_composer_url(request, post))


@workspace_view(Perm.COMPOSE)
@require_POST
def post_submit(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    comment = request.POST.get("comment", "")[:5000]
    return _act(
        request,
        found,
        lambda: actions.do_submit(request.membership, found, comment=comment, request=request),
        _("Submitted for approval."),
    )


@workspace_view(Perm.APPROVE)
@require_POST
def post_approve(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    comment = request.POST.get("comment", "")[:5000]
    return _act(
        request,
        found,
        lambda: actions.do_approve(request.membership, found, comment=comment, request=request),
        _("Approved."),
    )


@workspace_view(Perm.APPROVE)
@require_POST
def post_reject(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    comment = request.POST.get("comment", "")[:5000]
    return _act(
        request,
        found,
        lambda: actions.do_reject(request.membership, found, comment=comment, request=request),
        _("Sent back with your comment."),
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def post_comment(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    comment = request.POST.get("comment", "")
    return _act(
        request,
        found,
        lambda: actions.do_comment(request.membership, found, comment=comment),
        _("Comment added."),
    )


def _copy(
    request: WorkspaceRequest, post: uuid_module.UUID, *, as_template: bool, done: str
) -> HttpResponse:
    found = _post(request, post)
    try:
        copy = actions.do_duplicate(
            request.membership, found, as_template=as_template, request=request
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(_composer_url(request, found))
    messages.success(request, done)
    return redirect(_composer_url(request, copy))


@workspace_view(Perm.COMPOSE)
@require_POST
def post_duplicate(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    """A copy of the post (of a template: another template)."""
    is_template = Post.objects.filter(
        workspace=request.workspace, uuid=post, is_template=True
    ).exists()
    return _copy(
        request,
        post,
        as_template=is_template,
        done=_("This is a copy; the original is unchanged."),
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def post_save_template(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    return _copy(
        request,
        post,
        as_template=True,
        done=_("Saved as a template. Start new posts from it in the Templates tab."),
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def post_use_template(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    return _copy(
        request,
        post,
        as_template=False,
        done=_("A new draft from the template. The template is unchanged."),
    )


@workspace_view(Perm.COMPOSE)
@require_http_methods(["GET", "HEAD", "POST"])
def post_delete(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = _post(request, post)
    if request.method == "POST":
        try:
            actions.do_delete_post(request.membership, found, request=request)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(_composer_url(request, found))
        messages.success(request, _("“%(title)s” is deleted.") % {"title": found.display_title()})
        return redirect("compose", request.workspace.slug)
    return render(
        request,
        "content/compose/delete.html",
        {"active_room": "compose", "post": found, "cancel": _composer_url(request, found)},
    )


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/compose/", post_list, name="compose"),
    path("w/<slug:slug>/compose/new/", post_new, name="compose_new"),
    path("w/<slug:slug>/compose/check/", check_new, name="compose_check_new"),
    path("w/<slug:slug>/compose/<uuid:post>/", post_detail, name="compose_post"),
    path("w/<slug:slug>/compose/<uuid:post>/check/", check_post, name="compose_check"),
    path("w/<slug:slug>/compose/<uuid:post>/submit/", post_submit, name="compose_submit"),
    path("w/<slug:slug>/compose/<uuid:post>/approve/", post_approve, name="compose_approve"),
    path("w/<slug:slug>/compose/<uuid:post>/reject/", post_reject, name="compose_reject"),
    path("w/<slug:slug>/compose/<uuid:post>/comment/", post_comment, name="compose_comment"),
    path("w/<slug:slug>/compose/<uuid:post>/duplicate/", post_duplicate, name="compose_duplicate"),
    path(
        "w/<slug:slug>/compose/<uuid:post>/template/",
        post_save_template,
        name="compose_save_template",
    ),
    path("w/<slug:slug>/compose/<uuid:post>/use/", post_use_template, name="compose_use_template"),
    path("w/<slug:slug>/compose/<uuid:post>/delete/", post_delete, name="compose_delete"),
]
