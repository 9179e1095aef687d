"""Importing the catalogue: counts of the shipped file, idempotence, encodings and formats,
whole-file rejection with line numbers, deployments, a plan that survives JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from compliance.audit import AuditEntry
from compliance.tenancy import OrganisationKind
from registers.applications.importer import (
    ImportPlan,
    apply_import,
    plan_file,
)
from registers.applications.models import Application, ApplicationFunction, Deployment, Vendor
from registers.applications.tables import read_table, sniff_delimiter


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _state(session) -> dict:
    """Everything an import writes, comparable across databases."""
    applications = session.scalars(select(Application).order_by(Application.name_key))
    return {
        a.name_key: (
            a.name,
            a.domain,
            a.vendor.key if a.vendor else None,
            sorted((fn.domain, fn.name) for fn in a.functions),
        )
        for a in applications
    }


def _rows(catalogue_bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(catalogue_bytes.decode("utf-8"))))


def _semicolon_cp1252(catalogue_bytes) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(_rows(catalogue_bytes))
    return out.getvalue().encode("cp1252")


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(session, data: bytes, filename: str = "catalogue.csv"):
    plan = plan_file(session, data, filename)
    assert plan.ok, plan.errors
    return plan, apply_import(session, plan, actor="test")


def test_the_shipped_catalogue_gives_53_applications_and_26_vendors(session, catalogue_bytes):
    entries = _count(session, AuditEntry)
    plan, result = _import(session, catalogue_bytes)
    assert plan.counts()["application"] == {"create": 53, "update": 0, "unchanged": 0}
    assert plan.counts()["vendor"] == {"create": 26, "update": 0, "unchanged": 0}
    assert result.created == {"vendor": 26, "application": 53, "deployment": 0}
    assert _count(session, Application) == 53
    assert _count(session, Vendor) == 26
    assert _count(session, ApplicationFunction) == 59  # one per row of the file

    state = _state(session)
    assert len(state["blsocial"][3]) == 5
    for shared in ("iparapheur", "sharepoint"):
        domains = {domain for domain, _ in state[shared][3]}
        assert domains == {"Administration générale", "Finances"}
    # BERGER LEVRAULT and BERGER-LEVRAULT are one company, with 3 + 6 applications.
    berger = {key for _n, _d, key, _f in state.values() if key and key.startswith("berger")}
    assert berger == {"bergerlevrault"}
    assert sum(1 for _n, _d, key, _f in state.values() if key == "bergerlevrault") == 9

    # One audit entry per record, one for the import.
    assert _count(session, AuditEntry) - entries == 53 + 26 + 1
    summary = session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert summary.summary.endswith("79 created, 0 updated")

    # Re-importing the same file changes nothing and writes nothing.
    entries = _count(session, AuditEntry)
    again, result = _import(session, catalogue_bytes)
    assert not again.has_changes
    assert again.counts()["application"] == {"create": 0, "update": 0, "unchanged": 53}
    assert again.counts()["vendor"] == {"create": 0, "update": 0, "unchanged": 26}
    assert result.total_created == result.total_updated == 0
    assert _count(session, AuditEntry) == entries
    assert _state(session) == state


@pytest.mark.parametrize("variant", ["semicolon-cp1252", "xlsx", "utf8-bom"])
def test_other_formats_give_the_same_plan(session, catalogue_bytes, variant):
    if variant == "semicolon-cp1252":
        data, name = _semicolon_cp1252(catalogue_bytes), "catalogue.csv"
        assert b";" in data and b"\xe9" in data  # really semicolons, really Windows-1252 (é)
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    elif variant == "xlsx":
        data, name = _xlsx(_rows(catalogue_bytes)), "catalogue.xlsx"
    else:
        data, name = b"\xef\xbb\xbf" + catalogue_bytes, "catalogue.csv"
    plan = plan_file(session, data, name)
    assert plan.ok, plan.errors
    # Same records, same values, same line numbers as the published file.
    assert plan.to_dict() == plan_file(session, catalogue_bytes, "catalogue.csv").to_dict()
    assert plan.counts()["application"]["create"] == 53
    assert plan.counts()["vendor"]["create"] == 26


def test_headers_match_whatever_their_case_and_accents(session):
    data = "Domaine;Fonctionnalité;LOGICIEL;Éditeur\nRH;Paie;Ciril RH;Ciril Group\n"
    plan = plan_file(session, data.encode("cp1252"))
    assert plan.ok, plan.errors
    assert [item.label for item in plan.applications] == ["Ciril RH"]


def test_a_bad_file_is_rejected_whole_with_every_error_and_its_line(
    session, organisation, catalogue_bytes
):
    lines = [
        "domaine,fonctionnalite,logiciel,fournisseur,disponibilite,organisation",
        "RH,Paie,Ciril RH,CIRIL,3,",  # line 2: fine
        "RH,Congés,,CIRIL,2,",  # line 3: no software
        "RH,Formation,Formatix,CIRIL,5,",  # line 4: bad need level
        f"RH,Paie,Ciril RH,CIRIL,,{organisation.slug}",  # line 5: fine
        '"Finances","Budget","Budgetix","X",,"Nowhere"',  # line 6: unknown organisation
    ]
    before = (_count(session, Application), _count(session, AuditEntry))
    plan = plan_file(session, "\n".join(lines).encode())
    assert not plan.ok
    assert [line for line, _message in plan.errors] == [3, 4, 6]
    assert "nom du logiciel manquant" in plan.errors[0][1]
    assert "disponibilite" in plan.errors[1][1]
    assert "Nowhere" in plan.errors[2][1]
    assert plan.items == []
    with pytest.raises(Exception, match="rien n'a été importé"):
        apply_import(session, plan, actor="test")
    assert (_count(session, Application), _count(session, AuditEntry)) == before


def test_an_unreadable_encoding_is_reported_with_its_line(session):
    data = b"domaine,fonctionnalite,logiciel,fournisseur\nRH,Paie,Ciril RH,CIRIL\n"
    data += b"RH,Cong\x81s,Ciril RH,CIRIL\n"  # 0x81: neither UTF-8 nor Windows-1252
    plan = plan_file(session, data)
    assert plan.errors == [(3, "encodage illisible (ni UTF-8 ni Windows-1252)")]
    utf16 = plan_file(session, "domaine,fonctionnalite,logiciel,fournisseur\n".encode("utf-16"))
    assert "encodage illisible" in utf16.errors[0][1]


def test_missing_columns_are_named(session):
    plan = plan_file(session, b"domaine,logiciel\nRH,Ciril RH\n")
    assert plan.errors == [(1, "colonne(s) manquante(s) : fonctionnalite, fournisseur")]


def test_contradicting_rows_are_errors(session):
    data = (
        "domaine,fonctionnalite,logiciel,fournisseur,rto\n"
        "RH,Paie,Ciril RH,CIRIL,24\n"
        "RH,Congés,Ciril RH,Autre éditeur,48\n"
    )
    plan = plan_file(session, data.encode())
    assert [line for line, _ in plan.errors] == [3, 3]


def test_optional_columns_fill_fields_and_later_imports_update_only_what_differs(session):
    header = "domaine;fonctionnalite;logiciel;fournisseur;statut;hebergement;D;I;C;T;RTO;RPO\n"
    _import(session, (header + "RH;Paie;Ciril RH;CIRIL;En service;SaaS;3;fort;4;2;24;4\n").encode())
    application = session.scalar(select(Application))
    assert (application.status, application.hosting) == ("in_service", "vendor_saas")
    assert (application.availability, application.integrity, application.rto_hours) == (3, 3, 24)
    data = header + "RH;Paie;Ciril RH;CIRIL;;;3;3;4;2;8;\nRH;Congés;Ciril RH;CIRIL;;;;;;;;\n"
    plan = plan_file(session, data.encode())
    [item] = plan.applications
    assert item.action == "update"
    assert item.changes == {
        "rto_hours": [24, 8],
        "functions": [[["RH", "Paie"]], [["RH", "Paie"], ["RH", "Congés"]]],
    }
    apply_import(session, plan, actor="test")
    assert application.rto_hours == 8
    assert application.rpo_hours == 4  # an empty cell leaves the value alone
    assert [fn.name for fn in application.functions] == ["Paie", "Congés"]


def test_organisation_columns_create_deployments(session, make_organisation):
    make_organisation("Ivry-sur-Seine")
    make_organisation("Coop'Ivry Habitat", kind=OrganisationKind.OPH)
    data = (
        "domaine,fonctionnalite,logiciel,fournisseur,organisation,depuis\n"
        "Action sociale,Aides sociales,BL SOCIAL,BERGER LEVRAULT,ivry-sur-seine,2016-01-01\n"
        "Action sociale,Hébergement,BL SOCIAL,BERGER-LEVRAULT,Ivry-sur-Seine,\n"
        "Action sociale,Portage de repas,BL SOCIAL,BERGER-LEVRAULT,,\n"
        "Offices HLM,Gestion locative,IMMOWARE ERP,AAREON,Coop'Ivry Habitat,01/01/2016\n"
    )
    _plan, result = _import(session, data.encode())
    assert result.created == {"vendor": 2, "application": 2, "deployment": 2}
    deployments = {
        d.application.name: d for d in session.scalars(select(Deployment).order_by(Deployment.id))
    }
    assert deployments["BL SOCIAL"].functions == ["Aides sociales", "Hébergement"]
    assert str(deployments["BL SOCIAL"].since) == "2016-01-01"
    assert str(deployments["IMMOWARE ERP"].since) == "2016-01-01"
    assert not plan_file(session, data.encode()).has_changes


def test_the_plan_survives_json_and_applies_even_if_the_catalogue_moved(session, catalogue_bytes):
    plan = plan_file(session, catalogue_bytes)
    assert plan.summary()[1] == "applications: 53 to create, 0 to update, 0 unchanged"
    carried = ImportPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert carried.counts() == plan.counts()
    result = apply_import(session, carried, actor="test")
    assert result.created["application"] == 53
    # The same plan, applied again after the catalogue moved: it finds everything there.
    stale = apply_import(session, plan, actor="test")
    assert stale.created == {"vendor": 0, "application": 0, "deployment": 0}
    assert _count(session, Application) == 53


@pytest.mark.parametrize(
    ("line", "expected"), [("a;b;c", ";"), ("a,b,c", ","), ("a\tb", "\t"), ("alone", ",")]
)
def test_delimiter_sniffing(line, expected):
    assert sniff_delimiter(line) == expected


def test_quoted_fields_keep_their_delimiters_and_line_numbers():
    data = 'domaine,fonctionnalite,logiciel,fournisseur\nA,"x, y\nsuite",L,F\nB,z,M,F\n'
    table = read_table(data.encode())
    assert [line for line, _ in table.rows] == [2, 4]
    assert table.rows[0][1][1] == "x, y\nsuite"


def test_a_broken_xlsx_is_an_error_not_a_crash(session):
    plan = plan_file(session, b"PK\x03\x04not really a workbook", "x.xlsx")
    assert not plan.ok
    assert plan.errors[0][0] == 1


def test_row_limit_stops_reading_past_it(session, catalogue_bytes, app, monkeypatch):
    rows = _rows(catalogue_bytes)
    plan = plan_file(session, catalogue_bytes, "c.csv", max_rows=len(rows) - 2)
    assert not plan.ok and plan.items == []
    ((line, message),) = plan.errors
    assert line == len(rows)  # the first row past the limit
    assert f"limite de {len(rows) - 2} lignes" in message
    # The setting is the default; an explicit limit overrides it.
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 5)
    assert not plan_file(session, catalogue_bytes, "c.csv").ok
    assert plan_file(session, catalogue_bytes, "c.csv", max_rows=len(rows) - 1).ok
    xlsx = _xlsx(rows)
    assert not plan_file(session, xlsx, "c.xlsx").ok
    assert plan_file(session, xlsx, "c.xlsx", max_rows=len(rows)).ok
