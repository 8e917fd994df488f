"""The import itself: the checked file kept until it is confirmed, then its valid rows
written in one transaction or not at all."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from manyhats.content.media import storage
from manyhats.content.planning.imports.checks import check
from manyhats.content.planning.imports.report import ImportFailed, Mode, Options, Report, Row
from manyhats.content.posts import actions
from manyhats.content.posts.models import Post
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Perm


@dataclass
class Imported:
    posts: list[Post]
    scheduled: int = 0
    submitted: int = 0
    skipped: list[int] = field(default_factory=list)


def _fields(row: Row) -> dict[str, Any]:
    wanted = ("title", "text", "link", "first_comment", "notes", "hashtags", "pillar", "persona")
    values = {k: row.fields[k] for k in wanted if k in row.fields}
    if "campaign" in row.fields:
        values["campaign"] = row.fields["campaign"]
    return values


def do_import(
    membership: Membership,
    data: bytes,
    options: Options,
    *,
    expected_lines: Sequence[int] | None = None,
    import_id: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> tuple[Report, Imported]:
    """Check the file again and import its valid rows in one transaction.

    `expected_lines`: the valid lines of the dry run the person confirmed; when today's check
    finds other valid lines (a time has passed, an account was removed), nothing is imported
    and ImportFailed says so. Any failure while importing rolls every post back.
    """
    require(membership, Perm.COMPOSE)
    from manyhats.content.posts.actions import do_approve, do_submit
    from manyhats.publishing.engine import schedule
    from manyhats.workspaces.models import AuditEvent

    report = check(membership.workspace, data, options, now=now)
    valid = report.valid_rows
    if expected_lines is not None and [r.line for r in valid] != list(expected_lines):
        raise ImportFailed(
            _(
                "The file checks differently now than when you looked at it (a time may have "
                "passed or an account changed). Nothing was imported: check the report again."
            ),
            "changed",
        )
    if not valid:
        raise ImportFailed(_("No row can be imported: fix the problems and upload again."), "none")
    workspace = membership.workspace
    result = Imported(posts=[], skipped=[r.line for r in report.invalid_rows])
    may_approve = membership.can(Perm.APPROVE)
    with transaction.atomic():
        if (
            import_id
            and AuditEvent.objects.filter(
                workspace=workspace, action="posts.imported", after__import_id=import_id
            ).exists()
        ):
            raise ImportFailed(_("This file was imported already."), "already_imported")
        for row in valid:
            try:
                post = actions.do_create_post(
                    membership,
                    fields=_fields(row),
                    targets=[
                        actions.TargetInput(account.pk, fmt)
                        for account, fmt in zip(row.accounts, row.formats, strict=True)
                    ],
                    media=[a.pk for a in row.media],
                    request=request,
                )
                Post.objects.filter(pk=post.pk).update(
                    planned_at=row.when, imported_from=str(report.source)
                )
                post.planned_at, post.imported_from = row.when, str(report.source)
                if options.mode == Mode.SCHEDULE and row.when is not None:
                    if workspace.requires_approval and not may_approve:
                        do_submit(
                            membership, post, comment=_("Imported from a file."), request=request
                        )
                        result.submitted += 1
                    else:
                        if workspace.requires_approval:
                            do_approve(membership, post, request=request)
                        schedule(membership, post, row.when, request=request)
                        result.scheduled += 1
            except ValidationError as exc:
                raise ImportFailed(
                    _("Line %(line)s: %(message)s. Nothing was imported.")
                    % {"line": row.line, "message": " ".join(exc.messages).rstrip(".")},
                    "row_failed",
                ) from exc
            result.posts.append(post)
        record(
            "posts.imported",
            actor=membership.user,
            workspace=workspace,
            after={
                "import_id": import_id,
                "source": str(report.source),
                "sha256": report.sha256,
                "mode": str(options.mode),
                "imported": len(result.posts),
                "scheduled": result.scheduled,
                "submitted": result.submitted,
                "skipped_lines": result.skipped,
                "posts": [str(p.uuid) for p in result.posts],
            },
            request=request,
            object_repr=ngettext(
                "%(count)s post from a file", "%(count)s posts from a file", len(result.posts)
            )
            % {"count": len(result.posts)},
        )
    return report, result


def summary(result: Imported) -> str:
    """What the import did, in one sentence for the person."""
    count = len(result.posts)
    text = ngettext("Imported %(count)s post.", "Imported %(count)s posts.", count) % {
        "count": count
    }
    if result.scheduled:
        text += " " + ngettext(
            "%(count)s is scheduled.", "%(count)s are scheduled.", result.scheduled
        ) % {"count": result.scheduled}
    if result.submitted:
        text += " " + ngettext(
            "%(count)s waits for approval.", "%(count)s wait for approval.", result.submitted
        ) % {"count": result.submitted}
    if result.skipped:
        text += " " + ngettext(
            "Skipped %(count)s row with problems (line %(lines)s).",
            "Skipped %(count)s rows with problems (lines %(lines)s).",
            len(result.skipped),
        ) % {"count": len(result.skipped), "lines": ", ".join(map(str, result.skipped[:20]))}
    return text


# --------------------------------------------------------------------------- the checked file


KEEP_SECONDS = 24 * 3600
_SALT = "manyhats.content.planning.imports"


@dataclass
class KeptUpload:
    """A checked file kept on the server until it is imported (or a day has passed)."""

    key: str
    data: bytes
    options: Options
    valid_lines: list[int]


def _folder(workspace: Workspace) -> Any:
    folder = storage.media_root() / "imports" / str(workspace.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(
    workspace: Workspace, user: Any, data: bytes, options: Options, report: Report
) -> str:
    """Store the checked file; the signed token names it, its checksum, the dialog's choices
    and the lines the dry run found valid, for the person who checked it."""
    folder = _folder(workspace)
    for old in folder.glob("*.csv"):
        if clock.time() - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    key = secrets.token_hex(16)
    temporary = folder / f".{key}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, folder / f"{key}.csv")
    payload = {
        "w": workspace.pk,
        "u": user.pk,
        "k": key,
        "h": report.sha256,
        "o": options.to_json(),
        "v": report.valid_lines,
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def open_upload(token: str, workspace: Workspace, user: Any) -> KeptUpload:
    """The kept file of a token from `keep_upload`. Raises ImportFailed when the token is
    not valid here, has expired, or its file was imported (and removed) already."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=KEEP_SECONDS)
    except signing.SignatureExpired:
        raise ImportFailed(
            _("This check is more than a day old: upload the file again."), "expired"
        ) from None
    except signing.BadSignature:
        raise ImportFailed(
            _("This import is not known: upload the file again."), "unknown"
        ) from None
    if payload.get("w") != workspace.pk or payload.get("u") != user.pk:
        raise ImportFailed(_("This import is not known: upload the file again."), "unknown")
    path = _folder(workspace) / f"{payload['k']}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(
            _("This file was imported already, or its check has expired: upload it again."),
            "gone",
        ) from None
    if hashlib.sha256(data).hexdigest() != payload.get("h"):
        raise ImportFailed(_("The kept file has changed: upload it again."), "changed")
    return KeptUpload(
        key=str(payload["k"]),
        data=data,
        options=Options.from_json(payload.get("o", {})),
        valid_lines=[int(v) for v in payload.get("v", [])],
    )


def discard_upload(workspace: Workspace, key: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", key):
        (_folder(workspace) / f"{key}.csv").unlink(missing_ok=True)


def import_kept(
    membership: Membership, token: str, *, request: HttpRequest | None = None
) -> tuple[Report, Imported]:
    """Import the file a dry run checked, exactly the rows it found valid, once."""
    kept = open_upload(token, membership.workspace, membership.user)
    result = do_import(
        membership,
        kept.data,
        kept.options,
        expected_lines=kept.valid_lines,
        import_id=kept.key,
        request=request,
    )
    discard_upload(membership.workspace, kept.key)
    return result
