"""What the DPIA register holds on the processing register's changes: once an activity has a
DPIA here (its own, or a shared one its organisation adopted), the activity's DPIA summary
(status, date, conclusion, opinion, review) is the DPIA's to write, not the activity form's."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from compliance.registry import Gate
from registers.dpia.models import Dpia, DpiaAdoption

SUMMARY_GATE = "processing_dpia_summary"


def summary_held(session, activity) -> dict[str, str]:
    """{"dpia_status": message} when a DPIA of this register assesses `activity`."""
    adopted = sa.select(DpiaAdoption.dpia_id).where(DpiaAdoption.processing_id == activity.id)
    reference = session.scalar(
        sa.select(Dpia.reference)
        .where(sa.or_(Dpia.processing_id == activity.id, Dpia.id.in_(adopted)))
        .order_by(Dpia.id)
        .limit(1)
    )
    if reference is None:
        return {}
    return {
        "dpia_status": _(
            "tenu par l'analyse d'impact %(reference)s : il change quand elle est validée ou "
            "révisée, sur sa page",
            reference=reference,
        )
    }


GATES = (Gate(SUMMARY_GATE, summary_held),)
