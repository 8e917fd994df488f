"""Hashtag suggestions from the workspace's history, the fragment the composer loads,
and the hashtag groups page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import client_for
from manyhats.content.posts import hashtags
from manyhats.content.posts.models import HashtagGroup, Post
from manyhats.workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db

GROUPS = "/w/acme/compose/hashtags/"
SUGGEST = "/w/acme/compose/hashtags/suggest/"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def write(workspace, day: int, tags: list[str], text: str = "", **fields) -> Post:
    return Post.objects.create(
        workspace=workspace,
        text=text,
        hashtags=tags,
        created_at=START + timedelta(days=day),
        **fields,
    )


@pytest.fixture
def history(workspace):
    """Six posts: #fika goes with #kaffe twice, with #stockholm and #bulle once each."""
    write(workspace, 1, ["fika", "kaffe", "stockholm"])
    write(workspace, 2, ["fika"], text="Morgonkaffe med oss #kaffe")  # a tag in the text counts
    write(workspace, 3, ["fika", "bulle"])
    write(workspace, 4, ["kaffe", "morgon"])
    write(workspace, 5, ["stockholm", "sommar"])
    write(workspace, 6, ["sommar", "strand"])


def names(suggestions) -> list[str]:
    return [s.name for s in suggestions]


def test_tags_used_with_the_chosen_ones_come_first(workspace, history):
    found = hashtags.suggest(workspace, text="", chosen=["fika"])
    # kaffe: 2 of its 3 posts have #fika (2/4 = 0.5); bulle: 1 of 1 (1/2 = 0.5, fewer uses);
    # stockholm: 1 of 2 (1/3). Then the rest, most used first, newest first on a tie.
    assert names(found) == ["kaffe", "bulle", "stockholm", "sommar", "strand", "morgon"]
    reasons = {s.name: s.reason for s in found}
    assert reasons["kaffe"] == "used with #fika in 2 posts"
    assert reasons["bulle"] == "used with #fika in 1 post"
    assert reasons["sommar"] == "used in 2 posts"
    assert reasons["morgon"] == "used in 1 post"
    assert [s.kind for s in found[:3]] == [hashtags.TOGETHER] * 3
    assert found[0].score == pytest.approx(0.5)
    assert found[2].score == pytest.approx(1 / 3)


def test_a_tag_always_used_with_the_chosen_one_beats_a_common_tag_used_with_it_sometimes(
    workspace,
):
    for day in range(10):
        write(workspace, day, ["stockholm"] + (["fika"] if day < 2 else []))
    write(workspace, 20, ["fika", "kanelbulle"])
    write(workspace, 21, ["fika", "kanelbulle"])
    found = hashtags.suggest(workspace, chosen=["fika"])
    # kanelbulle 2/(2+1) = 0.67 over stockholm 2/(10+1) = 0.18, though both share 2 posts.
    assert names(found) == ["kanelbulle", "stockholm"]


def test_the_reason_names_the_chosen_tag_shared_most(workspace, history):
    found = hashtags.suggest(workspace, chosen=["stockholm", "fika"])
    kaffe = next(s for s in found if s.name == "kaffe")
    assert kaffe.reason == "used with #fika in 2 posts"
    sommar = next(s for s in found if s.name == "sommar")
    assert sommar.reason == "used with #stockholm in 1 post"


def test_words_of_the_text_that_are_known_tags_come_next(workspace, history):
    found = hashtags.suggest(
        workspace, text="Kaffe i sommar, och en STRAND. https://sommar.se/strand"
    )
    assert names(found)[:3] == ["kaffe", "sommar", "strand"]
    assert [s.kind for s in found[:3]] == [hashtags.TEXT] * 3
    assert found[0].reason == "“Kaffe” is in your text; used in 3 posts"
    assert found[2].reason == "“STRAND” is in your text; used in 1 post"
    assert names(found)[3:] == ["fika", "stockholm", "morgon", "bulle"]  # newest first on a tie


def test_two_words_written_together_match_a_tag(workspace):
    write(workspace, 1, ["FikaStockholm"])
    write(workspace, 2, ["fika"])
    write(workspace, 3, ["fika"])
    found = hashtags.suggest(workspace, text="Best fika Stockholm has")
    assert names(found) == ["fika", "FikaStockholm"]
    assert found[1].kind == hashtags.TEXT
    assert found[1].reason == "“fika Stockholm” is in your text; used in 1 post"


def test_tags_are_compared_without_case_and_chosen_or_written_ones_are_left_out(workspace, history):
    write(workspace, 7, ["KAFFE"])  # the newest spelling is the one shown
    found = hashtags.suggest(workspace, text="Ny meny! #Sommar", chosen=["#FIKA", "Bulle"])
    assert "fika" not in [n.casefold() for n in names(found)]
    assert "bulle" not in [n.casefold() for n in names(found)]
    assert "sommar" not in [n.casefold() for n in names(found)]  # already in the text
    kaffe = found[0]
    assert (kaffe.name, kaffe.posts) == ("KAFFE", 4)
    assert kaffe.reason == "used with #fika in 2 posts"


def test_hashtags_in_the_text_and_first_comment_count_once_per_post(workspace):
    write(workspace, 1, ["fika"], text="#fika #Fika", first_comment="#fika #kaffe")
    stats = hashtags.load_history(workspace).stats
    assert (stats["fika"].posts, stats["kaffe"].posts) == (1, 1)


def test_templates_and_other_workspaces_are_not_history(workspace, other_workspace):
    write(workspace, 1, ["fika"], is_template=True)
    write(other_workspace, 1, ["fika"])
    assert hashtags.suggest(workspace, text="fika") == []
    assert hashtags.load_history(workspace).is_empty


def test_the_history_is_read_in_one_query(workspace, history, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = hashtags.load_history(workspace)
    assert found.stats["kaffe"].posts == 3
    assert found.stats["kaffe"].last_used == START + timedelta(days=4)


def test_performance_reorders_within_a_tier_and_is_shown(workspace, history):
    found = hashtags.suggest(
        workspace, chosen=["fika"], performance={"#Stockholm": 3.0, "morgon": 0.5, "strand": 4.0}
    )
    # stockholm 1/3 * 3.0 = 1.0 now leads the tags used with #fika; strand leads the rest
    # but stays below them.
    assert names(found) == ["stockholm", "kaffe", "bulle", "strand", "sommar", "morgon"]
    by_name = {s.name: s for s in found}
    assert by_name["stockholm"].performance == 3.0
    assert by_name["kaffe"].performance is None
    html = render_fragment(found)
    assert "3.0× average engagement" in html  # noqa: RUF001
    assert html.count("× average engagement") == 3  # noqa: RUF001


def render_fragment(suggestions) -> str:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.workspace = type("W", (), {"slug": "acme"})()  # type: ignore[attr-defined]
    context = {"suggestions": suggestions, "has_history": True, "groups": [], "can_edit": True}
    return render_to_string("content/hashtags/suggest.html", context, request=request)


def test_the_limit_caps_the_suggestions(workspace, history):
    assert names(hashtags.suggest(workspace, chosen=["fika"], limit=2)) == ["kaffe", "bulle"]


# The fragment ------------------------------------------------------------------------------


def test_the_fragment_offers_suggestions_and_groups_as_buttons(workspace, members, history):
    HashtagGroup.objects.create(
        workspace=workspace, name="Fika & co", tags=["fika", "kaffe", "bulle"]
    )
    response = client_for(members["guest"]).get(
        SUGGEST, {"text": "Sol och strand", "tags": "fika, #Kaffe"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert (
        '<button type="button" class="suggest-tag" data-tag="bulle">#bulle '
        "<small>used with #fika in 1 post</small></button>"
    ) in html
    assert (
        'data-tag="strand">#strand <small>“strand” is in your text; used in 1 post</small>' in html
    )
    assert 'data-tag="kaffe"' not in html and 'data-tag="fika"' not in html
    assert html.index('data-tag="bulle"') < html.index('data-tag="strand"')
    assert (
        '<button type="button" class="insert-group" data-tags="fika kaffe bulle">Fika &amp; co'
    ) in html
    assert "no-store" in response["Cache-Control"]


def test_the_fragment_says_when_there_is_no_history_yet(workspace, members):
    html = client_for(members["editor"]).get(SUGGEST, {"text": "Hej", "tags": ""}).content.decode()
    assert "No suggestions yet." in html
    assert "No hashtag groups yet" in html
    assert 'class="suggest-tag"' not in html
    assert 'href="/w/acme/compose/hashtags/"' in html


def test_the_fragment_says_when_every_known_tag_is_chosen(workspace, members):
    write(workspace, 1, ["fika"])
    html = client_for(members["editor"]).get(SUGGEST, {"tags": "fika"}).content.decode()
    assert "Nothing more to suggest" in html


# Hashtag groups ------------------------------------------------------------------------------


def test_hashtag_groups_are_created_edited_and_deleted(workspace, members):
    editor = client_for(members["editor"])
    response = editor.post(GROUPS, {"name": "Fika", "tags": "#Fika, kaffe  #fika #kanelbulle"})
    assert response.status_code == 302
    group = HashtagGroup.objects.get(workspace=workspace)
    assert group.tags == ["Fika", "kaffe", "kanelbulle"]
    created = AuditEvent.objects.get(action="hashtag_group.created")
    assert created.after == {"name": "Fika", "tags": group.tags}

    page = editor.get(GROUPS).content.decode()
    assert "<li>#kanelbulle</li>" in page
    edit = editor.get(f"{GROUPS}{group.pk}/")
    assert "#Fika #kaffe #kanelbulle" in edit.content.decode()
    response = editor.post(f"{GROUPS}{group.pk}/", {"name": "Fika time", "tags": "fika bulle"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.tags) == ("Fika time", ["fika", "bulle"])
    assert AuditEvent.objects.filter(action="hashtag_group.updated").exists()

    confirm = editor.get(f"{GROUPS}{group.pk}/delete/")
    assert "Delete the hashtag group “Fika time”?" in confirm.content.decode()
    assert editor.post(f"{GROUPS}{group.pk}/delete/").status_code == 302
    assert not HashtagGroup.objects.exists()
    assert AuditEvent.objects.filter(action="hashtag_group.deleted").exists()


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("", "This field is required."),
        ("# ##", "Add at least one hashtag."),
        ("#fika!", "is not a hashtag the platforms recognise"),
        ("#2024", "is not a hashtag the platforms recognise"),
    ],
)
def test_a_group_needs_real_hashtags(workspace, members, tags, message):
    response = client_for(members["editor"]).post(GROUPS, {"name": "Fika", "tags": tags})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HashtagGroup.objects.exists()


def test_group_names_are_unique_per_workspace(workspace, members, other_workspace):
    HashtagGroup.objects.create(workspace=workspace, name="Fika", tags=["fika"])
    HashtagGroup.objects.create(workspace=other_workspace, name="Sommar", tags=["sommar"])
    editor = client_for(members["editor"])
    response = editor.post(GROUPS, {"name": "FIKA", "tags": "kaffe"})
    assert response.status_code == 400
    assert "There is already a hashtag group “FIKA”." in response.content.decode()
    assert editor.post(GROUPS, {"name": "Sommar", "tags": "sommar"}).status_code == 302


def test_readers_see_the_groups_and_only_composers_change_them(workspace, members, other_workspace):
    group = HashtagGroup.objects.create(workspace=workspace, name="Fika", tags=["fika"])
    theirs = HashtagGroup.objects.create(workspace=other_workspace, name="Theirs", tags=["x"])
    guest = client_for(members["guest"])
    html = guest.get(GROUPS).content.decode()
    assert "Fika" in html and 'name="tags"' not in html and "Theirs" not in html
    assert guest.post(GROUPS, {"name": "New", "tags": "a"}).status_code == 403
    assert guest.post(f"{GROUPS}{group.pk}/delete/").status_code == 403
    assert client_for(members["editor"]).get(f"{GROUPS}{theirs.pk}/").status_code == 404
    assert HashtagGroup.objects.count() == 2


def test_the_groups_page_lists_the_most_used_hashtags(workspace, members, history):
    html = client_for(members["analyst"]).get(GROUPS).content.decode()
    rows = html.split("Most used hashtags", 1)[1]
    # kaffe and fika have 3 posts each (kaffe used more recently), then sommar and stockholm.
    assert (
        rows.index("#kaffe") < rows.index("#fika") < rows.index("#sommar") < rows.index("#strand")
    )
    assert '<td class="num">3</td>' in rows
    assert "2025-03-05" in rows  # kaffe: the newest post with it


def test_last_used_is_shown_in_the_workspaces_time_zone(workspace, members):
    Post.objects.create(
        workspace=workspace, hashtags=["natt"], created_at=datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    )
    html = client_for(members["editor"]).get(GROUPS).content.decode()
    assert ">2025-03-11</time>" in html  # 00:30 in Stockholm
