"""Data protection impact assessments (AIPD, Art. 35 GDPR) by the CNIL's PIA method: the
context, the fundamental principles, the three risks and the validation of a processing
activity's assessment, with the prior consultation of the CNIL (Art. 36) it may require."""

from __future__ import annotations

from compliance.permissions import Register
from compliance.registry import RegisterSpec
from registers.dpia import hooks

SPEC = RegisterSpec(name="dpia", register=Register.DPIA, hooks=hooks.HOOKS)
