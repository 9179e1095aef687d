"""The 72-hour clock of a breach, as the pages show it: time left, late, or the decision that
stopped it. Computed in absolute time (UTC); only the display is in Paris time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from compliance.db import utcnow
from compliance.durations import duration_formats, format_duration
from registers.breaches.models import PersonalDataBreach

# Under this much time left, the countdown turns from "info" to "warning", then to "error".
WARNING_BELOW = timedelta(hours=24)
URGENT_BELOW = timedelta(hours=6)


def countdown_formats() -> dict[str, str]:
    """The kernel's duration wording and the countdown's labels, with {d}, {h}, {m} and {}
    placeholders, for the script that keeps a countdown current between two page loads."""
    return {
        **duration_formats(),
        "running": _("%(left)s restantes", left="{}"),
        "late": _("En retard de %(late)s", late="{}"),
    }


@dataclass(frozen=True)
class Clock:
    """What the countdown of one breach says at `now`."""

    state: str  # running, late, notified, notified_late, not_notifiable, closed
    deadline: datetime
    remaining: timedelta  # negative once the deadline has passed
    notified_at: datetime | None = None

    @property
    def is_running(self) -> bool:
        return self.state == "running"

    @property
    def is_late(self) -> bool:
        return self.state == "late"

    @property
    def tone(self) -> str:
        if self.state == "late" or self.state == "notified_late":
            return "error"
        if self.state == "running":
            if self.remaining < URGENT_BELOW:
                return "error"
            return "warning" if self.remaining < WARNING_BELOW else "info"
        return "success" if self.state in ("notified", "not_notifiable") else "neutral"

    @property
    def overdue(self) -> timedelta:
        return -self.remaining if self.remaining < timedelta(0) else timedelta(0)

    @property
    def label(self) -> str:
        if self.state == "running":
            return _("%(left)s restantes", left=format_duration(self.remaining))
        if self.state == "late":
            return _("En retard de %(late)s", late=format_duration(self.overdue))
        if self.state == "notified":
            return _("Notifiée dans les 72 heures")
        if self.state == "notified_late":
            late = format_duration(self.notified_at - self.deadline)
            return _("Notifiée avec %(late)s de retard", late=late)
        if self.state == "not_notifiable":
            return _("Non notifiable : décision documentée")
        return _("Close")


def clock(breach: PersonalDataBreach, now: datetime | None = None) -> Clock:
    now = now or utcnow()
    deadline = breach.notification_deadline
    initial = breach.initial_notification
    notified_at = initial.sent_at if initial is not None else None
    return Clock(breach.state_at(now), deadline, deadline - now, notified_at)
