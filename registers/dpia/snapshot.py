"""A DPIA as a validated version keeps it: a frozen JSON of its four parts (codes as values,
dates as ISO strings), with its digest, as published registers are kept."""

from __future__ import annotations

import hashlib
import json

from registers.dpia import compute
from registers.dpia.schemas import DpiaBase

SNAPSHOT_FORMAT = 1


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


def digest(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dpia_content(dpia) -> dict:
    risk_fields = (
        "sources",
        "threats",
        "impacts",
        "severity",
        "likelihood",
        "justification",
        "residual_severity",
        "residual_likelihood",
        "residual_justification",
    )
    measure_fields = ("title", "description", "state", "owner", "due_on", "hygiene_measure")
    zone = compute.residual_zone(dpia)
    return {
        "format": SNAPSHOT_FORMAT,
        "reference": dpia.reference,
        "processing_id": dpia.processing_id,
        **{name: _plain(getattr(dpia, name)) for name in DpiaBase.model_fields},
        "principles": dict(dpia.principles or {}),
        "risks": [
            {"kind": _plain(risk.kind), **{n: _plain(getattr(risk, n)) for n in risk_fields}}
            for risk in dpia.risks
        ],
        "measures": [
            {
                **{n: _plain(getattr(measure, n)) for n in measure_fields},
                "roadmap_action_id": measure.roadmap_action_id,
            }
            for measure in dpia.measures
        ],
        "residual_zone": _plain(zone),
        "prior_consultation_required": compute.prior_consultation_required(dpia),
    }
