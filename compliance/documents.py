"""Word documents: render a register's .docx template in a sandbox, and register every export."""

from __future__ import annotations

import hashlib
import html
import io
import re
import secrets
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from flask import current_app, flash, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from markupsafe import Markup
from sqlalchemy.orm import Session
from sqlmodel import JSON, Field, SQLModel, select

from compliance import audit
from compliance.auth import User
from compliance.db import UTCDateTime, utcnow
from compliance.i18n import PARIS
from compliance.pdf import render_pdf
from compliance.render_limits import (  # noqa: F401  (MAX_SEQUENCE: the documented limit)
    MAX_SEQUENCE,
    BoundedEnvironmentMixin,
    bound_filters,
    bounded_render,
    bounded_stream,
)
from compliance.tenancy import Organisation
from compliance.text import de, xml_safe, xml_safe_data

# Where the shipped templates live, and where an organisation's restyled copies are kept.
TEMPLATE_FOLDER = Path(__file__).resolve().parent.parent / "templates" / "word"
OVERRIDE_FOLDER = "word-templates"
PRODUCER = "Registre"
DOCUMENT_LANGUAGE = "fr"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ExportRecord(SQLModel, table=True):
    """One document handed out: who, when, what, and the SHA-256 that proves it later."""

    __tablename__ = "export_record"

    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = Field(default=None, max_length=32, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str | None = Field(default=None, max_length=254)
    organisation_id: int | None = Field(default=None, index=True)
    document: str = Field(max_length=64, nullable=False)
    title: str = Field(max_length=300, nullable=False)
    filename: str = Field(max_length=300, nullable=False)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size: int | None = None
    # The PDF copy LibreOffice made of the same .docx, when one was asked for.
    pdf_sha256: str | None = Field(default=None, max_length=64, index=True)
    pdf_size: int | None = None
    parameters: dict | None = Field(default=None, sa_type=JSON)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the sandboxed Jinja environment --------------------------------------------------------


def _finalize(value: Any) -> Any:
    """Every printed value: None prints nothing, and no character can break the XML."""
    if value is None:
        return ""
    if isinstance(value, str):
        # What XML 1.0 forbids goes (text stored before the input checks existed); \a and \f
        # would also be read by docxtpl as paragraph and page breaks.
        cleaned = xml_safe(value.replace("\r\n", "\n").replace("\r", "\n"))
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


class DocumentEnvironment(BoundedEnvironmentMixin, ImmutableSandboxedEnvironment):
    """Autoescaping sandbox: no attribute starting with `_`, no mutation of the context, no
    way to switch escaping off; every render bounded in iterations, size and time (see
    compliance.render_limits).

    The messages are lazy: a template renders in French (force_locale), but the rejection is
    read by the person uploading it, in their language, once the rendering is over."""

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        if next(tree.find_all(nodes.EvalContextModifier), None) is not None:
            raise SecurityError(
                _l("un modèle de document ne peut pas modifier l'échappement automatique")
            )
        return tree


def _paris(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def format_document_date(value: Any) -> str:
    """'1er octobre 2026', '24 octobre 2026'; an instant is first brought to Paris time."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _paris(value).date()
    if not isinstance(value, date):
        return str(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {format_date(value, 'MMMM y', locale=DOCUMENT_LANGUAGE)}"


def format_document_datetime(value: Any) -> str:
    """'24 octobre 2026 à 10:00', in Europe/Paris."""
    if not isinstance(value, datetime):
        return format_document_date(value)
    local = _paris(value)
    return f"{format_document_date(local.date())} à {local:%H:%M}"


def yes_no(value: Any, choices: str = "oui,non,") -> str:
    """'oui' / 'non', and the third choice (nothing by default) when the value is unknown."""
    yes, no, *unknown = [*choices.split(","), ""][:3]
    if value is None:
        return unknown[0] if unknown and unknown[0] else ""
    return yes if value else no


def enum_label(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "label", value))


def format_number(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_decimal(value, locale=DOCUMENT_LANGUAGE)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def que(value: Any) -> str:
    """'que' before a word, elided before a vowel or a mute h: « qu'Arcueil », « que Gentilly »."""
    text = str(value or "")
    first = unicodedata.normalize("NFD", text[:1]).lower()[:1]
    return f"qu'{text}" if first in "aeiouyh" and first else f"que {text}"


def make_environment() -> DocumentEnvironment:
    # No constant folding: it would run filters at compile time, outside the bounds.
    env = DocumentEnvironment(autoescape=True, finalize=_finalize, optimized=False)
    # `safe` would let a value through unescaped; docxtpl's rich text needs no filter.
    env.filters.pop("safe", None)
    env.filters.update(
        date=format_document_date,
        datetime=format_document_datetime,
        yesno=yes_no,
        label=enum_label,
        number=format_number,
        que=que,
        de=de,
    )
    bound_filters(env.filters)
    return env


class DocumentImage(InlineImage):
    """A PNG for the document being rendered, printed by its template as `{{ picture }}`.

    docxtpl inserts an image through the template being rendered, which export_document
    creates and keeps to itself; the image finds it on the call stack, where docxtpl's renderer
    is running (`render_xml_part`), when the template prints it."""

    def __init__(self, png: bytes, width_mm: float):
        super().__init__(None, io.BytesIO(png), width=Mm(width_mm))

    def _insert_image(self):
        self.tpl = self.tpl or _rendering_template()
        self.image_descriptor.seek(0)
        return super()._insert_image()


def _rendering_template() -> DocxTemplate:
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, DocxTemplate) and candidate.current_rendering_part is not None:
            return candidate
        frame = frame.f_back
    raise RuntimeError("a picture is printed only while a Word template renders")


# --- templates and their organisation overrides ---------------------------------------------


def _checked_name(template_name: str) -> str:
    if not _NAME.match(template_name or ""):
        raise ValueError(f"invalid template name: {template_name!r}")
    return template_name


def default_template_path(template_name: str) -> Path:
    return TEMPLATE_FOLDER / f"{_checked_name(template_name)}.docx"


def override_path(template_name: str, organisation) -> Path | None:
    """Where an organisation's restyled copy of a template is (or would be) stored."""
    if organisation is None or not has_app_context():
        return None
    slug = getattr(organisation, "slug", None) or ""
    if not _NAME.match(slug):
        return None
    folder = Path(current_app.config["INSTANCE_PATH"]) / OVERRIDE_FOLDER / slug
    return folder / f"{_checked_name(template_name)}.docx"


def template_path(template_name: str, organisation=None) -> Path:
    override = override_path(template_name, organisation)
    if override is not None and override.is_file():
        return override
    path = default_template_path(template_name)
    if not path.is_file():
        raise FileNotFoundError(f"no Word template named {template_name!r}")
    return path


# --- rendering -------------------------------------------------------------------------------


# Schema order of a table cell's properties. docxtpl's `{% cellbg %}` puts <w:shd> first, which
# Word may refuse as unreadable content; the order is restored after rendering.
_CELL_PROPERTIES = [
    qn(f"w:{name}")
    for name in (
        "cnfStyle",
        "tcW",
        "gridSpan",
        "hMerge",
        "vMerge",
        "tcBorders",
        "shd",
        "noWrap",
        "tcMar",
        "textDirection",
        "tcFitText",
        "vAlign",
        "hideMark",
        "headers",
        "cellIns",
        "cellDel",
        "cellMerge",
        "tcPrChange",
    )
]
_CELL_RANK = {tag: rank for rank, tag in enumerate(_CELL_PROPERTIES)}


def _normalise_cell_properties(template: DocxTemplate) -> None:
    for properties in template.docx.element.body.iter(qn("w:tcPr")):
        children = list(properties)
        ranked = sorted(children, key=lambda child: _CELL_RANK.get(child.tag, len(_CELL_RANK)))
        if ranked != children:
            properties[:] = ranked


# --- the table of contents -------------------------------------------------------------------

TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
TOC_TITLE = "Sommaire"
_HEADING_NAMES = {"heading 1": 1, "heading 2": 2, "heading 3": 3}
# What follows <w:updateFields> in a settings part (ECMA-376, CT_Settings): it goes before them.
_AFTER_UPDATE_FIELDS = {
    qn(f"w:{name}")
    for name in (
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "schemaLibrary",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    )
} | {"{http://schemas.openxmlformats.org/officeDocument/2006/math}mathPr"}
_W = nsdecls("w")
# The paragraphs whose style is one of `ids` ("|Heading1|Heading2|"), in document order.
# With them, the paragraph whose whole text is `marker` (where prepared body XML goes).
_STYLED_PARAGRAPHS = etree.XPath(
    ".//w:p[w:pPr/w:pStyle[contains($ids, concat('|', @w:val, '|'))]"
    " or ($marker != '' and w:r/w:t = $marker)]",
    namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"},
)


def _heading_levels(document) -> dict[str, int]:
    """Style id -> level of the heading styles 1 to 3 (by their built-in names, whatever the
    ids a restyled template gives them)."""
    levels = {}
    for style in document.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        label = "" if name is None else (name.get(qn("w:val")) or "")
        level = _HEADING_NAMES.get(label.lower())
        if level:
            levels[style.get(qn("w:styleId"))] = level
    return levels


_PPR, _PSTYLE, _VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")


def _style_of(paragraph) -> str | None:
    properties = paragraph.find(_PPR)
    style = None if properties is None else properties.find(_PSTYLE)
    return None if style is None else style.get(_VAL)


def _has_toc(body) -> bool:
    instructions = [node.text or "" for node in body.iter(qn("w:instrText"))]
    instructions += [node.get(qn("w:instr")) or "" for node in body.iter(qn("w:fldSimple"))]
    return any(text.strip().upper().startswith("TOC") for text in instructions)


def _paragraph_text(paragraph) -> str:
    return "".join(node.text or "" for node in paragraph.iter(qn("w:t"))).strip()


def _breaks_page(paragraph) -> bool:
    before = paragraph.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}")
    if before is not None and before.get(qn("w:val"), "true") not in ("0", "false", "off"):
        return True
    return bool(paragraph.xpath('.//w:br[@w:type="page"]'))


def _ends_page(element) -> bool:
    return (
        element is not None
        and element.tag == qn("w:p")
        and (
            bool(element.xpath('.//w:br[@w:type="page"]'))
            or element.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
        )
    )


def _text_width(document) -> int:
    """The width of the text of the first section, in twentieths of a point."""
    section = document.sections[0]
    try:
        width = section.page_width - section.left_margin - section.right_margin
        return max(int(width / 635), 2000)
    except TypeError:
        return 9000


def _ensure_toc_styles(document, tab: int) -> None:
    styles = document.styles.element
    present = {style.get(qn("w:styleId")) for style in styles.iter(qn("w:style"))}
    for level in (1, 2, 3):
        if f"TOC{level}" in present:
            continue
        styles.append(
            parse_xml(
                f'<w:style {_W} w:type="paragraph" w:styleId="TOC{level}">'
                f'<w:name w:val="toc {level}"/><w:basedOn w:val="Normal"/>'
                '<w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/>'
                f'<w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{tab}"/></w:tabs>'
                f'<w:spacing w:before="0" w:after="60"/><w:ind w:left="{(level - 1) * 284}"/>'
                "</w:pPr></w:style>"
            )
        )


def _field_runs(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ask_to_update_fields(document) -> None:
    """Word refreshes the fields (the table of contents and its pages) when it opens the file."""
    settings = document.settings.element
    existing = settings.find(qn("w:updateFields"))
    if existing is not None:
        existing.set(qn("w:val"), "true")
        return
    element = parse_xml(f'<w:updateFields {_W} w:val="true"/>')
    follower = next((child for child in settings if child.tag in _AFTER_UPDATE_FIELDS), None)
    if follower is None:
        settings.append(element)
    else:
        follower.addprevious(element)


class _HeadingInFragments(Exception):
    """The table of contents would start inside body XML not yet in the document."""


def add_table_of_contents(document, fragments: _Fragments | None = None) -> bool:
    """Put a table of contents (a Word TOC field over the headings 1 to 3) before the first
    heading 1 of a document made of sections, on a page of its own; it is filled with the
    headings' titles, Word updates its pages on opening, LibreOffice when it makes the PDF.
    A document with no heading 1 or fewer than three headings (a letter), or that already has
    a table of contents, is left as it is. True when a table was added.

    `fragments`: body XML that takes the place of its marker paragraph when the document is
    written; its headings are listed where the marker is. Raises _HeadingInFragments when the
    table would have to go inside them."""
    body = document.element.body
    levels = _heading_levels(document)
    marker = fragments.marker if fragments is not None else ""
    # The heading paragraphs, found by libxml2 rather than by visiting every paragraph.
    styled = _STYLED_PARAGRAPHS(
        body,
        ids="|" + "|".join(style for style in levels if style and "|" not in style) + "|",
        marker=marker,
    )
    headings, marker_paragraph = [], None
    for paragraph in styled:
        if marker and _paragraph_text(paragraph) == marker:
            marker_paragraph = paragraph
            headings += [(None, level, text) for text, level in fragments.headings]
        elif _style_of(paragraph) in levels and (text := _paragraph_text(paragraph)):
            headings.append((paragraph, levels[_style_of(paragraph)], text))
    first = next((paragraph for paragraph, level, _text in headings if level == 1), False)
    if first is False or len(headings) < 3 or _has_toc(body):
        return False
    if fragments is not None and fragments.has_toc:
        return False
    if first is None or (marker_paragraph is not None and first.getprevious() is marker_paragraph):
        raise _HeadingInFragments
    # The table sits where the body starts, at the level of the body's paragraphs.
    while first.getparent() is not body:
        first = first.getparent()
    _ensure_toc_styles(document, _text_width(document))
    page_break = "" if _ends_page(first.getprevious()) else "<w:pageBreakBefore/>"
    elements = [
        f'<w:p {_W}><w:pPr><w:pStyle w:val="TOCHeading"/>{page_break}</w:pPr>'
        f'<w:r><w:t xml:space="preserve">{TOC_TITLE}</w:t></w:r></w:p>'
    ]
    instruction = _escape(TOC_INSTRUCTION).replace('"', "&quot;")
    for index, (_paragraph, level, text) in enumerate(headings):
        opening = (
            _field_runs("begin")
            + f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            + _field_runs("separate")
            if index == 0
            else ""
        )
        closing = _field_runs("end") if index == len(headings) - 1 else ""
        text = _escape(text)
        elements.append(
            f'<w:p {_W}><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{opening}'
            f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>{closing}</w:p>'
        )
    if not _breaks_page(first):
        elements.append(f'<w:p {_W}><w:r><w:br w:type="page"/></w:r></w:p>')
    for element in elements:
        first.addprevious(parse_xml(element))
    _ask_to_update_fields(document)
    return True


# The characters docxtpl turns into Word markup in printed text (tab, paragraph, line and page
# breaks), and one paragraph of the rendered XML as its `resolve_listing` finds them.
_LISTING = ("\t", "\a", "\n", "\f")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)


_PARAGRAPH_START = re.compile(r"<w:p([ >])")
_PARAGRAPH_END = "</w:p>"
_CHUNK = 1 << 16


# Jinja's block tags, to find the loop of the body whose sheets are rendered as fragments.
_BLOCK_TAG = re.compile(r"\{%-?\s*(\w+).*?%\}", re.DOTALL)
_OPENS = {"if", "for", "with", "filter", "call", "macro", "block", "autoescape", "raw", "trans"}
# Tags that share names between the loop and the rest of the body: a body with them is
# rendered whole.
_SCOPED = {"set", "macro", "call", "import", "from", "include", "extends", "block", "raw"}
_OPEN_P = re.compile(r"<w:p(?: [^>]*[^/])?>")
_OPEN_TBL = re.compile(r"<w:tbl(?: [^>]*[^/])?>")
_CELL_PROPERTIES_XML = re.compile(r"<w:tcPr>(.*?)</w:tcPr>", re.DOTALL)
_CHILD_XML = re.compile(r"\s*(<(w:\w+)\b[^>]*/>|<(w:\w+)\b[^>]*>.*?</\3>)\s*", re.DOTALL)
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\sid=")\d+"')
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_FIELD = re.compile(r'(?:<w:instrText\b[^>]*>|\sw:instr=")\s*TOC', re.IGNORECASE)


# A loop or condition between the cells of a row, or a rendered span: rows whose cells vary,
# which docxtpl's table pass fits to the table's grid.
_VARYING_CELLS = re.compile(r"</w:tc>\s*\{%|%\}\s*<w:tc[ >]|<w:gridSpan w:val=\"\{")


def _whole_blocks(xml: str) -> bool:
    """Whether `xml` opens and closes as many paragraphs and tables (whole body elements)."""
    return len(_OPEN_P.findall(xml)) == xml.count("</w:p>") and len(
        _OPEN_TBL.findall(xml)
    ) == xml.count("</w:tbl>")


def _body_loop(source: str) -> tuple[int, int] | None:
    """Where the body-level `{% for %}` ... `{% endfor %}` holding the most XML starts and ends
    in a patched template body, when it can be rendered on its own: not inside another block,
    made of whole paragraphs and tables whose rows keep their cells (docxtpl's table pass has
    nothing to fit), and in a body that shares no names between blocks."""
    depth, found, best = 0, None, None
    for match in _BLOCK_TAG.finditer(source):
        name = match.group(1)
        if name in _SCOPED:
            return None
        if name in _OPENS:
            if depth == 0 and name == "for":
                found = match.start()
            depth += 1
        elif name.startswith("end") and name[3:] in _OPENS:
            depth -= 1
            if depth == 0 and name == "endfor" and found is not None:
                if best is None or match.end() - found > best[1] - best[0]:
                    best = (found, match.end())
                found = None
    if best is None or depth != 0:
        return None
    before, loop = source[: best[0]], source[best[0] : best[1]]
    if not (_whole_blocks(before) and _whole_blocks(loop)) or _VARYING_CELLS.search(loop):
        return None
    return best


def _ordered_cell_properties(source: str) -> str | None:
    """The template's cell properties in schema order (what `_normalise_cell_properties` does
    to the rendered tree), or None when one cannot be read as plain XML."""

    def order(match):
        inner, children, end = match.group(1), [], 0
        for child in _CHILD_XML.finditer(inner):
            if child.start() != end:
                raise ValueError
            children.append((_CELL_RANK.get(qn(child.group(2) or child.group(3)), 99), child))
            end = child.end()
        if end != len(inner):
            raise ValueError
        ranked = sorted(children, key=lambda pair: pair[0])
        return "<w:tcPr>" + "".join(child.group(1) for _rank, child in ranked) + "</w:tcPr>"

    try:
        return _CELL_PROPERTIES_XML.sub(order, source)
    except (ValueError, KeyError):
        return None


@dataclass
class _Fragments:
    """Body XML rendered apart, as UTF-8 chunks, that replaces its marker paragraph when the
    document is written; and what the table of contents needs of it."""

    marker: str
    chunks: list[bytes]
    headings: list[tuple[str, int]]
    has_toc: bool = False

    @property
    def paragraph(self) -> bytes:
        return f"<w:p><w:r><w:t>{self.marker}</w:t></w:r></w:p>".encode()


class _Template(DocxTemplate):
    """docxtpl's template, its passes over the rendered XML made in one stream and limited to
    what they change.

    The body (a register of 500 sheets is some 20 million characters) is rendered piece by
    piece and each run of whole paragraphs goes through docxtpl's clean-up as it comes, then
    out as UTF-8: the document is never held whole as text (docxtpl holds it three times).
    Its listing pass only visits the paragraphs whose text holds a tab or a break (a few
    thousand of some 80 000); the others are left as they are, which is what docxtpl's own pass
    makes of them. Headers and footers render as docxtpl renders them.

    The body's largest loop (the register's sheets) is moreover rendered apart, from the
    template's own XML for it, into prepared WordprocessingML fragments: docxtpl renders the
    rest of the body with a marker paragraph in the loop's place (its parse, table and tree
    passes then see a few pages), and the fragments are spliced in, as bytes, when the
    document's XML is written into the file. A body whose loop cannot be rendered apart (see
    `_body_loop`) is rendered whole, as above."""

    def __init__(self, template_file, *, fragments: bool = True) -> None:
        super().__init__(template_file)
        self.use_fragments = fragments
        self.fragments: _Fragments | None = None

    def build_xml(self, context, jinja_env=None):
        if jinja_env is None:
            return super().build_xml(context, jinja_env)
        source = _PARAGRAPH_START.sub(r"\n<w:p\1", self.patch_xml(self.get_xml()))
        self.current_rendering_part = self.docx._part
        self.fragments = None
        loop = _body_loop(source) if self.use_fragments else None
        sheets = None if loop is None else _ordered_cell_properties(source[loop[0] : loop[1]])
        if sheets is None:
            return b"".join(self._stream(jinja_env.from_string(source), context))
        fragments = _Fragments(
            marker=f"registre-fragments-{secrets.token_hex(12)}", chunks=[], headings=[]
        )
        body = source[: loop[0]] + fragments.paragraph.decode() + source[loop[1] :]
        xml = b"".join(self._stream(jinja_env.from_string(body), context))
        levels = _heading_levels(self.docx)
        styles = [re.escape(style) for style in levels if style]
        heading = re.compile(
            r'<w:p(?: [^>]*[^/])?>\s*<w:pPr>\s*<w:pStyle w:val="(' + "|".join(styles) + r')"\s*/>'
        )
        ids = iter(range(1 << 24, 1 << 31))
        for chunk in self._stream(jinja_env.from_string(sheets), context, text=True):
            if styles:
                for match in heading.finditer(chunk):
                    end = chunk.find(_PARAGRAPH_END, match.end())
                    end = len(chunk) if end < 0 else end
                    text = html.unescape("".join(_TEXT.findall(chunk, match.end(), end))).strip()
                    if text:
                        fragments.headings.append((text, levels[match.group(1)]))
            if "instr" in chunk and _FIELD.search(chunk):
                fragments.has_toc = True
            if "docPr" in chunk:
                chunk = _DOCPR_ID.sub(lambda m: f'{m.group(1)}{next(ids)}"', chunk)
            fragments.chunks.append(chunk.encode())
        self.fragments = fragments
        return xml

    def _stream(self, template, context, *, text: bool = False):
        """The template's rendered XML, in runs of whole paragraphs cleaned as docxtpl does."""
        buffer, size = [], 0
        for piece in bounded_stream(template, context):
            buffer.append(piece)
            size += len(piece)
            if size >= _CHUNK:
                xml = "".join(buffer)
                # A cut right after a paragraph's end splits none of what the passes match.
                cut = xml.rfind(_PARAGRAPH_END) + len(_PARAGRAPH_END)
                if cut >= len(_PARAGRAPH_END):
                    yield self._clean(xml[:cut], text=text)
                    xml = xml[cut:]
                buffer, size = [xml], len(xml)
        yield self._clean("".join(buffer), text=text)

    def _clean(self, xml: str, *, text: bool = False) -> bytes | str:
        """What docxtpl's render_xml_part does to the rendered XML, for a run of paragraphs."""
        xml = xml.replace("\n<w:p>", "<w:p>").replace("\n<w:p ", "<w:p ")
        for escaped, tag in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
            xml = xml.replace(escaped, tag)
        xml = self.resolve_listing(xml)
        return xml if text else xml.encode()

    def resolve_listing(self, xml: str) -> str:
        if not any(char in xml for char in _LISTING):
            return xml
        resolve = super().resolve_listing
        pieces, end = [], 0
        for match in _PARAGRAPH.finditer(xml):
            paragraph = match.group(0)
            if any(char in paragraph for char in _LISTING):
                pieces.append(xml[end : match.start()])
                pieces.append(resolve(paragraph))
                end = match.end()
        pieces.append(xml[end:])
        return "".join(pieces)

    def save(self, filename, *args, **kwargs) -> None:
        if self.fragments is None:
            return super().save(filename, *args, **kwargs)
        self.pre_processing()
        _write_package(self.docx, filename, self.fragments)
        self.post_processing(filename)
        self.is_saved = True
        return None


class _SplicingWriter:
    """python-docx's zip writer, but for the main document part: its XML is written as a
    stream, the fragments in place of their marker paragraph."""

    def __init__(self, file, partname, fragments: _Fragments) -> None:
        self._zip = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED)
        self._partname, self._fragments = partname, fragments

    def write(self, pack_uri, blob) -> None:
        if pack_uri != self._partname:
            self._zip.writestr(pack_uri.membername, blob)
            return
        marker = self._fragments.paragraph
        at = blob.find(marker)
        if at < 0 or blob.find(marker, at + 1) >= 0:
            raise RuntimeError("the fragments' marker paragraph is not in the document once")
        with self._zip.open(pack_uri.membername, "w") as stream:
            stream.write(blob[:at])
            for chunk in self._fragments.chunks:
                stream.write(chunk)
            stream.write(blob[at + len(marker) :])

    def close(self) -> None:
        self._zip.close()


def _write_package(document, file, fragments: _Fragments) -> None:
    """What `document.save(file)` writes, the fragments spliced into the main document part."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    writer = _SplicingWriter(file, document.part.partname, fragments)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()


def _render(source: Path | io.BytesIO, context: dict, *, fragments: bool = True) -> DocxTemplate:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    template = _Template(
        source if isinstance(source, io.BytesIO) else str(source), fragments=fragments
    )
    # Outside an export, `export.reference` and the like print nothing rather than fail. Stored
    # text XML cannot carry is removed here too, for what templates use without printing it.
    data = xml_safe_data({"export": None, **context})
    # Documents are written in French whatever the language of the person exporting.
    # One budget for every part of the document (body, headers, footers, properties).
    with force_locale(DOCUMENT_LANGUAGE), bounded_render():
        template.render(data, jinja_env=make_environment(), autoescape=True)
    _normalise_cell_properties(template)
    try:
        add_table_of_contents(template.docx, template.fragments)
    except _HeadingInFragments:
        # The table of contents goes inside the loop's sheets: the body is rendered whole.
        return _render(source, context, fragments=False)
    return template


def _to_bytes(template: DocxTemplate) -> bytes:
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


def render_docx(template_name: str, context: dict, *, organisation=None) -> bytes:
    """Render templates/word/<name>.docx, or the organisation's restyled copy when it has one."""
    return _to_bytes(_render(template_path(template_name, organisation), context))


def render_docx_source(data: bytes, context: dict) -> bytes:
    """Render a template given as bytes (an upload being checked)."""
    return _to_bytes(_render(io.BytesIO(data), context))


# --- exports and their verification -----------------------------------------------------------


def _render_or_fall_back(
    template: str, organisation, context: dict, record: ExportRecord
) -> DocxTemplate:
    """Render the organisation's restyled template; when it fails on this data (past the
    render limits, or an error the upload check could not see), render the shipped template
    instead, say so to the user and note it in the export's parameters."""
    path = template_path(template, organisation)
    default = default_template_path(template)
    if path == default:
        return _render(path, context)
    try:
        return _render(path, context)
    except Exception as error:
        reason = str(error)[:500]
        current_app.logger.warning(
            "restyled template %s of %s failed, shipped template used: %s",
            template,
            getattr(organisation, "slug", "?"),
            reason,
        )
        record.parameters = {
            **(record.parameters or {}),
            "template_fallback": {"template": template, "reason": xml_safe(reason)},
        }
        if has_request_context():
            flash(
                _(
                    "Le modèle personnalisé de ce document n'a pas pu être utilisé (%(reason)s) : "
                    "le document a été produit avec le modèle d'origine.",
                    reason=reason,
                ),
                "warning",
            )
    return _render(default, context)


def _actor_label(actor) -> str | None:
    if actor is None:
        return None
    return (getattr(actor, "email", None) or str(actor))[:254]


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    name = getattr(actor, "name", None) or str(actor)
    # The command line acts as "cli:<system account>" (see compliance.cli._actor).
    if name.startswith("cli:"):
        return f"{name[4:]} (ligne de commande)"
    return name


def make_reference(record: ExportRecord) -> str:
    return f"EXP-{_paris(record.created_at).year}-{record.id:06d}"


def export_stamp(record: ExportRecord, actor) -> dict:
    """What a template may print of its export: `export.reference`, `.generated_at` and
    `.generated_by`."""
    return {
        "reference": make_reference(record),
        "generated_at": record.created_at,
        "generated_by": _actor_name(actor),
    }


def _stamp(template: DocxTemplate, record: ExportRecord) -> None:
    properties = template.docx.core_properties
    properties.identifier = record.reference
    properties.title = record.title
    properties.author = PRODUCER
    properties.last_modified_by = PRODUCER
    properties.language = "fr-FR"
    properties.comments = (
        f"Export {record.reference} : son authenticité se vérifie dans {PRODUCER}."
    )
    # python-docx writes these as UTC ("Z") whatever the zone.
    properties.created = properties.modified = record.created_at.astimezone(UTC)
    properties.revision = 1


def export_document(
    session: Session,
    *,
    document: str,
    template: str,
    context: dict,
    title: str,
    filename: str,
    actor,
    organisation=None,
    parameters: dict | None = None,
) -> tuple[bytes, ExportRecord]:
    """Render a document, record the export (reference, SHA-256, size) and audit it.

    The record is created first so that its reference appears in the document itself and in
    its properties. Flushes, never commits.
    """
    # A title or name made of stored text may hold what XML, a header or the session's check
    # refuses (text written before the input checks existed).
    title = xml_safe(title).replace("\n", " ").replace("\t", " ").replace("\r", " ")
    filename = xml_safe(filename).replace("\n", " ").replace("\t", " ").replace("\r", " ")
    record = ExportRecord(
        document=document,
        title=title[:300],
        filename=filename[:300],
        actor_id=getattr(actor, "id", None),
        actor_label=_actor_label(actor),
        organisation_id=getattr(organisation, "id", None),
        parameters=parameters,
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    record.reference = make_reference(record)
    export = export_stamp(record, actor)
    rendered = _render_or_fall_back(template, organisation, {**context, "export": export}, record)
    _stamp(rendered, record)
    data = _to_bytes(rendered)
    record.sha256 = sha256_of(data)
    record.size = len(data)
    session.flush()
    audit.record(
        session,
        action="export",
        actor=actor,
        target=record,
        summary=f"Export {record.reference}: {record.title}",
        changes={
            key: {"before": None, "after": getattr(record, key)}
            for key in ("document", "reference", "sha256")
        },
    )
    return data, record


def export_pdf(session: Session, data: bytes, record: ExportRecord, actor) -> bytes:
    """The PDF of an exported document, made by LibreOffice from the very .docx bytes that
    were recorded; its SHA-256 joins the export's record (so verification recognises the PDF
    too) and the export is audited. Raises compliance.pdf.PdfUnavailable, changing nothing,
    when no PDF can be made. Flushes, never commits."""
    pdf = render_pdf(data)
    record.pdf_sha256 = sha256_of(pdf)
    record.pdf_size = len(pdf)
    session.flush()
    audit.record(
        session,
        action="export",
        actor=actor,
        target=record,
        summary=f"Export {record.reference} (PDF): {record.title}",
        changes={"pdf_sha256": {"before": None, "after": record.pdf_sha256}},
    )
    return pdf


def verify_document(session: Session, data: bytes) -> ExportRecord | None:
    """The export these exact bytes came from (its Word file or its PDF), or None if unknown
    or altered since."""
    digest = sha256_of(data)
    return session.scalar(
        select(ExportRecord)
        .where((ExportRecord.sha256 == digest) | (ExportRecord.pdf_sha256 == digest))
        .order_by(ExportRecord.id)
        .limit(1)
    )


@dataclass(frozen=True)
class ExportDetails:
    """What to tell someone who asks whether a document is authentic."""

    record: ExportRecord
    organisation_name: str | None
    actor_name: str | None

    @property
    def generated_at(self) -> datetime:
        return _paris(self.record.created_at)


def describe_export(session: Session, record: ExportRecord) -> ExportDetails:
    organisation = (
        session.get(Organisation, record.organisation_id) if record.organisation_id else None
    )
    user = session.get(User, record.actor_id) if record.actor_id else None
    return ExportDetails(
        record=record,
        organisation_name=organisation.name if organisation else None,
        actor_name=user.name if user else None,
    )


# --- the documents registers offer ------------------------------------------------------------


@dataclass(frozen=True)
class DocumentType:
    """A Word document a register produces, which organisations may restyle."""

    name: str  # template name: templates/word/<name>.docx
    title: Any  # translated title
    register: str  # the register whose EXPORT permission it needs
    # The data a real export of the organisation renders (its register, or its first record):
    # (session, organisation, user) -> dict, or None when the organisation has nothing to show
    # yet. A restyled template is checked with what it makes of the demo, then of the
    # organisation's own data (compliance.document_templates).
    context: Callable[[Session, Any, Any], dict | None]


def register_document_type(app, document_type: DocumentType) -> None:
    _checked_name(document_type.name)
    app.extensions.setdefault("document_types", {})[document_type.name] = document_type


def document_types() -> dict[str, DocumentType]:
    return dict(current_app.extensions.get("document_types", {}))
