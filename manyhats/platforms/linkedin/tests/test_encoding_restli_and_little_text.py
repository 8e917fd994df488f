from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manyhats.platforms.linkedin.little_text import (
    MentionError,
    escape_commentary,
    mention,
    shown_length,
    to_plain,
)
from manyhats.platforms.linkedin.restli import (
    encode_urn,
    encode_value,
    query_string,
    time_intervals,
)
from manyhats.sandbox.linkedin import parse_restli
from manyhats.sandbox.linkedin_content import read_little_text


def test_urns_are_percent_encoded_whole() -> None:
    assert encode_urn("urn:li:organization:123") == "urn%3Ali%3Aorganization%3A123"
    comment = "urn:li:comment:(urn:li:activity:1,2)"
    assert encode_urn(comment) == "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A1%2C2%29"


def test_lists_and_records_use_restli_syntax_with_encoded_leaves() -> None:
    assert encode_value(["urn:li:share:1", "urn:li:share:2"]) == (
        "List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)"
    )
    assert encode_value(time_intervals(1700000000000, 1702592000000)) == (
        "(timeRange:(start:1700000000000,end:1702592000000),timeGranularityType:DAY)"
    )
    assert encode_value(True) == "true" and encode_value([]) == "List()"


def test_a_query_string_leaves_out_none_and_keeps_enums_readable() -> None:
    query = query_string({"q": "roleAssignee", "role": "ADMINISTRATOR", "start": 0, "x": None})
    assert query == "q=roleAssignee&role=ADMINISTRATOR&start=0"


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError):
        encode_value(object())


def test_httpx_sends_the_encoded_query_unchanged() -> None:
    query = query_string(
        {"shares": ["urn:li:share:1"], "organizationalEntity": "urn:li:organization:9"}
    )
    request = httpx.Request("GET", f"https://api.linkedin.com/rest/x?{query}")
    assert request.url.query.decode() == query


leaves = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
values = st.recursive(
    leaves | st.integers(min_value=0),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=50)
@given(values)
def test_the_sandbox_reads_back_whatever_the_connector_encodes(value: object) -> None:
    def as_sent(v: object) -> object:  # every leaf arrives as text
        if isinstance(v, list):
            return [as_sent(x) for x in v]
        if isinstance(v, dict):
            return {k: as_sent(x) for k, x in v.items()}
        return str(v)

    assert parse_restli(encode_value(value)) == as_sent(value)


def test_reserved_characters_are_escaped() -> None:
    text = r"Price (SEK) <3 a_b *bold* ~x~ {y} | back\slash [z] @ home C# #1"
    escaped = escape_commentary(text)
    assert escaped == (
        r"Price \(SEK\) \<3 a\_b \*bold\* \~x\~ \{y\} \| back\\slash \[z\] \@ home C\# \#1"
    )
    assert to_plain(escaped) == text


def test_hashtags_stay_hashtags() -> None:
    assert escape_commentary("Fresh bread #fika #open_source (#bakery)") == (
        r"Fresh bread #fika #open_source \(#bakery\)"
    )


def test_mentions_built_with_mention_stay_intact() -> None:
    tag = mention("Sandbox [Bakery] AB", "urn:li:organization:90000001")
    assert tag == "@[Sandbox Bakery AB](urn:li:organization:90000001)"
    assert escape_commentary(f"Thanks {tag}!") == f"Thanks {tag}!"
    assert (
        escape_commentary("Hi @[Ada_L](urn:li:person:a-B_9)")
        == r"Hi @[Ada\_L](urn:li:person:a-B_9)"
    )
    assert to_plain(r"Hi @[Ada\_L](urn:li:person:a-B_9)") == "Hi Ada_L"


def test_a_mention_needs_a_member_or_organization_urn_and_a_name() -> None:
    with pytest.raises(MentionError):
        mention("Ada", "urn:li:share:1")
    with pytest.raises(MentionError):
        mention("[]", "urn:li:person:abc")


def test_templates_read_as_hashtags_and_length_counts_what_is_shown() -> None:
    assert to_plain(r"Hi {hashtag|\#|fika}") == "Hi #fika"
    assert shown_length("(a)" * 1000) == 3000
    assert shown_length(mention("Acme", "urn:li:organization:1")) == 4


@settings(max_examples=60)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_escaped_text_survives_linkedin_whole(text: str) -> None:
    escaped = escape_commentary(text)
    shown, kept, length = read_little_text(escaped)
    assert kept == escaped  # nothing cut short
    assert shown == to_plain(escaped)
    assert length == len(shown)
