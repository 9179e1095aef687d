"""The register as a spreadsheet: one row per activity, documented columns, multi-valued cells
separated by `;` and the parts of one item by `|` (for example a data category:
`identity | Nom, prénom | 5 ans | 10 ans | destroy | Instruction DAF/DPACI/RES/2009/018`). A `;`
or `|` that belongs to a text inside such a cell is escaped with a backslash (`art. 34 \\; 35`).

`export_xlsx` writes the register of an organisation; `importer.py` reads the same columns back,
so an exported file can be edited and imported again."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import force_locale

from compliance.text import xml_safe
from registers.processing.reference import DPIA_CATALOGUES

ITEM_SEPARATOR = ";"
PART_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    help: str


COLUMNS = (
    Column("reference", "reference", "Référence unique dans l'organisation (créée si vide)"),
    Column("name", "nom", "Nom du traitement (obligatoire)"),
    Column("description", "description", "Description"),
    Column("responsible_service", "service", "Service chargé de la mise en œuvre"),
    Column("contact", "contact", "Contact dans le service"),
    Column("role", "role", "controller, joint_controller ou processor (ou le libellé français)"),
    Column("other_controllers", "autres_responsables", "Responsables conjoints ou mandants"),
    Column("joint_arrangement", "accord_responsables", "Accord entre responsables conjoints"),
    Column(
        "purposes",
        "finalites",
        "Finalités, la première étant la principale : description | base légale (6.1.a à "
        "6.1.f ou consent, contract, legal_obligation, vital_interests, public_task, "
        "legitimate_interests) | texte",
    ),
    Column(
        "data_categories",
        "categories_donnees",
        "Catégorie CNIL (identity, personal_life, professional_life, economic_financial, "
        "connection, location, internet, other) | description | durée en base active | "
        "DUA | sort final (destroy, keep, sort) | tableau de gestion, référentiel ou texte | "
        "critère",
    ),
    Column(
        "indirect_collection",
        "collecte_indirecte",
        "oui / non : des données ne sont pas collectées auprès des personnes (art. 14)",
    ),
    Column("data_source", "source_donnees", "D'où viennent ces données (art. 14.2.f)"),
    Column(
        "special_categories",
        "donnees_sensibles",
        "Catégorie (health, racial_ethnic_origin, political_opinions, religious_beliefs, "
        "trade_union, genetic, biometric, sex_life) | condition de l'art. 9.2 (a à j) | détails",
    ),
    Column("criminal_data", "donnees_infractions", "oui / non (art. 10)"),
    Column("criminal_data_basis", "texte_infractions", "Texte autorisant ces données"),
    Column("nir_used", "nir", "oui / non"),
    Column("nir_legal_text", "texte_nir", "Texte autorisant le NIR"),
    Column(
        "subjects",
        "personnes",
        "Catégorie (staff, elected_members, residents, children, families, patients, "
        "housing_applicants, tenants, voters, suppliers, vulnerable, job_applicants, other) | "
        "nombre estimé | précisions",
    ),
    Column(
        "recipients",
        "destinataires",
        "Type (internal, processor, institutional_partner, third_country, other) | nom | "
        "précisions | éditeur de la cartographie (pour un sous-traitant)",
    ),
    Column(
        "transfers",
        "transferts",
        "Destinataire | pays (code ISO) | garantie (adequacy, standard_clauses, "
        "binding_corporate_rules, other_art46, art49_derogation) | lien vers la documentation",
    ),
    Column(
        "security_measures",
        "mesures",
        "Famille (access_control, traceability, software_protection, backups, encryption, "
        "processor_control, other) | détails",
    ),
    Column("applications", "applications", "Logiciels du catalogue qui supportent le traitement"),
    Column("dpia_criteria", "criteres_aipd", "Codes des critères du CEPD"),
    Column("dpia_cnil_types", "liste_cnil", "Codes des types de la liste de la CNIL"),
    Column("dpia_art35_cases", "cas_35_3", "Codes des cas de l'article 35.3"),
    Column("dpia_status", "statut_aipd", "not_started, in_progress ou completed"),
    Column("dpia_done_on", "date_aipd", "Date de l'AIPD (AAAA-MM-JJ ou JJ/MM/AAAA)"),
    Column("dpia_conclusion", "conclusion_aipd", "Conclusion de l'AIPD"),
    Column("dpia_dpo_opinion", "avis_dpo_aipd", "Avis du délégué sur l'AIPD"),
    Column("dpia_next_review_on", "revision_aipd", "Prochaine révision de l'AIPD"),
    Column("last_review_on", "derniere_revision", "Dernière revue de la fiche"),
    Column("next_review_on", "prochaine_revision", "Prochaine revue de la fiche"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# The parts of one item of each multi-valued column, in order.
PARTS = {
    "purposes": ("description", "legal_basis", "legal_text"),
    "data_categories": (
        "category",
        "description",
        "active_period",
        "intermediate_period",
        "final_fate",
        "retention_source",
        "retention_criterion",
    ),
    "special_categories": ("category", "condition", "details"),
    "subjects": ("category", "estimated_number", "details"),
    "recipients": ("recipient_type", "name", "details", "vendor"),
    "transfers": ("recipient", "country", "safeguard", "documentation_url"),
    "security_measures": ("family", "details"),
}
LISTS = ("applications", *DPIA_CATALOGUES)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(getattr(value, "value", value))


ESCAPE = "\\"


def escape(text: str) -> str:
    """A value written inside a multi-valued cell: its separators preceded by a backslash."""
    for char in (ESCAPE, ITEM_SEPARATOR, PART_SEPARATOR):
        text = text.replace(char, ESCAPE + char)
    return text.replace("\n", " ")


def split(text: str, separator: str) -> list[str]:
    """The pieces of a cell between unescaped separators, still escaped, stripped."""
    pieces, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == ESCAPE and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == separator:
            pieces.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    pieces.append("".join(current).strip())
    return pieces


def unescape(text: str) -> str:
    result, index = [], 0
    while index < len(text):
        if text[index] == ESCAPE and index + 1 < len(text):
            index += 1
        result.append(text[index])
        index += 1
    return "".join(result)


def _part(row, name: str) -> str:
    if name == "vendor":
        return row.vendor.name if row.vendor is not None else ""
    return _text(getattr(row, name))


def _items(rows, parts) -> str:
    items = []
    for row in rows:
        values = [escape(_part(row, part)) for part in parts]
        while values and not values[-1]:
            values.pop()
        items.append(f" {PART_SEPARATOR} ".join(values))
    return f"{ITEM_SEPARATOR} ".join(items)


def activity_row(activity) -> list[str]:
    row = []
    for column in COLUMNS:
        if column.key in PARTS:
            row.append(_items(getattr(activity, column.key), PARTS[column.key]))
        elif column.key == "applications":
            row.append(f"{ITEM_SEPARATOR} ".join(escape(a.name) for a in activity.applications))
        elif column.key in DPIA_CATALOGUES:
            row.append(f"{ITEM_SEPARATOR} ".join(getattr(activity, column.key)))
        elif column.key in (
            "dpia_done_on",
            "dpia_next_review_on",
            "last_review_on",
            "next_review_on",
        ):
            value = getattr(activity, column.key)
            row.append(value.isoformat() if value else "")
        else:
            row.append(_text(getattr(activity, column.key)))
    return row


def export_xlsx(activities, *, title: str = "Registre") -> bytes:
    """The activities as an XLSX workbook: the register sheet, then the columns' help."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31] or "Registre"
    sheet.append([column.header for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    with force_locale("fr"):
        for activity in activities:
            # Text stored before the input checks may hold what a worksheet cannot.
            sheet.append([xml_safe(v) if isinstance(v, str) else v for v in activity_row(activity)])
            for cell in sheet[sheet.max_row]:
                # openpyxl writes text starting with "=" as a formula: keep it text.
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    sheet.freeze_panes = "C2"
    help_sheet = workbook.create_sheet("Colonnes")
    help_sheet.append(["colonne", "contenu"])
    for column in COLUMNS:
        help_sheet.append([column.header, column.help])
    help_sheet.append([])
    help_sheet.append(
        [
            "",
            f"Plusieurs valeurs dans une cellule : séparées par « {ITEM_SEPARATOR} » ; "
            f"les parties d'une valeur : par « {PART_SEPARATOR} ».",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
