"""Importing CSAF 2.0 documents and CVE JSON 5 records: matched to the map, idempotent on the
reference, a malformed document refused with its reason and nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from compliance.audit_chain import AuditEntry
from compliance.cli import main
from registers.watch import services
from registers.watch.cli import import_path
from registers.watch.importer import import_document, is_newer, read_document
from registers.watch.models import Advisory, AdvisoryMatch, Treatment
from registers.watch.schemas import AdvisorySeverity, AdvisorySource, MatchState
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


# --- revisions --------------------------------------------------------------------------------


def _revised(version: str, released: str, **change) -> bytes:
    """The CERT-FR fixture as revision `version` released at `released`."""
    document = json.loads((FIXTURES / "certfr-2026-avi-0871.json").read_bytes())
    tracking = document["document"]["tracking"]
    tracking["version"] = version
    tracking["current_release_date"] = released
    tracking["revision_history"].append({"number": version, "date": released, "summary": "Màj"})
    for edit in change.values():
        edit(document)
    return json.dumps(document).encode()


def _revision_two(document: dict) -> None:
    """Revision 2: a new title, severity and summary, and Pastell affected too (critical)."""
    head = document["document"]
    head["title"] = "Multiples vulnérabilités dans les produits Libriciel (mise à jour)"
    head["aggregate_severity"] = {"text": "Critique"}
    head["notes"][0]["text"] = "Une vulnérabilité de Pastell s'ajoute à celles de l'avis initial."
    head["references"][0]["url"] = "https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0871-2/"
    libriciel = document["product_tree"]["branches"][0]
    libriciel["branches"].append(
        {
            "category": "product_name",
            "name": "Pastell",
            "branches": [
                {
                    "category": "product_version",
                    "name": "versions antérieures à 4.1.9",
                    "product": {"name": "Pastell < 4.1.9", "product_id": "CSAFPID-0004"},
                }
            ],
        }
    )
    document["vulnerabilities"].append(
        {
            "cve": "CVE-2026-41990",
            "product_status": {"known_affected": ["CSAFPID-0004"]},
            "scores": [
                {
                    "products": ["CSAFPID-0004"],
                    "cvss_v3": {"version": "3.1", "baseScore": 9.8, "baseSeverity": "CRITICAL"},
                }
            ],
            "remediations": [
                {
                    "category": "workaround",
                    "details": "Désactiver le connecteur de télétransmission de Pastell.",
                    "product_ids": ["CSAFPID-0004"],
                }
            ],
        }
    )


def _state(session):
    advisories = [(a.id, a.version, a.updated_at) for a in session.scalars(sa.select(Advisory))]
    matches = [(m.id, m.application_id, m.state) for m in session.scalars(sa.select(AdvisoryMatch))]
    treatments = [
        (t.id, t.due_on, t.state, t.version) for t in session.scalars(sa.select(Treatment))
    ]
    return advisories, matches, treatments


def test_revision_stored_and_same_revision_unchanged(session, libriciel):
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    advisory = import_document(session, data, "certfr.json", actor="test").advisory
    session.flush()
    assert advisory.revision == "1"
    assert advisory.revised_at == datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    before = _state(session)
    again = import_document(session, data, "certfr.json", actor="test")
    session.flush()
    assert again.status == "present" and "inchangé" in again.line()
    assert _state(session) == before


def test_newer_revision_updates_and_keeps_the_confirmed_match_and_treatments(
    session, libriciel, make_application, make_deployment
):
    pastell = make_application("Pastell", vendor_id=libriciel["vendor"].id)
    make_deployment(libriciel["vitry"], pastell)
    first = import_document(session, _revised("1", "2026-11-18T10:00:00Z"), "v1.json", actor="t")
    advisory = first.advisory
    matches = {m.application_id: m for m in advisory.matches}
    parapheur = matches[libriciel["parapheur"].id]
    treatments = services.confirm_match(session, parapheur, actor="t", today=date(2026, 11, 18))
    services.update_treatment(
        session, treatments[0], {"state": "patched", "patched_on": "2026-11-20"}, actor="t"
    )
    session.commit()
    kept = [(t.id, t.due_on, t.state) for t in treatments]
    version = advisory.version

    data = _revised("2", "2026-11-25T16:30:00Z", more=_revision_two)
    outcome = import_document(session, data, "v2.json", actor="t")
    session.commit()

    assert outcome.status == "updated" and outcome.advisory.id == advisory.id
    assert "mis à jour (révision 2)" in outcome.line()
    assert advisory.version == version + 1
    assert advisory.title.endswith("(mise à jour)")
    assert advisory.severity == AdvisorySeverity.CRITICAL and advisory.cvss_score == 9.8
    assert "CVE-2026-41990" in advisory.cve_ids
    assert "Pastell" in [product["product"] for product in advisory.products]
    assert advisory.summary.startswith("Une vulnérabilité de Pastell")
    assert "Désactiver le connecteur" in advisory.workaround
    assert advisory.link.endswith("CERTFR-2026-AVI-0871-2/")
    assert advisory.revision == "2"
    assert advisory.revised_at == datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    assert advisory.published_on == date(2026, 11, 18) and _count(session, Advisory) == 1
    states = {m.application_id: (m.id, m.state) for m in advisory.matches}
    assert states[libriciel["parapheur"].id] == (parapheur.id, MatchState.CONFIRMED)
    assert states[libriciel["s2low"].id][1] == MatchState.PROPOSED
    assert states[pastell.id][1] == MatchState.PROPOSED
    # The treatments stay as they were (the critical severity moves no due date); none for
    # Pastell until its match is confirmed.
    after = session.scalars(sa.select(Treatment).order_by(Treatment.id)).all()
    assert [(t.id, t.due_on, t.state) for t in after] == kept
    (entry,) = session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "Advisory",
            AuditEntry.object_id == str(advisory.id),
            AuditEntry.action == "update",
        )
    )
    assert entry.changes["revision"] == {"before": "1", "after": "2"}

    before = _state(session)
    again = import_document(session, data, "v2.json", actor="t")
    session.flush()
    assert again.status == "present" and _state(session) == before


def test_older_revision_ignored(session, libriciel):
    newer = _revised("3", "2026-11-30T09:00:00Z", more=_revision_two)
    advisory = import_document(session, newer, "v3.json", actor="t").advisory
    session.flush()
    before = _state(session)
    for version, released in (("2", "2026-11-25T16:30:00Z"), ("1", "2026-11-18T10:00:00Z")):
        outcome = import_document(session, _revised(version, released), "old.json", actor="t")
        session.flush()
        assert outcome.status == "present"
    assert _state(session) == before
    assert advisory.revision == "3" and advisory.severity == AdvisorySeverity.CRITICAL


def test_cve_record_updated_later_updates(session, libriciel):
    record = json.loads((FIXTURES / "cve-2026-40112.json").read_bytes())
    advisory = import_document(session, json.dumps(record).encode(), "cve.json", actor="t").advisory
    session.flush()
    assert advisory.revision is None
    assert advisory.revised_at == datetime(2026, 10, 14, 14, 30, tzinfo=UTC)
    version = advisory.version
    record["cveMetadata"]["dateUpdated"] = "2026-11-02T08:00:00.000Z"
    record["containers"]["cna"]["workarounds"] = [
        {"lang": "fr", "value": "Retirer le droit d'export aux comptes non administrateurs."}
    ]
    outcome = import_document(session, json.dumps(record).encode(), "cve.json", actor="t")
    session.flush()
    assert outcome.status == "updated"
    assert "mis à jour (révision 2026-11-02 08:00 UTC)" in outcome.line()
    assert advisory.version == version + 1
    assert advisory.workaround.startswith("Retirer le droit d'export")
    assert advisory.revised_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_import_command_counts_the_updated(app, session, libriciel, tmp_path):
    session.commit()
    runner = app.test_cli_runner()
    (tmp_path / "v1.json").write_bytes(_revised("1", "2026-11-18T10:00:00Z"))
    first = runner.invoke(main, ["import", "advisories", str(tmp_path / "v1.json")], obj=app)
    assert "1 imported, 0 updated, 0 already present, 0 refused." in first.output
    (tmp_path / "v2.json").write_bytes(_revised("2", "2026-11-25T16:30:00Z", more=_revision_two))
    result = runner.invoke(main, ["import", "advisories", str(tmp_path)], obj=app)
    assert result.exit_code == 0, result.output
    assert "v2.json: CERTFR-2026-AVI-0871 mis à jour (révision 2)" in result.output
    assert "0 imported, 1 updated, 1 already present, 0 refused." in result.output


def test_advisory_recorded_without_revision_takes_one_released_after_it(session, make_advisory):
    advisory = make_advisory(reference="CERTFR-2026-AVI-0871", published_on=date(2026, 11, 18))
    advisory.created_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    session.flush()
    older = import_document(session, _revised("1", "2026-11-18T10:00:00Z"), "v1.json", actor="t")
    assert older.status == "present" and advisory.revision is None
    later = import_document(session, _revised("2", "2026-11-25T16:30:00Z"), "v2.json", actor="t")
    assert later.status == "updated" and advisory.revision == "2"
    assert advisory.title == "Multiples vulnérabilités dans les produits Libriciel"


@pytest.mark.parametrize(
    ("revision", "released", "newer"),
    [
        ("0.9", datetime(2026, 11, 18, 10, 0, tzinfo=UTC), False),
        ("1.0.1", datetime(2026, 11, 18, 10, 0, tzinfo=UTC), True),
        ("1.0.0", datetime(2026, 11, 18, 10, 0, tzinfo=UTC), False),
        ("1.0.0", datetime(2026, 11, 18, 10, 1, tzinfo=UTC), True),
        ("9.0.0", datetime(2026, 11, 18, 9, 0, tzinfo=UTC), False),
        (None, None, False),
    ],
)
def test_a_later_release_or_the_same_release_with_a_higher_version_is_newer(
    revision, released, newer
):
    recorded = Advisory(revision="1.0.0", revised_at=datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    assert is_newer({"revision": revision, "revised_at": released}, recorded) is newer
