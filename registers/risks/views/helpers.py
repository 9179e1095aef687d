"""What the risk pages share: the records of the risk's organisation a form offers to link (as
the service accepts them), and the template helpers of the blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_date
from sqlalchemy.orm import selectinload

from compliance.access import allowed_on, scope
from compliance.calendar import today_in_paris
from compliance.db import get_session
from compliance.tenancy import Organisation
from registers.applications.models import Application, Deployment, Interface
from registers.dpia.models import Dpia
from registers.processing.models import ProcessingActivity
from registers.processing.reference import ProcessingStatus
from registers.risks.schemas import (
    LEVELS,
    RiskLevel,
    RiskStatus,
    Treatment,
    impact_label,
    likelihood_label,
)
from registers.roadmap.models import HygieneMeasure, RoadmapAction


def _deployed(organisation_id: int):
    return sa.select(Deployment.application_id).where(
        Deployment.organisation_id == organisation_id, Deployment.archived_at.is_(None)
    )


def _visible(statement) -> list:
    return list(get_session().scalars(scope(statement, selected=False)))


def fill_choices(form, organisation: Organisation) -> None:
    """The form's link choices: the syndicate's risks concern the whole catalogue; a member's,
    its deployments, its activities, its roadmap and its DPIAs."""
    applications = sa.select(Application).where(Application.archived_at.is_(None))
    interfaces = (
        sa.select(Interface)
        .options(selectinload(Interface.source), selectinload(Interface.target))
        .where(Interface.archived_at.is_(None))
    )
    if not organisation.is_host:
        deployed = _deployed(organisation.id)
        applications = applications.where(Application.id.in_(deployed))
        interfaces = interfaces.where(
            Interface.source_application_id.in_(deployed),
            Interface.target_application_id.in_(deployed),
        )
    form.application_ids.choices = [
        (a.id, a.name) for a in _visible(applications.order_by(Application.name))
    ]
    form.interface_ids.choices = [
        (i.id, f"{i.source.name} → {i.target.name}")
        for i in _visible(interfaces.order_by(Interface.id))
    ]
    activities = sa.select(ProcessingActivity).where(
        ProcessingActivity.organisation_id == organisation.id,
        ProcessingActivity.is_model.is_(False),
        ProcessingActivity.status != ProcessingStatus.ARCHIVED,
    )
    form.processing_ids.choices = [
        (a.id, f"{a.reference} · {a.name}")
        for a in _visible(activities.order_by(ProcessingActivity.reference))
    ]
    actions = sa.select(RoadmapAction).where(
        RoadmapAction.organisation_id == organisation.id, RoadmapAction.archived_at.is_(None)
    )
    form.roadmap_action_ids.choices = [
        (a.id, f"{a.code} · {a.title}") for a in _visible(actions.order_by(RoadmapAction.code))
    ]
    measures = get_session().scalars(
        sa.select(HygieneMeasure).order_by(HygieneMeasure.measure, HygieneMeasure.level.desc())
    )
    form.hygiene_measure_ids.choices = [(m.id, f"{m.ref} · {m.title}") for m in measures]
    dpias = sa.select(Dpia).where(Dpia.organisation_id == organisation.id)
    form.dpia_id.choices = [("", "")] + [
        (d.id, f"{d.reference} · {d.title}") for d in _visible(dpias.order_by(Dpia.reference))
    ]


LEVEL_TONES = {
    RiskLevel.LOW: "success",
    RiskLevel.MODERATE: "info",
    RiskLevel.HIGH: "warning",
    RiskLevel.CRITICAL: "error",
}


def template_helpers():
    return {
        "allowed_on": allowed_on,
        "format_date": format_date,
        "LEVELS": LEVELS,
        "LEVEL_TONES": LEVEL_TONES,
        "RiskLevel": RiskLevel,
        "RiskStatus": RiskStatus,
        "Treatment": Treatment,
        "likelihood_label": likelihood_label,
        "impact_label": impact_label,
        "today": today_in_paris(),
    }
