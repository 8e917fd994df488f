"""The LinkedIn sandbox's shared rules: versions, Rest.li, quotas, OAuth and identity."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox

ORG = seed.LINKEDIN_ORGS[0]
ORG_Q = "urn%3Ali%3Aorganization%3A90000001"
ALL_SCOPES = (
    "openid",
    "profile",
    "w_organization_social",
    "r_organization_social",
    "rw_organization_admin",
)


def token(sandbox: RunningSandbox, scopes: tuple[str, ...] = ALL_SCOPES, **extra: Any) -> str:
    grant = sandbox.state.issue_token("linkedin", seed.LINKEDIN_PERSON, scopes, 5_184_000,
                                      app_id="sandbox-linkedin", extra=extra)  # fmt: skip
    return str(grant["access_token"])


def headers(raw_token: str, version: str | None = "202609") -> dict[str, str]:
    out = {"Authorization": f"Bearer {raw_token}", "X-Restli-Protocol-Version": "2.0.0"}
    if version is not None:
        out["LinkedIn-Version"] = version
    return out


def api(sandbox: RunningSandbox) -> str:
    return sandbox.bases["linkedin"]["api"]


def www(sandbox: RunningSandbox) -> str:
    return sandbox.bases["linkedin"]["www"]


def acls(
    sandbox: RunningSandbox, http: httpx.Client, hdrs: dict[str, str], query: str = ""
) -> httpx.Response:
    return http.get(
        f"{api(sandbox)}/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR{query}",
        headers=hdrs,
    )


@pytest.mark.parametrize(
    ("version", "status", "code"),
    [(None, 400, "VERSION_MISSING"), ("202506", 400, "NONEXISTENT_VERSION"),
     ("209912", 400, "NONEXISTENT_VERSION"), ("latest", 400, "NONEXISTENT_VERSION"), ("202609", 200, None)],
)  # fmt: skip
def test_rest_calls_need_an_active_linkedin_version(
    sandbox: RunningSandbox, http: httpx.Client, version: str | None, status: int, code: str | None
) -> None:
    answer = acls(sandbox, http, headers(token(sandbox), version))
    assert answer.status_code == status
    if code:
        assert answer.json()["code"] == code and answer.json()["status"] == 400


def test_rest_calls_need_the_restli_2_protocol(sandbox: RunningSandbox, http: httpx.Client) -> None:
    hdrs = headers(token(sandbox))
    del hdrs["X-Restli-Protocol-Version"]
    assert acls(sandbox, http, hdrs).status_code == 400


def test_urns_must_be_percent_encoded_in_paths_and_queries(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    hdrs = headers(token(sandbox))
    assert (
        http.get(
            f"{api(sandbox)}/rest/networkSizes/{ORG}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
            headers=hdrs,
        ).status_code
        == 400
    )
    good = http.get(
        f"{api(sandbox)}/rest/networkSizes/{ORG_Q}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        headers=hdrs,
    )
    assert good.json() == {"firstDegreeSize": 850}
    stats = f"{api(sandbox)}/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={ORG_Q}"
    assert http.get(stats + "&shares=List(urn:li:share:1)", headers=hdrs).status_code == 400
    assert (
        http.get(stats + "&shares=List(urn%3Ali%3Ashare%3A1)", headers=hdrs).json()["elements"]
        == []
    )


def test_administered_pages_are_paged_with_start_and_count(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    hdrs = headers(token(sandbox))
    first = acls(sandbox, http, hdrs, "&state=APPROVED&start=0&count=1").json()
    second = acls(sandbox, http, hdrs, "&state=APPROVED&start=1&count=1").json()
    assert first["paging"] == {"start": 0, "count": 1, "total": 2, "links": []}
    assert [e["organization"] for e in first["elements"] + second["elements"]] == list(
        seed.LINKEDIN_ORGS
    )
    assert first["elements"][0] == {"role": "ADMINISTRATOR", "organization": ORG,
                                    "roleAssignee": seed.LINKEDIN_PERSON, "state": "APPROVED"}  # fmt: skip


def test_reading_page_roles_needs_an_admin_scope(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    answer = acls(sandbox, http, headers(token(sandbox, ("openid", "w_organization_social"))))
    assert (answer.status_code, answer.json()["serviceErrorCode"]) == (403, 100)


def test_an_organization_is_read_by_its_numeric_id(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    hdrs = headers(token(sandbox))
    org = http.get(f"{api(sandbox)}/rest/organizations/90000001", headers=hdrs).json()
    assert (org["id"], org["localizedName"], org["vanityName"]) == (
        90000001,
        "Sandbox Bakery AB",
        "sandbox-bakery",
    )
    assert http.get(f"{api(sandbox)}/rest/organizations/1", headers=hdrs).status_code == 404


def test_daily_caps_answer_429_per_member_and_per_app_until_utc_midnight(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    sandbox.state.table("linkedin", "settings")["daily_caps"] = {
        "organization_acls": {"member": 2, "app": 3}
    }
    mine, other = headers(token(sandbox)), headers(token(sandbox))
    assert [acls(sandbox, http, mine).status_code for _ in range(2)] == [200, 200]
    refused = acls(sandbox, http, mine)
    assert refused.status_code == 429 and "MEMBER DAY" in refused.json()["message"]
    assert "retry-after" not in refused.headers
    with sandbox.state.mutate():  # another member of the same app
        sandbox.state.table("linkedin", "tokens")[other["Authorization"][7:]]["subject"] = (
            "urn:li:person:other"
        )
    assert acls(sandbox, http, other).status_code == 200
    assert "APPLICATION DAY" in acls(sandbox, http, other).json()["message"]
    now = sandbox.state.clock.now_dt()
    sandbox.state.clock.advance(86400 - (now.hour * 3600 + now.minute * 60 + now.second) + 1)
    assert acls(sandbox, http, mine).status_code == 200


def test_the_consent_page_offers_the_members_pages_and_can_be_cancelled(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    url = (f"{www(sandbox)}/oauth/v2/authorization?response_type=code&client_id=sandbox-linkedin"
           "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=xyz&scope=openid%20profile")  # fmt: skip
    page = http.get(url)
    assert (
        page.status_code == 200
        and "Sandbox Bakery AB" in page.text
        and "Sandbox Bikes AB" in page.text
    )
    answer = http.post(url, data={"decision": "cancel"})
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query == {"error": ["user_cancelled_authorize"], "error_description": ["The user cancelled the authorization"],
                     "state": ["xyz"]}  # fmt: skip


def test_the_authorization_page_refuses_an_unknown_app(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    url = f"{www(sandbox)}/oauth/v2/authorization?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fa%2Fcb"
    assert http.get(url).status_code == 400


def code_for(sandbox: RunningSandbox, redirect_uri: str = "https://app.example/cb") -> str:
    return sandbox.state.issue_code("linkedin", client_id="sandbox-linkedin", redirect_uri=redirect_uri,
                                    subject=seed.LINKEDIN_PERSON, scopes=list(ALL_SCOPES))  # fmt: skip


def exchange(sandbox: RunningSandbox, http: httpx.Client, **form: str) -> httpx.Response:
    body = {"client_id": "sandbox-linkedin", "client_secret": "sandbox-secret-linkedin", **form}
    return http.post(f"{www(sandbox)}/oauth/v2/accessToken", data=body)


def test_the_token_endpoint_trades_a_code_once(sandbox: RunningSandbox, http: httpx.Client) -> None:
    code = code_for(sandbox)
    answer = exchange(
        sandbox,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example/cb",
    )
    body = answer.json()
    assert body["expires_in"] == 5_184_000 and body["refresh_token_expires_in"] == 31_536_000
    assert body["scope"] == ",".join(ALL_SCOPES)
    again = exchange(
        sandbox,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri="https://app.example/cb",
    )
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [({"client_secret": "wrong"}, 401, "invalid_client"), ({"redirect_uri": "https://elsewhere/cb"}, 400, "invalid_grant"),
     ({"grant_type": "password"}, 400, "unsupported_grant_type")],
)  # fmt: skip
def test_the_token_endpoint_answers_oauth_errors(
    sandbox: RunningSandbox, http: httpx.Client, form: dict[str, str], status: int, error: str
) -> None:
    fields = {
        "grant_type": "authorization_code",
        "code": code_for(sandbox),
        "redirect_uri": "https://app.example/cb",
        **form,
    }
    answer = exchange(sandbox, http, **fields)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_a_refresh_keeps_the_refresh_token_and_its_expiry(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    first = exchange(sandbox, http, grant_type="authorization_code", code=code_for(sandbox),
                     redirect_uri="https://app.example/cb").json()  # fmt: skip
    sandbox.state.clock.advance(100 * 86400)
    second = exchange(
        sandbox, http, grant_type="refresh_token", refresh_token=first["refresh_token"]
    ).json()
    assert (
        second["access_token"] != first["access_token"]
        and second["refresh_token"] == first["refresh_token"]
    )
    assert abs(second["refresh_token_expires_in"] - (31_536_000 - 100 * 86400)) <= 2
    assert second["expires_in"] == 5_184_000


def test_userinfo_names_the_member(sandbox: RunningSandbox, http: httpx.Client) -> None:
    info = http.get(
        f"{api(sandbox)}/v2/userinfo",
        headers={"Authorization": f"Bearer {token(sandbox, (*ALL_SCOPES, 'email'))}"},
    ).json()
    assert (info["sub"], info["name"], info["email"]) == (
        seed.LINKEDIN_PERSON_ID,
        "Sandra Sandbox",
        "sandra@sandbox.test",
    )
    bare = http.get(
        f"{api(sandbox)}/v2/userinfo",
        headers={"Authorization": f"Bearer {token(sandbox, ('openid',))}"},
    )
    assert bare.status_code == 403
