from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.media import ingest_upload
from manyhats.content.posts import actions, compose
from manyhats.content.posts.models import CallToAction
from manyhats.content.posts.testing import four_accounts
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership


def test_smoke(workspace, members):
    accounts = four_accounts(workspace)
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    img = ingest_upload(workspace, members["editor"], upload("a.jpg", jpeg_bytes(1600, 1200)))
    cta = CallToAction.objects.create(workspace=workspace, label="Läs mer")
    post = actions.do_create_post(
        editor,
        fields={"text": "Hello world", "link": "https://example.com/x?a=1", "cta": cta.pk, "hashtags": "#fika kaffe"},
        media=[img.pk],
        targets=[
            actions.TargetInput(accounts["instagram"].pk, "image"),
            actions.TargetInput(accounts["linkedin"].pk, "image"),
        ],
    )
    targets = list(post.targets.all())
    print(compose.final_text(targets[0]))
    print(compose.final_text(targets[1]))
    print([p.code for p in compose.target_problems(targets[0])])
    run_tasks()
    planned = compose.planned_media(targets[0])
    assert planned[0].ready, planned
    print(compose.publish_request(targets[0]))
