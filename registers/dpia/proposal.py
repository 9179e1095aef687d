"""What a DPIA started from a processing activity is proposed, read from the register and the
application map: the context of part 1 and, where the register knows, the justification of
the fundamental principles of part 2. The person writing the DPIA edits it all; it is written
in French, the language of the record."""

from __future__ import annotations

from flask_babel import force_locale

from registers.dpia.schemas import Principle
from registers.processing import compute as processing_compute
from registers.processing.reference import RecipientType


def _lines(items) -> str | None:
    text = "\n".join(f"- {item}" for item in items if item)
    return text or None


def _label(value) -> str:
    return str(getattr(value, "label", value or ""))


def _purpose(purpose) -> str:
    basis = f" ({_label(purpose.legal_basis)})" if purpose.legal_basis else ""
    return f"{purpose.description}{basis}"


def _hosting(application) -> str:
    hosting = _label(application.hosting) if application.hosting else ""
    country = application.hosting_country or ""
    where = ", ".join(part for part in (hosting, country) if part)
    return f"{application.name} — {where}" if where else application.name


def _interface(interface) -> str:
    data = f" : {interface.data}" if interface.data else ""
    return f"Interface {interface.source.name} → {interface.target.name}{data}"


def context(activity, interfaces=()) -> dict:
    """Part 1 as the register and the map describe the activity; `interfaces`: the map's
    interfaces of its applications."""
    with force_locale("fr"):
        organisation = activity.organisation
        controller = organisation.name
        if organisation.legal_representative:
            controller += f", représenté par {organisation.legal_representative}"
        processors = [
            recipient.name + (f" ({recipient.vendor.name})" if recipient.vendor else "")
            for recipient in activity.recipients
            if recipient.recipient_type == RecipientType.PROCESSOR
        ]
        assets = [_hosting(application) for application in activity.applications]
        assets += [_interface(interface) for interface in interfaces]
        data = [
            f"{_label(category.category)}"
            + (f" : {category.description}" if category.description else "")
            + (f" — conservation : {category.active_period}" if category.active_period else "")
            for category in activity.data_categories
        ]
        return {
            "title": f"AIPD — {activity.name}",
            "overview": activity.description,
            "purposes": _lines(_purpose(purpose) for purpose in activity.purposes),
            "controller": controller,
            "processors": _lines(processors),
            "applications": _lines(application.name for application in activity.applications),
            "data_lifecycle": _lines(data),
            "supporting_assets": _lines(assets),
        }


def principles(activity) -> dict:
    """Part 2's justifications the register can give, without a judgement: the DPO judges."""
    with force_locale("fr"):
        found = {}

        def say(principle: Principle, text: str | None) -> None:
            if text:
                found[principle.value] = {"justification": text, "judgement": None}

        say(Principle.PURPOSES, _lines(purpose.description for purpose in activity.purposes))
        say(Principle.LEGAL_BASIS, _lines(_purpose(purpose) for purpose in activity.purposes))
        say(
            Principle.MINIMISATION,
            _lines(_label(category.category) for category in activity.data_categories),
        )
        say(
            Principle.RETENTION,
            _lines(
                f"{_label(category.category)} : "
                + (
                    category.active_period
                    or category.retention_criterion
                    or "durée non renseignée au registre"
                )
                + (f", puis {category.intermediate_period}" if category.intermediate_period else "")
                for category in activity.data_categories
            ),
        )
        processors = [
            recipient
            for recipient in activity.recipients
            if recipient.recipient_type == RecipientType.PROCESSOR
        ]
        lacking = {r.id for r in processing_compute.processors_without_agreement(activity)}
        say(
            Principle.PROCESSORS,
            _lines(
                recipient.name + (" : accord art. 28 à conclure" if recipient.id in lacking else "")
                for recipient in processors
            ),
        )
        transfers = [
            f"{transfer.recipient} ({transfer.country})"
            + (f" : {_label(transfer.safeguard)}" if transfer.safeguard else " : sans garantie")
            for transfer in activity.transfers
        ]
        say(
            Principle.TRANSFERS,
            _lines(transfers) or "Aucun transfert hors de l'Union européenne au registre.",
        )
        return found
