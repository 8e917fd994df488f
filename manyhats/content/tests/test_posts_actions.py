"""Writing posts and the approval flow: who may do what, what is refused, what history is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from manyhats.content.media import ingest_upload
from manyhats.content.media.testing import jpeg_bytes, make_audio, upload
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Pillar, Post, PostEvent, PostMedia
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import AuditEvent, Membership

Status = Post.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def member(workspace, members):
    def get(role: str) -> Membership:
        return Membership.objects.get(workspace=workspace, user=members[role])

    return get


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


@pytest.fixture
def image(workspace, members):
    return ingest_upload(workspace, members["editor"], upload("a.jpg", jpeg_bytes(1200, 1200)))


@pytest.fixture
def post(member, accounts, image) -> Post:
    return actions.do_create_post(
        member("editor"),
        fields={"text": "Autumn blend", "hashtags": ["fika"]},
        media=[image.pk],
        targets=[TargetInput(accounts["linkedin"].pk, "image")],
    )


def _kinds(post: Post) -> list[str]:
    return list(PostEvent.objects.filter(post=post).values_list("kind", flat=True))


def test_create_records_history_and_audit(post, members):
    assert post.status == Status.DRAFT and post.revision == 1
    assert _kinds(post) == ["created"]
    assert AuditEvent.objects.filter(action="post.created", object_id=str(post.pk)).exists()
    assert post.created_by == members["editor"]


def test_roles_without_compose_cannot_write(member, accounts):
    for role in ("analyst", "guest"):
        with pytest.raises(ValidationError, match="role does not allow"):
            actions.do_create_post(member(role), fields={"text": "x"})


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("foreign", "not connected to this workspace"),
        ("twice", "chosen twice"),
        ("format", "cannot publish"),
    ],
)
def test_targets_are_checked(member, accounts, other_workspace, target, message):
    foreign = four_accounts(other_workspace)["linkedin"]
    given = {
        "foreign": [TargetInput(foreign.pk, "image")],
        "twice": [TargetInput(accounts["linkedin"].pk, "image")] * 2,
        "format": [TargetInput(accounts["instagram"].pk, "document")],
    }[target]
    with pytest.raises(ValidationError, match=message):
        actions.do_create_post(member("editor"), fields={"text": "x"}, targets=given)
    assert not Post.objects.exists()  # nothing half-written


def test_media_must_be_postable_and_from_this_workspace(
    member, workspace, other_workspace, outsider, tmp_path
):
    foreign = ingest_upload(other_workspace, outsider, upload("f.jpg", jpeg_bytes(300, 300)))
    with pytest.raises(ValidationError, match="not in this workspace"):
        actions.do_create_post(member("editor"), media=[foreign.pk])
    sound = ingest_upload(
        workspace,
        member("editor").user,
        upload("s.mp3", make_audio(tmp_path / "s.mp3").read_bytes()),
    )
    with pytest.raises(ValidationError, match="cannot be posted"):
        actions.do_create_post(member("editor"), media=[sound.pk])


def test_related_objects_must_belong_to_the_workspace(member, other_workspace):
    pillar = Pillar.objects.create(workspace=other_workspace, name="Theirs")
    with pytest.raises(ValidationError):
        actions.do_create_post(member("editor"), fields={"pillar": pillar.pk})


def test_hashtags_are_cleaned():
    assert actions.clean_hashtags("#Fika, kaffe #fika  ##Kanelbulle") == [
        "Fika",
        "kaffe",
        "Kanelbulle",
    ]
    assert actions.clean_hashtags(["#a", " b ", "", "#"]) == ["a", "b"]
    with pytest.raises(ValidationError, match="at most"):
        actions.clean_hashtags([f"t{i}" for i in range(61)])


def test_unchanged_save_keeps_the_revision(member, post):
    same = actions.do_update_post(member("editor"), post, fields={"text": "Autumn blend"})
    assert same.revision == 1
    changed = actions.do_update_post(member("editor"), post, fields={"text": "Autumn blend!"})
    assert changed.revision == 2
    assert _kinds(post) == ["created", "edited"]


def test_approval_flow_with_history(workspace, member, post):
    workspace.requires_approval = True
    workspace.save()
    post = Post.objects.get(pk=post.pk)
    assert not actions.can_schedule(post)
    with pytest.raises(ValidationError, match="role does not allow"):
        actions.do_approve(member("editor"), post)
    post = actions.do_submit(member("editor"), post, comment="Ready?")
    assert post.status == Status.IN_REVIEW
    with pytest.raises(ValidationError, match="Say what to change"):
        actions.do_reject(member("manager"), post, comment="  ")
    post = actions.do_reject(member("manager"), post, comment="Warmer tone, please")
    assert post.status == Status.CHANGES_REQUESTED
    post = actions.do_update_post(member("editor"), post, fields={"text": "Cosy autumn blend"})
    post = actions.do_submit(member("editor"), post)
    post = actions.do_approve(member("manager"), post, comment="Lovely")
    assert post.is_approved and post.approved_revision == post.revision
    assert post.approved_by == member("manager").user
    assert actions.can_schedule(post)
    events = list(PostEvent.objects.filter(post=post).values_list("kind", "comment"))
    assert events == [
        ("created", ""),
        ("submitted", "Ready?"),
        ("rejected", "Warmer tone, please"),
        ("edited", ""),
        ("submitted", ""),
        ("approved", "Lovely"),
    ]


def test_editing_an_approved_post_withdraws_the_approval(workspace, member, post):
    workspace.requires_approval = True
    workspace.save()
    post = actions.do_approve(member("manager"), post)  # a manager may approve a draft directly
    post = actions.do_update_post(member("editor"), post, fields={"hashtags": ["fika", "höst"]})
    assert post.status == Status.DRAFT and not post.is_approved
    assert post.approved_revision is None
    assert _kinds(post)[-1] == "approval_withdrawn"
    assert not actions.can_schedule(post)


def test_media_order_change_also_withdraws_approval(workspace, member, accounts, image, members):
    second = ingest_upload(workspace, members["editor"], upload("b.jpg", jpeg_bytes(1200, 1201)))
    post = actions.do_create_post(
        member("editor"),
        media=[image.pk, second.pk],
        targets=[TargetInput(accounts["linkedin"].pk, "multi_image")],
    )
    post = actions.do_approve(member("manager"), post)
    post = actions.do_update_post(member("editor"), post, media=[second.pk, image.pk])
    assert post.status == Status.DRAFT
    assert list(post.media_items.values_list("asset_id", flat=True)) == [second.pk, image.pk]


def test_nothing_a_platform_would_reject_can_be_submitted_or_approved(member, accounts, image):
    post = actions.do_create_post(
        member("editor"),
        fields={"text": "x" * 2_300},
        media=[image.pk],
        targets=[TargetInput(accounts["instagram"].pk, "image")],
    )
    with pytest.raises(ValidationError, match=r"Shorten the caption by 100 characters"):
        actions.do_submit(member("editor"), post)
    with pytest.raises(ValidationError, match=r"acme\.se"):
        actions.do_approve(member("manager"), post)
    empty = actions.do_create_post(member("editor"), fields={"text": "no targets"})
    with pytest.raises(ValidationError, match="at least one account"):
        actions.do_submit(member("editor"), empty)
    assert Post.objects.get(pk=post.pk).status == Status.DRAFT


def test_without_required_approval_drafts_can_be_scheduled(member, post):
    assert actions.can_schedule(post)
    idea = actions.do_create_post(member("editor"), fields={"title": "Maybe"}, status=Status.IDEA)
    assert not actions.can_schedule(idea)


def test_duplicate_and_template_copy_targets_and_own_media(
    member, accounts, image, members, workspace
):
    second = ingest_upload(workspace, members["editor"], upload("b.jpg", jpeg_bytes(800, 1000)))
    post = actions.do_create_post(
        member("editor"),
        fields={"title": "Launch", "text": "Hello"},
        media=[image.pk],
        targets=[
            TargetInput(accounts["linkedin"].pk, "image"),
            TargetInput(accounts["instagram"].pk, "image", media=[second.pk], text_override="IG"),
        ],
    )
    post = actions.do_approve(member("manager"), post)
    copy = actions.do_duplicate(member("editor"), post)
    assert copy.pk != post.pk and copy.status == Status.DRAFT and copy.approved_revision is None
    assert copy.title == "Copy of Launch"
    ig = copy.targets.get(account=accounts["instagram"])
    assert ig.text_override == "IG" and ig.own_media
    assert list(ig.media_items.values_list("asset_id", flat=True)) == [second.pk]
    assert list(
        copy.media_items.filter(target__isnull=True).values_list("asset_id", flat=True)
    ) == [image.pk]
    template = actions.do_duplicate(member("editor"), post, as_template=True)
    assert template.is_template and template.title == "Launch"
    with pytest.raises(ValidationError, match="Templates"):
        actions.do_submit(member("editor"), template)
    assert image.usage_count() == 3  # the post, its copy and the template


def test_a_copy_is_a_new_post_off_the_calendar(member, post):
    from django.utils import timezone

    Post.objects.filter(pk=post.pk).update(
        planned_at=timezone.now(), imported_from="hootsuite_csv", evergreen_days=30
    )
    post.refresh_from_db()
    copy = actions.do_duplicate(member("editor"), post)
    assert copy.planned_at is None and copy.imported_from == "" and copy.evergreen_of is None
    assert copy.evergreen_days == 30  # the evergreen rule is content, and is kept


def test_approved_posts_are_deleted_only_by_approvers(member, post):
    post = actions.do_approve(member("manager"), post)
    with pytest.raises(ValidationError, match="approve"):
        actions.do_delete_post(member("editor"), post)
    actions.do_delete_post(member("manager"), post)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert AuditEvent.objects.filter(action="post.deleted").exists()


def test_used_media_cannot_be_deleted_from_under_a_post(post, image):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        image.delete()
    assert PostMedia.objects.filter(asset=image).exists()


def test_comments(member, post):
    with pytest.raises(ValidationError):
        actions.do_comment(member("editor"), post, comment="   ")
    event = actions.do_comment(member("manager"), post, comment="Nice photo")
    assert event.kind == "commented" and event.actor_label == "manager@acme.test"
