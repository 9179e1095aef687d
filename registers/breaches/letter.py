"""The letter to the people a breach concerns (Art. 34), written for the person who receives it:
what happened, which of their data, what it may mean for them, what was done, what they can do,
whom to ask (Art. 34(2), which refers to Art. 33(3)(b) to (d)), in plain French.

The breach's record is written for the CNIL and the register: it holds the references of the
incident log (INC-, CA-, VDP-…), its timestamps and its vocabulary. The letter is built from the
breach's own structured fields (its circumstances, the nature of the breach, its own categories
of data, not those of the incident it came from) and keeps from its free texts only what the
measures say, without references or log timestamps. The recipient's address is a block left for
the mail merge; the controller's identity and the signatory come from the organisation."""

from __future__ import annotations

import re

from flask_babel import force_locale

from compliance.documents import format_document_date
from compliance.tenancy import Organisation
from registers.breaches import draft
from registers.breaches.models import PersonalDataBreach
from registers.breaches.schemas import Art34Ground, Circumstance
from registers.processing.reference import DataCategory, SpecialCategory

TITLE = "Information des personnes concernées par une violation de données"
RECIPIENT = (
    "[Prénom et nom du destinataire]",
    "[Numéro et voie]",
    "[Code postal et commune]",
)
MISSING_ADDRESS = "[Adresse du responsable de traitement]"
MISSING_SIGNATORY = "[Prénom, nom et qualité du représentant légal]"

C = Circumstance
# What happened, as the person would say it, by circumstance of the breach.
HAPPENED = {
    C.LOST_OR_STOLEN_DEVICE: "un équipement informatique qui contenait des informations vous "
    "concernant a été perdu ou volé",
    C.LOST_OR_STOLEN_PAPER: "des documents papier qui contenaient des informations vous "
    "concernant ont été perdus, volés ou laissés à la vue de tous",
    C.MAIL_LOST_OR_OPENED: "un courrier qui contenait des informations vous concernant a été "
    "perdu ou ouvert par une autre personne",
    C.HACKING: "nos systèmes informatiques ont été visés par une attaque",
    C.IMPROPER_DISPOSAL: "des documents ou des équipements qui contenaient des informations "
    "vous concernant n'ont pas été détruits comme ils auraient dû l'être",
    C.UNINTENDED_PUBLICATION: "des informations vous concernant ont été rendues accessibles "
    "par erreur",
    C.WRONG_PERSON_DATA_SHOWN: "des informations vous concernant ont été montrées par erreur "
    "à une autre personne",
    C.SENT_TO_WRONG_RECIPIENT: "des informations vous concernant ont été envoyées par erreur "
    "à un mauvais destinataire",
    C.VERBAL_DISCLOSURE: "des informations vous concernant ont été communiquées oralement à une "
    "personne qui n'aurait pas dû les connaître",
}
UNKNOWN_HAPPENING = "un incident a touché des informations vous concernant"
NATURE = {
    "confidentiality": "des personnes qui n'y étaient pas autorisées ont pu voir ces informations",
    "integrity": "certaines de ces informations ont pu être modifiées",
    "availability": "ces informations ont été un temps inaccessibles",
}
# Labels of the record of processing activities that read oddly in a letter.
PLAIN_CATEGORIES = {DataCategory.OTHER.value: "D'autres informations vous concernant"}
# What a letter advises people to do, by category of data exposed.
ADVICE = {
    DataCategory.ECONOMIC_FINANCIAL.value: (
        "Surveillez vos relevés bancaires et signalez à votre banque toute opération que vous "
        "ne reconnaissez pas."
    ),
    DataCategory.CONNECTION.value: (
        "Changez le mot de passe du compte concerné, et de tout autre compte où vous utilisez "
        "le même."
    ),
    DataCategory.IDENTITY.value: (
        "Méfiez-vous des courriels, SMS ou appels qui se réclameraient de nous ou d'un "
        "organisme public en citant vos informations : nous ne vous demanderons jamais vos "
        "mots de passe ni vos coordonnées bancaires par ce moyen."
    ),
}
NIR_ADVICE = (
    "Si un organisme vous sollicite en citant votre numéro de sécurité sociale, vérifiez son "
    "identité auprès de votre caisse avant de répondre."
)
TECHNICAL_MEASURES = (
    "Dès que nous en avons eu connaissance, nous avons pris les mesures techniques nécessaires "
    "pour arrêter l'incident et protéger vos informations."
)
RIGHTS_ADVICE = (
    "Vous pouvez nous demander quelles informations nous détenons sur vous, les faire corriger "
    "ou, dans certains cas, supprimer, en écrivant à notre délégué à la protection des données "
    "(coordonnées ci-dessous)."
)

# Reference numbers of the registers (INC-2026-014, CA-2023-001, VDP-2026-001, EXP-2026-000001,
# a CNIL file number…): meaningless to the person, and internal.
_REFERENCE = re.compile(r"\b[A-Z]{2,8}-\d{4}-\d{2,}\b")
# A timestamp opening a line of the incident log: "21 janvier 2023 à 12:30 : …", "21/01/2023 : …".
_LOG_TIME = re.compile(
    r"^(?:le )?(?:\d{1,2}(?:er)? \w+ \d{4}|\d{1,2}/\d{1,2}/\d{4})(?:,? à \d{1,2}[:h]\d{2}"
    r"| \d{1,2}:\d{2})?\s*:\s*",
    re.IGNORECASE,
)
# A line the first draft copies from the incident log: "- 21 janvier 2023 à 12:30 : …".
_LOG_ENTRY = re.compile(r"^\s*(?:- )?\d{1,2}(?:er)? \w+ \d{4} à \d{1,2}:\d{2} : ")
_DUE = re.compile(r"\s*\((?:échéance|échéance :)\s*[^)]*\)", re.IGNORECASE)
# Lines the first draft writes from the incident log, said as the person would say them.
_DRAFTED = (
    (re.compile(r"^Incident confiné le (.+?)\.?$"), r"La situation a été maîtrisée le \1."),
    (
        re.compile(r"^Incident résolu le (.+?)\.?$"),
        r"Le fonctionnement normal a été rétabli le \1.",
    ),
)


def plain_line(line: str, references: tuple[str, ...] = ()) -> str:
    """A line of the breach's measures without register references, log timestamps or due
    dates, starting with a capital letter."""
    line = _LOG_TIME.sub("", line.strip())
    for pattern, replacement in _DRAFTED:
        line = pattern.sub(replacement, line)
    for reference in references:
        if reference:
            line = re.sub(rf"(?<![\w-]){re.escape(reference)}(?![\w-])", "", line)
    line = _DUE.sub("", _REFERENCE.sub("", line))
    line = re.sub(r"\s{2,}", " ", line).strip(" -–—:;,·")
    return line[:1].upper() + line[1:]


def _plain_lines(text: str | None, references: tuple[str, ...]) -> list[str]:
    lines = []
    for raw in (text or "").splitlines():
        raw = raw.strip().removeprefix("- ").removeprefix("• ")
        line = plain_line(raw, references) if raw.strip() else ""
        if line and line not in lines:
            lines.append(line)
    return lines


def _measures_taken(text: str | None, references: tuple[str, ...]) -> list[str]:
    """The measures taken, for the person: the entries the first draft copied from the incident
    log (technical actions, dated to the minute) become one plain sentence."""
    kept = "\n".join(line for line in (text or "").splitlines() if not _LOG_ENTRY.match(line))
    lines = _plain_lines(kept, references)
    if kept != (text or ""):
        lines.insert(0, TECHNICAL_MEASURES)
    return lines


def _references(breach: PersonalDataBreach) -> tuple[str, ...]:
    """Every reference the breach's texts may quote: its own, its incident's and its corrective
    actions', its processing activities', its notifications' numbers at the CNIL."""
    found = [breach.reference]
    found += [a.reference for a in breach.activities]
    found += [n.reference for n in breach.notifications if n.reference]
    if breach.incident is not None:
        found.append(breach.incident.reference)
        found += [action.reference for action in breach.incident.actions]
    return tuple(sorted({r for r in found if r}, key=len, reverse=True))


def _date(value) -> str:
    return format_document_date(value) if value else ""


def data_categories(breach: PersonalDataBreach) -> list[str]:
    """The categories of data of this breach (not of the incident it came from), sensitive
    ones first, as a person reads them."""
    labels = [SpecialCategory(code).label for code in breach.special_categories]
    if breach.criminal_data:
        labels.append("Informations sur des infractions ou des condamnations")
    if breach.nir_concerned:
        labels.append("Numéro de sécurité sociale")
    for code in breach.data_categories:
        labels.append(PLAIN_CATEGORIES.get(code) or DataCategory(code).label)
    return [str(label) for label in labels]


def _happened(breach: PersonalDataBreach) -> str:
    what = HAPPENED.get(breach.circumstance, UNKNOWN_HAPPENING)
    when = breach.started_at or breach.awareness_at
    sentences = [f"Le {_date(when)}, {what}."]
    if breach.ended_at and _date(breach.ended_at) == _date(when):
        sentences.append("Il y a été mis fin le jour même.")
    elif breach.ended_at:
        sentences.append(f"Il y a été mis fin le {_date(breach.ended_at)}.")
    nature = [NATURE[code] for code in breach.nature]
    if nature:
        listed = ", ".join(nature[:-1]) + " et " + nature[-1] if len(nature) > 1 else nature[0]
        sentences.append(f"Concrètement, {listed}.")
    return " ".join(sentences)


def _consequences(breach: PersonalDataBreach) -> list[str]:
    data = set(breach.data_categories)
    lines = []
    if breach.confidentiality:
        lines.append(
            "Une personne malintentionnée pourrait se servir de ces informations pour vous "
            "contacter en se faisant passer pour nous ou pour un autre organisme, afin d'obtenir "
            "d'autres informations ou de l'argent."
        )
        if DataCategory.ECONOMIC_FINANCIAL.value in data or breach.nir_concerned:
            lines.append(
                "Vos coordonnées bancaires ou votre numéro de sécurité sociale pourraient servir "
                "à tenter une fraude ou à usurper votre identité."
            )
        private = [SpecialCategory(c).label.lower() for c in breach.special_categories]
        if breach.criminal_data:
            private.append("infractions ou condamnations")
        if private:
            lines.append(
                f"Ces informations touchent à votre vie privée ({', '.join(private)}) : leur "
                "divulgation pourrait vous causer un préjudice, notamment moral."
            )
    if breach.integrity:
        lines.append(
            "Des informations inexactes ont pu servir à traiter vos démarches ou vos paiements : "
            "nous les vérifions et corrigeons toute erreur."
        )
    if breach.availability:
        lines.append(
            "Certaines de vos démarches ou de vos prestations ont pu être retardées pendant "
            "cette période."
        )
    return lines


def _done(breach: PersonalDataBreach, references: tuple[str, ...]) -> list[str]:
    lines = _measures_taken(breach.measures_taken, references)
    initial = breach.initial_notification
    if initial is not None:
        lines.append(
            "Nous avons informé la Commission nationale de l'informatique et des libertés (CNIL) "
            f"le {_date(initial.sent_at)}, comme la loi le prévoit."
        )
    return lines


def _advice(breach: PersonalDataBreach) -> list[str]:
    advice = [ADVICE[code] for code in breach.data_categories if code in ADVICE]
    if breach.nir_concerned:
        advice.append(NIR_ADVICE)
    advice.append(RIGHTS_ADVICE)
    return advice


def _purpose(breach: PersonalDataBreach) -> str:
    """What the controller holds the data for: the activity when there is one, else its
    missions (several activities would tell each person about the others' files)."""
    if len(breach.activities) == 1:
        name = breach.activities[0].name.strip()
        return f"pour {name[:1].lower()}{name[1:]}"
    return "dans le cadre de nos missions"


def _controller(organisation: Organisation) -> dict:
    address = [line.strip() for line in (organisation.address or "").splitlines() if line.strip()]
    siren = organisation.siren or ""
    return {
        "name": organisation.name,
        "address": address or [MISSING_ADDRESS],
        "siren": f"SIREN {siren[:3]} {siren[3:6]} {siren[6:]}" if siren else "",
    }


def _dpo(breach: PersonalDataBreach) -> dict:
    organisation = breach.organisation
    name = organisation.dpo_name or ""
    contact = organisation.dpo_contact or ""
    if not name and not contact:
        contact = breach.contact or draft.contact(organisation)
    return {
        "name": name,
        "contact": contact,
        "text": " · ".join(part for part in (name, contact) if part),
    }


def letter_context(breach: PersonalDataBreach) -> dict:
    """What the letter template prints: every text already written for the person."""
    organisation = breach.organisation
    references = _references(breach)
    with force_locale("fr"):
        return {
            "title": TITLE,
            "scope": {"label": organisation.name},
            "recipient": list(RECIPIENT),
            "controller": _controller(organisation),
            "purpose": _purpose(breach),
            "happened": _happened(breach),
            "data": data_categories(breach),
            "consequences": _consequences(breach),
            "done": _done(breach, references),
            "planned": _plain_lines(breach.measures_proposed, references),
            "advice": _advice(breach),
            "dpo": _dpo(breach),
            "signatory": {
                "name": organisation.legal_representative or MISSING_SIGNATORY,
                "organisation": organisation.name,
            },
            "public": breach.communication_ground == Art34Ground.PUBLIC_COMMUNICATION,
        }
