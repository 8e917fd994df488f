"""The form that picks which granted accounts to connect."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.vocabulary import AccountGrant


class ChooseAccountsForm(forms.Form):
    accounts = forms.MultipleChoiceField(
        label=_("Accounts to connect"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one account to connect."),
            "invalid_choice": _("That account was not among those you granted. Start again."),
        },
    )

    def __init__(self, *args: Any, grants: list[AccountGrant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["accounts"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(g.external_id, g.name) for g in grants]
        self.grants = grants

    def chosen(self) -> list[AccountGrant]:
        ids = set(self.cleaned_data["accounts"])
        return [g for g in self.grants if g.external_id in ids]
