"""Log in and out, passwords, personal settings, API tokens, accepting invitations."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language as django_set_language


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def set_language(request: HttpRequest) -> HttpResponse:
    return django_set_language(request)


def account(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def tokens(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError
