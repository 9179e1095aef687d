"""The watch's input to the management review (ISO 27001 9.3.2 c) and the issue's "watch"
item): the advisories received in the period by severity, the matches confirmed, and the
treatments due, closed and late in the period, the figures the register's list and bulletin
show for the same period."""

from __future__ import annotations

from flask_babel import gettext as _

from compliance.registry import ReviewFigure, ReviewInput, ReviewPeriod, ReviewSection
from registers.watch.queries import period_figures
from registers.watch.schemas import AdvisorySeverity


def watch_section(session, period: ReviewPeriod) -> ReviewSection:
    figures = period_figures(
        session, period.start, period.end, organisation_ids=period.organisation_ids
    )
    return ReviewSection(
        key="watch",
        clause="d) 2)",
        title=_("Veille de sécurité : avis et traitements"),
        figures=(
            ReviewFigure("received", _("Avis reçus"), figures["received_total"]),
            *(
                ReviewFigure(
                    f"received_{severity.value}",
                    _("Avis reçus de sévérité %(severity)s", severity=severity.label.lower()),
                    figures["received"][severity.value],
                )
                for severity in AdvisorySeverity
            ),
            ReviewFigure("confirmed", _("Rapprochements confirmés"), figures["confirmed"]),
            ReviewFigure("due", _("Traitements à échéance"), figures["due"]),
            ReviewFigure("closed", _("Traitements clos"), figures["closed"]),
            ReviewFigure("late", _("Traitements en retard"), figures["late"]),
        ),
        header=(_("Sévérité"), _("Avis reçus")),
        rows=tuple(
            (severity.label, figures["received"][severity.value]) for severity in AdvisorySeverity
        ),
        endpoint="watch.index",
    )


REVIEW_INPUTS = (ReviewInput("watch", watch_section, order=45),)
