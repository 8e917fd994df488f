"""The LinkedIn sandbox fixtures (a connected page on the sandbox) for the publishing tests."""

from manyhats.platforms.facebook.tests.meta_helpers import meta as meta
from manyhats.platforms.linkedin.tests.conftest import account as account
from manyhats.platforms.linkedin.tests.conftest import connector as connector
from manyhats.platforms.linkedin.tests.conftest import li as li
from manyhats.sandbox.testing import sandbox as sandbox
from manyhats.sandbox.testing import sandbox_server as sandbox_server
