"""The roadmap's figures turned into what a reader sees: the timeline, the bar charts of the
progress page and their legends, in the current language. Shared by the pages and the Word
report (which draws the same bars as PNG, see raster.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

from registers.roadmap import charts, compute
from registers.roadmap.compute import Budget, Coverage, CoverageSummary, Progress
from registers.roadmap.models import ActionStatus, RoadmapAction

COLOURS = {
    "done": "#18753c",
    "in_progress": "#000091",
    "planned": "#6a6af4",
    "postponed": "#b34000",
    "cancelled": "#666666",
    "late": "#ce0500",
    "estimated": "#000091",
    "spent": "#18753c",
    "subsidised": "#b34000",
    "received": "#7a4e00",
    Coverage.APPLIED: "#18753c",
    Coverage.NOT_APPLICABLE: "#666666",
    Coverage.PLANNED: "#000091",
    Coverage.UNPLANNED: "#ce0500",
    Coverage.NOT_ASSESSED: "#7a4e00",
}


def _locale() -> str:
    try:
        return str(get_locale() or "fr")
    except (RuntimeError, AttributeError):
        return "fr"


def euros(value: int | None, locale: str | None = None) -> str:
    if value is None:
        return ""
    return f"{format_decimal(value, locale=locale or _locale())}\u00a0€"


def coverage_labels() -> dict[str, str]:
    return {
        Coverage.APPLIED: _("Appliquées"),
        Coverage.NOT_APPLICABLE: _("Sans objet"),
        Coverage.PLANNED: _("Écart traité par la feuille de route"),
        Coverage.UNPLANNED: _("Écart sans action prévue"),
        Coverage.NOT_ASSESSED: _("Non évaluées"),
    }


# --- the timeline -----------------------------------------------------------------------------


def _group_key(action: RoadmapAction, group_by: str):
    if group_by == "quarter":
        return compute.quarter_of(action.target_on)
    return action.theme.order


def _group_label(action: RoadmapAction, group_by: str) -> str:
    if group_by == "quarter":
        return _(
            "Échéance %(quarter)s",
            quarter=compute.quarter_label(compute.quarter_of(action.target_on)),
        )
    return action.theme.numbered_label


def groups(
    actions: Iterable[RoadmapAction], group_by: str
) -> list[tuple[str, list[RoadmapAction]]]:
    """The actions grouped by theme (the guide's order) or by the quarter of their target."""
    keyed: dict = {}
    for action in actions:
        key = _group_key(action, group_by)
        keyed.setdefault(key, (_group_label(action, group_by), []))[1].append(action)
    return [keyed[key] for key in sorted(keyed)]


def timeline(
    actions: list[RoadmapAction],
    *,
    today: date,
    group_by: str,
    href: Callable[[RoadmapAction], str],
):
    rows: list = []
    for label, members in groups(actions, group_by):
        rows.append(charts.GanttGroup(label))
        rows += [
            charts.GanttBar(
                code=a.code,
                title=a.title,
                href=href(a),
                start=a.start_on,
                end=a.target_on,
                status=a.status,
                status_label=a.status.label,
                progress=100 if a.status == ActionStatus.DONE else a.progress,
                late=a.is_late(today),
            )
            for a in members
        ]
    late = sum(1 for a in actions if a.is_late(today))
    return charts.gantt_svg(
        rows,
        today=today,
        title=_("Calendrier des actions de la feuille de route"),
        description=_(
            "%(count)d actions sur une échelle en trimestres ; la partie foncée de chaque barre "
            "est la part réalisée ; %(late)d actions en retard sont entourées de rouge et "
            "marquées d'un point d'exclamation ; la ligne pointillée rouge marque aujourd'hui. "
            "Le tableau des actions qui suit donne le même contenu.",
            count=len(actions),
            late=late,
        ),
        today_label=_("Aujourd'hui"),
        late_label=_("en retard"),
        progress_label=_("avancement"),
    )


# --- the progress page ------------------------------------------------------------------------


def status_bars(progress: Progress) -> list[charts.Bar]:
    items = [
        ("done", _("Réalisées"), progress.done),
        ("in_progress", _("En cours"), progress.in_progress),
        ("planned", _("Prévues"), progress.planned),
        ("postponed", _("Reportées"), progress.postponed),
        ("cancelled", _("Abandonnées"), progress.cancelled),
        ("late", _("En retard (échéance passée)"), progress.late),
    ]
    return [charts.Bar(label, value, COLOURS[key], str(value)) for key, label, value in items]


def budget_bars(budget: Budget, locale: str | None = None) -> list[charts.Bar]:
    items = [
        ("estimated", _("Budget prévu"), budget.estimated),
        ("spent", _("Dépensé"), budget.spent),
        ("subsidised", _("Subventionné (prévu)"), budget.subsidised),
    ]
    if budget.subsidy_received is not None:
        items.append(("received", _("Subvention perçue"), budget.subsidy_received))
    return [
        charts.Bar(label, value, COLOURS[key], euros(value, locale)) for key, label, value in items
    ]


def coverage_sentence(summary: CoverageSummary) -> str:
    """The coverage of the hygiene measures in a sentence, the same on the pages, the charts
    and the Word report: applied measures only are covered; planned ones are told apart."""
    return _(
        "%(applied)d %% des %(applicable)d mesures applicables du guide (niveaux standard et "
        "renforcé) sont appliquées ; %(planned)d %% sont prévues par une action de la feuille "
        "de route sans être encore appliquées ; %(gaps)d écarts restent à combler.",
        applied=summary.applied,
        applicable=summary.applicable,
        planned=summary.planned,
        gaps=summary.gaps,
    )


def coverage_segments(summary: CoverageSummary) -> list[charts.Bar]:
    labels = coverage_labels()
    return [
        charts.Bar(labels[kind], summary.counts[kind], COLOURS[kind], str(summary.counts[kind]))
        for kind in Coverage.ORDER
    ]


def progress_charts(progress: Progress, budget: Budget, coverage: CoverageSummary) -> dict:
    return {
        "status": charts.bar_chart_svg(
            status_bars(progress),
            title=_("Actions par statut"),
            description=_(
                "%(done)d réalisées, %(in_progress)d en cours, %(late)d en retard sur %(total)d "
                "actions.",
                done=progress.done,
                in_progress=progress.in_progress,
                late=progress.late,
                total=progress.total,
            ),
            ident="chart-status",
        ),
        "budget": charts.bar_chart_svg(
            budget_bars(budget),
            title=_("Budget prévu, dépensé et subventionné"),
            description=_(
                "Prévu %(estimated)s, dépensé %(spent)s, subventionné %(subsidised)s.",
                estimated=euros(budget.estimated),
                spent=euros(budget.spent),
                subsidised=euros(budget.subsidised),
            ),
            ident="chart-budget",
        ),
        "coverage": charts.stacked_bar_svg(
            coverage_segments(coverage),
            title=_("Couverture des mesures d'hygiène"),
            description=coverage_sentence(coverage),
            ident="chart-coverage",
        ),
    }
