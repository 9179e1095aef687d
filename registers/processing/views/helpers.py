"""Small pieces the pages of the record of processing activities share: the choices of the edit
form, service errors put back on the form, and what differs in the repeated rows when two
people edited the same fiche; the template helpers of the blueprint, and the form steps of an
activity's sheet."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, current_app, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from compliance.auth import can
from compliance.db import ConflictError, get_session
from compliance.forms import conflict_report
from compliance.permissions import Action
from registers.applications.models import Application, Deployment, Vendor
from registers.processing import forms, services
from registers.processing.forms import SECTIONS
from registers.processing.models import ProcessingActivity, ProcessingApplication
from registers.processing.processor import host_organisation
from registers.processing.queries import REGISTER
from registers.processing.reference import ProcessingRole, ProcessingStatus
from registers.processing.schemas import FieldErrors, check_rows, row_fields, row_value
from registers.processing.serialise import child_rows


def application_choices(organisation_id: int, linked=()) -> list[Application]:
    """The applications an activity of this organisation may rely on: those it uses (a live
    deployment), and those already linked."""
    deployed = sa.select(Deployment.application_id).where(
        Deployment.organisation_id == organisation_id, Deployment.archived_at.is_(None)
    )
    condition = Application.id.in_(deployed)
    linked_ids = [a.id for a in linked]
    if linked_ids:
        condition = sa.or_(condition, Application.id.in_(linked_ids))
    statement = sa.select(Application).where(condition).order_by(Application.name)
    return list(get_session().scalars(statement))


def vendor_choices() -> list[Vendor]:
    statement = sa.select(Vendor).where(Vendor.archived_at.is_(None)).order_by(Vendor.name)
    return list(get_session().scalars(statement))


def organisation_applications(organisation_id: int) -> list[Application]:
    """Applications that an activity of this organisation relies on (for the list filter)."""
    used = (
        sa.select(ProcessingApplication.application_id)
        .join(ProcessingActivity, ProcessingActivity.id == ProcessingApplication.processing_id)
        .where(ProcessingActivity.organisation_id == organisation_id)
    )
    statement = sa.select(Application).where(Application.id.in_(used)).order_by(Application.name)
    return list(get_session().scalars(statement))


# --- service errors on the form -------------------------------------------------------------

_ROW_KEY = re.compile(r"^(?P<section>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?$")


def _shaped_like(message: str, template: str, **sample) -> bool:
    """Whether `message` is `template` (a gettext source) filled in with any values: each
    sample value given stands for its placeholder."""
    pattern = re.escape(_(template, **sample))
    for value in sample.values():
        pattern = pattern.replace(re.escape(str(value)), ".+")
    return re.fullmatch(pattern, message, re.DOTALL) is not None


def translate(message: str) -> str:
    """The form's wording of the services' messages (written for the API), in the user's
    language like them."""
    known = {
        _("est obligatoire"): _("Champ obligatoire."),
        _("une seule finalité peut être la finalité principale"): _(
            "Une seule finalité peut être la finalité principale."
        ),
        _("indiquez ce qui est à corriger"): _("Dites au référent ce qui doit être corrigé."),
    }
    if message in known:
        return known[message]
    if _shaped_like(
        message, "la référence « %(reference)s » est déjà utilisée", reference="@@reference@@"
    ):
        return _("Cette référence est déjà utilisée dans le registre de l'organisation.")
    if _shaped_like(message, "%(max)d caractères au plus", max=987654321):
        return _("Texte trop long (%(detail)s).", detail=message)
    return _("Valeur refusée : %(detail)s.", detail=message)


def attach_errors(form, errors: dict[str, str], kept_rows: dict[str, list[int]]) -> None:
    """Put the services' FieldErrors on the form. A row key `purposes[1].legal_basis` counts
    the kept rows only; `kept_rows[section]` gives each one's index in the page."""
    for key, message in errors.items():
        text = translate(message)
        match = _ROW_KEY.match(key)
        target = None
        if match and match["section"] in SECTIONS:
            indexes = kept_rows.get(match["section"], [])
            position = int(match["index"])
            if position < len(indexes):
                row = form[match["section"]][indexes[position]].form
                target = row._fields.get(match["field"] or "")
        elif key in SECTIONS:
            form.form_errors.append(f"{SECTIONS[key][1]} : {text}")
            continue
        else:
            target = form._fields.get(key)
        if target is not None:
            target.errors = [*target.errors, text]
        else:
            form.form_errors.append(text)


# --- conflicts in the repeated rows -----------------------------------------------------------


def _row_text(section: str, row: dict) -> str:
    parts = []
    for key in row_fields(section):
        value = row.get(key)
        if value in (None, "", False):
            continue
        label = getattr(value, "label", None)
        parts.append(str(label) if label else ("✓" if value is True else str(value)))
    return " · ".join(parts)


def row_differences(record, form) -> list[dict]:
    """Sections whose stored rows differ from the submitted ones, for the conflict report."""
    differences = []
    for section, (_row_form, legend, _help) in SECTIONS.items():
        try:
            submitted = check_rows(section, [values for _i, values in form.rows(section)])
        except FieldErrors:
            submitted = [values for _i, values in form.rows(section)]
        if section == "purposes" and submitted and not any(r.get("is_main") for r in submitted):
            submitted[0] = {**submitted[0], "is_main": True}  # as the service decides
        stored = child_rows(record, section)
        submitted_text = [_row_text(section, row) for row in submitted]
        stored_text = [
            _row_text(section, {k: _enum_value(section, k, v) for k, v in row.items()})
            for row in stored
        ]
        if submitted_text != stored_text:
            differences.append(
                {
                    "label": str(legend),
                    "current": "\n".join(stored_text) or "—",
                    "submitted": "\n".join(submitted_text) or "—",
                }
            )
    stored_apps = sorted(a.id for a in record.applications)
    if sorted(form.application_ids.data or []) != stored_apps:
        names = {a.id: a.name for a in record.applications}
        names.update(dict(form.application_ids.choices))
        differences.append(
            {
                "label": str(form.application_ids.label.text),
                "current": "\n".join(names.get(i, str(i)) for i in stored_apps) or "—",
                "submitted": "\n".join(
                    names.get(i, str(i)) for i in sorted(form.application_ids.data or [])
                )
                or "—",
            }
        )
    return differences


def _enum_value(section: str, key: str, value):
    """A stored code back to its enum member, so that both sides show the same label."""
    return row_value(section, key, value)


# --- shared by the pages -------------------------------------------------------------------


STATUS_TONES = {
    "draft": "neutral",
    "submitted": "info",
    "validated": "success",
    "archived": "warning",
}


def template_helpers():
    return {
        "format_date": format_date,
        "status_tones": STATUS_TONES,
        "statuses": ProcessingStatus,
        "may_validate_somewhere": can(REGISTER, Action.VALIDATE),
        "endpoints": current_app.view_functions,
        "may_read_processor_register": may_read_processor_register,
    }


def may_read_processor_register() -> bool:
    """Whether the user may read the host organisation's register (its processor's register)."""
    host = host_organisation(get_session())
    return host is not None and can(REGISTER, Action.READ, host.id)


def submit_form(form, write: Callable[[], object], reload: Callable[[], object] | None = None):
    """Validate `form`, run `write` and commit. Returns (done, conflict, status): 400 with the
    form's messages on bad input, 409 with what changed on a stale version."""
    if not form.validate_on_submit():
        return False, None, 400 if request.method == "POST" else 200
    db = get_session()
    try:
        write()
        db.commit()
    except ConflictError:
        db.rollback()
        if reload is None:
            raise
        record = reload()
        conflict = conflict_report(db, form, record)
        if isinstance(form, forms.ActivityForm):
            conflict["differences"] += row_differences(record, form)
        form.version.data = record.version
        return False, conflict, 409
    except services.FieldErrors as error:
        db.rollback()
        kept = {}
        if isinstance(form, forms.ActivityForm):
            kept = {name: [i for i, _v in form.rows(name)] for name in forms.SECTIONS}
        attach_errors(form, error.errors, kept)
        return False, None, 400
    except services.PermissionDenied:
        db.rollback()
        abort(403)
    except services.WorkflowError as error:
        db.rollback()
        form.form_errors.append(translate_workflow(error))
        return False, None, 409
    return True, None, 200


def translate_workflow(error: Exception) -> str:
    message = str(error)
    if message == _("une fiche archivée doit être restaurée avant d'être modifiée"):
        return _("Cette fiche est archivée : restaurez-la avant de la modifier.")
    if message == _("un traitement type ne se soumet pas au délégué"):
        return _("Un traitement type ne se soumet pas : il s'applique aux membres.")
    return _("Cette action n'est pas possible pour une fiche dans cet état.")


def activity_form(activity, organisation, *, obj=None):
    linked = activity.applications if activity is not None else ()
    form = forms.ActivityForm(
        obj=obj,
        applications=application_choices(organisation.id, linked),
        vendors=vendor_choices(),
    )
    if not form.is_submitted():
        if activity is not None:
            form.application_ids.data = [a.id for a in activity.applications]
        form.offer_blank_rows(2 if activity is None else forms.BLANK_ROWS)
    return form


def added_section(form) -> str | None:
    """The section whose "add rows" button was pressed, if one was."""
    section = request.form.get("add_rows")
    return section if section in forms.SECTIONS and form.is_submitted() else None


def render_activity_form(form, activity, organisation, *, conflict=None, status=200, focus=None):
    return render_template(
        "processing/form.html",
        form=form,
        activity=activity,
        organisation=organisation,
        conflict=conflict,
        sections=forms.SECTIONS,
        focus=focus,
        joint=ProcessingRole.JOINT_CONTROLLER.value,
    ), status
