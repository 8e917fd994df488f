"""Connect the demo workspace to the sandbox's four platforms, the way a person would.

Runs once the web app and the sandbox answer: logs in over HTTP as the demo
owner, presses "Connect" for each platform, allows on the sandbox's consent
page (sharing the first brand's page, account, organization and creator) and
lets the app exchange the code: the real OAuth flow, no shortcuts, so the
demo's accounts hold real sandbox tokens and can publish.
"""

from __future__ import annotations

import logging
import re
from html import unescape
from urllib.parse import urljoin

import httpx

from manyhats.sandbox.seed import IG_ACCOUNTS, LINKEDIN_ORGS, META_PAGES, TIKTOK_CREATORS

log = logging.getLogger(__name__)
PLATFORMS = ("facebook", "instagram", "linkedin", "tiktok")
WANTED = {META_PAGES[0], IG_ACCOUNTS[0], LINKEDIN_ORGS[0], TIKTOK_CREATORS[0]}
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
_ASSET = re.compile(r'<input type="checkbox" name="asset" value="([^"]*)"')
_CHOICE = re.compile(r'name="accounts"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="accounts"')


class DemoConnectError(Exception):
    pass


def _csrf(client: httpx.Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies.get("csrftoken") or ""}


def _expect_redirect(response: httpx.Response, what: str) -> str:
    if response.status_code not in (302, 303):
        raise DemoConnectError(f"{what}: expected a redirect, got {response.status_code}")
    return response.headers["location"]


def connect_demo_accounts(app_url: str, slug: str, email: str, password: str) -> list[str]:
    """Connect each platform not connected yet; returns the platforms connected now."""
    with (
        httpx.Client(base_url=app_url, timeout=30, follow_redirects=False) as app,
        httpx.Client(timeout=30, follow_redirects=False) as platform_site,
    ):
        app.get("/login/")
        login = app.post(
            "/login/", data={"username": email, "password": password}, headers=_csrf(app)
        )
        _expect_redirect(login, "logging in")
        first = app.get(f"/w/{slug}/settings/channels/").text
        before = [p for p in PLATFORMS if f'data-platform="{p}"' in first]
        for platform in PLATFORMS:
            channels = app.get(f"/w/{slug}/settings/channels/")
            if f'data-platform="{platform}"' in channels.text:
                continue  # connected before
            start = app.post(f"/w/{slug}/settings/channels/connect/{platform}/", headers=_csrf(app))
            consent_url = _expect_redirect(start, f"connecting {platform}")
            page = platform_site.get(consent_url)
            hidden = {unescape(k): unescape(v) for k, v in _HIDDEN.findall(page.text)}
            assets = [unescape(a) for a in _ASSET.findall(page.text)]
            chosen = [a for a in assets if a in WANTED] or assets[:1]
            decision = platform_site.post(
                consent_url, data={**hidden, "asset": chosen, "decision": "allow"}
            )
            back = _expect_redirect(decision, f"{platform} consent")
            landed = _expect_redirect(app.get(back), f"{platform} callback")
            if "/choose/" in landed:
                choose = app.get(landed)
                values = [a or b for a, b in _CHOICE.findall(choose.text)]
                picked = [v for v in values if v in WANTED] or values[:1]
                _expect_redirect(
                    app.post(landed, data={"accounts": picked}, headers=_csrf(app)),
                    f"choosing {platform} accounts",
                )
        # Facebook Login also grants the Pages' Instagram accounts: report what is there now.
        after = app.get(f"/w/{slug}/settings/channels/").text
        done = [p for p in PLATFORMS if f'data-platform="{p}"' in after and p not in before]
    return done


def try_connect_demo_accounts(app_url: str, slug: str, email: str, password: str) -> str:
    """A line for the demo's console: what was connected, or why not (never raises)."""
    try:
        done = connect_demo_accounts(urljoin(app_url, "/"), slug, email, password)
    except (httpx.HTTPError, DemoConnectError, KeyError) as exc:
        log.warning("connecting the demo accounts failed: %s", exc)
        return f"Could not connect the sandbox accounts ({exc}); connect them under Settings > Channels."
    return f"Connected the sandbox's {', '.join(done)} accounts." if done else ""
