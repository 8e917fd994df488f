from manyhats.platforms.facebook.tests.meta_helpers import media_server as media_server
from manyhats.platforms.facebook.tests.meta_helpers import meta as meta
from manyhats.sandbox.testing import sandbox as sandbox
from manyhats.sandbox.testing import sandbox_server as sandbox_server
