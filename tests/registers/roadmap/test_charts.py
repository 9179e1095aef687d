"""The pictures: the timeline SVG (today's line, late actions marked, no style attribute) and
the PNG bars of the Word report."""

from __future__ import annotations

from datetime import date

from registers.roadmap import charts, raster
from registers.roadmap.models import ActionStatus


def bar(code, start, end, status=ActionStatus.IN_PROGRESS, late=False, progress=50):
    return charts.GanttBar(
        code=code,
        title=f"Action {code}",
        href=f"/roadmap/actions/{code}",
        start=start,
        end=end,
        status=status,
        status_label=status.label,
        progress=progress,
        late=late,
    )


def test_gantt_marks_today_and_late_actions():
    svg = charts.gantt_svg(
        [
            charts.GanttGroup("IX. Superviser, auditer, réagir"),
            bar("A-01", date(2025, 1, 1), date(2025, 12, 31), late=True),
            bar("A-02", date(2026, 1, 1), date(2026, 9, 30)),
        ],
        today=date(2026, 3, 1),
        title="Calendrier",
        description="Deux actions",
    )
    assert svg.startswith("<svg") and 'role="group"' in svg
    assert '<title id="gantt-title">Calendrier</title>' in svg
    assert svg.count("stroke-dasharray") == 1  # today's line
    assert svg.count('class="gantt-row late"') == 1
    assert "en retard" in svg and "T1 2025" in svg and "2026" in svg
    assert "style=" not in svg and "<script" not in svg


def test_gantt_escapes_titles():
    svg = charts.gantt_svg(
        [bar("<A>", date(2026, 1, 1), date(2026, 3, 31))],
        today=date(2026, 2, 1),
        title="t",
        description="d",
    )
    assert "<A>" not in svg and "&lt;A&gt;" in svg


def test_png_is_a_png():
    data = raster.bar_chart_png([(3, "#000091", "3"), (1, "#18753c", "1")])
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
