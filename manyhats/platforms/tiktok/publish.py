"""Publishing through TikTok's Content Posting API: creator info, init, chunked upload, status
polling and reconciling a lost init answer (docs platforms/tiktok.md sections 3-7).

A publish never finishes in one call: init answers a `publish_id`, TikTok then uploads or
downloads and moderates the media. `publish` returns `processing` with the JSON handle
`{"publish_id", "kind", "mode", "privacy_level"}`; `poll` follows status/fetch until
PUBLISH_COMPLETE (the public post id can arrive minutes or hours later, after moderation,
and never for SELF_ONLY posts: `poll` waits for it up to `post_id_wait`, then reports the
post published without a permalink), FAILED (the `fail_reason` mapped by
`tiktok_publish_failure`) or, in inbox mode, SEND_TO_USER_INBOX.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise

from manyhats.platforms.classifiers import TIKTOK_CODES, TIKTOK_FAIL_REASONS, tiktok_publish_failure
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok import chunks, posting
from manyhats.platforms.tiktok.client import TikTokBase
from manyhats.platforms.vocabulary import (
    AccountLimits,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
    to_datetime,
)

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

CREATOR_INFO_PATH = "v2/post/publish/creator_info/query/"
STATUS_PATH = "v2/post/publish/status/fetch/"
VIDEO_LIST_PATH = "v2/video/list/"
PROCESSING = ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD")
# creator_info errors that mean "cannot post now" rather than "cannot ask".
CANNOT_POST = (Reason.QUOTA, Reason.POLICY)


def invalid(problem: str | Promise, code: str = "invalid_request") -> PlatformError:
    return PlatformError(
        "tiktok", str(problem), code=code, reason=Reason.INVALID, user_message=str(problem)
    )


class TikTokPublishing(TikTokBase):
    # How long to keep polling a completed publish for its public post id.
    post_id_wait: ClassVar[timedelta] = timedelta(hours=2)
    # A post missing from video/list this soon after the attempt may still be in moderation
    # (None: MANYHATS_TIKTOK_RECONCILE_SECONDS, two hours by default).
    reconcile_window: ClassVar[timedelta | None] = None
    reconcile_pages: ClassVar[int] = 10
    upload_chunk: ClassVar[int] = chunks.DEFAULT_CHUNK

    # Creator info.

    def creator_info(self, account: ConnectedAccount) -> AccountLimits:
        """creator_info/query, live; raises PlatformError (e.g. spam_risk_too_many_posts)."""
        data = self._open(account, "POST", CREATOR_INFO_PATH, json={}, idempotent=True)
        options = data.texts("privacy_level_options")
        disabled = frozenset(k for k in ("comment", "duet", "stitch") if data.flag(f"{k}_disabled"))
        return AccountLimits(
            privacy_levels=tuple(options),
            max_video_seconds=data.maybe_number("max_video_post_duration_sec"),
            disabled=disabled,
            display_name=data.text("creator_nickname", required=False),
            raw=data.raw(),
        )

    def limits(self, account: ConnectedAccount) -> AccountLimits:
        """creator_info read live and stored on the account; `can_post` False (with the
        reason) when TikTok says the creator cannot post right now."""
        try:
            limits = self.creator_info(account)
        except PlatformError as err:
            if err.reason not in CANNOT_POST:
                raise
            previous = account.account_limits
            limits = AccountLimits(
                can_post=False,
                reason=err.user_message,
                privacy_levels=previous.privacy_levels,
                max_video_seconds=previous.max_video_seconds,
                disabled=previous.disabled,
                display_name=previous.display_name,
                raw={"error": err.to_dict()},
            )
        if account.pk:
            account.store_limits(limits)
        return limits

    def preflight(self, account: ConnectedAccount, request: PublishRequest) -> list[str | Promise]:
        found = posting.problems(request, account.scopes or ())
        plan = posting.plan_for(request)
        if plan.mode == "inbox" or not self._has_scope(account, "video.publish"):
            return found
        try:
            limits = self.limits(account)
        except PlatformError as err:
            return [*found, err.user_message]
        if not limits.can_post:
            found.append(limits.reason)
        return found + posting.limit_problems(request, limits)

    # Publishing.

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        found = posting.problems(request, account.scopes or ())
        if found:
            raise invalid(found[0])
        plan = posting.plan_for(request)
        limits: AccountLimits | None = None
        if plan.mode == "direct":
            limits = self.creator_info(account)  # TikTok asks for it before every direct post
            if account.pk:
                account.store_limits(limits)
            self._check_limits(request, plan, limits)
        if plan.kind == "photo":
            body: dict[str, Any] = {
                "media_type": "PHOTO",
                "post_mode": "DIRECT_POST" if plan.mode == "direct" else "MEDIA_UPLOAD",
                "post_info": posting.post_info(request, plan, limits),
                "source_info": posting.photo_source(request),
            }
            chunk_plan = None
        else:
            item = plan.media[0]
            if plan.source == "FILE_UPLOAD":
                chunk_plan = chunks.chunk_plan(posting.file_size(item) or 0, self.upload_chunk)
                source: dict[str, Any] = chunk_plan.source_info()
            else:
                chunk_plan = None
                source = {"source": "PULL_FROM_URL", "video_url": item.url}
            body = {"source_info": source}
            if plan.mode == "direct":
                body["post_info"] = posting.post_info(request, plan, limits)
        data = self._open(account, "POST", plan.init_path, json=body, unknown_if_malformed=True)
        publish_id = data.text("publish_id")
        if chunk_plan is not None:
            self._upload(
                data.text("upload_url"), plan.media[0].path, plan.media[0].mime, chunk_plan
            )
        handle = PublishHandle(
            {
                "publish_id": publish_id,
                "kind": plan.kind,
                "mode": plan.mode,
                "privacy_level": plan.privacy_level,
            },
            poll_after=5.0,
        )
        return PublishOutcome.processing(handle, raw={"publish_id": publish_id})

    def _check_limits(
        self, request: PublishRequest, plan: posting.Plan, limits: AccountLimits
    ) -> None:
        """Refuse before init what TikTok would refuse after it."""
        if limits.privacy_levels and plan.privacy_level not in limits.privacy_levels:
            raise TIKTOK_CODES["privacy_level_option_mismatch"].error(
                "tiktok",
                f"privacy_level {plan.privacy_level} is not among the creator's options",
                code="privacy_level_option_mismatch",
                detail=", ".join(limits.privacy_levels),
            )
        problems = posting.limit_problems(request, limits)
        if problems:
            raise TIKTOK_FAIL_REASONS["duration_check_failed"].error(
                "tiktok", str(problems[0]), code="duration_check_failed", detail=str(problems[0])
            )

    def _upload(self, upload_url: str, path: str, mime: str, plan: chunks.ChunkPlan) -> None:
        """PUT the chunks in order (206 for each but the last, 201 when complete)."""
        ctype = mime.lower() if mime.lower() in posting.VIDEO_MIMES else "video/mp4"
        with open(path, "rb") as fh:
            for index, (first, last) in enumerate(plan.ranges):
                fh.seek(first)
                chunk = fh.read(last - first + 1)
                final = index == plan.total_chunk_count - 1
                headers = {"Content-Type": ctype, "Content-Range": plan.content_range(index)}
                try:
                    response = self.http.put(
                        upload_url, content=chunk, headers=headers, upload=True
                    )
                except PlatformError as err:
                    # The final chunk may have arrived: TikTok would then publish the video.
                    if final and err.reason in (Reason.NETWORK, Reason.TEMPORARY):
                        raise err.with_(outcome_unknown=True) from None
                    raise
                expected = (200, 201) if final else (206,)
                if response.status_code not in expected:
                    raise PlatformError(
                        "tiktok",
                        f"chunk {index + 1} of {plan.total_chunk_count} answered "
                        f"HTTP {response.status_code}",
                        code="upload_incomplete",
                        http_status=response.status_code,
                        reason=Reason.TEMPORARY,
                        retryable=True,
                        outcome_unknown=final,
                    )

    def poll(self, account: ConnectedAccount, handle: PublishHandle) -> PublishOutcome:
        publish_id = str(handle.data.get("publish_id") or "")
        if not publish_id:
            raise invalid("the publish handle has no publish_id", code="bad_handle")
        data = self._open(
            account, "POST", STATUS_PATH, json={"publish_id": publish_id}, idempotent=True
        )
        status = data.text("status")
        raw = data.raw()
        if status == "FAILED":
            reason = data.text("fail_reason", required=False) or "internal"
            return PublishOutcome.failed(tiktok_publish_failure(reason), raw=raw)
        if status == "SEND_TO_USER_INBOX":
            # Delivered to the creator's inbox: they finish (and publish) in the TikTok app.
            return PublishOutcome.published(
                "", raw={**raw, "publish_id": publish_id, "sent_to_inbox": True}
            )
        if status == "PUBLISH_COMPLETE":
            return self._complete(
                account, handle, data.texts("publicaly_available_post_id", required=False), raw
            )
        if status not in PROCESSING:
            raise data.error(f"unknown publish status {status!r}")
        return PublishOutcome.processing(self._again(handle, poll_after=10.0), raw=raw)

    def _complete(
        self, account: ConnectedAccount, handle: PublishHandle, ids: list[str], raw: dict[str, Any]
    ) -> PublishOutcome:
        kind = str(handle.data.get("kind") or "video")
        if ids:
            post_id = ids[0]
            return PublishOutcome.published(
                post_id, posting.permalink(account.username, post_id, kind), raw=raw
            )
        now = timezone.now()
        seen = to_datetime(handle.data.get("complete_at")) or now
        private = handle.data.get("privacy_level") == "SELF_ONLY"
        if private or now - seen >= self.post_id_wait:
            # No public id yet (moderation) or ever (SELF_ONLY): published, without permalink.
            return PublishOutcome.published(
                "",
                raw={**raw, "publish_id": handle.data.get("publish_id"), "post_id_pending": True},
            )
        again = self._again(handle, poll_after=60.0, complete_at=seen.isoformat())
        return PublishOutcome.processing(again, raw=raw)

    @staticmethod
    def _again(handle: PublishHandle, *, poll_after: float, **changes: Any) -> PublishHandle:
        data = {**handle.data, **changes, "polls": int(handle.data.get("polls", 0)) + 1}
        return PublishHandle(data, poll_after=poll_after, started_at=handle.started_at)

    def find_published(
        self, account: ConnectedAccount, fingerprint: PublishFingerprint
    ) -> RemotePost | None:
        """The post in video/list (newest first) created since `not_before` whose text matches.

        TikTok lists public videos only, after moderation: a miss soon after the attempt
        (within `reconcile_window`) is "cannot tell yet" (PlatformError, retryable), later None.
        """
        cursor: int | None = None
        fields = "id,title,video_description,create_time,share_url"
        for _page in range(self.reconcile_pages):
            body: dict[str, Any] = {"max_count": 20}
            if cursor is not None:
                body["cursor"] = cursor
            data = self._open(
                account,
                "POST",
                VIDEO_LIST_PATH,
                params={"fields": fields},
                json=body,
                idempotent=True,
            )
            older = False
            for video in data.objects("videos", required=False):
                created = to_datetime(video.maybe_number("create_time"))
                if created is not None and created < fingerprint.not_before:
                    older = True
                    continue
                text = video.text("video_description", required=False) or video.text(
                    "title", required=False
                )
                if fingerprint.matches_text(text):
                    post_id = video.text("id")
                    return RemotePost(
                        post_id,
                        url=video.text("share_url", required=False)
                        or posting.permalink(account.username, post_id),
                        text=text,
                        published_at=created,
                        raw=video.raw(),
                    )
            cursor = data.maybe_number("cursor")
            if older or not data.flag("has_more") or cursor is None:
                break
        window = self.reconcile_window
        if window is None:
            window = timedelta(seconds=getattr(settings, "MANYHATS_TIKTOK_RECONCILE_SECONDS", 7200))
        left = window - (timezone.now() - fingerprint.not_before)
        if left > timedelta(0):
            raise PlatformError(
                "tiktok",
                "the post is not listed (yet): it may still be processing or in moderation",
                code="not_listed_yet",
                reason=Reason.TEMPORARY,
                retryable=True,
                # Look again in five minutes, or as soon as the window has passed.
                retry_after=max(1, min(300, int(left.total_seconds()) + 1)),
            )
        return None

    @staticmethod
    def _has_scope(account: ConnectedAccount, scope: str) -> bool:
        return not account.scopes or scope in account.scopes
