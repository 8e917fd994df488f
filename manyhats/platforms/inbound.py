"""Events received from the platforms by webhook, stored once each for the Inbox to consume.

A delivery is verified and parsed by the platform's connector (webhooks.py);
each parsed `vocabulary.WebhookEvent` becomes one `InboundEvent` row per
connected account it concerns (the same Page may be connected in several
workspaces), or one row without an account when none is connected. Replays
are harmless: `dedupe_key` (a hash of what the event says) is unique per
platform and account, and rows are inserted with ON CONFLICT DO NOTHING.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.registry import platform_choices
from manyhats.platforms.vocabulary import WebhookEvent, WebhookEventKind


def _jsonable(value: Any) -> Any:
    """Dataclasses, enums, datetimes and errors as plain JSON values."""
    if isinstance(value, PlatformError):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(_jsonable(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def event_payload(event: WebhookEvent) -> dict[str, Any]:
    """The whole parsed event as JSON (comment, message, insights, error and raw included)."""
    payload: dict[str, Any] = _jsonable(event)
    return payload


def dedupe_key(event: WebhookEvent) -> str:
    """Same event, same key: a replayed delivery adds nothing; a later edit is a new event."""
    canonical = json.dumps(
        [
            event.platform,
            event.kind.value,
            event.account_external_id,
            event.object_id,
            event.post_external_id,
            _jsonable(event.raw),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class InboundEventQuerySet(models.QuerySet["InboundEvent"]):
    def unprocessed(self) -> InboundEventQuerySet:
        return self.filter(processed_at__isnull=True)

    def for_workspace(self, workspace: Any) -> InboundEventQuerySet:
        return self.filter(account__workspace=workspace)

    def store(self, events: Iterable[WebhookEvent]) -> set[str]:
        """Insert the events not stored before; returns the dedupe keys that were new."""
        from manyhats.platforms.models import ConnectedAccount

        rows: list[InboundEvent] = []
        accounts: dict[tuple[str, str], list[ConnectedAccount]] = {}
        for event in events:
            key = (event.platform, event.account_external_id)
            if key not in accounts:
                accounts[key] = (
                    list(ConnectedAccount.objects.filter(platform=key[0], external_id=key[1]))
                    if key[1]
                    else []
                )
            fields = {
                "platform": event.platform,
                "kind": event.kind.value,
                "account_external_id": event.account_external_id[:200],
                "object_id": event.object_id[:200],
                "post_external_id": event.post_external_id[:200],
                "dedupe_key": dedupe_key(event),
                "payload": event_payload(event),
                "occurred_at": event.occurred_at,
            }
            rows += [InboundEvent(account=a, **fields) for a in accounts[key]] or [
                InboundEvent(account=None, **fields)
            ]
        keys = {row.dedupe_key for row in rows}
        if not keys:
            return set()
        seen = set(self.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        InboundEvent.objects.bulk_create(rows, ignore_conflicts=True)
        return keys - seen


class InboundEvent(models.Model):
    """One event a platform pushed to manyhats (a comment, a DM, a finished publish...)."""

    platform = models.CharField(_("platform"), max_length=20, choices=platform_choices())
    account = models.ForeignKey(
        "platforms.ConnectedAccount",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_events",
    )
    account_external_id = models.CharField(max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=40, choices=[(k.value, k.value) for k in WebhookEventKind]
    )
    object_id = models.CharField(max_length=200, blank=True)
    post_external_id = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = InboundEventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["received_at", "pk"]
        verbose_name = _("inbound event")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["platform", "dedupe_key", "account"],
                condition=models.Q(account__isnull=False),
                name="uniq_inbound_event_per_account",
            ),
            models.UniqueConstraint(
                fields=["platform", "dedupe_key"],
                condition=models.Q(account__isnull=True),
                name="uniq_inbound_event_unmatched",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["processed_at", "received_at"])]

    def __str__(self) -> str:
        return f"{self.platform} {self.kind} {self.object_id}".strip()

    def mark_processed(self) -> None:
        self.processed_at = timezone.now()
        self.save(update_fields=["processed_at"])
