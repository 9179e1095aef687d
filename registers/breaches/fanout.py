"""From an incident to its controllers: the application map says which members deploy the
affected applications, their records say which processing activities rely on them. Each member
that uses an affected application is a controller whose own 72-hour clock may be running
(Art. 33(1)): with its activities on it when its record has some, with a warning when it has
none (it uses the software, so very probably processes personal data in it). An incident
flagged as touching personal data also concerns its own organisation and the organisations
named affected. For each controller, the DPO records a breach or a documented "no breach"
decision (Art. 33(5)).

Everything is read in a fixed number of queries, whatever the size of the map."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload

from compliance.auth import can
from compliance.db import get_session
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, visible_organisations_query
from registers.applications.models import Application, Deployment
from registers.breaches.models import NoBreachDecision, PersonalDataBreach
from registers.incidents.models import (
    Classification,
    Incident,
    IncidentApplication,
    IncidentOrganisation,
)
from registers.processing.models import ProcessingActivity, ProcessingApplication
from registers.processing.reference import (
    DataCategory,
    ProcessingRole,
    ProcessingStatus,
    SpecialCategory,
    SubjectCategory,
)

REGISTER = Register.BREACHES
# Data categories that weigh most on the people when exposed, listed before the others.
SENSITIVE_ORDINARY = (
    DataCategory.ECONOMIC_FINANCIAL,
    DataCategory.LOCATION,
    DataCategory.PERSONAL_LIFE,
)


@dataclass
class DataItem:
    label: str
    sensitive: bool
    code: str
    special: bool = False  # Art. 9 or 10 data, or the NIR: the heaviest


@dataclass
class Controller:
    """A member the incident concerns: it deploys an affected application (`applications`),
    with its processing activities relying on it (`activities`, possibly none), or it is named
    by an incident flagged as touching personal data."""

    organisation: Organisation
    applications: list[Application]
    activities: list[ProcessingActivity]
    existing: list[PersonalDataBreach] = field(default_factory=list)
    may_create: bool = False
    decision: NoBreachDecision | None = None

    @property
    def has_activities(self) -> bool:
        return bool(self.activities)

    @property
    def decided(self) -> bool:
        """A breach opened, or the "no breach" decision documented."""
        return bool(self.existing) or self.decision is not None

    @property
    def data_categories(self) -> list[str]:
        found = {c.category for a in self.activities for c in a.data_categories}
        return [member.value for member in DataCategory if member in found]

    @property
    def special_categories(self) -> list[str]:
        found = {c.category for a in self.activities for c in a.special_categories}
        return [member.value for member in SpecialCategory if member in found]

    @property
    def nir(self) -> bool:
        return any(a.nir_used for a in self.activities)

    @property
    def criminal(self) -> bool:
        return any(a.criminal_data for a in self.activities)

    @property
    def data(self) -> list[DataItem]:
        """The categories of data, the sensitive ones first."""
        items = [
            DataItem(SpecialCategory(code).label, True, code, special=True)
            for code in self.special_categories
        ]
        if self.criminal:
            items.append(DataItem(_criminal_label(), True, "criminal", special=True))
        if self.nir:
            items.append(DataItem(_nir_label(), True, "nir", special=True))
        ordinary = [DataCategory(code) for code in self.data_categories]
        ordinary.sort(key=lambda c: (c not in SENSITIVE_ORDINARY, list(DataCategory).index(c)))
        items += [DataItem(c.label, c in SENSITIVE_ORDINARY, c.value) for c in ordinary]
        return items

    @property
    def subjects(self) -> list[tuple[SubjectCategory, int | None]]:
        """Each category of people with its largest estimate across the activities (the same
        people often appear in several activities: they are not added up twice)."""
        numbers: dict[SubjectCategory, int | None] = {}
        for activity in self.activities:
            for subject in activity.subjects:
                known = numbers.get(subject.category)
                estimate = subject.estimated_number
                if estimate is not None and (known is None or estimate > known):
                    numbers[subject.category] = estimate
                else:
                    numbers.setdefault(subject.category, known)
        return [(c, numbers[c]) for c in SubjectCategory if c in numbers]

    @property
    def people_estimate(self) -> int | None:
        numbers = [n for _c, n in self.subjects if n is not None]
        return sum(numbers) if numbers else None

    @property
    def open_breach(self) -> PersonalDataBreach | None:
        return self.existing[0] if self.existing else None


@dataclass
class FanOut:
    incident: Incident
    controllers: list[Controller]
    hidden: int  # controllers outside what the user may see
    hidden_pending: int = 0  # those of them with neither a breach nor a decision

    @property
    def creatable(self) -> list[Controller]:
        return [c for c in self.controllers if c.may_create]

    @property
    def without_activities(self) -> list[tuple[Organisation, list[str]]]:
        """Members using an affected application with no activity relying on it in their
        record: the DPO checks their record before deciding."""
        return [
            (c.organisation, [a.name for a in c.applications])
            for c in self.controllers
            if not c.has_activities
        ]

    @property
    def pending(self) -> list[Controller]:
        """The controllers with neither a breach nor a "no breach" decision."""
        return [c for c in self.controllers if not c.decided]

    @property
    def pending_total(self) -> int:
        return len(self.pending) + self.hidden_pending

    @property
    def concerned(self) -> bool:
        """Whether the incident may involve personal data of some controller."""
        return bool(self.controllers) or bool(self.hidden)


def named_organisations(incident: Incident) -> set[int]:
    """The organisations an incident flagged as touching personal data names: the affected
    ones, and its own unless it is the host (which reports as the members' processor): they
    are controllers of the data, whatever the map says."""
    if not incident.personal_data:
        return set()
    named = {o.id for o in incident.affected_organisations}
    if not incident.organisation.is_host:
        named.add(incident.organisation_id)
    return named


def _criminal_label() -> str:
    return _("Infractions, condamnations (art. 10)")


def _nir_label() -> str:
    return _("Numéro de sécurité sociale (NIR)")


ACTIVITY_OPTIONS = (
    selectinload(ProcessingActivity.applications),
    selectinload(ProcessingActivity.data_categories),
    selectinload(ProcessingActivity.special_categories),
    selectinload(ProcessingActivity.subjects),
)


def _deployments(session: Session, incident: Incident) -> dict[int, set[int]]:
    """organisation id -> ids of the affected applications it used when the incident hit."""
    affected = sa.select(IncidentApplication.application_id).where(
        IncidentApplication.incident_id == incident.id
    )
    rows = session.execute(
        sa.select(Deployment.organisation_id, Deployment.application_id).where(
            Deployment.application_id.in_(affected),
            sa.or_(Deployment.archived_at.is_(None), Deployment.archived_at > incident.detected_at),
        )
    ).all()
    deployed: dict[int, set[int]] = defaultdict(set)
    for organisation_id, application_id in rows:
        deployed[organisation_id].add(application_id)
    return deployed


def _activities(session: Session, incident: Incident, organisation_ids) -> list:
    affected = sa.select(IncidentApplication.application_id).where(
        IncidentApplication.incident_id == incident.id
    )
    relying = sa.select(ProcessingApplication.processing_id).where(
        ProcessingApplication.application_id.in_(affected)
    )
    statement = (
        sa.select(ProcessingActivity)
        .options(*ACTIVITY_OPTIONS)
        .where(
            ProcessingActivity.id.in_(relying),
            ProcessingActivity.organisation_id.in_(list(organisation_ids)),
            ProcessingActivity.is_model.is_(False),
            ProcessingActivity.status != ProcessingStatus.ARCHIVED,
            # A member acting as a processor is not the controller of that processing.
            ProcessingActivity.role != ProcessingRole.PROCESSOR,
        )
        .order_by(ProcessingActivity.reference, ProcessingActivity.id)
    )
    return list(session.scalars(statement))


def _decisions(session: Session, incident: Incident) -> dict[int, NoBreachDecision]:
    statement = sa.select(NoBreachDecision).where(NoBreachDecision.incident_id == incident.id)
    return {d.organisation_id: d for d in session.scalars(statement)}


def _existing(session: Session, incident: Incident) -> dict[int, list[PersonalDataBreach]]:
    existing: dict[int, list[PersonalDataBreach]] = defaultdict(list)
    for breach in session.scalars(
        sa.select(PersonalDataBreach)
        .where(
            PersonalDataBreach.incident_id == incident.id,
            PersonalDataBreach.archived_at.is_(None),
        )
        .order_by(PersonalDataBreach.id)
    ):
        existing[breach.organisation_id].append(breach)
    return existing


def controllers_for(
    incident: Incident, user=None, *, session: Session | None = None, everything: bool = False
) -> FanOut:
    """The controllers an incident concerns, with their activities relying on the affected
    applications, their breaches and decisions, among the organisations whose breaches the
    user may see (everything=True: all of them, for the gate, the command line and the demo)."""
    session = session or get_session()
    user = current_user if user is None else user
    deployed = _deployments(session, incident)
    if incident.classification == Classification.EVENT and not incident.personal_data:
        deployed = {}
    concerned = set(deployed) | named_organisations(incident)
    if not concerned:
        return FanOut(incident, [], 0)
    by_organisation: dict[int, list[ProcessingActivity]] = defaultdict(list)
    for activity in _activities(session, incident, deployed):
        used = deployed[activity.organisation_id]
        if any(a.id in used for a in activity.applications):
            by_organisation[activity.organisation_id].append(activity)
    readable = None
    if not everything:
        readable = set(
            session.scalars(visible_organisations_query(user, REGISTER, Action.READ)).all()
        )
    organisations = {
        o.id: o
        for o in session.scalars(sa.select(Organisation).where(Organisation.id.in_(concerned)))
    }
    applications = {
        a.id: a
        for a in session.scalars(
            sa.select(Application).where(
                Application.id.in_({i for ids in deployed.values() for i in ids})
            )
        )
    }
    existing = _existing(session, incident)
    decisions = _decisions(session, incident)
    controllers, hidden, hidden_pending = [], 0, 0
    for organisation_id in sorted(concerned, key=lambda i: organisations[i].name.lower()):
        organisation = organisations[organisation_id]
        if readable is not None and organisation_id not in readable:
            hidden += 1
            decided = organisation_id in existing or organisation_id in decisions
            hidden_pending += 0 if decided else 1
            continue
        used = sorted(
            (applications[i] for i in deployed.get(organisation_id, ())), key=lambda a: a.name_key
        )
        activities = by_organisation.get(organisation_id, [])
        if activities:
            relevant = {a.id for activity in activities for a in activity.applications}
            used = [a for a in used if a.id in relevant]
        controllers.append(
            Controller(
                organisation=organisation,
                applications=used,
                activities=activities,
                existing=existing.get(organisation_id, []),
                may_create=everything
                or can(REGISTER, Action.CREATE, organisation_id, user=user, session=session),
                decision=decisions.get(organisation_id),
            )
        )
    return FanOut(incident, controllers, hidden, hidden_pending)


def concerned_pairs(incident_ids) -> sa.Subquery:
    """(incident_id, organisation_id) of every controller the incidents whose ids `incident_ids`
    (a SELECT) selects concern, the rule of `controllers_for` in one SQL statement: the members
    deploying an affected application when the incident hit (unless it is a mere event not
    flagged as touching personal data), and for a flagged incident the organisations named
    affected and its own unless it is the host."""
    flagged = Incident.personal_data.is_(True)
    deployed = (
        sa.select(
            Incident.id.label("incident_id"), Deployment.organisation_id.label("organisation_id")
        )
        .join(IncidentApplication, IncidentApplication.incident_id == Incident.id)
        .join(Deployment, Deployment.application_id == IncidentApplication.application_id)
        .where(
            Incident.id.in_(incident_ids),
            sa.or_(Deployment.archived_at.is_(None), Deployment.archived_at > Incident.detected_at),
            sa.or_(
                flagged,
                Incident.classification.is_(None),
                Incident.classification != Classification.EVENT,
            ),
        )
    )
    affected = (
        sa.select(IncidentOrganisation.incident_id, IncidentOrganisation.organisation_id)
        .join(Incident, Incident.id == IncidentOrganisation.incident_id)
        .where(Incident.id.in_(incident_ids), flagged)
    )
    own = (
        sa.select(Incident.id, Incident.organisation_id)
        .join(Organisation, Organisation.id == Incident.organisation_id)
        .where(Incident.id.in_(incident_ids), flagged, Organisation.is_host.is_(False))
    )
    return sa.union(deployed, affected, own).subquery("concerned")


def _undecided(incident_id, organisation_id, user):
    """The controller (incident, organisation) is one the user may open a breach for, with
    neither a breach nor a "no breach" decision yet."""
    return sa.and_(
        organisation_id.in_(visible_organisations_query(user, REGISTER, Action.READ)),
        organisation_id.in_(visible_organisations_query(user, REGISTER, Action.CREATE)),
        ~sa.exists()
        .where(
            PersonalDataBreach.incident_id == incident_id,
            PersonalDataBreach.organisation_id == organisation_id,
            PersonalDataBreach.archived_at.is_(None),
        )
        .correlate_except(PersonalDataBreach),
        ~sa.exists()
        .where(
            NoBreachDecision.incident_id == incident_id,
            NoBreachDecision.organisation_id == organisation_id,
        )
        .correlate_except(NoBreachDecision),
    )


def awaiting_decision(user=None):
    """A condition on `Incident`: some controller it concerns (the rule of `concerned_pairs`)
    is still to decide among those the user may open a breach for. Correlated EXISTS clauses:
    each stops at the first such controller, whatever the number of deployments."""
    user = current_user if user is None else user
    flagged = Incident.personal_data.is_(True)
    return sa.or_(
        sa.exists()
        .where(
            IncidentApplication.incident_id == Incident.id,
            Deployment.application_id == IncidentApplication.application_id,
            sa.or_(Deployment.archived_at.is_(None), Deployment.archived_at > Incident.detected_at),
            sa.or_(
                flagged,
                Incident.classification.is_(None),
                Incident.classification != Classification.EVENT,
            ),
            _undecided(Incident.id, Deployment.organisation_id, user),
        )
        .correlate_except(IncidentApplication, Deployment),
        sa.and_(
            flagged,
            sa.exists()
            .where(
                IncidentOrganisation.incident_id == Incident.id,
                _undecided(Incident.id, IncidentOrganisation.organisation_id, user),
            )
            .correlate_except(IncidentOrganisation),
        ),
        sa.and_(
            flagged,
            Incident.organisation_id.in_(
                sa.select(Organisation.id).where(Organisation.is_host.is_(False))
            ),
            _undecided(Incident.id, Incident.organisation_id, user),
        ),
    )


def pending_controllers(
    incident_ids: list[int], size: int, user=None
) -> dict[int, tuple[int, list[str]]]:
    """incident id -> (how many of its controllers the user may open a breach for still have
    neither a breach nor a "no breach" decision: `len([c for c in fanout.pending if
    c.may_create])`, the names of the first `size` of them in alphabetical order). One
    statement, at most `size` rows an incident; incidents with none are absent."""
    user = current_user if user is None else user
    concerned = concerned_pairs(incident_ids)
    incident_id, organisation_id = concerned.c.incident_id, concerned.c.organisation_id
    ranked = (
        sa.select(
            incident_id,
            Organisation.name,
            sa.func.row_number()
            .over(
                partition_by=incident_id,
                order_by=(sa.func.lower(Organisation.name), Organisation.id),
            )
            .label("rank"),
            sa.func.count().over(partition_by=incident_id).label("pending"),
        )
        .join(Organisation, Organisation.id == organisation_id)
        .where(_undecided(incident_id, organisation_id, user))
        .subquery()
    )
    found: dict[int, tuple[int, list[str]]] = {}
    statement = sa.select(ranked.c.incident_id, ranked.c.pending, ranked.c.name).where(
        ranked.c.rank <= size
    )
    for incident, pending, name in get_session().execute(
        statement.order_by(ranked.c.incident_id, ranked.c.rank)
    ):
        found.setdefault(incident, (pending, []))[1].append(name)
    return found
