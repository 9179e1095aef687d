"""The data of the Word documents of the record of processing activities, as plain dicts for
their templates: the register of one organisation (live, or a published version rendered from
its frozen snapshot), one activity's sheet, and the processor's register (Art. 30(2)).

A live register goes through the same snapshot as a publication (`publish.register_snapshot`),
so a published version and today's register are laid out by the very same code; every value is
turned into French text here, and the templates only place it.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.db import utcnow
from compliance.documents import (
    DocumentType,
    ExportRecord,
    export_document,
    format_document_date,
    format_number,
)
from compliance.tenancy import Organisation, OrganisationKind, slugify
from registers.applications.models import DpaStatus, Hosting, normalise_key
from registers.processing import publish, template_activities
from registers.processing.models import ProcessingActivity, RegisterVersion
from registers.processing.processor import ProcessorRegister, processor_register
from registers.processing.queries import REGISTER
from registers.processing.reference import (
    Art9Condition,
    Art35Case,
    CnilDpiaType,
    DataCategory,
    DpiaStatus,
    EdpbCriterion,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    ProcessingStatus,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
)

REGISTER_DOCUMENT = "processing-register"
ACTIVITY_DOCUMENT = "processing-activity"
PROCESSOR_DOCUMENT = "processor-register"
REGISTER_TITLE = "Registre des activités de traitement"
ACTIVITY_TITLE = "Fiche de registre"
PROCESSOR_TITLE = (
    "Registre des catégories d'activités de traitement effectuées pour le compte de "
    "responsables de traitement"
)
NONE = "—"


# --- values to French text --------------------------------------------------------------------


# The labels already translated while one register is laid out (its sheets repeat the same
# few hundred codes); None outside `register_context`.
_LABELS: ContextVar[dict | None] = ContextVar("register_labels", default=None)


def label(enum_cls, code) -> str:
    """The French label of a stored code; the code itself if the catalogue no longer has it
    (an old published version keeps its words)."""
    if code in (None, ""):
        return ""
    value = getattr(code, "value", code)
    cache = _LABELS.get()
    key = (enum_cls, value)
    if cache is not None and key in cache:
        return cache[key]
    try:
        text = str(enum_cls(value).label)
    except ValueError:
        text = str(code)
    if cache is not None:
        cache[key] = text
    return text


def labels(enum_cls, codes) -> str:
    return "\n".join(label(enum_cls, code) for code in codes or ())


def day(value) -> str:
    """A stored date or instant (or its ISO text in a snapshot), the French way."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return format_document_date(value)


def yes_no(value) -> str:
    return "Oui" if value else "Non"


def _join(values, separator=", ") -> str:
    return separator.join(v for v in values if v)


# --- one activity -----------------------------------------------------------------------------


def _purposes(rows) -> list[dict]:
    return [
        {
            "description": row.get("description") or "",
            "kind": "Principale" if row.get("is_main") else "Secondaire",
            "legal_basis": label(LegalBasis, row.get("legal_basis")),
            "legal_text": row.get("legal_text") or "",
        }
        for row in rows
    ]


def _retention_basis(row: dict) -> str:
    parts = [row.get("retention_source") or ""]
    if row.get("retention_criterion"):
        parts.append(f"Critère : {row['retention_criterion']}")
    return _join(parts, "\n")


def _data_categories(rows) -> list[dict]:
    return [
        {
            "category": label(DataCategory, row.get("category")),
            "description": row.get("description") or "",
            "active_period": row.get("active_period") or "",
            "intermediate_period": row.get("intermediate_period") or "",
            "final_fate": label(FinalFate, row.get("final_fate")),
            "retention_basis": _retention_basis(row),
        }
        for row in rows
    ]


def _subjects(rows) -> list[dict]:
    return [
        {
            "category": label(SubjectCategory, row.get("category")),
            "details": row.get("details") or "",
            "number": format_number(row.get("estimated_number")),
        }
        for row in rows
    ]


def _dpia(data: dict) -> dict:
    screening = data.get("dpia_screening") or {}
    required = bool(screening.get("required", data.get("dpia_required")))
    screened = any(data.get(k) for k in ("dpia_criteria", "dpia_cnil_types", "dpia_art35_cases"))
    if required:
        result, short = "AIPD requise", "Requise"
        if data.get("dpia_status") == DpiaStatus.COMPLETED.value:
            short = "Réalisée"
    elif screened:
        result, short = "AIPD non requise", "Non requise"
    else:
        result, short = "Criblage non effectué : AIPD non requise à ce stade", "Non criblée"
    return {
        "required": required,
        "result": result,
        "short": short,
        "reasons": list(screening.get("reasons") or []),
        "criteria": labels(EdpbCriterion, data.get("dpia_criteria")),
        "cnil_types": labels(CnilDpiaType, data.get("dpia_cnil_types")),
        "art35_cases": labels(Art35Case, data.get("dpia_art35_cases")),
        "notes": data.get("dpia_screening_notes") or "",
        "status": label(DpiaStatus, data.get("dpia_status")),
        "done_on": day(data.get("dpia_done_on")),
        "conclusion": data.get("dpia_conclusion") or "",
        "dpo_opinion": data.get("dpia_dpo_opinion") or "",
        "next_review_on": day(data.get("dpia_next_review_on")),
    }


def _inherited(rows) -> list[dict]:
    """The measures inherited from the applications' hosting, each once with the applications
    it comes from."""
    grouped: dict[tuple, list[str]] = {}
    for row in rows:
        key = (label(SecurityFamily, row.get("family")), row.get("details") or "")
        applications = grouped.setdefault(key, [])
        if row.get("application") and row["application"] not in applications:
            applications.append(row["application"])
    return [
        {"family": family, "details": details, "application": ", ".join(applications)}
        for (family, details), applications in grouped.items()
    ]


def _model(data: dict, models: dict) -> dict | None:
    model = models.get(data.get("model_id"))
    if model is None:
        return None
    return {"name": model["name"], "divergence": model.get("divergence", "")}


def _data_source(data: dict) -> str:
    """Where the data come from (Art. 14(2)(f)), as the sheet says it."""
    if not data.get("indirect_collection"):
        return "Données collectées auprès des personnes concernées"
    source = data.get("data_source") or "source non renseignée"
    return f"Données (en partie) non collectées auprès des personnes concernées : {source}"


def activity_sheet(data: dict, *, models: dict | None = None) -> dict:
    """One activity of a snapshot (`publish.activity_snapshot`) as its sheet shows it."""
    completeness = data.get("completeness") or {}
    return {
        "reference": data.get("reference") or "",
        "name": data.get("name") or "",
        "description": data.get("description") or "",
        "status": label(ProcessingStatus, data.get("status")),
        "service": data.get("responsible_service") or "",
        "contact": data.get("contact") or "",
        "created_on": day(data.get("created_at")),
        "updated_on": day(data.get("updated_at")),
        "completeness": completeness.get("score"),
        "missing": [item.get("label", "") for item in completeness.get("missing") or []],
        "warnings": [item.get("message", "") for item in data.get("warnings") or []],
        "role": label(ProcessingRole, data.get("role")),
        "other_controllers": data.get("other_controllers") or "",
        "joint_arrangement": data.get("joint_arrangement") or "",
        "data_source": _data_source(data),
        "applications_text": "\n".join(a.get("name", "") for a in data.get("applications") or []),
        "main_purpose": next(
            (p.get("description") for p in data.get("purposes") or [] if p.get("is_main")), ""
        ),
        "purposes": _purposes(data.get("purposes") or []),
        "data_categories": _data_categories(data.get("data_categories") or []),
        "special_categories": [
            {
                "category": label(SpecialCategory, row.get("category")),
                "condition": label(Art9Condition, row.get("condition")),
                "details": row.get("details") or "",
            }
            for row in data.get("special_categories") or []
        ],
        "criminal_data": yes_no(data.get("criminal_data")),
        "criminal_data_basis": data.get("criminal_data_basis") or "",
        "nir": yes_no(data.get("nir_used")),
        "nir_legal_text": data.get("nir_legal_text") or "",
        "subjects": _subjects(data.get("subjects") or []),
        "recipients": [
            {
                "type": label(RecipientType, row.get("recipient_type")),
                "name": row.get("name") or "",
                "details": row.get("details") or "",
            }
            for row in data.get("recipients") or []
        ],
        "transfers": [
            {
                "recipient": row.get("recipient") or "",
                "country": row.get("country") or "",
                "safeguard": label(TransferSafeguard, row.get("safeguard")),
                "documentation": _join(
                    [row.get("documentation_url") or "", row.get("details") or ""], "\n"
                ),
            }
            for row in data.get("transfers") or []
        ],
        "security_measures": [
            {"family": label(SecurityFamily, row.get("family")), "details": row.get("details")}
            for row in data.get("security_measures") or []
        ],
        "inherited_measures": _inherited(data.get("inherited_measures") or []),
        "dpia": _dpia(data),
        "submitted_at": day(data.get("submitted_at")),
        "validated_at": day(data.get("validated_at")),
        "validated_by": "",
        "last_review_on": day(data.get("last_review_on")),
        "next_review_on": day(data.get("next_review_on")),
        "remarks": data.get("dpo_remarks") or "",
        "model": _model(data, models or {}),
        "is_validated": data.get("status") == ProcessingStatus.VALIDATED.value,
        "override": _override(data),
        # The first sheet of the register's annex (set by register_context).
        "annex_first": False,
    }


def _override(data: dict) -> dict | None:
    """A validation despite missing items: the DPO's reason and what was missing then."""
    reason = (data.get("validation_override_reason") or "").strip()
    if data.get("status") != ProcessingStatus.VALIDATED.value or not reason:
        return None
    gaps = [gap.get("label", "") for gap in data.get("validation_override_gaps") or []]
    return {"reason": reason, "gaps": ", ".join(gaps) or NONE}


# --- the controller and its DPO ---------------------------------------------------------------


def _siren(value) -> str:
    value = value or ""
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 9 else value


def organisation_block(data: dict) -> dict:
    """The controller's identity, from an organisation's snapshot (`publish.organisation_data`)."""
    referent = _join([data.get("referent_name") or "", data.get("referent_email") or ""], ", ")
    return {
        "name": data.get("name") or "",
        "kind": label(OrganisationKind, data.get("kind")),
        "siren": _siren(data.get("siren")),
        "address": data.get("address") or "",
        "legal_representative": data.get("legal_representative") or "",
        "referent": referent,
    }


def dpo_block(data: dict) -> dict:
    return {
        "name": data.get("dpo_name") or "",
        "cnil_number": data.get("dpo_cnil_number") or "",
        "designated_on": day(data.get("dpo_designated_on")),
        "contact": data.get("dpo_contact") or "",
    }


# --- the register -----------------------------------------------------------------------------


def _edition(version: RegisterVersion | None, content: dict) -> dict:
    if version is None:
        today = format_document_date(utcnow())
        return {
            "is_published": False,
            "label": f"État du registre au {today}",
            "short": f"état au {today}",
            "note": "",
        }
    published = day(content.get("published_at") or version.published_at)
    return {
        "is_published": True,
        "label": f"Version publiée n° {version.number} du {published}",
        "short": f"version {version.number} du {published}",
        "note": version.note or "",
    }


def _plural(count: int, one: str, many: str) -> str:
    return one if count <= 1 else many


def _in_force_text(in_force: int, pending: int, *, annexed: bool, published: bool) -> str:
    """What the list of activities says: only validated activities are in force; the others
    are in the annex, or left out."""
    where = " dans la version publiée" if published else ""
    if in_force:
        text = (
            f"{in_force} activité{_plural(in_force, '', 's')} de traitement en vigueur{where}, "
            f"validée{_plural(in_force, '', 's')} par le délégué à la protection des données. "
            "Chacune est décrite par sa fiche dans la suite du document."
        )
    else:
        text = (
            f"Aucune activité de traitement en vigueur{where} : aucune fiche n'est encore "
            "validée par le délégué à la protection des données."
        )
    if pending and annexed:
        text += (
            f" {pending} autre{_plural(pending, '', 's')} "
            f"fiche{_plural(pending, '', 's')}, en cours de rédaction ou en attente de "
            f"validation, figure{_plural(pending, '', 'nt')} en annexe : "
            f"{_plural(pending, 'elle ne décrit pas', 'elles ne décrivent pas')} "
            "un traitement en vigueur."
        )
    elif pending:
        text += (
            f" {pending} fiche{_plural(pending, '', 's')} en cours de rédaction ou en attente "
            f"de validation ne figure{_plural(pending, '', 'nt')} pas dans ce document."
        )
    return text


ANNEX_TEXT = (
    "Les fiches qui suivent n'ont pas été validées par le délégué à la protection des données "
    "(brouillons, fiches soumises en attente de son avis) : elles sont jointes pour information "
    "et ne font pas partie du registre en vigueur."
)


def register_context(
    content: dict, *, version: RegisterVersion | None = None, include_pending: bool = True
) -> dict:
    """The register document from a snapshot: live (version None) or a published version.
    Only validated activities are "en vigueur"; the others follow in a titled annex, or are
    left out (`include_pending` False)."""
    token = _LABELS.set({})
    try:
        return _register_context(content, version=version, include_pending=include_pending)
    finally:
        _LABELS.reset(token)


def _register_context(content: dict, *, version, include_pending: bool) -> dict:
    with force_locale("fr"):
        every = [activity_sheet(a) for a in content.get("activities") or []]
        in_force = [sheet for sheet in every if sheet["is_validated"]]
        pending = [sheet for sheet in every if not sheet["is_validated"]]
        annex = pending if include_pending else []
        if annex:
            annex[0]["annex_first"] = True
        sheets = in_force + annex
        missing = [
            {"activity": f"{s['reference']} {s['name']}", "elements": ", ".join(s["missing"])}
            for s in sheets
            if s["missing"]
        ]
        completeness = content.get("completeness") or {}
        if completeness.get("controller_missing"):
            missing.insert(
                0,
                {
                    "activity": "Page de garde : responsable du traitement et délégué",
                    "elements": ", ".join(completeness["controller_missing"]),
                },
            )
        return {
            "title": REGISTER_TITLE,
            "organisation": organisation_block(content.get("organisation") or {}),
            "dpo": dpo_block(content.get("organisation") or {}),
            "edition": _edition(version, content),
            "summary": {
                "count": len(sheets),
                "validated": len(in_force),
                "pending": len(pending),
                "in_force_text": _in_force_text(
                    len(in_force), len(pending), annexed=include_pending, published=bool(version)
                ),
                "completeness": completeness.get("score", 0),
                "dpia_required": sum(1 for s in sheets if s["dpia"]["required"]),
                "warnings": sum(len(s["warnings"]) for s in sheets),
            },
            # The list "en vigueur": validated activities only.
            "activities": in_force,
            # Every sheet the document holds: those in force, then the annex's.
            "sheets": sheets,
            "annex": annex,
            "annex_text": ANNEX_TEXT,
            "missing": missing,
        }


def live_register_context(
    session: Session, organisation: Organisation, *, include_pending: bool = True
) -> dict:
    return register_context(
        publish.register_snapshot(session, organisation), include_pending=include_pending
    )


def register_filename(organisation, version: RegisterVersion | None = None) -> str:
    suffix = f"-v{version.number}" if version is not None else ""
    return f"registre-traitements-{slugify(organisation.name)}{suffix}.docx"


def export_register(
    session: Session,
    organisation: Organisation,
    *,
    actor,
    version: RegisterVersion | None = None,
    include_pending: bool = True,
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the register of `organisation`: today's, or a published
    version's frozen content (flushes, never commits; the caller checked EXPORT). Activities
    not validated go in an annex, or are left out when `include_pending` is False."""
    if version is not None:
        context = register_context(
            version.content, version=version, include_pending=include_pending
        )
    else:
        context = live_register_context(session, organisation, include_pending=include_pending)
    title = f"{REGISTER_TITLE} : {organisation.name}"
    if version is not None:
        title += f" (version {version.number})"
    return export_document(
        session,
        document=REGISTER_DOCUMENT,
        template=REGISTER_DOCUMENT,
        context=context,
        title=title,
        filename=register_filename(organisation, version),
        actor=actor,
        organisation=organisation,
        parameters={
            "organisation": organisation.slug,
            "version": version.number if version is not None else None,
            "digest": version.digest if version is not None else None,
            "activities": context["summary"]["count"],
            "pending": "annex" if include_pending else "left_out",
        },
    )


# --- one activity's sheet ---------------------------------------------------------------------


def activity_context(session: Session, activity) -> dict:
    organisation = activity.organisation
    with force_locale("fr"):
        data = publish.activity_snapshot(activity, organisation, session=session)
        # The single sheet goes to the organisation itself: its service contact belongs there.
        data["contact"] = activity.contact
        models = {}
        if activity.model is not None:
            models[activity.model_id] = {
                "name": activity.model.name,
                "divergence": _divergence_text(activity),
            }
        snapshot = publish.organisation_data(organisation)
        return {
            "title": ACTIVITY_TITLE,
            "organisation": organisation_block(snapshot),
            "dpo": dpo_block(snapshot),
            "activity": activity_sheet(data, models=models),
        }


def _divergence_text(activity) -> str:
    diverged = [str(state.label) for state in template_activities.divergence(activity)]
    if not diverged:
        return "Elle suit le traitement type sans écart."
    return f"Éléments adaptés localement : {', '.join(diverged)}."


def export_activity(session: Session, activity, *, actor) -> tuple[bytes, ExportRecord]:
    organisation = activity.organisation
    context = activity_context(session, activity)
    return export_document(
        session,
        document=ACTIVITY_DOCUMENT,
        template=ACTIVITY_DOCUMENT,
        context=context,
        title=f"{ACTIVITY_TITLE} {activity.reference} : {activity.name}",
        filename=f"fiche-{slugify(activity.reference)}-{slugify(organisation.name)}.docx",
        actor=actor,
        organisation=organisation,
        parameters={"activity": activity.id, "reference": activity.reference},
    )


# --- the processor's register -----------------------------------------------------------------


def _dpo_text(organisation) -> str:
    if not organisation.dpo_name:
        return ""
    text = organisation.dpo_name
    if organisation.dpo_cnil_number:
        text += f" (désignation CNIL n° {organisation.dpo_cnil_number})"
    if organisation.dpo_contact:
        text += f", {organisation.dpo_contact}"
    return text


def _controller_rows(section) -> list[dict]:
    """The categories of processing done for one controller: its own activities relying on the
    hosted applications, else the applications' business functions."""
    rows: dict = {}
    for hosted in section.applications:
        application = hosted.application.name
        if hosted.activities:
            for activity in hosted.activities:
                row = rows.setdefault(
                    ("activity", activity.id),
                    {
                        "name": activity.name,
                        "reference": f"Fiche {activity.reference}",
                        "applications": [],
                        "data": _distinct(
                            label(DataCategory, c.category).split(" (")[0]
                            for c in activity.data_categories
                        ),
                        "subjects": _distinct(
                            label(SubjectCategory, s.category) for s in activity.subjects
                        ),
                    },
                )
                row["applications"].append(application)
        else:
            for function in hosted.functions:
                row = rows.setdefault(
                    ("function", function),
                    {
                        "name": function,
                        "reference": "Fonction de l'application (pas encore de fiche)",
                        "applications": [],
                        "data": "",
                        "subjects": "",
                    },
                )
                row["applications"].append(application)
    return [{**row, "applications": ", ".join(row["applications"])} for row in rows.values()]


def _distinct(values) -> str:
    return ", ".join(dict.fromkeys(v for v in values if v))


def _subprocessors(register: ProcessorRegister) -> list[dict]:
    """The vendors involved in the hosted applications, but the processor itself."""
    vendors: dict[int, dict] = {}
    host_key = normalise_key(register.processor.name)
    for section in register.controllers:
        for hosted in section.applications:
            vendor = hosted.application.vendor
            if vendor is None or normalise_key(vendor.name) == host_key:
                continue
            entry = vendors.setdefault(
                vendor.id,
                {
                    "id": vendor.id,
                    "name": vendor.name,
                    "applications": [],
                    "country": vendor.country or "",
                    "agreement": _agreement(vendor),
                    "dpa_status": DpaStatus(vendor.dpa_status),
                    "without_agreement": vendor.lacks_agreement,
                },
            )
            if hosted.application.name not in entry["applications"]:
                entry["applications"].append(hosted.application.name)
    return [
        {**entry, "applications": ", ".join(sorted(entry["applications"]))}
        for entry in sorted(vendors.values(), key=lambda e: e["name"].lower())
    ]


def _agreement(vendor) -> str:
    text = DpaStatus(vendor.dpa_status).label
    if vendor.dpa_status == DpaStatus.SIGNED and vendor.dpa_signed_on:
        text += f" le {format_document_date(vendor.dpa_signed_on)}"
    if vendor.lacks_agreement:
        text += " : accord art. 28 manquant"
    return text


def _subprocessor_summary(subprocessors: list[dict]) -> str:
    """How many subprocessors lack an Art. 28 agreement, as a sentence of the document."""
    missing = sum(1 for vendor in subprocessors if vendor["without_agreement"])
    if not missing:
        return "Chaque sous-traitant ultérieur est couvert par un accord (article 28)."
    if missing == 1:
        counted = f"1 sous-traitant ultérieur sur {len(subprocessors)} n'a pas d'accord"
    else:
        counted = f"{missing} sous-traitants ultérieurs sur {len(subprocessors)} n'ont pas d'accord"
    return (
        f"{counted} (article 28, paragraphes 2 à 4 du RGPD) : à conclure, et à faire autoriser "
        "par chaque responsable de traitement concerné."
    )


def processor_context(register: ProcessorRegister) -> dict:
    host = register.processor
    with force_locale("fr"):
        controllers = []
        subprocessors = _subprocessors(register)
        activity_ids, application_ids, transfers = set(), set(), 0
        for section in register.controllers:
            organisation = section.organisation
            for hosted in section.applications:
                application_ids.add(hosted.application.id)
                activity_ids.update(a.id for a in hosted.activities)
            transfers += len(section.transfers)
            controllers.append(
                {
                    "name": organisation.name,
                    "kind": OrganisationKind(organisation.kind).label,
                    "siren": _siren(organisation.siren),
                    "address": organisation.address or "",
                    "legal_representative": organisation.legal_representative or "",
                    "dpo": _dpo_text(organisation),
                    "referent": organisation.referent_name or "",
                    "applications": [
                        {
                            "name": hosted.application.name,
                            "functions": ", ".join(hosted.functions),
                            "vendor": hosted.application.vendor.name
                            if hosted.application.vendor
                            else "",
                            "hosting": Hosting.SYNDICATE_DATACENTER.label,
                            "outside_eu": hosted.application.outside_eu,
                            "country": hosted.application.hosting_country or "",
                        }
                        for hosted in section.applications
                    ],
                    "activities": _controller_rows(section),
                    "transfers": [
                        {
                            "recipient": t.application,
                            "country": t.country,
                            "safeguard": t.safeguard or "",
                        }
                        for t in section.transfers
                    ],
                }
            )
        return {
            "title": PROCESSOR_TITLE,
            "processor": {
                "name": host.name,
                "siren": _siren(host.siren),
                "address": host.address or "",
                "legal_representative": host.legal_representative or "",
                "dpo_name": host.dpo_name or "",
                "dpo_cnil_number": host.dpo_cnil_number or "",
            },
            "totals": {
                "controllers": len(controllers),
                "applications": len(application_ids),
                "activities": len(activity_ids),
                "transfers": transfers,
                "subprocessors": len(subprocessors),
                "subprocessors_without_agreement": sum(
                    1 for vendor in subprocessors if vendor["without_agreement"]
                ),
            },
            "security_measures": [
                {"family": SecurityFamily(family).label, "details": str(details)}
                for family, details in register.general_measures
            ],
            "subprocessors": subprocessors,
            "subprocessors_summary": _subprocessor_summary(subprocessors),
            "controllers": controllers,
        }


def export_processor_register(session: Session, *, actor) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the host's processor register (the caller checked access)."""
    register = processor_register(session)
    context = processor_context(register)
    host = register.processor
    return export_document(
        session,
        document=PROCESSOR_DOCUMENT,
        template=PROCESSOR_DOCUMENT,
        context=context,
        title=f"Registre du sous-traitant : {host.name}",
        filename=f"registre-sous-traitant-{slugify(host.name)}.docx",
        actor=actor,
        organisation=host,
        parameters={"controllers": context["totals"]["controllers"]},
    )


# --- the data of an organisation, to check a restyled template with (the demo's, then its own) --


def _first_activity(session: Session, organisation: Organisation):
    return session.scalar(
        sa.select(ProcessingActivity)
        .where(ProcessingActivity.organisation_id == organisation.id)
        .order_by(ProcessingActivity.id)
        .limit(1)
    )


def live_register(session: Session, organisation: Organisation, _user) -> dict | None:
    if _first_activity(session, organisation) is None:
        return None
    return live_register_context(session, organisation)


def live_activity(session: Session, organisation: Organisation, _user) -> dict | None:
    activity = _first_activity(session, organisation)
    return activity_context(session, activity) if activity is not None else None


def live_processor(session: Session, organisation: Organisation, _user) -> dict | None:
    if not organisation.is_host:
        return None
    return processor_context(processor_register(session, organisation))


DOCUMENT_TYPES = (
    DocumentType(
        name=REGISTER_DOCUMENT,
        title=_l("Registre des activités de traitement"),
        register=REGISTER.value,
        context=live_register,
    ),
    DocumentType(
        name=ACTIVITY_DOCUMENT,
        title=_l("Fiche de registre"),
        register=REGISTER.value,
        context=live_activity,
    ),
    DocumentType(
        name=PROCESSOR_DOCUMENT,
        title=_l("Registre du sous-traitant (article 30.2)"),
        register=REGISTER.value,
        context=live_processor,
    ),
)
