"""Bar charts as PNG for the Word report, drawn on the kernel's canvas (compliance/raster.py):
a Word document takes raster images, and a plotting library would be a heavy dependency for a
few bars. The labels stay in the document's text, beside the image."""

from __future__ import annotations

from collections.abc import Sequence

from compliance.raster import Canvas, bar_chart_png

__all__ = ["bar_chart_png", "stacked_bar_png"]


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
