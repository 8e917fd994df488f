"""The import and export pages and their API: upload, read the report, confirm, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import api_client_for, client_for
from manyhats.content.planning import imports as importer
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import AuditEvent


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def future(days: int, hour: int = 9) -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return f"{moment:%Y-%m-%d} {hour:02d}:00"


def csv_with_a_broken_row() -> bytes:
    return (
        "datetime,accounts,title,text\n"
        f"{future(5)},LinkedIn,Good one,Hello LinkedIn\n"
        f"{future(6)},Myspace,Broken,Nobody there\n"
        f"{future(7)},LinkedIn,Good two,Hello again\n"
    ).encode()


def upload(client, slug: str, data: bytes, **fields):
    values = {
        "file": SimpleUploadedFile("plan.csv", data, content_type="text/csv"),
        "source": "detect",
        "date_order": "auto",
        "mode": "draft",
        **fields,
    }
    return client.post(f"/w/{slug}/compose/import/", values)


def test_the_report_lists_each_problem_with_its_line_and_confirm_imports_the_rest(
    workspace, members, accounts
):
    client = client_for(members["editor"])
    page = upload(client, workspace.slug, csv_with_a_broken_row())
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 can be imported" in html and "1 has problems and will be skipped" in html
    assert 'data-line="3"' in html and "“Myspace” is not an account of this workspace" in html
    assert not Post.objects.exists()  # a dry run writes nothing
    token = page.context["token"]
    done = client.post(f"/w/{workspace.slug}/compose/import/confirm/", {"import": token})
    assert done.status_code == 302
    assert sorted(Post.objects.values_list("title", flat=True)) == ["Good one", "Good two"]
    assert AuditEvent.objects.filter(action="posts.imported").count() == 1
    again = client.post(f"/w/{workspace.slug}/compose/import/confirm/", {"import": token})
    assert again.status_code == 409
    assert "imported already" in again.content.decode()
    assert Post.objects.count() == 2


def test_a_hootsuite_upload_needs_its_accounts_chosen(workspace, members, accounts):
    client = client_for(members["editor"])
    data = f"{future(3)}:00,Hello from Hootsuite,https://example.com\n".encode()
    page = upload(client, workspace.slug, data)
    assert "A Hootsuite file names no accounts" in page.content.decode()
    assert page.context["token"] == ""
    page = upload(client, workspace.slug, data, accounts=[str(accounts["facebook"].pk)])
    assert page.context["report"].source == importer.Source.HOOTSUITE
    assert page.context["token"]


def test_the_sample_and_the_template_downloads_import_cleanly(workspace, members, accounts):
    client = client_for(members["editor"])
    sample = client.get(f"/w/{workspace.slug}/compose/import/hootsuite-sample.csv")
    assert sample["Content-Type"] == "text/csv; charset=utf-8"
    report = importer.check(
        workspace, sample.content, importer.Options(accounts=[accounts["linkedin"].pk])
    )
    assert report.source == importer.Source.HOOTSUITE and len(report.valid_rows) == 5
    template = client.get(f"/w/{workspace.slug}/compose/import/template.csv")
    report = importer.check(workspace, template.content, importer.Options())
    assert report.source == importer.Source.MANYHATS
    assert len(report.valid_rows) == 2, [p.as_text() for p in report.all_problems()]


def test_a_guest_may_export_but_not_import(workspace, members, accounts):
    guest = client_for(members["guest"])
    assert guest.get(f"/w/{workspace.slug}/compose/import/").status_code == 403
    assert guest.get(f"/w/{workspace.slug}/compose/export/").status_code == 200
    response = guest.get(f"/w/{workspace.slug}/compose/export.csv?bom=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbfdatetime,accounts,format,")


def test_the_api_checks_then_imports_the_valid_rows(workspace, members, accounts):
    client = api_client_for(members["editor"])
    url = f"/api/v1/workspaces/{workspace.pk}/imports"
    response = client.post(
        url, {"file": SimpleUploadedFile("plan.csv", csv_with_a_broken_row()), "mode": "draft"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "manyhats_csv" and body["valid"] == 2 and body["invalid"] == 1
    broken = next(r for r in body["rows"] if not r["ok"])
    assert broken["line"] == 3
    assert broken["problems"][0]["code"] == "unknown_account"
    assert not Post.objects.exists()
    confirm = client.post(
        f"{url}/confirm", json.dumps({"import_id": body["import_id"]}), "application/json"
    )
    assert confirm.status_code == 201, confirm.content
    assert confirm.json()["imported"] == 2 and confirm.json()["skipped_lines"] == [3]
    repeat = client.post(
        f"{url}/confirm", json.dumps({"import_id": body["import_id"]}), "application/json"
    )
    assert repeat.status_code == 400 and repeat.json()["error"]["code"] == "gone"
    export = client.get(f"/api/v1/workspaces/{workspace.pk}/exports/posts.csv?platform=linkedin")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert export.content.decode().count("LinkedIn:Acme AB") == 2


def test_the_api_refuses_an_unknown_import_id(workspace, members, accounts):
    client = api_client_for(members["editor"])
    response = client.post(
        f"/api/v1/workspaces/{workspace.pk}/imports/confirm",
        json.dumps({"import_id": "forged"}),
        "application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown"
