"""The Word documents of the rights requests register: the request log of one controller (for a
year, or every year), and the five letters to the person (registers/rights/letters.py). Each
is rendered from its editable template, recorded and audited; the template check runs these
context builders over the demo.

The log is kept to references: it names no one (minimisation, Art. 5(1)(c)). The request's
page, behind the register's permissions, leads from a reference to the person."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.calendar import today_in_paris
from compliance.documents import DocumentType, ExportRecord, export_document
from compliance.tenancy import Organisation, slugify
from registers.rights import letters
from registers.rights.models import RightsRequest
from registers.rights.queries import REGISTER
from registers.rights.schemas import Outcome, RightKind

LOG = "rights-request-log"
LOG_TITLE = "Journal des demandes d'exercice des droits"
R = RightsRequest

# The log's columns of outcomes, by outcome (open: no outcome yet).
OUTCOME_KEYS = {
    Outcome.ANSWERED: "answered",
    Outcome.PARTIALLY_ANSWERED: "partially",
    Outcome.REFUSED: "refused",
    Outcome.WITHDRAWN: "withdrawn",
}


# --- the request log of one organisation --------------------------------------------------------


def log_requests(
    session: Session, organisation: Organisation, year: int | None = None
) -> list[RightsRequest]:
    """The requests one organisation received (in `year`, or ever), in the order received (the
    caller checked the right to export that organisation's register)."""
    statement = (
        sa.select(R)
        .options(selectinload(R.organisation))
        .where(R.organisation_id == organisation.id)
        .order_by(R.received_on, R.reference_year, R.reference_number, R.id)
    )
    if year is not None:
        statement = statement.where(
            R.received_on >= date(year, 1, 1), R.received_on <= date(year, 12, 31)
        )
    return list(session.scalars(statement))


def _outcome_on(request: RightsRequest) -> date | None:
    return request.answered_on or request.withdrawn_on


def timeliness(request: RightsRequest, today: date) -> tuple[str, str]:
    """(key, text): whether the request was, or is being, answered within its applicable due
    date (a refusal, and the refused part of a partial answer, within the first month: Art.
    12(4)). key is on_time, late, open, suspended or none (withdrawn)."""
    due = request.applicable_due_on
    if request.outcome == Outcome.WITHDRAWN:
        return "none", "Sans objet (retirée)"
    if request.outcome == Outcome.REFUSED:
        # The reasons for not acting are due within one month, even when extended (Art. 12(4)).
        due = request.due_on
    if request.answered_on is not None:
        if request.answered_on <= due and request.refusal_late:
            days = (request.answered_on - request.due_on).days
            return "late", f"Refus partiel hors délai ({days} j, art. 12.4)"
        if request.answered_on <= due:
            return "on_time", "Dans le délai"
        days = (request.answered_on - due).days
        return "late", f"Hors délai ({days} j)"
    if request.clock_suspended:
        return "suspended", "Délai suspendu (identité)"
    if request.is_late(today):
        return "late", f"En retard ({(today - due).days} j)"
    return "open", "En cours, dans le délai"


def _row(request: RightsRequest, today: date) -> dict:
    key, text = timeliness(request, today)
    return {
        "reference": request.reference,
        "received_on": request.received_on,
        "right": str(request.right.label),
        "channel": str(request.channel.label),
        "due_on": request.due_on,
        "extended_due_on": request.extended_due_on,
        "status": str(request.status.label),
        "outcome_on": _outcome_on(request),
        "timeliness": text,
        "timeliness_key": key,
    }


def _summary(rows: list[dict], requests: list[RightsRequest]) -> dict:
    """The counts by right and by outcome, and the totals."""
    empty = {
        "received": 0,
        "answered": 0,
        "partially": 0,
        "refused": 0,
        "withdrawn": 0,
        "open": 0,
        "extended": 0,
        "on_time": 0,
        "late": 0,
    }
    by_right = {kind: dict(empty) for kind in RightKind}
    totals = dict(empty)
    for row, request in zip(rows, requests, strict=True):
        for counts in (by_right[request.right], totals):
            counts["received"] += 1
            counts[OUTCOME_KEYS.get(request.outcome, "open")] += 1
            counts["extended"] += request.extended_due_on is not None
            if row["timeliness_key"] in ("on_time", "late"):
                counts[row["timeliness_key"]] += 1
    rights = [
        {"label": str(kind.label), **counts}
        for kind, counts in by_right.items()
        if counts["received"]
    ]
    return {"by_right": rights, "totals": totals}


def log_context(
    session: Session, organisation: Organisation, year: int | None = None, *, today=None
) -> dict:
    today = today or today_in_paris()
    with force_locale("fr"):
        requests = log_requests(session, organisation, year)
        rows = [_row(request, today) for request in requests]
        period = f"année {year}" if year is not None else "toutes les demandes enregistrées"
        return {
            "title": LOG_TITLE,
            "scope": {"label": f"{organisation.name} · {period}"},
            "organisation": {"name": organisation.name},
            "period": period,
            "year": year,
            "today": today,
            "requests": rows,
            **_summary(rows, requests),
        }


def export_log(
    session: Session, organisation: Organisation, year: int | None = None, *, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the request log of one organisation (flushes only)."""
    context = log_context(session, organisation, year)
    suffix = f"-{year}" if year is not None else ""
    return export_document(
        session,
        document=LOG,
        template=LOG,
        context=context,
        title=f"{LOG_TITLE} — {organisation.name}" + (f" — {year}" if year is not None else ""),
        filename=f"journal-demandes-droits-{slugify(organisation.name)}{suffix}.docx",
        actor=actor,
        organisation=organisation,
        parameters={
            "organisation": organisation.slug,
            "year": year,
            "requests": len(context["requests"]),
        },
    )


# --- the letters of one request ------------------------------------------------------------------


class LetterUnavailable(ValueError):
    """The letter does not fit the request's state (e.g. a refusal of a request answered)."""


def export_letter(
    session: Session, request: RightsRequest, name: str, *, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit one letter of a request (flushes only). The person's name is
    in the document only: the record and the audit name the request by its reference."""
    letter = letters.LETTERS[name]
    if not letter.available(request):
        raise LetterUnavailable(str(letter.why_not))
    context = letters.letter_context(name, request)
    return export_document(
        session,
        document=name,
        template=name,
        context=context,
        title=f"{context['title']} — {request.reference}",
        filename=f"{letter.filename}-{request.reference.lower()}.docx",
        actor=actor,
        organisation=request.organisation,
        parameters={"request": request.reference, "letter": name},
    )


# --- the data of an organisation, to check a restyled template with (the demo's, then its own) --


def live_log(session: Session, organisation: Organisation, _user) -> dict | None:
    if not log_requests(session, organisation):
        return None
    return log_context(session, organisation)


def _live_letter(name: str):
    def build(session: Session, organisation: Organisation, _user) -> dict | None:
        """The letter of the organisation's first request it fits, if any."""
        for request in log_requests(session, organisation):
            if letters.LETTERS[name].available(request):
                return letters.letter_context(name, request)
        return None

    return build


DOCUMENT_TYPES = (
    DocumentType(LOG, _l("Journal des demandes d'exercice des droits"), REGISTER.value, live_log),
    DocumentType(
        letters.ACKNOWLEDGEMENT,
        _l("Demande de droits : accusé de réception"),
        REGISTER.value,
        _live_letter(letters.ACKNOWLEDGEMENT),
    ),
    DocumentType(
        letters.IDENTITY,
        _l("Demande de droits : demande de justificatif d'identité"),
        REGISTER.value,
        _live_letter(letters.IDENTITY),
    ),
    DocumentType(
        letters.EXTENSION,
        _l("Demande de droits : notification de prolongation"),
        REGISTER.value,
        _live_letter(letters.EXTENSION),
    ),
    DocumentType(
        letters.ANSWER,
        _l("Demande de droits : réponse"),
        REGISTER.value,
        _live_letter(letters.ANSWER),
    ),
    DocumentType(
        letters.REFUSAL,
        _l("Demande de droits : refus"),
        REGISTER.value,
        _live_letter(letters.REFUSAL),
    ),
)
