"""Comments, through TikTok's API for Business only (docs platforms/tiktok.md section 8).

The Login Kit, Display and Content Posting APIs give creators no comment access. A TikTok
*Business* account that authorized manyhats' Business app (its grant kept in
`ConnectedAccount.meta["business_api"]`, see oauth.BusinessAccess) can list, reply to, hide
and delete comments on its own videos through business-api.tiktok.com/open_api/v1.3/business/
comment/*. The comment capabilities are declared only for such accounts.

TikTok's comment endpoints all need the video id next to the comment id, so a Comment's
`external_id` is `<video id>_<comment id>` (like Facebook's `<page>_<post>` ids).

Direct messages are not offered at all: TikTok's Business Messaging API is approval-gated
and not available in the EEA.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok.client import TikTokBase
from manyhats.platforms.tiktok.oauth import BusinessAccess
from manyhats.platforms.tiktok.read import Reader
from manyhats.platforms.vocabulary import Batch, Capability, Comment, to_datetime

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

REPLY_MAX = 150
PAGE_SIZE = 30


def split_comment_id(external_id: str) -> tuple[str, str]:
    video_id, sep, comment_id = external_id.partition("_")
    if not (sep and video_id and comment_id):
        raise PlatformError(
            "tiktok",
            f"not a TikTok comment id: {external_id!r}",
            code="bad_comment_id",
            reason=Reason.INVALID,
        )
    return video_id, comment_id


class TikTokEngagement(TikTokBase):
    def _require(self, capability: Capability, account: ConnectedAccount) -> None:
        if not self.can(capability, account):
            raise self.unsupported(capability, account)

    def _comment(self, item: Reader, video_id: str, access: BusinessAccess) -> Comment:
        comment_id = item.text("comment_id")
        video = item.text("video_id", required=False) or video_id
        parent = item.text("parent_comment_id", required=False)
        top_level = parent in ("", "0", comment_id, video)
        return Comment(
            external_id=f"{video}_{comment_id}",
            post_external_id=video,
            text=item.text("text", required=False),
            created_at=to_datetime(item.maybe_number("create_time")),
            author_id=item.text("unique_identifier", required=False)
            or item.text("user_id", required=False),
            author_name=item.text("display_name", required=False)
            or item.text("username", required=False),
            author_username=item.text("username", required=False),
            parent_external_id="" if top_level else f"{video}_{parent}",
            hidden=item.text("status", required=False).upper() == "HIDDEN",
            like_count=item.maybe_number("likes"),
            from_account=item.flag("owner"),
            raw=item.raw(),
        )

    def list_comments(
        self, account: ConnectedAccount, external_post_id: str, since_cursor: str = ""
    ) -> Batch[Comment]:
        """Comments of one video, oldest first, with their replies (first page of each).

        The cursor is TikTok's offset into the oldest-first list: passing it back later
        returns only comments written since (replies to older comments come with a fresh
        read from "")."""
        self._require(Capability.COMMENTS_READ, account)
        if since_cursor and not since_cursor.isdigit():
            raise PlatformError(
                "tiktok",
                f"bad comment cursor {since_cursor!r}",
                code="bad_cursor",
                reason=Reason.INVALID,
            )
        offset = int(since_cursor or 0)
        access, data = self._business(
            account,
            "GET",
            "business/comment/list/",
            params={
                "business_id": self._business_id(account),
                "video_id": external_post_id,
                "status": "ALL",
                "sort_field": "create_time",
                "sort_order": "asc",
                "cursor": offset,
                "max_count": PAGE_SIZE,
            },
        )
        items: list[Comment] = []
        tops = data.objects("comments", required=False)
        for item in tops:
            comment = self._comment(item, external_post_id, access)
            items.append(comment)
            if (item.maybe_number("replies") or 0) > 0:
                items += self._replies(account, access, comment)
        cursor = data.maybe_number("cursor")
        return Batch(
            items,
            cursor=str(cursor if cursor is not None else offset + len(tops)),
            has_more=data.flag("has_more"),
        )

    def _replies(
        self, account: ConnectedAccount, access: BusinessAccess, parent: Comment
    ) -> list[Comment]:
        video_id, comment_id = split_comment_id(parent.external_id)
        _access, data = self._business(
            account,
            "GET",
            "business/comment/reply/list/",
            params={
                "business_id": access.business_id,
                "video_id": video_id,
                "comment_id": comment_id,
                "status": "ALL",
                "sort_field": "create_time",
                "sort_order": "asc",
                "max_count": PAGE_SIZE,
            },
        )
        replies = []
        for item in data.objects("comments", required=False):
            reply = self._comment(item, video_id, access)
            if not reply.parent_external_id:
                reply = replace(reply, parent_external_id=parent.external_id)
            replies.append(reply)
        return replies

    def reply_comment(self, account: ConnectedAccount, comment_id: str, text: str) -> Comment:
        self._require(Capability.COMMENTS_REPLY, account)
        video_id, raw_id = split_comment_id(comment_id)
        text = text.strip()
        if not text or len(text) > REPLY_MAX:
            raise PlatformError(
                "tiktok",
                "a TikTok reply has 1 to 150 characters",
                code="reply_length",
                reason=Reason.INVALID,
                user_message=_("A TikTok reply has 1 to 150 characters."),
            )
        access, data = self._business(
            account,
            "POST",
            "business/comment/reply/create/",
            json={
                "business_id": self._business_id(account),
                "video_id": video_id,
                "comment_id": raw_id,
                "text": text,
            },
        )
        if not data.has("comment_id"):
            raise data.error("response.data.comment_id is missing")
        reply = self._comment(data, video_id, access)
        if reply.parent_external_id:
            return reply
        return replace(reply, parent_external_id=comment_id, from_account=True)

    def hide_comment(self, account: ConnectedAccount, comment_id: str, hidden: bool) -> None:
        self._require(Capability.COMMENTS_HIDE, account)
        video_id, raw_id = split_comment_id(comment_id)
        self._business(
            account,
            "POST",
            "business/comment/hide/",
            json={
                "business_id": self._business_id(account),
                "video_id": video_id,
                "comment_id": raw_id,
                "action": "HIDE" if hidden else "UNHIDE",
            },
            idempotent=True,
        )

    def delete_comment(self, account: ConnectedAccount, comment_id: str) -> None:
        self._require(Capability.COMMENTS_DELETE, account)
        _video_id, raw_id = split_comment_id(comment_id)
        self._business(
            account,
            "POST",
            "business/comment/delete/",
            json={"business_id": self._business_id(account), "comment_id": raw_id},
            idempotent=True,
        )

    def _business_id(self, account: ConnectedAccount) -> str:
        access = BusinessAccess.from_meta(account.meta)
        return (access.business_id if access else "") or account.external_id
