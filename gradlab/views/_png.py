"""A small PNG encoder (palette images, stdlib zlib only): the training lab shows its decision
regions as a picture under the data points, so a new picture replaces the old one without the
browser redrawing the 300 points (a heatmap trace would be redrawn with them)."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def palette_png(indexes: np.ndarray, colours: list[str]) -> bytes:
    """A PNG of `indexes` (rows top to bottom, each entry a palette index < 256) with the
    palette `colours` ('#rrggbb')."""
    indexes = np.asarray(indexes)
    if indexes.ndim != 2 or indexes.size == 0:
        raise ValueError(f"a PNG needs a 2-D array of palette indexes, got shape {indexes.shape}")
    if not 0 < len(colours) <= 256 or indexes.min() < 0 or indexes.max() >= len(colours):
        raise ValueError(f"palette indexes must lie in 0..{len(colours) - 1}")
    height, width = indexes.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # a 0 byte per row: filter "none"
    rows[:, 1:] = indexes
    palette = b"".join(bytes.fromhex(colour.lstrip("#")) for colour in colours)
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit palette colour
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", palette)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))


def png_data_uri(indexes: np.ndarray, colours: list[str]) -> str:
    return "data:image/png;base64," + base64.b64encode(palette_png(indexes, colours)).decode()
