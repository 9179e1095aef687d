"""Forms of the risk pages (no queries: the views fill the choices). The values are checked by
the schemas (schemas.py), as the API's are."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from compliance.forms import VersionedForm, max_length, optional_enum, optional_int, required
from registers.risks.schemas import LEVELS, RiskStatus, Treatment, impact_label, likelihood_label


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label, description=None):
    return TextAreaField(label, validators=[Optional()], filters=[_strip], description=description)


def _scale(label_of, blank=None):
    def choices():
        head = [("", blank)] if blank is not None else []
        return head + [(level, f"{level} – {label_of(level)}") for level in LEVELS]

    return choices


def _links(label, description=None):
    return SelectMultipleField(label, coerce=int, validators=[Optional()], description=description)


class RiskForm(VersionedForm):
    organisation_id = SelectField(
        _l("Périmètre"),
        coerce=optional_int,
        validators=[required()],
        description=_l("Le syndicat, ou l'organisation membre dont c'est le risque."),
    )
    title = StringField(
        _l("Intitulé du risque"), validators=[required(), max_length(200)], filters=[_strip]
    )
    identified_on = DateField(_l("Identifié le"), validators=[required(typed=True)])
    risk_source = _text(
        _l("Source de risque"), _l("Qui ou quoi : cybercriminel, prestataire, erreur d'un agent…")
    )
    threat_scenario = _text(_l("Scénario de menace"))
    consequence_confidentiality = _text(_l("Conséquences sur la confidentialité"))
    consequence_integrity = _text(_l("Conséquences sur l'intégrité"))
    consequence_availability = _text(_l("Conséquences sur la disponibilité"))
    consequence_persons = _text(_l("Conséquences pour les personnes"))
    personal_data = BooleanField(
        _l("Le risque concerne des données personnelles"),
        description=_l("Coché d'office quand un traitement ou une AIPD est lié."),
    )
    dpia_id = SelectField(_l("AIPD liée"), coerce=optional_int, validators=[Optional()])
    likelihood = SelectField(
        _l("Vraisemblance"),
        coerce=optional_int,
        choices=_scale(likelihood_label, ""),
        validators=[required()],
    )
    impact = SelectField(
        _l("Impact"), coerce=optional_int, choices=_scale(impact_label, ""), validators=[required()]
    )
    owner = StringField(
        _l("Propriétaire du risque"), validators=[required(), max_length(200)], filters=[_strip]
    )
    treatment = SelectField(
        _l("Option de traitement"),
        coerce=optional_enum(Treatment),
        choices=lambda: [("", ""), *Treatment.choices()],
        validators=[required()],
    )
    treatment_details = _text(_l("Mesures de traitement"))
    residual_likelihood = SelectField(
        _l("Vraisemblance résiduelle"),
        coerce=optional_int,
        choices=_scale(likelihood_label, _l("Non évaluée")),
        validators=[Optional()],
    )
    residual_impact = SelectField(
        _l("Impact résiduel"),
        coerce=optional_int,
        choices=_scale(impact_label, _l("Non évalué")),
        validators=[Optional()],
    )
    accepted_by = StringField(
        _l("Accepté par"), validators=[Optional(), max_length(200)], filters=[_strip]
    )
    accepted_on = DateField(_l("Accepté le"), validators=[Optional()])
    accepted_until = DateField(_l("Acceptation valable jusqu'au"), validators=[Optional()])
    review_on = DateField(_l("Prochaine revue le"), validators=[Optional()])
    status = SelectField(
        _l("Statut"), coerce=optional_enum(RiskStatus), choices=lambda: RiskStatus.choices()
    )
    application_ids = _links(_l("Applications concernées"))
    interface_ids = _links(_l("Interfaces concernées"))
    processing_ids = _links(_l("Traitements concernés"))
    roadmap_action_ids = _links(_l("Actions de la feuille de route qui le réduisent"))
    hygiene_measure_ids = _links(_l("Mesures d'hygiène de l'ANSSI"))


class RiskEditForm(RiskForm):
    """The scope of a risk never changes."""

    organisation_id = None
