from __future__ import annotations

import pytest

from manyhats.platforms.base import Conversation, PostFormat, PublishRequest
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.tests.conftest import BAKERY
from manyhats.platforms.models import ConnectedAccount
from manyhats.sandbox.app import run_tick
from manyhats.sandbox.testing import RunningSandbox, to_audience_daytime

pytestmark = pytest.mark.django_db


def publish(
    connector: LinkedInConnector, account: ConnectedAccount, text: str = "New sourdough"
) -> str:
    request = PublishRequest(format=PostFormat.TEXT, idempotency_key="t", text=text)
    return connector.publish(account, request).external_id


def add_comments(li: RunningSandbox, post_id: str, count: int, start: float) -> list[str]:
    """Audience-shaped comments, one a second from `start`."""
    ids = []
    with li.state.mutate():
        table = li.state.table("linkedin", "comments")
        for n in range(count):
            ident = f"urn:li:comment:{7100000000000000000 + n + int(start)}"
            table[ident] = {"id": ident, "post_id": post_id, "account_id": BAKERY, "platform": "linkedin",
                            "author": {"id": f"p{n}", "name": f"Person {n}", "username": ""},
                            "text": f"comment {n}", "created_at": start + n, "parent_id": None,
                            "hidden": False, "deleted": False, "source": "audience"}  # fmt: skip
            ids.append(ident)
    return ids


def test_audience_comments_are_listed_with_their_urns(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    to_audience_daytime(li.state)
    post = publish(connector, account, "Tell us your favourite bun! Comment below")
    li.state.clock.advance(5 * 86400)
    run_tick(li.state)
    spawned = li.state.find("linkedin", "comments", post_id=post)
    assert spawned, "the audience should have commented"
    batch = connector.list_comments(account, post)
    assert len(batch.items) == len(spawned) and not batch.has_more
    first = batch.items[0]
    assert first.external_id.startswith("urn:li:comment:(urn:li:activity:")
    assert first.author_id.startswith("urn:li:person:") and not first.from_account
    assert first.post_external_id == post and first.text and first.created_at is not None


def test_comments_are_paged_and_the_cursor_returns_only_newer_ones(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    post = publish(connector, account)
    now = li.state.now()
    add_comments(li, post, 250, now)
    batch = connector.list_comments(account, post)
    assert [c.text for c in batch.items] == [f"comment {n}" for n in range(250)]
    again = connector.list_comments(account, post, batch.cursor)
    assert [c.text for c in again.items] == ["comment 249"]  # the newest may come again
    add_comments(li, post, 1, now + 1000)
    assert [c.text for c in connector.list_comments(account, post, batch.cursor).items][
        -1
    ] == "comment 0"


def test_a_long_listing_continues_with_the_cursor(
    connector: LinkedInConnector,
    account: ConnectedAccount,
    li: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(LinkedInConnector, "comment_max_pages", 1)
    post = publish(connector, account)
    add_comments(li, post, 150, li.state.now())
    first = connector.list_comments(account, post)
    assert len(first.items) == 100 and first.has_more
    rest = connector.list_comments(account, post, first.cursor)
    assert len(rest.items) == 50 and not rest.has_more
    # LinkedIn cannot filter by time: a later call reads the listing again, page by page.
    later = connector.list_comments(account, post, rest.cursor)
    assert later.items == [] and later.has_more
    assert [c.text for c in connector.list_comments(account, post, later.cursor).items] == [
        "comment 149"
    ]


def test_a_garbled_cursor_starts_afresh(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    post = publish(connector, account)
    add_comments(li, post, 2, li.state.now())
    assert len(connector.list_comments(account, post, "not-a-cursor").items) == 2


def test_replying_as_the_page_threads_under_the_comment(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    post = publish(connector, account)
    add_comments(li, post, 1, li.state.now())
    question = connector.list_comments(account, post).items[0]
    reply = connector.reply_comment(account, question.external_id, "Thanks! Open at 7 (every day)")
    assert reply.from_account and reply.parent_external_id == question.external_id
    assert reply.text == "Thanks! Open at 7 (every day)"
    listed = connector.list_comments(account, post).items
    assert [c.external_id for c in listed] == [question.external_id, reply.external_id]
    assert listed[1].parent_external_id == question.external_id and listed[1].author_id == BAKERY


def test_deleting_a_comment_is_idempotent(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    post = publish(connector, account)
    add_comments(li, post, 2, li.state.now())
    spam = connector.list_comments(account, post).items[0]
    connector.delete_comment(account, spam.external_id)
    assert [c.text for c in connector.list_comments(account, post).items] == ["comment 1"]
    connector.delete_comment(account, spam.external_id)


def test_a_comment_id_must_be_a_comment_urn(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    with pytest.raises(PlatformError) as caught:
        connector.reply_comment(account, "12345", "hi")
    assert caught.value.reason == Reason.INVALID


def test_hiding_comments_and_direct_messages_are_not_offered(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    conversation = Conversation(external_id="c", participant_id="p")
    for call in (
        lambda: connector.hide_comment(account, "urn:li:comment:(urn:li:activity:1,2)", True),
        lambda: connector.list_conversations(account),
        lambda: connector.list_messages(account, "c"),
        lambda: connector.send_message(account, conversation, "hi"),
    ):
        with pytest.raises(PlatformError) as caught:
            call()
        assert caught.value.reason == Reason.NOT_SUPPORTED
