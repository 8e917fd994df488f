"""Cursor (keyset) pagination for every list the API returns.

Every list answers `{"items": [...], "next_cursor": "…" | null}`. Pass
`cursor=<next_cursor>` for the next page; `limit` asks for fewer items than
settings.API_PAGE_SIZE, which is both the default and the maximum. The cursor
holds the sort key of the last item returned, so rows inserted or deleted
between two requests never make a page repeat or skip an item.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from ninja import Field, Schema

from manyhats.api.errors import ApiError


class PageParams(Schema):
    cursor: str | None = Field(
        None, max_length=1000, description="The `next_cursor` of the previous page."
    )
    limit: int | None = Field(
        None,
        ge=1,
        description="Items per page; at most the server's API_PAGE_SIZE (default 50), "
        "which is also the default.",
    )


class Page[T](Schema):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def _invalid_cursor() -> ApiError:
    return ApiError(400, "invalid_cursor", _("The cursor is not valid. Start again without one."))


def _final_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    parts = path.split("__")
    for part in parts[:-1]:
        related = model._meta.get_field(part).related_model
        assert related is not None and not isinstance(related, str)
        model = related
    field = model._meta.get_field(parts[-1])
    assert isinstance(field, models.Field)
    return field


def _value_of(item: models.Model, path: str) -> Any:
    value: Any = item
    for part in path.split("__"):
        value = getattr(value, part)
    if isinstance(value, models.Model):
        value = value.pk
    return value


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, model: type[models.Model], keys: Sequence[str]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid_cursor() from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise _invalid_cursor()
    parsed = []
    for key, value in zip(keys, values, strict=True):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _invalid_cursor()
        try:
            field = _final_field(model, key.lstrip("-"))
            if isinstance(field, models.ForeignKey):
                field = field.target_field
            parsed.append(field.to_python(value))
            field.run_validators(parsed[-1])  # e.g. integers beyond the column's range
        except (ValidationError, FieldDoesNotExist, ValueError, TypeError, OverflowError):
            raise _invalid_cursor() from None
        if parsed[-1] is None:
            raise _invalid_cursor()
    return parsed


def _after(keys: Sequence[str], values: list[Any]) -> models.Q:
    """Rows strictly after `values` in the order `keys`: (a > x) or (a = x and b > y) ..."""
    condition = models.Q(pk__in=[])
    equal = models.Q()
    for key, value in zip(keys, values, strict=True):
        name = key.lstrip("-")
        lookup = "lt" if key.startswith("-") else "gt"
        condition |= equal & models.Q(**{f"{name}__{lookup}": value})
        equal &= models.Q(**{name: value})
    return condition


def paginate[M: models.Model](
    queryset: models.QuerySet[M],
    params: PageParams,
    *,
    ordering: Sequence[str],
    out: Callable[[M], Any] | None = None,
) -> dict[str, Any]:
    """One page of `queryset` sorted by `ordering`, whose last key must be unique (e.g. "-id").

    `out` turns each row into what the response schema expects (defaults to the row).
    """
    size = min(params.limit or settings.API_PAGE_SIZE, settings.API_PAGE_SIZE)
    queryset = queryset.order_by(*ordering)
    if params.cursor:
        values = _decode(params.cursor, queryset.model, ordering)
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = _encode([_value_of(rows[-1], k.lstrip("-")) for k in ordering])
    return {"items": [out(row) for row in rows] if out else rows, "next_cursor": next_cursor}
