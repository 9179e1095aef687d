"""Forms of the record of processing activities (no queries: the views fill the choices). A form
renders and protects; its values are checked by the entity's schema (`schemas.ActivityCreate`,
`ActivityUpdate`), as the API's are: lengths are refused with the same messages (the pages keep
the `maxlength` of each field).

The repeated parts of a fiche (purposes, data categories, special categories, data subjects,
recipients, transfers, security measures) are lists of row forms. A page shows the stored rows
plus blank ones; a blank row is ignored, a row ticked "remove" is dropped, and the "add rows"
button of a section returns the form with more blank rows, without saving: it all works
without JavaScript, which only makes adding and removing quicker.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from compliance.forms import Form, SubForm, VersionedForm, max_length, required
from registers.processing.reference import (
    Art9Condition,
    Art35Case,
    CnilDpiaType,
    DataCategory,
    DpiaStatus,
    EdpbCriterion,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
)
from registers.processing.schemas import check, required_fields

# Blank rows offered under the stored ones, and added by one press of "add rows".
BLANK_ROWS = 1
ADDED_ROWS = 2
MAX_ROWS = 60


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _code(value) -> str:
    """A select's value: a stored enum or a submitted code, and "" for none (a select missing
    from the submitted data is then blank, not an invalid choice)."""
    return "" if value is None else str(getattr(value, "value", value))


class CodeSelectField(SelectField):
    """A select of codes whose "nothing chosen" is "", never None: a row's select missing from
    the submitted data is blank rather than an invalid choice."""

    def process_data(self, value):
        super().process_data(value)
        if self.data is None:
            self.data = ""


def _select(label, enum_cls, blank_label=None, **kwargs) -> SelectField:
    return CodeSelectField(
        label, choices=_blank_choice(enum_cls, blank_label), coerce=_code, **kwargs
    )


def _blank_choice(enum_cls, label=None):
    """Choices as a callable: WTForms 3.3 deprecates tuples given at field construction, and
    the labels are then built in the request's language."""
    return lambda: [("", label or _l("— Choisir —")), *enum_cls.choices()]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (a fieldset in the page) rather than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- row forms --------------------------------------------------------------------------------


class RowForm(SubForm):
    """One row of a repeated section. `remove` drops it; an untouched row is ignored."""

    remove = BooleanField(_l("Retirer cette ligne"))

    def row_data(self) -> dict:
        return {k: v for k, v in self.data.items() if k != "remove"}

    def is_blank(self) -> bool:
        return all(value in (None, "", False, []) for value in self.row_data().values())


class PurposeRow(RowForm):
    description = TextAreaField(_l("Finalité"), filters=[_strip])
    is_main = BooleanField(_l("Finalité principale"))
    legal_basis = _select(_l("Base légale"), LegalBasis)
    legal_text = StringField(_l("Texte de référence"), filters=[_strip])


class DataCategoryRow(RowForm):
    category = _select(_l("Catégorie de données"), DataCategory)
    description = TextAreaField(_l("Précisions"), filters=[_strip])
    active_period = StringField(
        _l("Durée en base active"), render_kw={"maxlength": 300}, filters=[_strip]
    )
    intermediate_period = StringField(
        _l("Archivage intermédiaire (DUA)"), render_kw={"maxlength": 300}, filters=[_strip]
    )
    final_fate = _select(_l("Sort final"), FinalFate, _l("—"))
    retention_source = StringField(
        _l("Source : tableau de gestion ou texte"), render_kw={"maxlength": 500}, filters=[_strip]
    )
    retention_criterion = StringField(_l("Critère, à défaut de durée"), filters=[_strip])


class SpecialCategoryRow(RowForm):
    category = _select(_l("Catégorie particulière"), SpecialCategory)
    condition = _select(_l("Condition de l'article 9.2"), Art9Condition, _l("—"))
    details = StringField(_l("Précisions"), filters=[_strip])


class SubjectRow(RowForm):
    category = _select(_l("Catégorie de personnes"), SubjectCategory)
    details = StringField(_l("Précisions"), render_kw={"maxlength": 500}, filters=[_strip])
    estimated_number = IntegerField(
        _l("Nombre estimé"), validators=[Optional(), NumberRange(min=0)]
    )


class RecipientRow(RowForm):
    recipient_type = _select(_l("Type"), RecipientType)
    name = StringField(_l("Destinataire"), render_kw={"maxlength": 300}, filters=[_strip])
    details = StringField(_l("Précisions"), filters=[_strip])
    vendor_id = CodeSelectField(_l("Fournisseur de la cartographie"), choices=[], coerce=_code)


class TransferRow(RowForm):
    recipient = StringField(_l("Destinataire"), render_kw={"maxlength": 300}, filters=[_strip])
    country = StringField(
        _l("Pays (code ISO)"),
        validators=[Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Deux lettres."))],
        filters=[_upper],
    )
    safeguard = _select(_l("Garantie"), TransferSafeguard, _l("—"))
    documentation_url = StringField(
        _l("Documentation"), render_kw={"maxlength": 500}, filters=[_strip]
    )
    details = StringField(_l("Précisions"), filters=[_strip])


class SecurityMeasureRow(RowForm):
    family = _select(_l("Famille de mesures"), SecurityFamily)
    details = TextAreaField(_l("Mesures mises en œuvre"), filters=[_strip])


# Section name (the service's collection) -> (row form, legend, help).
SECTIONS = {
    "purposes": (
        PurposeRow,
        _l("Finalités et bases légales"),
        _l(
            "La finalité principale et les sous-finalités, chacune avec sa base légale "
            "(article 6.1 du RGPD) et le texte sur lequel elle repose : pour un organisme "
            "public, l'article du code ou la loi."
        ),
    ),
    "data_categories": (
        DataCategoryRow,
        _l("Catégories de données et durées de conservation"),
        _l(
            "Une ligne par catégorie de la liste de la CNIL, avec sa durée en base active. Pour "
            "un organisme public, aussi son archivage intermédiaire (DUA), son sort final "
            "(destruction, versement aux archives ou tri) et leur source (tableau de gestion, "
            "référentiel de conservation ou texte) : code du patrimoine, articles L212-2 et "
            "L212-3."
        ),
    ),
    "special_categories": (
        SpecialCategoryRow,
        _l("Données sensibles (article 9)"),
        _l("Chaque catégorie particulière traitée, avec la condition de l'article 9.2."),
    ),
    "subjects": (
        SubjectRow,
        _l("Personnes concernées"),
        _l("Les catégories de personnes et leur nombre estimé."),
    ),
    "recipients": (
        RecipientRow,
        _l("Destinataires"),
        _l("Services internes, sous-traitants, partenaires institutionnels…"),
    ),
    "transfers": (
        TransferRow,
        _l("Transferts hors de l'Union européenne"),
        _l("Laissez vide s'il n'y a aucun transfert."),
    ),
    "security_measures": (
        SecurityMeasureRow,
        _l("Mesures de sécurité"),
        _l(
            "Les mesures propres au traitement, par famille de la CNIL ; celles de "
            "l'hébergement des applications s'y ajoutent d'elles-mêmes."
        ),
    ),
}


def _rows(name: str):
    row_form, legend, _help = SECTIONS[name]
    return FieldList(FormField(row_form), label=legend, min_entries=0, max_entries=MAX_ROWS)


# --- the activity -----------------------------------------------------------------------------


class ActivityForm(VersionedForm):
    """Every editable part of a fiche; the DPIA screening has its own form."""

    reference = StringField(
        _l("Référence"),
        description=_l("Laissez vide pour une référence automatique (T-001, T-002…)."),
        validators=[Optional()],
        render_kw={"maxlength": 50},
        filters=[_strip],
    )
    name = StringField(
        _l("Nom du traitement"),
        validators=[required()],
        render_kw={"maxlength": 300},
        filters=[_strip],
    )
    description = TextAreaField(_l("Description"), filters=[_strip])
    responsible_service = StringField(
        _l("Service chargé de la mise en œuvre"),
        validators=[Optional()],
        render_kw={"maxlength": 200},
        filters=[_strip],
    )
    contact = TextAreaField(
        _l("Contact au sein du service"),
        description=_l("Stocké chiffré : il désigne une personne."),
        validators=[Optional()],
        render_kw={"maxlength": 2000},
        filters=[_strip],
    )
    application_ids = MultiCheckboxField(
        _l("Applications supports"),
        description=_l("Les applications de la cartographie que le traitement utilise."),
        coerce=int,
        validators=[Optional()],
    )
    role = SelectField(_l("Rôle de l'organisation"), choices=ProcessingRole.choices, coerce=_code)
    other_controllers = TextAreaField(
        _l("Autres responsables (conjoints) ou responsables pour le compte desquels elle agit"),
        filters=[_strip],
    )
    joint_arrangement = TextAreaField(
        _l("Accord entre responsables conjoints (article 26)"),
        description=_l(
            "Les grandes lignes de l'accord (qui informe les personnes, qui répond à leurs "
            "demandes) et la référence du document qui le porte (convention, délibération)."
        ),
        filters=[_strip],
    )
    indirect_collection = BooleanField(
        _l("Des données ne sont pas collectées auprès des personnes concernées (article 14)")
    )
    data_source = TextAreaField(
        _l("Source des données"),
        description=_l(
            "D'où viennent les données qui ne sont pas collectées auprès de la personne "
            "(autre administration, fichier, partenaire) et, le cas échéant, si elles sont "
            "issues de sources accessibles au public (article 14.2.f)."
        ),
        filters=[_strip],
    )
    criminal_data = BooleanField(
        _l("Données relatives aux condamnations pénales et aux infractions (article 10)")
    )
    criminal_data_basis = TextAreaField(_l("Texte qui autorise ce traitement"), filters=[_strip])
    nir_used = BooleanField(_l("Numéro de sécurité sociale (NIR)"))
    nir_legal_text = TextAreaField(
        _l("Texte qui autorise l'usage du NIR"),
        description=_l("Décret-cadre n° 2019-341 ou texte particulier."),
        filters=[_strip],
    )
    next_review_on = DateField(_l("Prochaine revue"), validators=[Optional()])

    purposes = _rows("purposes")
    data_categories = _rows("data_categories")
    special_categories = _rows("special_categories")
    subjects = _rows("subjects")
    recipients = _rows("recipients")
    transfers = _rows("transfers")
    security_measures = _rows("security_measures")

    # Set by the view from the submit button pressed: "add rows to this section".
    SCALARS = (
        "reference",
        "name",
        "description",
        "responsible_service",
        "contact",
        "role",
        "other_controllers",
        "joint_arrangement",
        "indirect_collection",
        "data_source",
        "criminal_data",
        "criminal_data_basis",
        "nir_used",
        "nir_legal_text",
        "next_review_on",
    )

    def __init__(self, *args, applications=(), vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.application_ids.choices = [(a.id, a.name) for a in applications]
        vendor_choices = [("", _l("— Aucun —"))] + [(str(v.id), v.name) for v in vendors]
        for entry in self.recipients:
            entry.form.vendor_id.choices = vendor_choices
        self._vendor_choices = vendor_choices

    # A fiche is long: rows are added on request, and blank ones are offered under stored ones.
    def offer_blank_rows(self, count: int = BLANK_ROWS, sections=None) -> None:
        for name in sections or SECTIONS:
            field = self[name]
            for _ in range(count):
                if len(field) >= MAX_ROWS:
                    break
                entry = field.append_entry()
                if name == "recipients":
                    entry.form.vendor_id.choices = self._vendor_choices

    def validate(self, extra_validators=None) -> bool:
        """The form's validators, then the required cells of each kept row."""
        valid = super().validate(extra_validators)
        for name in SECTIONS:
            needed = required_fields(name)
            for entry in self[name]:
                row = entry.form
                if row.remove.data or row.is_blank():
                    continue
                for field_name in needed:
                    if row[field_name].data in (None, "") and not row[field_name].errors:
                        row[field_name].errors = [
                            *row[field_name].errors,
                            _l("Obligatoire pour une ligne remplie."),
                        ]
                        valid = False
        return valid

    def validate_other_controllers(self, field):
        if self.role.data == ProcessingRole.JOINT_CONTROLLER.value and not field.data:
            raise ValidationError(_l("Nommez les autres responsables du traitement."))

    def validate_nir_legal_text(self, field):
        if self.nir_used.data and not field.data:
            raise ValidationError(_l("Indiquez le texte qui autorise l'usage du NIR."))

    def record_data(self) -> dict:
        """The scalar fields: what the conflict report compares with the stored record."""
        return {name: self[name].data for name in self.SCALARS}

    def rows(self, name: str) -> list[tuple[int, dict]]:
        """(index in the page, values) of the kept rows of a section: neither blank nor
        removed. Empty strings become None, so the service's cleaning treats them as unset."""
        kept = []
        for index, entry in enumerate(self[name]):
            if entry.form.remove.data or entry.form.is_blank():
                continue
            values = {k: (None if v == "" else v) for k, v in entry.form.row_data().items()}
            kept.append((index, values))
        return kept

    def activity_data(self) -> dict:
        """The submitted values: scalars, collections and the supporting applications."""
        data = self.record_data()
        data["application_ids"] = list(self.application_ids.data or [])
        for name in SECTIONS:
            data[name] = [values for _index, values in self.rows(name)]
        return data

    def checked(self, schema, **overrides):
        """The submitted values checked by `schema` (ActivityCreate, ActivityUpdate), as the
        API's are: FieldErrors otherwise, a row's field named `purposes[0].description`."""
        return check(schema, {**self.activity_data(), **overrides})


class DpiaForm(VersionedForm):
    """The DPIA screening (EDPB criteria, the CNIL's list, Art. 35(3)) and the DPIA itself."""

    dpia_criteria = MultiCheckboxField(
        _l("Critères du CEPD"),
        description=_l("Deux critères ou plus : une AIPD est requise."),
        choices=EdpbCriterion.choices,
        validators=[Optional()],
    )
    dpia_cnil_types = MultiCheckboxField(
        _l("Liste de la CNIL des traitements soumis à AIPD"),
        description=_l("Un type de la liste suffit à rendre l'AIPD obligatoire."),
        choices=CnilDpiaType.choices,
        validators=[Optional()],
    )
    dpia_art35_cases = MultiCheckboxField(
        _l("Cas de l'article 35.3 du RGPD"),
        choices=Art35Case.choices,
        validators=[Optional()],
    )
    dpia_screening_notes = TextAreaField(_l("Observations du criblage"), filters=[_strip])
    dpia_status = SelectField(_l("État de l'AIPD"), choices=DpiaStatus.choices, coerce=_code)
    dpia_done_on = DateField(_l("Réalisée le"), validators=[Optional()])
    dpia_conclusion = TextAreaField(_l("Conclusion de l'AIPD"), filters=[_strip])
    dpia_dpo_opinion = TextAreaField(
        _l("Avis du délégué à la protection des données"), filters=[_strip]
    )
    dpia_next_review_on = DateField(_l("Prochain réexamen de l'AIPD"), validators=[Optional()])

    def validate_dpia_done_on(self, field):
        if self.dpia_status.data == DpiaStatus.COMPLETED.value and not field.data:
            raise ValidationError(_l("Indiquez la date à laquelle l'AIPD a été réalisée."))


# --- workflow ---------------------------------------------------------------------------------


class ActionForm(VersionedForm):
    """A workflow button: nothing but the version the user saw."""

    version = HiddenField(validators=[required(typed=True)])


class ValidateForm(ActionForm):
    remarks = TextAreaField(_l("Remarques du délégué (facultatif)"), filters=[_strip])
    next_review_on = DateField(
        _l("Prochaine revue"),
        description=_l("Par défaut, un an après la validation."),
        validators=[Optional()],
    )
    override_reason = TextAreaField(
        _l("Motif de la validation par dérogation"),
        description=_l(
            "Pourquoi valider malgré les éléments manquants : ce motif est conservé, tracé "
            "et figure sur la fiche et dans le registre exporté."
        ),
        filters=[_strip],
    )


class SendBackForm(ActionForm):
    remarks = TextAreaField(
        _l("Ce qui doit être corrigé"),
        validators=[DataRequired(_l("Dites au référent ce qui doit être corrigé."))],
        filters=[_strip],
    )


# --- template activities, versions, import ------------------------------------------------------


class ApplyTemplateForm(Form):
    organisations = MultiCheckboxField(
        _l("Organisations"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez au moins une organisation."))],
    )


class PushTemplateForm(Form):
    fields = MultiCheckboxField(
        _l("Éléments à propager"),
        description=_l(
            "Une copie qui a adapté un élément le garde : seules les copies qui le suivent "
            "encore reçoivent la nouvelle valeur."
        ),
        validators=[DataRequired(_l("Choisissez au moins un élément."))],
    )


class PublishForm(Form):
    note = TextAreaField(
        _l("Note de version"),
        description=_l("Ce qui change depuis la version précédente (facultatif)."),
        validators=[Optional(), max_length(2000)],
        filters=[_strip],
    )


class ImportForm(Form):
    file = FileField(
        _l("Fichier"),
        description=_l(
            "Classeur XLSX ou fichier CSV (UTF-8, séparateur virgule ou point-virgule)."
        ),
        validators=[
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["csv", "txt", "xlsx", "xlsm"], _l("Un fichier CSV ou XLSX.")),
        ],
    )


class ImportConfirmForm(Form):
    token = HiddenField(validators=[required()])
