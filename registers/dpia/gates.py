"""What validating a DPIA requires, without touching the database: each part given (the
principles justified and judged, the three risks estimated), the DPO's opinion (Art. 35(2)),
the persons' opinion or why it was not sought (Art. 35(9)), the controller's decision, and,
when a high residual risk remains, the prior consultation of the CNIL (Art. 36(1)): the
controller consults before processing, so the DPIA is validated once the request and the
CNIL's written answer are recorded.

The services enforce these rules; the pages read them to show the DPO what is missing."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from compliance.types import says_something
from registers.dpia import compute
from registers.dpia.schemas import Principle, RiskKind

DATE_ORDER_FIELDS = ("consultation_requested_on", "cnil_answer_on")


def date_errors(values: dict) -> dict[str, str]:
    requested, answered = values.get("consultation_requested_on"), values.get("cnil_answer_on")
    if answered and not requested:
        return {"consultation_requested_on": _("indiquez la date de la demande de consultation")}
    if requested and answered and answered < requested:
        return {"cnil_answer_on": _("la réponse de la CNIL ne peut précéder la demande")}
    return {}


def _blank(value) -> bool:
    return not (value or "").strip() if isinstance(value, str | type(None)) else False


def principle_errors(dpia) -> dict[str, str]:
    errors = {}
    for principle in Principle:
        answer = (dpia.principles or {}).get(principle.value) or {}
        if _blank(answer.get("justification")) or not answer.get("judgement"):
            errors[f"principle_{principle.value}"] = _(
                "justifiez et jugez le point « %(point)s »", point=principle.label
            )
    return errors


def risk_errors(dpia) -> dict[str, str]:
    errors = {}
    for kind in RiskKind:
        risk = dpia.risk(kind)
        if risk is None or not risk.severity or not risk.likelihood:
            errors[f"risk_{kind.value}"] = _(
                "estimez la gravité et la vraisemblance du risque « %(risk)s »", risk=kind.label
            )
    return errors


def consultation_errors(dpia) -> dict[str, str]:
    """Art. 36(1): a high residual risk needs the CNIL consulted before the processing."""
    if not compute.prior_consultation_required(dpia):
        return {}
    errors = {}
    if not dpia.consultation_requested_on:
        errors["consultation_requested_on"] = _(
            "un risque résiduel reste élevé : la consultation préalable de la CNIL (art. 36) "
            "est requise ; indiquez la date de la demande"
        )
    if not dpia.cnil_answer_on:
        errors["cnil_answer_on"] = _(
            "un risque résiduel reste élevé : le traitement attend l'avis de la CNIL "
            "(art. 36.2) ; indiquez la date de sa réponse"
        )
    return errors


def validation_errors(dpia, *, today: date | None = None) -> dict[str, str]:
    """What validating the DPIA lacks, by field: empty when it may be validated."""
    errors = {}
    if not dpia.title or not dpia.title.strip():
        errors["title"] = _("donnez un titre à l'AIPD")
    errors.update(principle_errors(dpia))
    errors.update(risk_errors(dpia))
    if not says_something(dpia.dpo_opinion):
        errors["dpo_opinion"] = _("recueillez l'avis du délégué à la protection des données")
    if _blank(dpia.persons_opinion) and not says_something(dpia.persons_not_sought_reason):
        errors["persons_opinion"] = _(
            "indiquez l'avis des personnes concernées, ou pourquoi il n'a pas été demandé "
            "(art. 35.9)"
        )
    if _blank(dpia.controller_decision):
        errors["controller_decision"] = _("indiquez la décision du responsable de traitement")
    errors.update(consultation_errors(dpia))
    errors.update(
        date_errors(
            {
                "consultation_requested_on": dpia.consultation_requested_on,
                "cnil_answer_on": dpia.cnil_answer_on,
            }
        )
    )
    if today and dpia.cnil_answer_on and dpia.cnil_answer_on > today:
        errors["cnil_answer_on"] = _("la date de réponse de la CNIL est dans le futur")
    return errors
