"""Forms of the accounts room: login (throttled), password reset, account, API tokens, sign-up."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from manyhats.accounts.actions import LOGIN_EMAIL, LOGIN_IP, login_ip_key, login_throttle_limits
from manyhats.accounts.models import TokenBucket, User


class LoginForm(AuthenticationForm):
    """Log in with e-mail and password, refusing attempts once too many have failed.

    Failed attempts are counted per e-mail address and per client address. The
    e-mail bucket is taken from before the password is checked (so parallel
    guesses cannot slip past it) and emptied again by a successful login; the
    client-address bucket only counts failures, so an office behind one
    address is not locked out by its own people logging in. Unknown addresses
    are counted like known ones, and get the same messages.
    """

    error_messages = {
        "invalid_login": _("That e-mail address and password do not match an account."),
        "inactive": _("This account is inactive."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.throttled = False
        username = self.fields["username"]
        assert isinstance(username, forms.CharField)
        username.label = _("E-mail address")
        username.widget = forms.EmailInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "maxlength": 254,
            }
        )
        username.max_length = 254
        self.fields["password"].label = _("Password")

    def throttled_error(self) -> ValidationError:
        attempts, window = login_throttle_limits()
        minutes = max(1, math.ceil(window / attempts / 60))
        self.throttled = True
        return ValidationError(
            ngettext(
                "Too many failed attempts to log in. Wait %(minutes)d minute and try again, "
                "or reset your password.",
                "Too many failed attempts to log in. Wait %(minutes)d minutes and try again, "
                "or reset your password.",
                minutes,
            )
            % {"minutes": minutes},
            code="throttled",
        )

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        attempts, window = login_throttle_limits()
        ip = login_ip_key(self.request)
        if not TokenBucket.peek(LOGIN_IP, ip, attempts, window):
            raise self.throttled_error()
        if not TokenBucket.authorize(LOGIN_EMAIL, email, attempts, window):
            raise self.throttled_error()
        self.user_cache = authenticate(self.request, username=email, password=password)
        if self.user_cache is None:
            TokenBucket.authorize(LOGIN_IP, ip, attempts, window)
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        TokenBucket.reset(LOGIN_EMAIL, email)
        return self.cleaned_data

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ResetRequestForm(PasswordResetForm):
    """Django's reset form, with the e-mail written in the person's own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("name", "language")
        help_texts = {
            "name": _("Shown to your team in assignments, approvals and the audit log."),
            "language": _("Leave empty to use each workspace's language."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("The workspace's language")), *settings.LANGUAGES]
        self.fields["name"].widget.attrs["autocomplete"] = "name"


EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
    ("never", _("Never")),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, such as “reporting script”."),
    )
    expires_in = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the token a name."), code="required")
        return name

    @property
    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in"]
        return None if value == "never" else int(value)


class SignUpForm(forms.Form):
    """A new account for the address an invitation was sent to."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, email: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Enter your name."), code="required")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                ValidationError(_("The two passwords are not the same."), code="password_mismatch"),
            )
        elif password1:
            candidate = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
