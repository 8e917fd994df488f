"""Shared test fixtures: one workspace with a member of every role, and an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from manyhats.accounts.models import ApiToken, User
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

PASSWORD = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    """On SQLite the live server's threads share the test's one in-memory connection, so a
    page loading many pictures at once would use it from several threads at the same time
    ("bad parameter or other API misuse"). There the live server takes one request at a
    time; Django closes each connection of a single-threaded server, so browsers are not
    held up. PostgreSQL keeps the threaded server."""
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneRequestAtATime(WSGIServer):
        # The live server thread has already taken over the test's connections.
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        LiveServerThread.server_class = OneRequestAtATime  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workspace(db) -> Workspace:
    return Workspace.objects.create(
        name="Acme", slug="acme", time_zone="Europe/Stockholm", locale="en", country="SE"
    )


@pytest.fixture
def members(workspace) -> dict[str, User]:
    """role -> a user holding that role in `workspace` (e-mail `<role>@acme.test`)."""
    people = {}
    for role in Role.values:
        user = User.objects.create_user(f"{role}@acme.test", PASSWORD, name=role.title())
        Membership.objects.create(workspace=workspace, user=user, role=role)
        people[role] = user
    return people


@pytest.fixture
def outsider(db) -> User:
    """A user who is the owner of another workspace and no member of `workspace`."""
    user = User.objects.create_user("outsider@other.test", PASSWORD, name="Outsider")
    other = Workspace.objects.create(name="Other Co", slug="other", country="NO")
    Membership.objects.create(workspace=other, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def other_workspace(outsider) -> Workspace:
    return Workspace.objects.get(slug="other")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user: User) -> Client:
    _token, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})
