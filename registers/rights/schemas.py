"""The rights requests register's entity, declared once: a request by which a person exercises a
right of Art. 15 to 22 GDPR (or the French right to set directives after death) with one member
organisation, the controller. Its codes, the shared fields (`RightsRequestBase`, which the table
in models.py inherits), what a write accepts (create, update, each transition), what the API
answers and the list's filters."""

# No `from __future__ import annotations`: the table in models.py inherits these fields, and
# SQLModel needs their annotations as real objects.

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import str_enum
from compliance.enums import LabeledEnum
from compliance.schemas import Input, Output, Query, partial
from compliance.types import Code, Day, Id, Ids, Line, Sentence, Switch, Text, WholeNumber, is_blank

# --- codes ------------------------------------------------------------------------------------


class RightKind(LabeledEnum):
    """The right the person exercises."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"
    AUTOMATED_DECISION = "automated_decision"
    CONSENT_WITHDRAWAL = "consent_withdrawal"
    POST_MORTEM = "post_mortem"

    @classmethod
    def __labels__(cls):
        return {
            cls.ACCESS: _l("Accès (art. 15)"),
            cls.RECTIFICATION: _l("Rectification (art. 16)"),
            cls.ERASURE: _l("Effacement (art. 17)"),
            cls.RESTRICTION: _l("Limitation du traitement (art. 18)"),
            cls.PORTABILITY: _l("Portabilité (art. 20)"),
            cls.OBJECTION: _l("Opposition (art. 21)"),
            cls.AUTOMATED_DECISION: _l("Décision individuelle automatisée (art. 22)"),
            cls.CONSENT_WITHDRAWAL: _l("Retrait du consentement (art. 7.3)"),
            cls.POST_MORTEM: _l("Directives post mortem (loi Informatique et Libertés, art. 85)"),
        }


# The rights whose outcome the controller tells each recipient of the data (Art. 19).
ART19_RIGHTS = (RightKind.RECTIFICATION, RightKind.ERASURE, RightKind.RESTRICTION)


class Channel(LabeledEnum):
    """How the request arrived."""

    POST = "post"
    EMAIL = "email"
    COUNTER = "counter"
    ONLINE_FORM = "online_form"
    CNIL = "cnil"

    @classmethod
    def __labels__(cls):
        return {
            cls.POST: _l("Courrier postal"),
            cls.EMAIL: _l("Courrier électronique"),
            cls.COUNTER: _l("Au guichet"),
            cls.ONLINE_FORM: _l("Formulaire en ligne"),
            cls.CNIL: _l("Par l'intermédiaire de la CNIL"),
        }


class RightsStatus(LabeledEnum):
    """received -> in_progress -> (extended) -> answered / partially_answered / refused /
    withdrawn -> closed."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    ANSWERED = "answered"
    PARTIALLY_ANSWERED = "partially_answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @classmethod
    def __labels__(cls):
        return {
            cls.RECEIVED: _l("Reçue"),
            cls.IN_PROGRESS: _l("En cours de traitement"),
            cls.EXTENDED: _l("Délai prolongé"),
            cls.ANSWERED: _l("Répondue"),
            cls.PARTIALLY_ANSWERED: _l("Répondue partiellement"),
            cls.REFUSED: _l("Refusée"),
            cls.WITHDRAWN: _l("Retirée"),
            cls.CLOSED: _l("Clôturée"),
        }


# The statuses whose clock runs: no outcome yet.
OPEN_STATUSES = (RightsStatus.RECEIVED, RightsStatus.IN_PROGRESS, RightsStatus.EXTENDED)


class Outcome(LabeledEnum):
    """How the request ended (kept when it is closed)."""

    ANSWERED = "answered"
    PARTIALLY_ANSWERED = "partially_answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @classmethod
    def __labels__(cls):
        return {
            cls.ANSWERED: _l("Répondue"),
            cls.PARTIALLY_ANSWERED: _l("Répondue partiellement"),
            cls.REFUSED: _l("Refusée"),
            cls.WITHDRAWN: _l("Retirée"),
        }


class RefusalGround(LabeledEnum):
    """Why the controller does not act on the request (or on part of it)."""

    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"
    ERASURE_EXCEPTION = "erasure_exception"
    COMPELLING_GROUNDS = "compelling_grounds"
    RIGHTS_OF_OTHERS = "rights_of_others"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.MANIFESTLY_UNFOUNDED: _l("Demande manifestement infondée (art. 12.5)"),
            cls.EXCESSIVE: _l("Demande excessive, notamment répétitive (art. 12.5)"),
            cls.ERASURE_EXCEPTION: _l("Exception au droit à l'effacement (art. 17.3)"),
            cls.COMPELLING_GROUNDS: _l("Motifs légitimes et impérieux (art. 21.1)"),
            cls.RIGHTS_OF_OTHERS: _l("Atteinte aux droits et libertés d'autrui (art. 15.4)"),
            cls.OTHER: _l("Autre motif"),
        }


# The grounds that need their text (which exception, which provision).
GROUNDS_WITH_DETAILS = (
    RefusalGround.ERASURE_EXCEPTION,
    RefusalGround.RIGHTS_OF_OTHERS,
    RefusalGround.OTHER,
)

# The grounds that hold only for some rights; the others (Art. 12(5), another ground) hold for
# any right.
GROUND_RIGHTS = {
    RefusalGround.ERASURE_EXCEPTION: (RightKind.ERASURE,),
    RefusalGround.COMPELLING_GROUNDS: (RightKind.OBJECTION,),
    RefusalGround.RIGHTS_OF_OTHERS: (RightKind.ACCESS, RightKind.PORTABILITY),
}


# --- a request ---------------------------------------------------------------------------------


class RightsRequestBase(SQLModel):
    """The fields of a request that a write sets and the API answers. What names or describes
    the person is encrypted at rest."""

    organisation_id: Id = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    person_name: Line = Field(max_length=300, sa_type=EncryptedText, nullable=False)
    person_contact: Text | None = Field(default=None, max_length=1_000, sa_type=EncryptedText)
    right: Code[RightKind] = Field(sa_type=str_enum(RightKind), nullable=False, index=True)
    channel: Code[Channel] = Field(sa_type=str_enum(Channel), nullable=False)
    received_on: Day = Field(nullable=False, index=True)
    details: Text | None = Field(default=None, max_length=10_000, sa_type=EncryptedText)

    # Identity verification (Art. 12(6)): the clock stops only on a reasonable doubt, recorded
    # with its reason, from the day proof is asked for to the day it arrives.
    identity_requested_on: Day | None = Field(default=None)
    identity_received_on: Day | None = Field(default=None)
    identity_doubt_reason: Text | None = Field(
        default=None, max_length=5_000, sa_type=EncryptedText
    )


class RightsRequestCreate(RightsRequestBase, Input):
    """A new request: its controller, the person, the right, the channel and the day of receipt
    are required; `processing_ids` and `application_ids` are the controller's activities and
    applications of the map where the data is searched."""

    identity_doubt_reason: Sentence | None = Field(default=None, max_length=5_000)
    processing_ids: Ids = Field(default_factory=list)
    application_ids: Ids = Field(default_factory=list)


RightsRequestUpdate = partial(RightsRequestCreate)
# The controller of a request never changes.
FIXED_AFTER_CREATION = ("organisation_id",)


class Versioned(Input):
    """The version of the record the client read (optimistic locking)."""

    version: int = Field(description="The version read (optimistic locking).")


class RightsRequestPatch(RightsRequestUpdate, Versioned):
    """A request's changes and the version read (the API's PATCH)."""


# --- the transitions ---------------------------------------------------------------------------


class Extension(Input):
    """Art. 12(3): two further months, with the reasons, told to the person within the first
    month."""

    extension_reasons: Sentence = Field(max_length=5_000)
    extension_notified_on: Day


class Answer(Input):
    """The answer given (Art. 12(3)); a partial answer says why the rest is refused and that the
    person was told of the remedies (Art. 12(4))."""

    answered_on: Day
    answer_summary: Sentence = Field(max_length=10_000)
    answer_means: Line = Field(max_length=300)
    partial: Switch = False
    refusal_ground: Code[RefusalGround] | None = None
    refusal_details: Line | None = Field(default=None, max_length=500)
    refusal_reasoning: Sentence | None = Field(default=None, max_length=10_000)
    remedies_mentioned: Switch = False
    # Art. 21(3): an objection to direct marketing is never refused; compelling legitimate
    # grounds need the confirmation that the objection concerns something else.
    not_direct_marketing: Switch = False


class Refusal(Input):
    """The refusal to act (Art. 12(4) and 12(5)): the ground, its reasoning, and the mention in
    the letter of the right to complain to the CNIL and to seek a judicial remedy."""

    answered_on: Day
    refusal_ground: Code[RefusalGround]
    refusal_details: Line | None = Field(default=None, max_length=500)
    refusal_reasoning: Sentence = Field(max_length=10_000)
    answer_means: Line | None = Field(default=None, max_length=300)
    remedies_mentioned: Switch = False
    # Art. 21(3): an objection to direct marketing is never refused; compelling legitimate
    # grounds need the confirmation that the objection concerns something else.
    not_direct_marketing: Switch = False


class Withdrawal(Input):
    """The person withdrew the request."""

    withdrawn_on: Day


class Closing(Input):
    """Closing the file; for a rectification, an erasure or a restriction answered, the
    recipients told of it (Art. 19)."""

    recipients_informed: Text | None = Field(default=None, max_length=5_000)
    recipients_informed_on: Day | None = None


class Transition(Input):
    """A transition that takes nothing but the version read."""


class ExtensionPost(Extension, Versioned):
    """The extension and the version read (the API's POST)."""


class AnswerPost(Answer, Versioned):
    """The answer and the version read (the API's POST)."""


class RefusalPost(Refusal, Versioned):
    """The refusal and the version read (the API's POST)."""


class WithdrawalPost(Withdrawal, Versioned):
    """The withdrawal and the version read (the API's POST)."""


class ClosingPost(Closing, Versioned):
    """The closing and the version read (the API's POST)."""


class TransitionPost(Versioned):
    """The version read (the API's POST of a transition without values)."""


# --- what the API answers -----------------------------------------------------------------------


class OrganisationRef(Output):
    id: int
    slug: str
    name: str


class ActivityRef(Output):
    id: int
    reference: str
    name: str


class ApplicationRef(Output):
    id: int
    name: str


class RightsRequestRead(RightsRequestBase, Output):
    """A request as the API answers it."""

    id: int
    reference: str
    status: RightsStatus
    outcome: Outcome | None
    due_on: date
    extended_due_on: date | None
    # The date that applies now: the extended one once extended.
    applicable_due_on: date
    clock_suspended: bool
    late: bool
    started_on: date | None
    extension_reasons: str | None
    extension_notified_on: date | None
    answered_on: date | None
    answer_summary: str | None
    answer_means: str | None
    refusal_ground: RefusalGround | None
    refusal_details: str | None
    refusal_reasoning: str | None
    remedies_mentioned: bool
    withdrawn_on: date | None
    recipients_informed: str | None
    recipients_informed_on: date | None
    closed_at: datetime | None
    processing_ids: list[int]
    application_ids: list[int]
    processing_activities: list[ActivityRef] = Field(validation_alias="activities")
    applications: list[ApplicationRef]
    organisation: OrganisationRef
    version: int
    created_at: datetime
    updated_at: datetime


# --- the list's filters ---------------------------------------------------------------------------

SORTS = ("due", "received", "reference", "status", "organisation")


class RightsRequestFilters(Query):
    """The list's filters, from the query string."""

    q: Line | None = None
    status: Code[RightsStatus] | None = None
    right: Code[RightKind] | None = None
    organisation_id: WholeNumber | None = None
    processing_id: WholeNumber | None = None
    application_id: WholeNumber | None = None
    year: WholeNumber | None = Field(default=None, ge=1900, le=9999)
    late: Switch = False
    open_only: Switch = False
    sort: Line = Field(
        default="due",
        description="due, received, reference, status or organisation; - before: descending",
    )

    @field_validator("sort", mode="before")
    @classmethod
    def _default_sort(cls, value):
        return "due" if is_blank(value) else value

    @field_validator("sort", mode="after")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value.lstrip("-") not in SORTS:
            raise ValueError(
                _("doit être l'une des valeurs : %(allowed)s", allowed=", ".join(SORTS))
            )
        return value
