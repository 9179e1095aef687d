"""The picture of the application map: an SVG of the applications grouped by business domain,
with the interfaces between them as arrows.

`layout_map` and `render_map_svg` are pure functions over the small dataclasses below, so the
layout can be tested without a database; `map_data` adapts the models to them.

The layout is deterministic: domain panels of equal width are sorted by size (largest first,
then by name) and dropped into the shortest of a fixed number of columns, which keeps 50+
applications in a compact grid that fits the page; the columns are then ordered so that the
domains linked by interfaces sit side by side. Arrows are cubic curves that leave and enter
boxes on the sides facing each other (or loop out to the right within a column); several arrows
on one side get their own attachment points. The SVG uses presentation attributes only (no
style attribute, no script), as the Content-Security-Policy requires.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import permutations

from markupsafe import Markup, escape

from compliance.raster import GLYPH_HEIGHT, Canvas
from registers.applications.models import ApplicationStatus

# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapNode:
    """One application box."""

    id: int
    name: str
    domain: str
    href: str
    detail: str = ""  # tooltip line after the name (vendor, hosting...)
    muted: bool = False  # retired or archived: drawn dashed and grey


@dataclass(frozen=True)
class MapEdge:
    """One interface: an arrow from source to target (both ways if two_way)."""

    source: int
    target: int
    label: str = ""
    two_way: bool = False


# --- geometry -------------------------------------------------------------------------------

FONT_SIZE = 12
HEADER_FONT_SIZE = 13
LINE_HEIGHT = 15
BOX_PAD_X = 10
BOX_PAD_Y = 7
BOX_GAP = 10
PANEL_PAD = 12
PANEL_HEADER = 30
HEADER_LINE_HEIGHT = 16
COLUMN_GAP = 56  # wide enough for the arrows that loop between boxes of one column
ROW_GAP = 24
MARGIN = 16
MIN_TEXT_WIDTH = 110
MAX_TEXT_WIDTH = 170
DEFAULT_MAX_WIDTH = 1200
LEGEND_HEIGHT = 34
EDGE_COLOURS = ("#0b5394", "#b45309", "#047857", "#7c3aed", "#be123c", "#0f766e")
OTHER_DOMAIN = "—"
MAX_PERMUTED_COLUMNS = 7  # 7! orders of the columns are tried at most

_NARROW = set("iljtfrI.,;:'!|() -/")
_WIDE = set("MWmw@%")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the rendered width of text in a sans-serif font: no font metrics exist
    on the server, and a generous estimate only makes a box a little wider."""
    units = 0.0
    for char in text:
        if char in _NARROW:
            units += 0.32
        elif char in _WIDE:
            units += 0.86
        elif char.isupper() or char.isdigit():
            units += 0.68
        else:
            units += 0.56
    return units * size


def header_width(text: str) -> float:
    """Domain names are set larger and in bold."""
    return text_width(text, HEADER_FONT_SIZE) * 1.12


def wrap_label(
    text: str, max_width: float = MAX_TEXT_WIDTH, max_lines: int = 2, *, measure=text_width
) -> list[str]:
    """Break a name into at most max_lines lines at spaces; the last line is cut with an
    ellipsis if it still does not fit (the tooltip keeps the full name)."""
    words = text.split() or [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and measure(candidate) > max_width and len(lines) < max_lines - 1:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    last = lines[-1]
    if measure(last) > max_width:
        while last and measure(last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


@dataclass
class Box:
    node: MapNode
    x: float
    y: float
    width: float
    height: float
    lines: list[str]

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2


@dataclass
class Panel:
    domain: str
    x: float
    y: float
    width: float
    height: float
    column: int
    header: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)


@dataclass
class Layout:
    width: float
    height: float
    panels: list[Panel]
    boxes: dict[int, Box]
    edges: list[MapEdge]


def _domain_key(domain: str) -> tuple:
    return (domain == OTHER_DOMAIN, domain.casefold())


def layout_map(
    nodes: Sequence[MapNode], edges: Iterable[MapEdge] = (), *, max_width: int = DEFAULT_MAX_WIDTH
) -> Layout:
    """Place domain panels and application boxes; keep the edges whose two ends are shown."""
    by_id = {node.id: node for node in nodes}
    by_domain: dict[str, list[MapNode]] = defaultdict(list)
    for node in nodes:
        by_domain[node.domain or OTHER_DOMAIN].append(node)
    for members in by_domain.values():
        members.sort(key=lambda n: (n.name.casefold(), n.id))

    kept = [
        edge
        for edge in edges
        if edge.source in by_id and edge.target in by_id and edge.source != edge.target
    ]
    kept.sort(key=lambda e: (e.source, e.target, e.label))
    labels = {node.id: wrap_label(node.name) for node in nodes}
    widest = max(
        [text_width(line) for lines in labels.values() for line in lines]
        + [header_width(d) - 2 * BOX_PAD_X for d in by_domain]
        + [MIN_TEXT_WIDTH]
    )
    box_width = min(widest, MAX_TEXT_WIDTH) + 2 * BOX_PAD_X
    panel_width = box_width + 2 * PANEL_PAD
    columns = max(1, int((max_width - 2 * MARGIN + COLUMN_GAP) // (panel_width + COLUMN_GAP)))
    columns = min(columns, max(1, len(by_domain)))

    # Largest domains first, each into the currently shortest column (leftmost on a tie).
    order = sorted(by_domain, key=lambda d: (-len(by_domain[d]), _domain_key(d)))
    column_heights = [float(MARGIN)] * columns
    panels: list[Panel] = []
    boxes: dict[int, Box] = {}
    for domain in order:
        column = min(range(columns), key=lambda c: (column_heights[c], c))
        x = MARGIN + column * (panel_width + COLUMN_GAP)
        y = column_heights[column]
        header = wrap_label(domain, box_width, 2, measure=header_width)
        panel = Panel(domain, x, y, panel_width, 0, column, header)
        cursor = y + PANEL_HEADER + (len(header) - 1) * HEADER_LINE_HEIGHT
        for node in by_domain[domain]:
            lines = labels[node.id]
            height = len(lines) * LINE_HEIGHT + 2 * BOX_PAD_Y
            box = Box(node, x + PANEL_PAD, cursor, box_width, height, lines)
            panel.boxes.append(box)
            boxes[node.id] = box
            cursor += height + BOX_GAP
        panel.height = cursor - y - BOX_GAP + PANEL_PAD
        column_heights[column] = y + panel.height + ROW_GAP
        panels.append(panel)

    slots = _column_order(panels, kept, columns)
    for panel in panels:
        shift = (slots[panel.column] - panel.column) * (panel_width + COLUMN_GAP)
        panel.column = slots[panel.column]
        panel.x += shift
        for box in panel.boxes:
            box.x += shift

    used_columns = len({panel.column for panel in panels}) or 1
    # Arrows between boxes of the last column loop out to its right: leave them room.
    right_margin = COLUMN_GAP if kept else MARGIN
    width = MARGIN + right_margin + used_columns * panel_width + (used_columns - 1) * COLUMN_GAP
    height = max(column_heights) - ROW_GAP + MARGIN if panels else 2 * MARGIN + PANEL_HEADER
    return Layout(width, height + (LEGEND_HEIGHT if kept else 0), panels, boxes, kept)


def _column_order(panels: list[Panel], edges: list[MapEdge], columns: int) -> list[int]:
    """The slot of each column, so that connected domains sit close: of all orders of the
    columns, the first with the shortest total horizontal reach of the arrows."""
    column_of = {box.node.id: panel.column for panel in panels for box in panel.boxes}
    links = Counter(
        tuple(sorted((column_of[edge.source], column_of[edge.target]))) for edge in edges
    )
    links = Counter({pair: count for pair, count in links.items() if pair[0] != pair[1]})
    identity = list(range(columns))
    if not links or columns > MAX_PERMUTED_COLUMNS:
        return identity

    def reach(slots: tuple[int, ...]) -> int:
        return sum(count * abs(slots[a] - slots[b]) for (a, b), count in links.items())

    return list(min(permutations(identity), key=reach))


# --- arrows ---------------------------------------------------------------------------------


def _sides(source: Box, target: Box) -> tuple[str, str]:
    """Which side each end leaves from: facing each other, or both right within a column."""
    if abs(source.x - target.x) < 1:
        return "right", "right"
    if source.x < target.x:
        return "right", "left"
    return "left", "right"


def _port_positions(layout: Layout) -> dict[tuple[int, int], tuple[float, float, str]]:
    """Attachment point of each (edge index, end) on its box side, spread along the side and
    ordered by the height of the other end so that arrows on one side do not cross."""
    slots: dict[tuple[int, str], list[tuple[float, int, int]]] = defaultdict(list)
    for index, edge in enumerate(layout.edges):
        source, target = layout.boxes[edge.source], layout.boxes[edge.target]
        source_side, target_side = _sides(source, target)
        slots[(edge.source, source_side)].append((target.centre_y, index, 0))
        slots[(edge.target, target_side)].append((source.centre_y, index, 1))
    ports: dict[tuple[int, int], tuple[float, float, str]] = {}
    for (node_id, side), entries in slots.items():
        box = layout.boxes[node_id]
        entries.sort()
        step = box.height / (len(entries) + 1)
        x = box.x + box.width if side == "right" else box.x
        for rank, (_other_y, index, end) in enumerate(entries, start=1):
            ports[(index, end)] = (x, box.y + rank * step, side)
    return ports


def _curve(start: tuple[float, float, str], end: tuple[float, float, str]) -> str:
    (x1, y1, side1), (x2, y2, side2) = start, end
    direction1 = 1 if side1 == "right" else -1
    direction2 = 1 if side2 == "right" else -1
    if side1 == side2:
        # Loop out into the gutter to the right of the column, further for distant boxes.
        reach = min(COLUMN_GAP - 8, 18 + abs(y2 - y1) / 12)
    else:
        reach = max(30.0, abs(x2 - x1) / 2.5)
    c1 = (x1 + direction1 * reach, y1)
    c2 = (x2 + direction2 * reach, y2)
    return f"M{x1:.1f},{y1:.1f} C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {x2:.1f},{y2:.1f}"


# --- rendering ------------------------------------------------------------------------------


def _attr(value) -> str:
    return str(escape(str(value)))


def _tooltip(node: MapNode) -> str:
    return f"{node.name} ({node.detail})" if node.detail else node.name


def _edge_tooltip(edge: MapEdge, layout: Layout) -> str:
    source = layout.boxes[edge.source].node.name
    target = layout.boxes[edge.target].node.name
    arrow = "↔" if edge.two_way else "→"
    text = f"{source} {arrow} {target}"
    return f"{text} : {edge.label}" if edge.label else text


def _markers(prefix: str) -> list[str]:
    out = ["<defs>"]
    for index, colour in enumerate(EDGE_COLOURS):
        for kind, path in (("end", "M0,0 L10,5 L0,10 z"), ("start", "M10,0 L0,5 L10,10 z")):
            ref_x = 9 if kind == "end" else 1
            out.append(
                f'<marker id="{prefix}-{kind}-{index}" viewBox="0 0 10 10" refX="{ref_x}" '
                f'refY="5" markerWidth="7" markerHeight="7" orient="auto">'
                f'<path d="{path}" fill="{colour}"/></marker>'
            )
    out.append("</defs>")
    return out


def _render_edges(layout: Layout, prefix: str) -> list[str]:
    ports = _port_positions(layout)
    out = ['<g class="map-edges" fill="none" stroke-width="1.6">']
    for index, edge in enumerate(layout.edges):
        colour_index = index % len(EDGE_COLOURS)
        colour = EDGE_COLOURS[colour_index]
        path = _curve(ports[(index, 0)], ports[(index, 1)])
        start = f' marker-start="url(#{prefix}-start-{colour_index})"' if edge.two_way else ""
        out.append(
            f'<g class="map-edge"><title>{_attr(_edge_tooltip(edge, layout))}</title>'
            f'<path d="{path}" stroke="{colour}" stroke-opacity="0.85"'
            f' marker-end="url(#{prefix}-end-{colour_index})"{start}/></g>'
        )
    out.append("</g>")
    return out


def _render_panel(panel: Panel) -> list[str]:
    x = panel.x + PANEL_PAD
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{panel.y + 20 + i * HEADER_LINE_HEIGHT:.1f}">{_attr(line)}</tspan>'
        for i, line in enumerate(panel.header)
    )
    out = [
        f'<g class="map-domain"><rect x="{panel.x:.1f}" y="{panel.y:.1f}" '
        f'width="{panel.width:.1f}" height="{panel.height:.1f}" rx="6" fill="#eef2f7" '
        f'stroke="#9aa9bc"/>',
        f'<text font-size="{HEADER_FONT_SIZE}" font-weight="bold" fill="#1b2a3a">'
        f"{spans}</text></g>",
    ]
    return out


def _render_box(box: Box) -> str:
    node = box.node
    stroke = "#6b7280" if node.muted else "#1f3a5f"
    text_fill = "#4b5563" if node.muted else "#111827"
    dash = ' stroke-dasharray="4 3"' if node.muted else ""
    text_y = box.y + BOX_PAD_Y + FONT_SIZE
    text_x = box.x + BOX_PAD_X
    spans = "".join(
        f'<tspan x="{text_x:.1f}" y="{text_y + i * LINE_HEIGHT:.1f}">{_attr(line)}</tspan>'
        for i, line in enumerate(box.lines)
    )
    return (
        f'<a href="{_attr(node.href)}" class="map-app">'
        f"<title>{_attr(_tooltip(node))}</title>"
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="4" fill="#ffffff" stroke="{stroke}"{dash}/>'
        f'<text font-size="{FONT_SIZE}" fill="{text_fill}">{spans}</text></a>'
    )


def _render_legend(layout: Layout, prefix: str, legend: tuple[str, str]) -> list[str]:
    y = layout.height - LEGEND_HEIGHT / 2
    one_way, two_way = legend
    colour = EDGE_COLOURS[0]
    x = MARGIN
    out = ['<g class="map-legend" font-size="12" fill="#1b2a3a">']
    out.append(
        f'<path d="M{x},{y} h36" stroke="{colour}" stroke-width="1.6" '
        f'marker-end="url(#{prefix}-end-0)"/>'
        f'<text x="{x + 44}" y="{y + 4}">{_attr(one_way)}</text>'
    )
    x2 = x + 60 + text_width(one_way) + 24
    out.append(
        f'<path d="M{x2:.1f},{y} h36" stroke="{colour}" stroke-width="1.6" '
        f'marker-start="url(#{prefix}-start-0)" marker-end="url(#{prefix}-end-0)"/>'
        f'<text x="{x2 + 44:.1f}" y="{y + 4}">{_attr(two_way)}</text>'
    )
    out.append("</g>")
    return out


def render_map_svg(
    nodes: Sequence[MapNode],
    edges: Iterable[MapEdge] = (),
    *,
    title: str = "Application map",
    description: str | None = None,
    legend: tuple[str, str] = ("one-way flow", "two-way flow"),
    id_prefix: str = "app-map",
    max_width: int = DEFAULT_MAX_WIDTH,
) -> Markup:
    """The whole map as one inline <svg> element, safe to insert into a page."""
    layout = layout_map(nodes, edges, max_width=max_width)
    prefix = _attr(id_prefix)
    if description is None:
        description = (
            f"{len(layout.boxes)} applications in {len(layout.panels)} domains, "
            f"{len(layout.edges)} interfaces."
        )
    out = [
        # A group, not an image: its boxes are links, which an image's children cannot be.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-map" role="group" '
        f'viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" '
        f'width="{layout.width:.0f}" height="{layout.height:.0f}" '
        f'aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc" '
        f"font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\">",
        f'<title id="{prefix}-title">{_attr(title)}</title>',
        f'<desc id="{prefix}-desc">{_attr(description)}</desc>',
        *_markers(prefix),
    ]
    for panel in layout.panels:
        out.extend(_render_panel(panel))
    out.extend(_render_edges(layout, prefix))
    out.append('<g class="map-apps">')
    out.extend(_render_box(box) for panel in layout.panels for box in panel.boxes)
    out.append("</g>")
    if layout.edges:
        out.extend(_render_legend(layout, prefix, legend))
    out.append("</svg>")
    return Markup("\n".join(out))


# --- the picture for documents ---------------------------------------------------------------

PICTURE_SCALE = 2  # pixels per unit of the layout: sharp once printed


@dataclass
class MapPicture:
    """The map as a PNG for a Word document. A raster has no words: every domain panel and
    application box carries a number ("2", "2.3"), which `domains` turns back into names."""

    png: bytes
    width: int  # pixels
    height: int
    domains: list[dict]  # {"number", "name", "applications": [{"number", "name"}]}


def _bezier(start, end, samples: int = 24) -> list[tuple[float, float]]:
    """The points of the arrow the SVG draws (see _curve), for a raster."""
    (x1, y1, side1), (x2, y2, side2) = start, end
    direction1 = 1 if side1 == "right" else -1
    direction2 = 1 if side2 == "right" else -1
    if side1 == side2:
        reach = min(COLUMN_GAP - 8, 18 + abs(y2 - y1) / 12)
    else:
        reach = max(30.0, abs(x2 - x1) / 2.5)
    c1 = (x1 + direction1 * reach, y1)
    c2 = (x2 + direction2 * reach, y2)
    points = []
    for step in range(samples + 1):
        t = step / samples
        u = 1 - t
        points.append(
            (
                u**3 * x1 + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * x2,
                u**3 * y1 + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * y2,
            )
        )
    return points


def _arrow_head(canvas: Canvas, tip, before, colour: str, size: float) -> None:
    angle = math.atan2(tip[1] - before[1], tip[0] - before[0])
    for turn in (math.pi * 5 / 6, -math.pi * 5 / 6):
        end = (tip[0] + size * math.cos(angle + turn), tip[1] + size * math.sin(angle + turn))
        canvas.polyline([tip, end], colour, size=2)


def render_map_png(
    nodes: Sequence[MapNode], edges: Iterable[MapEdge] = (), *, max_width: int = 900
) -> MapPicture:
    """The map laid out as on the page, drawn as a PNG with numbered panels and boxes."""
    layout = layout_map(nodes, edges, max_width=max_width)
    k = PICTURE_SCALE
    height = layout.height - (LEGEND_HEIGHT if layout.edges else 0)
    canvas = Canvas(layout.width * k, height * k)
    panels = sorted(layout.panels, key=lambda panel: (panel.column, panel.y))
    domains = []
    for number, panel in enumerate(panels, start=1):
        canvas.rect(panel.x * k, panel.y * k, panel.width * k, panel.height * k, "#f3f6fa")
        canvas.frame(panel.x * k, panel.y * k, panel.width * k, panel.height * k, "#b8c4d6", 2)
        band = PANEL_HEADER + (len(panel.header) - 1) * HEADER_LINE_HEIGHT - 6
        canvas.rect(panel.x * k, panel.y * k, panel.width * k, band * k, "#1f3a5f")
        canvas.text(
            (panel.x + PANEL_PAD) * k, (panel.y + band / 2) * k - GLYPH_HEIGHT * 3 / 2,
            str(number), "#ffffff", scale=3,
        )  # fmt: skip
        entries = []
        for rank, box in enumerate(panel.boxes, start=1):
            label = f"{number}.{rank}"
            colour = "#9ca3af" if box.node.muted else "#1f3a5f"
            canvas.rect(box.x * k, box.y * k, box.width * k, box.height * k, "#ffffff")
            canvas.frame(box.x * k, box.y * k, box.width * k, box.height * k, colour, 2)
            text_width = canvas.text_width(label, scale=3)
            canvas.text(
                (box.x + box.width / 2) * k - text_width / 2,
                box.centre_y * k - GLYPH_HEIGHT * 3 / 2,
                label, colour, scale=3,
            )  # fmt: skip
            entries.append({"number": label, "name": box.node.name, "muted": box.node.muted})
        domains.append({"number": str(number), "name": panel.domain, "applications": entries})
    ports = _port_positions(layout)
    for index, edge in enumerate(layout.edges):
        colour = EDGE_COLOURS[index % len(EDGE_COLOURS)]
        start, end = ports[(index, 0)], ports[(index, 1)]
        points = [(x * k, y * k) for x, y in _bezier(start, end)]
        canvas.polyline(points, colour, size=2)
        _arrow_head(canvas, points[-1], points[-3], colour, 5 * k)
        if edge.two_way:
            _arrow_head(canvas, points[0], points[2], colour, 5 * k)
    return MapPicture(canvas.png(), canvas.width, canvas.height, domains)


# --- from the models ------------------------------------------------------------------------


@dataclass
class MapData:
    """What the map page shows: the boxes and arrows, and the rows of its text alternative."""

    nodes: list[MapNode]
    edges: list[MapEdge]
    applications: list  # the shown Application rows, by domain then name
    interfaces: list  # the shown Interface rows (both ends shown)

    @property
    def domains(self) -> dict[str, list]:
        grouped: dict[str, list] = {}
        for application in self.applications:
            grouped.setdefault(application.domain or OTHER_DOMAIN, []).append(application)
        return grouped


def map_data(applications: Iterable, interfaces: Iterable, *, href) -> MapData:
    """Adapt Application rows (vendor loaded) and Interface rows (ends loaded) to the diagram;
    href(application_id) gives each box's link. Interfaces with an end not shown are left out."""
    shown = sorted(applications, key=lambda a: (_domain_key(a.domain or OTHER_DOMAIN), a.name))
    ids = {application.id for application in shown}
    nodes = [
        MapNode(
            id=application.id,
            name=application.name,
            domain=application.domain or OTHER_DOMAIN,
            href=href(application.id),
            detail=" · ".join(
                part
                for part in (
                    application.vendor.name if application.vendor else "",
                    application.hosting.label,
                    application.status.label
                    if application.status != ApplicationStatus.IN_SERVICE
                    else "",
                )
                if part
            ),
            muted=application.status == ApplicationStatus.RETIRED or application.is_archived,
        )
        for application in shown
    ]
    flows = [
        interface
        for interface in interfaces
        if interface.source_application_id in ids and interface.target_application_id in ids
    ]
    edges = [
        MapEdge(
            source=interface.source_application_id,
            target=interface.target_application_id,
            label=interface.data or "",
            two_way=interface.direction == "two_way",
        )
        for interface in flows
    ]
    return MapData(nodes, edges, shown, flows)
