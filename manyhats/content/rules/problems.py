"""Problem, the one result type of the rules, and the wording helpers its messages share."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.content.rules.limits import DOCUMENT, GB, IMAGE, MB, VIDEO, Span
from manyhats.platforms.vocabulary import PostFormat


class Severity(StrEnum):
    ERROR = "error"  # the platform would reject it: the post cannot be scheduled
    WARNING = "warning"  # allowed, but probably not what the person wants


@dataclass(frozen=True)
class Problem:
    """One thing to change before (or consider before) publishing.

    `code` is stable (for the API, tests and the UI to key on); `message` is translated
    into the active language and says exactly what to change; `field` is "text", an
    option name ("title", "privacy_level", "disable_comment"), "media" or "format";
    `item` is the 0-based media index when one item is concerned; `params` holds the
    numbers in the message (count, max, excess...) for a live counter.
    """

    severity: Severity
    code: str
    message: str
    field: str
    item: int | None = None
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, fld: str, item: int | None = None, **params: Any) -> Problem:
    return Problem(Severity.ERROR, code, message, fld, item, params)


def warning(code: str, message: str, fld: str, item: int | None = None, **params: Any) -> Problem:
    return Problem(Severity.WARNING, code, message, fld, item, params)


# "Instagram accepts 2 to 10 items <in a carousel>".
IN_FORMAT: dict[str, Promise] = {
    PostFormat.TEXT: gettext_lazy("in a text post"),
    PostFormat.LINK: gettext_lazy("in a link post"),
    PostFormat.IMAGE: gettext_lazy("in an image post"),
    PostFormat.MULTI_IMAGE: gettext_lazy("in a multi-image post"),
    PostFormat.CAROUSEL: gettext_lazy("in a carousel"),
    PostFormat.VIDEO: gettext_lazy("in a video post"),
    PostFormat.REEL: gettext_lazy("in a reel"),
    PostFormat.STORY: gettext_lazy("in a story"),
    PostFormat.DOCUMENT: gettext_lazy("in a document post"),
    PostFormat.PHOTO_POST: gettext_lazy("in a photo post"),
}

KIND_PLURALS: dict[str, Promise] = {
    IMAGE: gettext_lazy("images"),
    VIDEO: gettext_lazy("videos"),
    DOCUMENT: gettext_lazy("documents"),
}


def num(value: float, decimals: int = 0) -> str:
    """A number for a message, grouped the local way (2,343 in English)."""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def size_text(size: float) -> str:
    """Bytes as a person reads them, in the decimal units the platforms' figures use."""
    if size >= GB:
        return _("%(n)s GB") % {"n": num(size / GB, 1 if size % GB else 0)}
    if size >= MB:
        return _("%(n)s MB") % {"n": num(size / MB, 1 if size % MB else 0)}
    return _("%(n)s KB") % {"n": num(size / 1000, 1 if size % 1000 else 0)}


def duration_text(seconds: float) -> str:
    """45 s, 1 min 30 s, 15 min; a fraction is kept so that 90.4 s is not shown as 90 s."""
    whole = int(seconds)
    minutes, rest = divmod(whole, 60)
    rest_text = num(rest + seconds - whole, 1 if seconds != whole else 0)
    if not minutes:
        return _("%(s)s s") % {"s": rest_text}
    if not rest and seconds == whole:
        return _("%(m)s min") % {"m": num(minutes)}
    return _("%(m)s min %(s)s s") % {"m": num(minutes), "s": rest_text}


def ratio_text(ratio: float) -> str:
    """An aspect ratio as width:height with height 1, or the usual name when it is one."""
    for name, value in (("1:1", 1.0), ("4:5", 0.8), ("9:16", 9 / 16), ("16:9", 16 / 9)):
        if abs(ratio - value) < 0.005:
            return name
    return f"{num(ratio, 2)}:1"


def span_text(span: Span, show: Any = num) -> str:
    """ "3 to 90", "at least 540", "at most 1,920" with `show` formatting each bound."""
    if span.low is not None and span.high is not None:
        return _("%(low)s to %(high)s") % {"low": show(span.low), "high": show(span.high)}
    if span.low is not None:
        return _("at least %(low)s") % {"low": show(span.low)}
    return _("at most %(high)s") % {"high": show(span.high)}
