"""`compliance notify` against a real SMTP server (aiosmtpd, started by the tests on a free port):
each role receives its reminders, in its language, with absolute links to the records; the
preferences (never, daily digest) are obeyed; a second run sends nothing new; the server's
authentication is given the user and password of COMPLIANCE_SMTP_URL."""

from __future__ import annotations

import email
import json
import socket
import ssl
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from sqlmodel import select

from compliance import audit, notify
from compliance.admin import services as admin_services
from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.db import utcnow
from compliance.mail import Mailer, MailServerError, parse_smtp_url
from compliance.notices import (
    DIGEST_KIND,
    Delivery,
    NotificationLog,
    NotificationPreference,
    set_preferences,
)
from compliance.permissions import Role
from compliance.schemas import validate
from registers.breaches import services as breach_services
from registers.breaches.schemas import BreachCreate
from registers.incidents import corrective_actions
from registers.incidents.common import today
from registers.incidents.models import ActionStatus
from registers.processing import services as processing_services
from tests.registers.breaches import conftest as breach_fixtures
from tests.registers.incidents import conftest as incident_fixtures
from tests.registers.rights import conftest as rights_fixtures
from tests.registers.roadmap import conftest as roadmap_fixtures

host = breach_fixtures.host
make_incident = breach_fixtures.make_incident
make_breach = breach_fixtures.make_breach
make_activity = breach_fixtures.make_activity
make_action = incident_fixtures.make_action
make_roadmap = roadmap_fixtures.make_roadmap
roadmap = roadmap_fixtures.roadmap
make_roadmap_action = roadmap_fixtures.make_roadmap_action
make_request = rights_fixtures.make_request

BASE_URL = "https://registre.example.org"
SENDER = "Registre <registre@example.org>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the SMTP server received: one parsed message per recipient and message."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


@pytest.fixture
def mail_config(app, smtp_server, monkeypatch):
    inbox, url = smtp_server
    monkeypatch.setitem(app.config, "SMTP_URL", url)
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    monkeypatch.setitem(app.config, "NOTIFY_DIGEST_HOUR", 0)
    return inbox


def run_notify(app, session, now=None):
    with Mailer(parse_smtp_url(app.config["SMTP_URL"])) as mailer:
        return notify.run(app, session, now=now or utcnow(), mailer=mailer, actor="test")


@pytest.fixture
def world(
    session,
    host,
    organisation,
    other_organisation,
    make_user,
    make_breach,
    make_incident,
    make_action,
    make_roadmap_action,
    make_activity,
    make_request,
):
    """Ivry and Gentilly, their DPO (French), Gentilly's second DPO (English), the CISO, a
    referent of each; a record of each kind of reminder."""
    people = {
        "dpo": make_user(Role.DPO, organisation, other_organisation, email="dpo@example.org"),
        "dpo_en": make_user(
            Role.DPO, other_organisation, email="dpo.en@example.org", language="en"
        ),
        "ciso": make_user(Role.CISO, host, organisation, email="ciso@example.org"),
        "ivry": make_user(Role.REFERENT, organisation, email="ref.ivry@example.org"),
        "gentilly": make_user(Role.REFERENT, other_organisation, email="ref.gentilly@example.org"),
    }
    records = {
        "new_breach": make_breach(organisation),
        "late_breach": make_breach(other_organisation, awareness_at=utcnow() - timedelta(hours=80)),
        "incident": make_incident(organisation_id=organisation.id, personal_data=True),
        "due_action": make_action(due_on=today() + timedelta(days=3)),
        "late_action": make_action(organisation, due_on=today() - timedelta(days=5)),
        "far_action": make_action(due_on=today() + timedelta(days=60)),
        "rights_late": make_request(organisation, received_on=today() - timedelta(days=60)),
        "roadmap_late": make_roadmap_action(
            start_on=today() - timedelta(days=100), target_on=today() - timedelta(days=10)
        ),
    }
    checked = make_action(title="Filtrage des courriels")
    corrective_actions.transition_action(
        session, checked, ActionStatus.IMPLEMENTED, {"implemented_on": today()}, actor="test"
    )
    records["check_action"] = checked
    returned = make_activity(organisation, reference="RH-07", name="Gestion des congés")
    processing_services.submit_processing(session, returned, actor="test")
    processing_services.send_back_processing(
        session, returned, actor="test", remarks="Précisez la durée de conservation."
    )
    records["returned"] = returned
    reviewed = make_activity(other_organisation, reference="EL-02", name="Listes électorales")
    processing_services.validate_processing(
        session, reviewed, actor="test", next_review_on=today() + timedelta(days=10)
    )
    records["review"] = reviewed
    session.commit()  # the audit trail of the sending back is written at commit
    return people, records


def _links(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip().startswith(BASE_URL)}


def test_each_role_receives_its_reminders_with_links_in_its_language(
    app, session, world, mail_config
):
    _people, records = world
    summary = run_notify(app, session)
    inbox = mail_config
    assert summary.messages == len(inbox.messages) == 5
    assert all(m["From"] == SENDER for m in inbox.messages)
    assert all(m["Message-ID"].endswith("@example.org>") for m in inbox.messages)

    (dpo,) = inbox.to("dpo@example.org")
    text = Inbox.text(dpo)
    assert "Bonjour" in text and "Nouvelles violations de données" in text
    for breach in (records["new_breach"], records["late_breach"]):
        assert breach.reference in text
        assert f"{BASE_URL}/breaches/{breach.id}" in _links(text)
    assert "Délai de 72 heures dépassé sans décision" in text
    assert f"{BASE_URL}/incidents/{records['incident'].id}" in _links(text)
    # A rights request: received, and late; by its reference and right, never the person.
    request = records["rights_late"]
    assert f"{BASE_URL}/rights/{request.id}" in _links(text)
    assert "Demandes de droits reçues" in text and "Réponse en retard" in text
    assert f"{request.reference} Accès (art. 15)" in text
    assert rights_fixtures.PERSON not in text and "claire.martin" not in text
    assert "CA-" not in text and "RH-07" not in text  # not the CISO's, nor the referents'
    assert dpo.get_body(("html",)) is not None

    (english,) = inbox.to("dpo.en@example.org")
    text = Inbox.text(english)
    assert "Hello" in text and "Personal-data breaches: the 72-hour deadline" in text
    assert records["late_breach"].reference in text
    assert records["new_breach"].reference not in text  # Ivry's: not this DPO's organisation
    assert "reminders" in english["Subject"]

    (ciso,) = inbox.to("ciso@example.org")
    links = _links(Inbox.text(ciso))
    for name in ("due_action", "late_action", "check_action"):
        assert f"{BASE_URL}/incidents/actions/{records[name].id}" in links
    assert f"{BASE_URL}/incidents/actions/{records['far_action'].id}" not in links
    assert f"{BASE_URL}/roadmap/actions/{records['roadmap_late'].id}" in links
    assert "Réalisée : efficacité à vérifier" in Inbox.text(ciso)

    (ivry,) = inbox.to("ref.ivry@example.org")
    assert _links(Inbox.text(ivry)) == {
        f"{BASE_URL}/processing/activities/{records['returned'].id}",
        f"{BASE_URL}/account",
    }
    assert "Renvoyée par le délégué" in Inbox.text(ivry)
    assert ivry["Subject"] == "[Registre] Fiches renvoyées pour corrections : RH-07"
    (gentilly,) = inbox.to("ref.gentilly@example.org")
    assert f"{BASE_URL}/processing/activities/{records['review'].id}" in _links(
        Inbox.text(gentilly)
    )
    assert "RH-07" not in Inbox.text(gentilly)

    # Logged once per user, kind and event: a second run sends nothing new.
    logged = session.scalars(select(NotificationLog)).all()
    assert len(logged) == summary.items
    again = run_notify(app, session)
    assert again.messages == 0 and len(inbox.messages) == 5


def test_a_new_event_of_a_record_already_announced_is_sent(app, session, world, mail_config):
    _people, records = world
    run_notify(app, session)
    inbox = mail_config
    before = len(inbox.to("dpo@example.org"))
    # Three days later, Ivry's breach is past its 72 hours: a new event of the deadline kind.
    run_notify(app, session, now=utcnow() + timedelta(days=3))
    later = inbox.to("dpo@example.org")[before:]
    assert len(later) == 1
    text = Inbox.text(later[0])
    assert records["new_breach"].reference in text
    assert "Délai de 72 heures dépassé" in text


def test_preferences_never_and_daily_digest(app, session, world, mail_config, monkeypatch):
    people, records = world
    kinds = [kind.code for kind in notify.notice_kinds(app)]
    set_preferences(
        session,
        people["dpo"],
        {
            "breach_new": "none",
            "breach_deadline": "digest",
            "incident_decision": "digest",
            "rights_received": "none",
            "rights_due": "digest",
        },
        kinds=kinds,
        actor="test",
    )
    set_preferences(
        session, people["ciso"], dict.fromkeys(kinds, "digest"), kinds=kinds, actor="test"
    )
    session.commit()
    inbox = mail_config

    # Before the digest hour: the digest waits, nothing immediate is left for these two.
    monkeypatch.setitem(app.config, "NOTIFY_DIGEST_HOUR", 24)
    run_notify(app, session)
    assert inbox.to("dpo@example.org") == [] and inbox.to("ciso@example.org") == []

    monkeypatch.setitem(app.config, "NOTIFY_DIGEST_HOUR", 0)
    summary = run_notify(app, session)
    assert summary.digests == 2
    (digest,) = inbox.to("dpo@example.org")
    text = Inbox.text(digest)
    assert "résumé quotidien" in text and "Résumé du" in digest["Subject"]
    assert records["late_breach"].reference in text  # deadline: in the digest
    assert "Nouvelle violation enregistrée" not in text  # new breaches: never
    assert "Réponse en retard" in text and "Nouvelle demande reçue" not in text
    (ciso_digest,) = inbox.to("ciso@example.org")
    assert str(records["roadmap_late"].code) in Inbox.text(ciso_digest)

    # One digest a day: a new item that day waits for the next day's digest.
    run_notify(app, session, now=utcnow() + timedelta(hours=1))
    assert len(inbox.to("dpo@example.org")) == 1
    markers = session.scalars(
        select(NotificationLog).where(NotificationLog.kind == DIGEST_KIND)
    ).all()
    assert {m.user_id for m in markers} == {people["dpo"].id, people["ciso"].id}


def test_the_smtp_user_and_password_are_used(app, session, world, monkeypatch):
    logins = []

    def authenticator(server, session_, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret/pass")

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        url = f"smtp://registre%40example.org:s3cret%2Fpass@127.0.0.1:{controller.port}"
        monkeypatch.setitem(app.config, "SMTP_URL", url)
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        # The server offers no STARTTLS: the password is not sent in clear, nothing goes.
        result = CliRunner().invoke(main, ["notify"], obj=app)
        assert result.exit_code == 1
        assert "offers no STARTTLS: the password is not sent in clear" in result.output
        assert "?starttls=0" in result.output
        assert logins == [] and inbox.messages == []
        assert session.scalars(select(NotificationLog)).all() == []
        # A trusted relay on this machine, said so by ?starttls=0: the login goes in clear.
        monkeypatch.setitem(app.config, "SMTP_URL", f"{url}?starttls=0")
        assert run_notify(app, session).messages == 5
        assert logins[0] == ("registre@example.org", "s3cret/pass")
        assert len(inbox.messages) == 5

    finally:
        controller.stop()


def self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(utcnow() - timedelta(days=1))
        .not_valid_after(utcnow() + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_smtps_speaks_tls_from_the_first_byte(app, session, world, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), ssl_context=server_context
    )
    controller.start()
    try:
        settings = parse_smtp_url(f"smtps://127.0.0.1:{controller.port}")
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        # The server's certificate is checked: unknown to the default authorities, refused.
        refused = pytest.raises(MailServerError, match="CERTIFICATE_VERIFY_FAILED")
        with refused, Mailer(settings) as mailer:
            notify.run(app, session, now=utcnow(), mailer=mailer, actor="test")
        trusted = ssl.create_default_context(cafile=cert)
        with Mailer(settings, tls_context=trusted) as mailer:
            summary = notify.run(app, session, now=utcnow(), mailer=mailer, actor="test")
        assert summary.messages == len(inbox.messages) == 5
    finally:
        controller.stop()


def test_a_server_out_of_reach_ends_the_run_and_logs_nothing(app, session, world, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    with pytest.raises(MailServerError, match=r"127\.0\.0\.1"):
        run_notify(app, session)
    assert session.scalars(select(NotificationLog)).all() == []
    result = CliRunner().invoke(main, ["notify"], obj=app)
    assert result.exit_code == 1
    assert "nothing more sent, run again later" in result.output


def test_the_command_without_mail_configured_says_so(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    result = CliRunner().invoke(main, ["notify"], obj=app)
    assert result.exit_code == 0
    assert "Mail is not configured" in result.output


def test_the_command_refuses_a_bad_smtp_url_or_instant(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    monkeypatch.setitem(app.config, "SMTP_URL", "http://mail.example.org")
    result = CliRunner().invoke(main, ["notify"], obj=app)
    assert result.exit_code == 1 and "smtp:// or smtps://" in result.output
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mail.example.org")
    result = CliRunner().invoke(main, ["notify", "--now", "yesterday"], obj=app)
    assert result.exit_code == 1 and "is not an ISO 8601 instant" in result.output


def test_the_command_dry_run_and_run(app, session, world, mail_config):
    result = CliRunner().invoke(main, ["notify", "--dry-run"], obj=app)
    assert result.exit_code == 0, result.output
    assert "dpo@example.org: [Registre] " in result.output
    assert "Dry run: 5 message(s) would be sent" in result.output
    assert mail_config.messages == []
    result = CliRunner().invoke(main, ["notify"], obj=app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("5 message(s) sent")
    assert len(mail_config.messages) == 5
    result = CliRunner().invoke(main, ["notify"], obj=app)
    assert result.output.startswith("0 message(s) sent")


def test_smtp_urls():
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.port, plain.username, plain.implicit_tls, plain.starttls) == (
        25,
        None,
        False,
        None,  # when the server offers it
    )
    assert parse_smtp_url("smtp://relay?starttls=0").starttls is False
    tls = parse_smtp_url("smtps://u%40x:p%3Aw@mail.example.org")
    assert (tls.port, tls.username, tls.password, tls.implicit_tls) == (465, "u@x", "p:w", True)
    assert "p:w" not in repr(tls)
    assert parse_smtp_url("smtp://mail.example.org:587?starttls=1").starttls is True
    for bad in (
        "http://mail.example.org",
        "smtp://",
        "smtp://host:notaport",
        "smtp://h?starttls=x",
    ):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_the_account_page_sets_the_preferences(client, login_as, organisation, session):
    user = login_as(Role.REFERENT, organisation)
    page = client.get("/account")
    assert "Fiches renvoyées pour corrections" in page.get_data(as_text=True)
    assert "Nouvelles violations" not in page.get_data(as_text=True)  # the DPO's, not theirs
    response = client.post("/account/reminders", data={"kind-processing_review": "digest"})
    assert response.status_code == 302
    stored = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    ).all()
    assert [(p.kind, p.delivery) for p in stored] == [("processing_review", Delivery.DIGEST)]
    (entry,) = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "notification_preferences")
    ).all()
    assert entry.object_id == str(user.id) and "processing_review digest" in entry.summary
    assert "processing_review" in json.dumps(entry.changes)
    # A kind of another role, or an unknown delivery: refused, nothing changed.
    for data in ({"kind-breach_new": "none"}, {"kind-processing_review": "hourly"}):
        response = client.post("/account/reminders", data=data)
        assert response.status_code == 400
        assert "Choix de rappel inconnu" in response.get_data(as_text=True)
    session.expire_all()
    stored = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    ).all()
    assert [(p.kind, p.delivery) for p in stored] == [("processing_review", Delivery.DIGEST)]


class DroppingInbox(Inbox):
    """A server that closes the connection instead of answering the second message."""

    def __init__(self):
        super().__init__()
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        if self.received == 2:
            server.transport.close()
            return "421 Closing"
        return await super().handle_DATA(server, session, envelope)


def test_a_connection_dropped_by_the_server_is_opened_again(app, session, world, monkeypatch):
    inbox = DroppingInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        summary = run_notify(app, session)
        # The dropped message fails; the next ones go on a new connection.
        assert (summary.messages, summary.failed) == (4, 1)
        assert len(inbox.messages) == 4
        # The one that failed left no log row: the next run sends it, and only it.
        assert len(session.scalars(select(NotificationLog)).all()) == summary.items
        again = run_notify(app, session)
        assert (again.messages, again.failed) == (1, 0)
        assert len({m["To"] for m in inbox.messages}) == len(inbox.messages) == 5
    finally:
        controller.stop()


def test_starttls_is_used_when_the_server_offers_it(app, session, world, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session_, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), session_.ssl is not None))
        return AuthResult(success=auth_data.password == b"pass")

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_context,
        authenticator=authenticator,
    )
    controller.start()
    try:
        settings = parse_smtp_url(f"smtp://user:pass@127.0.0.1:{controller.port}")
        monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
        trusted = ssl.create_default_context(cafile=cert)
        with Mailer(settings, tls_context=trusted) as mailer:
            summary = notify.run(app, session, now=utcnow(), mailer=mailer, actor="test")
        assert summary.messages == len(inbox.messages) == 5
        assert logins == [("user", True)]  # after STARTTLS, once for the run
    finally:
        controller.stop()


def test_a_write_committed_meanwhile_does_not_stop_the_run(committed_app, smtp_server):
    """A web request that commits while a run reads, or while it speaks to the SMTP server,
    neither makes the run fail nor waits for it: no transaction is open across a send."""
    app = committed_app
    inbox, url = smtp_server
    app.config.update(SMTP_URL=url, MAIL_FROM=SENDER, BASE_URL=BASE_URL)
    db = app.extensions["db"]
    with db.new_session() as setup:
        for name in ("Ivry", "Gentilly"):
            member = admin_services.create_organisation(setup, {"name": name}, actor="setup")
            user = admin_services.create_user(
                setup, email=f"dpo@{name.lower()}.example", name=name, password=None, actor="t"
            )
            admin_services.grant_role(setup, user, member, Role.DPO, actor="setup")
            values = {
                "title": "Courriel envoyé au mauvais destinataire",
                "organisation_id": member.id,
                "awareness_at": utcnow() - timedelta(hours=1),
                "confidentiality": True,
                "description": "Liste des familles envoyée à un parent d'élève",
                **breach_fixtures.ART33_CONTENT,
            }
            breach_services.create_breach(setup, validate(BreachCreate, values), actor="setup")
        setup.commit()

    def web_request(label: str) -> None:
        with db.new_session() as other:
            other.connection(execution_options={"sqlite_busy_timeout_ms": 500})
            audit.record(other, action="web", actor="web", summary=label)
            other.commit()

    pending, send = notify.pending, Mailer.send

    def pending_then_write(*args, **kwargs):
        found = pending(*args, **kwargs)
        web_request("between the reading and the sending")
        return found

    def write_then_send(mailer, message):
        web_request(f"while sending to {message['To']}")
        send(mailer, message)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notify, "pending", pending_then_write)
        patch.setattr(Mailer, "send", write_then_send)
        with db.new_session() as session:
            summary = run_notify(app, session)
    assert (summary.messages, summary.failed, summary.errors) == (2, 0, [])
    assert len(inbox.messages) == 2
    with db.new_session() as session:
        web = session.scalars(select(AuditEntry).where(AuditEntry.action == "web")).all()
        assert len(web) == 3
        assert len(session.scalars(select(NotificationLog)).all()) == 2
        assert run_notify(app, session).messages == 0


def test_two_first_saves_of_a_preference_at_once_do_not_fail(session, make_user, organisation):
    user = make_user(Role.REFERENT, organisation)
    session.commit()
    raced = []

    def another_tab_saves_first(state):
        # A concurrent first save writes the row just after this one has read none.
        if raced or not state.is_select:
            return None
        raced.append(True)
        found = state.invoke_statement().freeze()
        session.execute(
            sa.insert(NotificationPreference).values(
                user_id=user.id, kind="processing_review", delivery=Delivery.NONE
            )
        )
        return found()

    sa.event.listen(session, "do_orm_execute", another_tab_saves_first)
    try:
        changed = set_preferences(
            session, user, {"processing_review": "digest"}, kinds=["processing_review"], actor="t"
        )
        session.commit()
    finally:
        sa.event.remove(session, "do_orm_execute", another_tab_saves_first)
    assert raced and changed == {"processing_review": Delivery.DIGEST}
    stored = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    ).all()
    assert [(p.kind, p.delivery) for p in stored] == [("processing_review", Delivery.DIGEST)]


def test_an_activity_sent_back_goes_to_the_referent_who_submitted_it(
    app, session, organisation, make_user, make_activity, mail_config
):
    author = make_user(Role.REFERENT, organisation, email="author@example.org")
    make_user(Role.REFERENT, organisation, email="colleague@example.org")
    activity = make_activity(organisation, reference="RH-08", name="Paie des agents")
    processing_services.submit_processing(session, activity, actor=author)
    processing_services.send_back_processing(
        session, activity, actor="dpo", remarks="Précisez les destinataires."
    )
    session.commit()
    run_notify(app, session)
    (sent,) = mail_config.to("author@example.org")
    assert sent["Subject"] == "[Registre] Fiches renvoyées pour corrections : RH-08"
    assert mail_config.to("colleague@example.org") == []
