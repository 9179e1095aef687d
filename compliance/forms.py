"""Form pieces every register shares: the version field and the conflict report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import HiddenField
from wtforms.validators import Regexp

from compliance.audit import AuditEntry


def email_address(message=None) -> Regexp:
    """A syntax check only: an internal directory may use reserved or local domains (the demo
    uses .invalid), which a deliverability-minded validator refuses."""
    return Regexp(
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        message=message or _l("Saisissez une adresse e-mail valide (nom@domaine.fr)."),
    )


class VersionedForm(FlaskForm):
    """A form that edits a record carries the version it was loaded at."""

    version = HiddenField()

    def submitted_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def record_data(self) -> dict:
        return {k: v for k, v in self.data.items() if k not in {"version", "csrf_token", "submit"}}


def _display(value, field=None) -> str:
    if value is None or value == "":
        return "—"
    # A select shows its choice label, so a stored enum and its submitted value compare equal.
    raw = str(getattr(value, "value", value))
    for choice in getattr(field, "choices", None) or ():
        if isinstance(choice, tuple | list) and len(choice) >= 2 and str(choice[0]) == raw:
            return str(choice[1])
    return getattr(value, "label", None) or str(value)


def conflict_report(session, form: VersionedForm, record) -> dict:
    """What changed meanwhile: the fields where the stored value now differs from the submitted
    one, and the last recorded change to the record."""
    differences = []
    for name, submitted in form.record_data().items():
        if not hasattr(record, name):
            continue
        current, field = getattr(record, name), form[name]
        if _display(current, field) != _display(submitted, field):
            differences.append(
                {
                    "label": field.label.text,
                    "current": _display(current, field),
                    "submitted": _display(submitted, field),
                }
            )
    last = session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == type(record).__name__, AuditEntry.object_id == str(record.id)
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return {"differences": differences, "last_change": last}
