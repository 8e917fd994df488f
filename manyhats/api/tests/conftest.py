import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counters live in the cache and are keyed by user id, which SQLite reuses."""
    cache.clear()
    yield
    cache.clear()
