"""The bundled catalogue: the 42 measures of ANSSI's guide, their themes and reinforced levels,
loaded by the migration (so present after `compliance init`)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from registers.roadmap.catalogue import ATTRIBUTION, all_measures, catalogue_rows
from registers.roadmap.models import HygieneMeasure, MeasureLevel, Theme


def test_the_42_measures_are_in_the_database(session):
    measures = all_measures(session)
    assert len(measures) == 61
    assert {m.measure for m in measures} == set(range(1, 43))


def test_each_measure_has_its_theme(session):
    measures = all_measures(session)
    assert {m.theme for m in measures} == set(Theme)
    by_ref = {m.ref: m for m in measures}
    assert by_ref["1"].theme == Theme.AWARENESS
    assert by_ref["13"].theme == Theme.ACCESS
    assert by_ref["13"].title == "Privilégier lorsque c’est possible une authentification forte"
    assert by_ref["37"].theme == Theme.SUPERVISION
    assert by_ref["42.R"].theme == Theme.FURTHER
    # The guide's order: a theme's measures follow the previous theme's.
    orders = [m.theme.order for m in measures]
    assert orders == sorted(orders)


def test_reinforced_levels(session):
    measures = all_measures(session)
    levels = Counter(m.level for m in measures)
    assert levels == {MeasureLevel.STANDARD: 39, MeasureLevel.REINFORCED: 22}
    only_reinforced = {
        m.measure
        for m in measures
        if m.level == MeasureLevel.REINFORCED
        and not any(o.measure == m.measure and o.level == MeasureLevel.STANDARD for o in measures)
    }
    assert only_reinforced == {38, 41, 42}
    reinforced = next(m for m in measures if m.ref == "13.R")
    assert reinforced.is_reinforced and reinforced.measure == 13


def test_database_matches_the_shipped_file(session):
    rows = {row["ref"]: row for row in catalogue_rows()}
    stored = {m.ref: m for m in session.scalars(sa.select(HygieneMeasure))}
    assert stored.keys() == rows.keys()
    for ref, row in rows.items():
        assert stored[ref].title == row["title"]
        assert stored[ref].title_en == row["title_en"]
        assert stored[ref].theme.value == row["theme_ref"]
        assert stored[ref].description == row["description"]


def test_attribution_names_anssi():
    assert ATTRIBUTION == "Source : ANSSI, Guide d'hygiène informatique"
