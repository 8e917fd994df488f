"""A manager imports a month's plan from a CSV file in a real Chromium: one row is broken;
the report names its line and why, the valid rows are imported together on confirmation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role
from tests.browser.test_composing import screenshot


def test_a_manager_imports_a_csv_with_a_broken_row_and_reads_the_report(
    page: Page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = User.objects.create_user("maja@example.com", PASSWORD, name="Maja Manager")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm"
    )
    Membership.objects.create(workspace=workspace, user=manager, role=Role.MANAGER)
    four_accounts(workspace)
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "date;time;accounts;title;text\n"
        f"{day};09:00;LinkedIn;Monday beans;Fresh beans from the roaster\n"
        f"{day};12:00;Myspace;Broken;This account does not exist\n"
        f"{day + timedelta(days=1)};08:30;Facebook:Acme;Tuesday buns;Kanelbullar på Söder\n",
        encoding="latin-1",
    )

    page.goto("/login/")
    page.fill("input[name=username]", "maja@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/"))

    page.goto("/w/kafe/compose/")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import posts")
    page.get_by_label("CSV file").set_input_files(str(plan))
    page.get_by_role("button", name="Check the file").click()

    report = page.get_by_role("region", name="Check of the file")
    expect(report).to_contain_text("read as Windows-1252 (Latin-1)")
    expect(report).to_contain_text("separated by semicolons")
    expect(report.get_by_role("status")).to_contain_text(
        "3 rows read: 2 can be imported, 1 has problems and will be skipped."
    )
    broken = report.locator("tr[data-line='3']")
    expect(broken).to_contain_text("Skipped")
    expect(broken).to_contain_text("“Myspace” is not an account of this workspace")
    expect(report.locator("tr[data-line='4']")).to_contain_text("Kanelbullar på Söder")
    assert not Post.objects.exists()
    screenshot(page, "import-report.png")

    page.get_by_role("button", name="Import 2 posts").click()
    expect(page).to_have_url(re.compile(r"/w/kafe/compose/"))
    expect(
        page.get_by_text("Imported 2 posts. Skipped 1 row with problems (line 3).")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Monday beans")).to_be_visible()
    expect(page.get_by_role("link", name="Tuesday buns")).to_be_visible()
    assert sorted(Post.objects.values_list("imported_from", flat=True)) == ["manyhats_csv"] * 2
    Path(plan).unlink()
