"""Forms of the breach pages (no queries: the views fill the choices). Instants are typed in
Paris time and handed to the services as aware datetimes."""

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
from wtforms.validators import NumberRange, Optional

from compliance.forms import (
    Form,
    QuickSelectField,
    QuickSelectMultipleField,
    VersionedForm,
    max_length,
    optional_enum,
    optional_int,
    required,
)
from registers.breaches.schemas import (
    Art34Ground,
    BreachCause,
    BreachOrigin,
    Circumstance,
    NoBreachGround,
    NotificationKind,
    RiskLevel,
)
from registers.incidents.forms import ParisDateTimeField
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory

# When the controller's awareness time is left blank but the processor's information time is
# given, the form proposes the latter and asks the DPO to confirm it (no silent H0).
PROPOSED_H0 = _l(
    "Proposée d'après l'heure à laquelle le sous-traitant a informé le responsable de "
    "traitement : vérifiez-la, corrigez-la si besoin, puis enregistrez de nouveau (le délai "
    "de 72 heures en part)."
)

# The entity schemas' message, so that a form and the API say the same.
NOT_NEGATIVE = _l("doit valoir au moins %(minimum)s", minimum=0)
ENCRYPTED = _l("Chiffré dans la base : vous pouvez nommer des personnes.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _choices(enum_cls, blank=None):
    head = [("", blank)] if blank is not None else []
    return head + enum_cls.choices()


def _text(label, description=None, needed=False):
    validators = [required()] if needed else [Optional()]
    return TextAreaField(label, validators=validators, filters=[_strip], description=description)


def _codes(label, enum_cls, description=None):
    return SelectMultipleField(
        label,
        choices=lambda: enum_cls.choices(),
        validators=[Optional()],
        description=description,
    )


class BreachForm(VersionedForm):
    title = StringField(
        _l("Intitulé"),
        validators=[required(), max_length(200)],
        filters=[_strip],
    )
    organisation_id = QuickSelectField(
        _l("Responsable de traitement"),
        coerce=optional_int,
        validators=[required()],
        description=_l("L'organisation membre dont court le délai de 72 heures."),
    )
    processing_ids = SelectMultipleField(
        _l("Traitements concernés"), coerce=int, validators=[Optional()]
    )

    started_at = ParisDateTimeField(_l("Début de la violation"))
    ended_at = ParisDateTimeField(_l("Fin de la violation"))
    is_ongoing = BooleanField(_l("La violation est toujours en cours"))
    discovered_at = ParisDateTimeField(
        _l("Découverte le"), description=_l("Par qui que ce soit : souvent le sous-traitant.")
    )
    controller_informed_at = ParisDateTimeField(
        _l("Responsable de traitement informé le"),
        description=_l("Par le sous-traitant (article 33.2), s'il y en a un."),
    )
    awareness_at = ParisDateTimeField(
        _l("Prise de connaissance (H0)"),
        validators=[required(typed=True)],
        description=_l(
            "Le moment où le responsable de traitement a eu une certitude raisonnable de la "
            "violation : le délai de 72 heures court à partir de là. Quand le syndicat est "
            "sous-traitant, c'est en règle générale l'heure à laquelle il a informé le "
            "responsable de traitement."
        ),
    )

    confidentiality = BooleanField(_l("Perte de confidentialité"))
    integrity = BooleanField(_l("Perte d'intégrité"))
    availability = BooleanField(_l("Perte de disponibilité"))
    origin = SelectField(_l("Origine"), coerce=optional_enum(BreachOrigin))
    cause = SelectField(_l("Nature de l'acte"), coerce=optional_enum(BreachCause))
    circumstance = SelectField(_l("Circonstances"), coerce=optional_enum(Circumstance))
    description = _text(_l("Description de la violation"), ENCRYPTED)

    subject_categories = _codes(_l("Catégories de personnes concernées"), SubjectCategory)
    people_count = IntegerField(
        _l("Nombre approximatif de personnes"),
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    records_count = IntegerField(
        _l("Nombre approximatif d'enregistrements"),
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    people_details = _text(_l("Précisions sur les personnes concernées"), ENCRYPTED)
    data_categories = _codes(_l("Catégories de données"), DataCategory)
    special_categories = _codes(
        _l("Données sensibles (article 9)"),
        SpecialCategory,
        _l("Elles aggravent le risque pour les personnes."),
    )
    nir_concerned = BooleanField(_l("Numéro de sécurité sociale (NIR) concerné"))
    criminal_data = BooleanField(_l("Données d'infractions ou de condamnations (article 10)"))

    consequences = _text(_l("Conséquences probables pour les personnes"), ENCRYPTED)
    measures_taken = _text(_l("Mesures prises pour remédier à la violation"))
    measures_proposed = _text(
        _l("Mesures envisagées"), _l("Pour limiter les conséquences et éviter que cela se répète.")
    )
    risk_level = SelectField(
        _l("Niveau de risque pour les personnes"), coerce=optional_enum(RiskLevel)
    )
    risk_reasoning = _text(_l("Justification du niveau de risque"), ENCRYPTED)
    contact = StringField(
        _l("Point de contact"),
        validators=[Optional(), max_length(500)],
        filters=[_strip],
        description=_l("Le délégué à la protection des données, en règle générale."),
    )
    delay_reasons = _text(
        _l("Motifs du retard"),
        _l("Obligatoires si la notification intervient après 72 heures (article 33.1)."),
    )

    communicated_at = ParisDateTimeField(_l("Personnes informées le"))
    communication_means = StringField(
        _l("Moyen d'information"),
        validators=[Optional(), max_length(300)],
        filters=[_strip],
        description=_l("Courrier, courriel, SMS, affichage, site internet…"),
    )
    communication_ground = SelectField(
        _l("Motif de ne pas informer les personnes"), coerce=optional_enum(Art34Ground)
    )
    communication_details = _text(_l("Précisions sur l'information des personnes"), ENCRYPTED)

    def __init__(self, *args, organisations=(), activities=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "organisation_id" in self._fields:
            self.organisation_id.choices = [("", _l("— Choisir —"))] + [
                (o.id, o.name) for o in organisations
            ]
        self.processing_ids.choices = [
            (a.id, f"{a.organisation.name} · {a.reference} {a.name}") for a in activities
        ]
        self.origin.choices = _choices(BreachOrigin, _l("Non renseignée"))
        self.cause.choices = _choices(BreachCause, _l("Non renseignée"))
        self.circumstance.choices = _choices(Circumstance, _l("Non renseignées"))
        self.risk_level.choices = _choices(RiskLevel, _l("À évaluer"))
        self.communication_ground.choices = _choices(Art34Ground, _l("Aucun"))
        obj = kwargs.get("obj")
        if obj is not None and not self.is_submitted():
            self.processing_ids.data = [a.id for a in obj.activities]

    def validate(self, extra_validators=None) -> bool:
        """H0 left blank while the processor's information time is given: propose the latter
        and ask for a confirmation (the form is refused once, filled in)."""
        blank = not "".join(self.awareness_at.raw_data or []).strip()
        informed = self.controller_informed_at.data if blank else None
        valid = super().validate(extra_validators)
        if informed is not None:
            self.awareness_at.data = informed
            self.awareness_at.raw_data = None
            self.awareness_at.errors = [PROPOSED_H0]
            return False
        return valid

    def record_data(self) -> dict:
        data = super().record_data()
        data["processing_ids"] = [int(value) for value in self.processing_ids.data or []]
        return data


class BreachEditForm(BreachForm):
    """Editing: the controller stays (another controller has its own breach)."""

    organisation_id = None


class NotificationForm(VersionedForm):
    kind = SelectField(
        _l("Notification"),
        choices=lambda: NotificationKind.choices(),
        coerce=optional_enum(NotificationKind),
        validators=[required()],
    )
    sent_at = ParisDateTimeField(
        _l("Envoyée le"),
        validators=[required(typed=True)],
        description=_l("Date et heure d'envoi."),
    )
    reference = StringField(
        _l("Numéro de la notification"),
        validators=[Optional(), max_length(100)],
        filters=[_strip],
        description=_l("Celui que donne le téléservice de la CNIL."),
    )
    notes = _text(_l("Contenu ou compléments transmis"))
    follow_up_by = DateField(
        _l("Notification complémentaire prévue le"),
        validators=[Optional()],
        description=_l(
            "Obligatoire pour une notification initiale (article 33.4) : un rappel s'affiche "
            "jusqu'à ce que la notification complémentaire ou complète soit enregistrée."
        ),
    )
    delay_reasons = _text(
        _l("Motifs du retard"),
        _l(
            "Obligatoires si la première notification intervient après 72 heures : une phrase "
            "au moins."
        ),
    )

    def record_data(self) -> dict:
        return {k: v for k, v in super().record_data().items() if v not in (None, "")}


class NotNotifiableForm(VersionedForm):
    risk_reasoning = _text(
        _l("Pourquoi la violation ne présente pas de risque pour les personnes"),
        needed=True,
    )
    not_notified_reason = _text(
        _l("Motif de l'absence de notification"),
        _l("Inscrit au registre des violations (article 33.5)."),
        needed=True,
    )
    communication_ground = SelectField(
        _l("Information des personnes"),
        coerce=optional_enum(Art34Ground),
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.communication_ground.choices = Art34Ground.choices()


class ActionForm(VersionedForm):
    """A button that posts the record's version (close, reopen, archive, restore)."""


class ExportForm(Form):
    """A download button (CSRF only)."""


class RegisterExportForm(Form):
    # Any slug is accepted here: the view checks the permission in that organisation.
    organisation = QuickSelectField(
        _l("Organisation"), validators=[required()], validate_choice=False
    )


def assess_form(controllers, formdata=None, defaults=None):
    """The fan-out form: for each controller, a checkbox, when it was told and its H0."""

    class AssessForm(Form):
        pass

    for controller in controllers:
        key = controller.organisation.id
        setattr(AssessForm, f"select_{key}", BooleanField(controller.organisation.name))
        setattr(
            AssessForm,
            f"informed_{key}",
            ParisDateTimeField(_l("Informé par le sous-traitant le"), validators=[Optional()]),
        )
        setattr(
            AssessForm,
            f"awareness_{key}",
            ParisDateTimeField(
                _l("Prise de connaissance (H0)"),
                validators=[Optional()],
                description=_l(
                    "Proposée : l'heure à laquelle il a été informé. À vérifier : le délai de "
                    "72 heures en part."
                ),
            ),
        )
    form = AssessForm(formdata=formdata)
    if formdata is None:
        for controller in controllers:
            key = controller.organisation.id
            form[f"select_{key}"].data = not controller.decided
            form[f"informed_{key}"].data = (defaults or {}).get("informed_at")
            form[f"awareness_{key}"].data = (defaults or {}).get("informed_at")
    return form


class NoBreachForm(Form):
    """The "no breach" decision for one or several controllers of an incident (the view fills
    the controllers still to decide)."""

    organisation_ids = QuickSelectMultipleField(
        _l("Responsables de traitement"),
        coerce=optional_int,
        validate_choice=False,
        description=_l("Ceux pour lesquels l'incident n'est pas une violation de données."),
    )
    ground = SelectField(_l("Motif"), validators=[required()])
    reason = TextAreaField(
        _l("Raison"),
        validators=[required(), max_length(5_000)],
        description=_l(
            "Ce que le délégué a vérifié et pourquoi il conclut qu'il n'y a pas de violation : "
            "c'est ce que la CNIL lira dans la documentation (art. 33.5)."
        ),
    )
    decided_at = ParisDateTimeField(
        _l("Décidé le"), validators=[Optional()], description=_l("Vide : maintenant.")
    )

    def __init__(self, *args, controllers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_ids.choices = [
            (c.organisation.id, c.organisation.name) for c in controllers
        ]
        self.ground.choices = _choices(NoBreachGround, "")
