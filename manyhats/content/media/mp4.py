"""The top-level box layout of MP4/MOV files: truncation and "fast start" (moov before mdat)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class Box:
    type: str
    offset: int
    size: int


@dataclass(frozen=True)
class BoxLayout:
    boxes: tuple[Box, ...]
    truncated: bool

    def types(self) -> list[str]:
        return [b.type for b in self.boxes]

    @property
    def faststart(self) -> bool:
        """True when the index (moov) comes before the media data (mdat), as streaming needs."""
        types = self.types()
        if "moov" not in types:
            return False
        return "mdat" not in types or types.index("moov") < types.index("mdat")


def top_level_boxes(path: Path | str) -> BoxLayout:
    """Walk the top-level boxes; `truncated` when one claims more bytes than the file has."""
    boxes: list[Box] = []
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        end = fh.tell()
        offset = 0
        while offset < end:
            fh.seek(offset)
            header = fh.read(8)
            if len(header) < 8:
                return BoxLayout(tuple(boxes), truncated=True)
            size, raw_type = struct.unpack(">I4s", header)
            box_type = raw_type.decode("latin-1")
            if size == 1:
                large = fh.read(8)
                if len(large) < 8:
                    return BoxLayout(tuple(boxes), truncated=True)
                size = struct.unpack(">Q", large)[0]
            elif size == 0:
                size = end - offset
            if size < 8:
                return BoxLayout(tuple(boxes), truncated=True)
            boxes.append(Box(box_type, offset, size))
            if offset + size > end:
                return BoxLayout(tuple(boxes), truncated=True)
            offset += size
    return BoxLayout(tuple(boxes), truncated=False)


_CONTAINERS = {"moov", "trak", "edts", "mdia", "minf", "stbl", "udta"}


def _children(fh: BinaryIO, start: int, end: int) -> list[Box]:
    boxes = []
    offset = start
    while offset + 8 <= end:
        fh.seek(offset)
        size, raw_type = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            break
        boxes.append(Box(raw_type.decode("latin-1"), offset, size))
        offset += size
    return boxes


def has_edit_list(path: Path | str) -> bool:
    """True when any track carries an edit list (moov/trak/edts/elst); Instagram wants none."""
    with open(path, "rb") as fh:
        for top in top_level_boxes(path).boxes:
            if top.type != "moov":
                continue
            for trak in _children(fh, top.offset + 8, top.offset + top.size):
                if trak.type != "trak":
                    continue
                for child in _children(fh, trak.offset + 8, trak.offset + trak.size):
                    if child.type == "edts":
                        return True
    return False
