"""What the register computes from a processing activity, without touching the database:
DPIA screening, completeness against Art. 30(1), the warnings a DPO would otherwise catch by
hand, and the security measures inherited from the supporting applications' hosting.

Every function reads the attributes of the objects it is given (saved or not), so the pages, the
exports and the tests call them on the same objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from compliance.tenancy import OrganisationKind
from registers.applications.models import EEA_COUNTRIES, DpaStatus, Hosting
from registers.processing.reference import (
    Art35Case,
    CnilDpiaType,
    DataCategory,
    DpiaStatus,
    EdpbCriterion,
    LegalBasis,
    ProcessingRole,
    ProcessingStatus,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
)

# Two EDPB criteria or more: a DPIA is required (EDPB WP248 rev.01, III.B.a).
EDPB_THRESHOLD = 2
# Beyond this many data subjects, the screening suggests the "large scale" criterion.
LARGE_SCALE_SUBJECTS = 10_000
PUBLIC_BODY_KINDS = frozenset(
    {
        OrganisationKind.COMMUNE,
        OrganisationKind.EPT,
        OrganisationKind.OPH,
        OrganisationKind.PUBLIC_BODY,
        OrganisationKind.SYNDICATE,
    }
)
VULNERABLE_SUBJECTS = frozenset(
    {SubjectCategory.CHILDREN, SubjectCategory.PATIENTS, SubjectCategory.VULNERABLE}
)


def _codes(values: Iterable | None, enum_cls) -> list:
    """The known members of enum_cls among values (codes or members), in catalogue order."""
    wanted = {getattr(v, "value", v) for v in values or ()}
    return [member for member in enum_cls if member.value in wanted]


# --- DPIA screening -----------------------------------------------------------------------------


def _lazy_label(member):
    return type(member).__labels__()[member]


class _LazyJoin:
    """Items joined by commas when rendered, so that lazy labels stay lazy."""

    def __init__(self, items):
        self.items = items

    def __str__(self) -> str:
        return ", ".join(str(item) for item in self.items)


@dataclass
class DpiaScreening:
    required: bool
    reasons: list = field(default_factory=list)  # lazy translated strings
    criteria: list[EdpbCriterion] = field(default_factory=list)
    cnil_types: list[CnilDpiaType] = field(default_factory=list)
    art35_cases: list[Art35Case] = field(default_factory=list)


def dpia_required(criteria=(), cnil_types=(), art35_cases=()) -> bool:
    """A case of Art. 35(3) or a type of the CNIL's list requires a DPIA whatever the criteria;
    else two EDPB criteria or more do, and one alone does not."""
    return bool(
        _codes(art35_cases, Art35Case)
        or _codes(cnil_types, CnilDpiaType)
        or len(_codes(criteria, EdpbCriterion)) >= EDPB_THRESHOLD
    )


def screen_dpia(criteria=(), cnil_types=(), art35_cases=()) -> DpiaScreening:
    """Whether a DPIA is required (see dpia_required), and why.

    The reasons are lazy strings: rendered in the reader's language, with no request needed
    to compute them."""
    criteria = _codes(criteria, EdpbCriterion)
    cnil_types = _codes(cnil_types, CnilDpiaType)
    art35_cases = _codes(art35_cases, Art35Case)
    reasons = [
        _l("Cas de l'article 35.3 du RGPD : %(case)s", case=_lazy_label(c)) for c in art35_cases
    ]
    reasons += [
        _l("Type de traitement de la liste de la CNIL : %(type)s", type=_lazy_label(t))
        for t in cnil_types
    ]
    count = len(criteria)
    listed = _LazyJoin([_lazy_label(c) for c in criteria])
    if count >= EDPB_THRESHOLD:
        reasons.append(_l("%(count)d critères du CEPD réunis (%(list)s)", count=count, list=listed))
    elif not (art35_cases or cnil_types):
        if count == 1:
            reasons.append(
                _l("Un seul critère du CEPD (%(list)s) : AIPD non obligatoire", list=listed)
            )
        else:
            reasons.append(_l("Aucun critère du CEPD : AIPD non obligatoire"))
    required = dpia_required(criteria, cnil_types, art35_cases)
    return DpiaScreening(required, reasons, criteria, cnil_types, art35_cases)


def screen_activity(activity) -> DpiaScreening:
    return screen_dpia(activity.dpia_criteria, activity.dpia_cnil_types, activity.dpia_art35_cases)


def suggest_criteria(activity) -> list[EdpbCriterion]:
    """EDPB criteria that the activity's own content points to, for the DPO to confirm."""
    suggested = set()
    if activity.special_categories or activity.criminal_data or activity.nir_used:
        suggested.add(EdpbCriterion.SENSITIVE_DATA)
    subjects = list(activity.subjects)
    if any(s.category in VULNERABLE_SUBJECTS for s in subjects):
        suggested.add(EdpbCriterion.VULNERABLE_SUBJECTS)
    if sum(s.estimated_number or 0 for s in subjects) >= LARGE_SCALE_SUBJECTS:
        suggested.add(EdpbCriterion.LARGE_SCALE)
    if len(activity.applications) > 1:
        suggested.add(EdpbCriterion.MATCHING_DATASETS)
    return [c for c in EdpbCriterion if c in suggested]


# --- completeness against Art. 30(1) ------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    label: object  # a lazy translated string

    def __str__(self) -> str:
        return str(self.label)


ITEMS = {
    "name": Item("name", _l("Nom du traitement")),
    "responsible_service": Item("responsible_service", _l("Service chargé de la mise en œuvre")),
    "joint_controllers": Item("joint_controllers", _l("Responsables conjoints (art. 30.1.a)")),
    "joint_arrangement": Item(
        "joint_arrangement", _l("Accord entre responsables conjoints (art. 26)")
    ),
    "main_purpose": Item("main_purpose", _l("Finalité principale (art. 30.1.b)")),
    "legal_basis": Item("legal_basis", _l("Base légale de chaque finalité")),
    "subjects": Item("subjects", _l("Catégories de personnes concernées (art. 30.1.c)")),
    "data_categories": Item("data_categories", _l("Catégories de données (art. 30.1.c)")),
    "data_source": Item(
        "data_source", _l("Source des données non collectées auprès de la personne (art. 14.2.f)")
    ),
    "recipients": Item("recipients", _l("Catégories de destinataires (art. 30.1.d)")),
    "transfers": Item("transfers", _l("Transferts hors UE documentés (art. 30.1.e)")),
    "retention": Item("retention", _l("Durées de conservation (art. 30.1.f)")),
    "archiving": Item(
        "archiving",
        _l(
            "Archivage intermédiaire (DUA), sort final et leur source pour chaque catégorie "
            "(code du patrimoine, art. L212-2 et L212-3)"
        ),
    ),
    "security": Item("security", _l("Mesures de sécurité (art. 30.1.g)")),
}


@dataclass
class Completeness:
    score: int  # percent of the applicable items present
    missing: list[Item]
    applicable: int

    @property
    def is_complete(self) -> bool:
        return not self.missing


def _filled(value) -> bool:
    return bool((value or "").strip()) if isinstance(value, str | None) else bool(value)


def has_archiving(category) -> bool:
    """A public body's retention, as the archives code needs it (Code du patrimoine, L212-2
    and L212-3): the intermediate archiving period (DUA), the final fate (destruction,
    transfer to the public archives, or sorting) and the source they come from (a records
    schedule, "tableau de gestion", or a text)."""
    return (
        _filled(category.intermediate_period)
        and category.final_fate is not None
        and _filled(category.retention_source)
    )


def _checks(activity, organisation=None) -> dict[str, bool]:
    """Each applicable item of the record and whether the activity gives it (`organisation`
    defaults to the activity's)."""
    purposes = list(activity.purposes)
    categories = list(activity.data_categories)
    checks = {
        "name": _filled(activity.name),
        "responsible_service": _filled(activity.responsible_service),
        "main_purpose": any(p.is_main and p.description for p in purposes),
        "legal_basis": bool(purposes) and all(p.legal_basis for p in purposes),
        "subjects": bool(activity.subjects),
        "data_categories": bool(categories),
        "recipients": bool(activity.recipients),
        "transfers": all(t.country and t.safeguard for t in activity.transfers),
        "retention": bool(categories) and all(_has_retention(c) for c in categories),
        "security": bool(activity.security_measures),
    }
    if activity.role == ProcessingRole.JOINT_CONTROLLER:
        checks["joint_controllers"] = _filled(activity.other_controllers)
        checks["joint_arrangement"] = _filled(activity.joint_arrangement)
    if getattr(activity, "indirect_collection", False):
        checks["data_source"] = _filled(activity.data_source)
    if organisation is None:
        organisation = getattr(activity, "organisation", None)
    if is_public_body(organisation):
        checks["archiving"] = bool(categories) and all(has_archiving(c) for c in categories)
    return checks


def missing_items(activity) -> list[Item]:
    """The items the record of Art. 30(1) needs that this activity does not give: for a joint
    controllership, the other controllers and the arrangement (Art. 26); for data not
    collected from the person, their source (Art. 14(2)(f)); for a public body, the archiving
    of each category (intermediate period, final fate and their source)."""
    checks = _checks(activity)
    return [ITEMS[code] for code in ITEMS if code in checks and not checks[code]]


def completeness(activity, organisation=None) -> Completeness:
    checks = _checks(activity, organisation)
    missing = [ITEMS[code] for code in ITEMS if code in checks and not checks[code]]
    applicable = len(checks)
    score = round(100 * (applicable - len(missing)) / applicable)
    return Completeness(score, missing, applicable)


@dataclass
class RegisterCompleteness:
    score: int  # mean of the activities' scores (and the cover's); 0 for an empty register
    activities: int
    complete: int
    # (activity, its missing items) for each incomplete activity
    incomplete: list[tuple[object, list[Item]]]
    # What the cover lacks of the controller's identity and the DPO's designation.
    controller_missing: list = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return self.activities > 0 and not self.incomplete and not self.controller_missing


def register_completeness(activities: Iterable, organisation=None) -> RegisterCompleteness:
    """Completeness of an organisation's register (archived activities left out).

    Given the organisation, the cover counts as one more sheet: the controller's identity and
    the DPO's designation (Art. 30(1)(a)), so that a register whose sheets are complete but
    whose controller is unnamed never reads 100 %."""
    scores, incomplete = [], []
    for activity in activities:
        if activity.status == ProcessingStatus.ARCHIVED:
            continue
        result = completeness(activity)
        scores.append(result.score)
        if result.missing:
            incomplete.append((activity, result.missing))
    cover_missing = controller_missing(organisation) if organisation is not None else []
    score = register_score(
        sum(scores), len(scores), len(incomplete), cover_missing, cover=organisation is not None
    )
    count = len(scores)
    return RegisterCompleteness(score, count, count - len(incomplete), incomplete, cover_missing)


def register_score(
    score_sum: int, activities: int, incomplete: int, cover_missing: list, *, cover: bool = True
) -> int:
    """The register's score from its activities' scores (their sum and number), the number of
    incomplete ones and what the cover lacks (counted as one more sheet with `cover`): what
    register_completeness gives, from the figures the database sums."""
    total, sheets = score_sum, activities
    if cover and activities:
        present = len(CONTROLLER_ITEMS) - len(cover_missing)
        total += round(100 * present / len(CONTROLLER_ITEMS))
        sheets += 1
    score = round(total / sheets) if sheets else 0
    # Rounding never shows 100 % while something is missing.
    if score == 100 and (incomplete or cover_missing):
        score = 99
    return score


# The controller's identity and the DPO's designation (Art. 30(1)(a), Art. 37(7)): the
# organisation's attribute and what the cover lacks without it.
CONTROLLER_ITEMS = (
    ("siren", _l("le numéro SIREN du responsable de traitement")),
    ("address", _l("l'adresse du responsable de traitement")),
    ("legal_representative", _l("son représentant légal")),
    ("dpo_name", _l("le nom du délégué à la protection des données")),
    ("dpo_cnil_number", _l("le numéro de désignation du délégué auprès de la CNIL")),
    ("dpo_contact", _l("les coordonnées du délégué à la protection des données")),
)


def controller_missing(organisation) -> list:
    """What the register's cover lacks of Art. 30(1)(a): the controller's identity (SIREN,
    address, legal representative) and the DPO's designation (name, CNIL designation number,
    contact details)."""
    return [label for name, label in CONTROLLER_ITEMS if not _filled(getattr(organisation, name))]


# --- warnings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityWarning:
    code: str
    message: object  # a lazy translated string


def _has_retention(category) -> bool:
    return bool(
        category.active_period or category.intermediate_period or category.retention_criterion
    )


def processors_without_agreement(activity) -> list:
    """The recipients acting as processors whose vendor has no Art. 28 agreement (Art. 28(3)
    GDPR: the processing is governed by a contract or another legal act)."""
    return [
        recipient
        for recipient in activity.recipients
        if recipient.recipient_type == RecipientType.PROCESSOR
        and recipient.vendor is not None
        and recipient.vendor.lacks_agreement
    ]


def is_public_body(organisation) -> bool:
    return organisation is not None and organisation.kind in PUBLIC_BODY_KINDS


def warnings(activity, *, organisation=None, today: date | None = None) -> list[ActivityWarning]:
    """What a DPO would flag on reading the activity. `organisation` defaults to the
    activity's; `today` to the current date."""
    today = today or date.today()
    organisation = organisation if organisation is not None else activity.organisation
    found: list[ActivityWarning] = []

    def warn(code, message):
        found.append(ActivityWarning(code, message))

    if is_public_body(organisation):
        for purpose in activity.purposes:
            if purpose.legal_basis == LegalBasis.LEGITIMATE_INTERESTS:
                warn(
                    "legitimate_interest_public_body",
                    _l(
                        "« %(purpose)s » repose sur l'intérêt légitime, que les autorités "
                        "publiques ne peuvent invoquer pour l'exécution de leurs missions "
                        "(art. 6.1, dernier alinéa) : retenir la mission d'intérêt public ou "
                        "l'obligation légale.",
                        purpose=purpose.description,
                    ),
                )
    for special in activity.special_categories:
        if not special.condition:
            warn(
                "special_category_without_condition",
                _l(
                    "Donnée sensible (%(category)s) sans condition de l'article 9.2.",
                    category=_lazy_label(special.category),
                ),
            )
    if activity.criminal_data and not (activity.criminal_data_basis or "").strip():
        warn(
            "criminal_data_without_basis",
            _l("Données d'infractions (art. 10) sans le texte qui en autorise le traitement."),
        )
    if activity.nir_used and not (activity.nir_legal_text or "").strip():
        warn(
            "nir_without_legal_text",
            _l("Le NIR est traité sans le texte qui l'autorise (décret-cadre NIR)."),
        )
    for transfer in activity.transfers:
        outside = (transfer.country or "").upper() not in EEA_COUNTRIES
        if outside and not transfer.safeguard:
            warn(
                "transfer_without_safeguard",
                _l(
                    "Transfert vers %(recipient)s (%(country)s) sans garantie (chapitre V).",
                    recipient=transfer.recipient,
                    country=transfer.country,
                ),
            )
    for recipient in processors_without_agreement(activity):
        warn(
            "processor_without_agreement",
            _l(
                "Le sous-traitant « %(recipient)s » (%(vendor)s) n'a pas d'accord art. 28 "
                "(état : %(status)s) : le contrat de l'article 28.3 est à conclure.",
                recipient=recipient.name,
                vendor=recipient.vendor.name,
                status=_lazy_label(DpaStatus(recipient.vendor.dpa_status)),
            ),
        )
    for category in activity.data_categories:
        if not _has_retention(category):
            warn(
                "category_without_retention",
                _l(
                    "Aucune durée de conservation pour « %(category)s ».",
                    category=category.description or _lazy_label(category.category),
                ),
            )
    if activity.dpia_required and activity.dpia_status != DpiaStatus.COMPLETED:
        warn(
            "dpia_not_done",
            _l("Une AIPD est requise mais n'a pas été réalisée."),
        )
    if activity.next_review_on and activity.next_review_on < today:
        warn(
            "review_overdue",
            _l(
                "La date de révision (%(day)s) est dépassée.",
                day=activity.next_review_on.strftime("%d/%m/%Y"),
            ),
        )
    if activity.dpia_next_review_on and activity.dpia_next_review_on < today:
        warn(
            "dpia_review_overdue",
            _l(
                "La date de révision de l'AIPD (%(day)s) est dépassée.",
                day=activity.dpia_next_review_on.strftime("%d/%m/%Y"),
            ),
        )
    return found


# --- what the activity keeps of them ------------------------------------------------------------

# Warnings not kept on the activity: one depends on the vendor's agreement, two on the date.
# The summaries test them in SQL (queries.py).
LIVE_WARNINGS = frozenset({"processor_without_agreement", "review_overdue", "dpia_review_overdue"})
# The stored columns of ProcessingActivity that stored_summary gives.
SUMMARY_FIELDS = ("completeness_score", "missing_count", "warning_count")


def stored_summary(activity, organisation) -> dict[str, int]:
    """What the services keep on the activity so that a register's summary is a sum in SQL:
    its completeness score, the number of missing items and of warnings other than the live
    ones (LIVE_WARNINGS), for `organisation` (its kind decides what applies)."""
    result = completeness(activity, organisation)
    found = warnings(activity, organisation=organisation, today=date.min)
    return {
        "completeness_score": result.score,
        "missing_count": len(result.missing),
        "warning_count": sum(1 for warning in found if warning.code not in LIVE_WARNINGS),
    }


def activity_from_rows(values: dict, children: dict[str, list[dict]]) -> SimpleNamespace:
    """An object stored_summary reads, from plain column values: the activity's and its child
    rows' by collection name (for bulk writes and migrations, which have no ORM objects).
    Recipients have no vendor and the activity no review dates: their warnings are live
    ones."""

    def rows(name, **coerce):
        return [
            SimpleNamespace(
                **{
                    **row,
                    **{key: cast(row[key]) for key, cast in coerce.items() if row.get(key)},
                }
            )
            for row in children.get(name) or ()
        ]

    return SimpleNamespace(
        **{**values, "next_review_on": None, "dpia_next_review_on": None},
        purposes=rows("purposes"),
        data_categories=rows("data_categories", category=DataCategory),
        special_categories=rows("special_categories", category=SpecialCategory),
        subjects=rows("subjects"),
        recipients=[
            SimpleNamespace(**{**row.__dict__, "vendor": None}) for row in rows("recipients")
        ],
        transfers=rows("transfers"),
        security_measures=rows("security_measures"),
    )


# --- inherited security measures ----------------------------------------------------------------


@dataclass(frozen=True)
class InheritedMeasure:
    family: SecurityFamily
    details: object  # text, or a lazy translated string
    application: str


def inherited_measures(hosted: Iterable[tuple]) -> list[InheritedMeasure]:
    """The measures an activity inherits from where its supporting applications run.

    `hosted`: (application, effective hosting for this organisation) pairs."""
    measures: list[InheritedMeasure] = []
    for application, hosting in hosted:
        name = application.name

        def add(family, details, name=name):
            measures.append(InheritedMeasure(family, details, name))

        if hosting == Hosting.SYNDICATE_DATACENTER:
            add(
                SecurityFamily.ACCESS_CONTROL,
                _l("Hébergement au datacenter du syndicat : comptes nominatifs, annuaire central"),
            )
            add(SecurityFamily.TRACEABILITY, _l("Journalisation et supervision du syndicat"))
            add(SecurityFamily.BACKUPS, _backup_details(application))
            add(
                SecurityFamily.OTHER,
                _l("Système de management de la sécurité du syndicat (ISO 27001)"),
            )
        elif hosting == Hosting.VENDOR_SAAS:
            vendor = application.vendor
            signed = vendor is not None and vendor.dpa_status == DpaStatus.SIGNED
            add(
                SecurityFamily.PROCESSOR_CONTROL,
                _l("SaaS de l'éditeur, contrat art. 28 signé")
                if signed
                else _l("SaaS de l'éditeur : contrat art. 28 à obtenir"),
            )
        elif hosting == Hosting.OTHER_PROVIDER:
            add(
                SecurityFamily.PROCESSOR_CONTROL, _l("Hébergeur tiers : clauses art. 28 à vérifier")
            )
        if application.hds_certified:
            add(SecurityFamily.OTHER, _l("Hébergeur certifié HDS (données de santé)"))
        if application.outside_eu and application.outside_eu_safeguard:
            add(SecurityFamily.PROCESSOR_CONTROL, application.outside_eu_safeguard)
    return measures


def _backup_details(application):
    if application.rpo_hours is not None:
        return _l(
            "Sauvegardes du syndicat (perte de données maximale : %(hours)d h)",
            hours=application.rpo_hours,
        )
    return _l("Sauvegardes quotidiennes du syndicat")
