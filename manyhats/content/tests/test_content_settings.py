"""Settings > Composer (calls to action, best-practice checks, UTM) and Settings > Strategy
(pillars, personas, campaigns): who may see and change them, validation, and effects."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from conftest import client_for
from manyhats.content.posts import actions, compose, strategy_actions
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    ComposerSettings,
    Persona,
    Pillar,
    Post,
)
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import AuditEvent, Membership

pytestmark = pytest.mark.django_db

COMPOSER = "/w/acme/settings/composer/"
STRATEGY = "/w/acme/settings/strategy/"
ALL_CHECKS = [
    "no_cta",
    "too_many_hashtags",
    "link_not_clickable",
    "video_without_subtitles",
    "image_without_alt_text",
    "text_cut_at_fold",
]


def membership(workspace, user) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def labels(workspace) -> list[str]:
    return list(
        CallToAction.objects.filter(workspace=workspace)
        .order_by("position", "id")
        .values_list("label", flat=True)
    )


def settings_body(**overrides):
    body = {
        "checks": ALL_CHECKS,
        "hashtag_warning_above": "5",
        "add_utm": "on",
        "utm_medium": "social",
    }
    body.update(overrides)
    return body


# Composer settings page --------------------------------------------------------------------


def test_every_member_reads_the_composer_settings_and_only_admins_change_them(workspace, members):
    page = client_for(members["guest"]).get(COMPOSER)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Only owners and admins can change these settings." in html
    assert "Learn more" in html  # the default calls to action, made on first use
    assert 'name="utm_medium"' not in html
    assert 'aria-current="page">Composer' in html

    refused = client_for(members["manager"]).post(COMPOSER, settings_body(utm_medium="paid"))
    assert refused.status_code == 403
    assert ComposerSettings.of(workspace).utm_medium == "social"

    body = settings_body(
        checks=[c for c in ALL_CHECKS if c != "no_cta"],
        hashtag_warning_above="3",
        utm_medium="organic",
    )
    del body["add_utm"]
    saved = client_for(members["admin"]).post(COMPOSER, body)
    assert saved.status_code == 302
    found = ComposerSettings.of(workspace)
    assert found.disabled_checks == ["no_cta"]
    assert (found.hashtag_warning_above, found.add_utm, found.utm_medium) == (3, False, "organic")
    event = AuditEvent.objects.get(workspace=workspace, action="composer.updated")
    assert event.before == {
        "disabled_checks": [],
        "hashtag_warning_above": 5,
        "add_utm": True,
        "utm_medium": "social",
    }
    assert event.after == {
        "disabled_checks": ["no_cta"],
        "hashtag_warning_above": 3,
        "add_utm": False,
        "utm_medium": "organic",
    }


@pytest.mark.parametrize("medium", ["social media", "sociål", "a/b", "", "x" * 41])
def test_a_bad_utm_medium_is_refused(workspace, members, medium):
    response = client_for(members["owner"]).post(COMPOSER, settings_body(utm_medium=medium))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert ComposerSettings.of(workspace).utm_medium == "social"


def test_a_utm_medium_of_letters_digits_and_dashes_is_kept(workspace, members):
    response = client_for(members["owner"]).post(
        COMPOSER, settings_body(utm_medium="Paid_Social-2.0")
    )
    assert response.status_code == 302
    assert ComposerSettings.of(workspace).utm_medium == "Paid_Social-2.0"


def test_an_unknown_check_is_refused_by_the_action(workspace, members):
    with pytest.raises(ValidationError) as caught:
        strategy_actions.do_update_composer_settings(
            membership(workspace, members["owner"]),
            disabled_checks=["no_such_check"],
            hashtag_warning_above=5,
            add_utm=True,
            utm_medium="social",
        )
    assert "disabled_checks" in caught.value.message_dict


def test_checks_turned_off_are_not_reported_by_target_problems(workspace, members):
    accounts = four_accounts(workspace)
    editor = membership(workspace, members["editor"])
    post = actions.do_create_post(
        editor,
        fields={"text": "Our new opening hours.", "hashtags": "#fika #kaffe #bulle #stockholm"},
        targets=[actions.TargetInput(accounts["linkedin"].pk, "text")],
    )
    target = post.targets.get()
    codes = {p.code for p in compose.target_problems(target)}
    assert "no_cta" in codes
    assert "too_many_hashtags" not in codes  # 4 hashtags, the default limit is 5

    owner = client_for(members["owner"])
    body = settings_body(checks=[c for c in ALL_CHECKS if c != "no_cta"], hashtag_warning_above="3")
    assert owner.post(COMPOSER, body).status_code == 302
    codes = {p.code for p in compose.target_problems(post.targets.get())}
    assert "no_cta" not in codes
    assert "too_many_hashtags" in codes

    body = settings_body(
        checks=[c for c in ALL_CHECKS if c not in ("no_cta", "too_many_hashtags")],
        hashtag_warning_above="3",
    )
    assert owner.post(COMPOSER, body).status_code == 302
    codes = {p.code for p in compose.target_problems(post.targets.get())}
    assert not codes & {"no_cta", "too_many_hashtags"}


def test_utm_tagging_follows_the_settings(workspace, members):
    accounts = four_accounts(workspace)
    post = actions.do_create_post(
        membership(workspace, members["editor"]),
        fields={"text": "Read it", "link": "https://example.com/a"},
        targets=[actions.TargetInput(accounts["linkedin"].pk, "link")],
    )
    owner = client_for(members["owner"])
    owner.post(COMPOSER, settings_body(utm_medium="organic"))
    assert "utm_medium=organic" in compose.tagged_link(post.targets.get())
    body = settings_body()
    del body["add_utm"]
    owner.post(COMPOSER, body)
    assert compose.tagged_link(post.targets.get()) == "https://example.com/a"


# Calls to action -----------------------------------------------------------------------------


def test_a_call_to_action_is_added_at_the_end(workspace, members):
    ComposerSettings.of(workspace)
    response = client_for(members["owner"]).post(COMPOSER + "ctas/", {"label": "  Book a  table "})
    assert response.status_code == 302
    assert labels(workspace)[-1] == "Book a table"
    assert AuditEvent.objects.filter(action="cta.created", object_repr="Book a table").exists()


def test_a_duplicate_call_to_action_label_is_refused(workspace, members):
    ComposerSettings.of(workspace)
    before = labels(workspace)
    owner = client_for(members["owner"])
    response = owner.post(COMPOSER + "ctas/", {"label": "learn MORE"})
    assert response.status_code == 400
    assert "There is already a call to action “learn MORE”." in response.content.decode()
    assert labels(workspace) == before

    other = CallToAction.objects.get(workspace=workspace, label="Book now")
    response = owner.post(f"{COMPOSER}ctas/{other.pk}/", {"label": "Learn more"})
    assert response.status_code == 400
    assert labels(workspace) == before


def test_with_htmx_a_refused_label_answers_with_the_list_and_the_error(workspace, members):
    ComposerSettings.of(workspace)
    owner = client_for(members["owner"])
    cta = CallToAction.objects.get(workspace=workspace, label="Shop now")
    response = owner.post(
        f"{COMPOSER}ctas/{cta.pk}/", {"label": "Sign up"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="ctas"')
    assert f'id="cta-{cta.pk}-label" value="Sign up"' in html
    assert f'aria-describedby="cta-{cta.pk}-error"' in html
    assert 'id="cta-status" hx-swap-oob="innerHTML"' in html
    assert "<html" not in html
    assert CallToAction.objects.get(pk=cta.pk).label == "Shop now"


def test_a_call_to_action_is_renamed(workspace, members):
    ComposerSettings.of(workspace)
    cta = CallToAction.objects.get(workspace=workspace, label="Shop now")
    response = client_for(members["admin"]).post(f"{COMPOSER}ctas/{cta.pk}/", {"label": "Köp nu"})
    assert response.status_code == 302
    assert CallToAction.objects.get(pk=cta.pk).label == "Köp nu"
    event = AuditEvent.objects.get(action="cta.updated")
    assert (event.before, event.after) == ({"label": "Shop now"}, {"label": "Köp nu"})


def test_calls_to_action_move_up_and_down(workspace, members):
    ComposerSettings.of(workspace)
    assert labels(workspace) == ["Learn more", "Book now", "Shop now", "Sign up", "Comment below"]
    owner = client_for(members["owner"])
    book = CallToAction.objects.get(workspace=workspace, label="Book now")
    comment = CallToAction.objects.get(workspace=workspace, label="Comment below")

    assert owner.post(f"{COMPOSER}ctas/{book.pk}/move/", {"direction": "up"}).status_code == 302
    assert labels(workspace) == ["Book now", "Learn more", "Shop now", "Sign up", "Comment below"]

    response = owner.post(
        f"{COMPOSER}ctas/{comment.pk}/move/", {"direction": "up"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Moved “Comment below” up." in response.content.decode()
    assert labels(workspace) == ["Book now", "Learn more", "Shop now", "Comment below", "Sign up"]

    # Already first: nothing moves, and the answer says so.
    response = owner.post(
        f"{COMPOSER}ctas/{book.pk}/move/", {"direction": "up"}, headers={"HX-Request": "true"}
    )
    assert "“Book now” is already first." in response.content.decode()
    assert labels(workspace) == ["Book now", "Learn more", "Shop now", "Comment below", "Sign up"]
    assert (
        owner.post(f"{COMPOSER}ctas/{book.pk}/move/", {"direction": "sideways"}).status_code == 400
    )
    assert AuditEvent.objects.filter(action="cta.moved").count() == 2

    # The composer offers them in this order (the order ComposerSettings keeps).
    page = owner.get(COMPOSER).content.decode()
    assert page.index('value="Book now"') < page.index('value="Learn more"')


def test_deleting_a_call_to_action_keeps_its_posts(workspace, members):
    ComposerSettings.of(workspace)
    cta = CallToAction.objects.get(workspace=workspace, label="Book now")
    editor = membership(workspace, members["editor"])
    posts = [
        actions.do_create_post(editor, fields={"text": f"Post {i}", "cta": cta.pk})
        for i in range(2)
    ]
    owner = client_for(members["owner"])
    confirm = owner.get(f"{COMPOSER}ctas/{cta.pk}/delete/")
    assert confirm.status_code == 200
    assert "2 posts use it; they keep their content and lose only the call to action." in (
        confirm.content.decode()
    )
    assert CallToAction.objects.filter(pk=cta.pk).exists()

    assert client_for(members["editor"]).post(f"{COMPOSER}ctas/{cta.pk}/delete/").status_code == 403
    done = owner.post(f"{COMPOSER}ctas/{cta.pk}/delete/", follow=True)
    assert "2 posts no longer have it." in done.content.decode()
    assert not CallToAction.objects.filter(pk=cta.pk).exists()
    for post in posts:
        post.refresh_from_db()
        assert post.cta is None and post.text.startswith("Post")
    assert AuditEvent.objects.get(action="cta.deleted").before == {"label": "Book now", "posts": 2}


def test_another_workspaces_call_to_action_is_not_found(workspace, members, other_workspace):
    theirs = CallToAction.objects.create(workspace=other_workspace, label="Theirs")
    owner = client_for(members["owner"])
    assert owner.post(f"{COMPOSER}ctas/{theirs.pk}/", {"label": "Mine"}).status_code == 404
    assert owner.get(f"{COMPOSER}ctas/{theirs.pk}/delete/").status_code == 404
    assert CallToAction.objects.get(pk=theirs.pk).label == "Theirs"


# Strategy ------------------------------------------------------------------------------------


def test_the_strategy_page_is_read_only_for_members_who_cannot_manage(workspace, members):
    Pillar.objects.create(workspace=workspace, name="Tips", color="#112233")
    html = client_for(members["editor"]).get(STRATEGY).content.decode()
    assert "Tips" in html and 'fill="#112233"' in html
    assert "Only owners and admins can change the strategy." in html
    assert 'name="pillar-name"' not in html
    refused = client_for(members["manager"]).post(STRATEGY + "pillars/new/", {"pillar-name": "X"})
    assert refused.status_code == 403
    assert not Pillar.objects.filter(name="X").exists()


def test_pillars_are_added_edited_and_audited(workspace, members):
    owner = client_for(members["owner"])
    response = owner.post(
        STRATEGY + "pillars/new/",
        {
            "pillar-name": "Behind the scenes",
            "pillar-description": "How we bake",
            "pillar-color": "#AA3300",
        },
    )
    assert response.status_code == 302
    pillar = Pillar.objects.get(workspace=workspace)
    assert (pillar.name, pillar.description, pillar.color) == (
        "Behind the scenes",
        "How we bake",
        "#aa3300",
    )
    edit = owner.get(f"{STRATEGY}pillars/{pillar.pk}/")
    assert edit.status_code == 200 and 'type="color"' in edit.content.decode()
    response = owner.post(
        f"{STRATEGY}pillars/{pillar.pk}/",
        {
            "pillar-name": "Backstage",
            "pillar-description": "How we bake",
            "pillar-color": "#aa3300",
        },
    )
    assert response.status_code == 302
    assert Pillar.objects.get(pk=pillar.pk).name == "Backstage"
    event = AuditEvent.objects.get(action="pillar.updated")
    assert (event.before, event.after) == ({"name": "Behind the scenes"}, {"name": "Backstage"})
    assert AuditEvent.objects.filter(action="pillar.created").exists()


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#gggggg", ""])
def test_a_bad_pillar_colour_is_refused(workspace, members, color):
    response = client_for(members["owner"]).post(
        STRATEGY + "pillars/new/", {"pillar-name": "Tips", "pillar-color": color}
    )
    assert response.status_code == 400
    assert not Pillar.objects.filter(workspace=workspace).exists()


def test_pillar_and_persona_names_are_unique_per_workspace(workspace, members, other_workspace):
    Pillar.objects.create(workspace=workspace, name="Tips")
    Pillar.objects.create(workspace=other_workspace, name="Offers")
    Persona.objects.create(workspace=workspace, name="Tourist")
    owner = client_for(members["owner"])
    response = owner.post(
        STRATEGY + "pillars/new/", {"pillar-name": "tips", "pillar-color": "#000000"}
    )
    assert response.status_code == 400
    assert "There is already a pillar “tips”." in response.content.decode()
    ok = owner.post(STRATEGY + "pillars/new/", {"pillar-name": "Offers", "pillar-color": "#000000"})
    assert ok.status_code == 302
    response = owner.post(STRATEGY + "personas/new/", {"persona-name": "TOURIST"})
    assert response.status_code == 400
    assert Persona.objects.filter(workspace=workspace).count() == 1


def test_a_campaign_cannot_end_before_it_starts(workspace, members):
    response = client_for(members["owner"]).post(
        STRATEGY + "campaigns/new/",
        {
            "campaign-name": "Sommar",
            "campaign-starts_on": "2025-06-30",
            "campaign-ends_on": "2025-06-01",
        },
    )
    assert response.status_code == 400
    assert "The campaign cannot end before it starts." in response.content.decode()
    assert not Campaign.objects.exists()
    ok = client_for(members["owner"]).post(
        STRATEGY + "campaigns/new/",
        {
            "campaign-name": "Sommar",
            "campaign-starts_on": "2025-06-01",
            "campaign-ends_on": "2025-06-01",
        },
    )
    assert ok.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.starts_on, campaign.ends_on) == (date(2025, 6, 1), date(2025, 6, 1))


def test_a_campaigns_utm_name_is_made_from_its_name_and_unique(workspace, members):
    owner = client_for(members["owner"])
    for _ in range(2):
        response = owner.post(STRATEGY + "campaigns/new/", {"campaign-name": "Sommarrea på Åland!"})
        assert response.status_code == 302
    assert sorted(Campaign.objects.values_list("slug", flat=True)) == [
        "sommarrea-pa-aland",
        "sommarrea-pa-aland-2",
    ]
    # A UTM name given by hand must be a slug and free.
    response = owner.post(
        STRATEGY + "campaigns/new/", {"campaign-name": "Höst", "campaign-slug": "höst rea"}
    )
    assert response.status_code == 400
    assert "Use only letters without accents" in response.content.decode()
    response = owner.post(
        STRATEGY + "campaigns/new/",
        {"campaign-name": "Other", "campaign-slug": "Sommarrea-pa-aland"},
    )
    assert response.status_code == 400
    assert "Another campaign already uses the UTM name" in response.content.decode()
    response = owner.post(
        STRATEGY + "campaigns/new/", {"campaign-name": "Höst", "campaign-slug": "fall_2025"}
    )
    assert response.status_code == 302
    assert Campaign.objects.filter(slug="fall_2025", name="Höst").exists()


def test_a_campaign_is_edited_keeping_its_utm_name_unless_changed(workspace, members):
    campaign = Campaign.objects.create(workspace=workspace, name="Sommar", slug="sommar")
    owner = client_for(members["owner"])
    response = owner.post(
        f"{STRATEGY}campaigns/{campaign.pk}/",
        {"campaign-name": "Sommar 2025", "campaign-slug": "sommar"},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.slug) == ("Sommar 2025", "sommar")


def test_deleting_a_strategy_object_keeps_its_posts_and_says_how_many_lose_it(workspace, members):
    pillar = Pillar.objects.create(workspace=workspace, name="Tips")
    persona = Persona.objects.create(workspace=workspace, name="Tourist")
    campaign = Campaign.objects.create(workspace=workspace, name="Sommar", slug="sommar")
    editor = membership(workspace, members["editor"])
    for i in range(3):
        actions.do_create_post(
            editor,
            fields={
                "text": f"P{i}",
                "pillar": pillar.pk,
                "persona": persona.pk,
                "campaign": campaign.pk,
            },
        )
    owner = client_for(members["owner"])
    for kind, obj, model in (
        ("pillar", pillar, Pillar),
        ("persona", persona, Persona),
        ("campaign", campaign, Campaign),
    ):
        url = f"{STRATEGY}{kind}s/{obj.pk}/delete/"
        confirm = owner.get(url).content.decode()
        assert f"3 posts use it; they keep their content and lose only the {kind}." in confirm
        assert owner.post(url).status_code == 302
        assert not model.objects.filter(pk=obj.pk).exists()
        before = AuditEvent.objects.get(action=f"{kind}.deleted").before or {}
        assert before["posts"] == 3
    assert Post.objects.filter(workspace=workspace).count() == 3
    assert not Post.objects.filter(pillar__isnull=False).exists()
    assert not Post.objects.filter(campaign__isnull=False).exists()
    unused = Pillar.objects.create(workspace=workspace, name="Unused")
    assert (
        "No post uses it." in owner.get(f"{STRATEGY}pillars/{unused.pk}/delete/").content.decode()
    )


def test_the_strategy_page_lists_objects_with_their_post_counts(workspace, members):
    pillar = Pillar.objects.create(workspace=workspace, name="Tips", color="#336699")
    Campaign.objects.create(
        workspace=workspace,
        name="Jul",
        slug="jul",
        starts_on=date(2025, 12, 1),
        ends_on=date(2025, 12, 24),
    )
    actions.do_create_post(membership(workspace, members["editor"]), fields={"pillar": pillar.pk})
    html = client_for(members["owner"]).get(STRATEGY).content.decode()
    assert '<td class="num">1</td>' in html
    assert "<code>jul</code>" in html and "2025-12-24" in html
    assert 'aria-current="page">Strategy' in html
    assert 'data-slug-from="id_campaign-name"' in html
