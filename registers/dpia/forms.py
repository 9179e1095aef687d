"""The DPIA pages' forms, one short form per part of the method: rendering and CSRF only; the
values are checked by the schemas (schemas.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from compliance.forms import VersionedForm, max_length, required
from registers.dpia.schemas import Judgement, MeasureState, Principle, RiskKind, RiskLevel
from registers.roadmap.schemas import Theme


def _choices(enum_cls, blank):
    return [("", blank), *enum_cls.choices()]


def _text(label, **kwargs):
    return TextAreaField(label, validators=[Optional()], **kwargs)


class ContextForm(VersionedForm):
    """Part 1: the context."""

    title = StringField(_l("Intitulé de l'AIPD"), validators=[required(), max_length(200)])
    overview = _text(_l("Présentation du traitement"))
    purposes = _text(_l("Finalités"))
    controller = _text(_l("Responsable de traitement"))
    processors = _text(_l("Sous-traitants"))
    applications = _text(_l("Applications support (cartographie)"))
    data_lifecycle = _text(_l("Données traitées et leur cycle de vie"))
    supporting_assets = _text(_l("Supports des données (applications, hébergement, interfaces)"))
    standards = _text(_l("Référentiels et codes de conduite applicables"))


class ValidationForm(VersionedForm):
    """Part 4: the opinions, the decision, the prior consultation and the next review."""

    dpo_opinion = _text(_l("Avis du délégué à la protection des données (art. 35.2)"))
    dpo_opinion_on = DateField(_l("Avis rendu le"), validators=[Optional()])
    persons_opinion = _text(_l("Avis des personnes concernées ou de leurs représentants"))
    persons_not_sought_reason = _text(_l("Ou : pourquoi leur avis n'a pas été demandé (art. 35.9)"))
    controller_decision = _text(_l("Décision du responsable de traitement"))
    decision_on = DateField(_l("Décision prise le"), validators=[Optional()])
    consultation_requested_on = DateField(
        _l("Consultation préalable de la CNIL demandée le (art. 36)"), validators=[Optional()]
    )
    cnil_answer_on = DateField(_l("Réponse de la CNIL reçue le"), validators=[Optional()])
    cnil_answer = _text(_l("Réponse de la CNIL"))
    next_review_on = DateField(_l("Prochaine révision le"), validators=[Optional()])


def principles_form(dpia, formdata=None):
    """Part 2: for each point, its justification and judgement (fields `<code>_justification`
    and `<code>_judgement`)."""

    class PrinciplesForm(VersionedForm):
        pass

    for principle in Principle:
        setattr(PrinciplesForm, f"{principle.value}_justification", _text(_l("Justification")))
        setattr(
            PrinciplesForm,
            f"{principle.value}_judgement",
            SelectField(_l("Jugement"), default=""),
        )
    form = PrinciplesForm(formdata=formdata, version=dpia.version)
    for principle in Principle:
        form[f"{principle.value}_judgement"].choices = _choices(Judgement, _l("— À juger —"))
    if formdata is None:
        for principle in Principle:
            stored = (dpia.principles or {}).get(principle.value) or {}
            form[f"{principle.value}_justification"].data = stored.get("justification")
            form[f"{principle.value}_judgement"].data = stored.get("judgement") or ""
    return form


RISK_FIELDS = (
    "sources",
    "threats",
    "impacts",
    "severity",
    "likelihood",
    "justification",
    "residual_severity",
    "residual_likelihood",
    "residual_justification",
)
RISK_LABELS = {
    "sources": _l("Sources de risque"),
    "threats": _l("Menaces"),
    "impacts": _l("Impacts potentiels sur les personnes"),
    "severity": _l("Gravité"),
    "likelihood": _l("Vraisemblance"),
    "justification": _l("Justification des niveaux"),
    "residual_severity": _l("Gravité après les mesures prévues"),
    "residual_likelihood": _l("Vraisemblance après les mesures prévues"),
    "residual_justification": _l("Justification après les mesures"),
}
LEVELS = ("severity", "likelihood", "residual_severity", "residual_likelihood")


def risks_form(dpia, formdata=None):
    """Part 3: the three risks (fields `<kind>_<field>`)."""

    class RisksForm(VersionedForm):
        pass

    for kind in RiskKind:
        for name in RISK_FIELDS:
            label = RISK_LABELS[name]
            field = SelectField(label, default="") if name in LEVELS else _text(label)
            setattr(RisksForm, f"{kind.value}_{name}", field)
    form = RisksForm(formdata=formdata, version=dpia.version)
    for kind in RiskKind:
        for name in LEVELS:
            form[f"{kind.value}_{name}"].choices = _choices(RiskLevel, _l("— Non estimée —"))
    if formdata is None:
        for kind in RiskKind:
            risk = dpia.risk(kind)
            for name in RISK_FIELDS:
                value = getattr(risk, name, None) if risk else None
                form[f"{kind.value}_{name}"].data = getattr(value, "value", value) or (
                    "" if name in LEVELS else None
                )
    return form


class MeasureForm(VersionedForm):
    """A measure existing or planned."""

    title = StringField(_l("Mesure"), validators=[required(), max_length(200)])
    description = _text(_l("Description"))
    state = SelectField(_l("État"))
    hygiene_measure = StringField(
        _l("Mesure du guide d'hygiène de l'ANSSI (ex. 12 ou 12.R)"),
        validators=[Optional(), max_length(8)],
    )
    roadmap_action_id = SelectField(_l("Action de la feuille de route"))
    owner = StringField(_l("Responsable"), validators=[Optional(), max_length(200)])
    due_on = DateField(_l("Échéance"), validators=[Optional()])

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = MeasureState.choices()
        self.roadmap_action_id.choices = [("", _l("— Aucune —"))] + [
            (str(action.id), f"{action.code} {action.title}") for action in actions
        ]


class PlanForm(VersionedForm):
    """A planned measure becomes a roadmap action, under one of the guide's themes."""

    theme = SelectField(_l("Thème du guide d'hygiène"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme.choices = Theme.choices()


class StepForm(VersionedForm):
    """A change of status (or a removal), with the reason a revision gives."""

    reason = _text(_l("Motif"))
