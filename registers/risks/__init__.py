"""The risk register (ISO 27001 6.1.2, 6.1.3): the risks to information security of the
syndicate and of each member, assessed on four-level scales before and after treatment, their
treatment (reduce, accept, transfer, avoid) through roadmap actions and ANSSI hygiene measures,
and the owner's acceptance of what remains."""

from __future__ import annotations


from compliance.permissions import Register
from compliance.registry import RegisterSpec
from registers.risks import models  # noqa: F401  (the tables)

SPEC = RegisterSpec(
    name="risks",
    register=Register.RISKS,
    # nav: with the pages
)
