"""The REST API under /api/v1/ (django-ninja).

Each room has one router module in this package. To add one, import it below
and add a line to ROUTERS: (url prefix, router).
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI, Router, Swagger

from manyhats.api import account, errors, tokens, workspaces
from manyhats.api import calendar as calendar_api
from manyhats.api import imports as imports_api
from manyhats.api import media as media_api
from manyhats.api import posts as posts_api
from manyhats.api import slots as slots_api
from manyhats.api import strategy as strategy_api
from manyhats.api.auth import SessionReadAuth, TokenAuth, UserRateThrottle

ROUTERS: list[tuple[str, Router]] = [
    ("", account.router),
    ("/tokens", tokens.router),
    ("/workspaces", workspaces.router),
    ("/workspaces", posts_api.router),
    ("/workspaces", media_api.router),
    ("/workspaces", slots_api.router),
    ("/workspaces", calendar_api.router),
    ("/workspaces", imports_api.router),
    ("/workspaces", strategy_api.router),
]

DESCRIPTION = """
The manyhats REST API.

**Authentication.** Send a personal API token: `Authorization: Bearer mh_…`
(create one under your account's API tokens, or with `POST /tokens`). A
logged-in browser session is accepted for reads (GET) only, so these docs can
try the read endpoints; every write needs a token, which also makes CSRF
protection unnecessary. A request with an `Authorization` header is judged by
that header alone.

**Permissions.** Each operation names the capability it needs in
`x-permission` (`authenticated` outside a workspace). In a workspace you are
not a member of you get 404; if your role lacks the capability, 403.

**Errors** always look like
`{"error": {"code": "not_found", "message": "…", "details": [{"field": …, "code": …, "message": …}]}}`.
`code` is stable, `message` is in the language of `Accept-Language` (else
your own language setting). Statuses: 400 malformed (bad JSON, bad cursor) or
refused by a rule; 401 no valid token; 403 role lacks the capability; 404 not
found or not a member; 405 method not allowed; 409 conflicts with the current
state; 413 body too large; 422 invalid fields (see `details`); 429 throttled
(see `Retry-After`); 500 our fault, logged.

**Lists** answer `{"items": […], "next_cursor": "…" | null}`; pass
`cursor=<next_cursor>` for the next page and `limit` for smaller pages (at most
the server's page size, 50 by default). Cursors stay correct while rows are
added.

**Times** are ISO 8601 in UTC; each workspace names its IANA `time_zone`.
"""


class ManyhatsAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = errors.json_errors(pattern.callback)
        urls.append(re_path(r"", errors.not_found_view, name="not-found"))
        return urls

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        error_schema = errors.ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(error_schema.pop("$defs", {}))
        components["ErrorOut"] = error_schema
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        error = {"content": {"application/json": {"schema": ref}}}
        for path in schema["paths"].values():
            for method, operation in path.items():
                if method != "get":  # a browser session only ever reads
                    operation["security"] = [
                        s for s in operation.get("security", []) if "SessionReadAuth" not in s
                    ]
                responses = operation.setdefault("responses", {})
                responses.setdefault("4XX", {"description": "Client error", **error})
                responses.setdefault("5XX", {"description": "Server error", **error})
        return schema


api = ManyhatsAPI(
    title="manyhats API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), SessionReadAuth()],
    throttle=[UserRateThrottle()],
    # Served from ninja's own static files; Swagger UI runs under the site's strict
    # CSP as it is (it styles elements from script, which CSP allows), so the docs
    # need no csp_override. No validator badge: it would call swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)
errors.install(api)

for prefix, router in ROUTERS:
    api.add_router(prefix, router)
