"""`compliance notify`: the reminders by e-mail. Every register declares its kinds of notice
(`RegisterSpec.notices`); a run asks each source what is due, sends each notice to the users who
hold the kind's role in the record's organisation, each in their language and as they chose
(immediately, in the daily digest, or not at all), and logs what it sent so that a second run
sends nothing new."""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, format_date, format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit
from compliance.auth import Membership, User, active_membership_condition
from compliance.enums import LabeledEnum
from compliance.i18n import BABEL_LOCALES, PARIS
from compliance.mail import Mailer, MailServerError
from compliance.notices import (
    DIGEST_KIND,
    Delivery,
    Notice,
    NoticeKind,
    NotificationLog,
    preferences,
)
from compliance.tenancy import Organisation

CHUNK = 500  # event keys looked up in the log per statement


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str
    language: str


@dataclass
class Item:
    """A notice as one recipient reads it."""

    notice: Notice
    kind: NoticeKind
    url: str
    organisation: str


@dataclass
class Summary:
    messages: int = 0
    digests: int = 0
    items: int = 0
    failed: int = 0
    recipients: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)  # what a dry run would send
    errors: list[str] = field(default_factory=list)  # what went wrong, message by message

    def line(self, dry_run: bool) -> str:
        verb = "would be sent" if dry_run else "sent"
        text = (
            f"{self.messages} message(s) {verb} ({self.digests} daily digest(s)) to "
            f"{len(self.recipients)} user(s), {self.items} reminder(s)"
        )
        if self.failed:
            text += f"; {self.failed} message(s) failed, to be tried again at the next run"
        return text


def notice_kinds(app: Flask) -> list[NoticeKind]:
    return list(app.extensions["registry"].notice_kinds)


def url_builder(app: Flask, base_url: str) -> Callable[[str, dict], str]:
    """Absolute URLs of the application's pages from outside a request, under `base_url`."""
    parts = urlsplit(base_url.rstrip("/"))
    adapter = app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return lambda endpoint, values: adapter.build(endpoint, dict(values), force_external=True)


def collect(session: Session, kinds: Iterable[NoticeKind], now: datetime) -> list[Notice]:
    """Every notice of every kind, once per (kind, organisation, event)."""
    seen, found = set(), []
    for kind in kinds:
        for notice in kind.source(session, now):
            key = (notice.kind, notice.organisation_id, notice.event_key)
            if notice.kind == kind.code and key not in seen:
                seen.add(key)
                found.append(notice)
    return found


def _holders(session: Session, roles, now: datetime):
    """(organisation id, role) -> the active users holding that role there now."""
    rows = session.execute(
        select(User.id, User.email, User.name, User.language)
        .add_columns(Membership.organisation_id, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.active.is_(True),
            Membership.role.in_(list(roles)),
            active_membership_condition(now),
        )
    )
    holders: dict[tuple[int, str], list[Recipient]] = defaultdict(list)
    for user_id, email, name, language, organisation_id, role in rows:
        holders[(organisation_id, role)].append(Recipient(user_id, email, name, language))
    return holders


def _already_logged(session: Session, pairs: set[tuple[str, str]]) -> set[tuple[int, str, str]]:
    """(user id, kind, event key) of the log, for the (kind, event key) pairs given."""
    found: set[tuple[int, str, str]] = set()
    keys = sorted({key for _kind, key in pairs})
    kinds = sorted({kind for kind, _key in pairs})
    for start in range(0, len(keys), CHUNK):
        rows = session.execute(
            select(NotificationLog.user_id, NotificationLog.kind, NotificationLog.event_key).where(
                NotificationLog.kind.in_(kinds),
                NotificationLog.event_key.in_(keys[start : start + CHUNK]),
            )
        )
        found.update((user_id, kind, key) for user_id, kind, key in rows)
    return found


def _concerned(holders, notice: Notice, role) -> list[Recipient]:
    """The holders of `role` in the notice's organisation it is meant for: those it names
    (`user_ids`) when any of them holds the role, else all."""
    found = holders.get((notice.organisation_id, role), [])
    if notice.user_ids is None:
        return found
    return [r for r in found if r.id in notice.user_ids] or found


def pending(session: Session, kinds: list[NoticeKind], notices: list[Notice], now: datetime):
    """recipient -> (immediate notices, digest notices) not sent to them yet."""
    by_code = {kind.code: kind for kind in kinds}
    holders = _holders(session, {kind.role for kind in kinds}, now)
    sent = _already_logged(session, {(n.kind, n.event_key) for n in notices})
    addressed: dict[Recipient, dict[tuple[str, str], Notice]] = defaultdict(dict)
    for notice in notices:
        for recipient in _concerned(holders, notice, by_code[notice.kind].role):
            if (recipient.id, notice.kind, notice.event_key) not in sent:
                addressed[recipient].setdefault((notice.kind, notice.event_key), notice)
    chosen = preferences(session, [r.id for r in addressed])
    result: dict[Recipient, tuple[list[Notice], list[Notice]]] = {}
    for recipient, found in addressed.items():
        immediate, digest = [], []
        for notice in found.values():
            delivery = chosen.get((recipient.id, notice.kind), Delivery.IMMEDIATE)
            if delivery == Delivery.IMMEDIATE:
                immediate.append(notice)
            elif delivery == Delivery.DIGEST:
                digest.append(notice)
        if immediate or digest:
            result[recipient] = (immediate, digest)
    return result


def _digest_sent(session: Session, user_ids: list[int], day: date) -> set[int]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(NotificationLog.user_id).where(
                NotificationLog.kind == DIGEST_KIND,
                NotificationLog.event_key == day.isoformat(),
                NotificationLog.user_id.in_(user_ids),
            )
        )
    )


# --- the message ------------------------------------------------------------------------------


def _text(value) -> str:
    """A title in the current language: a code's label, a lazy text, or the record's own."""
    return value.label if isinstance(value, LabeledEnum) else str(value)


def _due(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    return format_date(value, "medium")


@dataclass
class Composer:
    """Writes the messages: each item with its absolute link, in the recipient's language."""

    app: Flask
    kinds: list[NoticeKind]
    url_for: Callable[[str, dict], str]
    sender: str
    organisations: dict[int, str]

    def items(self, notices: list[Notice]) -> list[Item]:
        order = {kind.code: (kind.order, index) for index, kind in enumerate(self.kinds)}
        by_code = {kind.code: kind for kind in self.kinds}
        ranked = sorted(notices, key=lambda n: (order[n.kind], n.record_ref, n.event_key))
        return [
            Item(
                n,
                by_code[n.kind],
                self.url_for(n.endpoint, n.values),
                self.organisations.get(n.organisation_id, ""),
            )
            for n in ranked
        ]

    def message(self, recipient: Recipient, notices: list[Notice], *, day: date | None = None):
        """The e-mail of `notices` to `recipient`; a daily digest when `day` is given."""
        items = self.items(notices)
        with force_locale(BABEL_LOCALES.get(recipient.language, "fr")):
            subject = self._subject(items, day)
            groups: dict[str, list[dict]] = {}
            for item in items:
                groups.setdefault(str(item.kind.label), []).append(
                    {
                        "reference": item.notice.record_ref,
                        "title": _text(item.notice.title),
                        "detail": str(item.notice.detail) if item.notice.detail else "",
                        "due": _due(item.notice.due),
                        "organisation": item.organisation,
                        "url": item.url,
                    }
                )
            context = {
                "recipient": recipient,
                "groups": groups,
                "digest_day": format_date(day, "long") if day else None,
                "account_url": self.url_for("account.profile", {}),
            }
            text = self.app.jinja_env.get_template("mail/reminders.txt").render(context)
            html = self.app.jinja_env.get_template("mail/reminders.html").render(context)
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = formataddr((recipient.name, recipient.email))
        domain = parseaddr(self.sender)[1].rpartition("@")[2]
        message["Message-ID"] = make_msgid(domain=domain or None)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    @staticmethod
    def _subject(items: list[Item], day: date | None) -> str:
        count = len(items)
        if day is not None:
            return _(
                "[Registre] Résumé du %(day)s : %(count)s",
                day=format_date(day, "medium"),
                count=ngettext("%(num)d rappel", "%(num)d rappels", count),
            )
        if count == 1:
            item = items[0]
            return _(
                "[Registre] %(kind)s : %(reference)s",
                kind=item.kind.label,
                reference=item.notice.record_ref,
            )
        return "[Registre] " + ngettext("%(num)d rappel", "%(num)d rappels", count)


# --- the run ------------------------------------------------------------------------------------


def _log_rows(recipient: Recipient, notices: list[Notice], now: datetime, *, digest: bool):
    """The log rows of a message, as plain values (made into rows when it is sent)."""
    return [
        {
            "user_id": recipient.id,
            "kind": n.kind,
            "event_key": n.event_key,
            "record_ref": n.record_ref[:200],
            "organisation_id": n.organisation_id,
            "digest": digest,
            "sent_at": now,
        }
        for n in notices
    ]


@dataclass
class Outgoing:
    """A message ready to go, with its log rows: plain values, no database object."""

    recipient: Recipient
    message: EmailMessage
    rows: list[dict]
    digest: bool


def _write(session: Session, summary: Summary, what: str, action: Callable[[], None]) -> bool:
    """Run `action` and commit, in a transaction of its own; a database that stays locked or
    refuses it (OperationalError) leaves a line in the summary, and the run goes on."""
    try:
        action()
        session.commit()
    except sa.exc.OperationalError as error:
        session.rollback()
        summary.errors.append(f"{what}: database error ({error.orig})")
        return False
    return True


def _forget(session: Session, ids: list[int], summary: Summary, email: str) -> None:
    """Delete the log rows of a message that did not go, so that the next run sends it."""

    def delete():
        session.execute(sa.delete(NotificationLog).where(NotificationLog.id.in_(ids)))

    if not _write(session, summary, f"{email}: the message did not go", delete):
        summary.errors.append(f"{email}: its log rows {ids} stay, it will not be sent again")


def _deliver(session: Session, mailer: Mailer, outgoing: Outgoing, summary: Summary) -> bool:
    """Log and commit, then send: the write lock is never held while the server is spoken to.
    The unique log refuses what a concurrent run has just sent; a message that does not go has
    its log rows deleted, so the next run tries it again. A server that cannot be reached or
    refuses the login ends the run (MailServerError)."""
    email = outgoing.recipient.email
    rows = [NotificationLog(**values) for values in outgoing.rows]
    ids: list[int] = []

    def log():
        session.add_all(rows)
        session.flush()
        ids.extend(row.id for row in rows)

    try:
        if not _write(session, summary, f"{email}: not sent, to be tried again", log):
            summary.failed += 1
            return False
    except sa.exc.IntegrityError:
        session.rollback()  # sent by a concurrent run
        return False
    try:
        mailer.send(outgoing.message)
    except MailServerError:
        _forget(session, ids, summary, email)
        raise
    except (smtplib.SMTPException, OSError):
        _forget(session, ids, summary, email)
        summary.failed += 1
        return False
    return True


def _prepare(app: Flask, session: Session, now: datetime) -> list[Outgoing]:
    """Every message due at `now`, composed: the reading part of a run."""
    config = app.config
    kinds = notice_kinds(app)
    notices = collect(session, kinds, now)
    waiting = pending(session, kinds, notices, now)
    if not waiting:
        return []
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(sorted({n.organisation_id for n in notices}))
            )
        ).all()
    )
    composer = Composer(
        app, kinds, url_builder(app, config["BASE_URL"]), config.get("MAIL_FROM") or "", names
    )
    local = now.astimezone(PARIS)
    day = local.date()
    digest_time = local.hour >= config["NOTIFY_DIGEST_HOUR"]
    digested = _digest_sent(session, [r.id for r in waiting], day) if digest_time else set()
    outgoing = []
    for recipient, (immediate, digest) in sorted(waiting.items(), key=lambda p: p[0].email):
        if immediate:
            rows = _log_rows(recipient, immediate, now, digest=False)
            message = composer.message(recipient, immediate)
            outgoing.append(Outgoing(recipient, message, rows, False))
        if digest and digest_time and recipient.id not in digested:
            rows = _log_rows(recipient, digest, now, digest=True)
            marker = {"user_id": recipient.id, "kind": DIGEST_KIND, "event_key": day.isoformat()}
            rows.append({**marker, "digest": True, "sent_at": now})
            message = composer.message(recipient, digest, day=day)
            outgoing.append(Outgoing(recipient, message, rows, True))
    return outgoing


def run(
    app: Flask,
    session: Session,
    *,
    now: datetime,
    mailer: Mailer | None,
    actor: str,
) -> Summary:
    """Send what is due at `now` (a dry run when `mailer` is None: nothing sent nor logged,
    `summary.lines` says what would be)."""
    now = now.astimezone(UTC)
    outgoing = _prepare(app, session, now)
    # The reading transaction ends here: each message is then logged in a short transaction
    # of its own, and none is open while the SMTP server is spoken to.
    session.commit()
    summary = Summary()
    for item in outgoing:
        reminders = sum(1 for row in item.rows if row["kind"] != DIGEST_KIND)
        if mailer is None:
            summary.lines.append(f"{item.recipient.email}: {item.message['Subject']}")
            summary.lines.extend(
                f"  - {r['kind']} {r['record_ref']}" for r in item.rows if r.get("record_ref")
            )
        elif not _deliver(session, mailer, item, summary):
            continue
        summary.messages += 1
        summary.digests += int(item.digest)
        summary.items += reminders
        summary.recipients.add(item.recipient.id)
    if mailer is not None and summary.messages:
        line = f"E-mail reminders: {summary.line(False)}"
        _write(
            session,
            summary,
            "the audit entry of the run",
            lambda: audit.record(session, action="notify", actor=actor, summary=line),
        )
    return summary


def parse_now(value: str | None) -> datetime:
    """`--now`: an ISO 8601 instant (Paris time when it gives no offset); none: now."""
    if not value:
        return datetime.now(PARIS)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--now: {value!r} is not an ISO 8601 instant (2026-12-05T09:30)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def mail_configured(config) -> bool:
    return bool(config.get("SMTP_URL")) and bool(config.get("MAIL_FROM"))
