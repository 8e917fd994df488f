"""Bulk import from CSV: every bad input is reported on its line, nothing is half-imported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from manyhats.content.planning import exports
from manyhats.content.planning import imports as importer
from manyhats.content.planning.imports import DateOrder, Mode, Options, Source
from manyhats.content.posts import actions
from manyhats.content.posts.models import Campaign, Pillar, Post, PostEvent
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import AuditEvent, Membership

HOOTSUITE_SAMPLE = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "data"
    / "import_samples"
    / "hootsuite_bulk_composer"
    / "hbc.csv"
)
# Every test checks as of this moment, so that the dates in the files stay in the future.
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
HEADER = "datetime,accounts,text\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


@pytest.fixture
def member(workspace, members):
    def get(role: str) -> Membership:
        return Membership.objects.get(workspace=workspace, user=members[role])

    return get


def check(workspace, text: str | bytes, **options) -> importer.Report:
    data = text.encode() if isinstance(text, str) else text
    return importer.check(workspace, data, Options(**options), now=NOW)


def codes(report: importer.Report, line: int) -> list[str]:
    return [p.code for row in report.rows if row.line == line for p in row.errors]


def messages(report: importer.Report, line: int) -> str:
    return " ".join(p.as_text() for row in report.rows if row.line == line for p in row.problems)


# --------------------------------------------------------------------------- the real sample


@pytest.mark.skipif(
    not HOOTSUITE_SAMPLE.exists(), reason="../shared/data sample not here (GPL, not shipped)"
)
def test_the_real_hootsuite_sample_is_read_and_every_row_is_reported_in_the_past(
    workspace, accounts
):
    report = importer.check(
        workspace,
        HOOTSUITE_SAMPLE.read_bytes(),
        Options(source=Source.DETECT, accounts=[accounts["linkedin"].pk]),
    )
    assert report.source == Source.HOOTSUITE
    assert report.encoding == "UTF-8" and report.delimiter == ","
    assert len(report.rows) == 23 and not report.problems
    assert [r.line for r in report.rows] == list(range(1, 24))
    for row in report.rows:
        assert codes(report, row.line) == ["in_the_past"], messages(report, row.line)
        assert f"Line {row.line}: 2018-12-04" in messages(report, row.line)
    first = report.rows[0]
    assert first.text.startswith("The community would like to thank No Starch Press")
    assert first.fields["link"] == "https://nostarch.com/"
    # Read in the workspace's zone: 08:00 in Stockholm is 07:00 UTC.
    assert first.when == datetime(2018, 12, 4, 7, 0, tzinfo=UTC)
    assert report.valid_rows == []


def test_a_hootsuite_file_imports_to_the_accounts_chosen(workspace, accounts, member):
    data = (
        b"2027-02-01 08:00:00,Fresh beans today,https://example.com/beans\n"
        b"2027-02-01 12:30:00,Lunch special\n"
    )
    options = Options(accounts=[accounts["facebook"].pk, accounts["linkedin"].pk])
    report, result = importer.do_import(member("editor"), data, options, now=NOW)
    assert report.source == Source.HOOTSUITE
    assert len(result.posts) == 2
    first = Post.objects.get(pk=result.posts[0].pk)
    assert first.imported_from == "hootsuite_csv"
    assert first.planned_at == datetime(2027, 2, 1, 7, 0, tzinfo=UTC)
    assert first.link == "https://example.com/beans"
    formats = dict(first.targets.values_list("account__platform", "format"))
    assert formats == {"facebook": "link", "linkedin": "link"}
    second = Post.objects.get(pk=result.posts[1].pk)
    assert set(second.targets.values_list("format", flat=True)) == {"text"}


def test_a_hootsuite_file_without_accounts_chosen_is_refused(workspace, accounts):
    report = check(workspace, "2027-02-01 08:00:00,Hello\n")
    assert [p.code for p in report.problems] == ["no_accounts"]
    assert report.valid_rows == []


def test_hootsuites_350_posts_per_file_are_enforced_on_the_rows_after(workspace, accounts):
    lines = [
        f"2027-03-01 {h % 24:02d}:{m:02d}:00,Post number {h}-{m}\n"
        for h in range(24)
        for m in range(0, 60, 4)
    ]
    report = check(workspace, "".join(lines[:351]), accounts=[accounts["linkedin"].pk])
    assert [p.code for p in report.problems] == ["too_many_rows"]
    assert codes(report, 351) == ["over_row_limit"]
    assert "Line 351: Post 351 is over Hootsuite's 350 posts per file." in messages(report, 351)
    assert len(report.valid_rows) == 350


def test_a_header_row_in_a_hootsuite_file_is_skipped(workspace, accounts):
    report = check(
        workspace,
        "Date,Message,Link\n2027-03-01 09:00,Hi,\n",
        accounts=[accounts["linkedin"].pk],
        source=Source.HOOTSUITE,
    )
    assert report.header_skipped and [r.line for r in report.valid_rows] == [2]


# --------------------------------------------------------------------------- encodings, delimiters


def test_utf8_with_and_without_bom_and_latin1_read_the_same_text(workspace, accounts):
    text = "datetime;accounts;text\n2027-02-01 09:00;LinkedIn;Kaffe och kanelbullar på Söder\n"
    for data, encoding in (
        (text.encode("utf-8"), "UTF-8"),
        (b"\xef\xbb\xbf" + text.encode("utf-8"), "UTF-8 (with BOM)"),
        (text.encode("latin-1"), "Windows-1252 (Latin-1)"),
        (text.encode("cp1252"), "Windows-1252 (Latin-1)"),
    ):
        report = check(workspace, data)
        assert report.encoding == encoding
        assert report.source == Source.MANYHATS and report.delimiter == ";"
        assert [r.text for r in report.valid_rows] == ["Kaffe och kanelbullar på Söder"]


def test_utf16_with_bom_and_tabs_as_excel_writes_unicode_text(workspace, accounts):
    text = "datetime\taccounts\ttext\r\n2027-02-01 09:00\tLinkedIn\tHej då\r\n"
    report = check(workspace, text.encode("utf-16"))
    assert report.encoding == "UTF-16" and report.delimiter == "\t"
    assert [r.text for r in report.valid_rows] == ["Hej då"]


def test_a_binary_file_is_refused_as_a_whole(workspace, accounts):
    report = check(workspace, b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert [p.code for p in report.problems] == ["not_text"]
    assert report.rows == [] and report.valid_rows == []


def test_a_file_with_an_unknown_delimiter_reports_each_row_with_its_line(workspace, accounts):
    data = "2027-02-01 09:00|Hello|\n2027-02-02 09:00|Again|\n"
    report = check(workspace, data, accounts=[accounts["linkedin"].pk], source=Source.HOOTSUITE)
    assert codes(report, 1) == ["columns"] and codes(report, 2) == ["columns"]
    assert "Line 2: Expected a date, a message and optionally a link, found one column" in (
        messages(report, 2)
    )


def test_a_message_with_unquoted_commas_is_reported_on_its_line(workspace, accounts):
    data = "2027-02-01 09:00,Hello,world,again,https://example.com\n2027-02-01 10:00,Fine\n"
    report = check(workspace, data, accounts=[accounts["linkedin"].pk])
    assert codes(report, 1) == ["columns"]
    assert "found 5" in messages(report, 1) and "commas" in messages(report, 1)
    assert [r.line for r in report.valid_rows] == [2]


def test_line_numbers_count_the_lines_inside_quoted_multiline_text(workspace, accounts):
    data = HEADER + '2027-02-01 09:00,LinkedIn,"one\ntwo\nthree"\n2027-02-01 10:00,Nowhere,x\n'
    report = check(workspace, data)
    assert [r.line for r in report.rows] == [2, 5]
    assert codes(report, 5) == ["unknown_account"]


# --------------------------------------------------------------------------- dates and times


def test_dates_in_the_past_are_reported(workspace, accounts):
    report = check(workspace, HEADER + "2026-12-24 15:00,LinkedIn,Merry\n")
    assert codes(report, 2) == ["in_the_past"]
    assert "Line 2: 2026-12-24 15:00 CET is in the past." in messages(report, 2)


def test_an_ambiguous_date_is_refused_unless_the_order_is_chosen(workspace, accounts):
    data = HEADER + "03/04/2027 09:00,LinkedIn,Ambiguous\n13/04/2027 09:00,LinkedIn,Clear\n"
    report = check(workspace, data)
    assert codes(report, 2) == ["ambiguous_date"]
    assert "2027-04-03" in messages(report, 2) and "2027-03-04" in messages(report, 2)
    assert [r.line for r in report.valid_rows] == [3]
    day_first = check(workspace, data, date_order=DateOrder.DAY_FIRST)
    assert day_first.rows[0].when == datetime(2027, 4, 3, 7, 0, tzinfo=UTC)  # CEST
    month_first = check(workspace, data, date_order=DateOrder.MONTH_FIRST)
    assert month_first.rows[0].when == datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # CET
    assert codes(month_first, 3) == ["invalid_date"]


def test_dotted_and_iso_dates_and_am_pm_times_are_read(workspace, accounts):
    data = (
        "date,time,accounts,text\n"
        "04.03.2027,9.30,LinkedIn,Dotted\n"
        "2027/03/04,9:30 PM,LinkedIn,Slashed ISO\n"
    )
    report = check(workspace, data)
    assert [r.when for r in report.valid_rows] == [
        datetime(2027, 3, 4, 8, 30, tzinfo=UTC),
        datetime(2027, 3, 4, 20, 30, tzinfo=UTC),
    ]


def test_a_time_with_an_offset_is_taken_as_it_is(workspace, accounts):
    data = HEADER + "2027-03-04T09:30:00Z,LinkedIn,UTC\n2027-03-04T09:30:00-05:00,LinkedIn,NY\n"
    report = check(workspace, data)
    assert [r.when for r in report.valid_rows] == [
        datetime(2027, 3, 4, 9, 30, tzinfo=UTC),
        datetime(2027, 3, 4, 14, 30, tzinfo=UTC),
    ]


def test_a_time_in_the_spring_forward_gap_is_refused_and_the_repeated_hour_warned(
    workspace, accounts
):
    data = HEADER + "2027-03-28 02:30,LinkedIn,Gap\n2027-10-31 02:30,LinkedIn,Twice\n"
    report = check(workspace, data)
    assert codes(report, 2) == ["nonexistent_time"]
    assert "the clock jumps from 02:00 to 03:00" in messages(report, 2)
    assert codes(report, 3) == []
    assert "happens twice" in messages(report, 3)
    assert report.rows[1].when == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def test_invalid_dates_and_missing_times_are_reported(workspace, accounts):
    data = HEADER + "2027-02-30 09:00,LinkedIn,A\nsoon,LinkedIn,B\n2027-03-01,LinkedIn,C\n"
    report = check(workspace, data)
    assert codes(report, 2) == ["invalid_date"]
    assert codes(report, 3) == ["invalid_date"]
    assert codes(report, 4) == ["time_missing"]


def test_a_row_without_a_date_is_a_draft_but_cannot_be_scheduled(workspace, accounts):
    data = HEADER + ",LinkedIn,Some day\n"
    assert check(workspace, data).rows[0].ok
    assert codes(check(workspace, data, mode=Mode.SCHEDULE), 2) == ["date_missing"]


# --------------------------------------------------------------------------- what rows name


def test_unknown_accounts_pillars_campaigns_and_media_are_reported(workspace, accounts):
    Pillar.objects.create(workspace=workspace, name="Behind the scenes")
    data = (
        "datetime,accounts,text,pillar,campaign,media\n"
        "2027-02-01 09:00,Twitter:acme,Hi,,,\n"
        "2027-02-01 10:00,LinkedIn,Hi,Recipes,,\n"
        "2027-02-01 11:00,LinkedIn,Hi,behind the scenes,Spring,\n"
        "2027-02-01 12:00,LinkedIn,Hi,,,missing.jpg\n"
        "2027-02-01 13:00,LinkedIn,Hi,,,https://example.com/a.jpg\n"
    )
    report = check(workspace, data)
    assert codes(report, 2) == ["unknown_account"]
    assert "“Twitter:acme” is not an account of this workspace" in messages(report, 2)
    assert codes(report, 3) == ["unknown_pillar"]
    assert codes(report, 4) == ["unknown_campaign"]
    assert codes(report, 5) == ["unknown_media"]
    assert codes(report, 6) == ["media_url"]


def test_accounts_are_found_by_platform_name_or_both(workspace, accounts):
    data = (
        "datetime,accounts,format,text\n"
        '2027-02-01 09:00,"Facebook:Acme, acme AB",text,Hi\n'
        "2027-02-01 10:00,linkedin,,Hi again\n"
    )
    report = check(workspace, data)
    assert [[a.platform for a in r.accounts] for r in report.valid_rows] == [
        ["facebook", "linkedin"],
        ["linkedin"],
    ]


def test_text_over_a_platforms_limit_is_reported_with_the_platform_and_line(workspace, accounts):
    data = HEADER + f"2027-02-01 09:00,LinkedIn,{'x' * 3001}\n2027-02-01 10:00,LinkedIn,ok\n"
    report = check(workspace, data)
    assert codes(report, 2) == ["text_too_long"]
    assert "Line 2: LinkedIn:Acme AB: Shorten the post text by 1 character" in messages(report, 2)
    assert [r.line for r in report.valid_rows] == [3]


def test_an_instagram_post_without_media_is_a_draft_to_finish_but_cannot_be_scheduled(
    workspace, accounts
):
    data = HEADER + '2027-02-01 09:00,"Instagram, TikTok",Needs a picture\n'
    draft = check(workspace, data)
    assert draft.rows[0].ok
    assert "Before scheduling: Instagram:acme.se:" in messages(draft, 2)
    assert "Before scheduling: TikTok:acme.tiktok: Choose who can see" in messages(draft, 2)
    scheduled = check(workspace, data, mode=Mode.SCHEDULE)
    assert set(codes(scheduled, 2)) == {"media_count", "tiktok_privacy_required"}


def test_a_format_the_account_cannot_publish_is_reported(workspace, accounts):
    data = "datetime,accounts,format,text\n2027-02-01 09:00,LinkedIn,reel,Hi\n2027-02-01 10:00,LinkedIn,gif,Hi\n"
    report = check(workspace, data)
    assert codes(report, 2) == ["format_not_supported"]
    assert codes(report, 3) == ["unknown_format"]


def test_duplicates_in_the_file_are_reported_against_the_first_line(workspace, accounts):
    data = HEADER + (
        "2027-02-01 09:00,LinkedIn,Same\n"
        "2027-02-01 09:00,LinkedIn,Same\n"
        "2027-02-02 09:00,LinkedIn,Same\n"
    )
    report = check(workspace, data)
    assert codes(report, 3) == ["duplicate"]
    assert "Line 3: The same post (text, time and accounts) as line 2." in messages(report, 3)
    assert codes(report, 4) == [] and "same text as line 2" in messages(report, 4).lower()


def test_a_row_the_workspace_already_plans_is_warned_about(workspace, accounts, member):
    data = (HEADER + "2027-02-01 09:00,LinkedIn,Imported twice\n").encode()
    importer.do_import(member("editor"), data, Options(), now=NOW)
    report = importer.check(workspace, data, Options(), now=NOW)
    assert report.rows[0].ok
    assert "Line 2: A post with this text is already planned at this time" in messages(report, 2)


def test_a_header_without_the_needed_columns_is_refused(workspace, accounts):
    report = check(
        workspace, "when,where,what\n2027-02-01 09:00,LinkedIn,Hi\n", source=Source.MANYHATS
    )
    assert [p.code for p in report.problems] == ["header"]
    assert "Line 1:" in report.problems[0].as_text()


# --------------------------------------------------------------------------- importing


def test_valid_rows_are_imported_together_and_broken_ones_skipped(workspace, accounts, member):
    campaign = Campaign.objects.create(workspace=workspace, name="Spring", slug="spring")
    data = (
        "datetime,accounts,title,text,hashtags,campaign,link\n"
        "2027-02-01 09:00,LinkedIn,One,First post,#fika kaffe,Spring,https://example.com\n"
        "2027-02-01 10:00,Nowhere,Two,Broken,,,\n"
        '2027-02-01 11:00,"LinkedIn, Facebook",Three,Third post,,,\n'
    )
    _report, result = importer.do_import(member("editor"), data.encode(), Options(), now=NOW)
    assert result.skipped == [3]
    assert [p.title for p in result.posts] == ["One", "Three"]
    first = Post.objects.get(title="One")
    assert first.status == Post.Status.DRAFT and first.imported_from == "manyhats_csv"
    assert first.hashtags == ["fika", "kaffe"] and first.campaign == campaign
    assert first.planned_at == datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert list(PostEvent.objects.filter(post=first).values_list("kind", flat=True)) == ["created"]
    after = AuditEvent.objects.get(action="posts.imported").after or {}
    assert after["imported"] == 2 and after["skipped_lines"] == [3]
    assert after["posts"] == [str(p.uuid) for p in result.posts]


def test_a_failure_while_importing_rolls_every_post_back(workspace, accounts, member, monkeypatch):
    data = HEADER + "2027-02-01 09:00,LinkedIn,One\n2027-02-01 10:00,LinkedIn,Two\n"
    real = actions.do_create_post
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            from django.core.exceptions import ValidationError

            raise ValidationError("The database said no")
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "do_create_post", failing)
    with pytest.raises(importer.ImportFailed) as failed:
        importer.do_import(member("editor"), data.encode(), Options(), now=NOW)
    assert "Line 3: The database said no. Nothing was imported." == failed.value.message
    assert not Post.objects.exists()
    assert not AuditEvent.objects.filter(action="posts.imported").exists()


def test_nothing_is_imported_when_the_file_checks_differently_than_in_the_dry_run(
    workspace, accounts, member
):
    data = HEADER + "2027-02-01 09:00,LinkedIn,One\n2027-02-01 10:00,LinkedIn,Two\n"
    with pytest.raises(importer.ImportFailed) as failed:
        importer.do_import(member("editor"), data.encode(), Options(), expected_lines=[2], now=NOW)
    assert failed.value.code == "changed"
    assert not Post.objects.exists()


def test_an_analyst_cannot_import(workspace, accounts, member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        importer.do_import(
            member("analyst"),
            (HEADER + "2027-02-01 09:00,LinkedIn,x\n").encode(),
            Options(),
            now=NOW,
        )


def test_scheduling_follows_the_workspaces_approval_rule(workspace, accounts, member):
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    line = f"{soon.isoformat()},LinkedIn,Going out\n"
    _report, result = importer.do_import(
        member("editor"), (HEADER + line).encode(), Options(mode=Mode.SCHEDULE)
    )
    assert result.scheduled == 1
    publication = Publication.objects.get(target__post=result.posts[0])
    assert publication.state == "scheduled" and publication.scheduled_at == soon

    workspace.requires_approval = True
    workspace.save()
    other = f"{(soon + timedelta(hours=1)).isoformat()},LinkedIn,Needs approval\n"
    _report, by_editor = importer.do_import(
        member("editor"), (HEADER + other).encode(), Options(mode=Mode.SCHEDULE)
    )
    assert by_editor.submitted == 1 and by_editor.scheduled == 0
    assert Post.objects.get(pk=by_editor.posts[0].pk).status == Post.Status.IN_REVIEW
    third = f"{(soon + timedelta(hours=2)).isoformat()},LinkedIn,By a manager\n"
    _report, by_manager = importer.do_import(
        member("manager"), (HEADER + third).encode(), Options(mode=Mode.SCHEDULE)
    )
    assert by_manager.scheduled == 1
    assert Post.objects.get(pk=by_manager.posts[0].pk).is_approved


def test_a_kept_upload_imports_once(workspace, accounts, member, members):
    data = (HEADER + "2027-02-01 09:00,LinkedIn,Once\n").encode()
    report = check(workspace, data)
    token = importer.keep_upload(workspace, members["editor"], data, Options(), report)
    with pytest.raises(importer.ImportFailed):
        importer.open_upload(token, workspace, members["manager"])  # someone else's
    kept = importer.open_upload(token, workspace, members["editor"])
    assert kept.data == data and kept.valid_lines == [2]
    importer.discard_upload(workspace, kept.key)
    with pytest.raises(importer.ImportFailed) as gone:
        importer.open_upload(token, workspace, members["editor"])
    assert gone.value.code == "gone"


# --------------------------------------------------------------------------- export


def test_an_exported_plan_imports_again_as_it_was(workspace, accounts, member):
    Pillar.objects.create(workspace=workspace, name="Recipes")
    Campaign.objects.create(workspace=workspace, name="Spring", slug="spring")
    data = (
        "datetime,accounts,format,title,text,link,first_comment,hashtags,pillar,campaign,notes\n"
        '2027-02-01 09:00,"Facebook:Acme, LinkedIn:Acme AB","link, text",Tip,"Brew, then wait.\n'
        'Then drink",https://example.com,First!,#fika,Recipes,Spring,=not a formula\n'
        "2027-02-03 17:45,LinkedIn,,,Evening post — åäö,,,,,,\n"
    )
    _report, result = importer.do_import(member("editor"), data.encode(), Options(), now=NOW)
    before = [Post.objects.get(pk=p.pk).snapshot() for p in result.posts]
    plan = exports.Plan.from_query(
        workspace, {"start": "2027-02-01", "end": "2027-02-28"}, NOW.date()
    )
    csv_bytes = exports.export_csv(workspace, exports.plan_posts(workspace, plan), bom=True)
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b"\r\n" in csv_bytes
    assert b"'=not a formula" in csv_bytes  # a spreadsheet would run it
    Post.objects.all().delete()
    report, again = importer.do_import(member("editor"), csv_bytes, Options(), now=NOW)
    assert report.source == Source.MANYHATS and report.ignored_columns == []
    after = [Post.objects.get(pk=p.pk) for p in again.posts]
    assert [p.snapshot() for p in after] == before
    assert [p.planned_at for p in after] == [
        datetime(2027, 2, 1, 8, 0, tzinfo=UTC),
        datetime(2027, 2, 3, 16, 45, tzinfo=UTC),
    ]
    assert dict(after[0].targets.values_list("account__platform", "format")) == {
        "facebook": "link",
        "linkedin": "text",
    }


def test_the_export_follows_the_calendars_filters(workspace, accounts, member):
    data = HEADER + (
        '2027-02-01 09:00,"LinkedIn, Facebook",Both\n'
        "2027-02-02 09:00,Facebook,Facebook only\n"
        "2027-03-02 09:00,LinkedIn,Next month\n"
    )
    importer.do_import(member("editor"), data.encode(), Options(), now=NOW)
    plan = exports.Plan.from_query(
        workspace, {"view": "month", "date": "2027-02-10", "platform": "linkedin"}, NOW.date()
    )
    rows = exports.export_rows(workspace, exports.plan_posts(workspace, plan))
    assert [(r["text"], r["accounts"]) for r in rows] == [("Both", "LinkedIn:Acme AB")]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(workspace, accounts):
    report = check(workspace, b"x" * (importer.MAX_BYTES + 1))
    assert [p.code for p in report.problems] == ["too_large"]
    assert report.rows == []
