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

# A list longer than this shows its oldest rows and says so: the registers' pages filter the rest.
LIMIT = 200


def _first(statement) -> tuple[list, bool]:
    rows = list(get_session().scalars(statement.limit(LIMIT + 1)))
    return rows[:LIMIT], len(rows) > LIMIT


@routes.get("/todo")
def todo():
    to_validate, more_to_validate = _first(awaiting_validation())
    drafts, more_drafts = _first(awaiting_completion())
    with_the_dpo, more_with_the_dpo = _first(awaiting_the_dpo())
    returned = sent_back(drafts)
    return render_template(
        "processing/todo.html",
        to_validate=to_validate,
        returned=[
            (activity, returned[activity.id]) for activity in drafts if activity.id in returned
        ],
        to_complete=[activity for activity in drafts if activity.id not in returned],
        with_the_dpo=with_the_dpo,
        truncated=more_to_validate or more_drafts or more_with_the_dpo,
        limit=LIMIT,
    )
