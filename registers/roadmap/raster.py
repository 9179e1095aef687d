"""Bar charts as PNG for the Word report, drawn in pure Python (rectangles, digits from a small
bitmap font, zlib): a Word document takes raster images, and a plotting library would be a
heavy dependency for a few bars. The labels stay in the document's text, beside the image."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

# 5 x 7 glyphs: the characters a value needs ("12", "40 000 €", "35 %").
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
    "%": ("11000", "11001", "00010", "00100", "01000", "10011", "00011"),
    "€": ("00111", "01000", "11110", "01000", "11110", "01000", "00111"),
    " ": ("00000",) * 7,
    "\u202f": ("000",) * 7,
    "\xa0": ("000",) * 7,
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    ",": ("00000", "00000", "00000", "00000", "01100", "00100", "01000"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
}


def hex_colour(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class Canvas:
    """An RGB picture, white to begin with."""

    def __init__(self, width: int, height: int, background: str = "#ffffff"):
        self.width, self.height = width, height
        pixel = bytes(hex_colour(background))
        self.rows = [bytearray(pixel * width) for _ in range(height)]

    def rect(self, x: int, y: int, width: int, height: int, colour: str) -> None:
        pixel = bytes(hex_colour(colour))
        x0, x1 = max(0, int(x)), min(self.width, int(x + width))
        if x1 <= x0:
            return
        for row in self.rows[max(0, int(y)) : min(self.height, int(y + height))]:
            row[3 * x0 : 3 * x1] = pixel * (x1 - x0)

    def text_width(self, text: str, scale: int = 2) -> int:
        return sum((len(_GLYPHS.get(c, _GLYPHS[" "])[0]) + 1) * scale for c in text)

    def text(self, x: int, y: int, text: str, colour: str, scale: int = 2) -> None:
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


def stacked_bar_png(segments: Sequence[tuple[int, str]], *, width: int = 900) -> bytes:
    """One bar made of its parts (value, colour), each as long as its share of the total."""
    height = 70
    canvas = Canvas(width, height)
    total = sum(value for value, _ in segments) or 1
    x = 0.0
    for value, colour in segments:
        length = (width - 4) * value / total
        canvas.rect(int(2 + x), 6, int(2 + x + length) - int(2 + x), height - 12, colour)
        if length >= 48:
            label = str(value)
            canvas.text(
                int(2 + x + length / 2 - canvas.text_width(label, 3) / 2),
                height // 2 - 10,
                label,
                "#ffffff",
                scale=3,
            )
        x += length
    return canvas.png()
