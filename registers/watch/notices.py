"""The watch's e-mail reminders (`compliance notify`): a treatment late, or due within 7 days,
to the CISO and to the referents of the member concerned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.notices import Notice, NoticeKind, paris_day
from compliance.permissions import Role
from registers.watch.models import Treatment
from registers.watch.schemas import TreatmentState

DUE_WITHIN_DAYS = 7

DUE = "watch_treatment_due"
DUE_REFERENT = "watch_treatment_due_referent"


def _due(kind: str):
    def source(session: Session, now: datetime) -> Iterator[Notice]:
        today = paris_day(now)
        statement = (
            sa.select(Treatment)
            .options(selectinload(Treatment.advisory), selectinload(Treatment.application))
            .where(
                Treatment.state == TreatmentState.PENDING,
                Treatment.due_on <= today + timedelta(days=DUE_WITHIN_DAYS),
            )
            .order_by(Treatment.due_on, Treatment.id)
        )
        for treatment in session.scalars(statement):
            if treatment.due_on < today:
                key = f"{treatment.id}:{treatment.due_on}:late"
                detail = _l("Traitement de l'avis en retard")
            else:
                key = f"{treatment.id}:{treatment.due_on}:soon"
                detail = _l("Traitement de l'avis dû dans les 7 jours")
            yield Notice(
                kind=kind,
                organisation_id=treatment.organisation_id,
                event_key=key,
                record_ref=treatment.advisory.reference,
                title=f"{treatment.advisory.title} ({treatment.application.name})",
                endpoint="watch.detail",
                values={"advisory_id": treatment.advisory_id},
                detail=detail,
                due=treatment.due_on,
            )

    return source


NOTICES = (
    NoticeKind(DUE, _l("Veille : traitements à échéance"), Role.CISO, _due(DUE), order=40),
    NoticeKind(
        DUE_REFERENT,
        _l("Veille : traitements à échéance de mon organisation"),
        Role.REFERENT,
        _due(DUE_REFERENT),
        order=41,
    ),
)
