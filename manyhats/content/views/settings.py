"""Settings > Composer (calls to action, best-practice checks, UTM) and Settings > Strategy
(content pillars, personas, campaigns).

Every member may read both pages; changing them needs Perm.MANAGE_WORKSPACE. The
changes go through content.posts.strategy_actions. The calls to action are edited
in place: with HTMX each change answers with the list (and a status line for
screen readers), without it the page redirects back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from manyhats.content.posts import practice
from manyhats.content.posts import strategy_actions as actions
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    ComposerSettings,
    Persona,
    Pillar,
)
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.forms import add_action_error
from manyhats.workspaces.roles import Perm


def _is_htmx(request: WorkspaceRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _base_context(request: WorkspaceRequest, tab: str) -> dict[str, Any]:
    me = request.membership
    return {
        "active_room": "settings",
        "settings_tab": tab,
        "can_audit": me.can(Perm.VIEW_AUDIT),
        "can_edit": me.can(Perm.MANAGE_WORKSPACE),
    }


# Forms ---------------------------------------------------------------------------------------


class CtaForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("New call to action"), max_length=60)


def _check_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in practice.CHECKS.items()]


class ComposerForm(forms.Form):
    checks = forms.MultipleChoiceField(
        label=gettext_lazy("Warn about"),
        choices=_check_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Warnings are advice and never stop a post; untick the ones your team does not want."
        ),
    )
    hashtag_warning_above = forms.IntegerField(
        label=gettext_lazy("Warn above this many hashtags"),
        min_value=0,
        max_value=actions.MAX_HASHTAG_WARNING,
    )
    add_utm = forms.BooleanField(
        label=gettext_lazy("Add UTM parameters to links"),
        required=False,
        help_text=gettext_lazy(
            "utm_source is the platform, utm_campaign the post's campaign and utm_content "
            "the format, so your web analytics shows which posts bring visitors."
        ),
    )
    utm_medium = forms.CharField(
        label=gettext_lazy("utm_medium"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Letters, digits, “-”, “_” and “.”; usually “social”."),
    )

    @classmethod
    def initial_from(cls, settings: ComposerSettings) -> dict[str, Any]:
        disabled = set(settings.disabled_checks)
        return {
            "checks": [code for code in practice.CHECKS if code not in disabled],
            "hashtag_warning_above": settings.hashtag_warning_above,
            "add_utm": settings.add_utm,
            "utm_medium": settings.utm_medium,
        }


# Composer settings page ----------------------------------------------------------------------


@dataclass
class CtaRow:
    cta: CallToAction
    posts: int
    value: str
    error: str = ""
    first: bool = False
    last: bool = False


def _cta_rows(request: WorkspaceRequest, errors: dict[int, tuple[str, str]]) -> list[CtaRow]:
    ctas = list(
        CallToAction.objects.filter(workspace=request.workspace)
        .annotate(post_count=Count("posts"))
        .order_by("position", "id")
    )
    rows = []
    for index, cta in enumerate(ctas):
        value, error = errors.get(cta.pk, (cta.label, ""))
        rows.append(
            CtaRow(
                cta=cta,
                posts=cta.post_count,
                value=value,
                error=error,
                first=index == 0,
                last=index == len(ctas) - 1,
            )
        )
    return rows


def _composer_context(
    request: WorkspaceRequest,
    *,
    form: ComposerForm | None = None,
    cta_form: CtaForm | None = None,
    cta_errors: dict[int, tuple[str, str]] | None = None,
    cta_status: str = "",
) -> dict[str, Any]:
    settings = ComposerSettings.of(request.workspace)
    context = _base_context(request, "composer")
    disabled = set(settings.disabled_checks)
    context.update(
        {
            "composer": settings,
            "form": form or ComposerForm(initial=ComposerForm.initial_from(settings)),
            "cta_form": cta_form or CtaForm(),
            "cta_rows": _cta_rows(request, cta_errors or {}),
            "cta_status": cta_status,
            "max_ctas": actions.MAX_CTAS,
            "checks": [
                (str(label), code not in disabled) for code, label in practice.CHECKS.items()
            ],
        }
    )
    return context


@workspace_view(Perm.VIEW_WORKSPACE, write=Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def composer_settings(request: WorkspaceRequest) -> HttpResponse:
    form = None
    if request.method == "POST":
        form = ComposerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            before = actions.composer_snapshot(ComposerSettings.of(request.workspace))
            try:
                saved = actions.do_update_composer_settings(
                    request.membership,
                    disabled_checks=[c for c in practice.CHECKS if c not in data["checks"]],
                    hashtag_warning_above=data["hashtag_warning_above"],
                    add_utm=data["add_utm"],
                    utm_medium=data["utm_medium"],
                    request=request,
                )
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                if actions.composer_snapshot(saved) != before:
                    messages.success(request, _("Composer settings saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("composer_settings", slug=request.workspace.slug)
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "content/settings/composer.html",
        _composer_context(request, form=form),
        status=status,
    )


def _ctas_answer(
    request: WorkspaceRequest,
    *,
    status_text: str = "",
    error: str = "",
    cta_form: CtaForm | None = None,
    cta_errors: dict[int, tuple[str, str]] | None = None,
) -> HttpResponse:
    """After a change to the calls to action: the list (HTMX) or back to the page."""
    context = _composer_context(
        request, cta_form=cta_form, cta_errors=cta_errors, cta_status=status_text or error
    )
    if _is_htmx(request):
        response = render(request, "content/settings/composer.html#cta_answer", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    failed = bool(error or (cta_form is not None and cta_form.errors) or cta_errors)
    if failed:
        if error:
            messages.error(request, error)
        return render(request, "content/settings/composer.html", context, status=400)
    if status_text:
        messages.success(request, status_text)
    return redirect(reverse("composer_settings", args=[request.workspace.slug]) + "#ctas")


def _workspace_cta(request: WorkspaceRequest, pk: int) -> CallToAction:
    return get_object_or_404(CallToAction, pk=pk, workspace=request.workspace)


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_POST
def cta_add(request: WorkspaceRequest) -> HttpResponse:
    form = CtaForm(request.POST)
    if form.is_valid():
        try:
            cta = actions.do_add_cta(
                request.membership, form.cleaned_data["label"], request=request
            )
        except ValidationError as exc:
            add_action_error(form, exc)
        else:
            text = _("Call to action “%(label)s” added.") % {"label": cta.label}
            return _ctas_answer(request, status_text=text)
    return _ctas_answer(request, cta_form=form, status_text=_error_text_of(form))


def _error_text_of(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_POST
def cta_rename(request: WorkspaceRequest, pk: int) -> HttpResponse:
    cta = _workspace_cta(request, pk)
    label = request.POST.get("label", "")
    try:
        cta = actions.do_rename_cta(request.membership, cta, label, request=request)
    except ValidationError as exc:
        message = _error_text(exc)
        return _ctas_answer(request, cta_errors={cta.pk: (label, message)}, status_text=message)
    return _ctas_answer(request, status_text=_("Saved “%(label)s”.") % {"label": cta.label})


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_POST
def cta_move(request: WorkspaceRequest, pk: int) -> HttpResponse:
    cta = _workspace_cta(request, pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        return _ctas_answer(request, error=_("Move it up or down."))
    try:
        moved = actions.do_move_cta(request.membership, cta, direction, request=request)  # type: ignore[arg-type]
    except ValidationError as exc:
        return _ctas_answer(request, error=_error_text(exc))
    if not moved:
        text = (
            _("“%(label)s” is already first.")
            if direction == "up"
            else _("“%(label)s” is already last.")
        ) % {"label": cta.label}
    else:
        text = (
            _("Moved “%(label)s” up.") if direction == "up" else _("Moved “%(label)s” down.")
        ) % {"label": cta.label}
    return _ctas_answer(request, status_text=text)


def _posts_lose(count: int, what: str) -> str:
    if not count:
        return _("No post uses it.")
    return ngettext(
        "%(count)s post uses it; it keeps its content and loses only the %(what)s.",
        "%(count)s posts use it; they keep their content and lose only the %(what)s.",
        count,
    ) % {"count": count, "what": what}


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def cta_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    cta = _workspace_cta(request, pk)
    back = reverse("composer_settings", args=[request.workspace.slug]) + "#ctas"
    if request.method == "POST":
        try:
            posts = actions.do_delete_cta(request.membership, cta, request=request)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            text = _("Call to action “%(label)s” deleted.") % {"label": cta.label}
            if posts:
                text += " " + ngettext(
                    "%(count)s post no longer has it.", "%(count)s posts no longer have it.", posts
                ) % {"count": posts}
            messages.success(request, text)
        return redirect(back)
    return render(
        request,
        "workspaces/confirm.html",
        {
            "title": _("Delete the call to action “%(label)s”?") % {"label": cta.label},
            "text": _posts_lose(cta.posts.count(), _("call to action")),
            "button": _("Delete call to action"),
            "cancel": back,
            "active_room": "settings",
        },
    )


# Strategy page -------------------------------------------------------------------------------


def _share_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Target share (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy(
            "The share of posts the strategy wants for it. Leave it empty for no target."
        ),
    )


class PillarForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What the pillar's posts are about and why the audience cares."),
    )
    purpose = forms.CharField(
        label=gettext_lazy("Purpose"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What this pillar does for the audience and the brand."),
    )
    target_share = _share_field()
    color = forms.CharField(
        label=gettext_lazy("Colour"),
        initial="#4f6df5",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=gettext_lazy("Marks the pillar's posts in the calendar."),
    )


def _platform_choices() -> list[tuple[str, str]]:
    from manyhats.platforms.registry import platform_choices

    return platform_choices()


class PersonaForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    description = forms.CharField(
        label=gettext_lazy("Who they are"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Age, situation, what they want from you."),
    )
    needs = forms.CharField(
        label=gettext_lazy("Needs"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    objections = forms.CharField(
        label=gettext_lazy("Objections"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What holds them back from buying or following."),
    )
    platforms = forms.MultipleChoiceField(
        label=gettext_lazy("Where they spend time"),
        choices=_platform_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.CharField(
        label=gettext_lazy("Language"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("The language they read, e.g. “sv” or “en”."),
    )
    target_share = _share_field()


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    slug = forms.CharField(
        label=gettext_lazy("UTM name"),
        required=False,
        max_length=80,
        help_text=gettext_lazy(
            "Sent as utm_campaign on the links of the campaign's posts: letters without accents, "
            "digits, “-” and “_”. Leave it empty to make it from the name."
        ),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Starts"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ends"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    color = forms.CharField(
        label=gettext_lazy("Colour"),
        initial="#8a5cf6",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=gettext_lazy("Marks the campaign's posts in the calendar."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # composer-settings.js shows the UTM name the server would make as the placeholder.
        self.fields["slug"].widget.attrs["data-slug-from"] = self["name"].auto_id


def _save_pillar(
    request: WorkspaceRequest, obj: Any, data: dict[str, Any]
) -> actions.StrategyObject:
    return actions.do_save_pillar(
        request.membership,
        obj,
        name=data["name"],
        description=data["description"],
        purpose=data["purpose"],
        target_share=data["target_share"],
        color=data["color"],
        request=request,
    )


def _save_persona(
    request: WorkspaceRequest, obj: Any, data: dict[str, Any]
) -> actions.StrategyObject:
    return actions.do_save_persona(
        request.membership,
        obj,
        name=data["name"],
        description=data["description"],
        needs=data["needs"],
        objections=data["objections"],
        platforms=data["platforms"],
        language=data["language"],
        target_share=data["target_share"],
        request=request,
    )


def _save_campaign(
    request: WorkspaceRequest, obj: Any, data: dict[str, Any]
) -> actions.StrategyObject:
    return actions.do_save_campaign(
        request.membership,
        obj,
        name=data["name"],
        slug=data["slug"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        color=data["color"] or actions.KEEP,
        request=request,
    )


@dataclass(frozen=True)
class StrategyKind:
    key: str
    model: type[Pillar] | type[Persona] | type[Campaign]
    form: type[forms.Form]
    save: Callable[[WorkspaceRequest, Any, dict[str, Any]], actions.StrategyObject]
    # For sentences: "the pillar", "Pillar “%(name)s” saved." ...
    noun: Promise
    added: Promise
    saved: Promise
    deleted: Promise
    edit_title: Promise
    delete_title: Promise
    delete_button: Promise


KINDS: dict[str, StrategyKind] = {
    "pillar": StrategyKind(
        "pillar",
        Pillar,
        PillarForm,
        _save_pillar,
        noun=gettext_lazy("pillar"),
        added=gettext_lazy("Pillar “%(name)s” added."),
        saved=gettext_lazy("Pillar “%(name)s” saved."),
        deleted=gettext_lazy("Pillar “%(name)s” deleted."),
        edit_title=gettext_lazy("Edit the pillar “%(name)s”"),
        delete_title=gettext_lazy("Delete the pillar “%(name)s”?"),
        delete_button=gettext_lazy("Delete pillar"),
    ),
    "persona": StrategyKind(
        "persona",
        Persona,
        PersonaForm,
        _save_persona,
        noun=gettext_lazy("persona"),
        added=gettext_lazy("Persona “%(name)s” added."),
        saved=gettext_lazy("Persona “%(name)s” saved."),
        deleted=gettext_lazy("Persona “%(name)s” deleted."),
        edit_title=gettext_lazy("Edit the persona “%(name)s”"),
        delete_title=gettext_lazy("Delete the persona “%(name)s”?"),
        delete_button=gettext_lazy("Delete persona"),
    ),
    "campaign": StrategyKind(
        "campaign",
        Campaign,
        CampaignForm,
        _save_campaign,
        noun=gettext_lazy("campaign"),
        added=gettext_lazy("Campaign “%(name)s” added."),
        saved=gettext_lazy("Campaign “%(name)s” saved."),
        deleted=gettext_lazy("Campaign “%(name)s” deleted."),
        edit_title=gettext_lazy("Edit the campaign “%(name)s”"),
        delete_title=gettext_lazy("Delete the campaign “%(name)s”?"),
        delete_button=gettext_lazy("Delete campaign"),
    ),
}


def _strategy_context(
    request: WorkspaceRequest, forms_by_kind: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    context = _base_context(request, "strategy")
    given = forms_by_kind or {}
    for key, kind in KINDS.items():
        context[f"{key}s"] = kind.model.objects.filter(workspace=request.workspace).annotate(
            post_count=Count("posts")
        )
        context[f"{key}_form"] = given.get(key) or kind.form(prefix=key)
    from manyhats.content.posts.models import PlatformGoal
    from manyhats.content.views.strategy import GoalForm

    context["goals"] = PlatformGoal.objects.filter(workspace=request.workspace)
    context["goal_form"] = GoalForm(prefix="goal")
    context["can_strategy"] = request.membership.can(Perm.VIEW_ANALYTICS)
    return context


@workspace_view(Perm.VIEW_WORKSPACE, write=Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET"])
def strategy(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "content/settings/strategy.html", _strategy_context(request))


def _strategy_url(request: WorkspaceRequest, kind: str) -> str:
    return reverse("strategy_settings", args=[request.workspace.slug]) + f"#{kind}s"


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_POST
def strategy_add(request: WorkspaceRequest, kind: str) -> HttpResponse:
    spec = KINDS[kind]
    form = spec.form(request.POST, prefix=kind)
    if form.is_valid():
        try:
            obj = spec.save(request, None, form.cleaned_data)
        except ValidationError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, str(spec.added) % {"name": str(obj)})
            return redirect(_strategy_url(request, kind))
    context = _strategy_context(request, {kind: form})
    context["open_form"] = kind
    return render(request, "content/settings/strategy.html", context, status=400)


def _initial(spec: StrategyKind, obj: actions.StrategyObject) -> dict[str, Any]:
    return model_to_dict(obj, fields=list(spec.form.base_fields))


def _strategy_object(
    request: WorkspaceRequest, spec: StrategyKind, pk: int
) -> actions.StrategyObject:
    found = get_object_or_404(spec.model, pk=pk, workspace=request.workspace)
    return cast(actions.StrategyObject, found)


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def strategy_edit(request: WorkspaceRequest, kind: str, pk: int) -> HttpResponse:
    spec = KINDS[kind]
    obj = _strategy_object(request, spec, pk)
    form = spec.form(prefix=kind, initial=_initial(spec, obj))
    if request.method == "POST":
        form = spec.form(request.POST, prefix=kind, initial=_initial(spec, obj))
        if form.is_valid():
            try:
                obj = spec.save(request, obj, form.cleaned_data)
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                if form.has_changed():
                    messages.success(request, str(spec.saved) % {"name": str(obj)})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(_strategy_url(request, kind))
    context = _base_context(request, "strategy")
    context.update(
        {
            "kind": spec,
            "object": obj,
            "form": form,
            "title": str(spec.edit_title) % {"name": str(obj)},
            "cancel": _strategy_url(request, kind),
            "delete_url": reverse(f"strategy_{kind}_delete", args=[request.workspace.slug, obj.pk]),
            "delete_label": spec.delete_button,
        }
    )
    return render(
        request, "content/settings/strategy_edit.html", context, status=400 if form.errors else 200
    )


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def strategy_delete(request: WorkspaceRequest, kind: str, pk: int) -> HttpResponse:
    spec = KINDS[kind]
    obj = _strategy_object(request, spec, pk)
    back = _strategy_url(request, kind)
    if request.method == "POST":
        try:
            posts = actions.do_delete_strategy_object(request.membership, obj, request=request)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            text = str(spec.deleted) % {"name": str(obj)}
            if posts:
                text += " " + ngettext(
                    "%(count)s post no longer has it.", "%(count)s posts no longer have it.", posts
                ) % {"count": posts}
            messages.success(request, text)
        return redirect(back)
    return render(
        request,
        "workspaces/confirm.html",
        {
            "title": str(spec.delete_title) % {"name": str(obj)},
            "text": _posts_lose(obj.posts.count(), str(spec.noun)),
            "button": str(spec.delete_button),
            "cancel": back,
            "active_room": "settings",
        },
    )


def _strategy_paths() -> list[URLPattern]:
    found = []
    for kind in KINDS:
        base = f"w/<slug:slug>/settings/strategy/{kind}s/"
        found += [
            path(f"{base}new/", strategy_add, {"kind": kind}, name=f"strategy_{kind}_add"),
            path(f"{base}<int:pk>/", strategy_edit, {"kind": kind}, name=f"strategy_{kind}_edit"),
            path(
                f"{base}<int:pk>/delete/",
                strategy_delete,
                {"kind": kind},
                name=f"strategy_{kind}_delete",
            ),
        ]
    return found


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/settings/composer/", composer_settings, name="composer_settings"),
    path("w/<slug:slug>/settings/composer/ctas/", cta_add, name="composer_cta_add"),
    path("w/<slug:slug>/settings/composer/ctas/<int:pk>/", cta_rename, name="composer_cta_rename"),
    path("w/<slug:slug>/settings/composer/ctas/<int:pk>/move/", cta_move, name="composer_cta_move"),
    path(
        "w/<slug:slug>/settings/composer/ctas/<int:pk>/delete/",
        cta_delete,
        name="composer_cta_delete",
    ),
    path("w/<slug:slug>/settings/strategy/", strategy, name="strategy_settings"),
    *_strategy_paths(),
]
