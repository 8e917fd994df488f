"""The dry run: every row of the file checked, its problems on it with its line number."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from manyhats.content.forms import default_format
from manyhats.content.planning.imports.dates import DateProblem, parse_when
from manyhats.content.planning.imports.reading import (
    COLUMN_ALIASES,
    EXPORT_ONLY_COLUMNS,
    TEMPLATE_COLUMNS,
    Line,
    decode,
    header_score,
    read_table,
)
from manyhats.content.planning.imports.report import (
    ERROR,
    WARNING,
    ImportFailed,
    Mode,
    Options,
    Report,
    Row,
    RowProblem,
    Source,
)
from manyhats.content.planning.imports.vocabulary import Vocabulary, norm
from manyhats.content.posts import actions
from manyhats.content.posts.compose import PlannedMedia, final_text, rendition_request
from manyhats.content.posts.models import Post, PostTarget
from manyhats.content.rules.check import check as rules_check
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.workspaces.models import Workspace

MAX_BYTES = 2 * 1024 * 1024
HOOTSUITE_MAX_ROWS = 350  # Hootsuite's Bulk Composer takes at most 350 posts per file
MAX_ROWS = 1000
MAX_TEXT = 100_000


def _unquote(value: str) -> str:
    """A cell without surrounding space and without the quote mark the export puts before
    text a spreadsheet would run as a formula ('=..., '+..., '-..., '@...)."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n|]", text) if part.strip()]


def _detect(lines: Sequence[Line]) -> Source:
    if lines and header_score(lines[0].cells) >= 2:
        return Source.MANYHATS
    return Source.HOOTSUITE


def check(
    workspace: Workspace,
    data: bytes,
    options: Options,
    *,
    now: datetime | None = None,
) -> Report:
    """The dry run. Never writes. File-level problems (not text, no rows, too many rows,
    no accounts chosen for a Hootsuite file) are in `report.problems`; everything else is
    on its row, with its line number."""
    now = now or timezone.now()
    report = Report(source=options.source, sha256=hashlib.sha256(data).hexdigest())
    if len(data) > MAX_BYTES:
        report.problems.append(
            RowProblem(
                0,
                ERROR,
                "too_large",
                _("The file is larger than %(max)s MB; split it into smaller files.")
                % {"max": MAX_BYTES // (1024 * 1024)},
            )
        )
        return report
    try:
        text, report.encoding = decode(data)
        report.delimiter, lines = read_table(text)
    except ImportFailed as exc:
        report.problems.append(RowProblem(0, ERROR, exc.code, exc.message))
        return report
    if options.source == Source.DETECT:
        report.source = _detect(lines)
    vocabulary = Vocabulary.of(workspace)
    if report.source == Source.HOOTSUITE:
        rows = _hootsuite_rows(report, lines, vocabulary, options)
    else:
        rows = _manyhats_rows(report, lines, vocabulary, options)
    if not rows and not report.problems:
        report.problems.append(RowProblem(0, ERROR, "empty", _("The file has no posts in it.")))
    for row in rows:
        if row.fields:
            _check_row(row, vocabulary, options, now)
    _duplicates(rows)
    _already_planned(workspace, rows)
    if options.mode == Mode.SCHEDULE:
        for row in rows:
            if row.when is None and row.ok:
                row.error("date_missing", _("A post to schedule needs a date and a time."))
    report.rows = rows
    return report


def _hootsuite_rows(
    report: Report, lines: list[Line], vocabulary: Vocabulary, options: Options
) -> list[Row]:
    chosen = [a for a in vocabulary.accounts if a.pk in set(options.accounts)]
    if not chosen:
        report.problems.append(
            RowProblem(
                0,
                ERROR,
                "no_accounts",
                _("A Hootsuite file names no accounts: choose the accounts its posts go to."),
            )
        )
    if lines and _looks_like_header(lines[0].cells):
        report.header_skipped = True
        lines = lines[1:]
    if len(lines) > HOOTSUITE_MAX_ROWS:
        report.problems.append(
            RowProblem(
                0,
                WARNING,
                "too_many_rows",
                _(
                    "Hootsuite's format takes at most %(max)s posts per file and this one has "
                    "%(count)s: the posts after the %(max)sth are not imported; put them in "
                    "another file."
                )
                % {"max": HOOTSUITE_MAX_ROWS, "count": len(lines)},
            )
        )
    rows = []
    for index, line in enumerate(lines):
        row = Row(line.number, accounts=list(chosen))
        rows.append(row)
        if index >= HOOTSUITE_MAX_ROWS:
            row.error(
                "over_row_limit",
                _("Post %(n)s is over Hootsuite's %(max)s posts per file.")
                % {"n": index + 1, "max": HOOTSUITE_MAX_ROWS},
            )
            continue
        cells = line.cells
        if len(cells) < 2:
            row.error(
                "columns",
                _(
                    "Expected a date, a message and optionally a link, found one column. Are "
                    "the columns separated by commas, semicolons or tabs?"
                ),
            )
            continue
        if len(cells) > 3:
            row.error(
                "columns",
                _(
                    "Expected 3 columns (date, message, link), found %(count)s: put quotes "
                    "around a message that contains %(delimiter)s."
                )
                % {"count": len(cells), "delimiter": report.delimiter_name},
            )
            continue
        row.fields = {"text": cells[1].strip(), "link": cells[2].strip() if len(cells) > 2 else ""}
        row.fields["date_text"] = cells[0]
    return rows


def _looks_like_header(cells: Sequence[str]) -> bool:
    first = cells[0].strip().lower() if cells else ""
    return not any(ch.isdigit() for ch in first) and first in {
        "date",
        "datetime",
        "date time",
        "date and time",
        "time",
        "datum",
        "when",
        "scheduled",
    }


def _manyhats_rows(
    report: Report, lines: list[Line], vocabulary: Vocabulary, options: Options
) -> list[Row]:
    if not lines:
        return []
    header = [c.strip().lower() for c in lines[0].cells]
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        known = COLUMN_ALIASES.get(name)
        if known is None:
            if name and name not in EXPORT_ONLY_COLUMNS:
                report.ignored_columns.append(lines[0].cells[index].strip())
        elif known not in columns:
            columns[known] = index
    missing = []
    if "datetime" not in columns and "date" not in columns:
        missing.append("datetime")
    if "text" not in columns and "media" not in columns:
        missing.append("text")
    if "accounts" not in columns and not options.accounts:
        missing.append("accounts")
    if missing:
        report.problems.append(
            RowProblem(
                1,
                ERROR,
                "header",
                _(
                    "The header row lacks the column(s) %(missing)s. The first row must name "
                    "the columns, e.g. %(example)s."
                )
                % {"missing": ", ".join(missing), "example": ",".join(TEMPLATE_COLUMNS)},
            )
        )
        return []
    body = lines[1:]
    if len(body) > MAX_ROWS:
        report.problems.append(
            RowProblem(
                0,
                WARNING,
                "too_many_rows",
                _("At most %(max)s posts are imported at a time; the rest are skipped.")
                % {"max": MAX_ROWS},
            )
        )
    default_accounts = [a for a in vocabulary.accounts if a.pk in set(options.accounts)]
    rows = []
    for index, line in enumerate(body):
        row = Row(line.number)
        rows.append(row)
        if index >= MAX_ROWS:
            row.error("over_row_limit", _("Over the %(max)s posts per import.") % {"max": MAX_ROWS})
            continue

        def cell(name: str, cells: list[str] = line.cells) -> str:
            index = columns.get(name)
            return _unquote(cells[index]) if index is not None and index < len(cells) else ""

        if len(line.cells) > len(header):
            row.error(
                "columns",
                _(
                    "This row has %(count)s columns and the header %(header)s: put quotes "
                    "around text that contains %(delimiter)s."
                )
                % {
                    "count": len(line.cells),
                    "header": len(header),
                    "delimiter": report.delimiter_name,
                },
            )
            continue
        row.fields = {
            "text": cell("text"),
            "title": cell("title"),
            "link": cell("link"),
            "first_comment": cell("first_comment"),
            "notes": cell("notes"),
        }
        row.fields["date_text"] = cell("datetime") or cell("date")
        row.fields["time_text"] = (
            cell("time") if "datetime" not in columns or not cell("datetime") else ""
        )
        _resolve_accounts(row, cell("accounts"), default_accounts, vocabulary)
        _resolve_formats(row, cell("format"), vocabulary)
        _resolve_strategy(row, cell("pillar"), cell("persona"), cell("campaign"), vocabulary)
        hashtags = cell("hashtags")
        try:
            row.fields["hashtags"] = actions.clean_hashtags(hashtags)
        except ValidationError as exc:
            row.error("hashtags", " ".join(exc.messages))
        media_refs = _split_list(cell("media"))
        urls = [r for r in media_refs if r.lower().startswith(("http://", "https://"))]
        if urls:
            row.error(
                "media_url",
                _(
                    "Media are not fetched from the internet (%(url)s): upload the file to the "
                    "media library and name it here by its file name."
                )
                % {"url": urls[0]},
            )
        else:
            row.media, missing_media = vocabulary.media(media_refs)
            for name in missing_media:
                row.error(
                    "unknown_media",
                    _("“%(name)s” is not in this workspace's media library.") % {"name": name},
                )
    return rows


def _resolve_accounts(
    row: Row, text: str, defaults: list[ConnectedAccount], vocabulary: Vocabulary
) -> None:
    refs = _split_list(text)
    if not refs:
        row.accounts = list(defaults)
        if not defaults:
            row.error("no_accounts", _("Name at least one account in the accounts column."))
        return
    known = ", ".join(vocabulary.account_label(a) for a in vocabulary.accounts[:8]) or "-"
    for ref in refs:
        found = vocabulary.find_account(ref)
        if not found:
            row.error(
                "unknown_account",
                _("“%(ref)s” is not an account of this workspace (its accounts: %(known)s).")
                % {"ref": ref, "known": known},
            )
        elif len(found) > 1:
            row.error(
                "ambiguous_account",
                _("“%(ref)s” matches several accounts (%(found)s): write platform:name.")
                % {"ref": ref, "found": ", ".join(vocabulary.account_label(a) for a in found)},
            )
        elif found[0] in row.accounts:
            row.warn(
                "account_twice",
                _("%(account)s is named twice.") % {"account": vocabulary.account_label(found[0])},
            )
        else:
            row.accounts.append(found[0])


def _resolve_formats(row: Row, text: str, vocabulary: Vocabulary) -> None:
    wanted = [f.lower() for f in _split_list(text)]
    if not wanted:
        return
    labels = {str(label).casefold(): value for value, label in PostFormat.choices}
    values = [labels.get(f, f) for f in wanted]
    unknown = [f for f in values if f not in PostFormat.values]
    if unknown:
        row.error(
            "unknown_format",
            _("“%(format)s” is not a format; use one of: %(formats)s.")
            % {"format": unknown[0], "formats": ", ".join(PostFormat.values)},
        )
        return
    if len(values) not in (1, len(row.accounts)):
        row.error(
            "format_count",
            _(
                "Give one format for all accounts or one per account in the same order "
                "(%(accounts)s accounts, %(formats)s formats)."
            )
            % {"accounts": len(row.accounts), "formats": len(values)},
        )
        return
    row.formats = values * len(row.accounts) if len(values) == 1 else values


def _resolve_strategy(
    row: Row, pillar: str, persona: str, campaign: str, vocabulary: Vocabulary
) -> None:
    for name, value, table, where in (
        ("pillar", pillar, vocabulary.pillars, _("pillar")),
        ("persona", persona, vocabulary.personas, _("persona")),
        ("campaign", campaign, vocabulary.campaigns, _("campaign")),
    ):
        if not value:
            continue
        found = table.get(norm(value))
        if found is None:
            row.error(
                f"unknown_{name}",
                _(
                    "“%(value)s” is not a %(what)s of this workspace; add it under Settings → "
                    "Strategy or correct the name."
                )
                % {"value": value, "what": where},
            )
        else:
            row.fields[name] = found


_URL = URLValidator(schemes=["http", "https"])

# Rules about the text always keep a row out; the rest (media to add, a TikTok privacy level
# to choose) are finished in the composer, so they only block rows that are to be scheduled.
_TEXT_FIELDS = frozenset({"text", "title"})


def _check_row(row: Row, vocabulary: Vocabulary, options: Options, now: datetime) -> None:
    zone = vocabulary.workspace.zone
    date_text = str(row.fields.pop("date_text", "") or "")
    time_text = str(row.fields.pop("time_text", "") or "")
    if date_text or time_text:
        try:
            row.when, twice = parse_when(date_text or "", time_text, zone, options.date_order)
        except DateProblem as exc:
            row.error(exc.code, exc.message)
        else:
            local = row.when.astimezone(zone)
            if row.when <= now:
                row.error(
                    "in_the_past",
                    _("%(when)s is in the past.")
                    % {"when": f"{local:%Y-%m-%d %H:%M} {local.tzname()}"},
                )
            elif twice:
                row.warn(
                    "ambiguous_time",
                    _(
                        "%(clock)s happens twice that night (the clocks go back); the first "
                        "time is taken (%(when)s)."
                    )
                    % {"clock": f"{local:%H:%M}", "when": f"{local:%H:%M} {local.tzname()}"},
                )
    elif options.mode == Mode.DRAFT:
        row.warn("no_date", _("No date: imported as a draft without a place on the calendar."))
    text = row.text
    if not text and not row.media:
        row.error("text_missing", _("The post has no text (and no media)."))
    for name, limit in (("text", MAX_TEXT), ("first_comment", 20_000), ("title", 200)):
        if len(str(row.fields.get(name, ""))) > limit:
            row.error(
                "too_long",
                _("The %(column)s column is longer than %(max)s characters.")
                % {"column": name, "max": f"{limit:,}"},
            )
    link = str(row.fields.get("link", ""))
    if link:
        try:
            _URL(link)
        except ValidationError:
            row.error(
                "invalid_link",
                _("“%(link)s” is not a web address (http:// or https://).") % {"link": link},
            )
    if any(p.code in ("text_missing", "too_long") for p in row.problems):
        return
    for account in row.accounts:
        if account.status != AccountStatus.ACTIVE:
            row.warn(
                "account_not_active",
                _("%(account)s is %(status)s: reconnect it under Channels before it publishes.")
                % {
                    "account": vocabulary.account_label(account),
                    "status": account.get_status_display(),
                },
            )
    _check_targets(row, vocabulary, options)


def _check_targets(row: Row, vocabulary: Vocabulary, options: Options) -> None:
    """Each account's target, checked by content.rules against the platform's limits."""
    post = Post(
        workspace=vocabulary.workspace,
        text=row.text,
        link=str(row.fields.get("link", "")),
        hashtags=list(row.fields.get("hashtags", [])),
        first_comment=str(row.fields.get("first_comment", "")),
        campaign=row.fields.get("campaign"),
    )
    kinds = [str(a.kind) for a in row.media]
    formats = []
    for index, account in enumerate(row.accounts):
        available = vocabulary.formats.get(account.pk, [])
        label = vocabulary.account_label(account)
        if row.formats:
            chosen = row.formats[index]
            if chosen not in available:
                names = dict(PostFormat.choices)
                row.error(
                    "format_not_supported",
                    _("%(account)s cannot publish “%(format)s”; choose one of: %(formats)s.")
                    % {
                        "account": label,
                        "format": names.get(chosen, chosen),
                        "formats": ", ".join(available),
                    },
                )
                formats.append(chosen)
                continue
        elif post.link and not kinds and PostFormat.LINK in available:
            chosen = PostFormat.LINK
        else:
            chosen = default_format(str(account.platform), available, kinds)
        formats.append(str(chosen))
        target = PostTarget(post=post, account=account, format=chosen, options={})
        items = [PlannedMedia(a, rendition_request(target, a), None).as_item() for a in row.media]
        opts: dict[str, Any] = {}
        if chosen == PostFormat.DOCUMENT and row.media:
            pages = row.media[0].codec_info.get("pages")
            if isinstance(pages, int):
                opts["document_pages"] = pages
        problems = rules_check(
            str(account.platform),
            str(chosen),
            final_text(target, vocabulary.settings),
            items,
            account_limits=account.account_limits if account.limits else None,
            options=opts,
        )
        for problem in problems:
            message = _("%(account)s: %(problem)s") % {"account": label, "problem": problem.message}
            blocking = problem.is_error and (
                problem.field in _TEXT_FIELDS
                or problem.code == "format_not_supported"
                or options.mode == Mode.SCHEDULE
            )
            if blocking:
                row.error(problem.code, message)
            elif problem.is_error:
                row.warn(problem.code, _("Before scheduling: %(problem)s") % {"problem": message})
            else:
                row.warn(problem.code, message)
    row.formats = formats


def _duplicates(rows: Sequence[Row]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    texts: dict[str, int] = {}
    for row in rows:
        if not row.fields:
            continue
        key = (row.when, row.text.strip(), tuple(sorted(a.pk for a in row.accounts)))
        if key in seen:
            row.error(
                "duplicate",
                _("The same post (text, time and accounts) as line %(line)s.")
                % {"line": seen[key]},
            )
            continue
        seen[key] = row.line
        text = row.text.strip().casefold()
        if text and text in texts:
            row.warn(
                "same_text",
                _("The same text as line %(line)s, at another time.") % {"line": texts[text]},
            )
        elif text:
            texts[text] = row.line


def _already_planned(workspace: Workspace, rows: Sequence[Row]) -> None:
    """Warn about rows the workspace already plans (the same text at the same time): the
    file may have been imported before."""
    times = {r.when for r in rows if r.when is not None and r.ok}
    if not times:
        return
    planned = {
        (at, text.strip())
        for at, text in Post.objects.filter(
            workspace=workspace, is_template=False, planned_at__in=times
        ).values_list("planned_at", "text")
    }
    for row in rows:
        if row.ok and (row.when, row.text.strip()) in planned:
            row.warn(
                "already_planned",
                _("A post with this text is already planned at this time (imported before?)."),
            )
