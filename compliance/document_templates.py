"""An organisation's restyled Word templates: checked in the sandbox, kept in the instance
folder, audited."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from flask_babel import gettext as _
from jinja2.exceptions import SecurityError, TemplateError
from lxml import etree
from sqlalchemy.orm import Session

from compliance import audit
from compliance.db import utcnow
from compliance.demo_database import demo_context
from compliance.documents import (
    DocumentType,
    ExportRecord,
    export_stamp,
    override_path,
    render_docx_source,
    sha256_of,
)
from compliance.render_limits import TemplateLimitExceeded
from compliance.tenancy import Organisation

MAX_TEMPLATE_SIZE = 5 * 1024 * 1024
# A few megabytes of zip can inflate to gigabytes: refuse before anything unpacks it.
MAX_UNPACKED_SIZE = 50 * 1024 * 1024
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class TemplateRejected(ValueError):
    """An uploaded template that is not used, with the reason shown to the administrator."""


@dataclass(frozen=True)
class StoredTemplate:
    path: Path
    size: int
    uploaded_at: datetime


def check_stamp(actor=None) -> dict:
    """The export stamp a template is checked with: an export not numbered yet."""
    return export_stamp(ExportRecord(id=0, created_at=utcnow()), actor)


def _check_package(data: bytes) -> None:
    if len(data) > MAX_TEMPLATE_SIZE:
        raise TemplateRejected(_("Le fichier dépasse la taille autorisée (5 Mo)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TemplateRejected(_("Ce fichier n'est pas un document Word (.docx).")) from None
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise TemplateRejected(_("Ce fichier n'est pas un document Word (.docx)."))
        if sum(member.file_size for member in members) > MAX_UNPACKED_SIZE:
            raise TemplateRejected(_("Le document décompressé est trop volumineux."))
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise TemplateRejected(_("Les modèles contenant des macros sont refusés."))
        for name in sorted(n for n in names if n.endswith(".rels")):
            _check_relationships(archive.read(name))


def _check_relationships(xml: bytes) -> None:
    """Refuse links Word would follow on opening (a remote template is a known attack)."""
    try:
        root = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError:
        raise TemplateRejected(_("Ce fichier n'est pas un document Word (.docx).")) from None
    for relationship in root.iter(f"{_RELS_NS}Relationship"):
        external = relationship.get("TargetMode") == "External"
        if external and relationship.get("Type") != HYPERLINK:
            raise TemplateRejected(
                _(
                    "Le modèle fait référence à une ressource externe (%(target)s) : "
                    "enregistrez-le sans modèle attaché ni objet lié.",
                    target=relationship.get("Target", "?")[:100],
                )
            )


def check_template(
    data: bytes,
    document_type: DocumentType,
    *,
    session: Session | None = None,
    organisation: Organisation | None = None,
    user=None,
) -> None:
    """Raise TemplateRejected unless data is a Word file that renders, within the render
    limits, with what the document type's context builder makes of the demo, and of the
    organisation's own data when it has some (a template can behave differently on real
    data)."""
    _check_package(data)
    try:
        Document(io.BytesIO(data))
    except Exception:
        raise TemplateRejected(_("Ce fichier n'est pas un document Word (.docx).")) from None
    check_render(data, {**demo_context(document_type.context), "export": check_stamp(user)})
    if session is not None and organisation:
        live = document_type.context(session, organisation, user)
        if live is not None:
            try:
                check_render(data, {**live, "export": check_stamp(user)})
            except TemplateRejected as error:
                raise TemplateRejected(
                    _("Avec les données de l'organisation : %(message)s", message=error)
                ) from None


def check_render(data: bytes, context: dict) -> None:
    """Raise TemplateRejected unless the template renders this context into a readable
    document, within the render limits."""
    try:
        rendered = render_docx_source(data, context)
    except TemplateLimitExceeded as error:
        raise TemplateRejected(
            _("Le modèle dépasse les limites de rendu : %(error)s", error=error)
        ) from None
    except SecurityError as error:
        raise TemplateRejected(
            _("Le modèle tente une opération interdite : %(error)s", error=error)
        ) from None
    except TemplateError as error:
        raise TemplateRejected(
            _("Le modèle contient une erreur de balise : %(error)s", error=error)
        ) from None
    except Exception as error:
        raise TemplateRejected(
            _("Le modèle ne peut pas être rendu : %(error)s", error=error)
        ) from None
    try:
        Document(io.BytesIO(rendered))
    except Exception:
        raise TemplateRejected(_("Le document produit par ce modèle est illisible.")) from None


def stored_template(document_type: DocumentType, organisation: Organisation):
    path = override_path(document_type.name, organisation)
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return StoredTemplate(path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, tz=UTC))


def store_template(
    session: Session,
    document_type: DocumentType,
    organisation: Organisation,
    data: bytes,
    *,
    actor,
) -> StoredTemplate:
    """Check an uploaded template and make it the organisation's layout for the document."""
    check_template(
        data,
        document_type,
        session=session,
        organisation=organisation,
        user=actor if getattr(actor, "id", None) is not None else None,
    )
    path = override_path(document_type.name, organisation)
    previous = path.read_bytes() if path.is_file() else None
    audit.record(
        session,
        action="template_upload",
        actor=actor,
        organisation_id=organisation.id,
        object_type="WordTemplate",
        object_id=document_type.name,
        summary=f"Word template {document_type.name} restyled for {organisation.slug}",
        changes={
            "sha256": {
                "before": sha256_of(previous) if previous else None,
                "after": sha256_of(data),
            }
        },
    )
    # Written after the audit entry: a failure here leaves the transaction to be rolled back.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".docx.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return stored_template(document_type, organisation)


def reset_template(
    session: Session, document_type: DocumentType, organisation: Organisation, *, actor
) -> bool:
    """Go back to the shipped template; False when there was nothing to remove."""
    path = override_path(document_type.name, organisation)
    if path is None or not path.is_file():
        return False
    previous = path.read_bytes()
    audit.record(
        session,
        action="template_reset",
        actor=actor,
        organisation_id=organisation.id,
        object_type="WordTemplate",
        object_id=document_type.name,
        summary=f"Word template {document_type.name} reset to default for {organisation.slug}",
        changes={"sha256": {"before": sha256_of(previous), "after": None}},
    )
    path.unlink()
    return True
