"""What the application map's pages share: the template helpers of the blueprint and the form
steps (errors, submit, archive)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_babel import format_date

from compliance.access import CATALOGUE_EDITOR, allowed
from compliance.db import get_session
from compliance.forms import attach_errors, submit
from compliance.schemas import FieldErrors
from registers.applications import forms
from registers.applications.models import need_label
from registers.applications.queries import (
    visible_vendors,
)


def template_helpers():
    return {
        "format_date": format_date,
        "need_label": need_label,
        "may_edit_catalogue": allowed(CATALOGUE_EDITOR),
    }


# Service field -> form field, where their names differ.
FORM_FIELDS = {
    "functions": "functions_text",
    "source_application_id": "other_application_id",
    "target_application_id": "other_application_id",
}


def attach_form_errors(form, error: FieldErrors) -> None:
    attach_errors(form, error, FORM_FIELDS)


def submit_form(form, write: Callable[[], object], reload: Callable[[], object] | None = None):
    return submit(form, write, reload, aliases=FORM_FIELDS)


def archive_form() -> forms.ArchiveForm:
    form = forms.ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def vendor_list():
    return list(get_session().scalars(visible_vendors()))
