"""The risk treatment plan: the heat maps and every risk of one organisation only, from the
command line and from the list page, recorded and verifiable; the template passes the restyle
check."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from docx import Document

from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, document_types
from compliance.permissions import Role
from registers.risks import export


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def plan_world(session, organisation, other_organisation, make_risk):
    ours = make_risk(organisation, residual_likelihood=2, residual_impact=2)
    theirs = make_risk(other_organisation, title="Risque de Gentilly")
    session.commit()
    return ours, theirs


def test_the_plan_holds_the_heat_maps_and_the_organisations_risks(
    session, plan_world, organisation
):
    ours, theirs = plan_world
    context = export.plan_context(session, organisation)
    # Likelihood 3 (third row from the top is likelihood 2: V4 quasi certain first), impact 4.
    assert context["before"][1]["i4"] == 1 and context["after"][2]["i2"] == 1
    data, record = export.export_plan(session, organisation, actor="test")
    text = all_text(data)
    assert ours.reference in text and theirs.title not in text
    assert "Cartographie avant traitement" in text and "Critique (12)" in text
    # EBIOS RM's scales: V1 to V4 and G1 to G4.
    for label in ("4 – Quasi certain", "1 – Peu vraisemblable", "3 – Grave", "1 – Mineure"):
        assert label in text
    assert "quasi certain" in text and "maximale" not in text
    assert record.document == export.PLAN


def test_the_command_writes_a_verifiable_plan(app, plan_world, organisation, tmp_path):
    runner = app.test_cli_runner()
    output = tmp_path / "plan.docx"
    result = runner.invoke(
        main, ["export", "risks", "--org", organisation.slug, "-o", str(output)], obj=app
    )
    assert result.exit_code == 0, result.output
    assert plan_world[0].reference in all_text(output.read_bytes())
    verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert verified.exit_code == 0 and "authentic" in verified.output
    unknown = runner.invoke(
        main, ["export", "risks", "--org", "nulle-part", "-o", str(output)], obj=app
    )
    assert unknown.exit_code != 0 and "unknown organisation" in unknown.output


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CISO])
def test_the_plan_is_downloaded_from_the_list_page(
    client, login_as, session, plan_world, organisation, role
):
    login_as(role, organisation)
    assert "/risks/export" in client.get("/risks/").get_data(as_text=True)
    assert client.get("/risks/export").status_code == 200
    response = client.post("/risks/export", data={"organisation": organisation.slug})
    assert response.status_code == 200
    assert plan_world[0].reference in all_text(response.data)
    session.expire_all()
    record = session.scalar(sa.select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.document == export.PLAN


def test_another_organisations_plan_is_not_found(
    client, login_as, plan_world, organisation, other_organisation
):
    login_as(Role.AUDITOR, organisation)
    response = client.post("/risks/export", data={"organisation": other_organisation.slug})
    assert response.status_code == 404


def test_the_shipped_template_passes_the_restyle_check(app, plan_world):
    document_type = document_types()[export.PLAN]
    with app.test_request_context():
        check_template(default_template_path(export.PLAN).read_bytes(), document_type)
