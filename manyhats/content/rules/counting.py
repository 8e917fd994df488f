"""Counting text the way each platform counts it.

Units:

- `utf16_length`: UTF-16 code units. TikTok documents its title limit in "UTF-16 runes".
  Meta (Instagram 2,200 / Facebook 63,206 "characters") and LinkedIn (3,000) do not name
  a unit; their backends and apps count in UTF-16 as far as anyone has reported
  (unverified), and UTF-16 is never smaller than the code-point count, so checking in
  UTF-16 can only be stricter than the platform, never let through a post it rejects.
  The cost: an emoji outside the Basic Multilingual Plane counts 2.
- `grapheme_count`: user-perceived characters (Unicode extended grapheme clusters,
  UAX #29, via the `regex` package's ``\\X``). For people: a family emoji 👨‍👩‍👧 or a
  flag 🇸🇪 is one. Never used against a platform limit.
- `linkedin_length`: UTF-16 units of the commentary once escaped into LinkedIn's
  "little text format" (each reserved character gains a backslash), the form that is
  sent. Conservative: LinkedIn may count the shown text instead (unverified).

Links: none of the platforms in scope shortens links (no t.co-style fixed weight), so a
URL counts as written; `weighted_length` takes a fixed `url_weight` for platforms that do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from manyhats.platforms.linkedin.little_text import MENTION as LINKEDIN_MENTION
from manyhats.platforms.linkedin.little_text import escape_commentary

_GRAPHEME = regex.compile(r"\X")
# A hashtag: '#' not glued to a word (not C#, not a URL fragment), then word characters
# with at least one letter (Instagram and TikTok ignore all-digit tags like #1).
HASHTAG = re.compile(r"(?<![\w#&/])#(?=\w*[^\W\d_])(\w+)")
# An @mention: '@' not glued to a word (not an e-mail address), then a username of
# letters, digits, '_' and '.', not ending in '.' (Instagram/TikTok username rules).
MENTION = re.compile(r"(?<![\w@.])@(\w(?:[\w.]*\w)?)")
_TAIL = r"[^\s<>\"'()\[\]{}]*(?<![.,;:!?'\"])"
URL = re.compile(
    r"(?:https?://|www\.)"
    + _TAIL
    + r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|org|net|se|io|co|eu|app|dev|info)\b(?!\.\w)"
    + r"(?:/"
    + _TAIL
    + ")?",
    re.IGNORECASE,
)


def utf16_length(text: str) -> int:
    """UTF-16 code units: 1 per BMP code point, 2 for each one above U+FFFF."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def grapheme_count(text: str) -> int:
    """User-perceived characters (extended grapheme clusters), for counters people read."""
    return len(_GRAPHEME.findall(text))


def graphemes(text: str) -> list[str]:
    return list(_GRAPHEME.findall(text))


def linkedin_length(text: str) -> int:
    """UTF-16 units of `text` escaped as LinkedIn commentary (hashtags and mentions kept)."""
    return utf16_length(escape_commentary(text))


def find_urls(text: str) -> list[str]:
    """Links as a reader would see them: http(s)://…, www.…, or a bare domain like fika.se/x."""
    return [m[0] for m in URL.finditer(text)]


def weighted_length(text: str, url_weight: int | None = None) -> int:
    """UTF-16 length, with each link counted as `url_weight` units when the platform shortens links."""
    if url_weight is None:
        return utf16_length(text)
    urls = find_urls(text)
    return utf16_length(text) - sum(utf16_length(u) for u in urls) + url_weight * len(urls)


def hashtags(text: str) -> list[str]:
    """Hashtags in order of appearance, without '#', repeats kept (platforms count each)."""
    return [m[1] for m in HASHTAG.finditer(_without_urls(text))]


def mentions(text: str) -> list[str]:
    """@usernames in order of appearance, without '@', repeats kept."""
    return [m[1] for m in MENTION.finditer(_without_urls(text))]


def linkedin_mentions(text: str) -> list[str]:
    """URNs of LinkedIn mentions written as ``@[Name](urn:li:organization:123)``."""
    return [m[2] for m in LINKEDIN_MENTION.finditer(text)]


def _without_urls(text: str) -> str:
    # A link's '#fragment' or '@' (mailto, user@host) is neither a hashtag nor a mention.
    return URL.sub(lambda m: " " * len(m[0]), text)


@dataclass(frozen=True)
class TextCount:
    """Every count of one text, for a live counter next to a field."""

    utf16: int
    code_points: int
    graphemes: int
    hashtags: int
    mentions: int
    urls: int


def count(text: str) -> TextCount:
    return TextCount(
        utf16=utf16_length(text),
        code_points=len(text),
        graphemes=grapheme_count(text),
        hashtags=len(hashtags(text)),
        mentions=len(mentions(text)),
        urls=len(find_urls(text)),
    )
