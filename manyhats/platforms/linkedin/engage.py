"""Comments on the page's posts (socialActions): list, reply and delete as the organization.

LinkedIn has no way to hide a comment and no direct-message API for pages, so
those capabilities are absent. Comment ids are comment URNs,
`urn:li:comment:(<activity or post URN>,<id>)`; a top-level listing of a post
returns first-level comments, and replies are read from the comment's own
`socialActions/{comment URN}/comments`.

Cursor of `list_comments`: the newest `created.time` (ms) seen, optionally
followed by `:<start>:<newest>` while a long listing continues. Comments created
at or after the cursor's time are returned, so the newest one may come again;
the comment URN is the stable key to store them once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from manyhats.platforms.base import Batch, Comment
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.api import (
    LinkedInBase,
    as_dict,
    as_str,
    elements,
    from_ms,
    malformed,
)
from manyhats.platforms.linkedin.restli import encode_urn

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

COMMENT_URN = re.compile(r"urn:li:comment:\((urn:li:[A-Za-z]+:[^,()]+),([^,()]+)\)\Z")


def split_comment_urn(urn: str) -> tuple[str, str]:
    """(object URN, comment id) of `urn:li:comment:(urn:li:activity:1,2)`."""
    match = COMMENT_URN.match(urn or "")
    if not match:
        raise PlatformError(
            "linkedin", f"not a LinkedIn comment URN: {urn!r}", code="invalid_comment_id",
            reason=Reason.INVALID, detail="the comment id is not a LinkedIn comment URN",
        )  # fmt: skip
    return match[1], match[2]


def _reply_count(element: dict[str, Any]) -> int:
    summary = element.get("commentsSummary")
    if not isinstance(summary, dict):
        return 0
    for key in ("aggregatedTotalComments", "totalFirstLevelComments"):
        value = summary.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def _parse_cursor(cursor: str) -> tuple[int, int, int]:
    """(since ms, start, newest ms seen); a cursor this code did not write starts afresh."""
    parts = cursor.split(":") if cursor else []
    if not parts or not all(p.isdigit() for p in parts) or len(parts) not in (1, 3):
        return 0, 0, 0
    since = int(parts[0])
    if len(parts) == 1:
        return since, 0, since
    return since, int(parts[1]), int(parts[2])


class EngageMixin(LinkedInBase):
    comment_page_size = 100
    comment_max_pages = 10  # per call; the cursor continues the listing

    def to_comment(self, element: Any, post_urn: str, organization: str) -> Comment:
        data = as_dict(element, "a comment")
        urn = data.get("commentUrn")
        if not isinstance(urn, str):
            obj, ident = data.get("object"), data.get("id")
            if not (isinstance(obj, str) and isinstance(ident, str | int)):
                raise malformed("a comment has no commentUrn")
            urn = f"urn:li:comment:({obj},{ident})"
        message = data.get("message")
        text = message.get("text") if isinstance(message, dict) else None
        created = data.get("created")
        actor = data.get("actor")
        likes = data.get("likesSummary")
        like_count = likes.get("totalLikes") if isinstance(likes, dict) else None
        parent = data.get("parentComment")
        return Comment(
            external_id=urn,
            post_external_id=post_urn,
            text=text if isinstance(text, str) else "",
            created_at=from_ms(created.get("time") if isinstance(created, dict) else None),
            author_id=actor if isinstance(actor, str) else "",
            parent_external_id=parent if isinstance(parent, str) else "",
            like_count=like_count if isinstance(like_count, int) else None,
            from_account=actor == organization,
            raw=data,
        )

    def list_comments(self, account: ConnectedAccount, external_post_id: str,
                      since_cursor: str = "") -> Batch[Comment]:  # fmt: skip
        token, org = self.token_of(account), self.author_of(account)
        since, start, newest = _parse_cursor(since_cursor)
        path = f"socialActions/{encode_urn(external_post_id)}/comments"
        found: list[Comment] = []
        for _ in range(self.comment_max_pages):
            data = self.rest_get(token, path, {"start": start, "count": self.comment_page_size})
            page = elements(data, "comments")
            for element in page:
                comment = self.to_comment(element, external_post_id, org)
                stamp = int(comment.created_at.timestamp() * 1000) if comment.created_at else 0
                newest = max(newest, stamp)
                if stamp >= since:
                    found.append(comment)
                if _reply_count(element):
                    replies = self._replies(token, comment.external_id, external_post_id, org)
                    newest = max([newest, *(self._stamp(r) for r in replies)])
                    found += [r for r in replies if self._stamp(r) >= since]
            start += len(page)
            paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
            total = paging.get("total")
            if (
                not page
                or len(page) < self.comment_page_size
                or (isinstance(total, int) and start >= total)
            ):
                return Batch(found, cursor=str(newest))
        return Batch(found, cursor=f"{since}:{start}:{newest}", has_more=True)

    @staticmethod
    def _stamp(comment: Comment) -> int:
        return int(comment.created_at.timestamp() * 1000) if comment.created_at else 0

    def _replies(self, token: str, comment_urn: str, post_urn: str, org: str) -> list[Comment]:
        path = f"socialActions/{encode_urn(comment_urn)}/comments"
        items = self.paged(token, path, {}, page_size=self.comment_page_size,
                           max_pages=self.comment_max_pages, what="comment replies")  # fmt: skip
        return [self.to_comment(item, post_urn, org) for item in items]

    def create_comment(self, token: str, organization: str, target: str, text: str, *,
                       parent: str = "") -> Comment:  # fmt: skip
        """Comment on a post (or reply to the comment `parent`) as the organization."""
        obj = split_comment_urn(parent)[0] if parent else target
        body: dict[str, Any] = {"actor": organization, "object": obj, "message": {"text": text}}
        if parent:
            body["parentComment"] = parent
        response = self.rest(
            token, "POST", f"socialActions/{encode_urn(target)}/comments", json=body
        )
        if isinstance(response.data, dict) and response.data:
            return self.to_comment(response.data, obj, organization)
        ident = as_str(response.headers.get("x-restli-id"), "the new comment's id")
        urn = ident if ident.startswith("urn:li:comment:") else f"urn:li:comment:({obj},{ident})"
        return Comment(external_id=urn, post_external_id=obj, text=text, author_id=organization,
                       parent_external_id=parent, from_account=True)  # fmt: skip

    def reply_comment(self, account: ConnectedAccount, comment_id: str, text: str) -> Comment:
        split_comment_urn(comment_id)
        return self.create_comment(
            self.token_of(account), self.author_of(account), comment_id, text, parent=comment_id
        )

    def delete_comment(self, account: ConnectedAccount, comment_id: str) -> None:
        """Delete as the organization; a comment already gone counts as deleted."""
        obj, ident = split_comment_urn(comment_id)
        response = self.rest(
            self.token_of(account), "DELETE",
            f"socialActions/{encode_urn(obj)}/comments/{encode_urn(ident)}",
            query={"actor": self.author_of(account)}, restli_method="DELETE", check=False,
        )  # fmt: skip
        if response.error is not None and response.error.reason != Reason.NOT_FOUND:
            raise response.error
