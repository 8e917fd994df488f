"""A person logs in, switches to Swedish, creates a workspace and invites a colleague,
who accepts the e-mailed invitation with a new account: all in a real Chromium."""

import re

from django.core import mail
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.workspaces.models import Invitation, Membership, Workspace


def test_a_new_manager_sets_up_a_workspace_in_swedish_and_invites_a_colleague(
    page: Page, browser, live_server, settings
):
    settings.SITE_URL = live_server.url
    User.objects.create_user("anna@example.com", PASSWORD, name="Anna Andersson")

    # Log in.
    page.goto("/login/")
    page.fill("input[name=username]", "anna@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/workspaces/$"))

    # Switch the interface to Swedish with the language picker in the account menu
    # (it submits itself when the choice changes).
    page.click("details.user-menu summary")
    page.select_option("#language-select", "sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Arbetsytor")
    assert User.objects.get(email="anna@example.com").language == "sv"

    # Create a workspace.
    page.goto("/workspaces/new/")
    page.fill("input[name=name]", "Kafé Kanelbulle")
    page.select_option("select[name=time_zone]", "Europe/Stockholm")
    page.click("form.form button[type=submit]")
    workspace = Workspace.objects.get(name="Kafé Kanelbulle")
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/"))
    nav = page.get_by_role("navigation", name="Rum")
    expect(nav.get_by_role("link", name="Kalender")).to_be_visible()

    # Invite a colleague as editor from the Team room.
    nav.get_by_role("link", name="Team").click()
    page.fill("#invite input[name=email]", "bo@example.com")
    page.select_option("#invite select[name=role]", "editor")
    page.click("#invite button[type=submit]")
    expect(page.locator("body")).to_contain_text("bo@example.com")
    invitation = Invitation.objects.get(workspace=workspace, email="bo@example.com")
    assert invitation.role == "editor"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invite/\S+/", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body

    # The colleague opens the link in their own browser and joins with a new account.
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    other = context.new_page()
    other.goto(link.group(0))
    other.fill("input[name=name]", "Bo Berg")
    other.fill("input[name=password1]", "en helt ny lång lösenfras")
    other.fill("input[name=password2]", "en helt ny lång lösenfras")
    other.click("form.form button[type=submit]")
    expect(other).to_have_url(re.compile(rf"/w/{workspace.slug}/"))
    context.close()
    bo = User.objects.get(email="bo@example.com")
    assert Membership.objects.get(workspace=workspace, user=bo).role == "editor"
