"""What the watch does when the map changes: an application renamed (or given another vendor)
is matched against the advisories again; a member that starts using an application gets a
treatment for each advisory confirmed on it."""

from __future__ import annotations

from compliance.registry import Hook
from registers.applications.services import DEPLOYED_HOOK, RENAMED_HOOK
from registers.watch import services


def application_renamed(session, application, **_details) -> None:
    services.match_application(session, application.id)


def application_deployed(session, deployment, **_details) -> None:
    services.treat_new_deployment(session, deployment)


HOOKS = (
    Hook(RENAMED_HOOK, application_renamed),
    Hook(DEPLOYED_HOOK, application_deployed),
)
