"""Forms of the workspace pages. They validate input; the changes themselves go through actions.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from manyhats.workspaces.audit import action_label
from manyhats.workspaces.models import AuditEvent, Workspace, time_zone_choices
from manyhats.workspaces.roles import ROLE_DESCRIPTIONS, Role

# Which form field an action's ValidationError (by its `code`) belongs to.
ERROR_FIELDS: dict[str, str] = {
    "invalid": "email",
    "member": "email",
    "role": "role",
    "invalid_time_zone": "time_zone",
}


def add_action_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form: on the field it concerns, else on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    for error in exc.error_list:
        target = ERROR_FIELDS.get(error.code or "")
        form.add_error(target if target in form.fields else None, error)


def role_choices(roles: Iterable[str]) -> list[tuple[str, str]]:
    labels = dict(Role.choices)
    return [(r, str(labels[r])) for r in roles]


class WorkspaceForm(forms.ModelForm):
    """Name, time zone, language, country and approval: for creating and for settings."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial="Europe/Stockholm",
        help_text=_("Posts are planned, scheduled and shown in this time zone."),
    )

    class Meta:
        model = Workspace
        fields: ClassVar = ["name", "time_zone", "locale", "country", "requires_approval"]
        labels: ClassVar = {
            "name": _("Name"),
            "locale": _("Language"),
            "country": _("Country"),
            "requires_approval": _("Posts need approval"),
        }
        help_texts: ClassVar = {"name": _("The brand or client, as your team calls it.")}

    def changes(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = list(roles)
        role_field: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role_field.choices = role_choices(roles)
        if Role.EDITOR in roles:
            role_field.initial = Role.EDITOR


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field: forms.ChoiceField = self.fields["role"]  # type: ignore[assignment]
        role_field.choices = role_choices(roles)


class DeleteWorkspaceForm(forms.Form):
    confirm_name = forms.CharField(label=_("Workspace name"), max_length=200)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["confirm_name"].help_text = _(
            "Type the name of the workspace to confirm: %(name)s"
        ) % {"name": workspace.name}

    def clean_confirm_name(self) -> str:
        typed: str = self.cleaned_data["confirm_name"].strip()
        if typed != self.workspace.name.strip():
            raise ValidationError(_("That is not the name of this workspace."), code="mismatch")
        return typed


class AuditFilterForm(forms.Form):
    """Filters of the audit log. Dates are days in the workspace's time zone."""

    actor = forms.ChoiceField(label=_("Who"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. an e-mail address")}
        ),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        events = AuditEvent.objects.filter(workspace=workspace).order_by()
        actors = events.values_list("actor_label", flat=True).distinct().order_by("actor_label")
        actions = events.values_list("action", flat=True).distinct().order_by("action")
        actor_field: forms.ChoiceField = self.fields["actor"]  # type: ignore[assignment]
        action_field: forms.ChoiceField = self.fields["action"]  # type: ignore[assignment]
        actor_field.choices = [("", _("Anyone")), *[(a, a) for a in actors if a]]
        action_field.choices = [
            ("", _("Any action")),
            *sorted(((a, action_label(a)) for a in actions), key=lambda c: c[1].lower()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.workspace.zone)

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """Apply the valid filters; invalid ones are ignored (their errors are shown)."""
        data = self.cleaned_data if self.is_bound else {}
        if self.errors:
            data = {k: v for k, v in data.items() if k not in self.errors}
        if data.get("actor"):
            events = events.filter(actor_label=data["actor"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("date_from"):
            events = events.filter(created_at__gte=self._day_start(data["date_from"]))
        if data.get("date_to"):
            events = events.filter(
                created_at__lt=self._day_start(data["date_to"] + timedelta(days=1))
            )
        if data.get("q"):
            events = events.filter(object_repr__icontains=data["q"])
        return events


def role_descriptions(roles: Iterable[str] = Role.values) -> list[tuple[str, str]]:
    """(role label, what it may do) in rank order, for the Team room."""
    labels = dict(Role.choices)
    return [(str(labels[r]), str(ROLE_DESCRIPTIONS[r])) for r in roles]
