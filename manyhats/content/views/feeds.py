"""Calendar feeds: a member's private iCalendar URL of the workspace's plan.

w/<slug>/feeds/             the member's feed: how to subscribe, when it was last read
w/<slug>/feeds/new/         a new URL, shown once (POST); it replaces the previous one
w/<slug>/feeds/revoke/      the URL stops working (POST)
feeds/<token>.ics           the feed itself, for calendar apps (no login; the token is
                            the credential; 404 when unknown, revoked or its member left)
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from manyhats.content.planning import feeds
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm


def _page(request: WorkspaceRequest, raw: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "content/imports/feed.html",
        {
            "active_room": "calendar",
            "feed": feeds.active_feed(request.membership),
            "raw": raw,
            "url": feeds.feed_url(raw) if raw else "",
            "webcal": feeds.webcal_url(raw) if raw else "",
            "zone": request.workspace.zone.key,
        },
        status=status,
    )


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def feed_page(request: WorkspaceRequest) -> HttpResponse:
    return _page(request)


@workspace_view(Perm.VIEW_CALENDAR)
@require_POST
def feed_create(request: WorkspaceRequest) -> HttpResponse:
    """The new URL is on this response only; only its hash is kept."""
    _feed, raw = feeds.do_create_feed(request.membership, request=request)
    return _page(request, raw)


@workspace_view(Perm.VIEW_CALENDAR)
@require_POST
def feed_revoke(request: WorkspaceRequest) -> HttpResponse:
    feed = feeds.active_feed(request.membership)
    if feed is not None and feeds.do_revoke_feed(request.membership, feed, request=request):
        messages.success(
            request, _("The calendar feed was revoked: calendars subscribed to it stop updating.")
        )
    else:
        messages.info(request, _("You have no calendar feed to revoke."))
    return redirect(reverse("calendar_feed", args=[request.workspace.slug]))


@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    feed = feeds.feed_for(token)
    if feed is None:
        raise Http404
    feeds.touch(feed)
    response = HttpResponse(feeds.calendar_bytes(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{feed.workspace.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/feeds/", feed_page, name="calendar_feed"),
    path("w/<slug:slug>/feeds/new/", feed_create, name="calendar_feed_create"),
    path("w/<slug:slug>/feeds/revoke/", feed_revoke, name="calendar_feed_revoke"),
    path("feeds/<str:token>.ics", feed_ics, name="calendar_feed_ics"),
]
