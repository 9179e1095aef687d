"""What the DPIA register does when another register changes: a validated DPIA is to be
revised when its activity's purposes, data or supporting applications change."""

from __future__ import annotations

from compliance.registry import Hook
from registers.dpia import services

HOOKS = (Hook("processing_changed", services.activity_changed),)
