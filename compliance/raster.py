"""Small RGB pictures drawn in pure Python (rectangles, lines, numbers from a bitmap font) and
written as PNG: a Word document takes raster images, and no drawing library is needed for
boxes, arrows and numbers. Words stay in the document's text, beside the picture."""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Sequence

# 5 x 7 glyphs: numbers, the references made of them ("3.14") and the values of a chart
# ("40 000 €", "35 %").
_GLYPHS = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    ".": ("000", "000", "000", "000", "000", "110", "110"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    ",": ("000", "000", "000", "000", "110", "010", "100"),
    "%": ("11000", "11001", "00010", "00100", "01000", "10011", "00011"),
    "€": ("00111", "01000", "11110", "01000", "11110", "01000", "00111"),
    " ": ("000",) * 7,
    "\u202f": ("000",) * 7,
    "\xa0": ("000",) * 7,
}
GLYPH_HEIGHT = 7


def hex_colour(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class Canvas:
    """An RGB picture, white to begin with."""

    def __init__(self, width: int, height: int, background: str = "#ffffff"):
        self.width, self.height = max(1, int(width)), max(1, int(height))
        pixel = bytes(hex_colour(background))
        self.rows = [bytearray(pixel * self.width) for _ in range(self.height)]

    def rect(self, x: float, y: float, width: float, height: float, colour: str) -> None:
        pixel = bytes(hex_colour(colour))
        x0, x1 = max(0, round(x)), min(self.width, round(x + width))
        if x1 <= x0:
            return
        top, bottom = max(0, round(y)), min(self.height, round(y + height))
        for row in self.rows[top:bottom]:
            row[3 * x0 : 3 * x1] = pixel * (x1 - x0)

    def frame(self, x: float, y: float, width: float, height: float, colour: str, size=1):
        """The outline of a rectangle, `size` pixels thick, inside its bounds."""
        self.rect(x, y, width, size, colour)
        self.rect(x, y + height - size, width, size, colour)
        self.rect(x, y, size, height, colour)
        self.rect(x + width - size, y, size, height, colour)

    def polyline(self, points, colour: str, size: int = 2, dashed: bool = False) -> None:
        """Segments through `points`, `size` pixels thick; dashed draws every other 6 px."""
        travelled = 0.0
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            length = math.hypot(x2 - x1, y2 - y1)
            steps = max(1, int(length))
            for step in range(steps + 1):
                if dashed and int((travelled + step) // 6) % 2:
                    continue
                t = step / steps
                x, y = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
                self.rect(x - size / 2, y - size / 2, size, size, colour)
            travelled += length

    def text_width(self, text: str, scale: int = 2) -> int:
        return sum((len(_GLYPHS.get(c, _GLYPHS[" "])[0]) + 1) * scale for c in text) - scale

    def text(self, x: float, y: float, text: str, colour: str, scale: int = 2) -> None:
        """Draw `text` with its top-left corner at (x, y); unknown characters are blanks."""
        for char in text:
            glyph = _GLYPHS.get(char, _GLYPHS[" "])
            for line, bits in enumerate(glyph):
                for column, bit in enumerate(bits):
                    if bit == "1":
                        self.rect(x + column * scale, y + line * scale, scale, scale, colour)
            x += (len(glyph[0]) + 1) * scale

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def bar_chart_png(
    bars: Sequence[tuple[int, str, str]], *, width: int = 900, maximum: int | None = None
) -> bytes:
    """Horizontal bars (value, colour, value as printed), top to bottom, on a baseline."""
    row, left, right = 56, 12, 200
    canvas = Canvas(width, row * len(bars) + 16)
    top = max(maximum if maximum is not None else max((v for v, _, _ in bars), default=0), 1)
    plot = width - left - right
    canvas.rect(left, 0, 2, canvas.height, "#929292")
    for index, (value, colour, shown) in enumerate(bars):
        y = 8 + index * row
        length = int(plot * value / top)
        canvas.rect(left + 2, y + 8, length, row - 16, colour)
        canvas.text(left + 2 + length + 12, y + row // 2 - 10, shown, "#161616", scale=3)
    return canvas.png()
