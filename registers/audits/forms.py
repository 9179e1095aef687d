"""Forms of the audits register's pages (no queries: the views fill the choices). The values are
checked by the schemas (schemas.py), as the API's are."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from compliance.forms import Form, VersionedForm, max_length, optional_enum, optional_int, required
from registers.audits.schemas import DecidedKind, FindingKind


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, description=None, needed=False):
    validators = [required()] if needed else [Optional()]
    return TextAreaField(label, validators=validators, filters=[_strip], description=description)


def _line(label, description=None, needed=False, length=200):
    validators = [required()] if needed else [Optional()]
    return StringField(
        label,
        validators=[*validators, max_length(length)],
        filters=[_strip],
        description=description,
    )


def _day(label, description=None, needed=False):
    validators = [required(typed=True)] if needed else [Optional()]
    return DateField(label, validators=validators, description=description)


class ProgrammeForm(VersionedForm):
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validators=[required()])
    year = IntegerField(_l("Année"), validators=[required(typed=True)])
    objectives = _text(_l("Objectifs du programme"), needed=True)
    scope = _text(_l("Périmètre"), _l("Les organisations, sites et processus couverts."))


class AuditForm(VersionedForm):
    programme_id = SelectField(_l("Programme"), coerce=optional_int, validators=[required()])
    title = _line(_l("Intitulé"), needed=True)
    organisation_ids = SelectMultipleField(
        _l("Organisations auditées"),
        coerce=int,
        validators=[Optional()],
        description=_l("Aucune : le syndicat lui-même."),
    )
    scope = _text(_l("Périmètre"), needed=True)
    criteria = _text(
        _l("Critères d'audit"),
        _l("Par exemple : ISO/IEC 27001:2022 chapitres 5 à 10 ; guide d'hygiène de l'ANSSI."),
        needed=True,
    )
    auditor = _line(_l("Auditeur"), needed=True)
    independence = _text(
        _l("Indépendance de l'auditeur"),
        _l("Pourquoi l'auditeur n'audite pas son propre travail (ISO/IEC 27001, 9.2.2)."),
    )
    planned_start = _day(_l("Début prévu"), needed=True)
    planned_end = _day(_l("Fin prévue"), needed=True)
    actual_start = _day(_l("Début réel"))
    actual_end = _day(_l("Fin réelle"))
    conclusion = _text(_l("Conclusion"))

    def record_data(self) -> dict:
        data = super().record_data()
        data["organisation_ids"] = data.get("organisation_ids") or []
        return data


class FindingForm(VersionedForm):
    kind = SelectField(
        _l("Nature du constat"),
        coerce=optional_enum(FindingKind),
        choices=lambda: [("", ""), *FindingKind.choices()],
        validators=[required()],
    )
    clause = _line(_l("Exigence"), _l("Chapitre ou mesure : 9.2, A.5.18, mesure 8 du guide…"))
    description = _text(_l("Constat"), needed=True)
    evidence = _text(_l("Preuves"))
    action = _text(
        _l("Action corrective"),
        _l("Pour une non-conformité : l'action corrective ouverte dans le journal."),
    )
    owner = _line(_l("Responsable de l'action"))
    due_on = _day(_l("Échéance de l'action"))


class FindingEditForm(VersionedForm):
    kind = FindingForm.kind
    clause = FindingForm.clause
    description = FindingForm.description
    evidence = FindingForm.evidence


class ActionPlanForm(VersionedForm):
    action = _text(_l("Action corrective"), needed=True)
    owner = _line(_l("Responsable de l'action"), needed=True)
    due_on = _day(_l("Échéance de l'action"), needed=True)


class ReviewForm(VersionedForm):
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validators=[required()])
    period_start = _day(_l("Début de la période revue"), needed=True)
    period_end = _day(_l("Fin de la période revue"), needed=True)
    held_on = _day(_l("Date de la revue"))
    chair = _line(_l("Présidée par"))
    participants = _text(_l("Participants"))
    issue_changes = _text(
        _l("Évolution des enjeux externes et internes"), _l("ISO/IEC 27001, 9.3.2 b).")
    )
    party_needs = _text(
        _l("Évolution des besoins et attentes des parties intéressées"),
        _l("ISO/IEC 27001, 9.3.2 c)."),
    )
    party_feedback = _text(
        _l("Retours des parties intéressées"),
        _l("ISO/IEC 27001, 9.3.2 e) : membres, usagers, autorités, prestataires."),
    )
    improvements = _text(_l("Opportunités d'amélioration continue"), _l("ISO/IEC 27001, 9.3.2 g)."))
    decisions = _text(_l("Décisions"), _l("Opportunités d'amélioration et besoins de changement."))


class DecidedActionForm(VersionedForm):
    kind = SelectField(
        _l("Devient"),
        coerce=optional_enum(DecidedKind),
        choices=lambda: DecidedKind.choices(),
        validators=[required()],
    )
    title = _line(_l("Action décidée"), needed=True)
    description = _text(_l("Description"), needed=True)
    owner = _line(_l("Responsable"), needed=True)
    due_on = _day(_l("Échéance"), needed=True)


class ExportForm(Form):
    """A document's download button (CSRF only)."""
