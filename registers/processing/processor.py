"""The processor's register (Art. 30(2) GDPR) of the organisation that hosts the shared
applications, derived from the application map rather than typed twice.

For each member (controller): the applications the host runs for it (a current deployment whose
effective hosting is the syndicate's datacenter), the categories of processing carried out on its
behalf through them (the member's own activities that rely on those applications; the
application's business functions where the member has recorded none yet), the transfers outside
the EU those applications entail, and the security measures the host applies.

The caller checks that the user may read the host's register.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.tenancy import Organisation
from registers.applications.models import Application, Deployment, Hosting
from registers.processing import compute
from registers.processing.models import ProcessingActivity, ProcessingApplication
from registers.processing.reference import ProcessingStatus, SecurityFamily


@dataclass
class HostedApplication:
    application: Application
    functions: list[str]
    activities: list[ProcessingActivity] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        """The categories of processing done through it for the controller."""
        if self.activities:
            return [activity.name for activity in self.activities]
        return self.functions


@dataclass
class Transfer:
    application: str
    country: str
    safeguard: str | None


@dataclass
class ControllerSection:
    organisation: Organisation
    applications: list[HostedApplication] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    measures: list[compute.InheritedMeasure] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        seen: list[str] = []
        for hosted in self.applications:
            seen += [c for c in hosted.categories if c not in seen]
        return seen


@dataclass
class ProcessorRegister:
    processor: Organisation
    controllers: list[ControllerSection]
    general_measures: list[tuple[SecurityFamily, object]]


# Measures the host applies to everything it runs, whatever the application.
GENERAL_MEASURES = (
    (SecurityFamily.ACCESS_CONTROL, _l("Comptes nominatifs, annuaire central, revue des droits")),
    (SecurityFamily.TRACEABILITY, _l("Journalisation des accès et supervision des serveurs")),
    (SecurityFamily.SOFTWARE_PROTECTION, _l("Mises à jour de sécurité, antivirus, pare-feux")),
    (SecurityFamily.BACKUPS, _l("Sauvegardes quotidiennes, copie hors site")),
    (SecurityFamily.ENCRYPTION, _l("Flux chiffrés (TLS) entre les sites et le datacenter")),
    (SecurityFamily.PROCESSOR_CONTROL, _l("Contrats art. 28 avec les éditeurs intervenant")),
    (SecurityFamily.OTHER, _l("Système de management de la sécurité de l'information")),
)


def host_organisation(session: Session) -> Organisation | None:
    return session.scalar(
        sa.select(Organisation).where(Organisation.is_host.is_(True)).order_by(Organisation.id)
    )


def _hosted_deployments(session: Session, host: Organisation) -> list[Deployment]:
    statement = (
        sa.select(Deployment)
        .join(Application, Application.id == Deployment.application_id)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
        .where(
            Deployment.archived_at.is_(None),
            Application.archived_at.is_(None),
            Deployment.organisation_id != host.id,
            sa.func.coalesce(Deployment.hosting, Application.hosting)
            == Hosting.SYNDICATE_DATACENTER,
        )
        .options(
            selectinload(Deployment.application).selectinload(Application.functions),
            selectinload(Deployment.application).selectinload(Application.vendor),
            selectinload(Deployment.organisation),
        )
        .order_by(Organisation.name, Application.name_key)
    )
    return list(session.scalars(statement))


def _activities_by_pair(session: Session, organisation_ids, application_ids) -> dict:
    """{(organisation id, application id): [activities]} in one query."""
    if not organisation_ids or not application_ids:
        return {}
    rows = session.execute(
        sa.select(ProcessingApplication.application_id, ProcessingActivity)
        .join(ProcessingActivity, ProcessingActivity.id == ProcessingApplication.processing_id)
        .where(
            ProcessingActivity.organisation_id.in_(organisation_ids),
            ProcessingApplication.application_id.in_(application_ids),
            ProcessingActivity.is_model.is_(False),
            ProcessingActivity.status != ProcessingStatus.ARCHIVED,
        )
        .order_by(ProcessingActivity.reference)
    ).all()
    grouped: dict = {}
    for application_id, activity in rows:
        grouped.setdefault((activity.organisation_id, application_id), []).append(activity)
    return grouped


def processor_register(session: Session, host: Organisation | None = None) -> ProcessorRegister:
    """The processor's register of `host` (default: the host organisation)."""
    host = host or host_organisation(session)
    if host is None:
        raise LookupError("no organisation is marked as hosting the shared applications")
    deployments = _hosted_deployments(session, host)
    activities = _activities_by_pair(
        session,
        {d.organisation_id for d in deployments},
        {d.application_id for d in deployments},
    )
    sections: dict[int, ControllerSection] = {}
    for deployment in deployments:
        application = deployment.application
        section = sections.setdefault(
            deployment.organisation_id, ControllerSection(deployment.organisation)
        )
        functions = deployment.functions or [f.name for f in application.functions]
        section.applications.append(
            HostedApplication(
                application,
                list(functions),
                activities.get((deployment.organisation_id, application.id), []),
            )
        )
        if application.outside_eu:
            section.transfers.append(
                Transfer(
                    application.name, application.hosting_country, application.outside_eu_safeguard
                )
            )
        section.measures += compute.inherited_measures(
            [(application, Hosting.SYNDICATE_DATACENTER)]
        )
    return ProcessorRegister(host, list(sections.values()), list(GENERAL_MEASURES))
