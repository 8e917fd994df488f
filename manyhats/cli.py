"""The `manyhats` console script: Django's management commands plus the project's own."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manyhats.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manyhats", *(sys.argv[1:] if argv is None else argv)])
