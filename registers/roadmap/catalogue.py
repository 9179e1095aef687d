"""The bundled catalogue of ANSSI's Guide d'hygiène informatique: the file it is loaded from,
its attribution, and how the pages read it back."""

from __future__ import annotations

import csv
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registers.roadmap.models import HygieneMeasure, MeasureLevel, Theme

CATALOGUE_FILE = "anssi-hygiene-measures.csv"
# The Licence Ouverte asks for the source to be named wherever the catalogue is shown.
ATTRIBUTION = "Source : ANSSI, Guide d'hygiène informatique"
LICENCE = "Licence Ouverte / Open Licence (Etalab)"
MEASURE_COUNT = 42


def catalogue_rows() -> list[dict]:
    """The rows of the shipped file, as published."""
    text = resources.files("compliance.reference").joinpath(CATALOGUE_FILE)
    with text.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def all_measures(session: Session) -> list[HygieneMeasure]:
    """Every row of the catalogue (61: 42 measures, standard and reinforced levels), in the
    guide's order."""
    return list(
        session.scalars(
            sa.select(HygieneMeasure).order_by(HygieneMeasure.measure, HygieneMeasure.level.desc())
        )
    )


def by_theme(measures: list[HygieneMeasure]) -> list[tuple[Theme, list[HygieneMeasure]]]:
    groups: dict[Theme, list[HygieneMeasure]] = {}
    for measure in sorted(measures, key=lambda m: m.sort_key):
        groups.setdefault(measure.theme, []).append(measure)
    return sorted(groups.items(), key=lambda pair: pair[0].order)


def find_measures(session: Session, refs) -> list[HygieneMeasure]:
    refs = [str(ref).strip() for ref in refs or () if str(ref).strip()]
    if not refs:
        return []
    return list(session.scalars(sa.select(HygieneMeasure).where(HygieneMeasure.ref.in_(refs))))


__all__ = ["ATTRIBUTION", "MEASURE_COUNT", "MeasureLevel", "all_measures", "by_theme"]
