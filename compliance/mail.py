"""Sending e-mail through SMTP, as `COMPLIANCE_SMTP_URL` says: `smtp://user:password@host:port`
(STARTTLS whenever the server offers it; `?starttls=1` requires it, `?starttls=0` never uses it)
or `smtps://…` (TLS from the first byte). User and password are optional and URL-encoded; the
port defaults to 25 (smtp) or 465 (smtps). A password is never sent in clear: over `smtp://`
without STARTTLS the login is refused, unless `?starttls=0` says the relay is trusted (a relay
on the same machine)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT_SECONDS = 30


class MailConfigError(ValueError):
    """COMPLIANCE_SMTP_URL cannot be read."""


class MailServerError(RuntimeError):
    """The SMTP server cannot be reached, or refuses the connection or the login: no message
    of the run can go."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool | None = None  # None: when the server offers it; True: required; False: never

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, "
            f"implicit_tls={self.implicit_tls}, starttls={self.starttls})"
        )


def _flag(values: dict, name: str) -> bool | None:
    """A yes/no setting of the URL's query; None when it is not given."""
    value = (values.get(name) or [""])[-1].strip().lower()
    if not value:
        return None
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise MailConfigError(f"COMPLIANCE_SMTP_URL: ?{name}= takes 1 or 0, not {value!r}")


def parse_smtp_url(url: str) -> SmtpSettings:
    """The settings of an smtp:// or smtps:// URL; MailConfigError says what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"}:
        raise MailConfigError("COMPLIANCE_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("COMPLIANCE_SMTP_URL names no host")
    try:
        port = parts.port
    except ValueError as error:
        raise MailConfigError(f"COMPLIANCE_SMTP_URL: bad port ({error})") from None
    implicit = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit,
        starttls=False if implicit else _flag(query, "starttls"),
    )


class Mailer:
    """One SMTP connection for a run, opened at the first message and closed at the end:
    `with Mailer(settings) as mailer: mailer.send(message)`."""

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        connection = None
        try:
            if s.implicit_tls:
                connection = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_SECONDS, context=self.tls_context
                )
            else:
                connection = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                connection.ehlo()
                offered = connection.has_extn("starttls")
                if s.starttls or (s.starttls is None and offered):
                    connection.starttls(context=self.tls_context)
                    connection.ehlo()
                elif s.username and s.starttls is None:
                    raise MailServerError(
                        f"SMTP server {s.host}:{s.port} offers no STARTTLS: the password is "
                        "not sent in clear (use smtps://, or add ?starttls=0 to "
                        "COMPLIANCE_SMTP_URL for a trusted relay on this machine)"
                    )
            if s.username:
                connection.login(s.username, s.password or "")
        except MailServerError:
            connection.close()
            raise
        except (smtplib.SMTPException, OSError) as error:
            if connection is not None:
                connection.close()
            raise MailServerError(f"SMTP server {s.host}:{s.port}: {error}") from error
        return connection

    def send(self, message: EmailMessage) -> None:
        """Send `message`; a connection that the server has closed is dropped, and the next
        message opens a new one."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._drop()
            raise
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421 or getattr(self.connection, "sock", None) is None:
                self._drop()  # the server closes the connection
            raise

    def _drop(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None
