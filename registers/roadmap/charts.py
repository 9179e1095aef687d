"""The pictures of the roadmap, drawn on the server as SVG: the timeline (a Gantt of the
actions over quarters, with today's line and the late actions marked) and the horizontal bar
charts of the progress page.

Pure functions over small dataclasses, so they are tested without a database. Presentation
attributes only (no style attribute, no script), as the Content-Security-Policy requires. Each
picture is role="img" with a title and a description; the pages print the same figures in a
table next to it (the text equivalent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from registers.roadmap import compute
from registers.roadmap.models import ActionStatus

FONT = "Marianne, Arial, sans-serif"
TEXT = "#161616"
MUTED = "#666666"
GRID = "#dddddd"
LATE = "#ce0500"
TODAY = "#c9191e"

# (light: the whole planned span, dark: the part done) per status.
STATUS_COLOURS = {
    ActionStatus.PLANNED: ("#e3e3fd", "#6a6af4"),
    ActionStatus.IN_PROGRESS: ("#cacafb", "#000091"),
    ActionStatus.DONE: ("#b8fec9", "#18753c"),
    ActionStatus.POSTPONED: ("#fee9e5", "#b34000"),
    ActionStatus.CANCELLED: ("#eeeeee", "#929292"),
}


def _attr(value) -> str:
    return str(escape(str(value)))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- the timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GanttBar:
    code: str
    title: str
    href: str
    start: date
    end: date
    status: ActionStatus
    status_label: str
    progress: int
    late: bool


@dataclass(frozen=True)
class GanttGroup:
    label: str


LABEL_WIDTH = 330
QUARTER_WIDTH = 52
ROW_HEIGHT = 26
GROUP_HEIGHT = 24
HEADER_HEIGHT = 46
BAR_HEIGHT = 14
LABEL_CHARS = 46


def _span(rows) -> tuple[date, date]:
    bars = [row for row in rows if isinstance(row, GanttBar)]
    return min(b.start for b in bars), max(b.end for b in bars)


def gantt_svg(
    rows: Sequence[GanttBar | GanttGroup],
    *,
    today: date,
    title: str,
    description: str,
    today_label: str = "Aujourd'hui",
    late_label: str = "en retard",
    progress_label: str = "avancement",
    ident: str = "gantt",
) -> Markup:
    """The actions as bars over the quarters they span; the done part of each bar darker; a
    red outline and a mark on late actions; a vertical line on today."""
    if not any(isinstance(row, GanttBar) for row in rows):
        return Markup("")
    first, last = _span(rows)
    quarters = compute.quarters_between(min(first, today), max(last, today))
    origin = compute.quarter_start(quarters[0])
    days = (compute.quarter_end(quarters[-1]) - origin).days + 1
    plot_width = QUARTER_WIDTH * len(quarters)
    width = LABEL_WIDTH + plot_width + 20

    def x_of(day: date) -> float:
        return LABEL_WIDTH + plot_width * (day - origin).days / days

    height = HEADER_HEIGHT + sum(
        ROW_HEIGHT if isinstance(row, GanttBar) else GROUP_HEIGHT for row in rows
    )
    footer = 22  # room for the label of today's line, under the rows
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" '
        f'viewBox="0 0 {width} {height + footer}" width="{width}" height="{height + footer}" '
        # A group, not an image: its bars are links to the actions.
        f'role="group" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="12">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    out += _quarter_header(quarters, x_of, height)
    y = HEADER_HEIGHT
    for row in rows:
        if isinstance(row, GanttGroup):
            out.append(
                f'<rect x="0" y="{y}" width="{width}" height="{GROUP_HEIGHT}" fill="#f6f6f6"/>'
                f'<text x="8" y="{y + 16}" font-weight="bold" fill="{TEXT}">'
                f"{escape(_clip(row.label, 80))}</text>"
            )
            y += GROUP_HEIGHT
            continue
        out.append(_bar(row, y, x_of, late_label, progress_label))
        y += ROW_HEIGHT
    x_today = _number(x_of(today))
    out.append(
        f'<line x1="{x_today}" y1="{HEADER_HEIGHT - 26}" x2="{x_today}" y2="{height + 6}" '
        f'stroke="{TODAY}" stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{x_today}" y="{height + 18}" text-anchor="middle" fill="{TODAY}" '
        f'font-size="11" font-weight="bold">{escape(today_label)}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def _quarter_header(quarters, x_of, height) -> list[str]:
    out = []
    years: dict[int, list[tuple[int, int]]] = {}
    for quarter in quarters:
        years.setdefault(quarter[0], []).append(quarter)
    for year, members in years.items():
        x1 = x_of(compute.quarter_start(members[0]))
        x2 = x_of(compute.quarter_end(members[-1])) + QUARTER_WIDTH / 91
        out.append(
            f'<text x="{_number((x1 + x2) / 2)}" y="14" text-anchor="middle" font-weight="bold" '
            f'fill="{TEXT}">{year}</text>'
        )
    for index, quarter in enumerate(quarters):
        x = x_of(compute.quarter_start(quarter))
        shade = ' fill="#fafafa"' if index % 2 else ' fill="#ffffff"'
        out.append(
            f'<rect x="{_number(x)}" y="{HEADER_HEIGHT - 26}" width="{QUARTER_WIDTH}" '
            f'height="{height - HEADER_HEIGHT + 26}"{shade}/>'
            f'<line x1="{_number(x)}" y1="18" x2="{_number(x)}" y2="{height}" stroke="{GRID}"/>'
            f'<text x="{_number(x + QUARTER_WIDTH / 2)}" y="{HEADER_HEIGHT - 24 + 14}" '
            f'text-anchor="middle" fill="{MUTED}" font-size="11">T{quarter[1]}</text>'
        )
    out.append(
        f'<line x1="0" y1="{HEADER_HEIGHT}" x2="{LABEL_WIDTH + QUARTER_WIDTH * len(quarters)}" '
        f'y2="{HEADER_HEIGHT}" stroke="#929292"/>'
    )
    return out


def _bar(bar: GanttBar, y: float, x_of, late_label: str, progress_label: str) -> str:
    light, dark = STATUS_COLOURS[bar.status]
    x1 = x_of(bar.start)
    x2 = max(x_of(bar.end) + 1, x1 + 4)
    bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
    done_width = (x2 - x1) * max(0, min(100, bar.progress)) / 100
    tooltip = (
        f"{bar.code} {bar.title} — {compute.quarter_label(compute.quarter_of(bar.start))} → "
        f"{compute.quarter_label(compute.quarter_of(bar.end))}, {bar.status_label}, "
        f"{progress_label} {bar.progress} %"
    )
    if bar.late:
        tooltip += f", {late_label}"
    label = f"{bar.code} · {bar.title}"
    parts = [
        f'<a href="{_attr(bar.href)}" class="gantt-row{" late" if bar.late else ""}">',
        f"<title>{escape(tooltip)}</title>",
        f'<rect x="0" y="{y}" width="{LABEL_WIDTH - 6}" height="{ROW_HEIGHT}" fill="#ffffff" '
        f'fill-opacity="0"/>',
        f'<text x="8" y="{y + 17}" fill="{LATE if bar.late else TEXT}">'
        f"{escape(_clip(label, LABEL_CHARS))}</text>",
        f'<rect x="{_number(x1)}" y="{bar_y}" width="{_number(x2 - x1)}" height="{BAR_HEIGHT}" '
        f'rx="3" fill="{light}" stroke="{LATE if bar.late else dark}" '
        f'stroke-width="{2 if bar.late else 1}"/>',
    ]
    if done_width > 0:
        parts.append(
            f'<rect x="{_number(x1)}" y="{bar_y}" width="{_number(done_width)}" '
            f'height="{BAR_HEIGHT}" rx="3" fill="{dark}"/>'
        )
    if bar.late:
        cx, cy = x2 + 10, bar_y + BAR_HEIGHT / 2
        parts.append(
            f'<circle cx="{_number(cx)}" cy="{_number(cy)}" r="7" fill="{LATE}"/>'
            f'<text x="{_number(cx)}" y="{_number(cy + 4)}" text-anchor="middle" fill="#ffffff" '
            f'font-size="11" font-weight="bold" aria-hidden="true">!</text>'
        )
    parts.append("</a>")
    return "".join(parts)


# --- bar charts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str
    shown: str  # the value as printed ("12", "40 000 €", "35 %")


def bar_chart_svg(
    bars: Sequence[Bar], *, title: str, description: str, ident: str, maximum: int | None = None
) -> Markup:
    """Horizontal bars, one per line, the value printed at the end of each."""
    label_width, plot_width, row = 210, 330, 30
    top = maximum if maximum is not None else max((b.value for b in bars), default=0)
    top = max(top, 1)
    height = row * len(bars) + 10
    width = label_width + plot_width + 110
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height - 5}" stroke="#929292"/>',
    ]
    for index, bar in enumerate(bars):
        y = 5 + index * row
        length = plot_width * bar.value / top
        out.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_clip(bar.label, 30))}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{_number(length)}" height="18" '
            f'fill="{bar.colour}"/>'
            f'<text x="{_number(label_width + length + 6)}" y="{y + 17}" fill="{TEXT}" '
            f'font-weight="bold">{escape(bar.shown)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bar_svg(segments: Sequence[Bar], *, title: str, description: str, ident: str) -> Markup:
    """One bar split into its parts (their shares of the total), with a legend below."""
    width, bar_height, left = 660, 34, 10
    plot = width - 2 * left
    total = sum(s.value for s in segments) or 1
    legend_rows = (len(segments) + 1) // 2
    height = bar_height + 20 + legend_rows * 24
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="13">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    x = left
    for segment in segments:
        length = plot * segment.value / total
        if length > 0:
            out.append(
                f'<rect x="{_number(x)}" y="4" width="{_number(length)}" height="{bar_height}" '
                f'fill="{segment.colour}" stroke="#ffffff"/>'
            )
            if length > 34:
                out.append(
                    f'<text x="{_number(x + length / 2)}" y="{4 + bar_height / 2 + 5}" '
                    f'text-anchor="middle" fill="#ffffff" font-weight="bold">{segment.value}</text>'
                )
        x += length
    for index, segment in enumerate(segments):
        column, line = index % 2, index // 2
        lx, ly = left + column * (width / 2), bar_height + 20 + line * 24
        out.append(
            f'<rect x="{_number(lx)}" y="{ly}" width="14" height="14" fill="{segment.colour}"/>'
            f'<text x="{_number(lx + 20)}" y="{ly + 12}" fill="{TEXT}">'
            f"{escape(_clip(segment.label, 48))} : {escape(segment.shown)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
