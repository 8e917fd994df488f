"""What the bench scripts share: a migrated throwaway SQLite database to measure against."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(work: Path) -> None:
    """Django set up on a new SQLite database in `work` (never DATABASE_URL's), migrated."""
    sys.path.insert(0, str(ROOT))
    os.environ["MANYHATS_DATA_DIR"] = str(work / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manyhats.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
