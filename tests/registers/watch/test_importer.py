"""Importing CSAF 2.0 documents and CVE JSON 5 records: matched to the map, idempotent on the
reference, a malformed document refused with its reason and nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
import sqlalchemy as sa

from compliance.cli import main
from registers.watch import services
from registers.watch.importer import import_document, import_path, read_document
from registers.watch.models import Advisory, AdvisoryMatch, Treatment
from registers.watch.schemas import AdvisorySeverity, AdvisorySource
from tests.registers.watch.conftest import FIXTURES


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_csaf_document_read():
    values = read_document((FIXTURES / "certfr-2026-avi-0871.json").read_bytes())
    assert values["reference"] == "CERTFR-2026-AVI-0871"
    assert values["source"] == AdvisorySource.CERT_FR
    assert values["published_on"] == date(2026, 11, 18)
    assert values["severity"] == AdvisorySeverity.HIGH
    assert values["cvss_score"] == 8.1
    assert values["cve_ids"] == ["CVE-2026-41871", "CVE-2026-41872"]
    parapheur, s2low = values["products"]
    assert parapheur["vendor"] == "Libriciel" and parapheur["product"] == "i-Parapheur"
    assert parapheur["versions"] == "5.0.0 à 5.1.3, 4.7.x antérieures à 4.7.16"
    assert parapheur["cpe"].startswith("cpe:2.3:a:libriciel:i-parapheur")
    assert s2low["product"] == "S2low"
    assert "Restreindre l'accès" in values["workaround"]
    assert "5.1.4" in values["summary"]
    assert values["link"] == "https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0871/"


def test_cve_record_read():
    values = read_document((FIXTURES / "cve-2026-40112.json").read_bytes())
    assert values["reference"] == "CVE-2026-40112"
    assert values["source"] == AdvisorySource.VENDOR
    assert values["severity"] == AdvisorySeverity.HIGH and values["cvss_score"] == 8.8
    assert values["products"] == [
        {
            "vendor": "Berger-Levrault",
            "product": "Sedit GF",
            "versions": "2024.1 < 2025.3.2",
            "cpe": "cpe:2.3:a:berger-levrault:sedit_gf:*:*:*:*:*:*:*:*",
            "purl": None,
        }
    ]
    assert values["summary"].startswith("Une injection SQL")
    assert values["published_on"] == date(2026, 10, 14)


def test_csaf_import_matches_the_map_and_every_member(session, libriciel):
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    outcome = import_document(session, data, "certfr.json", actor="test")
    assert outcome.status == "created"
    advisory = outcome.advisory
    matched = {m.application_id: m for m in advisory.matches}
    assert set(matched) == {libriciel["parapheur"].id, libriciel["s2low"].id}
    treatments = services.confirm_match(
        session, matched[libriciel["parapheur"].id], actor="t", today=advisory.published_on
    )
    assert sorted((t.organisation_id, t.due_on) for t in treatments) == sorted(
        [(libriciel["ivry"].id, date(2026, 12, 18)), (libriciel["vitry"].id, date(2026, 12, 18))]
    )


def test_reimport_changes_nothing(session, libriciel):
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    import_document(session, data, "certfr.json", actor="test")
    session.flush()
    before = [(a.id, a.version, a.updated_at) for a in session.scalars(sa.select(Advisory))]
    matches = _count(session, AdvisoryMatch)
    outcome = import_document(session, data, "certfr.json", actor="test")
    session.flush()
    assert outcome.status == "present"
    after = [(a.id, a.version, a.updated_at) for a in session.scalars(sa.select(Advisory))]
    assert after == before and _count(session, AdvisoryMatch) == matches


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed-missing-id.json", "document.tracking.id: est obligatoire"),
        (
            "malformed-bad-score.json",
            "vulnerabilities[0].scores[0].cvss_v3.baseScore: un nombre est attendu",
        ),
        ("malformed-truncated.json", "JSON illisible"),
    ],
)
def test_malformed_document_refused_and_nothing_written(session, libriciel, name, expected):
    outcome = import_document(session, (FIXTURES / name).read_bytes(), name, actor="test")
    assert outcome.status == "refused"
    assert expected in outcome.message
    assert _count(session, Advisory) == 0 and _count(session, AdvisoryMatch) == 0


def test_unknown_document_refused(session):
    outcome = import_document(session, json.dumps({"a": 1}).encode(), "x.json", actor="t")
    assert outcome.status == "refused" and "CSAF" in outcome.message


def test_folder_one_transaction_per_file(session, libriciel, tmp_path):
    for name in ("certfr-2026-avi-0871.json", "malformed-bad-score.json", "cve-2026-40112.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    outcomes = import_path(session, tmp_path, actor="test")
    assert [(o.file, o.status) for o in outcomes] == [
        ("certfr-2026-avi-0871.json", "created"),
        ("cve-2026-40112.json", "created"),
        ("malformed-bad-score.json", "refused"),
    ]
    assert sorted(session.scalars(sa.select(Advisory.reference))) == [
        "CERTFR-2026-AVI-0871",
        "CVE-2026-40112",
    ]
    again = import_path(session, tmp_path, actor="test")
    assert [o.status for o in again] == ["present", "present", "refused"]
    assert _count(session, Advisory) == 2


def test_import_command(app, session, libriciel):
    session.commit()
    runner = app.test_cli_runner()
    path = str(FIXTURES / "cve-2026-40112.json")
    result = runner.invoke(main, ["import", "advisories", path], obj=app)
    assert result.exit_code == 0, result.output
    assert "1 imported" in result.output
    refused = runner.invoke(
        main, ["import", "advisories", str(FIXTURES / "malformed-missing-id.json")], obj=app
    )
    assert refused.exit_code == 1
    assert "document.tracking.id" in refused.output
    assert _count(session, Treatment) == 0


def test_csaf_on_the_shipped_catalogue_lists_every_member_deploying_it(session):
    """The demo's map (the shipped catalogue and its deployments): the CERT-FR document names
    i-Parapheur and S2low by Libriciel; confirmed, every member using them has a treatment due
    30 days (high) after publication."""
    from compliance import demo as kernel_demo
    from registers.applications import demo as map_demo
    from registers.applications.models import Application, Deployment

    kernel_demo.load_organisations(session, "test")
    map_demo.load(session, actor="test")
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    advisory = import_document(session, data, "certfr.json", actor="test").advisory
    names = {m.application.name for m in advisory.matches}
    assert names == {"i parapheur", "S2low"}
    for match in advisory.matches:
        treatments = services.confirm_match(
            session, match, actor="test", today=advisory.published_on
        )
        deploying = set(
            session.scalars(
                sa.select(Deployment.organisation_id).where(
                    Deployment.application_id == match.application_id,
                    Deployment.archived_at.is_(None),
                )
            )
        )
        assert deploying and {t.organisation_id for t in treatments} == deploying
        assert {t.due_on for t in treatments} == {date(2026, 12, 18)}
    assert session.scalar(sa.select(Application.id).where(Application.name == "S2low"))


# --- review findings ------------------------------------------------------------------------


def _csaf(**changes) -> dict:
    document = json.loads((FIXTURES / "certfr-2026-avi-0871.json").read_bytes())
    document.update(changes)
    return document


def _read(document: dict) -> dict:
    values = read_document(json.dumps(document).encode())
    values["products"] = [{k: v for k, v in p.items() if v} for p in values["products"]]
    return values


def test_csaf_product_status_fixed_and_not_affected_left_out():
    document = _csaf()
    document["vulnerabilities"][0]["product_status"] = {
        "known_affected": ["CSAFPID-0002"],
        "fixed": ["CSAFPID-0001"],
    }
    document["vulnerabilities"][1]["product_status"] = {"known_not_affected": ["CSAFPID-0003"]}
    products = _read(document)["products"]
    assert products == [
        {"vendor": "Libriciel", "product": "i-Parapheur", "versions": "4.7.x antérieures à 4.7.16"}
    ]


def test_csaf_full_product_names_and_range_read_by_id():
    document = _csaf()
    document["product_tree"] = {
        "branches": [
            {
                "category": "vendor",
                "name": "Libriciel",
                "branches": [
                    {
                        "category": "product_name",
                        "name": "S2low",
                        "branches": [
                            {
                                "category": "product_version_range",
                                "name": "vers:generic/<5.0.44",
                                "product": {"name": "S2low < 5.0.44", "product_id": "R1"},
                            }
                        ],
                    }
                ],
            }
        ],
        "full_product_names": [
            {"name": "Pastell", "product_id": "F1"},
            {"name": "Webdelib", "product_id": "F2"},
        ],
    }
    document["vulnerabilities"][0]["product_status"] = {"first_affected": ["R1", "F1"]}
    document["vulnerabilities"][1]["product_status"] = {"fixed": ["F2"]}
    products = _read(document)["products"]
    assert products == [
        {"vendor": "Libriciel", "product": "S2low", "versions": "vers:generic/<5.0.44"},
        {"product": "Pastell"},
    ]


def test_csaf_product_status_pointing_at_nothing_refused(session):
    document = _csaf()
    document["vulnerabilities"][1]["product_status"] = {"known_affected": ["CSAFPID-9999"]}
    outcome = import_document(session, json.dumps(document).encode(), "x.json", actor="t")
    assert outcome.status == "refused"
    assert "vulnerabilities[1].product_status.known_affected[0]" in outcome.message
    assert _count(session, Advisory) == 0


def test_csaf_without_product_status_names_every_product():
    document = _csaf()
    for vulnerability in document["vulnerabilities"]:
        vulnerability.pop("product_status")
    assert [p["product"] for p in _read(document)["products"]] == ["i-Parapheur", "S2low"]


def _cve(**changes) -> dict:
    record = json.loads((FIXTURES / "cve-2026-40112.json").read_bytes())
    record.update(changes)
    return record


def _refused(session, document) -> str:
    outcome = import_document(session, json.dumps(document).encode(), "bad.json", actor="t")
    assert outcome.status == "refused"
    assert _count(session, Advisory) == 0
    assert outcome.line().startswith("bad.json: ")
    return outcome.message


def test_wrong_types_refused_with_their_path(session):
    csaf = _csaf()
    csaf["document"]["aggregate_severity"] = {"text": 5}
    assert "document.aggregate_severity.text" in _refused(session, csaf)
    csaf = _csaf()
    csaf["document"]["publisher"]["name"] = ["CERT-FR"]
    assert "document.publisher.name" in _refused(session, csaf)
    cve = _cve()
    cve["containers"]["cna"]["providerMetadata"]["shortName"] = 3
    assert "containers.cna.providerMetadata.shortName" in _refused(session, cve)
    cve = _cve()
    cve["containers"]["cna"]["metrics"][0]["cvssV3_1"]["baseSeverity"] = ["HIGH"]
    assert "containers.cna.metrics[0].cvssV3_1.baseSeverity" in _refused(session, cve)


def test_unexpected_shape_refused_not_raised(session, monkeypatch):
    from registers.watch import importer

    def broken(_document):
        return None.upper()

    monkeypatch.setattr(importer, "read_cve", broken)
    assert "mal formé" in _refused(session, _cve())


def test_rejected_cve_and_bad_cve_ids_refused(session):
    cve = _cve()
    cve["cveMetadata"]["state"] = "REJECTED"
    assert "cveMetadata.state" in _refused(session, cve)
    cve = _cve()
    cve["cveMetadata"]["cveId"] = "not-a-cve"
    assert "cveMetadata.cveId" in _refused(session, cve)
    csaf = _csaf()
    csaf["vulnerabilities"][0]["cve"] = "CVE-26-1"
    assert "vulnerabilities[0].cve" in _refused(session, csaf)
