"""Hashtag suggestions from the workspace's own history.

The history is every post of the workspace that is not a template (ideas and
drafts included: until posts are published they are the best record of what the
team tags), newest first, at most HISTORY_LIMIT of them. A post "uses" a tag when
the tag is in its hashtag list or written as a hashtag in its text or first
comment; a post counts once per tag. Tags are compared case-insensitively
(#Fika is #fika) and shown in the spelling of the newest post that used them.
The history is read in one query and the rest is done in Python.

`suggest` ranks the known tags in three tiers, never offering a tag already
chosen or already written as a hashtag in the text:

1. Used together with the chosen tags. For a tag t, `shared` is the number of
   posts that have t and at least one chosen tag, `uses` the number of posts
   that have t. Score: shared / (uses + 1), the share of t's posts that carry
   a chosen tag, damped for thin evidence (a tag used once, alongside #fika,
   scores 0.5; one used 10 times, 9 of them alongside #fika, 0.82). Reason:
   "used with #fika in 5 posts", naming the chosen tag it shares most posts with.
2. Named in the text: a word of the text (or two neighbouring words written
   together, "fika stockholm" -> #fikastockholm) is a known tag. Score: uses.
   Reason: "“kaffe” is in your text; used in 4 posts".
3. The rest, most used first. Score: uses. Reason: "used in 12 posts".

Within a tier: higher score first, then more uses, then used more recently,
then by name.

Performance (the hook for analytics): `performance` maps a tag (any case, with or
without '#') to how posts with that tag did relative to the workspace's average,
1.0 meaning average (e.g. 1.4 = 40% more engagement). When given, a tag's score
is multiplied by its figure (negative figures count as 0), so it reorders tags
within their tier but never lifts an unrelated tag above related ones, and the
figure is shown with the suggestion. Tags without a figure keep their score and
show none. No figure is ever made up: without analytics, pass nothing.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from manyhats.content.posts.models import Post
from manyhats.content.rules import counting
from manyhats.workspaces.models import Workspace

HISTORY_LIMIT = 20_000
TOGETHER, TEXT, POPULAR = "together", "text", "popular"
_TIERS = {TOGETHER: 0, TEXT: 1, POPULAR: 2}
_WORD = re.compile(r"\w+")


def key(tag: str) -> str:
    """How tags are compared: without '#', case-insensitively."""
    return tag.strip().lstrip("#").casefold()


@dataclass(frozen=True)
class TagStats:
    """One tag of the workspace's history."""

    name: str  # as the newest post that used it spells it, without '#'
    posts: int  # number of posts that used it
    last_used: datetime  # when the newest post that used it was created


@dataclass(frozen=True)
class Suggestion:
    name: str
    posts: int
    reason: str
    kind: str  # TOGETHER, TEXT or POPULAR
    score: float
    performance: float | None = None
    last_used: datetime | None = None


@dataclass
class History:
    """What the workspace has tagged: per tag its stats, per post its set of tag keys."""

    stats: dict[str, TagStats] = field(default_factory=dict)
    posts: list[frozenset[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.stats

    def top(self, limit: int = 30) -> list[TagStats]:
        """The most used tags, most used first (then most recently used)."""
        ranked = sorted(
            self.stats.values(),
            key=lambda s: (-s.posts, -s.last_used.timestamp(), s.name.casefold()),
        )
        return ranked[:limit]


def post_tags(hashtags: Iterable[str], *texts: str) -> dict[str, str]:
    """key -> spelling of the tags of one post: its hashtag list and hashtags in its texts."""
    found: dict[str, str] = {}
    names = list(hashtags or [])
    for text in texts:
        if text and "#" in text:
            names += counting.hashtags(text)
    for name in names:
        name = str(name).strip().lstrip("#")
        k = name.casefold()
        if k and k not in found:
            found[k] = name
    return found


def load_history(workspace: Workspace, *, limit: int = HISTORY_LIMIT) -> History:
    """The workspace's tag history, from its newest `limit` posts (one query)."""
    rows = (
        Post.objects.filter(workspace=workspace, is_template=False)
        .order_by("-created_at", "-id")
        .values_list("hashtags", "text", "first_comment", "created_at")[:limit]
    )
    uses: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    last: dict[str, datetime] = {}
    posts: list[frozenset[str]] = []
    for hashtags, text, first_comment, created_at in rows.iterator(chunk_size=2000):
        tags = post_tags(hashtags if isinstance(hashtags, list) else [], text, first_comment)
        if not tags:
            continue
        posts.append(frozenset(tags))
        for k, name in tags.items():
            uses[k] += 1
            if k not in spelling:  # newest first: the first spelling met is the newest
                spelling[k] = name
                last[k] = created_at
    stats = {k: TagStats(spelling[k], n, last[k]) for k, n in uses.items()}
    return History(stats, posts)


def _text_words(text: str) -> dict[str, str]:
    """key -> the words as written, for each word and each pair of neighbouring words."""
    plain = counting.URL.sub(" ", text or "")
    words = _WORD.findall(plain)
    found: dict[str, str] = {}
    for i, word in enumerate(words):
        found.setdefault(word.casefold(), word)
        if i + 1 < len(words):
            found.setdefault((word + words[i + 1]).casefold(), f"{word} {words[i + 1]}")
    return found


def _performance(performance: Mapping[str, float] | None) -> dict[str, float]:
    if not performance:
        return {}
    return {key(tag): max(float(value), 0.0) for tag, value in performance.items() if key(tag)}


def _posts_reason(count: int) -> str:
    return ngettext("used in %(count)s post", "used in %(count)s posts", count) % {"count": count}


def suggest(
    workspace: Workspace,
    *,
    text: str = "",
    chosen: Iterable[str] = (),
    limit: int = 12,
    performance: Mapping[str, float] | None = None,
    history: History | None = None,
) -> list[Suggestion]:
    """Up to `limit` hashtags to add to a post with this text and these chosen tags.

    See the module docstring for the ranking. `history` may be passed when the
    caller has loaded it already (load_history); `performance` is the hook for
    analytics (relative engagement per tag, 1.0 = the workspace's average).
    """
    history = history if history is not None else load_history(workspace)
    if history.is_empty or limit <= 0:
        return []
    chosen_order = list(dict.fromkeys(k for k in map(key, chosen) if k))
    chosen_keys = set(chosen_order)
    excluded = chosen_keys | set(post_tags([], text))
    perf = _performance(performance)

    # Tier 1: posts shared with the chosen tags, and with which chosen tag most.
    shared: Counter[str] = Counter()
    pairs: dict[str, Counter[str]] = {}
    if chosen_keys:
        for tags in history.posts:
            hits = tags & chosen_keys
            if not hits:
                continue
            for k in tags - chosen_keys:
                shared[k] += 1
                pairs.setdefault(k, Counter()).update(hits)

    words = _text_words(text)
    ranked: list[tuple[tuple[object, ...], Suggestion]] = []
    for k, stats in history.stats.items():
        if k in excluded:
            continue
        if shared[k]:
            kind, score = TOGETHER, shared[k] / (stats.posts + 1)
            counts = pairs[k]
            best = max(chosen_order, key=lambda c: (counts[c], -chosen_order.index(c)))
            partner = history.stats[best].name if best in history.stats else best
            reason = ngettext(
                "used with #%(tag)s in %(count)s post",
                "used with #%(tag)s in %(count)s posts",
                counts[best],
            ) % {"tag": partner, "count": counts[best]}
        elif k in words:
            kind, score = TEXT, float(stats.posts)
            reason = _("“%(word)s” is in your text; %(used)s") % {
                "word": words[k],
                "used": _posts_reason(stats.posts),
            }
        else:
            kind, score = POPULAR, float(stats.posts)
            reason = _posts_reason(stats.posts)
        figure = perf.get(k)
        if figure is not None:
            score *= figure
        suggestion = Suggestion(
            name=stats.name,
            posts=stats.posts,
            reason=reason,
            kind=kind,
            score=score,
            performance=figure,
            last_used=stats.last_used,
        )
        order = (
            _TIERS[kind],
            -score,
            -stats.posts,
            -stats.last_used.timestamp(),
            stats.name.casefold(),
        )
        ranked.append((order, suggestion))
    best_first = heapq.nsmallest(limit, ranked, key=lambda pair: pair[0])
    return [s for _order, s in best_first]
