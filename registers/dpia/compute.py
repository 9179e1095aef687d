"""What a DPIA's risks come to, without touching the database: each risk's levels after the
planned measures, where it falls on the risk map, the DPIA's residual zone, and whether the
CNIL must be consulted before the processing begins (Art. 36 GDPR).

The CNIL's method places each risk by its severity and likelihood on four levels; a risk that
stays at "importante" or "maximale" on both after the planned measures is a high residual risk,
which the controller may not accept alone: it consults the CNIL first (Art. 36(1), WP248 rev.01).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registers.dpia.schemas import RiskKind, RiskLevel, RiskZone

HIGH = frozenset({RiskLevel.SIGNIFICANT, RiskLevel.MAXIMUM})


def _level(value) -> RiskLevel | None:
    return RiskLevel(value) if value else None


@dataclass(frozen=True)
class Placement:
    """A risk on the map: its levels before and after the planned measures (None: not
    estimated)."""

    kind: RiskKind
    severity: RiskLevel | None
    likelihood: RiskLevel | None
    residual_severity: RiskLevel | None
    residual_likelihood: RiskLevel | None

    @property
    def is_estimated(self) -> bool:
        return self.severity is not None and self.likelihood is not None

    @property
    def is_residual_estimated(self) -> bool:
        return self.residual_severity is not None and self.residual_likelihood is not None

    @property
    def zone(self) -> RiskZone | None:
        return zone(self.severity, self.likelihood)

    @property
    def residual_zone(self) -> RiskZone | None:
        return zone(self.residual_severity, self.residual_likelihood)


def residual(risk) -> tuple[RiskLevel | None, RiskLevel | None]:
    """A risk's severity and likelihood after the planned measures; a level not re-estimated
    stays at its initial value (measures are not presumed to lower it)."""
    severity = _level(risk.residual_severity) or _level(risk.severity)
    likelihood = _level(risk.residual_likelihood) or _level(risk.likelihood)
    return severity, likelihood


def placement(risk) -> Placement:
    severity, likelihood = residual(risk)
    return Placement(
        RiskKind(risk.kind), _level(risk.severity), _level(risk.likelihood), severity, likelihood
    )


def placements(risks: Iterable) -> list[Placement]:
    """The risks placed on the map, in the method's order."""
    return sorted((placement(risk) for risk in risks), key=lambda p: p.kind.number)


def zone(severity, likelihood) -> RiskZone | None:
    """High: both levels importante or maximale; low: both négligeable or limitée; medium
    otherwise (the CNIL's map); None when a level is missing."""
    severity, likelihood = _level(severity), _level(likelihood)
    if severity is None or likelihood is None:
        return None
    high = (severity in HIGH) + (likelihood in HIGH)
    return (RiskZone.LOW, RiskZone.MEDIUM, RiskZone.HIGH)[high]


ZONE_ORDER = (RiskZone.LOW, RiskZone.MEDIUM, RiskZone.HIGH)


def residual_zone(dpia) -> RiskZone | None:
    """The DPIA's residual risk: the highest zone of its risks after the planned measures."""
    zones = [p.residual_zone for p in placements(dpia.risks) if p.residual_zone is not None]
    return max(zones, key=ZONE_ORDER.index) if zones else None


def high_residual_risks(dpia) -> list[Placement]:
    """The risks left at importante or maximale on both severity and likelihood after the
    planned measures."""
    return [p for p in placements(dpia.risks) if p.residual_zone == RiskZone.HIGH]


def prior_consultation_required(dpia) -> bool:
    """Whether the CNIL must be consulted before the processing (Art. 36(1))."""
    return bool(high_residual_risks(dpia))
