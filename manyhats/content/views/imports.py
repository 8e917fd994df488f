"""Bulk import and export of the plan.

    w/<slug>/compose/import/                     upload a CSV (GET the form, POST checks it: the
                                                 report lists every row's problems by line)
    w/<slug>/compose/import/confirm/             import the rows the report found valid (POST)
    w/<slug>/compose/import/template.csv         the manyhats CSV's header with example rows
    w/<slug>/compose/import/hootsuite-sample.csv a small Hootsuite bulk-composer file to try
    w/<slug>/compose/export/                     choose what to export (the calendar's filters)
    w/<slug>/compose/export.csv                  the filtered plan as manyhats CSV

The checked file is kept on the server (content.planning.imports.keep_upload); the confirm
form carries only a signed token naming it, so what is imported is what was checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.content.planning import calendar as cal
from manyhats.content.planning import exports
from manyhats.content.planning import imports as importer
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# The manyhats CSV's columns, as the import page explains them.
COLUMN_HELP: list[tuple[str, Promise]] = [
    (
        "datetime",
        gettext_lazy(
            "When: 2027-03-04 09:30 (in the workspace's time zone), or ISO 8601 with an offset "
            "(2027-03-04T09:30:00+01:00). Instead, two columns “date” and “time” work too. "
            "Empty: a draft without a date."
        ),
    ),
    (
        "accounts",
        gettext_lazy(
            "Where: accounts separated by commas, each as platform:name (Instagram:acme.se), "
            "the name alone, or the platform alone when the workspace has one account there."
        ),
    ),
    (
        "format",
        gettext_lazy(
            "Optional: text, link, image, multi_image, carousel, video, reel, story, document "
            "or photo_post; one for all accounts or one per account in the same order. Empty: "
            "what suits the media (a link post when there is a link and no media)."
        ),
    ),
    ("title", gettext_lazy("Optional: the working title (never published).")),
    ("text", gettext_lazy("The post's text, checked against each platform's limits.")),
    (
        "link",
        gettext_lazy("Optional: a web address (UTM parameters are added as in the composer)."),
    ),
    ("first_comment", gettext_lazy("Optional: the first comment.")),
    (
        "hashtags",
        gettext_lazy("Optional: hashtags separated by spaces or commas, with or without #."),
    ),
    (
        "pillar, persona, campaign",
        gettext_lazy("Optional: names of the workspace's pillars, personas and campaigns."),
    ),
    (
        "media",
        gettext_lazy(
            "Optional: files already in the media library, by file name or id, separated by "
            "commas. Files are not fetched from web addresses."
        ),
    ),
    ("notes", gettext_lazy("Optional: internal notes (never published).")),
]


def _radios[E: StrEnum](
    label: _StrPromise, labels: Mapping[E, str | Promise], initial: E
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[(str(k), v) for k, v in labels.items()],
        initial=str(initial),
        widget=forms.RadioSelect,
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 (with or without BOM) or Latin-1, separated by commas, semicolons or tabs; "
            "at most 2 MB."
        ),
    )
    source = _radios(gettext_lazy("Format"), importer.SOURCE_LABELS, importer.Source.DETECT)
    accounts = forms.MultipleChoiceField(
        label=gettext_lazy("Accounts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "A Hootsuite file names no accounts: its posts go to the accounts chosen here. In "
            "a manyhats file they are used for rows whose accounts column is empty."
        ),
    )
    date_order = _radios(
        gettext_lazy("Dates like 03/04/2027"), importer.DATE_ORDER_LABELS, importer.DateOrder.AUTO
    )
    mode = _radios(gettext_lazy("Import the posts"), importer.MODE_LABELS, importer.Mode.DRAFT)

    def __init__(self, *args: object, accounts: list[ConnectedAccount], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["accounts"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (str(a.pk), f"{PLATFORM_NAMES.get(str(a.platform), a.platform)}: {a.name}")
            for a in accounts
        ]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > importer.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB; split it into smaller files.")
                % {"max": importer.MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def options(self) -> importer.Options:
        data = self.cleaned_data
        return importer.Options(
            source=importer.Source(data["source"]),
            accounts=[int(a) for a in data["accounts"]],
            date_order=importer.DateOrder(data["date_order"]),
            mode=importer.Mode(data["mode"]),
        )


def _accounts(request: WorkspaceRequest) -> list[ConnectedAccount]:
    return list(
        ConnectedAccount.objects.filter(workspace=request.workspace).order_by("platform", "name")
    )


def _page(
    request: WorkspaceRequest,
    form: ImportForm,
    *,
    report: importer.Report | None = None,
    token: str = "",
    failure: str = "",
    status: int = 200,
) -> HttpResponse:
    slug = request.workspace.slug
    zone = request.workspace.zone
    rows = []
    if report is not None:
        for row in report.rows:
            local = row.when.astimezone(zone) if row.when else None
            rows.append(
                {
                    "row": row,
                    "when": f"{local:%Y-%m-%d %H:%M}" if local else "",
                    "accounts": ", ".join(exports.account_label(a) for a in row.accounts),
                    "snippet": row.text[:140] + ("…" if len(row.text) > 140 else ""),
                }
            )
    return render(
        request,
        "content/imports/import.html",
        {
            "active_room": "compose",
            "form": form,
            "report": report,
            "rows": rows,
            "token": token,
            "failure": failure,
            "columns": COLUMN_HELP,
            "zone": zone.key,
            "requires_approval": request.workspace.requires_approval,
            "may_approve": request.membership.can(Perm.APPROVE),
            "template_url": reverse("import_template", args=[slug]),
            "sample_url": reverse("import_hootsuite_sample", args=[slug]),
            "hootsuite_max": importer.HOOTSUITE_MAX_ROWS,
        },
        status=status,
    )


@workspace_view(Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def import_page(request: WorkspaceRequest) -> HttpResponse:
    """GET: the upload form. POST: the dry run, with the report and the confirm button."""
    accounts = _accounts(request)
    if request.method != "POST":
        return _page(request, ImportForm(accounts=accounts))
    form = ImportForm(request.POST, request.FILES, accounts=accounts)
    if not form.is_valid():
        return _page(request, form, status=400)
    options = form.options()
    data = form.cleaned_data["file"].read(importer.MAX_BYTES + 1)
    report = importer.check(request.workspace, data, options)
    token = ""
    if report.valid_rows:
        token = importer.keep_upload(request.workspace, request.user, data, options, report)
    return _page(request, form, report=report, token=token)


@workspace_view(Perm.COMPOSE)
@require_POST
def import_confirm(request: WorkspaceRequest) -> HttpResponse:
    token = request.POST.get("import", "")
    try:
        _report, result = importer.import_kept(request.membership, token, request=request)
    except importer.ImportFailed as exc:
        form = ImportForm(accounts=_accounts(request))
        return _page(request, form, failure=exc.message, status=409)
    messages.success(request, importer.summary(result))
    return redirect(reverse("compose", args=[request.workspace.slug]) + "?tab=all")


def _csv_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@workspace_view(Perm.COMPOSE)
@require_GET
def import_template(request: WorkspaceRequest) -> HttpResponse:
    """The manyhats CSV's header and two example rows naming this workspace's accounts."""
    accounts = _accounts(request)
    zone = request.workspace.zone
    soon = (
        (timezone.now() + timedelta(days=7))
        .astimezone(zone)
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )
    names = [exports.account_label(a) for a in accounts[:2]] or ["Instagram:your.account"]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=importer.TEMPLATE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(
        {
            "datetime": f"{soon:%Y-%m-%d %H:%M}",
            "accounts": ", ".join(names),
            "title": _("Monday tip"),
            "text": _("Our tip of the week: store coffee beans airtight, away from light."),
            "hashtags": "#coffee #tips",
            "notes": _("Delete these example rows before importing."),
        }
    )
    writer.writerow(
        {
            "datetime": f"{soon + timedelta(days=2):%Y-%m-%d} 12:30",
            "accounts": names[0],
            "text": _("Read the whole story on our blog."),
            "link": "https://example.com/blog",
        }
    )
    return _csv_response(out.getvalue().encode("utf-8"), "manyhats-import-template.csv")


@workspace_view(Perm.COMPOSE)
@require_GET
def import_hootsuite_sample(request: WorkspaceRequest) -> HttpResponse:
    """A Hootsuite bulk-composer file (no header; date-time, message, link) with times in the
    coming week, to try the import with."""
    zone = request.workspace.zone
    start = (timezone.now() + timedelta(days=1)).astimezone(zone).date()
    posts = [
        ("08:00", _("Good morning! The first batch of the week is out of the roaster."), ""),
        (
            "12:30",
            _("Lunch tip: our filter coffee of the month, brewed the slow way."),
            "https://example.com/coffee-of-the-month",
        ),
        ("16:00", _("Fika time. What goes best with a cinnamon bun?"), ""),
        (
            "09:00",
            _("New in the shop: a light roast from Huila, Colombia."),
            "https://example.com/shop",
        ),
        ("18:30", _("Thank you for this week, see you on Monday!"), ""),
    ]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    for index, (clock, message, link) in enumerate(posts):
        day = start + timedelta(days=index // 3)
        writer.writerow([f"{day.isoformat()} {clock}:00", message, link])
    return _csv_response(out.getvalue().encode("utf-8"), "hootsuite-bulk-sample.csv")


# --------------------------------------------------------------------------- export


def _export_plan(request: WorkspaceRequest) -> tuple[exports.Plan, list[exports.Entry]]:
    """The period and filters the request asks for, and the posts they take."""
    workspace = request.workspace
    today = timezone.now().astimezone(workspace.zone).date()
    plan = exports.Plan.from_query(workspace, request.GET, today)
    return plan, exports.plan_posts(workspace, plan)


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def export_page(request: WorkspaceRequest) -> HttpResponse:
    """The export's choices: the period and the calendar's filters, with a preview count."""
    workspace = request.workspace
    plan, entries = _export_plan(request)
    vocab = cal.Vocabulary.of(workspace)
    platforms = sorted({str(a.platform) for a in vocab.accounts.values()})
    return render(
        request,
        "content/imports/export.html",
        {
            "active_room": "compose",
            "plan": plan,
            "count": len(entries),
            "vocab": vocab,
            "platforms": [(p, PLATFORM_NAMES.get(p, p)) for p in platforms],
            "statuses": list(cal.STATUSES.items()),
            "filters": plan.filters,
            "zone": workspace.zone.key,
        },
    )


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def export_csv(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    plan, entries = _export_plan(request)
    data = exports.export_csv(workspace, entries, bom=request.GET.get("bom") == "1")
    return _csv_response(data, exports.export_filename(workspace, plan))


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/compose/import/", import_page, name="import"),
    path("w/<slug:slug>/compose/import/confirm/", import_confirm, name="import_confirm"),
    path("w/<slug:slug>/compose/import/template.csv", import_template, name="import_template"),
    path(
        "w/<slug:slug>/compose/import/hootsuite-sample.csv",
        import_hootsuite_sample,
        name="import_hootsuite_sample",
    ),
    path("w/<slug:slug>/compose/export/", export_page, name="export"),
    path("w/<slug:slug>/compose/export.csv", export_csv, name="export_csv"),
]
