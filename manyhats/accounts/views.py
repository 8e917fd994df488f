"""Log in and out, passwords, personal settings, API tokens, accepting invitations."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from manyhats.accounts.actions import (
    do_issue_token,
    do_revoke_token,
    do_set_language,
    do_sign_up_and_accept,
    do_update_account,
    login_throttle_limits,
    record_password_changed,
)
from manyhats.accounts.forms import (
    AccountForm,
    LoginForm,
    ResetRequestForm,
    SignUpForm,
    TokenCreateForm,
)
from manyhats.accounts.models import ApiToken, TokenBucket, User
from manyhats.workspaces.actions import do_accept_invitation
from manyhats.workspaces.models import Invitation, Membership


def _user(request: HttpRequest) -> User:
    """The logged-in person, for views behind login_required."""
    return cast(User, request.user)


# Log in ----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        url = super().get_redirect_url(request)
        # ?next=/login/ for a logged-in person would loop; send them home instead.
        if url and urlsplit(url).path == (request or self.request).path:
            return ""
        return url

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response


# Passwords --------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_changed(form.user, request=self.request, reset=False)
        messages.success(
            self.request,
            _(
                "Your password was changed. Other devices where you "
                "were logged in have been logged out."
            ),
        )
        return response


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Send a reset link. The link is built from SITE_URL, never from the
    request's Host header, so a forged Host cannot point it elsewhere."""

    template_name = "accounts/password_reset.html"
    form_class = ResetRequestForm
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        attempts, window = login_throttle_limits()
        # Refuse to flood a mailbox; the page says the same either way.
        if TokenBucket.authorize("reset-email", email, attempts, window):
            site = urlsplit(settings.SITE_URL)
            form.save(
                domain_override=site.netloc,
                use_https=site.scheme == "https",
                token_generator=self.token_generator,
                from_email=self.from_email,
                subject_template_name=self.subject_template_name,
                email_template_name=self.email_template_name,
                request=self.request,
                extra_email_context={
                    "site_url": settings.SITE_URL,
                    "site_name": settings.SITE_NAME,
                },
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_changed(form.user, request=self.request, reset=True)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# Language and account -----------------------------------------------------------


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, safe `next`), and for a logged-in person
    also their saved choice, which wins over the cookie on every device."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        do_set_language(_user(request), language)
    return response


@login_required
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    # The form works on its own copy so a refused edit never shows in the page frame.
    form = AccountForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        do_update_account(
            user,
            request=request,
            name=form.cleaned_data["name"],
            language=form.cleaned_data["language"],
        )
        with translation.override(user.language or translation.get_language()):
            messages.success(request, _("Your account was saved."))
        response = redirect("account")
        _set_language_cookie(response, user.language)
        return response
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    return render(request, "accounts/account.html", {"form": form, "memberships": memberships})


# API tokens -----------------------------------------------------------------------


@login_required
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    """List and create tokens. A new token's raw value is shown on the response to
    the POST that made it, once; only its hash is stored."""
    user = _user(request)
    created: tuple[ApiToken, str] | None = None
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = do_issue_token(
            user,
            name=form.cleaned_data["name"],
            expires_in_days=form.expires_in_days,
            request=request,
        )
        form = TokenCreateForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=user),
        "created": created[0] if created else None,
        "raw_token": created[1] if created else None,
    }
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    if do_revoke_token(user, token, request=request):
        messages.success(
            request,
            _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name},
        )
    else:
        messages.info(
            request, _("The token “%(name)s” was already revoked.") % {"name": token.name}
        )
    return redirect("api_tokens")


# Invitations ------------------------------------------------------------------------


def _invitation_gone(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    """The page for a link that cannot be used: 404 when unknown, 410 when used up."""
    reason = invitation.status if invitation else "unknown"
    member_of = None
    if invitation is not None and request.user.is_authenticated:
        member_of = Membership.objects.filter(
            workspace=invitation.workspace, user=_user(request)
        ).first()
    return render(
        request,
        "accounts/invitation_gone.html",
        {"invitation": invitation, "reason": reason, "membership": member_of},
        status=404 if invitation is None else 410,
    )


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.from_token(token)
    if invitation is None or invitation.status != "pending":
        return _invitation_gone(request, invitation)
    workspace_url = reverse("workspace_home", args=[invitation.workspace.slug])
    context: dict[str, Any] = {"invitation": invitation}

    if request.user.is_authenticated:
        user = _user(request)
        if request.method == "POST":
            try:
                do_accept_invitation(invitation, user, request=request)
            except ValidationError:
                invitation.refresh_from_db()
                return _invitation_gone(request, invitation)
            messages.success(
                request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name}
            )
            return redirect(workspace_url)
        context["other_account"] = user.email.lower() != invitation.email.lower()
        context["membership"] = Membership.objects.filter(
            workspace=invitation.workspace, user=user
        ).first()
        return render(request, "accounts/invitation.html", context)

    login_url = reverse("login") + "?" + urlencode({"next": request.path})
    context["login_url"] = login_url
    if User.objects.filter(email__iexact=invitation.email).exists():
        context["existing_account"] = True
        return render(
            request,
            "accounts/invitation.html",
            context,
            status=403 if request.method == "POST" else 200,
        )

    form = SignUpForm(invitation.email, request.POST or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            user, _membership = do_sign_up_and_accept(
                invitation,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except IntegrityError:
            # Someone created this account between the page and the form.
            context.update(existing_account=True, form=None)
            return render(request, "accounts/invitation.html", context, status=409)
        except ValidationError:
            invitation.refresh_from_db()
            return _invitation_gone(request, invitation)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name}
        )
        return redirect(workspace_url)
    return render(request, "accounts/invitation.html", context, status=400 if form.errors else 200)
