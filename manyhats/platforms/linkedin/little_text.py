"""LinkedIn's "little text format" for post commentary.

The characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are syntax there; an unescaped
one silently truncates or garbles the post. `escape_commentary` escapes each
with a backslash, except in the two constructs a person means to write:

- hashtags: ``#`` at the start of a word followed by word characters with at
  least one letter (``#fika``, ``#open_source``; not ``C#`` or ``#1``);
- mentions built with `mention`: ``@[Display Name](urn:li:organization:123)``.

`to_plain` reads commentary back as people see it (escapes removed, mentions
shown by name, hashtag templates as ``#tag``), for matching and for counting
the 3,000-character limit.
"""

from __future__ import annotations

import re

RESERVED = frozenset("\\|{}@[]()<>#*_~")
COMMENTARY_LIMIT = 3000

_URN = r"urn:li:(?:person|organization|organizationBrand):[A-Za-z0-9_-]+"
MENTION = re.compile(r"@\[([^\[\]()\\\n]+)\]\((" + _URN + r")\)")
HASHTAG = re.compile(r"#(?=\w*[^\W\d_])\w+")
_NAME_DROP = re.compile(r"[\[\]()\\\n]")
_URN_ONLY = re.compile(_URN + r"\Z")
# A mention inside little text: its name may hold escaped characters.
_LITTLE_MENTION = re.compile(r"@\[((?:\\.|[^\[\]()\\\n])+)\]\((" + _URN + r")\)")
_TEMPLATE = re.compile(r"\{hashtag\|\\#\|([^{}|]+)\}")
_ESCAPED = re.compile(r"\\(.)", re.S)


class MentionError(ValueError):
    """The URN of a mention is not a member or organization URN."""


def mention(name: str, urn: str) -> str:
    """A mention of a member or organization, e.g. ``@[Sandbox Bakery](urn:li:organization:9)``.

    Brackets, parentheses and backslashes cannot appear in the shown name and are
    dropped; `escape_commentary` keeps the mention intact.
    """
    if not _URN_ONLY.match(urn):
        raise MentionError(f"not a person or organization URN: {urn!r}")
    shown = " ".join(_NAME_DROP.sub(" ", name).split())
    if not shown:
        raise MentionError("a mention needs a name to show")
    return f"@[{shown}]({urn})"


def _escape_plain(text: str) -> str:
    return "".join("\\" + ch if ch in RESERVED else ch for ch in text)


def escape_commentary(text: str) -> str:
    """`text` as little text: reserved characters escaped, hashtags and mentions kept."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "@" and (m := MENTION.match(text, i)):
            out.append(f"@[{_escape_plain(m[1])}]({m[2]})")
            i = m.end()
            continue
        if ch == "#" and (i == 0 or not _word_char(text[i - 1])) and (m := HASHTAG.match(text, i)):
            out.append(m[0])
            i = m.end()
            continue
        out.append("\\" + ch if ch in RESERVED else ch)
        i += 1
    return "".join(out)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def to_plain(commentary: str) -> str:
    """Commentary as shown on LinkedIn: escapes removed, mentions by name, templates as #tag."""
    text = _LITTLE_MENTION.sub(lambda m: m[1], commentary)
    text = _TEMPLATE.sub(lambda m: "#" + m[1], text)
    return _ESCAPED.sub(lambda m: m[1], text)


def shown_length(text: str) -> int:
    """How many characters LinkedIn counts for `text` once escaped (mentions count their name)."""
    return len(to_plain(escape_commentary(text)))
