"""Forms of the annual report's pages (no queries: the views fill the choices). The values go
to the schemas, which check them with the API's messages: the fields are plain text inputs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from compliance.forms import (
    Form,
    QuickSelectField,
    VersionedForm,
    max_length,
    optional_int,
    required,
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SessionForm(VersionedForm):
    organisation_id = QuickSelectField(
        _l("Organisation"),
        coerce=optional_int,
        description=_l("Le syndicat lui-même pour une session ouverte à tout le service."),
        validators=[required()],
    )
    held_on = StringField(_l("Date"), validators=[required()], filters=[_strip])
    audience = StringField(
        _l("Public"),
        description=_l("Par exemple : élus, agents du service social, direction générale."),
        validators=[required(), max_length(200)],
        filters=[_strip],
    )
    topic = StringField(_l("Thème"), validators=[required(), max_length(300)], filters=[_strip])
    attendees = StringField(_l("Nombre de participants"), validators=[required()], filters=[_strip])
    duration_minutes = StringField(_l("Durée (minutes)"), validators=[Optional()], filters=[_strip])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), max_length(5000)])


class SessionEditForm(SessionForm):
    """Editing a session: its organisation stays."""

    organisation_id = None


class ArchiveForm(VersionedForm):
    """Archive or restore: nothing but the version the user saw."""


class RecommendationForm(VersionedForm):
    text = TextAreaField(
        _l("Recommandations du délégué"),
        description=_l(
            "Ce que le délégué recommande pour l'année suivante : elles figurent telles quelles "
            "dans le bilan."
        ),
        validators=[required(), max_length(20000)],
    )


class ExportForm(Form):
    """The download buttons (Word or PDF): nothing but the CSRF token."""
