"""Bulk import and export of the plan, and calendar feeds.

Import in two steps, as in the web page: `POST /imports` uploads the file and answers the
dry run (every row with its line number and problems) and an `import_id`; `POST
/imports/confirm` with that id imports exactly the rows the dry run found valid, in one
transaction, or nothing (409 when the file now checks differently, e.g. a time has passed).
The formats (Hootsuite's bulk composer file and the manyhats CSV) are described in
manyhats.content.planning.imports.

`GET /exports/posts.csv` answers the plan as manyhats CSV, with the calendar's filters.

A calendar feed is a member's private iCalendar URL (RFC 5545) of the workspace's plan; its
`url` is answered once, when it is made, and only its hash is kept. A member has one live
feed per workspace: making a new one revokes the old.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from manyhats.api.auth import member, permission
from manyhats.api.errors import ApiError
from manyhats.api.schemas import Id, Input
from manyhats.content.planning import exports, feeds
from manyhats.content.planning import imports as importer
from manyhats.content.posts.models import CalendarFeed
from manyhats.workspaces.roles import Perm

router = Router(tags=["planning"])

_UPLOAD_BODY = {
    "requestBody": {"content": {"multipart/form-data": {"schema": {"required": ["file"]}}}}
}
_CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "The plan as manyhats CSV (UTF-8; with a BOM when `bom=true`).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


# --- schemas -------------------------------------------------------------------


class ProblemOut(Schema):
    line: int = Field(description="The file's line the row starts on; 0: the whole file.")
    severity: Literal["error", "warning"] = Field(
        description="An error keeps the row (or, at line 0, the file) out of the import."
    )
    code: str = Field(
        description="Stable: in_the_past, ambiguous_date, nonexistent_time, invalid_date, "
        "time_missing, unknown_account, text_too_long, duplicate, columns, over_row_limit, "
        "no_accounts, header, not_text, ... (and the codes of the platform rules)."
    )
    message: str


class RowOut(Schema):
    line: int
    ok: bool = Field(description="Imported when the import is confirmed.")
    planned_at: datetime | None = Field(description="UTC; null: no date (a draft).")
    accounts: list[int] = Field(description="The connected accounts' ids.")
    formats: list[str]
    text: str
    problems: list[ProblemOut]


class ImportCheckOut(Schema):
    import_id: str | None = Field(
        description="Send it to /imports/confirm; null when no row can be imported. Valid "
        "for a day, for you."
    )
    source: Literal["hootsuite_csv", "manyhats_csv"]
    encoding: str = Field(description="How the file was read, e.g. “UTF-8 (with BOM)”.")
    delimiter: str
    valid: int
    invalid: int
    problems: list[ProblemOut] = Field(description="About the whole file.")
    ignored_columns: list[str]
    rows: list[RowOut]


class ConfirmIn(Input):
    import_id: str = Field(max_length=4000)


class ImportOut(Schema):
    imported: int
    scheduled: int
    submitted: int = Field(description="Submitted for approval (the workspace requires it).")
    skipped_lines: list[int]
    posts: list[str] = Field(description="The new posts' ids.")
    message: str


class FeedOut(Schema):
    id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewFeedOut(FeedOut):
    url: str = Field(description="The feed's address: shown this once, keep it secret.")
    webcal_url: str


class ExportQuery(Schema):
    start: date | None = Field(None, description="First local day (default: today).")
    end: date | None = Field(None, description="Last local day (default: a year on).")
    platform: list[str] = Field(default_factory=list)
    account: list[int] = Field(default_factory=list)
    pillar: list[int] = Field(default_factory=list)
    persona: list[int] = Field(default_factory=list)
    campaign: list[int] = Field(default_factory=list)
    status: list[str] = Field(
        default_factory=list, description="Post statuses or queue states, as the calendar's."
    )
    bom: bool = Field(False, description="Start with a UTF-8 BOM, for Excel.")


# --- helpers -------------------------------------------------------------------


def _problem(p: importer.RowProblem) -> dict[str, Any]:
    return {"line": p.line, "severity": p.severity, "code": p.code, "message": p.message}


def _check_out(report: importer.Report, token: str) -> dict[str, Any]:
    valid = set(report.valid_lines)
    return {
        "import_id": token or None,
        "source": str(report.source) if report.source != importer.Source.DETECT else "manyhats_csv",
        "encoding": report.encoding,
        "delimiter": report.delimiter,
        "valid": len(report.valid_rows),
        "invalid": len(report.invalid_rows),
        "problems": [_problem(p) for p in report.problems],
        "ignored_columns": report.ignored_columns,
        "rows": [
            {
                "line": row.line,
                "ok": row.line in valid,
                "planned_at": row.when,
                "accounts": [a.pk for a in row.accounts],
                "formats": row.formats,
                "text": row.text,
                "problems": [_problem(p) for p in row.problems],
            }
            for row in report.rows
        ],
    }


def _feed_out(feed: CalendarFeed) -> dict[str, Any]:
    return {
        "id": feed.pk,
        "created_at": feed.created_at,
        "last_used_at": feed.last_used_at,
        "revoked_at": feed.revoked_at,
    }


# --- import --------------------------------------------------------------------


@router.post(
    "/{workspace_id}/imports",
    response=ImportCheckOut,
    summary="Check a CSV file to import (dry run)",
    description="multipart/form-data with `file` (at most 2 MB) and optionally `source` "
    "(`detect`, `hootsuite_csv`, `manyhats_csv`), `accounts` (account ids, repeated: where a "
    "Hootsuite file's posts go), `date_order` (`auto` refuses dates like 03/04/2027; `dmy`, "
    "`mdy`) and `mode` (`draft`, `schedule`). Nothing is written: the answer lists every "
    "row with its line number and problems.",
    openapi_extra={**permission(Perm.COMPOSE), **_UPLOAD_BODY},
)
def check_import(
    request: HttpRequest,
    workspace_id: Id,
    file: UploadedFile | None = File(None, description="The CSV file (required)."),  # noqa: B008
    source: Literal["detect", "hootsuite_csv", "manyhats_csv"] = Form("detect"),
    accounts: list[int] = Form([], description="Account ids."),  # noqa: B008
    date_order: Literal["auto", "dmy", "mdy"] = Form("auto"),
    mode: Literal["draft", "schedule"] = Form("draft"),
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    if file is None:
        raise ApiError(
            422,
            "validation_error",
            _("Some fields are not valid."),
            [{"field": "file", "code": "missing", "message": _("Choose a file to upload.")}],
        )
    if file.size is not None and file.size > importer.MAX_BYTES:
        raise ApiError(413, "too_large", _("The file is larger than 2 MB; split it."))
    options = importer.Options(
        source=importer.Source(source),
        accounts=list(accounts),
        date_order=importer.DateOrder(date_order),
        mode=importer.Mode(mode),
    )
    data = file.read(importer.MAX_BYTES + 1)
    report = importer.check(membership.workspace, data, options)
    token = ""
    if report.valid_rows:
        token = importer.keep_upload(membership.workspace, membership.user, data, options, report)
    return _check_out(report, token)


@router.post(
    "/{workspace_id}/imports/confirm",
    response={201: ImportOut},
    summary="Import the checked file",
    description="Imports the rows the dry run found valid, in one transaction, as drafts "
    "or scheduled (following the workspace's approval rule). 409 `changed` when the file "
    "now checks differently (nothing is imported; check it again); 400 for an unknown, "
    "expired or already imported `import_id`.",
    openapi_extra=permission(Perm.COMPOSE),
)
def confirm_import(
    request: HttpRequest, workspace_id: Id, payload: ConfirmIn
) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    try:
        _report, result = importer.import_kept(membership, payload.import_id, request=request)
    except importer.ImportFailed as exc:
        status = 409 if exc.code in ("changed", "row_failed", "already_imported") else 400
        raise ApiError(status, exc.code, exc.message) from None
    return Status(
        201,
        {
            "imported": len(result.posts),
            "scheduled": result.scheduled,
            "submitted": result.submitted,
            "skipped_lines": result.skipped,
            "posts": [str(p.uuid) for p in result.posts],
            "message": importer.summary(result),
        },
    )


# --- export --------------------------------------------------------------------


@router.get(
    "/{workspace_id}/exports/posts.csv",
    summary="Export the plan as CSV",
    description="The posts the calendar shows for the period and filters (each filter may "
    "repeat), one row per post, in the manyhats import format.",
    openapi_extra={**permission(Perm.VIEW_CALENDAR), **_CSV_RESPONSE},
)
def export_plan(request: HttpRequest, workspace_id: Id, query: Query[ExportQuery]) -> HttpResponse:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    workspace = membership.workspace
    values: dict[str, Any] = {
        "start": query.start.isoformat() if query.start else "",
        "end": query.end.isoformat() if query.end else "",
        "platform": query.platform,
        "account": [str(v) for v in query.account],
        "pillar": [str(v) for v in query.pillar],
        "persona": [str(v) for v in query.persona],
        "campaign": [str(v) for v in query.campaign],
        "status": query.status,
    }
    today = timezone.now().astimezone(workspace.zone).date()
    plan = exports.Plan.from_query(workspace, values, today)
    data = exports.export_csv(workspace, exports.plan_posts(workspace, plan), bom=query.bom)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    name = exports.export_filename(workspace, plan)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- calendar feeds ------------------------------------------------------------


@router.get(
    "/{workspace_id}/calendar-feeds",
    response=list[FeedOut],
    summary="List your calendar feeds",
    description="Your own feeds in this workspace, newest first (revoked ones included).",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_feeds(request: HttpRequest, workspace_id: Id) -> list[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    found = CalendarFeed.objects.filter(workspace=membership.workspace, user=membership.user)
    return [_feed_out(f) for f in found]


@router.post(
    "/{workspace_id}/calendar-feeds",
    response={201: NewFeedOut},
    summary="Make a calendar feed",
    description="A new private iCalendar URL for you; your previous one in this workspace "
    "stops working. The URL is in this answer only.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def create_feed(request: HttpRequest, workspace_id: Id) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    feed, raw = feeds.do_create_feed(membership, request=request)
    return Status(
        201, {**_feed_out(feed), "url": feeds.feed_url(raw), "webcal_url": feeds.webcal_url(raw)}
    )


class RevokedOut(Schema):
    revoked: bool = Field(description="False when you had no live feed here.")


@router.delete(
    "/{workspace_id}/calendar-feeds",
    response=RevokedOut,
    summary="Revoke your calendar feed",
    description="Your live feed's URL stops working at once (calendar apps get 404).",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def revoke_feed(request: HttpRequest, workspace_id: Id) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    feed = feeds.active_feed(membership)
    revoked = feed is not None and feeds.do_revoke_feed(membership, feed, request=request)
    return {"revoked": revoked}
