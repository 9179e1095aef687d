"""The risk register's input to the management review (ISO 27001 9.3.2 e): the results of the
risk assessment and the status of the risk treatment plan, for the review's period and scope.
The risks counted are those identified by the end of the period, as the register lists them
(`queries.visible_risks` with the same filters gives the same numbers: tested)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.registry import ReviewFigure, ReviewInput, ReviewPeriod, ReviewSection
from registers.risks.models import Risk
from registers.risks.queries import (
    IS_OPEN,
    acceptance_expired_condition,
    level_condition,
    review_late_condition,
    within,
)
from registers.risks.schemas import RiskLevel, RiskStatus

# An acceptance "expiring" runs out within the period or the 90 days after it.
EXPIRING_WITHIN = timedelta(days=90)


def _count(condition):
    return sa.func.count().filter(condition)


def review_figures(session: Session, period: ReviewPeriod) -> dict:
    """The figures, counted in SQL over the risks of the scope identified by the period's end."""
    R = Risk
    end = period.end
    expiring = sa.and_(
        IS_OPEN,
        R.accepted_until.is_not(None),
        R.accepted_until >= period.start,
        R.accepted_until <= end + EXPIRING_WITHIN,
    )
    columns = [
        sa.func.count(),
        *(_count(level_condition(R.inherent_score, level)) for level in RiskLevel),
        *(_count(level_condition(R.residual_score, level)) for level in RiskLevel),
        _count(R.residual_score.is_(None)),
        _count(R.status == RiskStatus.IN_TREATMENT),
        _count(expiring),
        _count(acceptance_expired_condition(end + timedelta(days=1))),
        _count(review_late_condition(end + timedelta(days=1))),
    ]
    statement = sa.select(*columns).where(R.identified_on <= end)
    row = session.execute(within(statement, period.organisation_ids)).one()
    levels = list(RiskLevel)
    figures = {"total": row[0]}
    for index, level in enumerate(levels):
        figures[f"before_{level.value}"] = row[1 + index]
        figures[f"after_{level.value}"] = row[1 + len(levels) + index]
    tail = row[1 + 2 * len(levels) :]
    keys = ("after_unassessed", "in_treatment", "acceptances_expiring", "acceptances_expired")
    figures.update(zip((*keys, "reviews_late"), tail, strict=True))
    return figures


# The register keeps no history of a risk's status, levels, acceptance or review date: the
# figures read them as they are now, over the risks identified by the period's end, and say so.
LABELS = {
    "total": _l("Risques appréciés"),
    "in_treatment": _l("Traitements en cours (état actuel)"),
    "acceptances_expiring": _l(
        "Acceptations arrivant à échéance pendant la période ou dans les 90 jours suivants "
        "(état actuel)"
    ),
    "acceptances_expired": _l("Acceptations échues à la fin de la période (état actuel)"),
    "reviews_late": _l("Revues de risques en retard à la fin de la période (état actuel)"),
    "after_unassessed": _l("Risques sans niveau résiduel évalué (état actuel)"),
}


def risks_section(session: Session, period: ReviewPeriod) -> ReviewSection:
    values = review_figures(session, period)
    figures = [ReviewFigure(key, label, values[key]) for key, label in LABELS.items()]
    for level in RiskLevel:
        figures.append(
            ReviewFigure(
                f"before_{level.value}",
                _l("Avant traitement : %(level)s (état actuel)", level=level.label),
                values[f"before_{level.value}"],
            )
        )
        figures.append(
            ReviewFigure(
                f"after_{level.value}",
                _l("Après traitement : %(level)s (état actuel)", level=level.label),
                values[f"after_{level.value}"],
            )
        )
    rows = tuple(
        (level.label, values[f"before_{level.value}"], values[f"after_{level.value}"])
        for level in RiskLevel
    )
    return ReviewSection(
        key="risks",
        clause="f)",
        title=_l("Appréciation et traitement des risques"),
        figures=tuple(figures),
        header=(_l("Niveau"), _l("Avant traitement"), _l("Après traitement")),
        rows=rows,
        endpoint="risks.index",
    )


REVIEW_INPUTS = (ReviewInput("risks", risks_section, order=70),)
