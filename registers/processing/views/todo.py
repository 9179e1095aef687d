"""What awaits each person in the record of processing activities: the DPO's activities to
validate across every member, the referent's drafts to complete, those the DPO sent back (with
the DPO's remarks) and those still with the DPO."""

from __future__ import annotations

from flask import render_template

from compliance.db import get_session
from compliance.routes import Routes
from registers.processing.queries import (
    awaiting_completion,
    awaiting_the_dpo,
    awaiting_validation,
    sent_back,
)

routes = Routes()


@routes.get("/todo")
def todo():
    db = get_session()
    drafts = list(db.scalars(awaiting_completion()))
    returned = sent_back(drafts)
    return render_template(
        "processing/todo.html",
        to_validate=list(db.scalars(awaiting_validation())),
        returned=[
            (activity, returned[activity.id]) for activity in drafts if activity.id in returned
        ],
        to_complete=[activity for activity in drafts if activity.id not in returned],
        with_the_dpo=list(db.scalars(awaiting_the_dpo())),
    )
