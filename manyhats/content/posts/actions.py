"""State changes of posts: write, duplicate, submit, approve, reject, comment, delete.

Each checks the member's capability, writes in one transaction, adds to the
post's history (PostEvent) and, for what a workspace admin audits, the audit
log. Views and API endpoints call these and never change posts directly.

Approval: when the workspace requires it, an editor submits (draft ->
in_review) and a member who may approve approves (-> approved, naming the
revision approved) or asks for changes with a comment. Any change of content
bumps the revision; a change to an approved post withdraws its approval.
Nothing a platform would reject can be submitted or approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import compose
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    Persona,
    Pillar,
    Post,
    PostEvent,
    PostMedia,
    PostTarget,
)
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.registry import get_connector_class
from manyhats.platforms.vocabulary import PostFormat
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

Status = Post.Status
Kind = PostEvent.Kind
POST_FIELDS = (
    "title",
    "text",
    "link",
    "link_title",
    "first_comment",
    "notes",
    "hashtags",
    "cta",
    "pillar",
    "persona",
    "campaign",
    "is_template",
    "evergreen_days",
    "evergreen_max",
)
# Settings that change when the post comes back, not what it says: no new approval needed.
_PLAN_FIELDS = ("evergreen_days", "evergreen_max")
MAX_EVERGREEN_DAYS = 730
MAX_EVERGREEN_TIMES = 52
_RELATED: dict[str, type[CallToAction | Pillar | Persona | Campaign]] = {
    "cta": CallToAction,
    "pillar": Pillar,
    "persona": Persona,
    "campaign": Campaign,
}
MAX_HASHTAGS_STORED = 60


@dataclass
class TargetInput:
    """One target as the composer or the API sends it."""

    account_id: int
    format: str
    text_override: str | None = None
    first_comment_override: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    media: list[int] | None = None  # its own media list; None: the post's shared list


def _check(membership: Membership, perm: Perm) -> None:
    require(membership, perm)


def _event(post: Post, kind: str, actor: Any, comment: str = "") -> PostEvent:
    return PostEvent.objects.create(
        post=post,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=getattr(actor, "email", "") or "system",
        comment=comment,
        revision=post.revision,
    )


def clean_hashtags(tags: Sequence[str] | str) -> list[str]:
    """Hashtags without '#', in order, each once (case-insensitively)."""
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    seen: set[str] = set()
    cleaned = []
    for tag in tags:
        name = str(tag).strip().lstrip("#").strip()
        if not name or any(c.isspace() for c in name):
            if name:
                raise ValidationError(
                    _("A hashtag cannot contain spaces: “%(tag)s”.") % {"tag": name},
                    code="hashtag",
                )
            continue
        if name.casefold() not in seen:
            seen.add(name.casefold())
            cleaned.append(name[:100])
    if len(cleaned) > MAX_HASHTAGS_STORED:
        raise ValidationError(
            _("Keep it to %(max)s hashtags at most.") % {"max": MAX_HASHTAGS_STORED},
            code="hashtags",
        )
    return cleaned


def _evergreen_number(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    top = MAX_EVERGREEN_DAYS if name == "evergreen_days" else MAX_EVERGREEN_TIMES
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= top:
        raise ValidationError(
            {name: _("Choose a number from 1 to %(max)s.") % {"max": top}}, code="invalid"
        )
    return number


def _check_evergreen(post: Post) -> None:
    if post.evergreen_max is not None and post.evergreen_days is None:
        raise ValidationError(
            {"evergreen_days": _("Say after how many days it comes back.")}, code="evergreen"
        )


def _resolve_fields(post: Post, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(POST_FIELDS)
    if unknown:
        raise ValueError(f"unknown post fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in _RELATED:
            if value in (None, "", 0):
                value = None
            elif not isinstance(value, _RELATED[name]):
                model = _RELATED[name]
                value = model._default_manager.filter(workspace=post.workspace, pk=value).first()
                if value is None:
                    raise ValidationError(
                        {name: _("Choose one of this workspace's options.")}, code="invalid"
                    )
            elif value.workspace_id != post.workspace_id:
                raise ValidationError({name: _("Choose one of this workspace's options.")})
        elif name in _PLAN_FIELDS:
            value = _evergreen_number(name, value)
        elif name == "hashtags":
            value = clean_hashtags(value)
        elif isinstance(value, str):
            value = value.replace("\r\n", "\n")
        setattr(post, name, value)


def _content_state(post: Post) -> Any:
    """Everything that, when changed, needs a new approval."""
    targets = [
        (
            t.account_id,
            t.format,
            t.text_override,
            t.first_comment_override,
            sorted(t.options.items()),
            t.own_media,
            list(t.media_items.values_list("asset_id", flat=True)),
        )
        for t in post.targets.all()
    ]
    shared = list(post.media_items.filter(target__isnull=True).values_list("asset_id", flat=True))
    snap = post.snapshot()
    snap.pop("status")
    for name in _PLAN_FIELDS:
        snap.pop(name, None)
    return (sorted(snap.items(), key=lambda kv: kv[0]).__repr__(), targets, shared)


def _assets(post: Post, ids: Sequence[int]) -> list[MediaAsset]:
    if len(ids) > 50:
        raise ValidationError(_("A post can hold at most 50 media files."), code="media")
    found = {a.pk: a for a in MediaAsset.objects.filter(workspace=post.workspace, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError(
            _("Media file %(id)s is not in this workspace's library.") % {"id": missing[0]},
            code="media",
        )
    allowed = {MediaAsset.Kind.IMAGE, MediaAsset.Kind.VIDEO, MediaAsset.Kind.DOCUMENT}
    for asset in found.values():
        if asset.kind not in allowed:
            raise ValidationError(
                _(
                    "“%(name)s” is a %(kind)s file and cannot be posted; attach it to a video instead."
                )
                % {"name": str(asset), "kind": asset.get_kind_display()},
                code="media",
            )
    return [found[i] for i in ids]


def _set_media(post: Post, target: PostTarget | None, ids: Sequence[int]) -> None:
    assets = _assets(post, ids)
    PostMedia.objects.filter(post=post, target=target).delete()
    PostMedia.objects.bulk_create(
        PostMedia(post=post, target=target, asset=a, position=i) for i, a in enumerate(assets)
    )


def _set_targets(post: Post, targets: Sequence[TargetInput]) -> None:
    accounts = {
        a.pk: a
        for a in ConnectedAccount.objects.filter(
            workspace=post.workspace, pk__in=[t.account_id for t in targets]
        )
    }
    seen = set()
    keep = []
    for position, given in enumerate(targets):
        account = accounts.get(given.account_id)
        if account is None:
            raise ValidationError(
                _("Account %(id)s is not connected to this workspace.") % {"id": given.account_id},
                code="account",
            )
        if account.pk in seen:
            raise ValidationError(
                _("%(account)s is chosen twice.") % {"account": account.name}, code="account"
            )
        seen.add(account.pk)
        formats = [str(f) for f in get_connector_class(account.platform)(None).formats(account)]
        if given.format not in formats:
            labels = dict(PostFormat.choices)
            raise ValidationError(
                _("%(account)s cannot publish “%(format)s”; choose one of: %(formats)s.")
                % {
                    "account": account.name,
                    "format": labels.get(given.format, given.format),
                    "formats": ", ".join(str(labels[f]) for f in formats),
                },
                code="format",
            )
        if not isinstance(given.options, dict) or len(str(given.options)) > 5000:
            raise ValidationError(_("The platform settings are not valid."), code="options")
        target, _created = PostTarget.objects.update_or_create(
            post=post,
            account=account,
            defaults={
                "format": given.format,
                "text_override": _text(given.text_override),
                "first_comment_override": _text(given.first_comment_override),
                "options": given.options,
                "own_media": given.media is not None,
                "position": position,
            },
        )
        if given.media is not None:
            _set_media(post, target, given.media)
        else:
            target.media_items.all().delete()
        keep.append(target.pk)
    post.targets.exclude(pk__in=keep).delete()


def _text(value: str | None) -> str | None:
    return None if value is None else value.replace("\r\n", "\n")


def request_target_renditions(post: Post) -> int:
    """Queue every version the post's targets need and let the worker make them."""
    from manyhats.content.media.renditions import request_renditions
    from manyhats.content.tasks import make_asset_renditions

    per_asset: dict[MediaAsset, list[Any]] = {}
    for target in post.targets.select_related("account"):
        for asset, requests in compose.rendition_requests(target).items():
            per_asset.setdefault(asset, []).extend(requests)
    queued = 0
    for asset, requests in per_asset.items():
        unique = list({r.row_key: r for r in requests}.values())
        try:
            rows = request_renditions(asset, unique)
        except ValidationError:
            continue  # e.g. the burned-in subtitles were deleted: the target's check says so
        if any(r.status == r.Status.PENDING for r in rows):
            make_asset_renditions.enqueue(asset.pk)
            queued += 1
    return queued


@transaction.atomic
def do_create_post(
    membership: Membership,
    *,
    fields: dict[str, Any] | None = None,
    targets: Sequence[TargetInput] = (),
    media: Sequence[int] = (),
    status: str = Status.DRAFT,
    request: HttpRequest | None = None,
) -> Post:
    _check(membership, Perm.COMPOSE)
    if status not in (Status.IDEA, Status.DRAFT):
        raise ValidationError(_("A new post is an idea or a draft."), code="status")
    post = Post(workspace=membership.workspace, created_by=membership.user, status=status)
    _resolve_fields(post, fields or {})
    _check_evergreen(post)
    post.full_clean(exclude=["cta", "pillar", "persona", "campaign", "hashtags"])
    post.save()
    _set_media(post, None, list(media))
    _set_targets(post, targets)
    _event(post, Kind.CREATED, membership.user)
    record(
        "post.created",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        after=post.snapshot(),
        request=request,
    )
    request_target_renditions(post)
    return post


@transaction.atomic
def do_update_post(
    membership: Membership,
    post: Post,
    *,
    fields: dict[str, Any] | None = None,
    targets: Sequence[TargetInput] | None = None,
    media: Sequence[int] | None = None,
    request: HttpRequest | None = None,
) -> Post:
    """Change a post's content. Returns the post; a changed approved post loses its approval."""
    _check(membership, Perm.COMPOSE)
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    before_state = _content_state(post)
    before = post.snapshot()
    _resolve_fields(post, fields or {})
    _check_evergreen(post)
    post.full_clean(exclude=["cta", "pillar", "persona", "campaign", "hashtags"])
    post.save()
    if media is not None:
        _set_media(post, None, list(media))
    if targets is not None:
        _set_targets(post, targets)
    if _content_state(post) == before_state:
        after = post.snapshot()
        changed = [k for k in after if before.get(k) != after[k]]
        if changed:  # only plan settings (evergreen): no new revision, no new approval
            record(
                "post.updated",
                actor=membership.user,
                workspace=post.workspace,
                obj=post,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
                request=request,
            )
        return post
    post.revision += 1
    post.updated_at = timezone.now()
    withdrawn = post.status == Status.APPROVED
    if withdrawn:
        post.status = Status.DRAFT
        post.approved_revision = None
    post.save(update_fields=["revision", "updated_at", "status", "approved_revision"])
    _event(post, Kind.APPROVAL_WITHDRAWN if withdrawn else Kind.EDITED, membership.user)
    after = post.snapshot()
    changed = [k for k in after if before.get(k) != after[k]]
    record(
        "post.updated",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        request=request,
    )
    request_target_renditions(post)
    return post


def require_publishable(post: Post) -> None:
    """Refuse a post without accounts or with anything a platform would reject (submitting,
    approving and scheduling all ask this)."""
    if not post.targets.exists():
        raise ValidationError(_("Choose at least one account to post to."), code="no_targets")
    blocking = compose.blocking_problems(post)
    if blocking:
        target, problem = blocking[0]
        more = len(blocking) - 1
        message = _("%(account)s: %(problem)s") % {
            "account": target.account.name,
            "problem": problem.message,
        }
        if more:
            message += " " + _("(and %(n)s more to fix)") % {"n": more}
        raise ValidationError(message, code="problems")


@transaction.atomic
def do_submit(
    membership: Membership, post: Post, *, comment: str = "", request: HttpRequest | None = None
) -> Post:
    """Ask for approval."""
    _check(membership, Perm.COMPOSE)
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if post.is_template:
        raise ValidationError(_("Templates are not submitted; start a post from it."))
    if post.status not in (Status.IDEA, Status.DRAFT, Status.CHANGES_REQUESTED):
        raise ValidationError(
            _("This post is %(status)s and cannot be submitted.")
            % {"status": post.get_status_display()},
            code="status",
        )
    require_publishable(post)
    post.status = Status.IN_REVIEW
    post.save(update_fields=["status"])
    _event(post, Kind.SUBMITTED, membership.user, comment.strip())
    record(
        "post.submitted", actor=membership.user, workspace=post.workspace, obj=post, request=request
    )
    return post


@transaction.atomic
def do_approve(
    membership: Membership, post: Post, *, comment: str = "", request: HttpRequest | None = None
) -> Post:
    """Approve the post as it is now (its current revision)."""
    _check(membership, Perm.APPROVE)
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    allowed = (Status.IN_REVIEW, Status.DRAFT, Status.IDEA, Status.CHANGES_REQUESTED)
    if post.is_template or post.status not in allowed:
        raise ValidationError(
            _("This post is %(status)s and cannot be approved.")
            % {"status": post.get_status_display()},
            code="status",
        )
    require_publishable(post)
    post.status = Status.APPROVED
    post.approved_revision = post.revision
    post.approved_by = membership.user
    post.approved_at = timezone.now()
    post.save(update_fields=["status", "approved_revision", "approved_by", "approved_at"])
    _event(post, Kind.APPROVED, membership.user, comment.strip())
    record(
        "post.approved",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        after={"revision": post.revision, "comment": comment.strip()},
        request=request,
    )
    return post


@transaction.atomic
def do_reject(
    membership: Membership, post: Post, *, comment: str, request: HttpRequest | None = None
) -> Post:
    """Send the post back with a comment saying what to change."""
    _check(membership, Perm.APPROVE)
    if not comment.strip():
        raise ValidationError(
            {"comment": _("Say what to change, so the author knows what to do.")},
            code="comment_required",
        )
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if post.status not in (Status.IN_REVIEW, Status.APPROVED):
        raise ValidationError(
            _("This post is %(status)s; only posts waiting for approval can be sent back.")
            % {"status": post.get_status_display()},
            code="status",
        )
    post.status = Status.CHANGES_REQUESTED
    post.approved_revision = None
    post.save(update_fields=["status", "approved_revision"])
    _event(post, Kind.REJECTED, membership.user, comment.strip())
    record(
        "post.rejected",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        after={"comment": comment.strip()},
        request=request,
    )
    return post


@transaction.atomic
def do_comment(membership: Membership, post: Post, *, comment: str) -> PostEvent:
    _check(membership, Perm.COMPOSE)
    text = comment.strip()
    if not text:
        raise ValidationError({"comment": _("Write a comment first.")}, code="empty")
    if len(text) > 5000:
        raise ValidationError({"comment": _("Keep comments under 5,000 characters.")})
    return _event(post, Kind.COMMENTED, membership.user, text)


def copy_post(source: Post, **changes: Any) -> Post:
    """A new draft with `source`'s fields but `changes`, saved with its shared media and its
    targets (each with its own media): a new UUID, revision 1, not approved. The caller
    writes the history and audit rows."""
    copy = Post.objects.get(pk=source.pk)
    copy.pk = None
    copy.id = None
    copy.uuid = Post._meta.get_field("uuid").get_default()
    copy.status = Status.DRAFT
    copy.created_at = copy.updated_at = timezone.now()
    copy.revision = 1
    copy.approved_revision = copy.approved_by = copy.approved_at = None
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.save()
    for item in source.media_items.filter(target__isnull=True):
        PostMedia.objects.create(post=copy, asset_id=item.asset_id, position=item.position)
    for target in source.targets.all():
        old_pk = target.pk
        target.pk = None
        target.id = None
        target.post = copy
        target.save()
        for item in PostMedia.objects.filter(target_id=old_pk):
            PostMedia.objects.create(
                post=copy, target=target, asset_id=item.asset_id, position=item.position
            )
    return copy


@transaction.atomic
def do_duplicate(
    membership: Membership,
    post: Post,
    *,
    as_template: bool = False,
    request: HttpRequest | None = None,
) -> Post:
    """A new draft (or template) with the same content, targets and media."""
    _check(membership, Perm.COMPOSE)
    source = Post.objects.get(pk=post.pk, workspace=membership.workspace)
    changes: dict[str, Any] = {
        "is_template": as_template,
        "created_by": membership.user,
        # A copy is a new post: not on the calendar yet, not an evergreen re-run, not imported.
        "planned_at": None,
        "evergreen_of": None,
        "imported_from": "",
    }
    if source.title and not as_template and not source.is_template:
        changes["title"] = _("Copy of %(title)s") % {"title": source.title}
    copy = copy_post(source, **changes)
    _event(copy, Kind.DUPLICATED, membership.user, str(source.display_title()))
    record(
        "post.created",
        actor=membership.user,
        workspace=copy.workspace,
        obj=copy,
        after={**copy.snapshot(), "copied_from": str(source.uuid)},
        request=request,
    )
    request_target_renditions(copy)
    return copy


@transaction.atomic
def do_delete_post(
    membership: Membership, post: Post, *, request: HttpRequest | None = None
) -> None:
    _check(membership, Perm.COMPOSE)
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if post.status == Status.APPROVED and not membership.can(Perm.APPROVE):
        raise ValidationError(
            _("Only someone who may approve posts can delete an approved post."), code="forbidden"
        )
    record(
        "post.deleted",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        before=post.snapshot(),
        request=request,
    )
    post.delete()


def can_schedule(post: Post) -> bool:
    """Whether the post may go into the publishing queue (the publishing issue asks this)."""
    if post.is_template or post.status == Status.IDEA:
        return False
    if post.workspace.requires_approval:
        return post.is_approved
    return post.status in (Status.DRAFT, Status.APPROVED)
