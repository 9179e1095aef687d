"""Forms of the incident and corrective-action pages (no queries: the views fill the choices).

Instants are typed in Paris time (datetime-local inputs) and handed to the services as aware
datetimes; the services check them (not in the future, detection after occurrence...)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from compliance.forms import (
    Form,
    QuickSelectField,
    QuickSelectMultipleField,
    VersionedForm,
    max_length,
    optional_bool,
    optional_enum,
    optional_int,
    required,
)
from compliance.i18n import PARIS
from registers.incidents.models import (
    ActionSource,
    Classification,
    DetectionSource,
    EntryKind,
    Grade,
    ImpactLevel,
    IncidentCategory,
    ReportKind,
    RootCauseMethod,
    Severity,
)

FORMAT = "%Y-%m-%dT%H:%M"


class ParisDateTimeField(DateTimeLocalField):
    """A date and time typed in Paris time; its data is an aware instant (or None)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], format=FORMAT, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, datetime) and self.data.tzinfo is None:
            self.data = self.data.replace(tzinfo=PARIS).astimezone(UTC)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            value = self.data if self.data.tzinfo else self.data.replace(tzinfo=UTC)
            return value.astimezone(PARIS).strftime(FORMAT)
        return ""


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _choices(enum_cls, blank=None):
    head = [("", blank)] if blank is not None else []
    return head + enum_cls.choices()


def _ids(field) -> list[int]:
    return [int(value) for value in field.data or []]


IMPACTS = ("impact_confidentiality", "impact_integrity", "impact_availability")


class IncidentForm(VersionedForm):
    title = StringField(_l("Intitulé"), validators=[required(), max_length(200)], filters=[_strip])
    organisation_id = QuickSelectField(
        _l("Organisation déclarante"),
        coerce=optional_int,
        validators=[required()],
        description=_l("Celle qui signale l'incident et à qui la fiche appartient."),
    )
    category = SelectField(
        _l("Catégorie"),
        coerce=optional_enum(IncidentCategory),
        validators=[required()],
    )
    severity = SelectField(
        _l("Gravité"),
        coerce=optional_enum(Severity),
        validators=[required()],
        description=_l("Estimation initiale, confirmée lors de l'évaluation."),
    )
    detection_source = SelectField(
        _l("Source de détection"),
        coerce=optional_enum(DetectionSource),
        validators=[required()],
    )
    reported_by = StringField(
        _l("Signalé par"),
        validators=[Optional(), max_length(200)],
        filters=[_strip],
        description=_l("Personne ou service à l'origine du signalement (chiffré)."),
    )
    occurred_at = ParisDateTimeField(_l("Survenu le"))
    detected_at = ParisDateTimeField(_l("Détecté le"), validators=[required(typed=True)])
    reported_at = ParisDateTimeField(_l("Signalé le"), description=_l("Vide : maintenant."))
    contained_at = ParisDateTimeField(_l("Confiné le"))
    resolved_at = ParisDateTimeField(_l("Résolu le"))
    description = TextAreaField(
        _l("Description"),
        validators=[required()],
        description=_l(
            "Ce qui s'est passé, comment on l'a su, ce qui est touché. Chiffrée dans la base : "
            "vous pouvez nommer des personnes."
        ),
    )
    application_ids = SelectMultipleField(
        _l("Applications touchées"),
        coerce=int,
        validators=[Optional()],
        description=_l("Les organisations qui les utilisent sont touchées par ricochet."),
    )
    organisation_ids = QuickSelectMultipleField(
        _l("Autres organisations touchées"),
        coerce=int,
        validators=[Optional()],
        description=_l("Touchées directement, sans passer par une application de la carte."),
    )
    impact_confidentiality = SelectField(
        _l("Confidentialité"), coerce=optional_enum(ImpactLevel), validators=[Optional()]
    )
    impact_integrity = SelectField(
        _l("Intégrité"), coerce=optional_enum(ImpactLevel), validators=[Optional()]
    )
    impact_availability = SelectField(
        _l("Disponibilité"), coerce=optional_enum(ImpactLevel), validators=[Optional()]
    )
    personal_data = SelectField(
        _l("Données personnelles concernées"),
        choices=lambda: [("", _l("À déterminer")), ("yes", _l("Oui")), ("no", _l("Non"))],
        coerce=optional_bool,
        validators=[Optional()],
    )
    impact_notes = TextAreaField(
        _l("Conséquences"),
        validators=[Optional()],
        description=_l("Services arrêtés, usagers touchés, pertes de données (chiffré)."),
    )
    lessons_learnt = TextAreaField(_l("Retour d'expérience"), validators=[Optional()])

    def __init__(self, *args, organisations=(), applications=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "organisation_id" in self._fields:
            self.organisation_id.choices = [(o.id, o.name) for o in organisations]
        self.category.choices = _choices(IncidentCategory, _l("— Choisir —"))
        self.severity.choices = _choices(Severity, _l("— Choisir —"))
        self.detection_source.choices = _choices(DetectionSource, _l("— Choisir —"))
        for name in IMPACTS:
            self[name].choices = _choices(ImpactLevel, _l("Non évalué"))
        self.application_ids.choices = [(a.id, a.name) for a in applications]
        self.organisation_ids.choices = [(o.id, o.name) for o in others]
        obj = kwargs.get("obj")
        if obj is not None and not self.is_submitted():
            self.application_ids.data = [a.id for a in obj.applications]
            self.organisation_ids.data = [o.id for o in obj.affected_organisations]

    def record_data(self) -> dict:
        data = super().record_data()
        data["application_ids"] = _ids(self.application_ids)
        data["organisation_ids"] = _ids(self.organisation_ids)
        return data


class IncidentEditForm(IncidentForm):
    """Editing: the organisation that reported it stays; the phase moves on its own form."""

    organisation_id = None


class TransitionForm(VersionedForm):
    """One step of the lifecycle; the fields shown depend on the step (see the template)."""

    at = ParisDateTimeField(_l("Date et heure"), description=_l("Vide : maintenant."))
    classification = RadioField(
        _l("Décision"),
        choices=Classification.choices,
        coerce=optional_enum(Classification),
        validators=[Optional()],
    )
    severity = SelectField(_l("Gravité"), coerce=optional_enum(Severity), validators=[Optional()])
    lessons_learnt = TextAreaField(
        _l("Retour d'expérience"),
        validators=[Optional()],
        description=_l(
            "Ce qui a fonctionné, ce qui a manqué, ce qui change. Obligatoire pour clore un "
            "incident de gravité 1 ou 2."
        ),
    )
    comment = TextAreaField(_l("Commentaire"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.severity.choices = _choices(Severity, _l("Inchangée"))


class EntryForm(Form):
    at = ParisDateTimeField(_l("Date et heure"), description=_l("Vide : maintenant."))
    kind = SelectField(
        _l("Nature"),
        choices=lambda: [(kind.value, kind.label) for kind in EntryKind.manual()],
        coerce=optional_enum(EntryKind),
        validators=[required()],
    )
    text = TextAreaField(
        _l("Entrée"),
        validators=[required(), max_length(10_000)],
        description=_l("Chiffrée dans la base."),
    )


class ReportForm(Form):
    kind = SelectField(
        _l("Signalement"),
        choices=ReportKind.choices,
        coerce=optional_enum(ReportKind),
        validators=[required()],
    )
    made_on = DateField(_l("Fait le"), validators=[required(typed=True)])
    reference = StringField(
        _l("Référence"), validators=[Optional(), max_length(200)], filters=[_strip]
    )
    notes = StringField(
        _l("Précisions"), validators=[Optional(), max_length(500)], filters=[_strip]
    )


class ArchiveForm(VersionedForm):
    """Archive, restore or remove: nothing but the version the user saw."""


class ExportForm(Form):
    """A download that is recorded: a POST, so it carries the CSRF token."""


class LogExportForm(Form):
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("La fin de la période précède son début."))


# --- corrective actions --------------------------------------------------------------------


class ActionForm(VersionedForm):
    title = StringField(_l("Intitulé"), validators=[required(), max_length(200)], filters=[_strip])
    organisation_id = QuickSelectField(
        _l("Organisation"),
        coerce=optional_int,
        validators=[Optional()],
        description=_l("Vide : celle de l'incident."),
    )
    source = SelectField(_l("Origine"), coerce=optional_enum(ActionSource), validators=[required()])
    incident_id = SelectField(_l("Incident"), coerce=optional_int, validators=[Optional()])
    source_reference = StringField(
        _l("Référence de l'origine"),
        validators=[Optional(), max_length(200)],
        filters=[_strip],
        description=_l("Rapport d'audit, compte rendu de revue, réclamation…"),
    )
    opened_on = DateField(
        _l("Ouverte le"), validators=[Optional()], description=_l("Vide : aujourd'hui.")
    )
    nonconformity = TextAreaField(
        _l("Non-conformité constatée"),
        validators=[required()],
        description=_l("Ce qui ne va pas, constaté comment."),
    )
    location = StringField(_l("Où"), validators=[Optional(), max_length(200)], filters=[_strip])
    requirement = StringField(
        _l("Exigence non satisfaite"),
        validators=[Optional(), max_length(300)],
        filters=[_strip],
        description=_l("Par exemple : ISO 27001 A.8.13 Sauvegarde, mesure 37 du guide d'hygiène."),
    )
    grade = SelectField(_l("Classement"), coerce=optional_enum(Grade), validators=[required()])
    immediate_correction = TextAreaField(_l("Correction immédiate"), validators=[Optional()])
    root_cause_method = SelectField(
        _l("Méthode d'analyse des causes"),
        coerce=optional_enum(RootCauseMethod),
        validators=[Optional()],
    )
    root_causes = TextAreaField(_l("Causes identifiées"), validators=[Optional()])
    action = TextAreaField(
        _l("Action corrective"),
        validators=[required()],
        description=_l("Ce qui est fait pour que cela ne se reproduise pas."),
    )
    owner = StringField(
        _l("Responsable"), validators=[required(), max_length(200)], filters=[_strip]
    )
    due_on = DateField(_l("Échéance"), validators=[required(typed=True)])
    management_system_change = TextAreaField(
        _l("Modification du SMSI"),
        validators=[Optional()],
        description=_l("Politique, procédure ou analyse de risques mise à jour, le cas échéant."),
    )

    def __init__(self, *args, organisations=(), incidents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [("", _l("— Celle de l'incident —"))] + [
            (o.id, o.name) for o in organisations
        ]
        self.source.choices = _choices(ActionSource, _l("— Choisir —"))
        self.incident_id.choices = [("", _l("— Aucun —"))] + [
            (i.id, f"{i.reference} · {i.title}") for i in incidents
        ]
        self.grade.choices = _choices(Grade, _l("— Choisir —"))
        self.root_cause_method.choices = _choices(RootCauseMethod, _l("Non précisée"))


class ActionTransitionForm(VersionedForm):
    implemented_on = DateField(
        _l("Réalisée le"), validators=[Optional()], description=_l("Vide : aujourd'hui.")
    )
    check_on = DateField(_l("Contrôle fait le"), validators=[Optional()])
    check_method = TextAreaField(
        _l("Méthode du contrôle"),
        validators=[Optional()],
        description=_l("Test, échantillon, indicateur, audit…"),
    )
    check_result = TextAreaField(_l("Résultat du contrôle"), validators=[Optional()])
    evidence_reference = StringField(
        _l("Référence de la preuve"),
        validators=[Optional(), max_length(300)],
        filters=[_strip],
        description=_l("Compte rendu, ticket, capture archivée : où la retrouver."),
    )
    due_on = DateField(_l("Nouvelle échéance"), validators=[Optional()])

    STEP_FIELDS = ("implemented_on", "check_on", "check_method", "check_result")

    def step_data(self) -> dict:
        return {
            name: self[name].data
            for name in (*self.STEP_FIELDS, "evidence_reference", "due_on")
            if self[name].data not in (None, "")
        }
