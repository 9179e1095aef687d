"""Who sees what of the record of processing activities: the SELECTs the pages, the API and the
exports share, always scoped with `compliance.access.scope()` on the activity's organisation.

Related rows are loaded with `ACTIVITY_OPTIONS` (one query per collection, whatever the page
size). Template activities (is_model) are kept by the DPO in the host organisation and left out
of the registers unless asked for.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance.access import scope
from compliance.audit import AuditEntry
from compliance.db import get_session
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, visible_organisations_query
from registers.applications.models import Application, Deployment, Hosting
from registers.processing import compute
from registers.processing.models import (
    ProcessingActivity,
    ProcessingApplication,
    ProcessingRecipient,
)
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityFilters

REGISTER = Register.PROCESSING
# The audit actions of the workflow's steps (services.py): the last one says whether a draft
# was sent back by the DPO (edits in between leave it sent back until it is submitted again).
WORKFLOW_ACTIONS = ("submit", "validate", "send_back", "archive", "restore")

ACTIVITY_OPTIONS = (
    selectinload(ProcessingActivity.organisation),
    selectinload(ProcessingActivity.applications).selectinload(Application.vendor),
    selectinload(ProcessingActivity.purposes),
    selectinload(ProcessingActivity.data_categories),
    selectinload(ProcessingActivity.special_categories),
    selectinload(ProcessingActivity.subjects),
    selectinload(ProcessingActivity.recipients).selectinload(ProcessingRecipient.vendor),
    selectinload(ProcessingActivity.transfers),
    selectinload(ProcessingActivity.security_measures),
    selectinload(ProcessingActivity.model),
)
# For lists: what a row shows (completeness and warnings need every collection).
LIST_OPTIONS = ACTIVITY_OPTIONS


def _user(user):
    return current_user if user is None else user


def _session(session):
    return get_session() if session is None else session


SORTS = {
    "reference": (ProcessingActivity.reference,),
    "name": (ProcessingActivity.name, ProcessingActivity.reference),
    "status": (ProcessingActivity.status, ProcessingActivity.reference),
    "updated": (ProcessingActivity.updated_at,),
    "organisation": (Organisation.name, ProcessingActivity.reference),
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_activities(
    user=None,
    filters: ActivityFilters | None = None,
    *,
    action: Action = Action.READ,
    selected: bool = True,
    options=LIST_OPTIONS,
) -> sa.Select:
    """SELECT of the activities the user may see (and, with selected=True, of the organisation
    picked in the selector), filtered and sorted, related rows preloaded."""
    filters = filters or ActivityFilters()
    statement = (
        sa.select(ProcessingActivity)
        .join(Organisation, Organisation.id == ProcessingActivity.organisation_id)
        .options(*options)
    )
    statement = scope(statement, action, user=_user(user), selected=selected)
    statement = statement.where(ProcessingActivity.is_model.is_(filters.models))
    if not filters.include_archived:
        statement = statement.where(ProcessingActivity.status != ProcessingStatus.ARCHIVED)
    if filters.status is not None:
        statement = statement.where(ProcessingActivity.status == filters.status)
    if filters.organisation_id is not None:
        statement = statement.where(ProcessingActivity.organisation_id == filters.organisation_id)
    if filters.application_id is not None:
        statement = statement.where(
            ProcessingActivity.id.in_(
                sa.select(ProcessingApplication.processing_id).where(
                    ProcessingApplication.application_id == filters.application_id
                )
            )
        )
    if filters.dpia_required is not None:
        statement = statement.where(ProcessingActivity.dpia_required.is_(filters.dpia_required))
    if filters.q:
        pattern = f"%{_escape(filters.q)}%"
        statement = statement.where(
            sa.or_(
                ProcessingActivity.name.ilike(pattern, escape="\\"),
                ProcessingActivity.reference.ilike(pattern, escape="\\"),
                ProcessingActivity.responsible_service.ilike(pattern, escape="\\"),
            )
        )
    descending = filters.sort.startswith("-")
    columns = SORTS.get(filters.sort.lstrip("-"), SORTS["reference"])
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, ProcessingActivity.id)


def organisation_activities(
    organisation_id: int, *, session=None, include_archived: bool = False
) -> list[ProcessingActivity]:
    """Every activity of one organisation's register, by reference, related rows preloaded.

    Not scoped: for callers that have already checked access to the organisation."""
    statement = (
        sa.select(ProcessingActivity)
        .where(
            ProcessingActivity.organisation_id == organisation_id,
            ProcessingActivity.is_model.is_(False),
        )
        .options(*ACTIVITY_OPTIONS)
        .order_by(ProcessingActivity.reference, ProcessingActivity.id)
    )
    if not include_archived:
        statement = statement.where(ProcessingActivity.status != ProcessingStatus.ARCHIVED)
    return list(_session(session).scalars(statement))


def readable_organisations(user=None, action: Action = Action.READ, *, session=None):
    """The organisations whose register the user may read (or do `action` on), by name."""
    statement = (
        sa.select(Organisation)
        .where(Organisation.id.in_(visible_organisations_query(_user(user), REGISTER, action)))
        .order_by(Organisation.name)
    )
    return list(_session(session).scalars(statement))


# --- the map behind an activity -----------------------------------------------------------------


def deployment_hostings(organisation_id: int, *, session=None) -> dict[int, Hosting]:
    """application id -> where the organisation's deployment runs it, for the deployments that
    override the application's hosting: one query for a whole register."""
    return dict(
        _session(session)
        .execute(
            sa.select(Deployment.application_id, Deployment.hosting).where(
                Deployment.organisation_id == organisation_id,
                Deployment.hosting.is_not(None),
            )
        )
        .all()
    )


def hosted_applications(
    activity: ProcessingActivity, *, session=None, hostings: dict | None = None
) -> list[tuple]:
    """(application, effective hosting for the activity's organisation) of each supporting
    application: the member's deployment may override where the application runs. `hostings`
    (`deployment_hostings` of the activity's organisation) spares the query per activity."""
    applications = list(activity.applications)
    if not applications:
        return []
    if hostings is None:
        hostings = dict(
            _session(session)
            .execute(
                sa.select(Deployment.application_id, Deployment.hosting).where(
                    Deployment.organisation_id == activity.organisation_id,
                    Deployment.application_id.in_([a.id for a in applications]),
                    Deployment.hosting.is_not(None),
                )
            )
            .all()
        )
    return [(a, hostings.get(a.id) or a.hosting) for a in applications]


def inherited_measures(activity: ProcessingActivity, *, session=None, hostings=None):
    """The security measures the activity inherits from its applications' hosting."""
    return compute.inherited_measures(
        hosted_applications(activity, session=session, hostings=hostings)
    )


def hosted_by_syndicate(hosting: Hosting | None) -> bool:
    return hosting == Hosting.SYNDICATE_DATACENTER


# --- for the application's page -----------------------------------------------------------------


def activities_for_application(application_id: int, user=None, *, session=None):
    """[(organisation, [activities])] of the visible activities relying on one application,
    organisations by name, activities by reference."""
    filters = ActivityFilters(application_id=application_id)
    statement = visible_activities(
        user, filters, selected=False, options=(selectinload(ProcessingActivity.organisation),)
    ).order_by(None)
    statement = statement.order_by(Organisation.name, ProcessingActivity.reference)
    grouped: dict[int, tuple] = {}
    for activity in _session(session).scalars(statement):
        grouped.setdefault(activity.organisation_id, (activity.organisation, []))[1].append(
            activity
        )
    return list(grouped.values())


# --- what awaits someone ------------------------------------------------------------------------


def _todo(status: ProcessingStatus, user, action: Action) -> sa.Select:
    return scope(
        sa.select(ProcessingActivity)
        .join(Organisation, Organisation.id == ProcessingActivity.organisation_id)
        .options(selectinload(ProcessingActivity.organisation))
        .where(ProcessingActivity.status == status, ProcessingActivity.is_model.is_(False)),
        action,
        user=_user(user),
        selected=False,
    )


def awaiting_validation(user=None) -> sa.Select:
    """The submitted activities of every organisation where the user validates, oldest first."""
    return _todo(ProcessingStatus.SUBMITTED, user, Action.VALIDATE).order_by(
        ProcessingActivity.submitted_at, Organisation.name, ProcessingActivity.reference
    )


def _not_validated_by(user) -> sa.ColumnElement:
    validates = visible_organisations_query(_user(user), REGISTER, Action.VALIDATE)
    return ProcessingActivity.organisation_id.not_in(validates)


def awaiting_completion(user=None) -> sa.Select:
    """The drafts of the organisations where the user writes but does not validate: what the
    referent has to complete (or correct, when the DPO sent it back)."""
    return (
        _todo(ProcessingStatus.DRAFT, user, Action.EDIT)
        .where(_not_validated_by(user))
        .order_by(Organisation.name, ProcessingActivity.reference, ProcessingActivity.id)
    )


def awaiting_the_dpo(user=None) -> sa.Select:
    """What the user submitted and the DPO has yet to look at (organisations where the user
    writes but does not validate)."""
    return (
        _todo(ProcessingStatus.SUBMITTED, user, Action.EDIT)
        .where(_not_validated_by(user))
        .order_by(ProcessingActivity.submitted_at, ProcessingActivity.reference)
    )


def sent_back(activities, *, session=None) -> dict[int, AuditEntry]:
    """Of the given drafts, those whose last step was the DPO sending them back: id -> that
    entry of the audit trail (when and by whom; the remarks are on the activity)."""
    ids = [str(activity.id) for activity in activities]
    if not ids:
        return {}
    statement = (
        sa.select(AuditEntry)
        .where(
            AuditEntry.object_type == ProcessingActivity.__name__,
            AuditEntry.object_id.in_(ids),
            AuditEntry.action.in_(WORKFLOW_ACTIONS),
        )
        .order_by(AuditEntry.seq.desc())
    )
    last: dict[int, AuditEntry] = {}
    for entry in _session(session).scalars(statement):
        last.setdefault(int(entry.object_id), entry)
    return {key: entry for key, entry in last.items() if entry.action == "send_back"}
