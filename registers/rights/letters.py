"""The letters of a rights request, written for the person who made it, from the controller
(the member organisation) and signed for its data protection officer: the acknowledgement of
receipt, the request for proof of identity (Art. 12(6)), the extension notice (Art. 12(3)), the
answer and the refusal (Art. 12(4)).

Each letter is offered only once the request is in a state where it makes sense (`available`),
and is dated by the fact it reports when the record holds that date. The person's name and
contact are decrypted into the letter only: the export's record, its title, its file name and
its audit entry carry the request's reference. The fixed wording is in the templates
(templates/word/rights-*.docx), which an organisation may restyle; this module gives them the
request's facts, already phrased for the person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from compliance.calendar import today_in_paris
from compliance.tenancy import Organisation
from registers.rights.models import RightsRequest
from registers.rights.schemas import ART19_RIGHTS, Channel, Outcome, RefusalGround, RightKind

ACKNOWLEDGEMENT = "rights-acknowledgement"
IDENTITY = "rights-identity-request"
EXTENSION = "rights-extension"
ANSWER = "rights-answer"
REFUSAL = "rights-refusal"

MISSING_ADDRESS = "[Adresse du responsable de traitement]"
MISSING_DPO = "[Prénom et nom du délégué à la protection des données]"

# The right exercised, as the letter names it after "votre demande ...".
RIGHTS = {
    RightKind.ACCESS: "d'accès aux données personnelles vous concernant (article 15 du RGPD)",
    RightKind.RECTIFICATION: "de rectification des données personnelles vous concernant "
    "(article 16 du RGPD)",
    RightKind.ERASURE: "d'effacement des données personnelles vous concernant (article 17 du RGPD)",
    RightKind.RESTRICTION: "de limitation du traitement des données personnelles vous "
    "concernant (article 18 du RGPD)",
    RightKind.PORTABILITY: "de portabilité des données personnelles vous concernant "
    "(article 20 du RGPD)",
    RightKind.OBJECTION: "d'opposition au traitement des données personnelles vous concernant "
    "(article 21 du RGPD)",
    RightKind.AUTOMATED_DECISION: "relative à une décision individuelle automatisée vous "
    "concernant (article 22 du RGPD)",
    RightKind.CONSENT_WITHDRAWAL: "de retrait de votre consentement au traitement de vos données "
    "(article 7.3 du RGPD)",
    RightKind.POST_MORTEM: "relative à vos directives sur le sort de vos données après votre "
    "décès (article 85 de la loi Informatique et Libertés)",
}
# What an answered rectification, erasure or restriction is called when told to the recipients.
ART19_ACTIONS = {
    RightKind.RECTIFICATION: "cette rectification",
    RightKind.ERASURE: "cet effacement",
    RightKind.RESTRICTION: "cette limitation du traitement",
}
CHANNELS = {
    Channel.POST: "par courrier",
    Channel.EMAIL: "par courrier électronique",
    Channel.COUNTER: "à notre accueil",
    Channel.ONLINE_FORM: "par notre formulaire en ligne",
    Channel.CNIL: "par l'intermédiaire de la CNIL",
}
# Why the controller does not act, as the letter says it after "nous ne pouvons pas donner
# suite à votre demande, car ...".
GROUNDS = {
    RefusalGround.MANIFESTLY_UNFOUNDED: "elle est manifestement infondée (article 12.5 du RGPD)",
    RefusalGround.EXCESSIVE: "elle présente un caractère excessif, notamment par son caractère "
    "répétitif (article 12.5 du RGPD)",
    RefusalGround.ERASURE_EXCEPTION: "la conservation de vos données reste nécessaire pour l'un "
    "des motifs prévus par l'article 17.3 du RGPD",
    RefusalGround.COMPELLING_GROUNDS: "il existe des motifs légitimes et impérieux pour le "
    "traitement, qui prévalent sur vos intérêts, droits et libertés (article 21.1 du RGPD)",
    RefusalGround.RIGHTS_OF_OTHERS: "y faire droit porterait atteinte aux droits et libertés "
    "d'autres personnes (article 15.4 du RGPD)",
    RefusalGround.OTHER: "un motif particulier s'y oppose",
}


def _lines(text: str | None) -> list[str]:
    """A free text as its non-empty lines, list dashes removed (the template lays them out)."""
    result = []
    for line in (text or "").splitlines():
        line = line.strip().removeprefix("- ").removeprefix("• ").strip()
        if line:
            result.append(line)
    return result


def _controller(organisation: Organisation) -> dict:
    address = [line.strip() for line in (organisation.address or "").splitlines() if line.strip()]
    siren = organisation.siren or ""
    return {
        "name": organisation.name,
        "address": address or [MISSING_ADDRESS],
        "siren": f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}" if siren else "",
    }


def _dpo(organisation: Organisation) -> dict:
    name = organisation.dpo_name or ""
    # The DPO's own contact (Art. 37(7)), never someone else's.
    contact = organisation.dpo_contact or ""
    return {
        "name": name or MISSING_DPO,
        "contact": contact,
        "text": " · ".join(part for part in (name, contact) if part)
        or "[Coordonnées du délégué à la protection des données]",
    }


# The rights of others, for a portability request: Art. 20(4), not Art. 15(4).
PORTABILITY_OTHERS = (
    "y faire droit porterait atteinte aux droits et libertés d'autres personnes "
    "(article 20.4 du RGPD)"
)


def _refusal(request: RightsRequest) -> dict | None:
    if request.refusal_ground is None:
        return None
    ground, label = GROUNDS[request.refusal_ground], str(request.refusal_ground.label)
    if (
        request.refusal_ground == RefusalGround.RIGHTS_OF_OTHERS
        and request.right == RightKind.PORTABILITY
    ):
        ground = PORTABILITY_OTHERS
        label = label.replace("15.4", "20.4")
    return {
        "ground": ground,
        "ground_label": label,
        "details": request.refusal_details or "",
        "reasoning": _lines(request.refusal_reasoning),
    }


def _base(request: RightsRequest, title: str, on: date) -> dict:
    """What every letter prints: the controller, the person (decrypted here only), the
    request, the date and the signatory."""
    organisation = request.organisation
    return {
        "title": title,
        "scope": {"label": f"{organisation.name} · {request.reference}"},
        "controller": _controller(organisation),
        "recipient": [request.person_name.strip(), *_lines(request.person_contact)],
        "person": {"name": request.person_name.strip()},
        "on": on,
        "request": {
            "reference": request.reference,
            "right": RIGHTS[request.right],
            "right_label": str(request.right.label),
            "received_on": request.received_on,
            "channel": CHANNELS[request.channel],
            "due_on": request.due_on,
            "extended_due_on": request.extended_due_on,
            "applicable_due_on": request.applicable_due_on,
        },
        "dpo": _dpo(organisation),
        "signatory": {
            "organisation": organisation.name,
            "name": _dpo(organisation)["name"],
            "quality": "Délégué à la protection des données",
        },
    }


# --- the five letters --------------------------------------------------------------------------


def acknowledgement_context(request: RightsRequest) -> dict:
    """Receipt, the right, the due date, and that it may be extended by two months."""
    context = _base(request, TITLES[ACKNOWLEDGEMENT], today_in_paris())
    context["suspended"] = request.clock_suspended
    return context


def identity_context(request: RightsRequest) -> dict:
    """Why the controller doubts the person's identity (the reason recorded, Art. 12(6)) and
    what it asks for; the clock stands still until the proof arrives."""
    context = _base(request, TITLES[IDENTITY], request.identity_requested_on or today_in_paris())
    context["doubt"] = _lines(request.identity_doubt_reason)
    return context


def extension_context(request: RightsRequest) -> dict:
    """The reasons and the extended due date, dated the day the person was told (which the
    services keep within the first month)."""
    context = _base(request, TITLES[EXTENSION], request.extension_notified_on or today_in_paris())
    context["reasons"] = _lines(request.extension_reasons)
    return context


TO_COMPLETE = "[À compléter : {}]"


def _label(value) -> str:
    return str(getattr(value, "label", value) or "")


def _retention(category) -> str:
    parts = []
    if category.active_period:
        parts.append(category.active_period)
    if category.intermediate_period:
        parts.append(f"puis {category.intermediate_period} en archives intermédiaires")
    if category.retention_criterion:
        parts.append(category.retention_criterion.strip())
    return f"{_label(category.category)} : {', '.join(parts)}" if parts else ""


def _unique(lines) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in lines if line and line.strip()))


def _access(request: RightsRequest) -> dict | None:
    """Art. 15(1)(a) to (h) and 15(2), from the register's activities linked to the request
    where it knows them; what it does not know is left for the writer to complete."""
    if request.right != RightKind.ACCESS:
        return None
    activities = [a for a in request.activities if a.archived_at is None]
    purposes = _unique(p.description for a in activities for p in a.purposes)
    categories = _unique(
        f"{_label(c.category)}{f' ({c.description.strip()})' if c.description else ''}"
        for a in activities
        for c in a.data_categories
    )
    categories += _unique(_label(c.category) for a in activities for c in a.special_categories)
    recipients = _unique(
        f"{r.name} ({_label(r.recipient_type)})" for a in activities for r in a.recipients
    )
    retention = _unique(_retention(c) for a in activities for c in a.data_categories)
    sources = _unique(a.data_source for a in activities if a.indirect_collection)
    transfers = _unique(
        f"{t.recipient} ({t.country}) : {_label(t.safeguard) or 'garantie à préciser'}"
        for a in activities
        for t in a.transfers
    )
    known = bool(activities)
    return {
        "activities": [a.name for a in activities],
        "purposes": purposes or [TO_COMPLETE.format("les finalités du traitement")],
        "categories": categories or [TO_COMPLETE.format("les catégories de données")],
        "recipients": recipients
        or (
            ["Aucun destinataire n'est enregistré pour ces traitements."]
            if known
            else [TO_COMPLETE.format("les destinataires")]
        ),
        "retention": retention or [TO_COMPLETE.format("la durée de conservation ou ses critères")],
        "sources": sources
        or (
            ["Les données ont été collectées auprès de vous."]
            if known
            else [TO_COMPLETE.format("la source des données")]
        ),
        "transfers": transfers
        or (
            ["Aucun transfert hors de l'Union européenne n'est enregistré pour ces traitements."]
            if known
            else [TO_COMPLETE.format("les transferts hors de l'UE et leurs garanties")]
        ),
        "automated": TO_COMPLETE.format(
            "l'existence ou non d'une décision automatisée, sa logique et ses conséquences"
        ),
    }


def answer_context(request: RightsRequest) -> dict:
    """The answer (its summary and means); for a partial answer, what is refused and why; for
    a rectification, an erasure or a restriction, the recipients told (Art. 19)."""
    context = _base(request, TITLES[ANSWER], request.answered_on or today_in_paris())
    partial = request.outcome == Outcome.PARTIALLY_ANSWERED
    context.update(
        partial=partial,
        summary=_lines(request.answer_summary),
        means=request.answer_means or "",
        refusal=_refusal(request) if partial else None,
        art19=request.right in ART19_RIGHTS,
        art19_action=ART19_ACTIONS.get(request.right, ""),
        recipients=_lines(request.recipients_informed),
        access=_access(request),
        recipients_informed_on=request.recipients_informed_on,
    )
    return context


def refusal_context(request: RightsRequest) -> dict:
    """The ground and its reasoning, and the remedies: a complaint to the CNIL, a judicial
    remedy (Art. 12(4)); the template prints them whatever the record says."""
    context = _base(request, TITLES[REFUSAL], request.answered_on or today_in_paris())
    context["refusal"] = _refusal(request)
    context["means"] = request.answer_means or ""
    return context


# --- which letter when -------------------------------------------------------------------------


def _awaiting_proof(request: RightsRequest) -> bool:
    return bool(
        request.is_open and request.identity_doubt_reason and request.identity_received_on is None
    )


@dataclass(frozen=True)
class Letter:
    name: str  # the document type and its template
    label: object  # what the request's page calls it (translated)
    filename: str  # the downloaded file's name, before the request's reference
    available: Callable[[RightsRequest], bool]
    build: Callable[[RightsRequest], dict]
    why_not: object  # what the page says when it is asked for out of turn (translated)


TITLES = {
    ACKNOWLEDGEMENT: "Accusé de réception de votre demande",
    IDENTITY: "Demande de justificatif d'identité",
    EXTENSION: "Prolongation du délai de réponse à votre demande",
    ANSWER: "Réponse à votre demande",
    REFUSAL: "Refus de donner suite à votre demande",
}

LETTERS = {
    letter.name: letter
    for letter in (
        Letter(
            ACKNOWLEDGEMENT,
            _l("Accusé de réception"),
            "accuse-reception",
            lambda r: r.is_open and r.extended_due_on is None,
            acknowledgement_context,
            _l(
                "L'accusé de réception ne se fait que pour une demande en cours dont le délai "
                "n'a pas été prolongé."
            ),
        ),
        Letter(
            IDENTITY,
            _l("Demande de justificatif d'identité"),
            "demande-justificatif",
            _awaiting_proof,
            identity_context,
            _l(
                "La demande de justificatif suppose un doute raisonnable enregistré sur "
                "l'identité de la personne, et un justificatif pas encore reçu."
            ),
        ),
        Letter(
            EXTENSION,
            _l("Notification de prolongation"),
            "prolongation",
            lambda r: r.extended_due_on is not None,
            extension_context,
            _l("Le délai de cette demande n'a pas été prolongé."),
        ),
        Letter(
            ANSWER,
            _l("Réponse"),
            "reponse",
            lambda r: r.outcome in (Outcome.ANSWERED, Outcome.PARTIALLY_ANSWERED),
            answer_context,
            _l("Aucune réponse n'est enregistrée pour cette demande."),
        ),
        Letter(
            REFUSAL,
            _l("Refus"),
            "refus",
            lambda r: r.outcome == Outcome.REFUSED,
            refusal_context,
            _l("Cette demande n'a pas été refusée."),
        ),
    )
}


def available(request: RightsRequest) -> list[Letter]:
    """The letters that make sense for the request as it stands, in the order they are sent."""
    return [letter for letter in LETTERS.values() if letter.available(request)]


def letter_context(name: str, request: RightsRequest) -> dict:
    with force_locale("fr"):
        return LETTERS[name].build(request)
