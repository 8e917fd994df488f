"""Changes to a workspace's composer settings, strategy objects and hashtag groups.

Calls to action, best-practice checks and UTM tagging (ComposerSettings), content
pillars, personas and campaigns are workspace settings: they need
Perm.MANAGE_WORKSPACE. Hashtag groups are a writer's tool: Perm.COMPOSE.

Each function checks the member's capability, validates (raising ValidationError
with a dict keyed by the field the message concerns, so forms can show it next to
that field), writes in one transaction and leaves an audit row. Deleting a pillar,
persona, campaign or call to action keeps the posts that used it (SET_NULL); the
delete functions return how many posts lost it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _

from manyhats.content.posts import practice
from manyhats.content.posts.actions import clean_hashtags
from manyhats.content.posts.models import (
    COLOR_VALIDATOR,
    CallToAction,
    Campaign,
    ComposerSettings,
    HashtagGroup,
    Persona,
    Pillar,
)
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

MAX_CTAS = 50
MAX_HASHTAG_WARNING = 60
UTM_MEDIUM = re.compile(r"^[A-Za-z0-9._-]+$")
# What the platforms recognise as a hashtag (content.rules.counting.HASHTAG, without the '#').
_HASHTAG_NAME = re.compile(r"\w*[^\W\d_]\w*")

StrategyObject = Pillar | Persona | Campaign


def _check(membership: Membership, perm: Perm) -> None:
    require(membership, perm)


def _same_workspace(membership: Membership, obj: models.Model) -> None:
    if getattr(obj, "workspace_id", None) != membership.workspace_id:
        raise ValidationError(_("That is not part of this workspace."), code="workspace")


def _required(value: str, field: str, max_length: int, message: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError({field: message}, code="required")
    if len(text) > max_length:
        raise ValidationError(
            {field: _("Keep it to %(max)s characters at most.") % {"max": max_length}},
            code="max_length",
        )
    return text


def _description(value: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > 2000:
        raise ValidationError(
            {"description": _("Keep the description under 2,000 characters.")}, code="max_length"
        )
    return text


def _taken(queryset: models.QuerySet[Any], field: str, value: str, exclude: int | None) -> bool:
    """Whether another row of the workspace has this value (case-insensitively)."""
    found = queryset.filter(**{f"{field}__iexact": value})
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.exists()


def _save(obj: models.Model, field: str, message: str) -> None:
    """Save, turning a lost race on a unique constraint into the same message as the check."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError({field: message}, code="unique") from None


# Calls to action -----------------------------------------------------------------------------


def _cta_label(membership: Membership, label: str, exclude: int | None = None) -> str:
    text = _required(label, "label", 60, _("Write the call to action."))
    if _taken(CallToAction.objects.filter(workspace=membership.workspace), "label", text, exclude):
        raise ValidationError(
            {"label": _("There is already a call to action “%(label)s”.") % {"label": text}},
            code="unique",
        )
    return text


def _ordered_ctas(membership: Membership) -> list[CallToAction]:
    return list(
        CallToAction.objects.select_for_update()
        .filter(workspace=membership.workspace)
        .order_by("position", "id")
    )


@transaction.atomic
def do_add_cta(
    membership: Membership, label: str, *, request: HttpRequest | None = None
) -> CallToAction:
    """Add a call to action at the end of the workspace's list."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    existing = _ordered_ctas(membership)
    if len(existing) >= MAX_CTAS:
        raise ValidationError(
            {
                "label": _("A workspace can have at most %(max)s calls to action.")
                % {"max": MAX_CTAS}
            },
            code="too_many",
        )
    text = _cta_label(membership, label)
    position = existing[-1].position + 1 if existing else 0
    cta = CallToAction(workspace=membership.workspace, label=text, position=position)
    _save(cta, "label", _("There is already a call to action “%(label)s”.") % {"label": text})
    record(
        "cta.created",
        actor=membership.user,
        workspace=membership.workspace,
        obj=cta,
        after={"label": cta.label},
        request=request,
    )
    return cta


@transaction.atomic
def do_rename_cta(
    membership: Membership, cta: CallToAction, label: str, *, request: HttpRequest | None = None
) -> CallToAction:
    """Change a call to action's words; posts that use it show the new words."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    _same_workspace(membership, cta)
    cta = CallToAction.objects.select_for_update().get(pk=cta.pk)
    text = _cta_label(membership, label, exclude=cta.pk)
    if text == cta.label:
        return cta
    before = cta.label
    cta.label = text
    _save(cta, "label", _("There is already a call to action “%(label)s”.") % {"label": text})
    record(
        "cta.updated",
        actor=membership.user,
        workspace=membership.workspace,
        obj=cta,
        before={"label": before},
        after={"label": text},
        request=request,
    )
    return cta


@transaction.atomic
def do_move_cta(
    membership: Membership,
    cta: CallToAction,
    direction: Literal["up", "down"],
    *,
    request: HttpRequest | None = None,
) -> bool:
    """Swap a call to action with its neighbour. False when it is already first / last."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    _same_workspace(membership, cta)
    if direction not in ("up", "down"):
        raise ValidationError(_("Move it up or down."), code="direction")
    ordered = _ordered_ctas(membership)
    index = next((i for i, c in enumerate(ordered) if c.pk == cta.pk), None)
    if index is None:
        raise ValidationError(_("That is not part of this workspace."), code="workspace")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    CallToAction.objects.bulk_update(changed, ["position"])
    record(
        "cta.moved",
        actor=membership.user,
        workspace=membership.workspace,
        obj=cta,
        before={"position": index + 1},
        after={"position": other + 1},
        request=request,
    )
    return True


@transaction.atomic
def do_delete_cta(
    membership: Membership, cta: CallToAction, *, request: HttpRequest | None = None
) -> int:
    """Delete a call to action. Returns how many posts lose it (they keep everything else)."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    _same_workspace(membership, cta)
    posts = cta.posts.count()
    record(
        "cta.deleted",
        actor=membership.user,
        workspace=membership.workspace,
        obj=cta,
        before={"label": cta.label, "posts": posts},
        request=request,
    )
    cta.delete()
    return posts


# Composer settings ---------------------------------------------------------------------------


def composer_snapshot(settings: ComposerSettings) -> dict[str, Any]:
    return {
        "disabled_checks": sorted(settings.disabled_checks),
        "hashtag_warning_above": settings.hashtag_warning_above,
        "add_utm": settings.add_utm,
        "utm_medium": settings.utm_medium,
    }


@transaction.atomic
def do_update_composer_settings(
    membership: Membership,
    *,
    disabled_checks: Collection[str],
    hashtag_warning_above: int,
    add_utm: bool,
    utm_medium: str,
    request: HttpRequest | None = None,
) -> ComposerSettings:
    """Which best-practice warnings the composer shows, the hashtag limit, UTM tagging."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    unknown = sorted(set(disabled_checks) - set(practice.CHECKS))
    if unknown:
        raise ValidationError(
            {"disabled_checks": _("Unknown check: %(code)s.") % {"code": unknown[0]}},
            code="invalid",
        )
    if not 0 <= hashtag_warning_above <= MAX_HASHTAG_WARNING:
        raise ValidationError(
            {
                "hashtag_warning_above": _("Choose a number from 0 to %(max)s.")
                % {"max": MAX_HASHTAG_WARNING}
            },
            code="invalid",
        )
    medium = (utm_medium or "").strip()
    if not medium:
        raise ValidationError(
            {"utm_medium": _("Write the utm_medium, for example “social”.")}, code="required"
        )
    if len(medium) > 40 or not UTM_MEDIUM.match(medium):
        raise ValidationError(
            {
                "utm_medium": _(
                    "Use up to 40 letters, digits, “-”, “_” or “.”, without spaces or accents."
                )
            },
            code="invalid",
        )
    ComposerSettings.of(membership.workspace)
    settings = ComposerSettings.objects.select_for_update().get(workspace=membership.workspace)
    before = composer_snapshot(settings)
    settings.disabled_checks = [code for code in practice.CHECKS if code in set(disabled_checks)]
    settings.hashtag_warning_above = hashtag_warning_above
    settings.add_utm = bool(add_utm)
    settings.utm_medium = medium
    after = composer_snapshot(settings)
    if after == before:
        return settings
    settings.save()
    changed = [k for k in after if before[k] != after[k]]
    record(
        "composer.updated",
        actor=membership.user,
        workspace=membership.workspace,
        obj=settings,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        request=request,
        object_repr=str(_("Composer settings")),
    )
    return settings


# Pillars, personas, campaigns ----------------------------------------------------------------


def strategy_snapshot(obj: StrategyObject) -> dict[str, Any]:
    if isinstance(obj, Pillar):
        return {
            "name": obj.name,
            "description": obj.description,
            "purpose": obj.purpose,
            "target_share": obj.target_share,
            "color": obj.color,
        }
    if isinstance(obj, Persona):
        return {
            "name": obj.name,
            "description": obj.description,
            "needs": obj.needs,
            "objections": obj.objections,
            "platforms": list(obj.platforms),
            "language": obj.language,
            "target_share": obj.target_share,
        }
    return {
        "name": obj.name,
        "slug": obj.slug,
        "starts_on": obj.starts_on.isoformat() if obj.starts_on else None,
        "ends_on": obj.ends_on.isoformat() if obj.ends_on else None,
        "color": obj.color,
    }


class _Keep:
    """A field left out of a save: it keeps its value (a new object gets the default)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def _text(value: str, field: str, limit: int = 2000) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationError(
            {field: _("Keep it under %(max)s characters.") % {"max": f"{limit:,}"}},
            code="max_length",
        )
    return text


def _share(value: int | None, field: str = "target_share") -> int | None:
    if value is None:
        return None
    if not 0 <= int(value) <= 100:
        raise ValidationError({field: _("Choose a share from 0 to 100%.")}, code="invalid")
    return int(value)


def _shares_fit(
    model: type[Pillar] | type[Persona], membership: Membership, exclude: int | None, share: int
) -> None:
    """Refuse target shares that together pass 100%."""
    others = model.objects.filter(workspace=membership.workspace, target_share__isnull=False)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    total = sum(o.target_share or 0 for o in others) + share
    if total > 100:
        raise ValidationError(
            {
                "target_share": _(
                    "The target shares would add up to %(total)s%%; keep them at 100%% or less."
                )
                % {"total": total}
            },
            code="shares",
        )


def _color(value: str) -> str:
    colour = (value or "").strip().lower()
    try:
        COLOR_VALIDATOR(colour)
    except ValidationError as exc:
        raise ValidationError({"color": exc.messages}, code="color") from None
    return colour


def _audit_save(
    membership: Membership,
    kind: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    request: HttpRequest | None,
) -> None:
    if before is None:
        record(
            f"{kind}.created",
            actor=membership.user,
            workspace=membership.workspace,
            obj=obj,
            after=after,
            request=request,
        )
        return
    changed = [k for k in after if before.get(k) != after[k]]
    record(
        f"{kind}.updated",
        actor=membership.user,
        workspace=membership.workspace,
        obj=obj,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        request=request,
    )


def _unique_name(
    model: type[Pillar] | type[Persona] | type[HashtagGroup],
    membership: Membership,
    name: str,
    exclude: int | None,
    message: str,
) -> None:
    if _taken(model.objects.filter(workspace=membership.workspace), "name", name, exclude):
        raise ValidationError({"name": message}, code="unique")


@transaction.atomic
def do_save_pillar(
    membership: Membership,
    pillar: Pillar | None = None,
    *,
    name: str,
    description: str = KEEP,
    color: str = KEEP,
    purpose: str = KEEP,
    target_share: int | None = KEEP,
    request: HttpRequest | None = None,
) -> Pillar:
    """Create a content pillar (pillar None) or change one. Fields left out keep their value.
    `target_share`: the percent of posts the strategy wants for it (None: no target); the
    pillars' shares may add up to 100% at most."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    if pillar is not None:
        _same_workspace(membership, pillar)
        pillar = Pillar.objects.select_for_update().get(pk=pillar.pk)
    text = _required(name, "name", 80, _("Name the pillar."))
    taken = _("There is already a pillar “%(name)s”.") % {"name": text}
    _unique_name(Pillar, membership, text, pillar.pk if pillar else None, taken)
    before = strategy_snapshot(pillar) if pillar is not None else None
    pillar = pillar or Pillar(workspace=membership.workspace)
    pillar.name = text
    if description is not KEEP:
        pillar.description = _description(description)
    if purpose is not KEEP:
        pillar.purpose = _text(purpose, "purpose")
    if color is not KEEP:
        pillar.color = _color(color)
    if target_share is not KEEP:
        pillar.target_share = _share(target_share)
        if pillar.target_share is not None:
            _shares_fit(Pillar, membership, pillar.pk, pillar.target_share)
    after = strategy_snapshot(pillar)
    if after == before:
        return pillar
    _save(pillar, "name", taken)
    _audit_save(membership, "pillar", pillar, before, after, request)
    return pillar


def _platform_keys(platforms: Sequence[str]) -> list[str]:
    from manyhats.platforms.registry import PLATFORMS

    chosen = set(platforms or [])
    unknown = sorted(chosen - set(PLATFORMS))
    if unknown:
        raise ValidationError(
            {"platforms": _("Unknown platform: %(key)s.") % {"key": unknown[0]}}, code="invalid"
        )
    return [key for key in PLATFORMS if key in chosen]


@transaction.atomic
def do_save_persona(
    membership: Membership,
    persona: Persona | None = None,
    *,
    name: str,
    description: str = KEEP,
    needs: str = KEEP,
    objections: str = KEEP,
    platforms: Sequence[str] = KEEP,
    language: str = KEEP,
    target_share: int | None = KEEP,
    request: HttpRequest | None = None,
) -> Persona:
    """Create a persona (persona None) or change one. Fields left out keep their value.
    `platforms`: where they spend time (platform keys); `language`: what they read."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    if persona is not None:
        _same_workspace(membership, persona)
        persona = Persona.objects.select_for_update().get(pk=persona.pk)
    text = _required(name, "name", 80, _("Name the persona."))
    taken = _("There is already a persona “%(name)s”.") % {"name": text}
    _unique_name(Persona, membership, text, persona.pk if persona else None, taken)
    before = strategy_snapshot(persona) if persona is not None else None
    persona = persona or Persona(workspace=membership.workspace)
    persona.name = text
    if description is not KEEP:
        persona.description = _description(description)
    if needs is not KEEP:
        persona.needs = _text(needs, "needs")
    if objections is not KEEP:
        persona.objections = _text(objections, "objections")
    if platforms is not KEEP:
        persona.platforms = _platform_keys(platforms)
    if language is not KEEP:
        persona.language = _text(language, "language", 10)
    if target_share is not KEEP:
        persona.target_share = _share(target_share)
        if persona.target_share is not None:
            _shares_fit(Persona, membership, persona.pk, persona.target_share)
    after = strategy_snapshot(persona)
    if after == before:
        return persona
    _save(persona, "name", taken)
    _audit_save(membership, "persona", persona, before, after, request)
    return persona


def campaign_slug(membership: Membership, name: str, exclude: int | None = None) -> str:
    """A UTM name made from the campaign's name, unique in the workspace ("sommarrea-2")."""
    base = slugify(name)[:80].strip("-_")
    if not base:
        raise ValidationError(
            {
                "slug": _(
                    "Give the campaign a UTM name: letters without accents, digits, “-” and “_”."
                )
            },
            code="required",
        )
    campaigns = Campaign.objects.filter(workspace=membership.workspace)
    slug, n = base, 1
    while _taken(campaigns, "slug", slug, exclude):
        n += 1
        suffix = f"-{n}"
        slug = base[: 80 - len(suffix)] + suffix
    return slug


@transaction.atomic
def do_save_campaign(
    membership: Membership,
    campaign: Campaign | None = None,
    *,
    name: str,
    slug: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    color: str = KEEP,
    request: HttpRequest | None = None,
) -> Campaign:
    """Create a campaign (campaign None) or change one. An empty `slug` is made from the name."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    if campaign is not None:
        _same_workspace(membership, campaign)
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    exclude = campaign.pk if campaign else None
    text = _required(name, "name", 120, _("Name the campaign."))
    utm = (slug or "").strip()
    if utm:
        try:
            validate_slug(utm)
        except ValidationError:
            raise ValidationError(
                {
                    "slug": _(
                        "Use only letters without accents, digits, “-” and “_” in the UTM name."
                    )
                },
                code="invalid",
            ) from None
        if len(utm) > 80:
            raise ValidationError(
                {"slug": _("Keep it to %(max)s characters at most.") % {"max": 80}},
                code="max_length",
            )
        if _taken(Campaign.objects.filter(workspace=membership.workspace), "slug", utm, exclude):
            raise ValidationError(
                {
                    "slug": _("Another campaign already uses the UTM name “%(slug)s”.")
                    % {"slug": utm}
                },
                code="unique",
            )
    else:
        utm = campaign_slug(membership, text, exclude)
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(
            {"ends_on": _("The campaign cannot end before it starts.")}, code="dates"
        )
    before = strategy_snapshot(campaign) if campaign is not None else None
    campaign = campaign or Campaign(workspace=membership.workspace)
    campaign.name, campaign.slug = text, utm
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    if color is not KEEP:
        campaign.color = _color(color)
    after = strategy_snapshot(campaign)
    if after == before:
        return campaign
    _save(
        campaign,
        "slug",
        _("Another campaign already uses the UTM name “%(slug)s”.") % {"slug": utm},
    )
    _audit_save(membership, "campaign", campaign, before, after, request)
    return campaign


_KINDS: dict[type[models.Model], str] = {Pillar: "pillar", Persona: "persona", Campaign: "campaign"}


@transaction.atomic
def do_delete_strategy_object(
    membership: Membership, obj: StrategyObject, *, request: HttpRequest | None = None
) -> int:
    """Delete a pillar, persona or campaign. Returns how many posts lose it; they stay."""
    _check(membership, Perm.MANAGE_WORKSPACE)
    _same_workspace(membership, obj)
    posts = obj.posts.count()
    record(
        f"{_KINDS[type(obj)]}.deleted",
        actor=membership.user,
        workspace=membership.workspace,
        obj=obj,
        before={**strategy_snapshot(obj), "posts": posts},
        request=request,
    )
    obj.delete()
    return posts


# Hashtag groups ------------------------------------------------------------------------------


def group_tags(tags: Sequence[str] | str) -> list[str]:
    """The tags of a group: cleaned (no '#', each once), each one a hashtag platforms accept."""
    try:
        cleaned = clean_hashtags(tags)
    except ValidationError as exc:
        raise ValidationError({"tags": exc.messages}, code="tags") from None
    for tag in cleaned:
        if not _HASHTAG_NAME.fullmatch(tag):
            raise ValidationError(
                {
                    "tags": _(
                        "“#%(tag)s” is not a hashtag the platforms recognise: use letters, "
                        "digits and _ only, with at least one letter."
                    )
                    % {"tag": tag}
                },
                code="hashtag",
            )
    if not cleaned:
        raise ValidationError({"tags": _("Add at least one hashtag.")}, code="required")
    return cleaned


@transaction.atomic
def do_save_hashtag_group(
    membership: Membership,
    group: HashtagGroup | None = None,
    *,
    name: str,
    tags: Sequence[str] | str,
    request: HttpRequest | None = None,
) -> HashtagGroup:
    """Create a hashtag group (group None) or change one. Tags may be typed with or without '#'."""
    _check(membership, Perm.COMPOSE)
    if group is not None:
        _same_workspace(membership, group)
        group = HashtagGroup.objects.select_for_update().get(pk=group.pk)
    text = _required(name, "name", 80, _("Name the group."))
    taken = _("There is already a hashtag group “%(name)s”.") % {"name": text}
    _unique_name(HashtagGroup, membership, text, group.pk if group else None, taken)
    cleaned = group_tags(tags)
    before = {"name": group.name, "tags": list(group.tags)} if group is not None else None
    group = group or HashtagGroup(workspace=membership.workspace)
    group.name, group.tags = text, cleaned
    after = {"name": group.name, "tags": list(group.tags)}
    if after == before:
        return group
    _save(group, "name", taken)
    _audit_save(membership, "hashtag_group", group, before, after, request)
    return group


@transaction.atomic
def do_delete_hashtag_group(
    membership: Membership, group: HashtagGroup, *, request: HttpRequest | None = None
) -> None:
    _check(membership, Perm.COMPOSE)
    _same_workspace(membership, group)
    record(
        "hashtag_group.deleted",
        actor=membership.user,
        workspace=membership.workspace,
        obj=group,
        before={"name": group.name, "tags": list(group.tags)},
        request=request,
    )
    group.delete()
