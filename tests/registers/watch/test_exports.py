"""The bulletin de veille: the advisories of the period and the treatments, for all members or
one; from the command line and from the advisories page; recorded and verifiable."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import default_template_path
from compliance.permissions import Role
from registers.watch import export, services


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def watched(session, libriciel, make_advisory):
    parapheur = make_advisory(
        reference="CERTFR-2026-AVI-0871", severity="critical", published_on=date(2026, 11, 2)
    )
    services.confirm_match(session, parapheur.matches[0], actor="t", today=parapheur.published_on)
    october = make_advisory(
        reference="CERTFR-2026-AVI-0700",
        products=[{"product": "S2low"}],
        published_on=date(2026, 10, 2),
    )
    services.confirm_match(session, october.matches[0], actor="t", today=october.published_on)
    session.commit()
    return {"november": parapheur, "october": october}


def test_bulletin_context(session, libriciel, watched):
    context = export.bulletin_context(
        session, date(2026, 11, 1), date(2026, 11, 30), today=date(2026, 11, 20)
    )
    assert [a["reference"] for a in context["advisories"]] == ["CERTFR-2026-AVI-0871"]
    assert context["advisories"][0]["members"] == 2
    assert {t["organisation"] for t in context["treatments"]} == {
        "Ivry-sur-Seine",
        "Vitry-sur-Seine",
    }
    assert all(t["late"] == "en retard" for t in context["treatments"])
    assert context["figures"]["received_total"] == 1
    one = export.bulletin_context(
        session, date(2026, 10, 1), date(2026, 11, 30), libriciel["vitry"]
    )
    assert [a["reference"] for a in one["advisories"]] == ["CERTFR-2026-AVI-0871"]
    assert {t["organisation"] for t in one["treatments"]} == {"Vitry-sur-Seine"}


@pytest.mark.parametrize("document_type", export.DOCUMENT_TYPES, ids=lambda t: t.name)
def test_shipped_template_passes_the_restyle_check(app, document_type):
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


def test_the_command_writes_a_verifiable_bulletin(app, session, libriciel, watched, tmp_path):
    runner = app.test_cli_runner()
    output = tmp_path / "bulletin.docx"
    args = ["export", "watch", "--from", "2026-11-01", "--to", "2026-11-30"]
    result = runner.invoke(main, [*args, "-o", str(output)], obj=app)
    assert result.exit_code == 0, result.output
    text = all_text(output.read_bytes())
    assert "CERTFR-2026-AVI-0871" in text and "CERTFR-2026-AVI-0700" not in text
    assert "Ivry-sur-Seine" in text and "tous les membres" in text
    verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert verified.exit_code == 0 and "authentic" in verified.output
    result = runner.invoke(
        main, [*args, "--organisation", "vitry-sur-seine", "-o", str(output)], obj=app
    )
    assert result.exit_code == 0
    text = all_text(output.read_bytes())
    assert "Vitry-sur-Seine" in text and "Ivry-sur-Seine" not in text
    result = runner.invoke(main, [*args, "--organisation", "nowhere", "-o", str(output)], obj=app)
    assert result.exit_code != 0 and "unknown organisation" in result.output
    result = runner.invoke(
        main,
        ["export", "watch", "--from", "2026-12-01", "--to", "2026-11-01", "-o", str(output)],
        obj=app,
    )
    assert result.exit_code != 0


def test_the_page_downloads_the_bulletin(client, login_as, libriciel, watched):
    login_as(Role.AUDITOR, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    assert client.get("/watch/bulletin").status_code == 200
    response = client.post(
        "/watch/bulletin", data={"start": "2026-11-01", "end": "2026-11-30", "organisation_id": ""}
    )
    assert response.status_code == 200
    assert "CERTFR-2026-AVI-0871" in all_text(response.data)
    bad = client.post(
        "/watch/bulletin", data={"start": "2026-11-30", "end": "2026-11-01", "organisation_id": ""}
    )
    assert bad.status_code == 400


def test_a_referent_may_not_download(client, login_as, libriciel, watched):
    login_as(Role.REFERENT, libriciel["vitry"])
    assert client.get("/watch/bulletin").status_code == 403


def test_member_bulletin_counts_only_its_advisories(session, libriciel, watched, make_advisory):
    from datetime import UTC, datetime

    make_advisory(reference="CERTFR-2026-AVI-0999", published_on=date(2026, 11, 5))  # proposed
    for advisory in watched.values():
        advisory.matches[0].decided_at = datetime(2026, 11, 10, 9, tzinfo=UTC)
    session.flush()
    period = (date(2026, 10, 1), date(2026, 11, 30))
    everyone = export.bulletin_context(session, *period)["figures"]
    assert everyone["received_total"] == 3 and everyone["confirmed"] == 2
    vitry = export.bulletin_context(session, *period, libriciel["vitry"])["figures"]
    assert vitry["received_total"] == 1 and vitry["confirmed"] == 1
    assert vitry["received"]["critical"] == 1
    villejuif = export.bulletin_context(session, *period, libriciel["villejuif"])["figures"]
    assert villejuif["received_total"] == 0 and villejuif["confirmed"] == 0
