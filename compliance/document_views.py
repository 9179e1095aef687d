"""Pages around Word documents: prove that a document is authentic, restyle the templates."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileAllowed, FileField, FileRequired

from compliance.access import get_or_404, requires
from compliance.db import get_session
from compliance.document_templates import (
    TemplateRejected,
    reset_template,
    store_template,
    stored_template,
)
from compliance.documents import (
    ExportRecord,
    default_template_path,
    describe_export,
    document_types,
    export_pdf,
    sha256_of,
    verify_document,
)
from compliance.forms import Form
from compliance.pdf import NOT_INSTALLED, PDF_MIMETYPE, PdfUnavailable, pdf_available, pdf_filename
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, selected_organisation_id, visible_organisations

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

verify_bp = Blueprint("verify", __name__)
templates_bp = Blueprint("word_templates", __name__, url_prefix="/documents/templates")


@verify_bp.app_context_processor
def _pdf_helpers():
    # Every page's PDF button (templates/documents/_pdf.html) asks whether it can work.
    return {"pdf_available": pdf_available, "pdf_missing_reason": NOT_INSTALLED}


PDF_FORMAT = "pdf"


def wants_pdf() -> bool:
    """The download form's PDF button was the one pressed (it posts format=pdf)."""
    return request.values.get("format") == PDF_FORMAT


def send_document(session, data: bytes, record: ExportRecord, actor):
    """The download of an export just made: its PDF when the form asked for it (made from the
    same .docx, and recorded with it), else the Word file. When no PDF can be made the session
    is rolled back (nothing was exported) and PdfUnavailable answers a 503 page saying why.
    The caller commits."""
    if wants_pdf():
        try:
            pdf = export_pdf(session, data, record, actor)
        except PdfUnavailable:
            session.rollback()
            raise
        return send_file(
            io.BytesIO(pdf),
            mimetype=PDF_MIMETYPE,
            as_attachment=True,
            download_name=pdf_filename(record.filename),
            max_age=0,
        )
    return send_file(
        io.BytesIO(data),
        mimetype=DOCX_MIMETYPE,
        as_attachment=True,
        download_name=record.filename,
        max_age=0,
    )


@templates_bp.record_once
def _templates_nav(state):
    # Only administrators hold a permission on users: the link is theirs alone.
    state.app.extensions["registry"].add_nav(
        "word_templates.index", _l("Modèles Word"), Register.USERS.value, order=910
    )


class VerifyForm(Form):
    document = FileField(
        _l("Document à vérifier"),
        description=_l("Le fichier exactement tel qu'il a été reçu (.docx ou .pdf)."),
        validators=[FileRequired(_l("Choisissez un fichier."))],
    )


class TemplateForm(Form):
    template = FileField(
        _l("Nouveau modèle (.docx)"),
        validators=[
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["docx"], _l("Seuls les documents Word (.docx) sont acceptés.")),
        ],
    )


# --- verification ----------------------------------------------------------------------------


@verify_bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify():
    form = VerifyForm()
    result, status = None, 200
    if form.validate_on_submit():
        data = form.document.data.read()
        db = get_session()
        record = verify_document(db, data)
        result = {
            "filename": form.document.data.filename,
            "sha256": sha256_of(data),
            "details": describe_export(db, record) if record else None,
        }
    elif request.method == "POST":
        status = 400
    return render_template("documents/verify.html", form=form, result=result), status


# --- restyled templates ----------------------------------------------------------------------


def _admin_organisations():
    return visible_organisations(Register.ORGANISATIONS, Action.ADMIN)


def _administered_organisation(slug: str):
    """An organisation whose templates the user administers; 404 for any other."""
    return get_or_404(Organisation, slug, Action.ADMIN, by="slug", forbidden=404)


def _document_type(name: str):
    """A registered document type; 404 for an unknown name."""
    document_type = document_types().get(name)
    if document_type is None:
        abort(404)
    return document_type


@templates_bp.before_request
@requires(Register.ORGANISATIONS, Action.ADMIN)
def _admins_only() -> None:
    """The templates are restyled by the admins of an organisation."""


def _render_index(organisation, forms=None, status=200):
    rows = [
        {
            "type": document_type,
            "stored": stored_template(document_type, organisation),
            "form": (forms or {}).get(name) or TemplateForm(formdata=None, prefix=name),
        }
        for name, document_type in sorted(document_types().items())
    ]
    return render_template(
        "documents/templates.html",
        organisation=organisation,
        organisations=_admin_organisations(),
        rows=rows,
    ), status


@templates_bp.get("/")
def index():
    slug = request.args.get("organisation")
    organisation = _administered_organisation(slug) if slug else _default_organisation()
    return _render_index(organisation)


def _default_organisation():
    """The organisation picked in the selector, else the host, else the first by name."""
    organisations = _admin_organisations()
    chosen = selected_organisation_id()
    for organisation in organisations:
        if organisation.id == chosen:
            return organisation
    return next((o for o in organisations if o.is_host), organisations[0])


@templates_bp.post("/<slug>/<name>")
def upload(slug: str, name: str):
    organisation, document_type = _administered_organisation(slug), _document_type(name)
    form = TemplateForm(prefix=name)
    if form.validate_on_submit():
        db = get_session()
        try:
            store_template(
                db, document_type, organisation, form.template.data.read(), actor=current_user
            )
        except TemplateRejected as error:
            form.template.errors.append(str(error))
        else:
            db.commit()
            flash(_("Modèle « %(title)s » enregistré.", title=document_type.title), "success")
            return redirect(url_for(".index", organisation=organisation.slug))
    return _render_index(organisation, {name: form}, status=400)


@templates_bp.post("/<slug>/<name>/reset")
def reset(slug: str, name: str):
    organisation, document_type = _administered_organisation(slug), _document_type(name)
    db = get_session()
    if reset_template(db, document_type, organisation, actor=current_user):
        db.commit()
        flash(_("Le modèle d'origine est rétabli."), "success")
    return redirect(url_for(".index", organisation=organisation.slug))


@templates_bp.get("/default/<name>.docx")
def download_default(name: str):
    document_type = _document_type(name)
    return send_file(
        io.BytesIO(default_template_path(document_type.name).read_bytes()),
        mimetype=DOCX_MIMETYPE,
        as_attachment=True,
        download_name=f"{document_type.name}.docx",
    )


@templates_bp.get("/<slug>/<name>.docx")
def download(slug: str, name: str):
    organisation, document_type = _administered_organisation(slug), _document_type(name)
    stored = stored_template(document_type, organisation)
    if stored is None:
        abort(404)
    return send_file(
        io.BytesIO(stored.path.read_bytes()),
        mimetype=DOCX_MIMETYPE,
        as_attachment=True,
        download_name=f"{document_type.name}-{organisation.slug}.docx",
    )
