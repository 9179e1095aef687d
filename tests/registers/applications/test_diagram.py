"""The SVG picture of the map, as a pure function (no database)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from registers.applications.diagram import (
    MapEdge,
    MapNode,
    layout_map,
    render_map_svg,
    wrap_label,
)

SVG = "{http://www.w3.org/2000/svg}"


def catalogue(count: int = 53, domains: int = 15) -> list[MapNode]:
    return [
        MapNode(
            id=i,
            name=f"Logiciel {i:02d} {'avec un nom assez long' if i % 7 == 0 else ''}".strip(),
            domain=f"Domaine {i % domains:02d}",
            href=f"/applications/{i}",
            detail=f"Éditeur {i % 5}",
        )
        for i in range(1, count + 1)
    ]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def test_output_is_deterministic():
    nodes = catalogue()
    edges = [MapEdge(1, 2, "paie"), MapEdge(3, 40, "factures", two_way=True)]
    first = render_map_svg(nodes, edges)
    assert render_map_svg(list(reversed(nodes)), list(reversed(edges))) == first
    assert render_map_svg(nodes, edges) == first


def test_every_application_is_a_link_with_a_tooltip():
    nodes = catalogue()
    root = parse(render_map_svg(nodes))
    links = root.findall(f".//{SVG}a")
    assert sorted(link.get("href") for link in links) == sorted(n.href for n in nodes)
    for link in links:
        assert link.find(f"{SVG}title").text
    assert len(root.findall(f".//{SVG}g[@class='map-domain']")) == 15


def test_boxes_do_not_overlap_and_fit_in_the_picture():
    layout = layout_map(catalogue(), max_width=1200)
    boxes = list(layout.boxes.values())
    for index, a in enumerate(boxes):
        assert a.x >= 0 and a.x + a.width <= layout.width
        assert a.y >= 0 and a.y + a.height <= layout.height
        for b in boxes[index + 1 :]:
            apart = (
                a.x + a.width <= b.x
                or b.x + b.width <= a.x
                or a.y + a.height <= b.y
                or b.y + b.height <= a.y
            )
            assert apart, (a.node.name, b.node.name)
    assert layout.width <= 1200
    # 53 applications stay a compact grid, not one tall column.
    assert layout.height < 1200


def test_names_are_escaped():
    nodes = [MapNode(1, "A<b>&\"c'", "Dom <&>", "/applications/1?x=1&y=2", "V<&>")]
    svg = str(render_map_svg(nodes, title="T<&>", description="D<&>"))
    assert "<b>" not in svg
    assert "A&lt;b&gt;&amp;" in svg
    assert "Dom &lt;&amp;&gt;" in svg
    root = parse(svg)  # well-formed XML
    assert root.find(f".//{SVG}a").get("href") == "/applications/1?x=1&y=2"
    assert root.find(f"{SVG}title").text == "T<&>"


def test_interfaces_are_arrows_two_way_with_two_heads():
    nodes = catalogue(10, 3)
    edges = [
        MapEdge(1, 2, "one"),
        MapEdge(2, 3, "both", two_way=True),
        MapEdge(1, 4, "same column"),
        MapEdge(1, 999, "unknown end is dropped"),
    ]
    root = parse(render_map_svg(nodes, edges))
    arrows = root.findall(f".//{SVG}g[@class='map-edge']")
    assert len(arrows) == 3
    titles = [arrow.find(f"{SVG}title").text for arrow in arrows]
    assert any("↔" in t and "both" in t for t in titles)
    for arrow in arrows:
        path = arrow.find(f"{SVG}path")
        assert path.get("marker-end", "").startswith("url(#")
        two_way = "↔" in arrow.find(f"{SVG}title").text
        assert (path.get("marker-start") is not None) == two_way


def test_accessible_name_and_no_style_attribute():
    svg = str(render_map_svg(catalogue(5, 2), id_prefix="m1", title="Carte", description="Résumé"))
    root = parse(svg)
    # A group of links (an image's children could not be links), named by its title.
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "m1-title"
    assert root.get("aria-describedby") == "m1-desc"
    assert root.find(f"{SVG}title").get("id") == "m1-title"
    assert root.find(f"{SVG}desc").text == "Résumé"
    assert "style=" not in svg
    assert "<script" not in svg


def test_empty_map_is_still_valid_svg():
    root = parse(render_map_svg([]))
    assert root.tag == f"{SVG}svg"
    assert not root.findall(f".//{SVG}a")


def test_long_names_wrap_and_keep_their_full_text_in_the_tooltip():
    name = "Une application au nom vraiment beaucoup trop long pour tenir dans une boîte"
    lines = wrap_label(name)
    assert 1 < len(lines) <= 2
    assert lines[-1].endswith("…")
    svg = str(render_map_svg([MapNode(1, name, "D", "/a/1")]))
    assert re.search(rf"<title>{name}</title>", svg)
