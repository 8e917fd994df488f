"""The strict CSP holds: no inline scripts, styles or event handlers in any page or template."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from conftest import client_for
from manyhats.web.rooms import ROOMS

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


class InlineFinder(HTMLParser):
    """Collects everything the CSP would block: inline <script>, <style>, style="", on*="" ."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f'style="" on <{tag}>')
        self.problems += [f"{n}= handler on <{tag}>" for n in names if n.startswith("on")]


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def pages(client, members) -> dict[str, str]:
    owner = client_for(members["owner"])
    guest = client_for(members["guest"])
    return {
        "login": client.get("/login/").content.decode(),
        "not found (visitor)": client.get("/nowhere/").content.decode(),
        "calendar": owner.get("/w/acme/calendar/").content.decode(),
        "workspace list": owner.get("/workspaces/").content.decode(),
        "not found": owner.get("/nowhere/").content.decode(),
        "forbidden": guest.get("/w/acme/ads/").content.decode(),
    }


def test_rendered_pages_have_no_inline_scripts_styles_or_handlers(client, workspace, members):
    for name, html in pages(client, members).items():
        assert "<html" in html, name
        assert inline_problems(html) == [], name


def test_no_template_contains_inline_scripts_styles_or_handlers():
    for path in TEMPLATES.rglob("*.html"):
        source = re.sub(r"{%.*?%}|{{.*?}}", "", path.read_text())
        assert inline_problems(source) == [], path


def test_every_page_is_sent_with_a_strict_content_security_policy(client, workspace, members):
    for response in (client.get("/login/"), client_for(members["owner"]).get("/w/acme/calendar/")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_htmx_is_loaded_with_eval_off_and_boost_not_global(client, workspace, members):
    html = client_for(members["owner"]).get("/w/acme/calendar/").content.decode()
    assert "htmx.min.js" in html
    assert '"allowEval": false' in html
    assert "hx-boost" not in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'id="request-indicator"' in html


def test_every_icon_used_exists_in_the_sprite():
    found = finders.find("manyhats/img/icons.svg")
    assert isinstance(found, str)
    sprite = Path(found).read_text()
    symbols = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    used: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r'{%\s*icon\s+"([^"]+)"', path.read_text()))
    used |= {room.icon for room in ROOMS}
    assert used - symbols == set()
