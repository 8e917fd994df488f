from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_the_command_refuses_a_non_positive_speed() -> None:
    with pytest.raises(CommandError, match="speed"):
        call_command("sandbox", "--speed", "0")


def test_the_command_refuses_an_impossible_port() -> None:
    with pytest.raises(CommandError, match="port"):
        call_command("sandbox", "--port", "70000")
