"""Forms of the application map pages (no queries: the views fill the choices)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, Regexp, ValidationError

from compliance.forms import (
    Form,
    VersionedForm,
    max_length,
    optional_bool,
    optional_enum,
    optional_int,
    required,
)
from compliance.schemas import validate
from compliance.selector import OrganisationField
from registers.applications.models import (
    DEFAULT_COUNTRY,
    EEA_COUNTRIES,
    ApplicationStatus,
    DpaStatus,
    Hosting,
    InterfaceDirection,
    need_label,
)

# Between a function's domain and its name on one line of the functions field. Names of the
# catalogue contain colons and slashes ("Etat civil : recensement", "Hygiène / Sécurité").
FUNCTION_SEPARATOR = "|"


def need_choices() -> list[tuple[str, str]]:
    return [("", _l("Non évalué"))] + [(str(n), f"{n} – {need_label(n)}") for n in (1, 2, 3, 4)]


def functions_to_text(functions, main_domain: str | None) -> str:
    """One line per function; a function outside the main domain is written "domain | name"."""
    lines = []
    for function in functions:
        if function.domain == main_domain:
            lines.append(function.name)
        else:
            lines.append(f"{function.domain} {FUNCTION_SEPARATOR} {function.name}")
    return "\n".join(lines)


def text_to_functions(text: str | None) -> list:
    """Names (in the main domain) and [domain, name] pairs, as ApplicationCreate takes them."""
    result: list = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if FUNCTION_SEPARATOR in line:
            domain, name = (part.strip() for part in line.split(FUNCTION_SEPARATOR, 1))
            result.append([domain, name])
        else:
            result.append(line.strip())
    return result


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class ApplicationForm(VersionedForm):
    name = StringField(
        _l("Nom du logiciel"), validators=[required(), max_length(200)], filters=[_strip]
    )
    vendor_id = SelectField(_l("Fournisseur"), coerce=optional_int, validators=[Optional()])
    domain = StringField(
        _l("Domaine métier principal"),
        validators=[required(), max_length(100)],
        filters=[_strip],
    )
    functions_text = TextAreaField(
        _l("Fonctionnalités"),
        description=_l(
            "Une par ligne. Pour une fonctionnalité d'un autre domaine, écrivez "
            "« Domaine | Fonctionnalité »."
        ),
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    software_version = StringField(
        _l("Version"), validators=[Optional(), max_length(100)], filters=[_strip]
    )
    status = SelectField(
        _l("Statut"), choices=ApplicationStatus.choices, coerce=optional_enum(ApplicationStatus)
    )
    owner = StringField(
        _l("Chef de projet"), validators=[Optional(), max_length(200)], filters=[_strip]
    )
    hosting = SelectField(_l("Hébergement"), choices=Hosting.choices, coerce=optional_enum(Hosting))
    hosting_country = StringField(
        _l("Pays d'hébergement"),
        default=DEFAULT_COUNTRY,
        description=_l("Code ISO à deux lettres (FR, DE, US…)."),
        validators=[required(), Regexp(r"^[A-Za-z]{2}$", message=_l("Deux lettres."))],
        filters=[_upper],
    )
    outside_eu_safeguard = TextAreaField(
        _l("Garanties du transfert hors UE"),
        description=_l(
            "Obligatoire hors de l'Espace économique européen : décision d'adéquation, "
            "clauses contractuelles types…"
        ),
        validators=[Optional(), max_length(500)],
    )
    hds_required = BooleanField(_l("Héberge des données de santé (certification HDS requise)"))
    hds_certified = SelectField(
        _l("Hébergeur certifié HDS"),
        choices=lambda: [("", _l("Non renseigné")), ("yes", _l("Oui")), ("no", _l("Non"))],
        coerce=optional_bool,
        validators=[Optional()],
    )
    availability = SelectField(_l("Disponibilité (D)"), coerce=optional_int)
    integrity = SelectField(_l("Intégrité (I)"), coerce=optional_int)
    confidentiality = SelectField(_l("Confidentialité (C)"), coerce=optional_int)
    traceability = SelectField(_l("Traçabilité (T)"), coerce=optional_int)
    rto_hours = IntegerField(
        _l("RTO (heures)"),
        description=_l("Durée maximale d'interruption admissible."),
        validators=[Optional(), NumberRange(min=0)],
    )
    rpo_hours = IntegerField(
        _l("RPO (heures)"),
        description=_l("Perte de données maximale admissible."),
        validators=[Optional(), NumberRange(min=0)],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    NEEDS = ("availability", "integrity", "confidentiality", "traceability")

    def __init__(self, *args, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor_id.choices = [("", _l("— Aucun —"))] + [(str(v.id), v.name) for v in vendors]
        for name in self.NEEDS:
            self[name].choices = need_choices()
        obj = kwargs.get("obj")
        if obj is not None and not self.is_submitted():
            self.functions_text.data = functions_to_text(obj.functions, obj.domain)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() would skip it on the empty field it is about.
        country = (self.hosting_country.data or "").upper()
        safeguard = (self.outside_eu_safeguard.data or "").strip()
        if country and country not in EEA_COUNTRIES and not safeguard:
            self.outside_eu_safeguard.errors = [
                *self.outside_eu_safeguard.errors,
                _l("Hors de l'Espace économique européen, indiquez la garantie du transfert."),
            ]
            return False
        return valid

    def checked(self, schema, **overrides):
        """The form's values checked by `schema`, the functions' text read as a list."""
        data = self.record_data()
        data["functions"] = text_to_functions(data.pop("functions_text"))
        return validate(schema, {**data, **overrides})


class ArchiveForm(VersionedForm):
    """Archive or restore: nothing but the version the user saw."""


class DeploymentForm(VersionedForm):
    # Its organisations are offered by the view (`offer()`): a select, or a search field.
    organisation_id = OrganisationField(_l("Organisation"), validators=[required()])
    since = DateField(_l("Utilisée depuis le"), validators=[Optional()])
    functions = SelectMultipleField(
        _l("Fonctionnalités utilisées"),
        description=_l("Aucune sélection : toutes les fonctionnalités de l'application."),
        validators=[Optional()],
    )
    hosting = SelectField(
        _l("Hébergement pour ce membre"),
        coerce=optional_enum(Hosting),
        validators=[Optional()],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    def __init__(self, *args, functions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.functions.choices = [(name, name) for name in functions]
        self.hosting.choices = [("", _l("Comme l'application")), *Hosting.choices()]


class DeploymentEditForm(DeploymentForm):
    """Editing a deployment: its organisation and application stay."""

    organisation_id = None


class InterfaceForm(Form):
    """A data flow between the application of the page and another one."""

    OUTGOING, INCOMING, BOTH = "outgoing", "incoming", "both"

    other_application_id = SelectField(
        _l("Autre application"), coerce=optional_int, validators=[required()]
    )
    flow = SelectField(
        _l("Sens du flux"),
        choices=lambda: [
            (InterfaceForm.OUTGOING, _l("Vers l'autre application")),
            (InterfaceForm.INCOMING, _l("Depuis l'autre application")),
            (InterfaceForm.BOTH, _l("Dans les deux sens")),
        ],
    )
    data = StringField(
        _l("Données échangées"), validators=[Optional(), max_length(500)], filters=[_strip]
    )
    protocol = StringField(
        _l("Protocole ou support"), validators=[Optional(), max_length(200)], filters=[_strip]
    )
    frequency = StringField(
        _l("Fréquence"), validators=[Optional(), max_length(100)], filters=[_strip]
    )

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.other_application_id.choices = [("", _l("— Choisir —"))] + [
            (str(a.id), a.name) for a in applications
        ]

    def interface_data(self, application_id: int) -> dict:
        """The service's fields: this application and the other one, in the flow's order."""
        other = self.other_application_id.data
        source, target = (
            (other, application_id) if self.flow.data == self.INCOMING else (application_id, other)
        )
        direction = (
            InterfaceDirection.TWO_WAY
            if self.flow.data == self.BOTH
            else InterfaceDirection.ONE_WAY
        )
        return {
            "source_application_id": source,
            "target_application_id": target,
            "direction": direction,
            "data": self.data.data,
            "protocol": self.protocol.data,
            "frequency": self.frequency.data,
        }


class VendorForm(VersionedForm):
    name = StringField(_l("Nom"), validators=[required(), max_length(200)], filters=[_strip])
    country = StringField(
        _l("Pays"),
        description=_l("Code ISO à deux lettres."),
        validators=[Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Deux lettres."))],
        filters=[_upper],
    )
    dpa_status = SelectField(
        _l("Accord de sous-traitance (art. 28 RGPD)"),
        choices=DpaStatus.choices,
        coerce=optional_enum(DpaStatus),
    )
    dpa_signed_on = DateField(_l("Signé le"), validators=[Optional()])
    dpa_reference = StringField(
        _l("Référence du document"), validators=[Optional(), max_length(200)], filters=[_strip]
    )
    certifications = StringField(
        _l("Certifications"),
        description=_l("ISO 27001, HDS, SecNumCloud…"),
        validators=[Optional(), max_length(500)],
        filters=[_strip],
    )
    contact = TextAreaField(_l("Contact"), validators=[Optional(), max_length(500)])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])

    def validate_dpa_signed_on(self, field):
        if field.data and self.dpa_status.data != DpaStatus.SIGNED:
            raise ValidationError(_l("Une date de signature suppose un accord signé."))


class ImportForm(Form):
    file = FileField(
        _l("Fichier du catalogue"),
        description=_l(
            "CSV (virgule ou point-virgule, UTF-8 ou Windows-1252) ou classeur XLSX, avec les "
            "colonnes domaine, fonctionnalite, logiciel, fournisseur."
        ),
        validators=[
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["csv", "txt", "xlsx", "xlsm"], _l("Un fichier CSV ou XLSX.")),
        ],
    )


class ImportConfirmForm(Form):
    token = HiddenField(validators=[required()])
