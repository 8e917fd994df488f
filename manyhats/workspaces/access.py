"""The one place that decides who may see and do what in a workspace.

Web views use `workspace_view`; API endpoints call `resolve` and let the API
layer turn the exceptions into its error shape. A person who is not a member
gets "not found", never "forbidden", so workspaces cannot be discovered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _

from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Perm

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


class NotMember(Exception):
    """The workspace does not exist or the person is not a member of it."""


class NotAllowed(Exception):
    """The person is a member but their role lacks the capability."""

    def __init__(self, perm: Perm) -> None:
        super().__init__(perm)
        self.perm = perm


def resolve(user: Any, perm: Perm, *, slug: str | None = None, pk: int | None = None) -> Membership:
    """Return the user's membership of the workspace, checked for `perm`.

    Raises NotMember (also for anonymous users and unknown workspaces) or NotAllowed.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotMember
    lookup: dict[str, Any] = {"user": user}
    if slug is not None:
        lookup["workspace__slug"] = slug
    elif pk is not None:
        lookup["workspace__pk"] = pk
    else:
        raise NotMember
    membership = Membership.objects.select_related("workspace", "user").filter(**lookup).first()
    if membership is None:
        raise NotMember
    if not membership.can(perm):
        raise NotAllowed(perm)
    return membership


def require(membership: Membership, perm: Perm) -> None:
    """For action functions: refuse (a ValidationError the views and the API show) when the
    member's role lacks `perm`. Views and endpoints have already asked; actions ask again."""
    if not membership.can(perm):
        raise ValidationError(_("Your role does not allow this."), code="forbidden")


def memberships_of(user: Any) -> list[Membership]:
    if user is None or not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("workspace"))


def use_workspace_language(request: HttpRequest, workspace: Workspace) -> None:
    """Speak the workspace's language to a person who chose none of their own."""
    if not getattr(request.user, "language", ""):
        translation.activate(workspace.locale)
        request.LANGUAGE_CODE = workspace.locale


class WorkspaceRequest(HttpRequest):
    workspace: Workspace
    membership: Membership


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def workspace_view(
    perm: Perm, *, write: Perm | None = None
) -> Callable[[Callable[Concatenate[WorkspaceRequest, P], R]], Callable[..., HttpResponseBase]]:
    """Decorate a view that takes a `slug` argument naming its workspace.

    `perm` is needed to read (GET/HEAD/OPTIONS); `write`, when given, is needed
    instead for every other method, so a page that shows settings to many and
    saves them for few declares both here rather than checking inside.

    Sets request.workspace and request.membership, activates the workspace's
    language for people who chose none, and remembers the workspace as the
    person's current one.
    """

    def decorator(
        view: Callable[Concatenate[WorkspaceRequest, P], R],
    ) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponseBase:
            needed = perm if write is None or request.method in SAFE_METHODS else write
            try:
                membership = resolve(request.user, needed, slug=slug)
            except NotMember:
                raise Http404 from None
            except NotAllowed:
                raise PermissionDenied from None
            wreq: WorkspaceRequest = request  # type: ignore[assignment]
            wreq.workspace = membership.workspace
            wreq.membership = membership
            use_workspace_language(request, membership.workspace)
            if request.session.get("workspace") != membership.workspace.slug:
                request.session["workspace"] = membership.workspace.slug
            return view(wreq, *args, **kwargs)

        # Read by the permission-matrix test, which walks every workspace route.
        wrapper.workspace_perm = perm  # type: ignore[attr-defined]
        wrapper.workspace_write_perm = write or perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
