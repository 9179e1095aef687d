"""Exchange with the CNIL's PIA software: its JSON export of one PIA, read into a new DPIA and
written from one.

The file holds `pia` (name, people, opinions, status, dates), `answers` (`reference_to` = the
question's id in the software's structure, `data` = {text, gauge, list}), `measures` (id, title,
content), `evaluations` (`reference_to` "2.1.211", "3.1.<measure id>", "3.2"…: status,
evaluation and action-plan comments, residual `gauges` x = severity, y = likelihood) and
`comments`. The questions: 111 overview, 112 responsibilities, 113 standards, 121 data, 122 life
cycle, 123 supports; 211-215 proportionality and 221-227 rights; for each risk n (2 access,
3 modification, 4 disappearance) 3n1 impacts, 3n2 threats, 3n3 sources, 3n4 measures, 3n5
severity, 3n6 likelihood (gauges 1 négligeable to 4 maximale).

Where one side holds in one text what the other holds in several, the extra parts are kept as
blocks introduced by a line "[Label]" (the purposes inside the overview, the life cycle inside
the data, an evaluation inside a justification…), so that a file goes both ways without losing
an answer. The software's HTML becomes plain text (lists as "- " lines; emphasis is not kept).
What the software has no place for (the controller's decision, the dates, the prior
consultation, ANSSI references) travels under the key `registre`, which it ignores.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit
from compliance.i18n import PARIS
from compliance.permissions import Action
from compliance.schemas import FieldErrors, validate
from registers.dpia import gates, services
from registers.dpia import measures as measure_services
from registers.dpia.models import Dpia, DpiaMeasure, DpiaRisk
from registers.dpia.schemas import (
    DpiaStatus,
    DpiaUpdate,
    Judgement,
    MeasureCreate,
    MeasureState,
    Principle,
    PrincipleAnswer,
    RiskKind,
    RiskLevel,
    RiskUpdate,
)

MAX_FILE_SIZE = 5 * 1024 * 1024
EXTENSION = "registre"
EXTENSION_FORMAT = 1
# The database version the software's exports carry (`pia.dbVersion`).
DB_VERSION = 201910230914

# Part 1: question -> (the field holding its text, [(another field, its block's label)]).
CONTEXT = {
    111: ("overview", [("purposes", "Finalités")]),
    112: ("controller", [("processors", "Sous-traitants")]),
    113: ("standards", []),
    123: ("supporting_assets", [("applications", "Applications de la cartographie")]),
}
# 121 and 122 share one field: the data, then their life cycle as a block.
DATA, LIFECYCLE, LIFECYCLE_LABEL = 121, 122, "Cycle de vie des données"
PRINCIPLES = {
    211: Principle.PURPOSES,
    212: Principle.LEGAL_BASIS,
    213: Principle.MINIMISATION,
    214: Principle.ACCURACY,
    215: Principle.RETENTION,
    221: Principle.INFORMATION,
    222: Principle.CONSENT,
    223: Principle.ACCESS_PORTABILITY,
    224: Principle.RECTIFICATION_ERASURE,
    225: Principle.RESTRICTION_OBJECTION,
    226: Principle.PROCESSORS,
    227: Principle.TRANSFERS,
}
RISKS = {
    RiskKind.ILLEGITIMATE_ACCESS: 2,
    RiskKind.UNWANTED_MODIFICATION: 3,
    RiskKind.DISAPPEARANCE: 4,
}
QUESTIONS = (
    set(CONTEXT)
    | {DATA, LIFECYCLE}
    | set(PRINCIPLES)
    | {300 + 10 * item + n for item in RISKS.values() for n in range(1, 7)}
)
# Evaluation statuses of the software: 1 to be corrected, 2 improvable, 3 acceptable.
ACCEPTABLE, IMPROVABLE, TO_CORRECT = 3, 2, 1
# The PIA's statuses: 0 being written, 2 validated (3: validated and signed).
PIA_DRAFT, PIA_VALIDATED = 0, 2

EVALUATION = "Évaluation"
ACTION_PLAN = "Plan d'action"
LIKELIHOOD = "Vraisemblance"
RISK_MEASURES = "Mesures qui traitent le risque"
DPO_NAMES = "Délégué(s)"
OPINION = "Sens de l'avis"
PEOPLE = "Personnes concernées consultées"
FAVOURABLE, UNFAVOURABLE = (
    "le traitement devrait être mis en œuvre",
    "le traitement ne devrait pas être mis en œuvre",
)


class PiaFileError(ValueError):
    """A file that is not a PIA export this register can read: the French message says why."""


# --- text: the software's HTML and the blocks ----------------------------------------------------

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CLOSE = re.compile(r"</(?:p|div|li|ul|ol|h[1-6]|tr|blockquote)\s*>", re.IGNORECASE)
_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
# A list opening right after text starts a line (after a closed paragraph it already does).
_LIST = re.compile(r"(?<!\n)<(?:ul|ol)(?:\s[^>]*)?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SOURCE_BREAK = re.compile(r"\s*\n\s*")


def _source_break(match) -> str:
    """A line break of the HTML source: nothing between tags, a space between words."""
    source = match.string
    after = source[match.end() : match.end() + 1]
    before = source[match.start() - 1 : match.start()] if match.start() else ""
    return "" if "<" in after or ">" in before or not after or not before else " "


def html_to_text(value) -> str | None:
    """The plain text of an answer of the software (HTML), None when it says nothing."""
    if value is None:
        return None
    text = _SOURCE_BREAK.sub(_source_break, value)
    text = _BREAK.sub("\n", text)
    text = _CLOSE.sub("\n", text)
    text = _LIST.sub("\n", text)
    text = _ITEM.sub("- ", text)
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ").replace("\r", "")
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


def text_to_html(value: str | None) -> str | None:
    """A text of the register as the software's editor keeps it: lines separated by <br />."""
    if not value:
        return None
    return "<br />".join(html.escape(line, quote=False) for line in value.split("\n"))


def join_blocks(primary: str | None, blocks: list[tuple[str, str | None]]) -> str | None:
    """`primary`, then each non-empty block under its line "[label]"."""
    parts = [primary.strip()] if primary and primary.strip() else []
    parts += [f"[{label}]\n{text.strip()}" for label, text in blocks if text and text.strip()]
    return "\n\n".join(parts) or None


def split_blocks(text: str | None, labels) -> tuple[str | None, dict[str, str]]:
    """The inverse of join_blocks: the text before the first known label line, and each
    block's text by label (a line "[x]" with an unknown x stays text)."""
    if not text:
        return None, {}
    current, primary, blocks = None, [], {}
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]") and stripped[1:-1] in labels:
            current = stripped[1:-1]
            blocks[current] = []
            continue
        (blocks[current] if current else primary).append(line)
    joined = {label: "\n".join(lines).strip() for label, lines in blocks.items()}
    return "\n".join(primary).strip() or None, {k: v for k, v in joined.items() if v}


def list_to_text(items) -> str | None:
    return "\n".join(str(item).strip() for item in items if str(item).strip()) or None


def text_to_list(text: str | None) -> list[str]:
    lines = (line.strip() for line in (text or "").split("\n"))
    return [line[2:].strip() if line.startswith("- ") else line for line in lines if line]


def _gauge(level) -> int:
    return RiskLevel(level).rank if level else 0


def _level(gauge) -> RiskLevel | None:
    return list(RiskLevel)[gauge - 1] if isinstance(gauge, int) and 1 <= gauge <= 4 else None


def _instant(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00.000Z"


def _day(value) -> date | None:
    """A day from the software's instants (a browser's local midnight, in UTC) or ISO dates."""
    if not value:
        return None
    if not isinstance(value, str):
        raise PiaFileError(_("Une date du fichier est illisible : %(value)s", value=str(value)))
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PiaFileError(
            _("Une date du fichier est illisible : %(value)s", value=value[:40])
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(PARIS).date()


# --- writing a file ------------------------------------------------------------------------------


def _answer(pia_id: int, reference: int, *, text=None, gauge=None, items=None) -> dict:
    return {
        "pia_id": pia_id,
        "reference_to": reference,
        "data": {"text": text, "gauge": gauge, "list": items or []},
    }


def _evaluation(pia_id: int, reference: str, status: int, **values) -> dict:
    return {
        "pia_id": pia_id,
        "reference_to": reference,
        "status": status,
        "evaluation_comment": values.get("comment"),
        "action_plan_comment": values.get("plan"),
        "gauges": values.get("gauges") or {"x": 0, "y": 0},
        "estimated_implementation_date": values.get("due"),
        "person_in_charge": values.get("owner"),
        "global_status": 2 if status else 0,
    }


def pia_document(dpia: Dpia) -> dict:
    """The DPIA as the PIA software exports one PIA."""
    pid = dpia.id
    answers, evaluations = [], []

    def text_answer(reference, text):
        if text:
            answers.append(_answer(pid, reference, text=text_to_html(text)))

    for reference, (field, extra) in CONTEXT.items():
        blocks = [(label, getattr(dpia, name)) for name, label in extra]
        text_answer(reference, join_blocks(getattr(dpia, field), blocks))
    data, blocks = split_blocks(dpia.data_lifecycle, {LIFECYCLE_LABEL})
    text_answer(DATA, data)
    text_answer(LIFECYCLE, blocks.get(LIFECYCLE_LABEL))

    for reference, principle in PRINCIPLES.items():
        answer = (dpia.principles or {}).get(principle.value) or {}
        justification, blocks = split_blocks(answer.get("justification"), {EVALUATION, ACTION_PLAN})
        text_answer(reference, justification)
        judgement = answer.get("judgement")
        if judgement:
            status = ACCEPTABLE if judgement == Judgement.ACCEPTABLE.value else IMPROVABLE
            evaluations.append(
                _evaluation(
                    pid,
                    f"2.{reference // 10 % 10}.{reference}",
                    status,
                    comment=text_to_html(blocks.get(EVALUATION)),
                    plan=text_to_html(blocks.get(ACTION_PLAN)),
                )
            )

    measures = []
    for measure in dpia.measures:
        content, blocks = split_blocks(measure.description, {EVALUATION, ACTION_PLAN})
        measures.append(
            {
                "id": measure.id,
                "pia_id": pid,
                "title": measure.title,
                "content": text_to_html(content) or "",
                "placeholder": "measures.default_placeholder",
            }
        )
        planned = measure.state == MeasureState.PLANNED
        evaluations.append(
            _evaluation(
                pid,
                f"3.1.{measure.id}",
                IMPROVABLE if planned else ACCEPTABLE,
                comment=text_to_html(blocks.get(EVALUATION)),
                plan=text_to_html(blocks.get(ACTION_PLAN)),
                due=_instant(measure.due_on) if planned else None,
                owner=measure.owner if planned else None,
            )
        )

    for risk in dpia.risks:
        item = RISKS[RiskKind(risk.kind)]
        base = 300 + 10 * item
        for offset, name in ((1, "impacts"), (2, "threats"), (3, "sources")):
            items = text_to_list(getattr(risk, name))
            if items:
                answers.append(_answer(pid, base + offset, items=items))
        severity_text, blocks = split_blocks(risk.justification, {LIKELIHOOD, RISK_MEASURES})
        if blocks.get(RISK_MEASURES):
            answers.append(_answer(pid, base + 4, items=text_to_list(blocks[RISK_MEASURES])))
        if risk.severity or severity_text:
            answers.append(
                _answer(
                    pid, base + 5, text=text_to_html(severity_text), gauge=_gauge(risk.severity)
                )
            )
        if risk.likelihood or blocks.get(LIKELIHOOD):
            answers.append(
                _answer(
                    pid,
                    base + 6,
                    text=text_to_html(blocks.get(LIKELIHOOD)),
                    gauge=_gauge(risk.likelihood),
                )
            )
        residual_text, residual_blocks = split_blocks(risk.residual_justification, {ACTION_PLAN})
        if risk.residual_severity or risk.residual_likelihood or residual_text:
            plan = residual_blocks.get(ACTION_PLAN)
            evaluations.append(
                _evaluation(
                    pid,
                    f"3.{item}",
                    IMPROVABLE if plan else ACCEPTABLE,
                    comment=text_to_html(residual_text),
                    plan=text_to_html(plan),
                    gauges={
                        "x": _gauge(risk.residual_severity),
                        "y": _gauge(risk.residual_likelihood),
                    },
                )
            )

    dpo, dpo_blocks = split_blocks(dpia.dpo_opinion, {DPO_NAMES, OPINION})
    persons, persons_blocks = split_blocks(dpia.persons_opinion, {PEOPLE, OPINION})
    reason, reason_blocks = split_blocks(dpia.persons_not_sought_reason, {PEOPLE})
    validator = getattr(dpia, "validated_by", None)
    pia = {
        "dbVersion": DB_VERSION,
        "tableName": "pia",
        "id": pid,
        "name": dpia.title,
        "status": PIA_VALIDATED if dpia.status == DpiaStatus.VALIDATED else PIA_DRAFT,
        "author_name": dpia.organisation.name if dpia.organisation else "",
        "evaluator_name": "",
        "validator_name": getattr(validator, "name", "") or "",
        "dpo_status": _opinion_status(dpo_blocks.get(OPINION)),
        "dpo_opinion": text_to_html(dpo),
        "dpos_names": dpo_blocks.get(DPO_NAMES) or "",
        "concerned_people_searched_opinion": bool(persons) if persons or reason else None,
        "concerned_people_opinion": text_to_html(persons),
        "concerned_people_status": _opinion_status(persons_blocks.get(OPINION)),
        "concerned_people_searched_content": text_to_html(reason),
        "people_names": persons_blocks.get(PEOPLE) or reason_blocks.get(PEOPLE) or "",
        "rejected_reason": "",
        "applied_adjustements": "",
        "category": "",
        "created_at": _instant(dpia.created_at),
        "updated_at": _instant(dpia.updated_at),
    }
    extension = {
        "format": EXTENSION_FORMAT,
        "reference": dpia.reference,
        **{
            name: _plain(getattr(dpia, name))
            for name in (
                "controller_decision",
                "decision_on",
                "dpo_opinion_on",
                "consultation_requested_on",
                "cnil_answer_on",
                "cnil_answer",
                "next_review_on",
            )
        },
        "hygiene_measures": {
            str(m.id): m.hygiene_measure for m in dpia.measures if m.hygiene_measure
        },
    }
    # The software dates every row it imports (`new Date(row.created_at)`).
    stamp = _instant(dpia.updated_at or dpia.created_at)
    for row in (*answers, *measures, *evaluations):
        row["created_at"] = row["updated_at"] = stamp
    return {
        "pia": pia,
        "answers": answers,
        "measures": measures,
        "evaluations": evaluations,
        "comments": [],
        EXTENSION: extension,
    }


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _opinion_status(text: str | None) -> int | None:
    return {FAVOURABLE: 1, UNFAVOURABLE: 0}.get((text or "").strip())


def pia_bytes(dpia: Dpia) -> bytes:
    return json.dumps(pia_document(dpia), ensure_ascii=False, indent=2).encode()


def export_pia(session: Session, dpia: Dpia, *, actor) -> bytes:
    """The file, its export audited (flushes, never commits)."""
    data = pia_bytes(dpia)
    audit.record(
        session,
        action="export",
        actor=actor,
        target=dpia,
        summary=f"DPIA {dpia.reference} exported as a CNIL PIA file",
    )
    return data


def filename(dpia: Dpia) -> str:
    return f"aipd-{dpia.reference.lower()}.pia.json"


# --- reading a file ------------------------------------------------------------------------------


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PiaFileError(_("« %(key)s » doit être une liste d'objets.", key=key))
    return value


def _text(value, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return html_to_text(value)
    raise PiaFileError(_("Texte attendu pour %(where)s.", where=where))


def parse(raw: bytes | str | dict) -> dict:
    """The file as a dict, checked for the software's shape; PiaFileError otherwise."""
    if isinstance(raw, bytes | str):
        if len(raw) > MAX_FILE_SIZE:
            raise PiaFileError(_("Le fichier dépasse la taille autorisée (5 Mo)."))
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise PiaFileError(_("Ce fichier n'est pas du JSON lisible.")) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("pia"), dict):
        raise PiaFileError(
            _("Ce fichier n'est pas un export du logiciel PIA de la CNIL (objet « pia » absent).")
        )
    name = raw["pia"].get("name")
    if not isinstance(name, str) or not name.strip():
        raise PiaFileError(_("Le PIA du fichier n'a pas de nom."))
    for key in ("answers", "measures", "evaluations", "comments"):
        _list(raw, key)
    for answer in _list(raw, "answers"):
        reference = answer.get("reference_to")
        if not isinstance(reference, int) and not (
            isinstance(reference, str) and reference.isdigit()
        ):
            raise PiaFileError(_("Une réponse n'indique pas sa question (reference_to)."))
        if not isinstance(answer.get("data", {}), dict | None):
            raise PiaFileError(_("La réponse à la question %(id)s est illisible.", id=reference))
    for evaluation in _list(raw, "evaluations"):
        if not isinstance(evaluation.get("reference_to"), str):
            raise PiaFileError(_("Une évaluation n'indique pas ce qu'elle évalue (reference_to)."))
    return raw


def _answers(raw: dict) -> tuple[dict[int, dict], int]:
    found, ignored = {}, 0
    for answer in _list(raw, "answers"):
        reference = int(answer["reference_to"])
        data = answer.get("data") or {}
        if reference not in QUESTIONS:
            ignored += 1
            continue
        items = data.get("list") or []
        if not isinstance(items, list) or not all(isinstance(i, str | int) for i in items):
            raise PiaFileError(_("La liste de la question %(id)s est illisible.", id=reference))
        gauge = data.get("gauge")
        if gauge is not None and not (isinstance(gauge, int) and 0 <= gauge <= 4):
            raise PiaFileError(_("La jauge de la question %(id)s est hors échelle.", id=reference))
        found[reference] = {
            "text": _text(data.get("text"), str(reference)),
            "gauge": gauge,
            "list": [str(i) for i in items],
        }
    return found, ignored


def _evaluations(raw: dict) -> dict[str, dict]:
    found = {}
    for evaluation in _list(raw, "evaluations"):
        reference = evaluation["reference_to"]
        gauges = evaluation.get("gauges") or {}
        if not isinstance(gauges, dict):
            raise PiaFileError(
                _("Les jauges de l'évaluation %(id)s sont illisibles.", id=reference)
            )
        found[reference] = {
            "status": evaluation.get("status"),
            "comment": _text(evaluation.get("evaluation_comment"), reference),
            "plan": _text(evaluation.get("action_plan_comment"), reference),
            "x": gauges.get("x"),
            "y": gauges.get("y"),
            "due": _day(evaluation.get("estimated_implementation_date")),
            "owner": evaluation.get("person_in_charge"),
        }
    return found


def _checked(schema, values: dict, where: str):
    try:
        return validate(schema, values)
    except FieldErrors as error:
        details = "; ".join(f"{field} : {message}" for field, message in error.errors.items())
        raise PiaFileError(_("%(where)s : %(details)s", where=where, details=details)) from None


def read(raw: dict, *, session: Session | None = None) -> dict:
    """What the file makes of a DPIA: checked values of the DPIA, its principles, risks and
    measures, and what was left aside. PiaFileError when a value does not fit."""
    answers, ignored = _answers(raw)
    evaluations = _evaluations(raw)
    text = {reference: answer["text"] for reference, answer in answers.items()}
    pia = raw["pia"]
    extension = raw.get(EXTENSION) if isinstance(raw.get(EXTENSION), dict) else {}

    values: dict = {"title": pia["name"].strip()}
    for reference, (field, extra) in CONTEXT.items():
        primary, blocks = split_blocks(text.get(reference), {label for _n, label in extra})
        values[field] = primary
        for name, label in extra:
            values[name] = blocks.get(label)
    values["data_lifecycle"] = join_blocks(text.get(DATA), [(LIFECYCLE_LABEL, text.get(LIFECYCLE))])

    status = {1: FAVOURABLE, 0: UNFAVOURABLE}
    values["dpo_opinion"] = join_blocks(
        _text(pia.get("dpo_opinion"), "dpo_opinion"),
        [
            (DPO_NAMES, _text(pia.get("dpos_names"), "dpos_names")),
            (OPINION, status.get(pia.get("dpo_status"))),
        ],
    )
    people = _text(pia.get("people_names"), "people_names")
    if pia.get("concerned_people_searched_opinion") is False:
        values["persons_not_sought_reason"] = join_blocks(
            _text(pia.get("concerned_people_searched_content"), "concerned_people"),
            [(PEOPLE, people)],
        )
    else:
        values["persons_opinion"] = join_blocks(
            _text(pia.get("concerned_people_opinion"), "concerned_people_opinion"),
            [(PEOPLE, people), (OPINION, status.get(pia.get("concerned_people_status")))],
        )
    for name in ("controller_decision", "cnil_answer"):
        if extension.get(name):
            values[name] = extension[name]
    for name in (
        "decision_on",
        "dpo_opinion_on",
        "consultation_requested_on",
        "cnil_answer_on",
        "next_review_on",
    ):
        if extension.get(name):
            values[name] = _day(extension[name])
    checked = _checked(DpiaUpdate, values, _("AIPD"))
    errors = gates.date_errors(checked.model_dump())
    if errors:
        raise PiaFileError("; ".join(errors.values()))

    principles = {}
    for reference, principle in PRINCIPLES.items():
        evaluation = evaluations.get(f"2.{reference // 10 % 10}.{reference}") or {}
        justification = join_blocks(
            text.get(reference),
            [(EVALUATION, evaluation.get("comment")), (ACTION_PLAN, evaluation.get("plan"))],
        )
        judgement = {
            ACCEPTABLE: Judgement.ACCEPTABLE,
            IMPROVABLE: Judgement.IMPROVABLE,
            TO_CORRECT: Judgement.IMPROVABLE,
        }.get(evaluation.get("status"))
        if justification or judgement:
            answer = _checked(
                PrincipleAnswer,
                {"justification": justification, "judgement": judgement},
                str(principle.label),
            )
            principles[principle.value] = {
                "justification": answer.justification,
                "judgement": answer.judgement.value if answer.judgement else None,
            }

    risks = {}
    for kind, item in RISKS.items():
        base = 300 + 10 * item

        def get(offset, key, base=base):
            return (answers.get(base + offset) or {}).get(key)

        evaluation = evaluations.get(f"3.{item}") or {}
        risk_values = {
            "impacts": list_to_text(get(1, "list") or []),
            "threats": list_to_text(get(2, "list") or []),
            "sources": list_to_text(get(3, "list") or []),
            "severity": _level(get(5, "gauge")),
            "likelihood": _level(get(6, "gauge")),
            "justification": join_blocks(
                get(5, "text"),
                [(LIKELIHOOD, get(6, "text")), (RISK_MEASURES, list_to_text(get(4, "list") or []))],
            ),
            "residual_severity": _level(evaluation.get("x")),
            "residual_likelihood": _level(evaluation.get("y")),
            "residual_justification": join_blocks(
                evaluation.get("comment"), [(ACTION_PLAN, evaluation.get("plan"))]
            ),
        }
        risks[kind] = _checked(RiskUpdate, risk_values, str(kind.label)).model_dump(
            exclude_unset=True
        )

    hygiene = extension.get("hygiene_measures") or {}
    measures = []
    for measure in _list(raw, "measures"):
        evaluation = evaluations.get(f"3.1.{measure.get('id')}") or {}
        planned = (
            evaluation.get("status") in (IMPROVABLE, TO_CORRECT)
            or bool(evaluation.get("plan"))
            or evaluation.get("due") is not None
        )
        title = measure.get("title")
        measure_values = {
            "title": title.strip() if isinstance(title, str) else title,
            "description": join_blocks(
                _text(measure.get("content"), "measure"),
                [(EVALUATION, evaluation.get("comment")), (ACTION_PLAN, evaluation.get("plan"))],
            ),
            "state": MeasureState.PLANNED if planned else MeasureState.EXISTING,
            "owner": evaluation.get("owner") if planned else None,
            "due_on": evaluation.get("due") if planned else None,
            "hygiene_measure": hygiene.get(str(measure.get("id"))),
        }
        checked_measure = _checked(MeasureCreate, measure_values, _("Mesure"))
        if session is not None and checked_measure.hygiene_measure:
            try:
                measure_services._check_hygiene(session, checked_measure.hygiene_measure)
            except FieldErrors:
                checked_measure.hygiene_measure = None
        measures.append(checked_measure)
    return {
        "values": checked.model_dump(exclude_unset=True),
        "principles": principles,
        "risks": risks,
        "measures": measures,
        "ignored_answers": ignored,
        "comments": len(_list(raw, "comments")),
    }


def import_pia(session: Session, raw, activity, *, actor) -> tuple[Dpia, dict]:
    """A new draft DPIA of `activity` from a PIA file (bytes, text or its parsed dict): nothing
    is written when the file cannot be read (PiaFileError) or the activity refuses a DPIA.
    Its author validates it here, as any DPIA. Flushes, never commits."""
    services.require(session, actor, Action.CREATE, activity.organisation_id)
    services.require(session, actor, Action.VALIDATE, activity.organisation_id)
    content = read(parse(raw), session=session)
    if activity.is_archived:
        raise services.WorkflowError(_("une fiche archivée ne reçoit pas de nouvelle AIPD"))
    if services.open_dpia(session, activity) is not None:
        raise services.WorkflowError(_("ce traitement a déjà une AIPD : révisez-la"))
    dpia = Dpia(
        organisation_id=activity.organisation_id,
        processing_id=activity.id,
        reference=services.next_reference(session, activity.organisation_id),
        principles=content["principles"],
        **content["values"],
    )
    dpia.processing = activity
    dpia.risks = [DpiaRisk(kind=kind, **content["risks"].get(kind, {})) for kind in RiskKind]
    dpia.measures = [DpiaMeasure(**measure.model_dump()) for measure in content["measures"]]
    session.add(dpia)
    session.flush()
    audit.record(
        session,
        action="create",
        actor=actor,
        target=dpia,
        summary=f"DPIA {dpia.reference} {dpia.title} imported from a CNIL PIA file",
    )
    services._sync_activity(session, activity, dpia)
    return dpia, content
