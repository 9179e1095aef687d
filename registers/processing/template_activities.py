"""Template activities (the DPO's "traitements types"): the DPO writes one (for example "Tenue
de l'état civil") in the host organisation, applies it to several members at once, sees where
each copy has diverged, and pushes a later change of the template to the copies that have not
diverged on those fields.

Each copy keeps `model_baseline`: the template's values of the synchronised fields when it was
made or last synchronised. A field whose copy value differs from its baseline was changed by
the member (diverged); a push leaves it alone. A field equal to its baseline follows the template.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance import audit
from compliance.tenancy import Organisation
from registers.processing import services
from registers.processing.models import ProcessingActivity
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check
from registers.processing.serialise import child_rows, plain

SCALAR_FIELDS = {
    "name": _l("Nom du traitement"),
    "description": _l("Description"),
    "role": _l("Rôle de l'organisation"),
    "other_controllers": _l("Autres responsables"),
    "joint_arrangement": _l("Accord entre responsables conjoints"),
    "indirect_collection": _l("Données non collectées auprès de la personne"),
    "data_source": _l("Source des données"),
    "criminal_data": _l("Données d'infractions (art. 10)"),
    "criminal_data_basis": _l("Texte autorisant les données d'infractions"),
    "nir_used": _l("NIR"),
    "nir_legal_text": _l("Texte autorisant le NIR"),
    "dpia_criteria": _l("Critères du CEPD"),
    "dpia_cnil_types": _l("Liste de la CNIL"),
    "dpia_art35_cases": _l("Cas de l'article 35.3"),
    "dpia_screening_notes": _l("Notes de l'analyse AIPD"),
}
COLLECTION_FIELDS = {
    "purposes": _l("Finalités et bases légales"),
    "data_categories": _l("Catégories de données et durées de conservation"),
    "special_categories": _l("Données sensibles"),
    "subjects": _l("Personnes concernées"),
    "recipients": _l("Destinataires"),
    "transfers": _l("Transferts hors UE"),
    "security_measures": _l("Mesures de sécurité"),
    "applications": _l("Applications support"),
}
SYNC_FIELDS = {**SCALAR_FIELDS, **COLLECTION_FIELDS}
# Copied when the template is applied, as a starting point, but each member's own afterwards.
INITIAL_FIELDS = ("responsible_service",)


class TemplateError(services.ServiceError):
    """A template operation on something that is not a template, or a copy of another template."""


def field_value(activity: ProcessingActivity, name: str) -> Any:
    """The comparable, JSON-ready value of one synchronised field."""
    if name == "applications":
        return sorted(a.id for a in activity.applications)
    if name in COLLECTION_FIELDS:
        return child_rows(activity, name)
    return plain(getattr(activity, name))


def template_values(activity: ProcessingActivity) -> dict:
    return {name: field_value(activity, name) for name in SYNC_FIELDS}


def _as_input(values: dict) -> dict:
    """Synchronised values as a write's input."""
    data = dict(values)
    if "applications" in data:
        data["application_ids"] = data.pop("applications")
    return data


# --- apply --------------------------------------------------------------------------------------


def copies_of(session: Session, template: ProcessingActivity) -> list[ProcessingActivity]:
    statement = (
        sa.select(ProcessingActivity)
        .where(ProcessingActivity.model_id == template.id)
        .join(Organisation, Organisation.id == ProcessingActivity.organisation_id)
        .order_by(Organisation.name, ProcessingActivity.id)
    )
    return list(session.scalars(statement))


def create_template(
    session: Session, host: Organisation, values: ActivityCreate, *, actor
) -> ProcessingActivity:
    """A template activity, kept in the host organisation (references MOD-001, …)."""
    return services.create_processing(session, host, values, actor=actor, is_template=True)


def apply_template(
    session: Session,
    template: ProcessingActivity,
    organisations: Iterable[Organisation],
    *,
    actor,
) -> list[ProcessingActivity]:
    """A draft copy of the template in each organisation (the existing one where it already has
    a copy), linked to the template. A copy takes the template's reference without its `MOD-` prefix
    (`MOD-EC-01` gives `EC-01`) where that reference is free in the organisation."""
    if not template.is_model:
        raise TemplateError(_("seul un traitement type s'applique aux membres"))
    values = template_values(template)
    initial = {name: getattr(template, name) for name in INITIAL_FIELDS}
    existing = {copy.organisation_id: copy for copy in copies_of(session, template)}
    result = []
    for organisation in organisations:
        copy = existing.get(organisation.id)
        if copy is None:
            data = {**initial, **_as_input(values)}
            reference = _free_reference(session, organisation.id, template.reference)
            if reference:
                data["reference"] = reference
            copy = services.create_processing(
                session, organisation, check(ActivityCreate, data), actor=actor
            )
            copy.model_id = template.id
            copy.model_baseline = values
            session.flush()
            audit.record(
                session,
                action="apply_model",
                actor=actor,
                target=copy,
                summary=f"Model {template.reference} applied to {organisation.name}",
                changes={"model_id": {"before": None, "after": template.id}},
            )
        result.append(copy)
    return result


def _free_reference(session: Session, organisation_id: int, template_reference: str) -> str | None:
    candidate = template_reference.removeprefix("MOD-").strip("-")
    if not candidate or candidate.isdigit():  # MOD-001 gives no meaningful reference
        return None
    taken = session.scalar(
        sa.select(ProcessingActivity.id).where(
            ProcessingActivity.organisation_id == organisation_id,
            ProcessingActivity.reference == candidate,
        )
    )
    return None if taken else candidate


# --- divergence ---------------------------------------------------------------------------------


@dataclass
class FieldState:
    name: str
    label: object
    copy_value: Any
    template_value: Any
    baseline_value: Any

    @property
    def diverged(self) -> bool:
        """The member changed this field since the copy was made or last synchronised."""
        return self.copy_value != self.baseline_value

    @property
    def differs(self) -> bool:
        """The copy's value is not the template's current one."""
        return self.copy_value != self.template_value

    @property
    def pending(self) -> bool:
        """The template changed and the copy follows it: a push would update it."""
        return not self.diverged and self.differs


def field_states(copy: ProcessingActivity, template: ProcessingActivity | None = None):
    """The state of each synchronised field of a copy, against its template."""
    template = template or copy.model
    if template is None:
        return []
    baseline = copy.model_baseline or {}
    current = template_values(template)
    return [
        FieldState(
            name,
            label,
            field_value(copy, name),
            current[name],
            baseline.get(name, current[name]),
        )
        for name, label in SYNC_FIELDS.items()
    ]


def divergence(copy: ProcessingActivity, template: ProcessingActivity | None = None):
    """The fields where the copy has diverged from its template."""
    return [state for state in field_states(copy, template) if state.diverged]


# --- push ---------------------------------------------------------------------------------------


@dataclass
class PushResult:
    copy: ProcessingActivity
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # diverged: the member's value stays


def push_template(
    session: Session, template: ProcessingActivity, *, actor, fields: Iterable[str] | None = None
) -> list[PushResult]:
    """Bring the template's current values to every copy (not archived) that has not diverged on
    them; `fields` limits the push to some synchronised fields."""
    if not template.is_model:
        raise TemplateError(_("seul un traitement type peut être diffusé"))
    names = [n for n in (fields or SYNC_FIELDS) if n in SYNC_FIELDS]
    current = template_values(template)
    results = []
    for copy in copies_of(session, template):
        if copy.status == ProcessingStatus.ARCHIVED:
            continue
        result = PushResult(copy)
        baseline = dict(copy.model_baseline or {})
        changes = {}
        for state in field_states(copy, template):
            if state.name not in names:
                continue
            if state.diverged:
                result.kept.append(state.name)
                continue
            if state.differs:
                changes[state.name] = current[state.name]
                result.updated.append(state.name)
            baseline[state.name] = current[state.name]
        if changes:
            services.update_processing(
                session, copy, check(ActivityUpdate, _as_input(changes)), actor=actor
            )
        copy.model_baseline = baseline
        session.flush()
        results.append(result)
    audit.record(
        session,
        action="push_model",
        actor=actor,
        target=template,
        summary=f"Model {template.reference} pushed to its copies",
        changes={
            "copies": {
                "before": None,
                "after": [{"id": r.copy.id, "updated": r.updated, "kept": r.kept} for r in results],
            }
        },
    )
    return results
