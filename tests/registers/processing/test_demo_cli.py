"""`compliance import processing --org SLUG FILE`, and the register's part of `compliance demo`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from compliance.audit import AuditEntry
from compliance.auth import User
from compliance.cli import main
from compliance.demo import load_organisations, load_users
from registers.applications import demo as map_demo
from registers.processing import compute, demo, processor, template_activities
from registers.processing.models import ProcessingActivity
from registers.processing.notices import submitters_of
from registers.processing.queries import sent_back
from registers.processing.reference import ProcessingStatus, SubjectCategory


@pytest.fixture
def cli(app, session):
    def invoke(*args):
        result = CliRunner().invoke(main, list(args), obj=app)
        session.expire_all()
        return result

    return invoke


def test_import_command(cli, session, organisation, tmp_path):
    good = tmp_path / "registre.csv"
    good.write_text("reference;nom;service\nRH-01;Paie;DRH\n", encoding="utf-8")
    result = cli("import", "processing", "--org", organisation.slug, str(good))
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    activity = session.scalar(select(ProcessingActivity))
    assert (activity.reference, activity.name) == ("RH-01", "Paie")

    bad = tmp_path / "mauvais.csv"
    bad.write_text("nom;role\nX;chef\n", encoding="utf-8")
    result = cli("import", "processing", "--org", organisation.slug, str(bad))
    assert result.exit_code != 0
    assert "mauvais.csv, line 2: role" in result.output
    assert cli("import", "processing", "--org", "nowhere", str(good)).exit_code != 0


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_demo_loads_realistic_registers_once(session):
    organisations = load_organisations(session, "test")
    load_users(session, organisations, "test")
    map_demo.load(session, actor="test")
    demo.load(session, actor="test")
    counts = (_count(session, ProcessingActivity), _count(session, AuditEntry))
    activities = list(session.scalars(select(ProcessingActivity)))
    by_key = {(a.organisation.slug, a.reference): a for a in activities}

    voters = sum(
        s.estimated_number or 0
        for a in activities
        if a.reference == "EL-01"
        for s in a.subjects
        if s.category == SubjectCategory.VOTERS
    )
    assert voters == 97_437
    payslips = sum(
        s.estimated_number
        for a in activities
        if a.reference == "RH-01"
        for s in a.subjects
        if s.category == SubjectCategory.STAFF
    )
    assert payslips == 12_500
    assert all(a.applications for a in activities if not a.is_model)
    statuses = {a.status for a in activities}
    assert {ProcessingStatus.DRAFT, ProcessingStatus.SUBMITTED, ProcessingStatus.VALIDATED} <= (
        statuses
    )
    housing = by_key[("valdevy", "LO-01")]
    assert housing.dpia_required and compute.screen_activity(housing).required
    flagged = by_key[("gentilly", "AG-01")]
    codes = {w.code for w in compute.warnings(flagged)}
    assert {"legitimate_interest_public_body", "category_without_retention", "review_overdue"} <= (
        codes
    )
    assert compute.warnings(by_key[("ivry-sur-seine", "EL-01")]) == []
    model = next(a for a in activities if a.is_model)
    copies = template_activities.copies_of(session, model)
    assert len(copies) == 5 and {c.reference for c in copies} == {"EC-01"}
    diverged = {
        c.organisation.slug: [s.name for s in template_activities.divergence(c)] for c in copies
    }
    assert diverged["gentilly"] == ["recipients"]
    assert [slug for slug, names in diverged.items() if names] == ["gentilly"]
    assert processor.processor_register(session).controllers
    # One activity sent back to the referent who submitted it: their reminder.
    mail = by_key[("ivry-sur-seine", "AG-01")]
    assert mail.status == ProcessingStatus.DRAFT and mail.dpo_remarks
    (entry,) = sent_back([mail], session=session).values()
    (submitter,) = submitters_of(session, {mail.id: entry})[mail.id]
    assert session.get(User, submitter).email == "referent.ivry@demo.registre.invalid"

    demo.load(session, actor="test")
    assert (_count(session, ProcessingActivity), _count(session, AuditEntry)) == counts


def test_import_command_row_limit(cli, session, organisation, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    path = tmp_path / "registre.csv"
    path.write_text("reference;nom\nRH-01;Paie\nRH-02;Formation\n", encoding="utf-8")
    result = cli("import", "processing", "--org", organisation.slug, str(path))
    assert result.exit_code != 0
    assert "registre.csv, line 3" in result.output and "limite de 1 lignes" in result.output
    assert _count(session, ProcessingActivity) == 0
    result = cli("import", "processing", "--org", organisation.slug, str(path), "--max-rows", "2")
    assert result.exit_code == 0, result.output
    assert _count(session, ProcessingActivity) == 2
