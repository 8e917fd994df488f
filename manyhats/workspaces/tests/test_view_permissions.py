"""Every workspace page: the role that may use it gets in, a role that may not gets 403, a
non-member gets 404 (the workspace is not revealed) and an anonymous visitor is sent to log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from manyhats.workspaces import actions
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(workspace, members):
    owner = Membership.objects.get(workspace=workspace, user=members["owner"])
    invitation, _raw = actions.do_invite(owner, email="new@example.com", role=Role.GUEST)
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    return {"invitation": invitation.pk, "editor": editor.pk}


# (url name, extra arg key, method, data, allowed role, expected status, forbidden role or None)
CASES = [
    ("team", None, "get", None, "editor", 200, "guest"),
    (
        "team_invite",
        None,
        "post",
        {"email": "x@example.com", "role": "guest"},
        "admin",
        302,
        "manager",
    ),
    ("team_invitation_revoke", "invitation", "get", None, "admin", 200, "manager"),
    ("team_invitation_revoke", "invitation", "post", {}, "admin", 302, "manager"),
    ("team_member_role", "editor", "post", {"role": "analyst"}, "admin", 302, "manager"),
    ("team_member_remove", "editor", "get", None, "admin", 200, "manager"),
    ("team_member_remove", "editor", "post", {}, "admin", 302, "manager"),
    ("workspace_leave", None, "get", None, "guest", 200, None),
    ("workspace_settings", None, "get", None, "guest", 200, None),
    (
        "workspace_settings",
        None,
        "post",
        {"name": "Acme 2", "time_zone": "UTC", "locale": "en", "country": "SE"},
        "admin",
        302,
        "manager",
    ),
    ("workspace_audit", None, "get", None, "admin", 200, "manager"),
    ("workspace_audit_export", None, "get", None, "admin", 200, "manager"),
    ("workspace_delete", None, "get", None, "owner", 200, "admin"),
    ("workspace_delete", None, "post", {"confirm_name": "Acme"}, "owner", 302, "admin"),
]
IDS = [f"{c[2]} {c[0]}" for c in CASES]
# Pages every member may open (leave, read-only settings) have no forbidden role.
FORBIDDEN = [(c[0], c[1], c[2], c[3], c[6]) for c in CASES if c[6]]
FORBIDDEN_IDS = [f"{c[2]} {c[0]}" for c in FORBIDDEN]


def _url(name, key, targets):
    args = ["acme"] + ([targets[key]] if key else [])
    return reverse(name, args=args)


@pytest.mark.parametrize(
    ("name", "key", "method", "data", "allowed", "status", "forbidden"), CASES, ids=IDS
)
def test_the_allowed_role_gets_in(
    targets, members, name, key, method, data, allowed, status, forbidden
):
    response = getattr(client_for(members[allowed]), method)(_url(name, key, targets), data)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("name", "key", "method", "data", "forbidden"), FORBIDDEN, ids=FORBIDDEN_IDS
)
def test_a_role_without_the_capability_gets_403(
    targets, members, name, key, method, data, forbidden
):
    response = getattr(client_for(members[forbidden]), method)(_url(name, key, targets), data)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "key", "method", "data", "allowed", "status", "forbidden"), CASES, ids=IDS
)
def test_a_non_member_gets_404(
    targets, outsider, name, key, method, data, allowed, status, forbidden
):
    response = getattr(client_for(outsider), method)(_url(name, key, targets), data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "key", "method", "data", "allowed", "status", "forbidden"), CASES, ids=IDS
)
def test_an_anonymous_visitor_is_sent_to_log_in(
    client, targets, name, key, method, data, allowed, status, forbidden
):
    response = getattr(client, method)(_url(name, key, targets), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_post_only_views_refuse_get(members, targets):
    client = client_for(members["owner"])
    assert client.get(reverse("team_invite", args=["acme"])).status_code == 405
    assert client.get(_url("team_member_role", "editor", targets)).status_code == 405


def test_post_only_views_check_membership_before_the_method(outsider, targets):
    assert client_for(outsider).get(reverse("team_invite", args=["acme"])).status_code == 404


def test_every_workspace_route_declares_its_capability():
    from manyhats.workspaces import urls

    for pattern in urls.urlpatterns:
        if "<slug:slug>" in str(pattern.pattern):
            assert hasattr(pattern.callback, "workspace_perm"), pattern.name
