"""PlatformHttp without a client of its own uses its thread's: made once, never keeping
cookies (it serves every account), never closed by one connector."""

from __future__ import annotations

import threading

import httpx

from manyhats.platforms.http import PlatformHttp, thread_client


def test_connectors_on_one_thread_share_its_client_and_leave_it_open():
    first, second = PlatformHttp("linkedin"), PlatformHttp("facebook")
    assert first.client is second.client is thread_client()
    first.close()
    assert not second.client.is_closed  # not first's to close


def test_each_thread_has_its_own_client():
    seen: list[httpx.Client] = []
    thread = threading.Thread(target=lambda: seen.append(PlatformHttp("tiktok").client))
    thread.start()
    thread.join()
    assert seen and seen[0] is not thread_client()


def test_the_shared_client_keeps_no_cookies_between_accounts():
    def answer(request: httpx.Request) -> httpx.Response:
        cookie = request.headers.get("cookie", "")
        return httpx.Response(200, json={"cookie": cookie}, headers={"set-cookie": "sid=abc"})

    client = thread_client()
    transport, client._transport = client._transport, httpx.MockTransport(answer)
    try:
        http = PlatformHttp("facebook")
        assert http.get("https://graph.facebook.test/a").json() == {"cookie": ""}
        assert http.get("https://graph.facebook.test/b").json() == {"cookie": ""}
    finally:
        client._transport = transport


def test_a_given_transport_or_client_is_used_as_before():
    mock = httpx.MockTransport(lambda request: httpx.Response(204))
    own = PlatformHttp("linkedin", transport=mock, headers={"X-Test": "1"})
    assert own.client is not thread_client()
    assert own.get("https://api.linkedin.test/x").status_code == 204
    own.close()
    assert own.client.is_closed
