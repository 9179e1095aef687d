"""Who may do what: the one table of role x register x action."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from compliance.enums import LabeledEnum


class Role(LabeledEnum):
    ADMIN = "admin"
    DPO = "dpo"
    CISO = "ciso"
    REFERENT = "referent"
    AUDITOR = "auditor"

    @classmethod
    def __labels__(cls):
        return {
            cls.ADMIN: _l("Administrateur"),
            cls.DPO: _l("Délégué à la protection des données"),
            cls.CISO: _l("RSSI"),
            cls.REFERENT: _l("Référent"),
            cls.AUDITOR: _l("Auditeur"),
        }


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    VALIDATE = "validate"
    EXPORT = "export"
    ADMIN = "admin"


class Register(StrEnum):
    """The areas permissions are granted on."""

    DASHBOARD = "dashboard"
    ORGANISATIONS = "organisations"
    USERS = "users"
    AUDIT = "audit"
    APPLICATIONS = "applications"
    PROCESSING = "processing"
    INCIDENTS = "incidents"
    BREACHES = "breaches"
    ROADMAP = "roadmap"
    RIGHTS = "rights"
    ANNUAL = "annual"
    DPIA = "dpia"
    WATCH = "watch"  # the security watch: advisories matched to the map, their treatments
    RISKS = "risks"  # the risk register (ISO 27001 6.1.2, 6.1.3)
    AUDITS = "audits"  # internal audits and the management review (9.2, 9.3)


A = Action
READ_EXPORT = frozenset({A.READ, A.EXPORT})
WRITE = frozenset({A.READ, A.CREATE, A.EDIT, A.EXPORT})
FULL = frozenset({A.READ, A.CREATE, A.EDIT, A.VALIDATE, A.EXPORT})
EVERYTHING = frozenset(Action)

PERMISSIONS: dict[Role, dict[Register, frozenset[Action]]] = {
    Role.ADMIN: dict.fromkeys(Register, EVERYTHING),
    Role.DPO: {
        Register.DASHBOARD: READ_EXPORT,
        Register.ORGANISATIONS: frozenset({A.READ, A.EDIT}),
        Register.APPLICATIONS: READ_EXPORT,
        Register.PROCESSING: FULL,
        Register.INCIDENTS: READ_EXPORT,
        Register.BREACHES: FULL,
        Register.ROADMAP: READ_EXPORT,
        Register.RIGHTS: FULL,
        # The annual report: VALIDATE is writing the DPO's recommendations.
        Register.ANNUAL: FULL,
        Register.DPIA: FULL,
        Register.WATCH: READ_EXPORT,
        # The risks that concern personal data (the service checks which).
        Register.RISKS: WRITE,
        Register.AUDITS: READ_EXPORT,
    },
    Role.CISO: {
        Register.DASHBOARD: READ_EXPORT,
        Register.ORGANISATIONS: frozenset({A.READ}),
        Register.APPLICATIONS: FULL,
        Register.PROCESSING: READ_EXPORT,
        Register.INCIDENTS: FULL,
        Register.BREACHES: WRITE,
        Register.ROADMAP: FULL,
        # No rights requests: they name the person and the CISO has no need to read them.
        Register.ANNUAL: frozenset({A.READ}),
        Register.DPIA: READ_EXPORT,
        Register.WATCH: FULL,
        Register.RISKS: FULL,
        Register.AUDITS: FULL,
    },
    Role.REFERENT: {
        Register.DASHBOARD: frozenset({A.READ}),
        Register.ORGANISATIONS: frozenset({A.READ}),
        Register.APPLICATIONS: frozenset({A.READ}),
        # Export: a referent downloads their own organisation's register (memberships scope it).
        Register.PROCESSING: WRITE,
        Register.INCIDENTS: frozenset({A.READ}),
        Register.BREACHES: frozenset({A.READ}),
        Register.ROADMAP: frozenset({A.READ}),
        # The requests their organisation receives: recorded, followed and answered there too.
        Register.RIGHTS: WRITE,
        # Their organisation's awareness sessions; the report read and downloaded.
        Register.ANNUAL: WRITE,
        # Referents contribute to the context and the measures; the DPO validates.
        Register.DPIA: WRITE,
        # Their organisation's exposure to the advisories, and the risks that concern it.
        Register.WATCH: frozenset({A.READ}),
        Register.RISKS: frozenset({A.READ}),
    },
    Role.AUDITOR: {
        register: READ_EXPORT
        for register in Register
        if register not in {Register.USERS, Register.AUDIT}
    },
}


def role_allows(role: Role | str, register: Register | str, action: Action | str) -> bool:
    return Action(action) in PERMISSIONS.get(Role(role), {}).get(Register(register), frozenset())


def roles_allowing(register: Register | str, action: Action | str) -> list[Role]:
    return [role for role in Role if role_allows(role, register, action)]
