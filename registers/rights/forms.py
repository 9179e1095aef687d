"""Forms of the rights request pages (no queries: the views fill the choices). The values are
checked by the schemas (schemas.py), as the API's are."""

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

from compliance.forms import (
    QuickSelectField,
    VersionedForm,
    max_length,
    optional_enum,
    optional_int,
    required,
)
from registers.rights.schemas import Channel, RefusalGround, RightKind

ENCRYPTED = _l("Chiffré dans la base.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _choices(enum_cls, blank=None):
    head = [("", blank)] if blank is not None else []
    return head + enum_cls.choices()


def _text(label, description=None, needed=False):
    validators = [required()] if needed else [Optional()]
    return TextAreaField(label, validators=validators, filters=[_strip], description=description)


def _day(label, description=None, needed=False):
    validators = [required(typed=True)] if needed else [Optional()]
    return DateField(label, validators=validators, description=description)


class RightsRequestForm(VersionedForm):
    organisation_id = QuickSelectField(
        _l("Responsable de traitement"),
        coerce=optional_int,
        validators=[required()],
        description=_l("L'organisation membre à qui la demande est adressée."),
    )
    person_name = StringField(
        _l("Personne concernée"),
        validators=[required(), max_length(300)],
        filters=[_strip],
        description=ENCRYPTED,
    )
    person_contact = _text(_l("Coordonnées"), _l("Adresse postale ou électronique. Chiffrées."))
    right = SelectField(
        _l("Droit exercé"),
        coerce=optional_enum(RightKind),
        choices=lambda: _choices(RightKind, ""),
        validators=[required()],
    )
    channel = SelectField(
        _l("Canal de réception"),
        coerce=optional_enum(Channel),
        choices=lambda: _choices(Channel, ""),
        validators=[required()],
    )
    received_on = _day(
        _l("Reçue le"),
        _l("Le délai d'un mois court à partir du lendemain (règlement n° 1182/71)."),
        needed=True,
    )
    details = _text(_l("Objet de la demande"), ENCRYPTED)
    processing_ids = SelectMultipleField(
        _l("Traitements concernés"), coerce=int, validators=[Optional()]
    )
    application_ids = SelectMultipleField(
        _l("Applications où chercher les données"),
        coerce=int,
        validators=[Optional()],
        description=_l(
            "Les applications qui supportent les traitements cochés sont proposées (cochées "
            "d'office) ; décochez celles qui ne détiennent pas de données de la personne."
        ),
    )
    identity_requested_on = _day(_l("Justificatif d'identité demandé le"))
    identity_received_on = _day(_l("Justificatif d'identité reçu le"))
    identity_doubt_reason = _text(
        _l("Doute raisonnable sur l'identité (article 12.6)"),
        _l(
            "Seul un doute raisonnable, motivé ici, suspend le délai : du jour de la demande du "
            "justificatif au jour de sa réception. Sans motif, le délai continue de courir."
        ),
    )


class RightsRequestEditForm(RightsRequestForm):
    """The controller of a request never changes: the edit form does not offer it."""

    organisation_id = None


class ActionForm(VersionedForm):
    """A button that posts the record's version (start, reopen)."""


class ExtensionForm(VersionedForm):
    extension_reasons = _text(
        _l("Motifs de la prolongation"),
        _l("La complexité ou le nombre des demandes (article 12.3)."),
        needed=True,
    )
    extension_notified_on = _day(
        _l("Personne informée le"),
        _l("Au plus tard à l'échéance du premier mois."),
        needed=True,
    )


def _refusal_fields(cls, needed: bool):
    cls.refusal_ground = SelectField(
        _l("Motif du refus"),
        coerce=optional_enum(RefusalGround),
        choices=lambda: _choices(RefusalGround, ""),
        validators=[required()] if needed else [Optional()],
    )
    cls.refusal_details = StringField(
        _l("Précision du motif"),
        validators=[Optional(), max_length(500)],
        filters=[_strip],
        description=_l("L'exception de l'article 17.3 invoquée, ou l'autre motif."),
    )
    cls.refusal_reasoning = _text(_l("Motivation"), ENCRYPTED, needed=needed)
    cls.not_direct_marketing = BooleanField(
        _l("L'opposition ne porte pas sur la prospection (article 21.3)"),
        description=_l(
            "À cocher pour invoquer des motifs légitimes et impérieux : l'opposition à la "
            "prospection ne peut jamais être refusée."
        ),
    )
    cls.remedies_mentioned = BooleanField(
        _l(
            "Le courrier mentionne le droit d'introduire une réclamation auprès de la CNIL et "
            "de former un recours juridictionnel"
        )
    )
    return cls


class AnswerForm(VersionedForm):
    answered_on = _day(_l("Réponse envoyée le"), needed=True)
    answer_summary = _text(_l("Contenu de la réponse"), ENCRYPTED, needed=True)
    answer_means = StringField(
        _l("Moyen de la réponse"),
        validators=[required(), max_length(300)],
        filters=[_strip],
        description=_l("Courrier recommandé, courriel, remise en main propre…"),
    )
    partial = BooleanField(_l("Réponse partielle : une partie de la demande est refusée"))


_refusal_fields(AnswerForm, needed=False)


class RefusalForm(VersionedForm):
    answered_on = _day(_l("Refus notifié le"), needed=True)
    answer_means = StringField(
        _l("Moyen de la réponse"), validators=[Optional(), max_length(300)], filters=[_strip]
    )


_refusal_fields(RefusalForm, needed=True)


class WithdrawalForm(VersionedForm):
    withdrawn_on = _day(_l("Retirée le"), needed=True)


class ClosingForm(VersionedForm):
    recipients_informed = _text(
        _l("Destinataires informés (article 19)"),
        _l(
            "Pour une rectification, un effacement ou une limitation : les destinataires des "
            "données informés, ou pourquoi aucun ne l'a été."
        ),
    )
    recipients_informed_on = _day(_l("Destinataires informés le"))
