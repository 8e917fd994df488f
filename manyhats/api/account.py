"""The caller themself."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from manyhats.api.auth import AUTHENTICATED, current_user, permission

router = Router(tags=["account"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    date_joined: datetime


@router.get(
    "/me",
    response=MeOut,
    summary="Who am I",
    description="The person the token (or browser session) belongs to.",
    openapi_extra=permission(AUTHENTICATED),
)
def me(request: HttpRequest) -> object:
    return current_user(request)
