"""The 72-hour clock of a breach, as the pages show it: time left, late, or the decision that
stopped it. Computed in absolute time (UTC); only the display is in Paris time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from compliance.db import utcnow
from compliance.durations import duration_formats, format_duration
from compliance.i18n import PARIS
from registers.breaches.models import PersonalDataBreach, processor_delay_limit

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


@dataclass(frozen=True)
class ProcessorDelay:
    """Art. 33(2): how long the processor took to inform the controller, and whether that is
    beyond the COMPLIANCE_PROCESSOR_DELAY_HOURS setting."""

    delay: timedelta
    limit: timedelta

    @property
    def exceeded(self) -> bool:
        return self.delay > self.limit

    @property
    def label(self) -> str:
        return format_duration(self.delay)

    @property
    def limit_hours(self) -> int:
        return int(self.limit.total_seconds() // 3600)


def processor_delay(breach: PersonalDataBreach) -> ProcessorDelay | None:
    """The processor's delay of `breach`, or None when discovery or information is unknown."""
    delay = breach.processor_delay
    if delay is None:
        return None
    return ProcessorDelay(delay, processor_delay_limit())


@dataclass(frozen=True)
class FollowUp:
    """Art. 33(4): the complementary notification announced and not yet recorded."""

    due: date
    overdue: bool

    @property
    def label(self) -> str:
        when = format_date(self.due, "short")
        if self.overdue:
            return _("Notification complémentaire attendue depuis le %(when)s", when=when)
        return _("Notification complémentaire attendue au plus tard le %(when)s", when=when)

    @property
    def tone(self) -> str:
        return "error" if self.overdue else "warning"


def follow_up(breach: PersonalDataBreach, now: datetime | None = None) -> FollowUp | None:
    """The reminder of the complementary notification announced, if one is awaited."""
    due = breach.follow_up_due
    if due is None:
        return None
    today = (now or utcnow()).astimezone(PARIS).date()
    return FollowUp(due, today > due)
