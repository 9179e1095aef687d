"""The demo roadmap (idempotent, some done, some late) and `compliance export roadmap`."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from compliance.cli import main
from compliance.tenancy import OrganisationKind
from registers.roadmap import compute, demo
from registers.roadmap.models import HygieneAssessment, Roadmap, RoadmapAction


def _counts(session):
    return tuple(
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Roadmap, RoadmapAction, HygieneAssessment)
    )


def test_demo_roadmap_is_idempotent_with_done_and_late_actions(session, make_organisation):
    make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)
    demo.load(session, actor="test")
    first = _counts(session)
    demo.load(session, actor="test")
    assert _counts(session) == first == (1, 8, 61)
    roadmap = session.scalar(sa.select(Roadmap))
    assert roadmap.subsidy_total == 90_000 and roadmap.subsidy_received == 40_000
    progress = compute.progress(roadmap.actions, compute.today())
    assert progress.done >= 2 and progress.late >= 1 and progress.in_progress >= 1
    titles = " ".join(a.title for a in roadmap.actions)
    for words in (
        "SIEM",
        "interconnexions",
        "externalisées",
        "10 Gbit/s",
        "multifacteur",
        "Sensibilisation",
    ):
        assert words in titles


def test_cli_export(app, session, make_organisation, tmp_path):
    make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)
    demo.load(session, actor="test")
    session.commit()
    output = tmp_path / "roadmap.docx"
    result = CliRunner().invoke(
        main, ["export", "roadmap", "--org", "siim94", "-o", str(output)], obj=app
    )
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"PK")
    unknown = CliRunner().invoke(
        main, ["export", "roadmap", "--org", "nowhere", "-o", str(output)], obj=app
    )
    assert unknown.exit_code != 0 and "unknown organisation" in unknown.output
