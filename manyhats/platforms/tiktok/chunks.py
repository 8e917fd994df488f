"""The FILE_UPLOAD chunk plan of TikTok's Content Posting API (docs platforms/tiktok.md section 4).

The rules, as documented:
- chunks are 5-64 MB; the final chunk may be bigger than `chunk_size` (up to 128 MB)
  because it absorbs the remainder;
- `total_chunk_count = floor(video_size / chunk_size)`;
- a file under 5 MB goes up in one piece with `chunk_size = video_size`;
- a file over 64 MB must be chunked; 1 to 1000 chunks.

TikTok's figures are read as binary megabytes (MiB), like its own example
(`video_size` 52428800 = 50 MiB, `chunk_size` 10485760 = 10 MiB). A file that
fits in one preferred chunk is sent whole (fewer requests, still within 64 MB).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
MIN_CHUNK = 5 * MB
MAX_CHUNK = 64 * MB
MAX_FINAL_CHUNK = 128 * MB
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10 * MB
MAX_VIDEO_SIZE = 4 * 1024 * MB  # TikTok accepts videos up to 4 GB


@dataclass(frozen=True)
class ChunkPlan:
    """What `source_info` announces and the byte ranges to PUT, in order."""

    video_size: int
    chunk_size: int
    total_chunk_count: int

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """(first, last) byte offsets, inclusive, as in `Content-Range: bytes first-last/size`."""
        out = []
        for index in range(self.total_chunk_count):
            first = index * self.chunk_size
            final = index == self.total_chunk_count - 1
            last = self.video_size - 1 if final else first + self.chunk_size - 1
            out.append((first, last))
        return out

    def content_range(self, index: int) -> str:
        first, last = self.ranges[index]
        return f"bytes {first}-{last}/{self.video_size}"

    def source_info(self) -> dict[str, int | str]:
        return {
            "source": "FILE_UPLOAD",
            "video_size": self.video_size,
            "chunk_size": self.chunk_size,
            "total_chunk_count": self.total_chunk_count,
        }


def chunk_plan(video_size: int, preferred: int = DEFAULT_CHUNK) -> ChunkPlan:
    """The plan for a file of `video_size` bytes, cut in chunks of about `preferred` bytes.

    `preferred` is clamped to 5-64 MB. Raises ValueError for an empty file or one
    too big for 1000 chunks of 64 MB.
    """
    if video_size <= 0:
        raise ValueError("the video is empty")
    chunk = min(max(preferred, MIN_CHUNK), MAX_CHUNK)
    if video_size < MIN_CHUNK or video_size <= chunk:
        return ChunkPlan(video_size, video_size, 1)
    count = video_size // chunk
    if count > MAX_CHUNKS:
        # Bigger chunks so that at most 1000 are needed (only for huge files).
        chunk = -(-video_size // MAX_CHUNKS)
        if chunk > MAX_CHUNK:
            raise ValueError("the video is too big to upload in 1000 chunks of 64 MB")
        count = video_size // chunk
    return ChunkPlan(video_size, chunk, count)
