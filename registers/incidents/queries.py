"""Who sees what of the incident log: the SELECTs the pages, the API and the exports share.

Visibility rule. An incident belongs to the organisation that reported it, but it concerns
every organisation it affects. A user holding INCIDENTS read in an organisation sees the
incidents that affect it:
- reported by that organisation, or
- naming it among the organisations affected directly, or
- affecting an application the organisation uses (a deployment of the map that was current
  when the incident was detected: not archived, or archived after the detection).
A corrective action is seen by the users who see its organisation or its incident. Writing
needs INCIDENTS create/edit in the record's own organisation (in practice: the CISO).

Each condition is a subquery on the user's memberships (EXISTS on the link tables): no list of
record ids is ever loaded in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance import search as text_search
from compliance.db import get_session
from compliance.i18n import PARIS
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, scope_of, visible_organisations_query
from registers.applications.models import Application, Deployment
from registers.incidents import search
from registers.incidents.common import today
from registers.incidents.models import (
    ActionStatus,
    CorrectiveAction,
    Incident,
    IncidentApplication,
    IncidentStatus,
    affecting,
)
from registers.incidents.schemas import ActionFilters, IncidentFilters

REGISTER = Register.INCIDENTS

INCIDENT_OPTIONS = (
    selectinload(Incident.organisation),
    selectinload(Incident.applications),
)
ACTION_OPTIONS = (
    selectinload(CorrectiveAction.organisation),
    selectinload(CorrectiveAction.incident),
)


def _user(user):
    return current_user if user is None else user


def _organisations(user, action: Action | str = Action.READ):
    return visible_organisations_query(_user(user), REGISTER, Action(action))


def incident_condition(user=None, action: Action | str = Action.READ, *, selected=True):
    """The incidents the user may see (for `action`), narrowed to the organisation picked in
    the selector when selected=True (as `Incident.__scope__` says)."""
    return scope_of(Incident).condition(Incident, _user(user), action, selected=selected)


def action_condition(user=None, action: Action | str = Action.READ, *, selected=True):
    """The corrective actions the user may see (as `CorrectiveAction.__scope__` says)."""
    return scope_of(CorrectiveAction).condition(
        CorrectiveAction, _user(user), action, selected=selected
    )


# --- filters ------------------------------------------------------------------------------


def start_of_day(day: date) -> datetime:
    """Midnight in Paris, as an aware instant."""
    return datetime.combine(day, time(), tzinfo=PARIS)


INCIDENT_SORTS = {
    "detected": (Incident.detected_at,),
    "severity": (Incident.severity, Incident.detected_at),
    "reference": (Incident.reference_year, Incident.reference_number),
    "status": (Incident.status, Incident.detected_at),
}


def _incident_filters(statement, filters: IncidentFilters):
    if not filters.include_archived:
        statement = statement.where(Incident.archived_at.is_(None))
    if filters.date_from:
        statement = statement.where(Incident.detected_at >= start_of_day(filters.date_from))
    if filters.date_to:
        end = start_of_day(filters.date_to + timedelta(days=1))
        statement = statement.where(Incident.detected_at < end)
    for name in ("status", "severity", "category"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Incident, name) == value)
    if filters.open_only:
        statement = statement.where(Incident.status != IncidentStatus.CLOSED)
    if filters.application_id is not None:
        statement = statement.where(
            Incident.applications.any(Application.id == filters.application_id)
        )
    if filters.organisation_id is not None:
        statement = statement.where(affecting([filters.organisation_id]))
    if filters.q:
        statement = statement.where(_incident_search(filters.q))
    return statement


def _incident_search(q: str):
    """Incidents whose reference or title holds `q`, or whose encrypted text holds its words.

    One `id IN (… UNION …)`: each side is answered from its own index (the trigram indexes of
    the text, the blind index of the tokens), where an OR of the two conditions on the incident
    row would make the database test every incident's text in turn."""
    found = sa.select(Incident.id).where(
        text_search.matching(Incident, (Incident.reference, Incident.title), q)
    )
    encrypted = search.matching(q)
    if encrypted is not None:
        found = sa.union(found, sa.select(Incident.id).where(encrypted))
    return Incident.id.in_(found)


def visible_incidents(
    user=None,
    filters: IncidentFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    everything: bool = False,
) -> sa.Select:
    """SELECT of the incidents the user may see, filtered and sorted, related rows preloaded.
    everything=True is for the command line, which sees the whole log."""
    filters = filters or IncidentFilters()
    statement = sa.select(Incident).options(*INCIDENT_OPTIONS)
    if not everything:
        user = _user(user)
        statement = statement.where(incident_condition(user, action, selected=selected))
    statement = _incident_filters(statement, filters)
    descending = filters.sort.startswith("-")
    columns = INCIDENT_SORTS[filters.sort.lstrip("-")]
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, Incident.id.desc() if descending else Incident.id)


def incident_by_reference(reference: str, *, user=None, action=Action.READ):
    """The incident of that reference; with a user, only if they may see it (for `action`).
    The command line passes no user: it sees everything."""
    statement = sa.select(Incident).where(Incident.reference == reference.strip().upper())
    if user is not None:
        statement = statement.where(incident_condition(user, action, selected=False))
    return get_session().scalar(statement)


# --- impact --------------------------------------------------------------------------------


@dataclass
class AffectedOrganisation:
    organisation: Organisation
    applications: list[str]
    reporting: bool = False
    direct: bool = False


@dataclass
class Impact:
    organisations: list[AffectedOrganisation]
    hidden: int  # affected organisations outside what the user may see


def impact(incident: Incident, user=None, *, session=None, everything=False) -> Impact:
    """The organisations the incident affects, each with the affected applications it uses:
    the reporting one and those the user may see (everything=True: all of them), in a fixed
    number of queries whatever the size of the map."""
    session = session or get_session()
    readable = sa.select(Organisation.id) if everything else _organisations(user)
    application_ids = sa.select(IncidentApplication.application_id).where(
        IncidentApplication.incident_id == incident.id
    )
    deployments = session.execute(
        sa.select(Deployment.organisation_id, Application.name)
        .join(Application, Application.id == Deployment.application_id)
        .where(
            Deployment.application_id.in_(application_ids),
            sa.or_(Deployment.archived_at.is_(None), Deployment.archived_at > incident.detected_at),
        )
        .order_by(Application.name_key)
    ).all()
    direct = {o.id for o in incident.affected_organisations}
    all_ids = {incident.organisation_id, *direct, *(row[0] for row in deployments)}
    organisations = {
        o.id: o
        for o in session.scalars(
            sa.select(Organisation).where(
                Organisation.id.in_(all_ids),
                # The reporting organisation is named on the incident already.
                sa.or_(Organisation.id.in_(readable), Organisation.id == incident.organisation_id),
            )
        )
    }
    ordered = sorted(organisations.values(), key=lambda o: (o.name.lower(), o.id))
    result = {
        o.id: AffectedOrganisation(
            o, [], reporting=o.id == incident.organisation_id, direct=o.id in direct
        )
        for o in ordered
    }
    for organisation_id, name in deployments:
        if organisation_id in result and name not in result[organisation_id].applications:
            result[organisation_id].applications.append(name)
    return Impact(list(result.values()), hidden=len(all_ids) - len(result))


# --- corrective actions --------------------------------------------------------------------


# Actions done (effective or closed) after those still to do or to check, then by due date.
_DONE_LAST = sa.case(
    (CorrectiveAction.status.in_((ActionStatus.VERIFIED_EFFECTIVE, ActionStatus.CLOSED)), 1),
    else_=0,
)
ACTION_SORTS = {
    "due": (_DONE_LAST, CorrectiveAction.due_on),
    "reference": (CorrectiveAction.reference_year, CorrectiveAction.reference_number),
    "status": (CorrectiveAction.status, CorrectiveAction.due_on),
    "opened": (CorrectiveAction.opened_on,),
}


def overdue_condition(on: date | None = None):
    """Still to be carried out, and past its due date (in Paris)."""
    return sa.and_(
        CorrectiveAction.status.in_(ActionStatus.pending()),
        CorrectiveAction.due_on < (on or today()),
    )


def _action_filters(statement, filters: ActionFilters):
    if not filters.include_archived:
        statement = statement.where(CorrectiveAction.archived_at.is_(None))
    for name in ("status", "source", "grade", "organisation_id", "incident_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(CorrectiveAction, name) == value)
    if filters.overdue:
        statement = statement.where(overdue_condition())
    if filters.pending:
        statement = statement.where(CorrectiveAction.status.in_(ActionStatus.pending()))
    if filters.q:
        searched = (
            CorrectiveAction.reference,
            CorrectiveAction.title,
            CorrectiveAction.nonconformity,
            CorrectiveAction.action,
            CorrectiveAction.owner,
            CorrectiveAction.source_reference,
        )
        statement = statement.where(text_search.matching(CorrectiveAction, searched, filters.q))
    return statement


def visible_actions(
    user=None,
    filters: ActionFilters | None = None,
    *,
    action: Action | str = Action.READ,
    selected: bool = True,
    everything: bool = False,
) -> sa.Select:
    """SELECT of the corrective actions the user may see (everything=True: all of them)."""
    filters = filters or ActionFilters()
    statement = sa.select(CorrectiveAction).options(*ACTION_OPTIONS)
    if not everything:
        user = _user(user)
        statement = statement.where(action_condition(user, action, selected=selected))
    statement = _action_filters(statement, filters)
    descending = filters.sort.startswith("-")
    columns = ACTION_SORTS[filters.sort.lstrip("-")]
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, CorrectiveAction.id)
