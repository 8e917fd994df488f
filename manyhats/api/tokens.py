"""The caller's own API tokens. A token is shown once, when it is created."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from manyhats.accounts.actions import do_issue_token, do_revoke_token
from manyhats.accounts.models import ApiToken
from manyhats.api.auth import AUTHENTICATED, current_user, permission
from manyhats.api.pagination import Page, PageParams, paginate
from manyhats.api.schemas import Id, Input

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. It is shown only this once; store it now.")


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until it stops working; omit for no expiry."
    )


@router.get(
    "",
    response=Page[TokenOut],
    summary="List my tokens",
    description="Your API tokens, newest first, including revoked and expired ones.",
    openapi_extra=permission(AUTHENTICATED),
)
def list_tokens(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    tokens = ApiToken.objects.filter(user=current_user(request))
    return paginate(tokens, page, ordering=("-created_at", "-id"))


@router.post(
    "",
    response={201: TokenCreated},
    summary="Create a token",
    description="Returns the token once, in `token`; only a hash of it is kept.",
    openapi_extra=permission(AUTHENTICATED),
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, raw = do_issue_token(
        current_user(request),
        name=payload.name,
        expires_in_days=payload.expires_in_days,
        request=request,
    )
    data = TokenOut.from_orm(token).model_dump()
    return Status(201, {**data, "token": raw})


@router.delete(
    "/{token_id}",
    response={204: None},
    summary="Revoke a token",
    description="The token stops working at once. Revoking a revoked token changes nothing.",
    openapi_extra=permission(AUTHENTICATED),
)
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    user = current_user(request)
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    do_revoke_token(user, token, request=request)
    return Status(204, None)
