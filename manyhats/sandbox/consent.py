"""The OAuth consent screen every sandbox platform shows, so the real connect flow runs
end to end in a browser: the platform's authorize URL renders this page; "Allow"
redirects to the app's redirect_uri with `code` and `state`, "Cancel" with
`error=access_denied` (each family's documented error parameters).

A platform router calls `consent_page(...)` for GET and `consent_decision(...)` for the
POST back to the same URL, then issues the code with `state.issue_code(...)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import HTMLResponse, RedirectResponse

PLATFORM_STYLE = {
    "facebook": ("Facebook", "#1877f2"),
    "instagram": ("Instagram", "#c13584"),
    "linkedin": ("LinkedIn", "#0a66c2"),
    "tiktok": ("TikTok", "#111111"),
}


@dataclass(frozen=True)
class Asset:
    """Something the user can grant access to: a page, an IG account, an organization, a creator."""

    id: str
    name: str
    kind: str


def consent_page(
    *,
    platform: str,
    app_name: str,
    user_name: str,
    scopes: Sequence[str],
    assets: Sequence[Asset],
    hidden: Mapping[str, str],
    error: str = "",
) -> HTMLResponse:
    """The consent form. `hidden` carries the authorize request's parameters through the POST."""
    label, colour = PLATFORM_STYLE.get(platform, (platform.title(), "#333"))
    hidden_inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    asset_rows = "".join(
        f'<label class="asset"><input type="checkbox" name="asset" value="{escape(a.id)}" checked> '
        f"<strong>{escape(a.name)}</strong> <small>{escape(a.kind)}</small></label>"
        for a in assets
    )
    scope_items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(label)} (sandbox): authorize {escape(app_name)}</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; }}
main {{ max-width: 440px; margin: 6vh auto; background: #fff; border-radius: 12px; padding: 28px;
        box-shadow: 0 4px 24px rgba(0,0,0,.08); }}
.brand {{ color: {colour}; font-weight: 700; font-size: 1.4rem; }}
.sandbox {{ background: #fef3c7; color: #92400e; border-radius: 6px; padding: 2px 8px; font-size: .8rem; }}
.asset {{ display: block; padding: 8px 0; border-bottom: 1px solid #eee; }}
button {{ font-size: 1rem; padding: 10px 18px; border-radius: 8px; border: 0; cursor: pointer; }}
.allow {{ background: {colour}; color: #fff; }} .cancel {{ background: #e5e7eb; }}
.error {{ color: #b91c1c; }}
</style></head>
<body><main>
<p class="brand">{escape(label)} <span class="sandbox">sandbox</span></p>
<h1>{escape(app_name)} wants access</h1>
<p>Logged in as <strong>{escape(user_name)}</strong>.</p>
{error_html}
<form method="post">{hidden_inputs}
<h2>Choose what to share</h2>{asset_rows or "<p>Nothing to share.</p>"}
<h2>Permissions</h2><ul>{scope_items}</ul>
<p><button class="allow" type="submit" name="decision" value="allow">Allow</button>
<button class="cancel" type="submit" name="decision" value="cancel">Cancel</button></p>
</form></main></body></html>"""
    return HTMLResponse(page)


@dataclass(frozen=True)
class Decision:
    approved: bool
    asset_ids: list[str]
    params: dict[str, str]


def consent_decision(form: Mapping[str, Any] | Any) -> Decision:
    """Read the POSTed consent form (a Starlette FormData or a dict)."""
    getlist = getattr(form, "getlist", None)
    asset_ids = [str(v) for v in getlist("asset")] if getlist else list(form.get("asset", []))
    params = {
        str(k): str(v)
        for k, v in (form.multi_items() if hasattr(form, "multi_items") else form.items())
        if k not in ("asset", "decision")
    }
    return Decision(form.get("decision") == "allow", asset_ids, params)


def redirect_back(redirect_uri: str, **params: str) -> RedirectResponse:
    """302 to the app's redirect_uri with `params` added to its query string."""
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query), *((k, v) for k, v in params.items() if v is not None)]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)
