"""The risk map of a DPIA (severity x likelihood on the CNIL's four levels), each risk placed
before and after the planned measures: the grid the page draws in HTML, and the PNG the Word
export takes. Words stay in the document beside the picture: the axes are numbered 1 to 4
(négligeable to maximale) and each risk by its number in the method (1 access, 2 modification,
3 disappearance), hollow before measures and filled after."""

from __future__ import annotations

from compliance.raster import Canvas
from registers.dpia import compute
from registers.dpia.schemas import RiskLevel, RiskZone

CELL = 90
MARGIN = 40
ZONE_COLOURS = {
    RiskZone.LOW: "#d9ead3",
    RiskZone.MEDIUM: "#fff2cc",
    RiskZone.HIGH: "#f4cccc",
}
INK = "#1a1a1a"
BEFORE = "#6d6d6d"
AFTER = "#000091"
MARK = 26


def grid(dpia) -> list[dict]:
    """The map's rows, maximal severity first: each cell with its zone and the risks placed in
    it before (`before`) and after (`after`) measures, by their numbers."""
    found = compute.placements(dpia.risks)
    rows = []
    for severity in reversed(list(RiskLevel)):
        cells = []
        for likelihood in RiskLevel:
            cells.append(
                {
                    "severity": severity,
                    "likelihood": likelihood,
                    "zone": compute.zone(severity, likelihood),
                    "before": [
                        p.kind
                        for p in found
                        if (p.severity, p.likelihood) == (severity, likelihood)
                    ],
                    "after": [
                        p.kind
                        for p in found
                        if p.is_residual_estimated
                        and (p.residual_severity, p.residual_likelihood) == (severity, likelihood)
                    ],
                }
            )
        rows.append({"severity": severity, "cells": cells})
    return rows


def _mark(canvas: Canvas, x: float, y: float, number: int, *, filled: bool) -> None:
    colour = AFTER if filled else BEFORE
    if filled:
        canvas.rect(x, y, MARK, MARK, colour)
    else:
        canvas.rect(x, y, MARK, MARK, "#ffffff")
        canvas.frame(x, y, MARK, MARK, colour, size=2)
    text = str(number)
    canvas.text(
        x + (MARK - canvas.text_width(text)) / 2,
        y + (MARK - 14) / 2,
        text,
        "#ffffff" if filled else colour,
    )


def risk_map_png(dpia) -> bytes:
    """The risk map as a PNG: likelihood across (1 to 4), severity up (1 to 4)."""
    size = 4 * CELL
    canvas = Canvas(MARGIN + size + 10, size + MARGIN + 10)
    for row, line in enumerate(grid(dpia)):
        for column, cell in enumerate(line["cells"]):
            x, y = MARGIN + column * CELL, row * CELL + 5
            canvas.rect(x, y, CELL, CELL, ZONE_COLOURS[cell["zone"]])
            canvas.frame(x, y, CELL + 1, CELL + 1, INK)
            marks = [(kind, False) for kind in cell["before"]]
            marks += [(kind, True) for kind in cell["after"]]
            for index, (kind, filled) in enumerate(marks):
                mx = x + 6 + (index % 3) * (MARK + 2)
                my = y + 6 + (index // 3) * (MARK + 2)
                _mark(canvas, mx, my, kind.number, filled=filled)
    for index, level in enumerate(RiskLevel):
        label = str(level.rank)
        # Severity up the left side, likelihood along the bottom.
        canvas.text(12, 5 + (3 - index) * CELL + CELL / 2 - 7, label, INK)
        x = MARGIN + index * CELL + (CELL - canvas.text_width(label)) / 2
        canvas.text(x, size + 16, label, INK)
    return canvas.png()
