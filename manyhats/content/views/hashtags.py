"""Hashtag groups (Compose > Hashtags) and the suggestions fragment the composer loads.

Reading needs Perm.VIEW_CALENDAR, changing groups Perm.COMPOSE. The fragment
(`hashtag_suggest`) answers GET ?text=...&tags=a,b with buttons the composer's
script handles: `.suggest-tag[data-tag]` adds one tag, `.insert-group[data-tags]`
adds a group's tags (space-separated, without '#').
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from manyhats.content.posts import hashtags
from manyhats.content.posts import strategy_actions as actions
from manyhats.content.posts.models import HashtagGroup
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.forms import add_action_error
from manyhats.workspaces.roles import Perm

TOP_TAGS = 30
MAX_TEXT = 10_000
MAX_CHOSEN = 100


class GroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    tags = forms.CharField(
        label=gettext_lazy("Hashtags"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Separate them with spaces or commas; the # is optional."),
    )


def _group_initial(group: HashtagGroup) -> dict[str, Any]:
    return {"name": group.name, "tags": " ".join(f"#{t}" for t in group.tags)}


def _groups_context(request: WorkspaceRequest, form: GroupForm | None = None) -> dict[str, Any]:
    can_edit = request.membership.can(Perm.COMPOSE)
    history = hashtags.load_history(request.workspace)
    return {
        "active_room": "compose",
        "can_edit": can_edit,
        "groups": HashtagGroup.objects.filter(workspace=request.workspace),
        "form": form or (GroupForm() if can_edit else None),
        "top_tags": history.top(TOP_TAGS),
        "top_limit": TOP_TAGS,
    }


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def groups(request: WorkspaceRequest) -> HttpResponse:
    form = None
    if request.method == "POST":
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                group = actions.do_save_hashtag_group(
                    request.membership,
                    name=form.cleaned_data["name"],
                    tags=form.cleaned_data["tags"],
                    request=request,
                )
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                messages.success(
                    request, _("Hashtag group “%(name)s” saved.") % {"name": group.name}
                )
                return redirect("hashtag_groups", slug=request.workspace.slug)
    status = 400 if form is not None and form.errors else 200
    return render(
        request, "content/hashtags/groups.html", _groups_context(request, form), status=status
    )


@workspace_view(Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def group_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(HashtagGroup, pk=pk, workspace=request.workspace)
    form = GroupForm(initial=_group_initial(group))
    if request.method == "POST":
        form = GroupForm(request.POST, initial=_group_initial(group))
        if form.is_valid():
            try:
                group = actions.do_save_hashtag_group(
                    request.membership,
                    group,
                    name=form.cleaned_data["name"],
                    tags=form.cleaned_data["tags"],
                    request=request,
                )
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                messages.success(
                    request, _("Hashtag group “%(name)s” saved.") % {"name": group.name}
                )
                return redirect("hashtag_groups", slug=request.workspace.slug)
    return render(
        request,
        "content/hashtags/group_edit.html",
        {"active_room": "compose", "group": group, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view(Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def group_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(HashtagGroup, pk=pk, workspace=request.workspace)
    back = reverse("hashtag_groups", args=[request.workspace.slug])
    if request.method == "POST":
        try:
            actions.do_delete_hashtag_group(request.membership, group, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Hashtag group “%(name)s” deleted.") % {"name": group.name})
        return redirect(back)
    return render(
        request,
        "workspaces/confirm.html",
        {
            "title": _("Delete the hashtag group “%(name)s”?") % {"name": group.name},
            "text": _("Posts that used its hashtags keep them; only the group goes."),
            "button": _("Delete group"),
            "cancel": back,
            "active_room": "compose",
        },
    )


def chosen_tags(value: str) -> list[str]:
    """The `tags` parameter: tags separated by commas (or spaces), with or without '#'."""
    return [t for t in re.split(r"[,\s]+", value) if t.strip("#")][:MAX_CHOSEN]


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def suggest(request: WorkspaceRequest) -> HttpResponse:
    text = request.GET.get("text", "")[:MAX_TEXT]
    chosen = chosen_tags(request.GET.get("tags", ""))
    history = hashtags.load_history(request.workspace)
    suggestions = hashtags.suggest(request.workspace, text=text, chosen=chosen, history=history)
    response = render(
        request,
        "content/hashtags/suggest.html",
        {
            "suggestions": suggestions,
            "has_history": not history.is_empty,
            "groups": HashtagGroup.objects.filter(workspace=request.workspace),
            "can_edit": request.membership.can(Perm.COMPOSE),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/compose/hashtags/", groups, name="hashtag_groups"),
    path("w/<slug:slug>/compose/hashtags/suggest/", suggest, name="hashtag_suggest"),
    path("w/<slug:slug>/compose/hashtags/<int:pk>/", group_edit, name="hashtag_group_edit"),
    path(
        "w/<slug:slug>/compose/hashtags/<int:pk>/delete/",
        group_delete,
        name="hashtag_group_delete",
    ),
]
