"""What the law requires before an activity's state changes, without touching the database:
what validating an activity still lacks (the Art. 30 items for its kind of record and a DPIA
screening), whether the DPO's reason for validating despite it says something, and what a DPIA
marked completed must give (Art. 35(2) and 35(7)).

The services enforce these rules (web form, API and CLI alike); the pages read them to show the
DPO what is missing before they press the button."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from compliance.types import SENTENCE_MIN_LETTERS, SENTENCE_MIN_WORDS, says_something
from registers.processing import compute
from registers.processing.reference import DpiaStatus, ProcessingRole

# Items of the controller's record (Art. 30(1)) that a processor's record (Art. 30(2)) does not
# ask for: purposes, categories of people and data, recipients, retention periods.
CONTROLLER_ONLY = frozenset(
    {
        "joint_controllers",
        "main_purpose",
        "legal_basis",
        "subjects",
        "data_categories",
        "recipients",
        "retention",
        "archiving",
        "data_source",
        "joint_arrangement",
    }
)
# Where the edit form holds each item (a field's id, or a repeated section's).
ANCHORS = {
    "name": "name",
    "responsible_service": "responsible_service",
    "joint_controllers": "other_controllers",
    "controllers": "other_controllers",
    "main_purpose": "section-purposes",
    "legal_basis": "section-purposes",
    "subjects": "section-subjects",
    "data_categories": "section-data_categories",
    "retention": "section-data_categories",
    "archiving": "section-data_categories",
    "data_source": "data_source",
    "joint_arrangement": "joint_arrangement",
    "recipients": "section-recipients",
    "transfers": "section-transfers",
    "security": "section-security_measures",
}
DPIA_SCREENING = "dpia_screening"
OVERRIDE_FIELD = "override_reason"


@dataclass(frozen=True)
class Gap:
    """Something validating the activity still lacks."""

    code: str
    label: object  # a lazy translated string
    anchor: str | None = None  # the edit form's field; None for the DPIA screening page

    @property
    def on_dpia_page(self) -> bool:
        return self.code == DPIA_SCREENING

    def __str__(self) -> str:
        return str(self.label)


CONTROLLERS = compute.Item(
    "controllers",
    _l("Responsables de traitement pour le compte desquels l'organisation agit (art. 30.2.a)"),
)
SCREENING = compute.Item(
    DPIA_SCREENING,
    _l("Criblage AIPD (art. 35) : aucun critère coché ni observation consignée"),
)


def dpia_screened(activity) -> bool:
    """Whether the DPIA screening was done: a criterion, a type of the CNIL's list or an
    Art. 35(3) case ticked, or observations written (when none applies, they say so)."""
    ticked = activity.dpia_criteria or activity.dpia_cnil_types or activity.dpia_art35_cases
    return bool(ticked or (activity.dpia_screening_notes or "").strip())


def record_items(activity) -> list[compute.Item]:
    """The Art. 30 items the activity's kind of record needs and does not give: the
    controller's record (Art. 30(1)), or the processor's (Art. 30(2))."""
    items = compute.missing_items(activity)
    if activity.role != ProcessingRole.PROCESSOR:
        return items
    items = [item for item in items if item.code not in CONTROLLER_ONLY]
    if not (activity.other_controllers or "").strip():
        items.insert(1 if items and items[0].code == "name" else 0, CONTROLLERS)
    return items


def validation_gaps(activity) -> list[Gap]:
    """What validating the activity lacks: its Art. 30 items, then the DPIA screening."""
    items = record_items(activity)
    if not dpia_screened(activity):
        items.append(SCREENING)
    return [Gap(item.code, item.label, ANCHORS.get(item.code)) for item in items]


def is_sentence(text: str | None) -> bool:
    """Whether a written reason says something (the kernel's rule for every reason)."""
    return says_something(text)


def reason_error() -> str:
    return _(
        "écrivez le motif de la validation malgré les éléments manquants en une phrase "
        "(au moins %(words)d mots et %(letters)d lettres)",
        words=SENTENCE_MIN_WORDS,
        letters=SENTENCE_MIN_LETTERS,
    )


def gap_errors(gaps: list[Gap]) -> dict:
    """The errors of a validation refused for `gaps`, one per gap, and what to do instead."""
    errors = {
        gap.code: _("élément manquant pour valider : %(item)s", item=str(gap.label)) for gap in gaps
    }
    errors[OVERRIDE_FIELD] = _(
        "%(count)d élément(s) manquant(s) : complétez la fiche, ou validez par dérogation en "
        "écrivant le motif",
        count=len(gaps),
    )
    return errors


# --- the DPIA ----------------------------------------------------------------------------------

DPIA_COMPLETED_NEEDS = {
    "dpia_done_on": _l("indiquez la date à laquelle l'AIPD a été réalisée"),
    "dpia_conclusion": _l("indiquez la conclusion de l'AIPD (art. 35.7)"),
    "dpia_dpo_opinion": _l("indiquez l'avis du délégué à la protection des données (art. 35.2)"),
}


def dpia_errors(values: dict) -> dict:
    """A DPIA marked completed gives its date, its conclusion and the DPO's opinion; `values`:
    the activity's DPIA fields as they would be after the write."""
    if values.get("dpia_status") != DpiaStatus.COMPLETED:
        return {}
    return {
        name: str(message)
        for name, message in DPIA_COMPLETED_NEEDS.items()
        if values.get(name) is None or not str(values.get(name)).strip()
    }
