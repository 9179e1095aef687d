"""Factories of the DPIA register; the processing register's are reused."""

from __future__ import annotations

import pytest

from compliance.schemas import validate
from registers.dpia import services
from registers.dpia.schemas import DpiaUpdate, Principle, PrincipleAnswer, RiskKind, RiskUpdate
from tests.registers.processing.conftest import (  # noqa: F401
    COMPLETE,
    host,
    make_activity,
    make_application,
    make_deployment,
    make_interface,
    make_vendor,
    token_for,
)

JUDGED = {"justification": "Justifié au registre.", "judgement": "acceptable"}
REQUIRED_SCREENING = {"dpia_criteria": ["sensitive_data", "vulnerable_subjects"]}


@pytest.fixture
def make_dpia(session, make_activity):  # noqa: F811
    """A draft DPIA started from a new activity of `organisation` screened "required"."""

    def make(organisation, *, actor="test", **data):
        activity = make_activity(organisation, **{**REQUIRED_SCREENING, **data})
        session.flush()
        return services.start_dpia(session, activity, actor=actor)

    return make


def complete(session, dpia, *, residual=("limited", "limited"), actor="test", **validation):
    """Fill every part a validation asks for; `residual`: the levels after measures."""
    services.update_principles(
        session,
        dpia,
        {p.value: validate(PrincipleAnswer, JUDGED) for p in Principle},
        actor=actor,
    )
    for kind in RiskKind:
        services.update_risk(
            session,
            dpia,
            kind,
            validate(
                RiskUpdate,
                {
                    "severity": "maximum",
                    "likelihood": "significant",
                    "residual_severity": residual[0],
                    "residual_likelihood": residual[1],
                },
            ),
            actor=actor,
        )
    values = {
        "dpo_opinion": "Le délégué estime les mesures prévues suffisantes pour ce traitement.",
        "persons_not_sought_reason": "Les agents ont été consultés par leurs représentants élus.",
        "controller_decision": "Le maire décide de mettre en œuvre le traitement.",
        **validation,
    }
    services.update_dpia(session, dpia, validate(DpiaUpdate, values), actor=actor)
    return dpia
