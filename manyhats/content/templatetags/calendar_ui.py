"""The calendar's items as HTML: ``{% load calendar_ui %}{% cal_item item %}``.

A busy month draws hundreds of items; one tag in Python is several times faster than
an included template per item (the month view's server time is a tested goal). The
markup matches templates/content/compose/_platform.html for the platform mark.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from manyhats.content.planning.calendar import Band, Item

register = template.Library()

MARKS = {"facebook": "f", "instagram": "IG", "linkedin": "in", "tiktok": "TT"}


def platform_mark(platform: str) -> SafeString:
    mark = MARKS.get(platform) or (platform[:1].upper() if platform else "")
    return format_html(
        '<span class="platform-icon {}" aria-hidden="true">{}</span>', platform, mark
    )


def _item_url(context: template.Context, target_id: int) -> str:
    """The item page's URL, with the calendar to come back to (reverse() once per page)."""
    cache = context.render_context
    key = "cal_item_url"
    if key not in cache:
        slug = context["request"].workspace.slug
        base = reverse("calendar_item", args=[slug, 1])
        cache[key] = (base[: -len("1/")], "?next=" + quote(str(context.get("here", "")), safe=""))
    base, query = cache[key]
    return f"{base}{target_id}/{query}"


def _drag(context: template.Context, item: Item) -> SafeString:
    if context.get("can_move") and item.movable:
        return format_html(' draggable="true" data-target="{}"', item.target_id)
    return SafeString(' draggable="false"')


def _classes(item: Item, base: str) -> str:
    classes = [base, f"status-{item.status}"]
    if item.pillar is not None:
        classes += ["has-pillar", f"pillar-{item.pillar.pk}"]
    if item.is_story:
        classes.append("story")
    return " ".join(classes)


@register.simple_tag(takes_context=True)
def cal_item(context: template.Context, item: Item, detail: Any = False) -> SafeString:
    """One item as a draggable link to its page."""
    facts = [item.clock, f"{item.account.name} ({item.platform_name})", item.status_label]
    if item.pillar is not None:
        facts.append(item.pillar.name)
    if item.campaign is not None:
        facts.append(item.campaign.name)
    meta = SafeString("")
    if detail:
        text = item.account.name
        if item.is_story:
            until = date_format(item.local_end, "D H:i")
            text += " · " + _("story until %(when)s") % {"when": until}
        meta = format_html('<span class="cal-meta">{}</span>', text)
    hidden = f", {item.account.name} ({item.platform_name})"
    if item.pillar is not None:
        hidden += f", {item.pillar.name}"
    return format_html(
        '<a class="{}" href="{}"{} title="{}"><span class="cal-time">{}</span>{}'
        '<span class="cal-title">{}</span>{}<span class="cal-status badge {}">{}</span>'
        '<span class="visually-hidden">{}</span></a>',
        _classes(item, "cal-item"),
        _item_url(context, item.target_id),
        _drag(context, item),
        " · ".join(facts),
        item.clock,
        platform_mark(item.platform),
        item.title,
        meta,
        item.badge,
        item.status_label,
        hidden,
    )


@register.simple_tag(takes_context=True)
def cal_story(context: template.Context, band: Band) -> SafeString:
    """A story's span: a bar across the hours it is up."""
    item = band.item
    if item is None:
        return SafeString("")
    classes = [
        _classes(item, "cal-story").replace(" story", ""),
        f"h-{band.at}",
        f"hl-{band.length}",
        f"lane-{band.lane + 1}",
    ]
    if band.continues_before:
        classes.append("before")
    if band.continues_after:
        classes.append("after")
    start, end = date_format(item.local, "D H:i"), date_format(item.local_end, "D H:i")
    title = _("Story %(start)s–%(end)s") % {"start": start, "end": end}  # noqa: RUF001
    return format_html(
        '<a class="{}" href="{}"{} title="{} · {} · {}">{}<span class="cal-title">{} {}</span>'
        '<span class="visually-hidden">, {}, {}, {}</span></a>',
        " ".join(classes),
        _item_url(context, item.target_id),
        _drag(context, item),
        title,
        item.account.name,
        item.status_label,
        platform_mark(item.platform),
        item.clock,
        item.title,
        _("story until %(when)s") % {"when": end},
        item.account.name,
        item.status_label,
    )
