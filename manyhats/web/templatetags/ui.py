"""Template helpers for the shared markup: ``{% load ui %}``."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SPRITE = "manyhats/img/icons.svg"


@register.simple_tag
def icon(name: str, label: str = "", css_class: str = "") -> SafeString:
    """An icon from the sprite, e.g. ``{% icon "calendar" %}``.

    Decorative (hidden from assistive technology) unless `label` is given, in
    which case it is announced as an image with that name. The icon takes the
    text colour and is 1.25em square unless `css_class` says otherwise.
    """
    classes = f"icon {css_class}".strip()
    href = f"{static(SPRITE)}#{name}"
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}" focusable="false"><use href="{}"></use></svg>',
            classes,
            label,
            href,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
        classes,
        href,
    )


HUES = 6


@register.filter
def hue(value: object) -> str:
    """A stable colour class for an avatar, e.g. ``{{ workspace.pk|hue }}`` -> "hue-3"."""
    try:
        number = int(str(value))
    except ValueError:
        number = sum(map(ord, str(value)))
    return f"hue-{number % HUES}"
