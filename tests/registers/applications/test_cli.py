"""`compliance import applications FILE [--dry-run]`, and the map's part of `compliance demo`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from compliance.audit import AuditEntry, verify
from compliance.cli import main
from compliance.demo import load_organisations
from registers.applications import demo
from registers.applications.models import Application, Deployment, Interface, Vendor


@pytest.fixture
def cli(app, session):
    def invoke(*args):
        result = CliRunner().invoke(main, list(args), obj=app)
        session.expire_all()
        return result

    return invoke


@pytest.fixture
def catalogue_file(tmp_path, catalogue_bytes):
    path = tmp_path / "application-catalogue.csv"
    path.write_bytes(catalogue_bytes)
    return path


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_dry_run_shows_the_plan_and_writes_nothing(cli, session, catalogue_file):
    before = _count(session, AuditEntry)
    result = cli("import", "applications", str(catalogue_file), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "applications: 53 to create, 0 to update, 0 unchanged" in result.output
    assert "vendors: 26 to create" in result.output
    assert "Dry run" in result.output
    assert _count(session, Application) == 0
    assert _count(session, AuditEntry) == before


def test_import_then_reimport(cli, session, catalogue_file):
    result = cli("import", "applications", str(catalogue_file))
    assert result.exit_code == 0, result.output
    assert "Imported: 79 created, 0 updated." in result.output
    assert (_count(session, Application), _count(session, Vendor)) == (53, 26)
    entries = _count(session, AuditEntry)
    again = cli("import", "applications", str(catalogue_file))
    assert again.exit_code == 0, again.output
    assert "applications: 0 to create, 0 to update, 53 unchanged" in again.output
    assert "Nothing to change" in again.output
    assert _count(session, AuditEntry) == entries
    assert verify(session).ok


def test_a_bad_file_exits_non_zero_with_its_errors(cli, session, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        b"domaine;fonctionnalite;logiciel;fournisseur;organisation\n"
        b"RH;Paie;Ciril RH;CIRIL;\n"
        b"RH;Paie;;CIRIL;\n"
        b"RH;Paie;Ciril RH;CIRIL;Atlantis\n"
    )
    result = cli("import", "applications", str(path))
    assert result.exit_code != 0
    assert "bad.csv, line 3: nom du logiciel manquant" in result.output
    assert "bad.csv, line 4: organisation inconnue : « Atlantis »" in result.output
    assert "nothing was imported" in result.output
    assert _count(session, Application) == 0


def test_a_missing_file_is_refused(cli, tmp_path):
    result = cli("import", "applications", str(tmp_path / "nowhere.csv"))
    assert result.exit_code != 0


def test_the_demo_loads_the_catalogue_deployments_and_interfaces_once(session):
    organisations = load_organisations(session, "test")
    models = (Application, Vendor, Deployment, Interface, AuditEntry)
    demo.load(session, actor="test")
    counts = [_count(session, model) for model in models]
    assert counts[:2] == [53, 26]
    assert counts[2] > 100 and counts[3] >= 10
    housing = session.scalars(
        select(Deployment).join(Application).where(Application.name == "IMMOWARE ERP")
    )
    assert {d.organisation.slug for d in housing} == {"coop-ivry-habitat", "valdevy"}
    # Every member but the partner EPT uses the finance or the HR software.
    users = session.scalars(
        select(Deployment.organisation_id)
        .join(Application)
        .where(Application.name.in_(["Sedit.GF", "SEDIT WEB2"]))
        .distinct()
    )
    assert len(set(users)) == len(organisations) - 3  # not the EPT nor the two housing offices
    demo.load(session, actor="test")
    assert [_count(session, model) for model in models] == counts  # not even an audit entry


def test_import_row_limit_and_max_rows(cli, session, catalogue_file, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    result = cli("import", "applications", str(catalogue_file))
    assert result.exit_code == 1
    assert "dépasse la limite de 10 lignes" in result.output
    assert _count(session, Application) == 0
    result = cli("import", "applications", str(catalogue_file), "--max-rows", "5000")
    assert result.exit_code == 0, result.output
    assert _count(session, Application) == 53
