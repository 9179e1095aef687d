"""Form pieces every register shares: the base form (every text field checked for refused
characters), the version field and the conflict report."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlmodel import select
from wtforms import (
    DateField,
    DateTimeField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, StopValidation
from wtforms.widgets import Select

from compliance.audit import AuditEntry
from compliance.db import ConflictError, get_session
from compliance.schemas import validate
from compliance.services import FieldErrors
from compliance.text import text_value
from compliance.types import MESSAGES


class QuickSelect(Select):
    """WTForms' select, each plain option written in one f-string: WTForms builds an option's
    attributes through `html_params` (~45 µs an option), and a national user's choice of an
    organisation lists a thousand (45 ms a page). The same HTML; an option with extra
    attributes is left to WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class QuickSelectField(SelectField):
    """A select of many options (organisations): `QuickSelect`'s rendering."""

    widget = QuickSelect()


class QuickSelectMultipleField(SelectMultipleField):
    widget = QuickSelect(multiple=True)


def email_address(message=None) -> Regexp:
    """A syntax check only: an internal directory may use reserved or local domains (the demo
    uses .invalid), which a deliverability-minded validator refuses."""
    return Regexp(
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        message=message or _l("Saisissez une adresse e-mail valide (nom@domaine.fr)."),
    )


class _TextHygiene:
    """First validator of every text field: no control character (tab and line breaks aside),
    no Unicode non-character; a one-line field folds tabs and line breaks into a space."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        if not isinstance(field.data, str):
            return
        try:
            field.data = text_value(field.data, multiline=self.multiline)
        except ValueError as error:
            raise StopValidation(str(error)) from None


# What a date field says of a value it cannot read: the format it expects, as people write it
# (the browser's date input shows it so; a typed French date is accepted too).
INVALID_DAY = _l("Date invalide : format attendu JJ/MM/AAAA")
INVALID_INSTANT = _l("Date et heure invalides : format attendu JJ/MM/AAAA HH:MM")
FRENCH_DAY = "%d/%m/%Y"
FRENCH_INSTANT = "%d/%m/%Y %H:%M"


def _date_field(field) -> None:
    if isinstance(field, DateField):
        field.invalid_value_message = field.invalid_value_message or INVALID_DAY
        extra = FRENCH_DAY
    else:
        field.invalid_value_message = field.invalid_value_message or INVALID_INSTANT
        extra = FRENCH_INSTANT
    if extra not in field.strptime_format:
        field.strptime_format = [*field.strptime_format, extra]


class TextHygieneMeta:
    """Form meta that gives every StringField and TextAreaField (and their subclasses) the
    text check, and every date field a message naming its format, so that no form can forget
    them."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
            _date_field(field)
        if isinstance(field, StringField):
            field.validators = [
                # A password is never folded: it must stay what the user typed.
                _TextHygiene(multiline=isinstance(field, TextAreaField | PasswordField)),
                *field.validators,
            ]
        return field


# A page's required and length checks speak as the schemas do ("est obligatoire", "200
# caractères au plus"), so a form and the API refuse a value with the same message.
TOO_LONG = _l("%(max)d caractères au plus")


def required(*, typed: bool = False):
    """The field must be given (typed=True: checks what was typed, for dates and numbers)."""
    check = InputRequired if typed else DataRequired
    return check(message=MESSAGES["required"])


def max_length(maximum: int) -> Length:
    return Length(max=maximum, message=TOO_LONG)


# Coercers of select fields whose first choice is blank ("" or "None" for None).


def optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def optional_enum(enum_cls):
    def coerce(value):
        if value in (None, "", "None"):
            return None
        return enum_cls(value.value if isinstance(value, enum_cls) else value)

    return coerce


def optional_bool(value):
    if value in (None, "", "None"):
        return None
    if isinstance(value, bool):
        return value
    return value == "yes"


class Form(FlaskForm):
    """The base of every page form: CSRF (FlaskForm) and the text check. A form renders and
    protects; its values are checked by the entity's schema, as the API's are (`checked`)."""

    class Meta(TextHygieneMeta):
        pass

    def record_data(self) -> dict:
        """The submitted values, without the form's own fields (version, CSRF, buttons)."""
        return {k: v for k, v in self.data.items() if k not in {"version", "csrf_token", "submit"}}

    def checked(self, schema, **overrides):
        """The form's values checked by `schema` (an entity's Create/Update schema): FieldErrors
        otherwise, which `submit` shows on the fields, as the API answers them in its 422."""
        return validate(schema, {**self.record_data(), **overrides})


class SubForm(PlainForm):
    """The base of a form nested in another (a FormField row): the text check, no CSRF."""

    class Meta(TextHygieneMeta):
        pass


class VersionedForm(Form):
    """A form that edits a record carries the version it was loaded at."""

    version = HiddenField()

    def submitted_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


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


def attach_errors(form, error: FieldErrors, aliases: dict | None = None) -> None:
    """Put a service's field errors back on the form's fields (renamed through `aliases`);
    errors of fields the form does not show go to the form's summary."""
    for name, message in error.errors.items():
        target = form._fields.get((aliases or {}).get(name, name))
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def submit(
    form,
    write: Callable[[], object],
    reload: Callable[[], object] | None = None,
    *,
    aliases: dict | None = None,
):
    """Validate `form`, run `write` and commit. Returns (done, conflict report, status): 400
    with the form's messages on bad input, 409 with what changed on a stale version."""
    if not form.validate_on_submit():
        return False, None, 400 if request.method == "POST" else 200
    db = get_session()
    try:
        write()
        db.commit()
    except ConflictError:
        db.rollback()
        if reload is None:
            raise
        record = reload()
        form.version.data = record.version
        return False, conflict_report(db, form, record), 409
    except FieldErrors as error:
        db.rollback()
        attach_errors(form, error, aliases)
        return False, None, 400
    return True, None, 200
