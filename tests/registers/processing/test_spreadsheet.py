"""Spreadsheet export and import: documented columns, `;` between items, `|` between parts,
all or nothing with line numbers."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from compliance.audit import AuditEntry
from registers.processing import importer, spreadsheet
from registers.processing.models import ProcessingActivity

HEADER = [
    "reference",
    "nom",
    "service",
    "finalites",
    "categories_donnees",
    "personnes",
    "applications",
    "criteres_aipd",
]


def _csv(*rows: list[str]) -> bytes:
    """A CSV file as French spreadsheet programs write it: `;` between cells, and cells that
    hold a `;` in quotes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _activities(session, organisation):
    return list(
        session.query(ProcessingActivity)
        .filter_by(organisation_id=organisation.id)
        .order_by(ProcessingActivity.reference)
    )


def test_import_creates_with_items_and_parts(session, organisation, make_application):
    make_application("Adagio")
    data = _csv(
        [
            "EL-1",
            "Élections",
            "Service élections",
            "Tenir la liste électorale | 6.1.c | Code électoral, art. L. 11",
            "identity | Nom, adresse | Durée de l'inscription | 1 an | destroy",
            "voters | 97437; elected_members | 53",
            "adagio",
            "large_scale; vulnerable_subjects",
        ]
    )
    result = importer.import_activities(session, organisation, data, "f.csv", actor="test")
    assert result.ok, result.errors
    (activity,) = _activities(session, organisation)
    assert activity.reference == "EL-1" and activity.responsible_service == "Service élections"
    assert activity.purposes[0].legal_basis.value == "legal_obligation"
    assert activity.purposes[0].legal_text == "Code électoral, art. L. 11"
    assert activity.data_categories[0].final_fate.value == "destroy"
    assert [(s.category.value, s.estimated_number) for s in activity.subjects] == [
        ("voters", 97437),
        ("elected_members", 53),
    ]
    assert [a.name for a in activity.applications] == ["Adagio"]
    assert activity.dpia_required is True


def test_french_labels_are_accepted(session, organisation):
    data = _csv(
        ["", "Paie", "RH", "Payer les agents | Obligation légale (art. 6.1.c)", "", "staff | 1200"]
    )
    result = importer.import_activities(session, organisation, data, "f.csv", actor="test")
    assert result.ok, result.errors
    assert _activities(session, organisation)[0].purposes[0].legal_basis.value == (
        "legal_obligation"
    )


def test_any_bad_row_rejects_the_whole_file(session, organisation):
    data = _csv(
        ["A", "Bon traitement"],
        ["B", "Mauvais", "", "Finalité | whim", "martian", "", "Logiciel inconnu"],
        ["A", "Doublon"],
        ["", "", "Service sans nom"],
    )
    before = session.query(AuditEntry).count()
    result = importer.import_activities(session, organisation, data, "f.csv", actor="test")
    assert not result.ok
    lines = {line for line, _ in result.errors}
    assert lines == {3, 4, 5}
    messages = " ".join(message for _, message in result.errors)
    assert "Logiciel inconnu" in messages and "déjà présente ligne 2" in messages
    assert _activities(session, organisation) == []
    assert session.query(AuditEntry).count() == before


def test_unknown_column_refused(session, organisation):
    result = importer.import_activities(
        session, organisation, b"nom;couleur\nX;bleu\n", "f.csv", actor="test"
    )
    assert result.errors == [(1, "colonne inconnue : « couleur »")]


def test_export_then_import_changes_nothing(session, organisation, make_activity, make_vendor):
    arpege = make_vendor("ARPEGE")
    activity = make_activity(
        organisation,
        reference="EL-1",
        dpia_criteria=["large_scale"],
        recipients=[
            {"recipient_type": "processor", "name": "Maintenance", "vendor_id": arpege.id},
            {"recipient_type": "internal", "name": "Élections | accueil"},
        ],
    )
    activity.purposes[0].legal_text = "Code électoral, art. L. 11 ; art. R. 5 \\ annexe"
    activity.data_categories[0].description = '=HYPERLINK("x")'
    session.flush()
    data = spreadsheet.export_xlsx([activity])
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["reference", "nom"] and "categories_donnees" in header
    assert workbook.sheetnames[1] == "Colonnes"
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["finalites"].startswith("Tenir la liste électorale de la commune | legal_obligation")
    assert "art. L. 11 \\; art. R. 5" in row["finalites"]
    assert row["personnes"] == "voters | 30000"
    assert "processor | Maintenance |  | ARPEGE" in row["destinataires"]

    version = activity.version
    result = importer.import_activities(session, organisation, data, "r.xlsx", actor="test")
    assert result.ok, result.errors
    assert result.unchanged == [activity] and not result.updated and not result.created
    assert activity.version == version
    assert activity.purposes[0].legal_text == "Code électoral, art. L. 11 ; art. R. 5 \\ annexe"
    assert activity.recipients[1].name == "Élections | accueil"
    assert activity.recipients[0].vendor_id == arpege.id
    assert activity.data_categories[0].description == '=HYPERLINK("x")'


def test_a_processor_is_matched_to_its_vendor(session, organisation, make_vendor):
    doctolib = make_vendor("DOCTOLIB")
    data = _csv(["", "Rendez-vous"])
    data = data.replace(b"criteres_aipd", b"criteres_aipd;destinataires").replace(
        b"Rendez-vous", b"Rendez-vous;;;;;;;processor | Doctolib"
    )
    result = importer.import_activities(session, organisation, data, "f.csv", actor="test")
    assert result.ok, result.errors
    (activity,) = _activities(session, organisation)
    assert activity.recipients[0].vendor_id == doctolib.id


def test_row_limit_refuses_before_any_write(session, organisation):
    data = _csv(["A", "Premier"], ["B", "Second"], ["C", "Troisième"])
    before = session.query(AuditEntry).count()
    result = importer.import_activities(
        session, organisation, data, "f.csv", actor="test", max_rows=2
    )
    assert not result.ok
    assert [line for line, _ in result.errors] == [4]
    assert _activities(session, organisation) == []
    assert session.query(AuditEntry).count() == before
    result = importer.import_activities(
        session, organisation, data, "f.csv", actor="test", max_rows=3
    )
    assert result.ok and len(result.created) == 3


def test_data_source_columns_import_and_export(session, organisation):
    """Art. 14(2)(f): the spreadsheet carries the data source both ways."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["nom", "collecte_indirecte", "source_donnees"])
    writer.writerow(["Aides sociales", "oui", "CAF (quotient familial)"])
    data = buffer.getvalue().encode("utf-8")
    result = importer.import_activities(session, organisation, data, "f.csv", actor="test")
    assert result.ok, result.errors
    (activity,) = _activities(session, organisation)
    assert activity.indirect_collection is True
    assert activity.data_source == "CAF (quotient familial)"
    row = dict(
        zip(
            [column.header for column in spreadsheet.COLUMNS],
            spreadsheet.activity_row(activity),
            strict=True,
        )
    )
    assert row["collecte_indirecte"] == "oui"
    assert row["source_donnees"] == "CAF (quotient familial)"
