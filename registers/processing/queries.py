"""Who sees what of the record of processing activities: the SELECTs the pages, the API and the
exports share, always scoped with `compliance.access.scope()` on the activity's organisation.

Related rows are loaded with `ACTIVITY_OPTIONS` (one query per collection, whatever the page
size). Template activities (is_model) are kept by the DPO in the host organisation and left out
of the registers unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance import search
from compliance.access import scope
from compliance.audit import AuditEntry
from compliance.db import get_session
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, visible_organisations_query, wide_scope
from registers.applications.models import Application, Deployment, Hosting, Vendor
from registers.applications.schemas import AGREEMENT_IN_PLACE
from registers.processing import compute
from registers.processing.models import (
    ProcessingActivity,
    ProcessingApplication,
    ProcessingRecipient,
)
from registers.processing.reference import DpiaStatus, ProcessingStatus, RecipientType
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
# What compute.stored_summary reads of an activity (its organisation apart).
SUMMARY_COLLECTIONS = (
    "purposes",
    "data_categories",
    "special_categories",
    "subjects",
    "recipients",
    "transfers",
    "security_measures",
)
SUMMARY_OPTIONS = tuple(selectinload(getattr(ProcessingActivity, n)) for n in SUMMARY_COLLECTIONS)
# And what compute.warnings reads besides: the processors' vendors.
WARNING_OPTIONS = (
    *(
        selectinload(getattr(ProcessingActivity, n))
        for n in SUMMARY_COLLECTIONS
        if n != "recipients"
    ),
    selectinload(ProcessingActivity.recipients).selectinload(ProcessingRecipient.vendor),
)
# For lists: what a row shows (completeness and warnings need every collection).
LIST_OPTIONS = ACTIVITY_OPTIONS


def _user(user):
    return current_user if user is None else user


def _session(session):
    return get_session() if session is None else session


SEARCHED = (
    ProcessingActivity.name,
    ProcessingActivity.reference,
    ProcessingActivity.responsible_service,
)
SORTS = {
    "reference": (ProcessingActivity.reference,),
    "name": (ProcessingActivity.name, ProcessingActivity.reference),
    "status": (ProcessingActivity.status, ProcessingActivity.reference),
    "updated": (ProcessingActivity.updated_at,),
    "organisation": (Organisation.name, ProcessingActivity.reference),
}


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
        statement = statement.where(_relying_on(filters.application_id, _user(user)))
    if filters.dpia_required is not None:
        statement = statement.where(ProcessingActivity.dpia_required.is_(filters.dpia_required))
    if filters.q:
        statement = statement.where(search.matching(ProcessingActivity, SEARCHED, filters.q))
    descending = filters.sort.startswith("-")
    columns = SORTS.get(filters.sort.lstrip("-"), SORTS["reference"])
    if filters.q:
        columns = tuple(search.sorted_matches(column) for column in columns)
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


def _relying_on(application_id: int, user):
    """The activities linked to the application. For a user of many organisations (see
    `wide_scope`), the links lead: the planner fetches the linked activities by id. Otherwise a
    correlated EXISTS on the link's primary key, so that the owner index leads and an
    application linked by thousands of activities elsewhere costs nothing here."""
    if wide_scope(user):
        return ProcessingActivity.id.in_(
            sa.select(ProcessingApplication.processing_id).where(
                ProcessingApplication.application_id == application_id
            )
        )
    return sa.exists().where(
        ProcessingApplication.processing_id == ProcessingActivity.id,
        ProcessingApplication.application_id == application_id,
    )


def activities_for_application(application_id: int, user=None, *, options=()) -> sa.Select:
    """SELECT of the visible activities relying on one application (in every organisation the
    user may read, whatever the selector says), by organisation then reference."""
    filters = ActivityFilters(application_id=application_id)
    statement = visible_activities(user, filters, selected=False, options=options).order_by(None)
    return statement.order_by(
        Organisation.name, ProcessingActivity.reference, ProcessingActivity.id
    )


def application_counts_by_organisation(application_id: int, user=None) -> sa.Select:
    """SELECT of (organisation, number of its visible activities relying on one application),
    one row per organisation, by name: a GROUP BY on the activities' ids alone, whatever their
    number, joined to the organisations afterwards."""
    ids = (
        activities_for_application(application_id, user)
        .order_by(None)
        .with_only_columns(ProcessingActivity.id, ProcessingActivity.organisation_id)
        .subquery()
    )
    counts = (
        sa.select(ids.c.organisation_id, sa.func.count().label("count"))
        .group_by(ids.c.organisation_id)
        .subquery()
    )
    return (
        sa.select(Organisation, counts.c.count)
        .join(counts, counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name, Organisation.id)
    )


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


# --- the registers' summaries -------------------------------------------------------------------


@dataclass
class RegisterSummary:
    """One organisation's register in figures (archived activities and templates left out)."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # by status value
    dpia_pending: int = 0
    warnings: int = 0
    complete: int = 0
    score_sum: int = 0  # of the activities' completeness scores

    @property
    def incomplete(self) -> int:
        return self.total - self.complete

    def completeness(self, organisation, incomplete=()) -> compute.RegisterCompleteness:
        """The register's completeness, as compute.register_completeness gives it; its list
        of incomplete activities is `incomplete` (a sample, see incomplete_activities)."""
        cover_missing = compute.controller_missing(organisation)
        score = compute.register_score(self.score_sum, self.total, self.incomplete, cover_missing)
        return compute.RegisterCompleteness(
            score, self.total, self.complete, list(incomplete), cover_missing
        )


def _live() -> sa.ColumnElement:
    """The register's activities: neither archived nor templates."""
    return sa.and_(
        ProcessingActivity.is_model.is_(False),
        ProcessingActivity.status != ProcessingStatus.ARCHIVED,
    )


def _overdue(column, today) -> sa.ColumnElement:
    return sa.case((column < today, 1), else_=0)


def _lacking_processors() -> sa.Select:
    """Recipients acting as processors whose vendor has no Art. 28 agreement, with their
    activity (compute.processors_without_agreement)."""
    return (
        sa.select(ProcessingRecipient.processing_id)
        .join(Vendor, Vendor.id == ProcessingRecipient.vendor_id)
        .where(
            ProcessingRecipient.recipient_type == RecipientType.PROCESSOR,
            Vendor.dpa_status.not_in([status.value for status in AGREEMENT_IN_PLACE]),
        )
    )


def organisation_summaries(
    organisation_ids, *, session=None, today: date | None = None
) -> dict[int, RegisterSummary]:
    """Per organisation: counts by status, pending DPIAs, warnings and completeness of its
    register, summed in SQL from what the activities keep (compute.stored_summary) and the
    live warnings (one statement, whatever the number of organisations or activities).

    Not scoped: for callers that have already checked access to the organisations."""
    session = _session(session)
    today = today or date.today()
    ids = list(organisation_ids)
    result = {organisation_id: RegisterSummary() for organisation_id in ids}
    if not ids:
        return result
    activity = ProcessingActivity
    pending = sa.case(
        (
            sa.and_(activity.dpia_required.is_(True), activity.dpia_status != DpiaStatus.COMPLETED),
            1,
        ),
        else_=0,
    )
    # Per activity, the processors without agreement looked up through its own recipients
    # (an index lookup each, not a scan of every recipient).
    processors = (
        _lacking_processors()
        .with_only_columns(sa.func.count())
        .where(ProcessingRecipient.processing_id == activity.id)
        .scalar_subquery()
    )
    rows = (
        sa.select(
            activity.organisation_id,
            activity.status,
            pending.label("pending"),
            (
                activity.warning_count
                + _overdue(activity.next_review_on, today)
                + _overdue(activity.dpia_next_review_on, today)
                + processors
            ).label("warnings"),
            sa.case((activity.missing_count == 0, 1), else_=0).label("complete"),
            activity.completeness_score,
        )
        .where(activity.organisation_id.in_(ids), _live())
        .subquery()
    )
    statement = sa.select(
        rows.c.organisation_id,
        rows.c.status,
        sa.func.count(),
        sa.func.sum(rows.c.pending),
        sa.func.sum(rows.c.warnings),
        sa.func.sum(rows.c.complete),
        sa.func.sum(rows.c.completeness_score),
    ).group_by(rows.c.organisation_id, rows.c.status)
    for organisation_id, status, count, dpia, warned, complete, scores in session.execute(
        statement
    ):
        summary = result[organisation_id]
        summary.counts[getattr(status, "value", status)] = count
        summary.total += count
        summary.dpia_pending += dpia or 0
        summary.warnings += warned or 0
        summary.complete += complete or 0
        summary.score_sum += scores or 0
    return result


def _first(organisation_id: int, condition, limit: int) -> sa.Select:
    return (
        sa.select(ProcessingActivity.id)
        .where(ProcessingActivity.organisation_id == organisation_id, _live(), condition)
        .order_by(ProcessingActivity.reference, ProcessingActivity.id)
        .limit(limit)
    )


def summary_samples(
    organisation, *, limit: int, session=None, today: date | None = None
) -> tuple[list[tuple], list[tuple]]:
    """What a register's summary names, in one load: the first `limit` incomplete activities
    by reference with their missing items (compute.register_completeness's `incomplete`), and
    the first `limit` with warnings, with them."""
    today = today or date.today()
    warned = sa.or_(
        ProcessingActivity.warning_count > 0,
        ProcessingActivity.next_review_on < today,
        ProcessingActivity.dpia_next_review_on < today,
        _lacking_processors()
        .where(ProcessingRecipient.processing_id == ProcessingActivity.id)
        .exists(),
    )
    statement = (
        sa.select(ProcessingActivity)
        .where(
            ProcessingActivity.organisation_id == organisation.id,
            sa.or_(
                ProcessingActivity.id.in_(
                    _first(organisation.id, ProcessingActivity.missing_count > 0, limit)
                ),
                ProcessingActivity.id.in_(_first(organisation.id, warned, limit)),
            ),
        )
        .options(*WARNING_OPTIONS)
        .order_by(ProcessingActivity.reference, ProcessingActivity.id)
    )
    activities = list(_session(session).scalars(statement))
    incomplete = [
        (activity, compute.missing_items(activity))
        for activity in activities
        if activity.missing_count > 0
    ]
    found = (
        (activity, compute.warnings(activity, organisation=organisation, today=today))
        for activity in activities
    )
    return incomplete[:limit], [(a, warnings) for a, warnings in found if warnings][:limit]
