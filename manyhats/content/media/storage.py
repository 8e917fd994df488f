"""Files on disk: temporary files beside their destination, atomic moves, and cleanup.

Everything is written to a temporary name on the same file system and then
renamed into place, so a reader never sees half a file and a crash leaves at
most a temporary file, which `sweep_incoming` removes later.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings

INCOMING = ".incoming"


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def absolute(relative: PurePosixPath | str | None) -> Path:
    """The path of a stored file's name (relative to MEDIA_ROOT); never outside MEDIA_ROOT."""
    if not relative:
        raise ValueError("no file name")
    path = (media_root() / str(relative)).resolve()
    if not path.is_relative_to(media_root().resolve()):
        raise ValueError(f"{relative!r} is outside MEDIA_ROOT")
    return path


def incoming_dir() -> Path:
    path = media_root() / INCOMING
    path.mkdir(parents=True, exist_ok=True)
    return path


def temp_file(directory: Path, suffix: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    return Path(name)


def move_into_place(temp: Path, final: Path) -> None:
    """Atomically rename `temp` to `final` (same file system), readable like other uploads."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(temp, getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o644)
    os.replace(temp, final)


def remove_quietly(*paths: Path | None) -> None:
    for path in paths:
        if path is None:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def remove_tree_quietly(path: Path) -> None:
    if path.is_dir() and path.resolve().is_relative_to(media_root().resolve()):
        shutil.rmtree(path, ignore_errors=True)
    # Drop empty parents up to the workspace folder.
    for parent in (path.parent, path.parent.parent):
        try:
            parent.rmdir()
        except OSError:
            break


def sweep_leftovers(older_than_seconds: int = 24 * 3600) -> int:
    """Delete temporary files and work folders left by crashed processes; returns how many."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    candidates = [
        *incoming_dir().glob(".tmp-*"),
        *media_root().glob("*/assets/*/renditions/.tmp-*"),
        *media_root().glob("*/assets/*/renditions/.work-*"),
    ]
    for path in candidates:
        try:
            if path.lstat().st_mtime >= cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed
