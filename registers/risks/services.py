"""Writes to the risk register: record and update a risk. The rules every door obeys (page,
API, command line, demo): the residual level never above the inherent one (a treatment does not
raise a risk; a risk found worse is reassessed), the owner's acceptance when the risk is
accepted or its residual level high, the links to records of the risk's own organisation only,
and the DPO writing only the risks that concern personal data. Each function flushes and
audits, never commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.auth import roles_by_organisation
from compliance.calendar import today_in_paris
from compliance.db import check_version, utcnow
from compliance.permissions import Action, Register, Role, role_allows
from compliance.schemas import validate
from compliance.services import FieldErrors
from compliance.tenancy import Organisation, is_operator, visible_reference, visible_references
from registers.applications.models import Application, Deployment, Interface
from registers.dpia.models import Dpia
from registers.processing.models import ProcessingActivity
from registers.risks.models import Risk, needs_acceptance, score
from registers.risks.schemas import RiskCreate, RiskUpdate, Treatment
from registers.roadmap.models import HygieneMeasure, RoadmapAction

__all__ = ["FieldErrors", "create_risk", "may_write", "update_risk"]

PREFIX = "RSK"
ACCEPTANCE_FIELDS = ("accepted_by", "accepted_on", "accepted_until")


def _checked(schema, values):
    """`values` as checked by `schema` (a mapping from the demo or a test is checked first)."""
    return values if isinstance(values, schema) else validate(schema, values)


def next_reference(session: Session, year: int) -> tuple[str, int]:
    """The next free reference of the year: RSK-2026-004 (the series is locked until the
    transaction ends)."""
    number = numbering.draw(
        session,
        PREFIX,
        year=year,
        floor=lambda: session.scalar(
            sa.select(sa.func.max(Risk.reference_number)).where(Risk.reference_year == year)
        ),
    )
    return f"{PREFIX}-{year}-{number:03d}", number


# --- the DPO's restriction ----------------------------------------------------------------------


def only_as_dpo(session: Session, actor, organisation_id: int) -> bool:
    """Whether the actor writes risks in the organisation only through the DPO's role: then
    only the risks that concern personal data."""
    if is_operator(actor):
        return False
    roles = roles_by_organisation(actor, session).get(organisation_id, ())
    writers = [role for role in roles if role_allows(role, Register.RISKS, Action.EDIT)]
    return bool(writers) and all(role == Role.DPO for role in writers)


def may_write(session: Session, risk: Risk, actor) -> bool:
    """The DPO edits a risk only when it concerns personal data (the permission table and the
    scope have said the rest)."""
    return risk.concerns_personal_data or not only_as_dpo(session, actor, risk.organisation_id)


def concerns_personal_data(values: dict) -> bool:
    """Whether a risk with these values concerns personal data: the flag, a linked activity or
    a linked DPIA (the service then sets the flag)."""
    return bool(
        values.get("personal_data") or values.get("processing_ids") or values.get("dpia_id")
    )


def _dpo_check(session: Session, actor, organisation_id: int, values: dict) -> None:
    """The DPO writes only the risks that concern personal data: checked before anything is
    drawn or changed."""
    if only_as_dpo(session, actor, organisation_id) and not concerns_personal_data(values):
        raise FieldErrors({"personal_data": _personal_data_message()})


def _personal_data_message() -> str:
    return _(
        "le délégué à la protection des données ne saisit que les risques qui concernent des "
        "données personnelles : cochez « données personnelles » ou liez un traitement ou une AIPD"
    )


# --- checks ---------------------------------------------------------------------------------


def _assessment_errors(values: dict, errors: dict) -> None:
    """The residual level not above the inherent one; the owner's acceptance when required;
    the acceptance's dates in order."""
    residual = (values.get("residual_likelihood"), values.get("residual_impact"))
    if (residual[0] is None) != (residual[1] is None):
        missing = "residual_impact" if residual[1] is None else "residual_likelihood"
        errors.setdefault(missing, _("indiquez la vraisemblance et l'impact résiduels ensemble"))
    # A treatment lowers the likelihood or the impact, never raises them: a risk found worse
    # than assessed is reassessed (its inherent level), not hidden in a residual one.
    for name, inherent in (("likelihood", "likelihood"), ("impact", "impact")):
        before, after = values.get(inherent), values.get(f"residual_{name}")
        if before is not None and after is not None and after > before:
            errors.setdefault(
                f"residual_{name}",
                _(
                    "ne peut dépasser la valeur avant traitement (%(before)s) : un traitement "
                    "ne l'aggrave pas, réévaluez plutôt le risque initial",
                    before=before,
                ),
            )
    after = score(*residual)
    if needs_acceptance(values.get("treatment"), after):
        why = (
            _("obligatoire quand le risque est accepté")
            if values.get("treatment") == Treatment.ACCEPT
            else _("obligatoire : le niveau résiduel est élevé ou critique")
        )
        for name in ACCEPTANCE_FIELDS:
            if values.get(name) in (None, ""):
                errors.setdefault(name, why)
    accepted_on, until = values.get("accepted_on"), values.get("accepted_until")
    if accepted_on and until and until < accepted_on:
        errors.setdefault("accepted_until", _("ne peut pas précéder la date d'acceptation"))
    if accepted_on and accepted_on > today_in_paris():
        errors.setdefault("accepted_on", _("ne peut pas être dans le futur"))


def _is_host(session: Session, organisation_id: int) -> bool:
    return bool(
        session.scalar(sa.select(Organisation.is_host).where(Organisation.id == organisation_id))
    )


def _deployed(session: Session, organisation_id: int, application_ids) -> set[int]:
    return set(
        session.scalars(
            sa.select(Deployment.application_id).where(
                Deployment.organisation_id == organisation_id,
                Deployment.archived_at.is_(None),
                Deployment.application_id.in_(list(application_ids)),
            )
        )
    )


def _outside(field: str) -> FieldErrors:
    return FieldErrors({field: _("des fiches liées n'appartiennent pas au périmètre de ce risque")})


def _set(risk: Risk, name: str, found: list, changes: dict, field: str) -> None:
    before = sorted(record.id for record in getattr(risk, name))
    setattr(risk, name, found)
    after = sorted(record.id for record in found)
    if before != after:
        changes[field] = {"before": before, "after": after}


def _links(session: Session, risk: Risk, cleaned: dict, *, actor) -> dict:
    """Set the records named in `cleaned`, each seen by the actor and within the risk's scope:
    the syndicate's risks concern the whole catalogue, a member's its own deployments, activities
    and roadmap. Returns the audit change."""
    changes: dict = {}
    organisation_id = risk.organisation_id
    host = _is_host(session, organisation_id)

    def seen(model, key, register, keep):
        return visible_references(
            session, model, cleaned.pop(key), register, user=actor, field=key, keep=keep
        )

    if cleaned.get("application_ids") is not None:
        found = seen(Application, "application_ids", Register.APPLICATIONS, risk.applications)
        new = {a.id for a in found} - set(risk.application_ids)
        if not host and new - _deployed(session, organisation_id, new):
            raise _outside("application_ids")
        _set(risk, "applications", found, changes, "application_ids")
    if cleaned.get("interface_ids") is not None:
        found = seen(Interface, "interface_ids", Register.APPLICATIONS, risk.interfaces)
        # Only what the write adds is checked: a deployment archived since keeps its links.
        added = [i for i in found if i.id not in set(risk.interface_ids)]
        if not host and added:
            ends = {i.source_application_id for i in added} | {
                i.target_application_id for i in added
            }
            if ends - _deployed(session, organisation_id, ends):
                raise _outside("interface_ids")
        _set(risk, "interfaces", found, changes, "interface_ids")
    if cleaned.get("processing_ids") is not None:
        found = seen(ProcessingActivity, "processing_ids", Register.PROCESSING, risk.activities)
        if any(a.organisation_id != organisation_id or a.is_model for a in found):
            raise _outside("processing_ids")
        _set(risk, "activities", found, changes, "processing_ids")
    if cleaned.get("roadmap_action_ids") is not None:
        found = seen(RoadmapAction, "roadmap_action_ids", Register.ROADMAP, risk.roadmap_actions)
        if any(a.organisation_id != organisation_id for a in found):
            raise _outside("roadmap_action_ids")
        _set(risk, "roadmap_actions", found, changes, "roadmap_action_ids")
    if cleaned.get("hygiene_measure_ids") is not None:
        _set(
            risk,
            "measures",
            _measures(session, cleaned.pop("hygiene_measure_ids")),
            changes,
            "hygiene_measure_ids",
        )
    for key in (
        "application_ids",
        "interface_ids",
        "processing_ids",
        "roadmap_action_ids",
        "hygiene_measure_ids",
    ):
        cleaned.pop(key, None)
    if changes:
        # The links live in their own tables: touch the row so its version moves too.
        risk.updated_at = utcnow()
    return changes


def _measures(session: Session, ids) -> list[HygieneMeasure]:
    """The guide's measures named by `ids` (reference data: every user may name them)."""
    ids = list(dict.fromkeys(ids))
    found = {
        m.id: m
        for m in session.scalars(sa.select(HygieneMeasure).where(HygieneMeasure.id.in_(ids)))
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise FieldErrors(
            {
                "hygiene_measure_ids": _(
                    "mesure d'hygiène inconnue : %(ids)s", ids=", ".join(missing)
                )
            }
        )
    return [found[i] for i in ids]


def _dpia(session: Session, risk: Risk, cleaned: dict, *, actor) -> None:
    if "dpia_id" not in cleaned:
        return
    dpia_id = cleaned.pop("dpia_id")
    if dpia_id == risk.dpia_id:
        return
    dpia = visible_reference(session, Dpia, dpia_id, Register.DPIA, user=actor, field="dpia_id")
    if dpia is not None and dpia.organisation_id != risk.organisation_id:
        raise _outside("dpia_id")
    risk.dpia_id = dpia_id


def _scores(risk: Risk) -> None:
    risk.inherent_score = score(risk.likelihood, risk.impact)
    risk.residual_score = score(risk.residual_likelihood, risk.residual_impact)
    # What a linked activity or DPIA says: the risk concerns personal data.
    if risk.activities or risk.dpia_id is not None:
        risk.personal_data = True


# --- create and update ----------------------------------------------------------------------


def create_risk(session: Session, values: RiskCreate, *, actor) -> Risk:
    """A new risk from checked `values`, numbered RSK-<year>-<n> from the day identified."""
    values = _checked(RiskCreate, values)
    cleaned = values.model_dump(exclude_unset=True)
    organisation = visible_reference(
        session,
        Organisation,
        cleaned["organisation_id"],
        Register.RISKS,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )
    errors: dict[str, str] = {}
    _assessment_errors(values.model_dump(), errors)
    if errors:
        raise FieldErrors(errors)
    _dpo_check(session, actor, organisation.id, cleaned)
    year = cleaned["identified_on"].year
    reference, number = next_reference(session, year)
    risk = Risk(
        reference=reference,
        reference_year=year,
        reference_number=number,
        organisation_id=organisation.id,
        title=cleaned["title"],
        identified_on=cleaned["identified_on"],
        likelihood=cleaned["likelihood"],
        impact=cleaned["impact"],
        owner=cleaned["owner"],
        treatment=cleaned["treatment"],
        inherent_score=0,
    )
    links = _links(session, risk, cleaned, actor=actor)
    _dpia(session, risk, cleaned, actor=actor)
    for key, value in cleaned.items():
        setattr(risk, key, value)
    _scores(risk)
    session.add(risk)
    audit.record(
        session,
        action="create",
        actor=actor,
        target=risk,
        summary=f"Risk {risk.reference}",
        changes=links or None,
    )
    return risk


def update_risk(
    session: Session, risk: Risk, changes: RiskUpdate, *, actor, version: int | None = None
) -> Risk:
    """Partial update: only the fields set in `changes` change; the levels follow."""
    changes = _checked(RiskUpdate, changes)
    check_version(risk, version)
    if not may_write(session, risk, actor):
        raise FieldErrors({"personal_data": _personal_data_message()})
    cleaned = changes.model_dump(exclude_unset=True)
    errors: dict[str, str] = {}
    if "organisation_id" in cleaned and cleaned.pop("organisation_id") != risk.organisation_id:
        errors["organisation_id"] = _("ne peut pas changer : une fiche reste dans son organisation")
    merged = {
        name: cleaned.get(name, getattr(risk, name))
        for name in RiskUpdate.model_fields
        if hasattr(risk, name)
    }
    _assessment_errors(merged, errors)
    if errors:
        raise FieldErrors(errors)
    after = {
        "personal_data": merged["personal_data"],
        "processing_ids": risk.processing_ids
        if cleaned.get("processing_ids") is None
        else cleaned["processing_ids"],
        "dpia_id": merged["dpia_id"],
    }
    _dpo_check(session, actor, risk.organisation_id, after)
    links = _links(session, risk, cleaned, actor=actor)
    _dpia(session, risk, cleaned, actor=actor)
    for key, value in cleaned.items():
        setattr(risk, key, value)
    _scores(risk)
    audit.describe(
        session,
        risk,
        action="update",
        actor=actor,
        summary=f"Risk {risk.reference}",
        changes=links or None,
    )
    return risk
