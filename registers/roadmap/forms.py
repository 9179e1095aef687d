"""Forms of the roadmap pages (no queries: the views fill the choices)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, StopValidation

from compliance.forms import Form, QuickSelectField, VersionedForm, optional_int, required
from compliance.types import is_blank
from registers.roadmap.schemas import (
    MAX_EUROS,
    ActionStatus,
    AssessmentState,
    Priority,
    RoadmapState,
    Theme,
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Rules:
    """The HTML attributes of a field's rules (required, maxlength, min, max), for the browser
    to show. The value itself is checked by the entity's schema, as the API's is, with the same
    messages: a blank or unreadable value goes to it as it was typed."""

    def __init__(self, **flags):
        self.field_flags = flags

    def __call__(self, form, field) -> None:
        if field.process_errors or (field.raw_data and is_blank(field.raw_data[0])):
            field.data = field.raw_data[0] if field.raw_data else None
            field.errors[:] = []
            raise StopValidation()


def euros(label, description=None):
    return IntegerField(
        label, description=description, default=0, validators=[Rules(min=0, max=MAX_EUROS)]
    )


def _themes():
    return [(theme.value, theme.numbered_label) for theme in Theme]


class ArchiveForm(VersionedForm):
    """Archive, restore, reach a milestone: nothing but the version the user saw."""


class RoadmapForm(VersionedForm):
    organisation_id = QuickSelectField(
        _l("Organisation"), coerce=optional_int, validators=[required()]
    )
    title = StringField(
        _l("Intitulé"), validators=[Rules(required=True, maxlength=200)], filters=[_strip]
    )
    summary = TextAreaField(_l("Résumé"), validators=[Optional()])
    start_on = DateField(_l("Début de la période"), validators=[Rules(required=True)])
    end_on = DateField(_l("Fin de la période"), validators=[Rules(required=True)])
    state = SelectField(_l("État"), choices=RoadmapState.choices)
    programme_name = StringField(
        _l("Programme de financement"),
        description=_l("Par exemple : parcours de cybersécurité de l'ANSSI (France Relance)."),
        validators=[Rules(maxlength=200)],
        filters=[_strip],
    )
    grant_agreement = StringField(
        _l("Convention de subvention"),
        validators=[Rules(maxlength=200)],
        filters=[_strip],
    )
    subsidy_total = IntegerField(_l("Subvention totale (€)"), validators=[Rules(min=0)])
    cofunding_rate = IntegerField(
        _l("Taux de cofinancement (%)"), validators=[Rules(min=0, max=100)]
    )
    subsidy_received = IntegerField(_l("Subvention déjà perçue (€)"), validators=[Rules(min=0)])
    funding_notes = TextAreaField(
        _l("Conditions et calendrier du financement"), validators=[Optional()]
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "organisation_id" in self._fields:
            self.organisation_id.choices = [(str(o.id), o.name) for o in organisations]


class RoadmapEditForm(RoadmapForm):
    """Editing a roadmap: its organisation stays."""

    organisation_id = None


class ActionForm(VersionedForm):
    code = StringField(
        _l("Code"),
        description=_l("Laissez vide pour numéroter automatiquement (A-01, A-02…)."),
        validators=[Rules(maxlength=20)],
        filters=[_strip],
    )
    title = StringField(
        _l("Intitulé"), validators=[Rules(required=True, maxlength=200)], filters=[_strip]
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    theme = SelectField(_l("Thème"), choices=_themes, validators=[required()])
    priority = SelectField(_l("Priorité"), choices=Priority.choices, default=Priority.P2.value)
    owner = StringField(_l("Pilote"), validators=[Rules(maxlength=200)], filters=[_strip])
    start_on = DateField(
        _l("Début"),
        description=_l("Le premier jour du trimestre suffit."),
        validators=[Rules(required=True)],
    )
    target_on = DateField(
        _l("Échéance"),
        description=_l("Le dernier jour du trimestre visé suffit."),
        validators=[Rules(required=True)],
    )
    status = SelectField(_l("Statut"), choices=ActionStatus.choices)
    progress = IntegerField(_l("Avancement (%)"), default=0, validators=[Rules(min=0, max=100)])
    completed_on = DateField(_l("Réalisée le"), validators=[Rules()])
    investment_estimated = euros(_l("Investissement prévu (€)"))
    investment_spent = euros(_l("Investissement dépensé (€)"))
    operating_estimated = euros(_l("Fonctionnement prévu (€)"))
    operating_spent = euros(_l("Fonctionnement dépensé (€)"))
    subsidy_amount = euros(
        _l("Part subventionnée (€)"),
        _l("La part de la subvention du programme affectée à cette action."),
    )
    delay_reason = TextAreaField(
        _l("Cause du retard ou du report"),
        description=_l("Ce que le rapport au bureau et à l'ANSSI dira du retard."),
        validators=[Optional()],
    )
    measures = SelectMultipleField(_l("Mesures d'hygiène mises en œuvre"), validators=[Optional()])
    application_ids = SelectMultipleField(
        _l("Applications protégées"), coerce=int, validators=[Optional()]
    )
    incident_ids = SelectMultipleField(
        _l("Incidents à l'origine de l'action"), coerce=int, validators=[Optional()]
    )
    corrective_action_ids = SelectMultipleField(
        _l("Actions correctives liées"), coerce=int, validators=[Optional()]
    )

    LINKS = ("measures", "application_ids", "incident_ids", "corrective_action_ids")

    def __init__(
        self, *args, measures=(), applications=(), incidents=(), corrective_actions=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.measures.choices = [(m.ref, f"{m.ref} · {m.title}") for m in measures]
        self.application_ids.choices = [(a.id, a.name) for a in applications]
        self.incident_ids.choices = [(i.id, f"{i.reference} · {i.title}") for i in incidents]
        self.corrective_action_ids.choices = [
            (c.id, f"{c.reference} · {c.title}") for c in corrective_actions
        ]
        obj = kwargs.get("obj")
        if obj is not None and not self.is_submitted():
            self.measures.data = [m.ref for m in obj.measures]
            self.application_ids.data = [a.id for a in obj.applications]
            self.incident_ids.data = [i.id for i in obj.incidents]
            self.corrective_action_ids.data = [c.id for c in obj.corrective_actions]


class ProgressForm(VersionedForm):
    """The quick update of the action page: where it stands today."""

    status = SelectField(_l("Statut"), choices=ActionStatus.choices)
    progress = IntegerField(_l("Avancement (%)"), validators=[Rules(required=True, min=0, max=100)])
    delay_reason = TextAreaField(_l("Cause du retard ou du report"), validators=[Optional()])


class MilestoneForm(VersionedForm):
    due_on = DateField(_l("Date"), validators=[Rules(required=True)])
    label = StringField(
        _l("Jalon"), validators=[Rules(required=True, maxlength=200)], filters=[_strip]
    )
    done = BooleanField(_l("Atteint"))


class AssessmentForm(VersionedForm):
    state = SelectField(_l("État de la mesure"), choices=AssessmentState.choices)
    comment = TextAreaField(
        _l("Commentaire"),
        description=_l("Ce qui est en place, ce qui manque, les preuves."),
        validators=[Optional()],
    )
    assessed_on = DateField(_l("Évaluée le"), validators=[Rules()])


class EscalateForm(Form):
    """Carry a corrective action into a roadmap: the rest is prefilled from it."""

    roadmap_id = SelectField(_l("Feuille de route"), coerce=optional_int, validators=[required()])
    theme = SelectField(_l("Thème"), choices=_themes, default=Theme.SUPERVISION.value)
    priority = SelectField(_l("Priorité"), choices=Priority.choices, default=Priority.P1.value)
    target_on = DateField(_l("Échéance"), validators=[Rules(required=True)])

    def __init__(self, *args, roadmaps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roadmap_id.choices = [(str(r.id), r.title) for r in roadmaps]


class ExportForm(Form):
    """The Word report: nothing to choose, the CSRF token only."""
