"""What the watch does when the map changes: an application renamed (or given another vendor)
is matched against the advisories again; a member that starts using an application (or uses it
again: a deployment restored) gets a treatment for each advisory confirmed on it; a deployment
archived loses the treatments still to do that opened nothing."""

from __future__ import annotations

from compliance.registry import Hook
from registers.applications.services import (
    DEPLOYED_HOOK,
    DEPLOYMENT_ARCHIVED_HOOK,
    DEPLOYMENT_RESTORED_HOOK,
    RENAMED_HOOK,
)
from registers.watch import services


def application_renamed(session, application, **_details) -> None:
    services.match_application(session, application.id)


def application_deployed(session, deployment, **_details) -> None:
    services.treat_new_deployment(session, deployment)


def deployment_archived(session, deployment, **_details) -> None:
    services.drop_archived_deployment(session, deployment)


def deployment_restored(session, deployment, **_details) -> None:
    services.treat_new_deployment(session, deployment)


HOOKS = (
    Hook(RENAMED_HOOK, application_renamed),
    Hook(DEPLOYED_HOOK, application_deployed),
    Hook(DEPLOYMENT_ARCHIVED_HOOK, deployment_archived),
    Hook(DEPLOYMENT_RESTORED_HOOK, deployment_restored),
)
