"""The Compose room's web pages: the list, the composer, the live checks and approvals."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.content.media import ingest_upload
from manyhats.content.media.models import MediaAsset
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post, PostEvent
from manyhats.content.posts.testing import four_accounts
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Membership

pytestmark = pytest.mark.django_db

Status = Post.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accounts(workspace) -> dict[str, ConnectedAccount]:
    return four_accounts(workspace)


@pytest.fixture
def images(workspace, members) -> list[MediaAsset]:
    return [
        ingest_upload(
            workspace,
            members["editor"],
            upload(f"photo{i}.jpg", jpeg_bytes(1080 + i * 8, 1350)),
            alt_text=f"Photo {i}",
        )
        for i in range(3)
    ]


def membership(workspace, user) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def make_post(workspace, user, *, targets=(), **fields) -> Post:
    return actions.do_create_post(
        membership(workspace, user), fields={"text": "Hello", **fields}, targets=list(targets)
    )


def url(name: str, *args) -> str:
    return reverse(name, args=["acme", *args])


def section(html: str, platform: str) -> str:
    """The checks of one platform's target in a checks response."""
    match = re.search(
        rf'<section class="check-target" data-platform="{platform}".*?</section>', html, re.S
    )
    assert match, f"no checks for {platform}"
    return match.group(0)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------- the list


def test_the_list_shows_each_post_under_its_status(workspace, members):
    editor = members["editor"]
    titles = {
        Status.IDEA: "An idea about fika",
        Status.DRAFT: "A draft about buns",
        Status.IN_REVIEW: "Waiting post",
        Status.CHANGES_REQUESTED: "Post to change",
        Status.APPROVED: "Approved post",
    }
    for status, title in titles.items():
        post = make_post(workspace, editor, title=title)
        Post.objects.filter(pk=post.pk).update(status=status)
    template = make_post(workspace, editor, title="Weekly template", is_template=True)
    client = client_for(members["guest"])
    tabs = {
        "ideas": Status.IDEA,
        "drafts": Status.DRAFT,
        "review": Status.IN_REVIEW,
        "changes": Status.CHANGES_REQUESTED,
        "approved": Status.APPROVED,
    }
    for tab, status in tabs.items():
        html = client.get(url("compose"), {"tab": tab}).content.decode()
        shown = [t for t in titles.values() if t in html]
        assert shown == [titles[status]], tab
        assert template.title not in html
    html = client.get(url("compose"), {"tab": "templates"}).content.decode()
    assert "Weekly template" in html and "An idea about fika" not in html
    everything = client.get(url("compose")).content.decode()
    assert all(t in everything for t in titles.values())
    assert "Weekly template" not in everything
    # A guest reads the list but is offered nothing to write.
    assert url("compose_new") not in everything


def test_the_list_searches_titles_and_text_and_shows_accounts_and_author(
    workspace, members, accounts
):
    editor = members["editor"]
    make_post(
        workspace,
        editor,
        title="Cinnamon day",
        text="Bake buns on 4 October",
        targets=[TargetInput(accounts["linkedin"].pk, "text")],
    )
    make_post(workspace, editor, title="Summer menu", text="Cold brew")
    client = client_for(members["editor"])
    html = client.get(url("compose"), {"q": "october"}).content.decode()
    assert "Cinnamon day" in html and "Summer menu" not in html
    assert "Acme AB" in html  # the LinkedIn account
    assert "Editor" in html  # the author
    assert url("compose_new") in html  # an editor may write
    html = client.get(url("compose"), {"q": "brew"}).content.decode()
    assert "Summer menu" in html and "Cinnamon day" not in html
    assert "Nothing matches" in client.get(url("compose"), {"q": "zebra"}).content.decode()


def test_the_compose_room_link_opens_the_list(workspace, members):
    html = client_for(members["editor"]).get(url("compose_new")).content.decode()
    assert f'href="{url("compose")}"' in html


# --------------------------------------------------------------------------- saving


def test_an_editor_creates_a_post_for_two_accounts(workspace, members, accounts, images):
    ig, li = accounts["instagram"], accounts["linkedin"]
    client = client_for(members["editor"])
    response = client.post(
        url("compose_new"),
        {
            "title": "Cinnamon bun day",
            "text": "Fresh buns all day #fika",
            "hashtags": "#kanelbulle, stockholm",
            "link": "https://example.com/buns",
            "media": [images[2].pk, images[0].pk, images[1].pk],
            "accounts": [ig.pk, li.pk],
            f"t{ig.pk}-format": "carousel",
            f"t{ig.pk}-crop": "square_1x1",
            f"t{ig.pk}-hashtags_in_first_comment": "1",
            f"t{li.pk}-format": "multi_image",
            f"t{li.pk}-custom_text": "1",
            f"t{li.pk}-text": "Fresh buns for the whole office",
        },
    )
    post = Post.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == url("compose_post", post.uuid)
    assert post.title == "Cinnamon bun day"
    assert post.status == Status.DRAFT and post.created_by == members["editor"]
    assert post.hashtags == ["kanelbulle", "stockholm"]
    shared = post.media_items.filter(target__isnull=True).order_by("position")
    assert [m.asset_id for m in shared] == [images[2].pk, images[0].pk, images[1].pk]
    targets = {t.account.platform: t for t in post.targets.select_related("account")}
    assert set(targets) == {"instagram", "linkedin"}
    assert targets["instagram"].format == "carousel"
    assert targets["instagram"].options == {"crop": "square_1x1", "hashtags_in_first_comment": True}
    assert targets["instagram"].text_override is None
    assert targets["linkedin"].format == "multi_image"
    assert targets["linkedin"].text_override == "Fresh buns for the whole office"

    page = client.get(response["Location"]).content.decode()
    assert "Saved." in page
    assert "Fresh buns for the whole office" in page
    assert 'value="carousel" selected' in page


def test_a_new_idea_is_saved_as_an_idea(workspace, members):
    client = client_for(members["editor"])
    page = client.get(url("compose_new"), {"status": "idea"}).content.decode()
    assert 'name="status" value="idea"' in page
    client.post(url("compose_new"), {"status": "idea", "title": "Someday: a bakery tour"})
    assert Post.objects.get().status == Status.IDEA


def test_a_tiktok_target_keeps_the_privacy_chosen_and_interactions_off_by_default(
    workspace, members, accounts
):
    tt = accounts["tiktok"]
    client_for(members["editor"]).post(
        url("compose_new"),
        {
            "text": "Behind the counter",
            "accounts": [tt.pk],
            f"t{tt.pk}-format": "video",
            f"t{tt.pk}-privacy_level": "MUTUAL_FOLLOW_FRIENDS",
            f"t{tt.pk}-allow_comment": "1",
        },
    )
    target = Post.objects.get().targets.get()
    assert target.options["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"
    assert target.options["disable_comment"] is False
    assert target.options["disable_duet"] is True and target.options["disable_stitch"] is True


def test_invalid_fields_are_shown_next_to_them_and_nothing_is_saved(
    workspace, members, accounts, other_workspace, outsider
):
    client = client_for(members["editor"])
    response = client.post(url("compose_new"), {"text": "Hi", "link": "http://"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid URL." in html
    assert "The post was not saved" in html
    assert not Post.objects.exists()

    foreign = ingest_upload(other_workspace, outsider, upload("x.jpg", jpeg_bytes(800, 800)))
    response = client.post(
        url("compose_new"),
        {"text": "Hi", "media": [foreign.pk], "accounts": [accounts["linkedin"].pk]},
    )
    assert response.status_code == 200
    assert "is not in this workspace&#x27;s library" in response.content.decode()
    assert not Post.objects.exists()


def test_editing_an_approved_post_withdraws_its_approval_and_says_so(workspace, members, accounts):
    post = make_post(
        workspace, members["editor"], targets=[TargetInput(accounts["linkedin"].pk, "text")]
    )
    actions.do_approve(membership(workspace, members["manager"]), post)
    client = client_for(members["editor"])
    page = client.get(url("compose_post", post.uuid)).content.decode()
    assert "Saving any change to the post withdraws its approval." in page
    response = client.post(
        url("compose_post", post.uuid),
        {
            "text": "Hello again",
            "accounts": [accounts["linkedin"].pk],
            f"t{accounts['linkedin'].pk}-format": "text",
        },
        follow=True,
    )
    post.refresh_from_db()
    assert post.status == Status.DRAFT and post.approved_revision is None
    html = response.content.decode()
    assert "The changes withdrew the post" in html
    assert "its approval was withdrawn" in html
    assert PostEvent.objects.filter(post=post, kind=PostEvent.Kind.APPROVAL_WITHDRAWN).exists()
    # A comment afterwards does not hide it; submitting again does.
    client.post(url("compose_comment", post.uuid), {"comment": "Fixed the typo"})
    assert (
        "its approval was withdrawn" in client.get(url("compose_post", post.uuid)).content.decode()
    )


# --------------------------------------------------------------------------- live checks


def test_the_checks_count_for_linkedin_and_refuse_a_long_instagram_caption_and_missing_privacy(
    workspace, members, accounts, images
):
    ig, li, tt = accounts["instagram"], accounts["linkedin"], accounts["tiktok"]
    response = client_for(members["editor"]).post(
        url("compose_check_new"),
        {
            "text": "x" * 2300,
            "media": [images[0].pk],
            "accounts": [ig.pk, li.pk, tt.pk],
            f"t{ig.pk}-format": "image",
            f"t{li.pk}-format": "image",
            f"t{tt.pk}-format": "photo_post",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    linkedin = text_of(section(html, "linkedin"))
    assert "Characters 2,300 / 3,000" in linkedin
    instagram = text_of(section(html, "instagram"))
    assert "Shorten the caption by 100 characters (2,300 of 2,200)." in instagram
    assert "Error" in instagram
    tiktok = text_of(section(html, "tiktok"))
    assert "Choose who can see this TikTok post" in tiktok
    assert 'data-blocking="2"' in html
    assert 'id="compose-previews" hx-swap-oob="innerHTML"' in html
    # Checked in a transaction that was rolled back: nothing is saved.
    assert not Post.objects.exists()


def test_the_checks_show_a_plain_preview_when_the_preview_fails(
    workspace, members, accounts, monkeypatch
):
    def broken(target, request):
        raise RuntimeError("preview bug")

    monkeypatch.setattr("manyhats.content.views.compose.build_preview", broken)
    li = accounts["linkedin"]
    response = client_for(members["editor"]).post(
        url("compose_check_new"),
        {"text": "Still shown", "accounts": [li.pk], f"t{li.pk}-format": "text"},
    )
    html = response.content.decode()
    assert 'class="preview-fallback"' in html and "Still shown" in html
    assert "Characters 11 / 3,000" in text_of(section(html, "linkedin"))


def test_checking_a_saved_post_changes_nothing(workspace, members, accounts):
    li = accounts["linkedin"]
    post = make_post(workspace, members["editor"], targets=[TargetInput(li.pk, "text")])
    response = client_for(members["editor"]).post(
        url("compose_check", post.uuid),
        {"text": "Edited " * 10, "accounts": [li.pk], f"t{li.pk}-format": "text"},
    )
    assert "Characters 69 / 3,000" in text_of(section(response.content.decode(), "linkedin"))
    post.refresh_from_db()
    assert post.text == "Hello" and post.revision == 1
    assert post.events.count() == 1


def test_the_checks_need_compose_rights(workspace, members):
    assert client_for(members["analyst"]).post(url("compose_check_new"), {}).status_code == 403


# --------------------------------------------------------------------------- approvals


def test_submit_approve_and_ask_for_changes(workspace, members, accounts):
    workspace.requires_approval = True
    workspace.save()
    li = accounts["linkedin"]
    post = make_post(workspace, members["editor"], targets=[TargetInput(li.pk, "text")])
    editor, manager = client_for(members["editor"]), client_for(members["manager"])

    page = editor.get(url("compose_post", post.uuid)).content.decode()
    assert "Submit for approval" in page and url("compose_approve", post.uuid) not in page
    editor.post(url("compose_submit", post.uuid), {"comment": "Ready for Friday"})
    post.refresh_from_db()
    assert post.status == Status.IN_REVIEW

    # An editor cannot approve.
    assert editor.post(url("compose_approve", post.uuid)).status_code == 403
    assert editor.post(url("compose_reject", post.uuid), {"comment": "x"}).status_code == 403

    page = manager.get(url("compose_post", post.uuid)).content.decode()
    assert "Ask for changes" in page and "Ready for Friday" in page
    # Asking for changes needs a comment.
    response = manager.post(url("compose_reject", post.uuid), {"comment": " "}, follow=True)
    assert "Say what to change" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Status.IN_REVIEW
    manager.post(url("compose_reject", post.uuid), {"comment": "Add the opening hours"})
    post.refresh_from_db()
    assert post.status == Status.CHANGES_REQUESTED

    page = editor.get(url("compose_post", post.uuid)).content.decode()
    assert "Add the opening hours" in page and "asked for changes" in page
    editor.post(url("compose_submit", post.uuid))
    response = manager.post(url("compose_approve", post.uuid), {"comment": "Lovely"}, follow=True)
    post.refresh_from_db()
    assert post.status == Status.APPROVED and post.approved_by == members["manager"]
    html = response.content.decode()
    assert "Approved." in html and "Lovely" in html


def test_a_post_with_errors_cannot_be_submitted(workspace, members, accounts):
    workspace.requires_approval = True
    workspace.save()
    ig = accounts["instagram"]
    post = make_post(workspace, members["editor"], targets=[TargetInput(ig.pk, "image")])
    response = client_for(members["editor"]).post(url("compose_submit", post.uuid), follow=True)
    post.refresh_from_db()
    assert post.status == Status.DRAFT
    assert "acme.se: " in response.content.decode()


def test_without_required_approval_the_page_says_so_and_managers_may_still_approve(
    workspace, members, accounts
):
    post = make_post(
        workspace, members["editor"], targets=[TargetInput(accounts["linkedin"].pk, "text")]
    )
    editor_page = client_for(members["editor"]).get(url("compose_post", post.uuid)).content
    assert b"need no approval" in editor_page and b"Submit for approval" not in editor_page
    manager_page = client_for(members["manager"]).get(url("compose_post", post.uuid)).content
    assert url("compose_approve", post.uuid).encode() in manager_page


def test_comments_go_into_the_history(workspace, members):
    post = make_post(workspace, members["editor"])
    client = client_for(members["editor"])
    client.post(url("compose_comment", post.uuid), {"comment": "Use the autumn photo?"})
    page = client.get(url("compose_post", post.uuid)).content.decode()
    assert "Use the autumn photo?" in page and "commented" in page
    response = client.post(url("compose_comment", post.uuid), {"comment": ""}, follow=True)
    assert "Write a comment first." in response.content.decode()


# --------------------------------------------------------------------------- other actions


def test_duplicate_save_as_template_and_start_from_it(workspace, members, accounts):
    li = accounts["linkedin"]
    post = make_post(
        workspace, members["editor"], title="Fika Friday", targets=[TargetInput(li.pk, "text")]
    )
    client = client_for(members["editor"])
    response = client.post(url("compose_duplicate", post.uuid))
    copy = Post.objects.exclude(pk=post.pk).get()
    assert response["Location"] == url("compose_post", copy.uuid)
    assert copy.title == "Copy of Fika Friday" and not copy.is_template

    client.post(url("compose_save_template", post.uuid))
    template = Post.objects.get(is_template=True)
    assert template.title == "Fika Friday" and template.targets.count() == 1
    listed = client.get(url("compose"), {"tab": "templates"}).content.decode()
    assert url("compose_use_template", template.uuid) in listed

    response = client.post(url("compose_use_template", template.uuid))
    started = Post.objects.filter(is_template=False).order_by("-id").first()
    assert started is not None and started.pk not in (post.pk, copy.pk)
    assert response["Location"] == url("compose_post", started.uuid)
    assert started.status == Status.DRAFT and started.title == "Fika Friday"


def test_delete_asks_first_and_an_editor_cannot_delete_an_approved_post(
    workspace, members, accounts
):
    post = make_post(workspace, members["editor"], title="Old news")
    client = client_for(members["editor"])
    page = client.get(url("compose_delete", post.uuid)).content.decode()
    assert "Delete “Old news”?" in page
    assert Post.objects.filter(pk=post.pk).exists()
    response = client.post(url("compose_delete", post.uuid))
    assert response["Location"] == url("compose")
    assert not Post.objects.filter(pk=post.pk).exists()

    approved = make_post(
        workspace, members["editor"], targets=[TargetInput(accounts["linkedin"].pk, "text")]
    )
    actions.do_approve(membership(workspace, members["manager"]), approved)
    response = client.post(url("compose_delete", approved.uuid), follow=True)
    assert Post.objects.filter(pk=approved.pk).exists()
    assert "Only someone who may approve posts" in response.content.decode()


# --------------------------------------------------------------------------- reading only


def test_members_without_compose_rights_read_the_post_but_cannot_change_it(workspace, members):
    post = make_post(workspace, members["editor"], title="Read me")
    guest = client_for(members["guest"])
    page = guest.get(url("compose_post", post.uuid)).content.decode()
    assert "Read me" in page
    assert "read this post but not change it" in page
    assert "Save changes" not in page and 'fieldset class="bare" disabled' in page
    assert guest.post(url("compose_post", post.uuid), {"title": "Changed"}).status_code == 403
    assert guest.get(url("compose_new"))["Location"] == url("compose")
    post.refresh_from_db()
    assert post.title == "Read me"


def test_other_workspaces_posts_are_not_found(workspace, members, other_workspace, outsider):
    foreign = make_post(other_workspace, outsider)
    assert client_for(members["owner"]).get(url("compose_post", foreign.uuid)).status_code == 404


# --------------------------------------------------------------------------- TikTok limits


def test_stale_tiktok_limits_are_read_again_when_the_composer_opens(
    workspace, members, accounts, monkeypatch
):
    tt = accounts["tiktok"]
    post = make_post(
        workspace,
        members["editor"],
        targets=[TargetInput(tt.pk, "video", options={"privacy_level": "SELF_ONLY"})],
    )
    refreshed: list[int] = []

    def fake_refresh(account):
        refreshed.append(account.pk)
        raise RuntimeError("TikTok is down")

    monkeypatch.setattr("manyhats.platforms.actions.refresh_limits_quietly", fake_refresh)
    client = client_for(members["editor"])
    assert client.get(url("compose_post", post.uuid)).status_code == 200
    assert refreshed == []  # fetched just now by four_accounts
    ConnectedAccount.objects.filter(pk=tt.pk).update(
        limits_fetched_at=timezone.now() - timedelta(minutes=11)
    )
    response = client.get(url("compose_post", post.uuid))
    assert response.status_code == 200  # a failing refresh does not break the page
    assert refreshed == [tt.pk]
    html = response.content.decode()
    # The privacy levels are the account's, with the saved one chosen.
    assert '<option value="SELF_ONLY" selected>Only me</option>' in html
    assert "FOLLOWER_OF_CREATOR" not in html


def test_a_new_tiktok_target_offers_the_accounts_privacy_levels_with_none_chosen(
    workspace, members, accounts
):
    tt = accounts["tiktok"]
    ConnectedAccount.objects.filter(pk=tt.pk).update(limits={**tt.limits, "disabled": ["duet"]})
    html = client_for(members["editor"]).get(url("compose_new")).content.decode()
    privacy = re.search(rf'<select id="t{tt.pk}-privacy".*?</select>', html, re.S)
    assert privacy
    options = re.findall(r'<option value="([^"]*)"( selected)?>', privacy.group(0))
    assert options == [
        ("", " selected"),
        ("PUBLIC_TO_EVERYONE", ""),
        ("MUTUAL_FOLLOW_FRIENDS", ""),
        ("SELF_ONLY", ""),
    ]
    assert re.search(rf'name="t{tt.pk}-allow_duet" value="1" disabled', html)
    assert "Turned off in this creator's TikTok settings" in html


def test_the_composer_page_may_show_the_accounts_avatars(workspace, members):
    four_accounts(
        workspace, instagram={"avatar_url": "https://scontent.cdninstagram.example/p/a.jpg"}
    )
    response = client_for(members["editor"]).get(reverse("compose_new", args=["acme"]))
    assert response.status_code == 200
    img_src = next(d for d in response["Content-Security-Policy"].split(";") if "img-src" in d)
    assert "https://scontent.cdninstagram.example" in img_src
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
