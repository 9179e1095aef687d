"""The floor of the Word register: the same content written as raw WordprocessingML.

The benchmark times the register's export next to this script in the same run, so that the
ratio export / floor says how far the export is from what writing the document costs on that
machine, whatever its speed or its load.

`write_register(context)` takes the very dict the export renders (`export.register_context` of
the register's snapshot, `publish.register_snapshot`) and writes one .docx with strings and
`zipfile`, no template and no XML tree:

- the cover: title, organisation, edition, the summary figures, the controller's and the DPO's
  tables, the edition table (date, author, export reference, authenticity note);
- the list of activities in force (one table row each) and the completeness table;
- for every sheet (those in force, then the annex's, with its title and text): its heading 1,
  the status line, the model note, and the ten sections as heading 2 with the same tables,
  rows and texts as the shipped template (empty lists print the same sentences, line breaks in
  values become <w:br/>);
- a footer, and a table of contents field over the headings (titles only, as the export
  writes it before Word or LibreOffice fill the pages).

Left out: the shipped template's styles beyond a minimal styles.xml (heading 1-2, title,
table text, note, TOC 1-2), its theme, numbering, fonts, settings and the look of the tables
(borders, shading, widths), the picture of the map, the document's core properties. These are
fixed in size, not per sheet: what scales with the register is all here.

    floor = measure_floor(session, organisation)  # (seconds, bytes), data read included
"""

from __future__ import annotations

import io
import time
import zipfile
from xml.sax.saxutils import escape

from compliance.text import xml_safe

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
NONE = "—"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.footer+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL_NS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{REL_NS}/footer" Target="footer1.xml"/>'
    "</Relationships>"
)


def _style(style_id: str, name: str, extra: str = "") -> str:
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f"{extra}</w:style>"
    )


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {NS}>'
    + _style("Normal", "Normal")
    + _style("Title", "Title", '<w:rPr><w:b/><w:sz w:val="48"/></w:rPr>')
    + _style("Subtitle", "Subtitle")
    + _style(
        "Heading1",
        "heading 1",
        '<w:pPr><w:pageBreakBefore/><w:outlineLvl w:val="0"/>'
        '</w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr>',
    )
    + _style(
        "Heading2",
        "heading 2",
        '<w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr>',
    )
    + _style("Tableautexte", "Tableau texte", '<w:rPr><w:sz w:val="18"/></w:rPr>')
    + _style("Note", "Note", "<w:rPr><w:i/></w:rPr>")
    + _style("TOC1", "toc 1")
    + _style("TOC2", "toc 2", '<w:pPr><w:ind w:left="284"/></w:pPr>')
    + "</w:styles>"
)
FOOTER = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr {NS}>'
    '<w:p><w:r><w:t xml:space="preserve">Registre des activités de traitement</w:t></w:r></w:p>'
    "</w:ftr>"
)


def _text(value) -> str:
    """A value as the runs of one paragraph: escaped, line breaks as <w:br/>."""
    text = escape(xml_safe("" if value is None else str(value)))
    lines = text.split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{line}</w:t>' for line in lines)


def _p(value, style: str = "") -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}<w:r>{_text(value)}</w:r></w:p>"


def _cell(value) -> str:
    if isinstance(value, list):
        paragraphs = "".join(_p(item, "Tableautexte") for item in value)
    else:
        paragraphs = _p(value, "Tableautexte")
    return f"<w:tc>{paragraphs}</w:tc>"


def _table(header, rows) -> str:
    columns = len(header) if header else len(rows[0]) if rows else 1
    grid = "".join('<w:gridCol w:w="1500"/>' for _ in range(columns))
    body = "".join(
        "<w:tr>" + "".join(_cell(value) for value in row) + "</w:tr>"
        for row in ([header] if header else []) + rows
    )
    return f"<w:tbl><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"


def _pairs(rows) -> str:
    return _table(None, [list(row) for row in rows if row is not None])


def _or(value, default=NONE):
    return value or default


def _listing(out: list, title: str, items, header, row, empty: str) -> None:
    out.append(_p(title, "Heading2"))
    if items:
        out.append(_table(header, [row(item) for item in items]))
    else:
        out.append(_p(empty, "Note"))


def _sheet(out: list, sheet: dict, annex_text: str) -> None:
    if sheet["annex_first"]:
        out.append(
            _p("Annexe : traitements en cours de rédaction ou en attente de validation", "Heading1")
        )
        out.append(_p(annex_text))
    out.append(_p(f"{sheet['reference']} · {sheet['name']}", "Heading1"))
    status = (
        f"Statut : {sheet['status']} · fiche créée le {sheet['created_on']}, mise à jour le "
        f"{sheet['updated_on']}"
    )
    if sheet["completeness"] is not None:
        status += f" · complétude (article 30) : {sheet['completeness']} %"
    out.append(_p(status, "Note"))
    if sheet["model"]:
        out.append(
            _p(
                f"Fiche établie à partir du traitement type « {sheet['model']['name']} » du "
                f"délégué à la protection des données. {sheet['model']['divergence']}",
                "Note",
            )
        )
    out.append(_p("1. Identification et acteurs", "Heading2"))
    out.append(
        _pairs(
            [
                ("Référence", sheet["reference"]),
                ("Nom du traitement", sheet["name"]),
                ("Description", _or(sheet["description"])),
                ("Service chargé de la mise en œuvre", _or(sheet["service"])),
                ("Contact au sein du service", sheet["contact"]) if sheet["contact"] else None,
                ("Rôle de l'organisation", sheet["role"]),
                (
                    "Responsables conjoints ou pour le compte de qui",
                    _or(sheet["other_controllers"]),
                ),
                ("Accord de responsabilité conjointe", _or(sheet["joint_arrangement"])),
                ("Applications supports", _or(sheet["applications_text"])),
                ("Date de création", sheet["created_on"]),
                ("Dernière mise à jour", sheet["updated_on"]),
            ]
        )
    )
    _listing(
        out,
        "2. Finalités et bases légales",
        sheet["purposes"],
        ["Finalité", "Nature", "Base légale (art. 6.1 RGPD)", "Texte de référence"],
        lambda p: [
            p["description"],
            p["kind"],
            _or(p["legal_basis"], "Non renseignée"),
            _or(p["legal_text"]),
        ],
        "Aucune finalité n'est renseignée.",
    )
    _listing(
        out,
        "3. Catégories de données personnelles et durées de conservation",
        sheet["data_categories"],
        [
            "Catégorie de données",
            "Précisions",
            "Durée en base active",
            "Archivage intermédiaire (DUA)",
            "Sort final",
            "Fondement de la durée",
        ],
        lambda d: [
            d["category"],
            _or(d["description"]),
            _or(d["active_period"]),
            _or(d["intermediate_period"]),
            _or(d["final_fate"]),
            _or(d["retention_basis"]),
        ],
        "Aucune catégorie de données n'est renseignée.",
    )
    out.append(_p(f"Origine des données (article 14) : {sheet['data_source']}"))
    _listing(
        out,
        "4. Données sensibles",
        sheet["special_categories"],
        [
            "Catégorie particulière (art. 9.1)",
            "Condition de levée de l'interdiction (art. 9.2)",
            "Précisions",
        ],
        lambda s: [s["category"], _or(s["condition"], "Non renseignée"), _or(s["details"])],
        "Aucune donnée relevant des catégories particulières de l'article 9.",
    )
    criminal = sheet["criminal_data"]
    if sheet["criminal_data_basis"]:
        criminal += f" : {sheet['criminal_data_basis']}"
    nir = sheet["nir"] + (f" : {sheet['nir_legal_text']}" if sheet["nir_legal_text"] else "")
    out.append(
        _pairs(
            [
                ("Infractions, condamnations, mesures de sûreté (art. 10)", criminal),
                ("Numéro d'inscription au répertoire (NIR)", nir),
            ]
        )
    )
    _listing(
        out,
        "5. Personnes concernées",
        sheet["subjects"],
        ["Catégorie de personnes", "Précisions", "Nombre estimé"],
        lambda s: [s["category"], _or(s["details"]), _or(s["number"], "Non estimé")],
        "Aucune catégorie de personnes n'est renseignée.",
    )
    _listing(
        out,
        "6. Destinataires",
        sheet["recipients"],
        ["Type de destinataire", "Destinataire", "Précisions"],
        lambda r: [r["type"], r["name"], _or(r["details"])],
        "Aucun destinataire n'est renseigné.",
    )
    _listing(
        out,
        "7. Transferts hors de l'Union européenne",
        sheet["transfers"],
        ["Destinataire", "Pays", "Garantie", "Documentation"],
        lambda t: [
            t["recipient"],
            t["country"],
            _or(t["safeguard"], "Aucune garantie renseignée"),
            _or(t["documentation"]),
        ],
        "Aucun transfert de données hors de l'Union européenne.",
    )
    _listing(
        out,
        "8. Mesures de sécurité",
        sheet["security_measures"],
        ["Famille de mesures", "Mesures mises en œuvre"],
        lambda m: [m["family"], m["details"]],
        "Aucune mesure de sécurité propre au traitement n'est renseignée.",
    )
    if sheet["inherited_measures"]:
        out.append(_p("Mesures héritées de l'hébergement des applications supports"))
        out.append(
            _table(
                ["Famille de mesures", "Mesure", "Applications concernées"],
                [
                    [m["family"], m["details"], m["application"]]
                    for m in sheet["inherited_measures"]
                ],
            )
        )
    dpia = sheet["dpia"]
    out.append(_p("9. Analyse d'impact (AIPD)", "Heading2"))
    out.append(
        _pairs(
            [
                ("Résultat du criblage", dpia["result"]),
                ("Motifs", dpia["reasons"] or [NONE]),
                ("Critères du CEPD relevés", _or(dpia["criteria"], "Aucun")),
                (
                    "Liste CNIL des traitements soumis à AIPD",
                    _or(dpia["cnil_types"], "Non concerné"),
                ),
                ("Cas de l'article 35.3", _or(dpia["art35_cases"], "Non concerné")),
                ("Observations du criblage", _or(dpia["notes"])),
                ("État de l'AIPD", dpia["status"]),
                ("Réalisée le", _or(dpia["done_on"])),
                ("Conclusion", _or(dpia["conclusion"])),
                ("Avis du délégué à la protection des données", _or(dpia["dpo_opinion"])),
                ("Prochain réexamen de l'AIPD", _or(dpia["next_review_on"])),
            ]
        )
    )
    override = sheet["override"]
    out.append(_p("10. Suivi de la fiche", "Heading2"))
    out.append(
        _pairs(
            [
                ("Statut", sheet["status"]),
                ("Soumise au DPD le", _or(sheet["submitted_at"])),
                ("Validée le", _or(sheet["validated_at"])),
                (
                    "Validée par dérogation",
                    f"Motif du délégué : {override['reason']} Éléments manquants lors de la "
                    f"validation : {override['gaps']}.",
                )
                if override
                else None,
                ("Dernière revue", _or(sheet["last_review_on"])),
                ("Prochaine revue", _or(sheet["next_review_on"])),
                ("Remarques du DPD", _or(sheet["remarks"])),
                (
                    "Éléments de l'article 30 manquants",
                    sheet["missing"] or ["Aucun : la fiche est complète."],
                ),
                ("Points d'attention", sheet["warnings"] or ["Aucun."]),
            ]
        )
    )


def _cover(out: list, context: dict) -> None:
    organisation, dpo, summary = context["organisation"], context["dpo"], context["summary"]
    edition, export = context["edition"], context.get("export") or {}
    out.append(_p("Article 30 du règlement général sur la protection des données", "Subtitle"))
    out.append(_p(context["title"], "Title"))
    out.append(_p(organisation["name"], "Subtitle"))
    out.append(_p(edition["label"]))
    out.append(
        _table(
            None,
            [
                [
                    summary["count"],
                    summary["validated"],
                    f"{summary['completeness']} %",
                    summary["dpia_required"],
                    summary["warnings"],
                ],
                [
                    "activités de traitement",
                    "fiches validées",
                    "complétude (article 30)",
                    "AIPD requises",
                    "points d'attention",
                ],
            ],
        )
    )
    if edition["note"]:
        out.append(_p(f"Note de version : {edition['note']}", "Note"))
    out.append(_p("Responsable du traitement", "Heading2"))
    out.append(
        _pairs(
            [
                ("Organisme", organisation["name"]),
                ("Nature", organisation["kind"]),
                ("SIREN", _or(organisation["siren"])),
                ("Adresse", _or(organisation["address"])),
                ("Représentant légal", _or(organisation["legal_representative"])),
                ("Référent du registre", _or(organisation["referent"])),
            ]
        )
    )
    out.append(_p("Délégué à la protection des données (DPD)", "Heading2"))
    out.append(
        _pairs(
            [
                ("Délégué", _or(dpo["name"], "Non désigné")),
                ("N° de désignation CNIL", _or(dpo["cnil_number"])),
                ("Désigné le", _or(dpo["designated_on"])),
                ("Contact", dpo["contact"]) if dpo["contact"] else None,
            ]
        )
    )
    out.append(_p("Édition du document", "Heading2"))
    out.append(
        _pairs(
            [
                ("Établi le", export.get("generated_at", "")),
                ("Établi par", export.get("generated_by", "")),
                ("Référence d'export", export.get("reference", "")),
                (
                    "Authenticité",
                    "Ce fichier est enregistré dans Registre avec son empreinte SHA-256 : "
                    "« Vérifier un document » dans Registre, ou la commande « compliance "
                    "verify-export », confirme qu'il n'a pas été modifié.",
                ),
            ]
        )
    )
    out.append(
        _p(
            "Document à diffusion restreinte : il décrit les traitements de données "
            "personnelles de l'organisme et les mesures qui les protègent.",
            "Note",
        )
    )
    out.append(_p("Liste des activités de traitement", "Heading1"))
    out.append(_p(summary["in_force_text"]))
    if context["activities"]:
        out.append(
            _table(
                [
                    "Réf.",
                    "Activité de traitement",
                    "Finalité principale",
                    "Statut",
                    "AIPD",
                    "Mise à jour",
                ],
                [
                    [
                        row["reference"],
                        row["name"],
                        _or(row["main_purpose"]),
                        row["status"],
                        row["dpia"]["short"],
                        row["updated_on"],
                    ]
                    for row in context["activities"]
                ],
            )
        )
    else:
        out.append(
            _p(
                "Aucune activité de traitement n'est encore validée par le délégué à la "
                "protection des données.",
                "Note",
            )
        )
    if context["missing"]:
        out.append(_p("Complétude du registre", "Heading2"))
        out.append(
            _p(
                f"Score d'ensemble : {summary['completeness']} %. Éléments exigés par "
                "l'article 30.1 encore manquants :"
            )
        )
        out.append(
            _table(
                ["Fiche", "Éléments manquants"],
                [[gap["activity"], gap["elements"]] for gap in context["missing"]],
            )
        )


def _table_of_contents(context: dict) -> str:
    """The TOC field, filled with the headings' titles (Word and LibreOffice number pages)."""
    entries = [("Liste des activités de traitement", 1)]
    if context["missing"]:
        entries.append(("Complétude du registre", 2))
    for sheet in context["sheets"]:
        if sheet["annex_first"]:
            entries.append(
                ("Annexe : traitements en cours de rédaction ou en attente de validation", 1)
            )
        entries.append((f"{sheet['reference']} · {sheet['name']}", 1))
    instruction = escape(TOC_INSTRUCTION).replace('"', "&quot;")
    parts = [_p("Sommaire", "TOCHeading")]
    for index, (title, level) in enumerate(entries):
        opening = (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            if index == 0
            else ""
        )
        closing = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if index == len(entries) - 1 else ""
        parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{opening}'
            f"<w:r>{_text(title)}</w:r>{closing}</w:p>"
        )
    return "".join(parts)


def document_xml(context: dict) -> str:
    out: list[str] = []
    _cover(out, context)
    toc = _table_of_contents(context)
    for sheet in context["sheets"]:
        _sheet(out, sheet, context["annex_text"])
    section = (
        f'<w:sectPr><w:footerReference w:type="default" r:id="rId2" xmlns:r="{REL_NS}"/>'
        '<w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" '
        'w:footer="567" w:gutter="0"/></w:sectPr>'
    )
    # The table of contents goes before the list, as the export puts it.
    cover_end = next(i for i, part in enumerate(out) if "Heading1" in part)
    out.insert(cover_end, toc)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>'
        + "".join(out)
        + section
        + "</w:body></w:document>"
    )


def write_register(context: dict) -> bytes:
    """The register's .docx, from the context the export renders (see the module's doc)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/_rels/document.xml.rels", DOCUMENT_RELS)
        archive.writestr("word/styles.xml", STYLES)
        archive.writestr("word/footer1.xml", FOOTER)
        archive.writestr("word/document.xml", document_xml(context))
    return buffer.getvalue()


def floor_register(session, organisation, *, export: dict | None = None) -> bytes:
    """The floor of `export.export_register` for today's register of `organisation`: the same
    snapshot read from the database, the same context, then the raw WordprocessingML."""
    from registers.processing.export import live_register_context

    context = live_register_context(session, organisation)
    context["export"] = export or {}
    return write_register(context)


def measure_floor(session, organisation) -> tuple[float, bytes]:
    """(seconds, document) of one floor export, data read included."""
    started = time.perf_counter()
    data = floor_register(session, organisation)
    return time.perf_counter() - started, data
