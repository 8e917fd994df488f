"""The text counters: each counts the way its platform counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from manyhats.content.rules import counting
from manyhats.platforms.linkedin.little_text import escape_commentary

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦 (ZWJ sequence)
THUMB_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽 (skin tone modifier)
FLAG_SE = "\U0001f1f8\U0001f1ea"  # 🇸🇪 (two regional indicators)
A_RING_DECOMPOSED = "a\u030a"  # å as a + combining ring above

# Whole grapheme clusters to build texts from: Swedish letters, emoji sequences, marks.
CLUSTERS = st.sampled_from(
    [
        "a",
        "å",
        "ä",
        "ö",
        "Å",
        "#",
        "@",
        " ",
        FAMILY,
        THUMB_MEDIUM,
        FLAG_SE,
        A_RING_DECOMPOSED,
        "e\u0301",
        "\u2764\ufe0f",
        "ß",
        "\u4e2d",
        "\n",
    ]
)
LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyzåäöÅÄÖéü")


@given(st.text())
def test_utf16_length_is_the_number_of_utf16_code_units(text: str) -> None:
    assert counting.utf16_length(text) == len(text.encode("utf-16-le")) // 2


@given(st.text())
def test_graphemes_are_never_more_than_code_points_nor_code_points_than_utf16_units(
    text: str,
) -> None:
    assert counting.grapheme_count(text) <= len(text) <= counting.utf16_length(text)


@given(st.text(), st.text())
def test_utf16_length_adds_up_over_concatenation(a: str, b: str) -> None:
    assert counting.utf16_length(a + b) == counting.utf16_length(a) + counting.utf16_length(b)


@given(st.text(), st.text())
def test_joining_texts_can_merge_graphemes_but_never_add_any(a: str, b: str) -> None:
    # A combining mark at the start of b joins the last cluster of a, so no equality.
    assert counting.grapheme_count(a + b) <= counting.grapheme_count(a) + counting.grapheme_count(b)


@given(st.lists(CLUSTERS.filter(lambda c: c not in " \n#@"), min_size=1, max_size=30))
def test_each_emoji_sequence_or_accented_letter_between_spaces_counts_as_one(
    clusters: list[str],
) -> None:
    text = " ".join(clusters)
    assert counting.grapheme_count(text) == 2 * len(clusters) - 1


@given(st.text())
def test_linkedin_escaping_never_shortens_the_text(text: str) -> None:
    assert len(escape_commentary(text)) >= len(text)
    assert counting.linkedin_length(text) >= counting.utf16_length(text)


@given(st.lists(CLUSTERS, max_size=40).map("".join))
def test_linkedin_length_of_text_without_reserved_characters_is_its_utf16_length(
    text: str,
) -> None:
    plain = text.replace("#", "").replace("@", "")
    assert counting.linkedin_length(plain) == counting.utf16_length(plain)


@given(st.lists(st.text(LETTERS, min_size=1, max_size=12), min_size=1, max_size=35))
def test_every_hashtag_written_between_spaces_is_found_in_order(words: list[str]) -> None:
    text = "Fika! " + " ".join("#" + w for w in words) + " 🎉"
    assert counting.hashtags(text) == words


@given(st.lists(st.text(LETTERS, min_size=1, max_size=12), min_size=1, max_size=25))
def test_every_mention_written_between_spaces_is_found_in_order(names: list[str]) -> None:
    text = " ".join("@" + n for n in names) + "."
    assert counting.mentions(text) == names


@pytest.mark.parametrize(
    ("text", "utf16", "code_points", "graphemes"),
    [
        ("", 0, 0, 0),
        ("Hej", 3, 3, 3),
        ("Smörgåsbord på Åre", 18, 18, 18),
        (A_RING_DECOMPOSED, 2, 2, 1),
        ("e\u0301\u0323", 3, 3, 1),  # two combining marks on one letter
        (FAMILY, 11, 7, 1),
        (THUMB_MEDIUM, 4, 2, 1),
        (FLAG_SE, 4, 2, 1),
        (FLAG_SE + FLAG_SE, 8, 4, 2),
        ("\u2764\ufe0f", 2, 2, 1),  # ❤️ with variation selector, inside the BMP
        ("Fika ☕ och 🥐", 13, 12, 12),
        ("\r\n", 2, 2, 1),
    ],
)
def test_counts_of_swedish_text_emoji_and_combining_marks(
    text: str, utf16: int, code_points: int, graphemes: int
) -> None:
    counted = counting.count(text)
    assert (counted.utf16, counted.code_points, counted.graphemes) == (
        utf16,
        code_points,
        graphemes,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#fika #kanelbulle", 2),
        ("#fika#kanelbulle", 1),  # a '#' glued to a tag does not start another
        ("C# och F# är språk", 0),
        ("#1 och #2024", 0),  # all digits: not a hashtag
        ("#2024fika #åäö #öl_och_bröd", 3),
        ("https://fika.se/meny#kaffe", 0),  # a link's fragment
        ("&#39; entity", 0),
        ("#fika #fika", 2),  # repeats count: the platform counts each
    ],
)
def test_hashtags_are_told_from_other_uses_of_the_hash_sign(text: str, expected: int) -> None:
    assert len(counting.hashtags(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tack @anna och @bageriet_sthlm!", ["anna", "bageriet_sthlm"]),
        ("Skriv till hej@fika.se", []),  # an e-mail address
        ("@anna.b. Hej", ["anna.b"]),  # a sentence's full stop is not part of the name
        ("@@anna", []),
        ("@åsa", ["åsa"]),
    ],
)
def test_mentions_are_told_from_email_addresses(text: str, expected: list[str]) -> None:
    assert counting.mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Läs mer på https://fika.se/meny.", ["https://fika.se/meny"]),
        ("(se www.fika.se)", ["www.fika.se"]),
        ("Boka på fika.se/boka, tack", ["fika.se/boka"]),
        ("Inga länkar här. Eller? Nej.", []),
        ("Mejla hej@fika.se", []),
    ],
)
def test_links_are_found_without_trailing_punctuation(text: str, expected: list[str]) -> None:
    assert counting.find_urls(text) == expected


def test_a_shortening_platform_counts_each_link_at_its_fixed_weight() -> None:
    text = "Se https://example.com/a/very/long/path/indeed och www.fika.se"
    assert counting.weighted_length(text) == counting.utf16_length(text)
    assert counting.weighted_length(text, url_weight=23) == len("Se  och ") + 2 * 23


def test_linkedin_counts_reserved_characters_twice_but_keeps_hashtags_and_mentions() -> None:
    assert counting.linkedin_length("(a)") == 5
    assert counting.linkedin_length("#fika") == 5
    mention = "@[Bageriet](urn:li:organization:9)"
    assert counting.linkedin_length(mention) == len(mention)
    assert counting.linkedin_mentions("Tack " + mention) == ["urn:li:organization:9"]


@given(st.text(), st.text())
def test_hashtags_mentions_and_links_add_up_over_texts_joined_by_a_space(a: str, b: str) -> None:
    joined = a + " " + b
    assert counting.hashtags(joined) == counting.hashtags(a) + counting.hashtags(b)
    assert counting.mentions(joined) == counting.mentions(a) + counting.mentions(b)
    assert counting.find_urls(joined) == counting.find_urls(a) + counting.find_urls(b)
