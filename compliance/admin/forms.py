"""Administration forms (no queries here; choices are filled by the views)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from compliance.forms import Form, VersionedForm, email_address
from compliance.i18n import LANGUAGES
from compliance.permissions import Role
from compliance.tenancy import OrganisationKind, is_valid_siren

# Choices are given as callables: WTForms 3.3 deprecates (value, label) tuples given at field
# construction, and a callable also builds the labels in the request's language.


def _siren(form, field):
    if field.data and not is_valid_siren(field.data):
        raise ValidationError(_l("Un SIREN compte neuf chiffres et respecte la clé de Luhn."))


class OrganisationForm(VersionedForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Type"), choices=OrganisationKind.choices)
    siren = StringField(
        _l("SIREN"),
        validators=[Optional(), Regexp(r"^\d{9}$"), _siren],
        filters=[lambda v: v.replace(" ", "") if v else None],
    )
    address = TextAreaField(_l("Adresse"), validators=[Optional(), Length(max=500)])
    legal_representative = StringField(
        _l("Représentant légal"), validators=[Optional(), Length(max=200)]
    )
    dpo_name = StringField(
        _l("Délégué à la protection des données"), validators=[Optional(), Length(max=200)]
    )
    dpo_cnil_number = StringField(
        _l("N° de désignation CNIL"), validators=[Optional(), Length(max=50)]
    )
    dpo_contact = StringField(
        _l("Coordonnées du délégué (e-mail, téléphone, adresse)"),
        validators=[Optional(), Length(max=500)],
    )
    dpo_designated_on = DateField(_l("Date de désignation du délégué"), validators=[Optional()])
    referent_name = StringField(_l("Référent"), validators=[Optional(), Length(max=200)])
    referent_email = EmailField(
        _l("E-mail du référent"), validators=[Optional(), email_address(), Length(max=254)]
    )
    is_host = BooleanField(_l("Héberge les applications mutualisées (sous-traitant)"))
    is_active = BooleanField(_l("Active"), default=True)


class UserForm(VersionedForm):
    email = EmailField(
        _l("Adresse e-mail"), validators=[DataRequired(), email_address(), Length(max=254)]
    )
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Langue"), choices=lambda: list(LANGUAGES.items()))
    password = PasswordField(
        _l("Mot de passe initial (12 caractères au moins)"),
        validators=[Optional(), Length(min=12)],
    )


class MembershipForm(Form):
    organisation = SelectField(_l("Organisation"), validators=[DataRequired()])
    role = SelectField(_l("Rôle"), choices=Role.choices)
    expires_at = DateTimeLocalField(
        _l("Expire le (facultatif)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    # Choices set by the view (the actions and kinds of record the trail knows); a code the
    # page does not know (an older action) still filters.
    action = SelectField(
        _l("Action"), validators=[Optional(), Length(max=32)], validate_choice=False
    )
    object_type = SelectField(
        _l("Type d'objet"), validators=[Optional(), Length(max=64)], validate_choice=False
    )
    actor = StringField(_l("Auteur"), validators=[Optional(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    date_from = DateField(_l("Du"), validators=[Optional()])
    date_to = DateField(_l("Au"), validators=[Optional()])
