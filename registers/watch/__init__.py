"""The security watch (veille): advisories (CERT-FR, vendors, CSIRTs) matched against the
application map, confirmed or dismissed by the CISO, and the treatment of each confirmed one by
every member using the application, due by its severity."""

from __future__ import annotations

from compliance.permissions import Register
from compliance.registry import RegisterSpec
from registers.watch import cli

SPEC = RegisterSpec(
    name="watch",
    register=Register.WATCH,
    import_commands=cli.IMPORT_COMMANDS,
)
