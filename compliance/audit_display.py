"""How the audit trail reads to people: its actions and kinds of record in their words, each
record named and linked when it still exists and the reader may see it, and the summaries the
trail stores (in English, sealed in the chain) said in the reader's language.

The trail stores what it stored; only the page translates. The kernel names its own records;
each register names its own through the registry (slot "audit_kinds": `audit_kinds_panel`),
so that the kernel imports no register.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from compliance.access import ADMINISTERED_ORGANISATIONS, ADMINISTERED_USERS, scope
from compliance.auth import ApiToken, Membership, RecoveryCode, User
from compliance.i18n import of_name
from compliance.permissions import Action, Role
from compliance.registry import Panel, get_registry
from compliance.tenancy import Organisation, Scope
from compliance.text import bounded_id

SLOT = "audit_kinds"

ACTIONS = {
    "create": _l("Création"),
    "update": _l("Modification"),
    "delete": _l("Suppression"),
    "archive": _l("Archivage"),
    "restore": _l("Restauration"),
    "login": _l("Connexion"),
    "login_password": _l("Mot de passe accepté"),
    "login_failed": _l("Échec de connexion"),
    "login_blocked": _l("Connexion bloquée"),
    "logout": _l("Déconnexion"),
    "password": _l("Changement de mot de passe"),
    "deactivate": _l("Désactivation"),
    "grant": _l("Attribution d'un rôle"),
    "revoke": _l("Retrait d'un rôle"),
    "mfa_enable": _l("Double authentification activée"),
    "mfa_disable": _l("Double authentification désactivée"),
    "mfa_reset": _l("Double authentification réinitialisée"),
    "mfa_failed": _l("Code de double authentification erroné"),
    "mfa_recovery": _l("Code de secours utilisé"),
    "mfa_recovery_codes": _l("Nouveaux codes de secours"),
    "export": _l("Export"),
    "import": _l("Import"),
    "publish": _l("Publication"),
    "submit": _l("Soumission au délégué"),
    "validate": _l("Validation"),
    "send_back": _l("Renvoi au référent"),
    "apply_model": _l("Application d'un traitement type"),
    "push_model": _l("Diffusion d'un traitement type"),
    "transition": _l("Changement de statut"),
    "timeline": _l("Chronologie"),
    "report": _l("Signalement"),
    "report_removed": _l("Signalement retiré"),
    "notify": _l("Notification"),
    "decide": _l("Décision"),
    "close": _l("Clôture"),
    "reopen": _l("Réouverture"),
    "escalate": _l("Escalade"),
    # A data-subject rights request's transitions.
    "start": _l("Début du traitement"),
    "extend": _l("Prolongation du délai"),
    "answer": _l("Réponse"),
    "refuse": _l("Refus"),
    "withdraw": _l("Retrait de la demande"),
    "template_upload": _l("Modèle Word personnalisé"),
    "template_reset": _l("Modèle Word rétabli"),
    "backup": _l("Sauvegarde"),
    "rotate_keys": _l("Rotation des clés"),
    "audit_rekey": _l("Nouvelle clé du journal"),
}


def action_label(action: str | None) -> str:
    """An action as people say it; an action this page does not know stays its code."""
    label = ACTIONS.get(action or "")
    return str(label) if label is not None else (action or "")


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every action, by label: the choices of the filter."""
    return sorted(((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1])


@dataclass(frozen=True)
class AuditKind:
    """A kind of record of the trail: its model (the trail stores its class name), its name
    for people, and the page of one record (endpoint, URL parameter, the record's attribute
    that fills it). `scope` replaces the model's declared scope (the administration's)."""

    model: type
    label: object  # a lazy translated string
    endpoint: str | None = None
    param: str | None = None
    attribute: str = "id"
    scope: Scope | None = None

    @property
    def name(self) -> str:
        return self.model.__name__


def audit_kinds_panel(*kinds: AuditKind) -> Panel:
    """What a register declares (in its panels) to have the trail name its records."""
    return Panel(SLOT, lambda _subject: {"kinds": kinds})


KERNEL_KINDS = (
    AuditKind(
        Organisation,
        _l("Organisation"),
        "admin.edit_organisation",
        "organisation_id",
        scope=ADMINISTERED_ORGANISATIONS,
    ),
    AuditKind(User, _l("Compte"), "admin.edit_user", "user_id", scope=ADMINISTERED_USERS),
    AuditKind(Membership, _l("Rôle")),
    AuditKind(ApiToken, _l("Jeton d'API")),
    AuditKind(RecoveryCode, _l("Codes de secours")),
)


def known_kinds() -> dict[str, AuditKind]:
    kinds = {kind.name: kind for kind in KERNEL_KINDS}
    for panel in get_registry().panels_for(SLOT, None):
        kinds.update((kind.name, kind) for kind in panel["kinds"])
    return kinds


def kind_choices() -> list[tuple[str, str]]:
    """(class name, label) of every kind of record, by label: the choices of the filter."""
    return sorted(((n, str(k.label)) for n, k in known_kinds().items()), key=lambda c: c[1])


# --- the stored summaries, said in the reader's language --------------------------------------


def _role(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return code


# (pattern of a stored summary, what it says); `of_who` and `of_organisation` are elided.
SUMMARIES: tuple[tuple[re.Pattern, Callable[[dict], str]], ...] = tuple(
    (re.compile(pattern), say)
    for pattern, say in (
        (
            r"Login of (?P<who>\S+) \((?P<how>[^)]+)\)",
            lambda g: _("Connexion %(of_who)s (%(how)s)", **g),
        ),
        (r"Login of (?P<who>.+)", lambda g: _("Connexion %(of_who)s", **g)),
        (r"Logout of (?P<who>.+)", lambda g: _("Déconnexion %(of_who)s", **g)),
        (r"Failed login for (?P<who>.+)", lambda g: _("Échec de connexion pour %(who)s", **g)),
        (
            r"Login refused \(throttled\) for (?P<who>.+)",
            lambda g: _("Connexion refusée (trop de tentatives) pour %(who)s", **g),
        ),
        (
            r"Password of (?P<who>.+) accepted, second factor asked",
            lambda g: _("Mot de passe %(of_who)s accepté, second facteur demandé", **g),
        ),
        (
            r"Code refused \(throttled\) for (?P<who>.+)",
            lambda g: _("Code refusé (trop de tentatives) pour %(who)s", **g),
        ),
        (r"Wrong code for (?P<who>.+)", lambda g: _("Code erroné pour %(who)s", **g)),
        (
            r"MFA on for (?P<who>.+)",
            lambda g: _("Double authentification activée pour %(who)s", **g),
        ),
        (
            r"MFA off for (?P<who>.+)",
            lambda g: _("Double authentification désactivée pour %(who)s", **g),
        ),
        (
            r"MFA reset for (?P<who>.+)",
            lambda g: _("Double authentification réinitialisée pour %(who)s", **g),
        ),
        (
            r"New recovery codes for (?P<who>.+)",
            lambda g: _("Nouveaux codes de secours pour %(who)s", **g),
        ),
        (
            r"Recovery code used by (?P<who>.+) \((?P<left>\d+) left\)",
            lambda g: _("Code de secours utilisé par %(who)s (%(left)s restants)", **g),
        ),
        (r"Password of (?P<who>.+) changed", lambda g: _("Mot de passe %(of_who)s changé", **g)),
        (r"User (?P<who>.+) deactivated", lambda g: _("Compte %(of_who)s désactivé", **g)),
        (r"User (?P<who>.+)", lambda g: _("Compte %(of_who)s", **g)),
        (
            r"(?P<who>\S+): (?P<role>\w+) in (?P<organisation>\S+) removed",
            lambda g: _("%(who)s : rôle « %(role)s » retiré (%(organisation)s)", **g),
        ),
        (
            r"(?P<who>\S+): (?P<role>\w+) in (?P<organisation>\S+)",
            lambda g: _("%(who)s : rôle « %(role)s » (%(organisation)s)", **g),
        ),
        (
            r"API token (?P<name>.+) revoked",
            lambda g: _("Jeton d'API « %(name)s » révoqué", **g),
        ),
        (
            r"API token (?P<name>.+) for (?P<who>.+)",
            lambda g: _("Jeton d'API « %(name)s » %(of_who)s", **g),
        ),
        (
            r"Spreadsheet of the register of (?P<organisation>.+) \((?P<rows>\d+) rows\)",
            lambda g: _("Tableur du registre %(of_organisation)s (%(rows)s lignes)", **g),
        ),
        (
            r"Register of (?P<organisation>.+), version (?P<number>\d+)",
            lambda g: _("Registre %(of_organisation)s, version %(number)s", **g),
        ),
        (r"Export (?P<ref>\S+): (?P<title>.+)", lambda g: _("Export %(ref)s : %(title)s", **g)),
        (r"Breach (?P<rest>.+)", lambda g: _("Violation de données %(rest)s", **g)),
        (r"Processing activity (?P<rest>.+)", lambda g: _("Fiche de registre %(rest)s", **g)),
        (
            r"Roadmap action (?P<rest>.+)",
            lambda g: _("Action de la feuille de route %(rest)s", **g),
        ),
        (
            r"Hygiene measure (?P<ref>\S+) at (?P<organisation>.+)",
            lambda g: _("Mesure d'hygiène %(ref)s (%(organisation)s)", **g),
        ),
        (
            r"Timeline of (?P<ref>\S+): (?P<kind>.+)",
            lambda g: _("Chronologie de %(ref)s : %(kind)s", **g),
        ),
        (
            r"Report of (?P<ref>\S+): (?P<kind>.+)",
            lambda g: _("Signalement de %(ref)s : %(kind)s", **g),
        ),
        (
            r"Model (?P<ref>\S+) applied to (?P<organisation>.+)",
            lambda g: _("Traitement type %(ref)s appliqué (%(organisation)s)", **g),
        ),
        (
            r"Model (?P<ref>\S+) pushed to its copies",
            lambda g: _("Traitement type %(ref)s diffusé à ses copies", **g),
        ),
        (
            r"(?P<ref>\S+) escalated into the roadmap as (?P<code>\S+)",
            lambda g: _("%(ref)s reportée dans la feuille de route (action %(code)s)", **g),
        ),
        (
            r"Word template (?P<name>\S+) restyled for (?P<organisation>\S+)",
            lambda g: _("Modèle Word %(name)s personnalisé (%(organisation)s)", **g),
        ),
        (
            r"Word template (?P<name>\S+) reset to default for (?P<organisation>\S+)",
            lambda g: _("Modèle Word %(name)s rétabli (%(organisation)s)", **g),
        ),
    )
)


def _words(groups: dict) -> dict:
    words = {key: value for key, value in groups.items() if value is not None}
    if "role" in words:
        words["role"] = _role(words["role"])
    for key in ("who", "organisation"):
        if key in words:
            words[f"of_{key}"] = of_name(words[key])
    return words


def summary_text(entry, kind: AuditKind | None = None) -> str:
    """The stored summary in the reader's words: a known sentence translated, a record's name
    after its kind ("PersonalDataBreach VDP-2026-004" reads « Violation de données
    VDP-2026-004 »), anything else as stored."""
    summary = (entry.summary or "").strip()
    for pattern, say in SUMMARIES:
        match = pattern.fullmatch(summary)
        if match:
            return say(_words(match.groupdict()))
    if kind is not None and entry.object_type and summary.startswith(f"{entry.object_type} "):
        return f"{kind.label} {summary[len(entry.object_type) + 1 :]}"
    return summary


# --- the records the entries name -------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One entry as the page shows it."""

    action: str
    kind: str | None
    name: str | None
    url: str | None
    summary: str


def _record_name(record) -> str | None:
    """What people call a record: its reference (or code, e-mail), else its name or title."""
    for attribute in ("reference", "code", "email", "name", "title"):
        value = getattr(record, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def _visible(session, kinds: dict[str, AuditKind], entries, user) -> dict[tuple[str, str], object]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        kind = kinds.get(entry.object_type or "")
        number = bounded_id(entry.object_id)
        if kind is not None and kind.endpoint and number is not None:
            wanted[kind.name].add(number)
    found = {}
    for name, ids in wanted.items():
        kind = kinds[name]
        statement = sa.select(kind.model).where(kind.model.id.in_(sorted(ids)))
        action = Action.ADMIN if kind.scope is not None else Action.READ
        statement = scope(statement, action, scope=kind.scope, selected=False, user=user)
        for record in session.scalars(statement):
            found[(name, str(record.id))] = record
    return found


def present(session, entries: Iterable, *, user=None) -> dict[int, Shown]:
    """seq -> how each entry reads: its action and kind in words, the record named (its
    reference or name; from the summary once it is gone) and linked when the user sees it."""
    entries = list(entries)
    kinds = known_kinds()
    records = _visible(session, kinds, entries, user)
    shown = {}
    for entry in entries:
        kind = kinds.get(entry.object_type or "")
        record = records.get((entry.object_type, entry.object_id))
        summary = summary_text(entry, kind)
        name = _record_name(record) if record is not None else None
        if name is None and entry.object_id:
            name = _("n° %(number)s", number=entry.object_id)
        url = None
        if record is not None and kind is not None and kind.endpoint:
            url = url_for(kind.endpoint, **{kind.param: getattr(record, kind.attribute)})
        shown[entry.seq] = Shown(
            action=action_label(entry.action),
            kind=str(kind.label) if kind is not None else entry.object_type,
            name=name,
            url=url,
            summary=summary,
        )
    return shown
