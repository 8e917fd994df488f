"""The FILE_UPLOAD chunk plan follows TikTok's documented rules for every size."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from manyhats.platforms.tiktok.chunks import (
    MAX_CHUNK,
    MAX_CHUNKS,
    MAX_FINAL_CHUNK,
    MAX_VIDEO_SIZE,
    MB,
    MIN_CHUNK,
    chunk_plan,
)

sizes = st.integers(min_value=1, max_value=MAX_VIDEO_SIZE)
preferred = st.integers(min_value=1, max_value=2 * MAX_CHUNK)


@given(sizes, preferred)
def test_the_chunks_cover_the_file_exactly_in_order(size: int, chunk: int) -> None:
    plan = chunk_plan(size, chunk)
    ranges = plan.ranges
    assert len(ranges) == plan.total_chunk_count
    assert ranges[0][0] == 0 and ranges[-1][1] == size - 1
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert first == last + 1


@given(sizes, preferred)
def test_the_count_is_floor_of_size_over_chunk_size(size: int, chunk: int) -> None:
    plan = chunk_plan(size, chunk)
    assert plan.total_chunk_count == size // plan.chunk_size
    assert 1 <= plan.total_chunk_count <= MAX_CHUNKS


@given(sizes, preferred)
def test_chunks_are_5_to_64_mb_and_the_last_absorbs_the_rest_up_to_128_mb(
    size: int, chunk: int
) -> None:
    plan = chunk_plan(size, chunk)
    if size < MIN_CHUNK:
        assert (plan.chunk_size, plan.total_chunk_count) == (size, 1)
        return
    assert MIN_CHUNK <= plan.chunk_size <= MAX_CHUNK
    *middle, (first, last) = plan.ranges
    assert all(b - a + 1 == plan.chunk_size for a, b in middle)
    assert plan.chunk_size <= last - first + 1 <= MAX_FINAL_CHUNK


@given(st.integers(min_value=MAX_CHUNK + 1, max_value=MAX_VIDEO_SIZE))
def test_files_over_64_mb_are_always_chunked(size: int) -> None:
    assert chunk_plan(size).total_chunk_count > 1


@given(sizes, preferred)
def test_the_content_ranges_name_the_total(size: int, chunk: int) -> None:
    plan = chunk_plan(size, chunk)
    assert plan.content_range(plan.total_chunk_count - 1).endswith(f"-{size - 1}/{size}")


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (3 * MB, (3 * MB, 1)),  # under 5 MB: whole
        (10 * MB, (10 * MB, 1)),  # fits one preferred chunk
        (50 * MB, (10 * MB, 5)),  # TikTok's own example: 50 MB in 5 x 10 MB
        (50 * MB + 123, (10 * MB, 5)),  # the last chunk takes the remainder
        (19 * MB, (10 * MB, 1)),  # floor(19/10) = 1: one chunk of 19 MB
    ],
)
def test_documented_examples(size: int, expected: tuple[int, int]) -> None:
    plan = chunk_plan(size)
    assert (plan.chunk_size, plan.total_chunk_count) == expected
    assert plan.source_info()["video_size"] == size


def test_an_empty_file_has_no_plan() -> None:
    with pytest.raises(ValueError):
        chunk_plan(0)
