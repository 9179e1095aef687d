"""Settings read from COMPLIANCE_* environment variables, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from compliance.permissions import Role

# name -> (default, description); the README's configuration table is written from this.
VARIABLES: dict[str, tuple[str, str]] = {
    "COMPLIANCE_INSTANCE_PATH": (
        "./instance",
        "Folder for the SQLite database, the generated secret key and keys.",
    ),
    "COMPLIANCE_DATABASE_URL": (
        "sqlite:///<instance>/compliance.db",
        "SQLAlchemy URL; PostgreSQL in production: postgresql+psycopg://user@host/db.",
    ),
    "COMPLIANCE_SECRET_KEY": (
        "generated into <instance>/secret_key",
        "Signs sessions and CSRF tokens; the same value on every process.",
    ),
    "COMPLIANCE_ENCRYPTION_KEYS": (
        "generated into <instance>/encryption_keys",
        "Key ring for encrypted columns: comma-separated Fernet keys, newest first.",
    ),
    "COMPLIANCE_AUDIT_KEYS": (
        "generated into <instance>/audit_keys",
        "Keys sealing the audit trail (HMAC): comma-separated, newest first; not in the database.",
    ),
    "COMPLIANCE_RATELIMIT_STORAGE": (
        "memory",
        "Where failed logins are counted: memory (one process), database, or a redis:// URL.",
    ),
    "COMPLIANCE_LOGIN_MAX_PER_ACCOUNT": (
        "5",
        "Failed logins allowed per account in the window before it is locked.",
    ),
    "COMPLIANCE_LOGIN_MAX_PER_ADDRESS": (
        "20",
        "Failed logins allowed per client address in the window.",
    ),
    "COMPLIANCE_LOGIN_WINDOW_SECONDS": ("900", "Length of the failed-login window, in seconds."),
    "COMPLIANCE_DEBUG": ("0", "1 for development: debug pages, session cookie without Secure."),
    "COMPLIANCE_SECURE_COOKIES": ("1 unless debug", "Send the session cookie only over HTTPS."),
    "COMPLIANCE_DEFAULT_LOCALE": ("fr", "Language for users who have not chosen one (fr or en)."),
    "COMPLIANCE_TRUSTED_PROXIES": (
        "0",
        "Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.",
    ),
    "COMPLIANCE_LOG_LEVEL": ("INFO", "Python logging level."),
    "COMPLIANCE_IMPORT_MAX_ROWS": (
        "2000",
        "Most rows one spreadsheet import may hold (the command line's --max-rows raises it).",
    ),
    "COMPLIANCE_BACKUP_PASSPHRASE": (
        "asked at the prompt",
        "Passphrase that encrypts `compliance backup` archives and opens them on restore.",
    ),
    "COMPLIANCE_PROCESSOR_DELAY_HOURS": (
        "24",
        "Hours a processor may take between discovering a breach and informing the controller "
        "(Art. 33(2)) before the delay is flagged on the breach and in the register.",
    ),
    "COMPLIANCE_MFA_REQUIRED_ROLES": (
        "(empty)",
        "Comma-separated roles (admin, dpo, ciso, referent, auditor) whose holders must use a "
        "second factor: they enrol right after their password, before anything else.",
    ),
    "COMPLIANCE_BASE_URL": (
        "http://127.0.0.1:5000",
        "The address users reach the application at: the links of the e-mail reminders.",
    ),
    "COMPLIANCE_SMTP_URL": (
        "(empty: no e-mail)",
        "SMTP server of the reminders: smtp://user:password@host:port (add ?starttls=1 for "
        "STARTTLS) or smtps://user:password@host:port (TLS from the start).",
    ),
    "COMPLIANCE_MAIL_FROM": ("(empty: no e-mail)", "Sender address of the e-mail reminders."),
    "COMPLIANCE_NOTIFY_DIGEST_HOUR": (
        "8",
        "Hour (0-23, Paris time) from which `compliance notify` sends the day's digest.",
    ),
    "COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS": (
        "(empty)",
        "Most a funding programme may grant one roadmap, in whole euros: "
        "`programme=amount` pairs separated by commas or semicolons.",
    ),
    "COMPLIANCE_WATCH_DUE_DAYS": (
        "critical=7,high=30,medium=90,low=180",
        "Days a member has to treat a confirmed security advisory, from its publication, by "
        "severity: `severity=days` pairs separated by commas.",
    ),
}

# The security watch's treatment delays by severity, in days (COMPLIANCE_WATCH_DUE_DAYS).
WATCH_DUE_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180}


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _read_or_create(path: Path, make, created: list | None = None) -> str:
    """Return the secret stored at path, creating it (owner-only) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    if created is not None:
        created.append(path.name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _roles(value: str | None) -> tuple[str, ...]:
    roles = tuple(part.strip().lower() for part in (value or "").split(",") if part.strip())
    unknown = [role for role in roles if role not in {r.value for r in Role}]
    if unknown:
        raise ValueError(f"COMPLIANCE_MFA_REQUIRED_ROLES: unknown role(s) {', '.join(unknown)}")
    return roles


def _ceilings(value: str | None) -> dict[str, int]:
    """{programme name: ceiling in euros} from "programme=amount, ..." (commas or semicolons
    between pairs; spaces, dots and non-breaking spaces inside an amount are ignored)."""
    ceilings: dict[str, int] = {}
    for part in (value or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        name, equals, amount = part.rpartition("=")
        digits = "".join(amount.split()).replace(".", "").replace("\u202f", "")
        if not equals or not name.strip() or not digits.isdigit():
            raise ValueError(
                f"COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS: {part.strip()!r} is not programme=amount"
            )
        ceilings[name.strip()] = int(digits)
    return ceilings


def _due_days(value: str | None) -> dict[str, int]:
    """{severity: days} from "critical=7,high=30,...": the severities not named keep their
    default."""
    days = dict(WATCH_DUE_DAYS)
    for part in (value or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        name, equals, amount = part.partition("=")
        name = name.strip().lower()
        if not equals or name not in WATCH_DUE_DAYS or not amount.strip().isdigit():
            raise ValueError(f"COMPLIANCE_WATCH_DUE_DAYS: {part.strip()!r} is not severity=days")
        days[name] = int(amount.strip())
    return days


def _hour(value: str | None) -> int:
    text = (value or "8").strip()
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise ValueError(f"COMPLIANCE_NOTIFY_DIGEST_HOUR: {text!r} is not an hour from 0 to 23")
    return int(text)


def load_settings(environ: os._Environ | dict | None = None) -> dict:
    """Build the Flask config mapping from the environment."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("COMPLIANCE_INSTANCE_PATH") or "./instance").resolve()
    debug = _flag(env.get("COMPLIANCE_DEBUG"), False)
    database_url = env.get("COMPLIANCE_DATABASE_URL") or f"sqlite:///{instance / 'compliance.db'}"
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": env.get("COMPLIANCE_SECRET_KEY") or None,
        "ENCRYPTION_KEYS": env.get("COMPLIANCE_ENCRYPTION_KEYS") or None,
        "AUDIT_KEYS": env.get("COMPLIANCE_AUDIT_KEYS") or None,
        "RATELIMIT_STORAGE": env.get("COMPLIANCE_RATELIMIT_STORAGE") or "memory",
        "LOGIN_MAX_PER_ACCOUNT": int(env.get("COMPLIANCE_LOGIN_MAX_PER_ACCOUNT") or 5),
        "LOGIN_MAX_PER_ADDRESS": int(env.get("COMPLIANCE_LOGIN_MAX_PER_ADDRESS") or 20),
        "LOGIN_WINDOW_SECONDS": int(env.get("COMPLIANCE_LOGIN_WINDOW_SECONDS") or 900),
        "DEBUG": debug,
        "SESSION_COOKIE_SECURE": _flag(env.get("COMPLIANCE_SECURE_COOKIES"), not debug),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": env.get("COMPLIANCE_DEFAULT_LOCALE") or "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "TRUSTED_PROXIES": int(env.get("COMPLIANCE_TRUSTED_PROXIES") or 0),
        "LOG_LEVEL": env.get("COMPLIANCE_LOG_LEVEL") or "INFO",
        "IMPORT_MAX_ROWS": int(env.get("COMPLIANCE_IMPORT_MAX_ROWS") or 2000),
        "ORGANISATION_SELECTOR_LIMIT": int(env.get("COMPLIANCE_ORGANISATION_SELECTOR_LIMIT") or 30),
        "PROCESSOR_DELAY_HOURS": int(env.get("COMPLIANCE_PROCESSOR_DELAY_HOURS") or 24),
        "MFA_REQUIRED_ROLES": _roles(env.get("COMPLIANCE_MFA_REQUIRED_ROLES")),
        "ROADMAP_SUBSIDY_CEILINGS": _ceilings(env.get("COMPLIANCE_ROADMAP_SUBSIDY_CEILINGS")),
        "BASE_URL": env.get("COMPLIANCE_BASE_URL") or "http://127.0.0.1:5000",
        "SMTP_URL": env.get("COMPLIANCE_SMTP_URL") or None,
        "MAIL_FROM": env.get("COMPLIANCE_MAIL_FROM") or None,
        "NOTIFY_DIGEST_HOUR": _hour(env.get("COMPLIANCE_NOTIFY_DIGEST_HOUR")),
        "WATCH_DUE_DAYS": _due_days(env.get("COMPLIANCE_WATCH_DUE_DAYS")),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    }


def ensure_secrets(config: dict) -> None:
    """Fill SECRET_KEY, ENCRYPTION_KEYS and AUDIT_KEYS from the instance folder when not given."""
    instance = Path(config["INSTANCE_PATH"])
    # The files made by this very process: `compliance restore` may replace them.
    created = config.setdefault("GENERATED_SECRETS", [])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _read_or_create(
            instance / "secret_key", lambda: secrets.token_urlsafe(48), created
        )
    if not config.get("ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        config["ENCRYPTION_KEYS"] = _read_or_create(
            instance / "encryption_keys", lambda: Fernet.generate_key().decode(), created
        )
        # Followed by the running ring: `compliance keys rotate` rewrites it.
        config["ENCRYPTION_KEYS_FILE"] = str(instance / "encryption_keys")
    if not config.get("AUDIT_KEYS"):
        config["AUDIT_KEYS"] = _read_or_create(
            instance / "audit_keys", lambda: secrets.token_urlsafe(32), created
        )
