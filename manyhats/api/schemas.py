"""Base schemas shared by every router."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.params.functions import Path as PathParam
from pydantic import ConfigDict, field_validator


class Clean(Schema):
    """Rejects text with NUL characters, which PostgreSQL cannot store or compare."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Text cannot contain NUL characters."))
        return value


class Input(Clean):
    """A request body: unknown fields are refused and text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def omittable(**kwargs: Any) -> Any:
    """A field a client may leave out (it is then unset) but may not send as null."""
    return Field(None, **kwargs)


def check_year(value: datetime | None) -> datetime | None:
    """Keep filter times where time-zone arithmetic cannot overflow."""
    if value is not None and not 1900 <= value.year <= 9000:
        raise ValueError(_("Enter a time between the years 1900 and 9000."))
    return value


class UserOut(Schema):
    id: int
    email: str
    name: str


# A database id in a path: bigger numbers would overflow the database's integer.
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
