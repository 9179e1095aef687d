"""The roadmap actions' q= search through the kernel's `compliance.search` (code, title, owner,
description), kept in step with the rows."""

from __future__ import annotations

from compliance.permissions import Role
from registers.roadmap import queries
from registers.roadmap.schemas import RoadmapActionFilters


def test_an_action_is_found_by_each_searched_column(session, host, make_user, make_roadmap_action):
    action = make_roadmap_action(
        title="Sauvegardes hors ligne", owner="Équipe réseau", description="Bandes LTO en coffre"
    )
    make_roadmap_action(title="Annuaire unique")
    user = make_user(Role.DPO, host)
    session.flush()

    def found(q):
        statement = queries.visible_actions(user, RoadmapActionFilters(q=q), selected=False)
        return {row.id for row in session.scalars(statement)}

    for q in ("SAUVEGARDE", "équipe", "lto en", action.code):
        assert found(q) == {action.id}, q
    action.title = "Restauration testée"
    session.flush()
    assert found("sauvegarde") == set()
    assert found("restauration") == {action.id}
