"""Data-subject rights requests (Art. 12 to 22 GDPR): per controller organisation, each request
a person makes (access, rectification, erasure...), its one-month clock counted as Regulation
No 1182/71 counts months, its extension, its outcome and the recipients told (Art. 19)."""

from __future__ import annotations

from compliance.permissions import Register
from compliance.registry import RegisterSpec

SPEC = RegisterSpec(name="rights", register=Register.RIGHTS)
