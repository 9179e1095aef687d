"""Internal audits and the management review (ISO/IEC 27001:2022 §9.2, §9.3): the audit
programme of each year, its audits and their findings (a nonconformity opens a corrective
action of the incidents register's log), and the management reviews, whose inputs every
register computes for the period (`ReviewInput`) and which decide roadmap or corrective
actions."""

from __future__ import annotations

from compliance.permissions import Register
from compliance.registry import RegisterSpec
from registers.audits import review

SPEC = RegisterSpec(
    name="audits",
    register=Register.AUDITS,
    review_inputs=review.REVIEW_INPUTS,
)
