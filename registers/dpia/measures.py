"""Writes to a DPIA's measures (part 3 of the method): the measures existing or planned, each
linked where it can be to a measure of ANSSI's hygiene guide and to a roadmap action, and the
planned measure that becomes a roadmap action. Open to the organisation's referents, except
creating the roadmap action (the DPO's); flushed and audited on the DPIA, never committed."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit
from compliance.db import check_version
from compliance.permissions import Action
from compliance.schemas import FieldErrors
from registers.dpia.models import Dpia, DpiaMeasure
from registers.dpia.schemas import MeasureCreate, MeasureState, MeasureUpdate
from registers.dpia.services import (
    EDITABLE,
    WorkflowError,
    expect_status,
    require,
    summary_of,
    touch,
)
from registers.roadmap.models import HygieneMeasure, RoadmapAction


def _check_hygiene(session: Session, ref: str | None) -> None:
    if not ref:
        return
    number, _dot, level = ref.partition(".")
    found = number.isdigit() and session.scalar(
        select(HygieneMeasure.id).where(HygieneMeasure.measure == int(number))
    )
    if not found or level not in ("", "R"):
        raise FieldErrors(
            {
                "hygiene_measure": _(
                    "« %(ref)s » n'est pas une mesure du guide d'hygiène de l'ANSSI "
                    "(1 à 42, ou 12.R pour le niveau renforcé)",
                    ref=ref,
                )
            }
        )


def _check_action(session: Session, dpia: Dpia, action_id: int | None) -> None:
    if action_id is None:
        return
    action = session.get(RoadmapAction, action_id)
    if action is None or action.organisation_id != dpia.organisation_id:
        raise FieldErrors(
            {"roadmap_action_id": _("action de feuille de route inconnue pour cet organisme")}
        )


def _measure_audit(session, dpia, measure, change: str, *, actor) -> None:
    touch(dpia)
    audit.record(
        session,
        action="update",
        actor=actor,
        target=dpia,
        summary=summary_of(dpia),
        changes={"measure": {"before": change, "after": measure.title}},
    )


def add_measure(
    session: Session, dpia: Dpia, values: MeasureCreate, *, actor, version: int | None = None
) -> DpiaMeasure:
    """A measure existing or planned, linked to the ANSSI guide and a roadmap action if
    given."""
    require(session, actor, Action.EDIT, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    cleaned = values.model_dump()
    _check_hygiene(session, cleaned.get("hygiene_measure"))
    _check_action(session, dpia, cleaned.get("roadmap_action_id"))
    measure = DpiaMeasure(**cleaned)
    dpia.measures.append(measure)
    _measure_audit(session, dpia, measure, "added", actor=actor)
    return measure


def update_measure(
    session: Session,
    measure: DpiaMeasure,
    changes: MeasureUpdate,
    *,
    actor,
    version: int | None = None,
) -> DpiaMeasure:
    dpia = measure.dpia
    require(session, actor, Action.EDIT, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    cleaned = changes.model_dump(exclude_unset=True)
    if "hygiene_measure" in cleaned:
        _check_hygiene(session, cleaned["hygiene_measure"])
    if "roadmap_action_id" in cleaned:
        _check_action(session, dpia, cleaned["roadmap_action_id"])
    for name, value in cleaned.items():
        setattr(measure, name, value)
    if session.is_modified(measure):
        _measure_audit(session, dpia, measure, "changed", actor=actor)
    return measure


def remove_measure(
    session: Session, measure: DpiaMeasure, *, actor, version: int | None = None
) -> None:
    dpia = measure.dpia
    require(session, actor, Action.EDIT, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    dpia.measures.remove(measure)
    _measure_audit(session, dpia, measure, "removed", actor=actor)


def plan_roadmap_action(
    session: Session, measure: DpiaMeasure, *, actor, theme, start_on: date, version=None
) -> RoadmapAction:
    """A planned measure becomes an action of the organisation's current roadmap (the latest
    not archived), linked back to the measure; its hygiene measure is carried over."""
    from registers.roadmap import services as roadmap_services
    from registers.roadmap.models import Roadmap
    from registers.roadmap.schemas import RoadmapActionFields

    dpia = measure.dpia
    require(session, actor, Action.VALIDATE, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    if measure.state != MeasureState.PLANNED or measure.roadmap_action_id is not None:
        raise WorkflowError(_("seule une mesure prévue sans action liée crée une action"))
    roadmap = session.scalar(
        select(Roadmap)
        .where(Roadmap.organisation_id == dpia.organisation_id, Roadmap.archived_at.is_(None))
        .order_by(Roadmap.id.desc())
        .limit(1)
    )
    if roadmap is None:
        raise WorkflowError(_("l'organisme n'a pas de feuille de route en cours"))
    target = measure.due_on or start_on + timedelta(days=180)
    values = RoadmapActionFields(
        title=measure.title,
        description=measure.description,
        theme=theme,
        owner=measure.owner,
        start_on=min(start_on, target),
        target_on=target,
        measures=[measure.hygiene_measure] if measure.hygiene_measure else [],
    )
    action = roadmap_services.create_action(session, roadmap, values, actor=actor)
    session.flush()
    measure.roadmap_action_id = action.id
    _measure_audit(session, dpia, measure, "planned in the roadmap", actor=actor)
    return action
