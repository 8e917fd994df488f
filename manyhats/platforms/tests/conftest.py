"""Fixtures shared by the platforms tests."""

from manyhats.platforms.tests.fake_connector import use_fakes as use_fakes  # every platform faked
