"""Bar charts as PNG for the Word report, drawn on the kernel's canvas (compliance/raster.py):
a Word document takes raster images, and a plotting library would be a heavy dependency for a
few bars. The labels stay in the document's text, beside the image."""

from __future__ import annotations

from collections.abc import Sequence

from compliance.raster import Canvas


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
