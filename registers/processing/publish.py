"""Published versions of a register: the DPO publishes an organisation's register as of a date;
the version is a frozen JSON snapshot (later edits of the activities do not change it) that can
be exported at any time, so that an auditor receives the register "as of" that date.

The snapshot holds what the Word register shows: the controller and its DPO, and for each
activity every field and child row, its completeness, warnings, DPIA screening reasons and the
measures inherited from its applications, rendered in French. The activities' contact (free
text naming people, encrypted in its own column) is left out: the controller's and the DPO's
contact details are the ones Art. 30(1)(a) asks for.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import Session

from compliance import audit
from compliance.db import utcnow
from compliance.permissions import Action
from compliance.tenancy import Organisation
from compliance.text import xml_safe_data
from registers.processing import compute
from registers.processing.models import RegisterVersion
from registers.processing.queries import (
    deployment_hostings,
    inherited_measures,
    organisation_activities,
)
from registers.processing.schemas import VersionCreate
from registers.processing.serialise import activity_data, plain
from registers.processing.services import require

SNAPSHOT_FORMAT = 1
LEFT_OUT = ("contact",)
ORGANISATION_FIELDS = (
    "id",
    "name",
    "slug",
    "kind",
    "siren",
    "address",
    "legal_representative",
    "dpo_name",
    "dpo_cnil_number",
    "dpo_designated_on",
    "dpo_contact",
    "referent_name",
    "referent_email",
)


def canonical_digest(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def organisation_data(organisation: Organisation) -> dict:
    return {name: plain(getattr(organisation, name)) for name in ORGANISATION_FIELDS}


def activity_snapshot(
    activity, organisation, *, session=None, today: date | None = None, hostings=None
) -> dict:
    """One activity as a published version keeps it: its data plus what the register computes,
    the computed texts rendered in French. `hostings` (`queries.deployment_hostings` of the
    organisation) is read once for a whole register."""
    data = activity_data(activity)
    for name in LEFT_OUT:
        data.pop(name, None)
    with force_locale("fr"):
        result = compute.completeness(activity)
        screening = compute.screen_activity(activity)
        data["completeness"] = {
            "score": result.score,
            "missing": [{"code": i.code, "label": str(i.label)} for i in result.missing],
        }
        data["warnings"] = [
            {"code": w.code, "message": str(w.message)}
            for w in compute.warnings(activity, organisation=organisation, today=today)
        ]
        data["dpia_screening"] = {
            "required": screening.required,
            "reasons": [str(reason) for reason in screening.reasons],
        }
        data["inherited_measures"] = [
            {"family": m.family.value, "details": str(m.details), "application": m.application}
            for m in inherited_measures(activity, session=session, hostings=hostings)
        ]
    return data


def register_snapshot(session: Session, organisation: Organisation, *, today=None) -> dict:
    """The whole register of an organisation, as a JSON-ready dict."""
    activities = organisation_activities(organisation.id, session=session)
    hostings = deployment_hostings(organisation.id, session=session)
    with force_locale("fr"):
        overall = compute.register_completeness(activities, organisation)
        controller_missing = [str(label) for label in overall.controller_missing]
    return {
        "format": SNAPSHOT_FORMAT,
        "organisation": organisation_data(organisation),
        "completeness": {
            "score": overall.score,
            "activities": overall.activities,
            "complete": overall.complete,
            "controller_missing": controller_missing,
        },
        "activities": [
            activity_snapshot(a, organisation, session=session, today=today, hostings=hostings)
            for a in activities
        ],
    }


def next_version_number(session: Session, organisation_id: int) -> int:
    last = session.scalar(
        sa.select(sa.func.max(RegisterVersion.number)).where(
            RegisterVersion.organisation_id == organisation_id
        )
    )
    return (last or 0) + 1


def publish_register(
    session: Session, organisation: Organisation, values: VersionCreate | None = None, *, actor
) -> RegisterVersion:
    """Freeze the organisation's register as it stands now (permission VALIDATE: the DPO), with
    the DPO's note if `values` gives one."""
    require(session, actor, Action.VALIDATE, organisation.id)
    published_at = utcnow()
    number = next_version_number(session, organisation.id)
    # Text stored before the input checks may hold characters no export can carry: the frozen
    # copy keeps what the documents show.
    content = xml_safe_data(register_snapshot(session, organisation, today=published_at.date()))
    content.update(number=number, published_at=published_at.isoformat())
    version = RegisterVersion(
        organisation_id=organisation.id,
        number=number,
        published_at=published_at,
        published_by_id=getattr(actor, "id", None),
        published_by_label=getattr(actor, "email", None) or str(actor),
        note=values.note if values is not None else None,
        activity_count=len(content["activities"]),
        digest=canonical_digest(content),
        content=content,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        action="publish",
        actor=actor,
        target=version,
        summary=f"Register of {organisation.name}, version {version.number}",
        changes={
            "number": {"before": None, "after": version.number},
            "activity_count": {"before": None, "after": version.activity_count},
            "digest": {"before": None, "after": version.digest},
        },
    )
    return version


def versions_query(organisation_id: int) -> sa.Select:
    """The published versions of one organisation, newest first (the caller checks access)."""
    return (
        sa.select(RegisterVersion)
        .where(RegisterVersion.organisation_id == organisation_id)
        .order_by(RegisterVersion.number.desc())
    )


def find_version(session: Session, organisation_id: int, number: int) -> RegisterVersion | None:
    return session.scalar(
        sa.select(RegisterVersion).where(
            RegisterVersion.organisation_id == organisation_id,
            RegisterVersion.number == number,
        )
    )


def is_intact(version: RegisterVersion) -> bool:
    """Whether the stored content still matches the digest taken when it was published."""
    return canonical_digest(version.content) == version.digest
