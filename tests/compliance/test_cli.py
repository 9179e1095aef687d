"""The `compliance` command: init, demo, users, tokens, serve's schema check."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import func, select

from compliance import create_app
from compliance.admin import services
from compliance.audit import AuditEntry, verify
from compliance.auth import ApiToken, Membership, User
from compliance.cli import main
from compliance.demo import DEMO_PASSWORD
from compliance.schema import current_revisions, head_revisions
from compliance.tenancy import Organisation

NEW_PASSWORD = "a-password-from-stdin"


@pytest.fixture
def cli(app, session):
    """Run a command against the test database; the test's session then reads what it wrote."""

    def invoke(*args, input=None):
        result = CliRunner().invoke(main, list(args), obj=app, input=input)
        session.expire_all()
        return result

    return invoke


def _counts(session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, User, Membership)
    )


def _memberships(session, user) -> set[tuple[str, str]]:
    rows = session.execute(
        select(Organisation.slug, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
    )
    return {(slug, role.value) for slug, role in rows}


def test_init_creates_the_schema(empty_database_url, tmp_path):
    app = create_app({"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path)})
    result = CliRunner().invoke(main, ["init"], obj=app)
    assert result.exit_code == 0, result.output
    assert current_revisions(app.extensions["db"].engine) == head_revisions()
    assert CliRunner().invoke(main, ["init"], obj=app).exit_code == 0
    app.extensions["db"].engine.dispose()


@pytest.mark.parametrize("command", [["demo"], ["serve", "--port", "1"]])
def test_commands_refuse_an_outdated_database(tmp_path, command):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}", "INSTANCE_PATH": str(tmp_path)}
    )
    result = CliRunner().invoke(main, command, obj=app)
    assert result.exit_code != 0
    assert "compliance init" in result.output
    app.extensions["db"].engine.dispose()


def test_demo_is_idempotent_and_prints_the_logins(cli, session):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    counts = _counts(session)
    assert counts[0] >= 12
    assert "dpo@demo.registre.invalid" in first.output
    assert DEMO_PASSWORD in first.output
    second = cli("demo")
    assert second.exit_code == 0, second.output
    assert _counts(session) == counts
    assert second.output == first.output
    # The demo users hold the roles the logins announce.
    dpo = services.find_user(session, "dpo@demo.registre.invalid")
    referent = services.find_user(session, "referent.ivry@demo.registre.invalid")
    assert dpo.check_password(DEMO_PASSWORD)
    assert len(_memberships(session, dpo)) == counts[0]
    assert _memberships(session, referent) == {("ivry-sur-seine", "referent")}


def test_users_create_reads_the_password_from_stdin(cli, session, organisation, other_organisation):
    result = cli(
        "users", "create", "Sam@Ivry.example", "--name", "Sam", "--role", "referent",
        "--org", "ivry-sur-seine", "--org", "gentilly",
        input=NEW_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = services.find_user(session, "sam@ivry.example")
    assert user.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in result.output
    assert _memberships(session, user) == {
        ("ivry-sur-seine", "referent"),
        ("gentilly", "referent"),
    }


def test_users_create_in_every_organisation(cli, session, organisation, other_organisation):
    result = cli(
        "users", "create", "dpo@siim94.example", "--name", "DPO", "--role", "dpo",
        "--org", "all", input=NEW_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = services.find_user(session, "dpo@siim94.example")
    assert {slug for slug, _role in _memberships(session, user)} == {"ivry-sur-seine", "gentilly"}


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--org", "atlantis"], NEW_PASSWORD, "unknown organisation: atlantis"),
        (["--org", "ivry-sur-seine"], "", "no password"),
        (["--org", "ivry-sur-seine"], "short", "12 caractères"),
        (["--org", "ivry-sur-seine"], "aaaaaaaaaaaa", "12 caractères"),
        (["--org", "ivry-sur-seine"], "Azerty2026!!", "prévisible"),
    ],
)
def test_users_create_fails_cleanly(cli, session, organisation, args, stdin, message):
    before = _counts(session)
    result = cli(
        "users", "create", "x@ivry.example", "--name", "X", "--role", "dpo", *args,
        input=stdin + "\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert _counts(session) == before


def test_users_list(cli, make_user, organisation):
    make_user("auditor", organisation, email="una@ivry.example", name="Una")
    result = cli("users", "list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("una@"))
    assert line.split("\t") == ["una@ivry.example", "Una", "active", "auditor: ivry-sur-seine"]


def test_set_password_from_stdin(cli, make_user):
    user = make_user(email="vic@ivry.example")
    result = cli("users", "set-password", "vic@ivry.example", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert user.check_password(NEW_PASSWORD)


def test_set_password_refuses_a_weak_password(cli, make_user):
    user = make_user(email="vic@ivry.example")
    before = user.password_hash
    result = cli("users", "set-password", "vic@ivry.example", input="Motdepasse2026!\n")
    assert result.exit_code == 1
    assert "plus courants" in result.output
    assert user.password_hash == before


def test_set_password_for_an_unknown_user(cli):
    result = cli("users", "set-password", "ghost@ivry.example", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "unknown user" in result.output


def test_deactivate_revokes_tokens(cli, session, make_user):
    user = make_user(email="wes@ivry.example")
    services.create_token(session, user, "t", actor=user)
    result = cli("users", "deactivate", "wes@ivry.example")
    assert result.exit_code == 0, result.output
    assert user.active is False
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token.revoked_at is not None


def test_reset_mfa(cli, session, make_user):
    from compliance import mfa
    from compliance.audit import AuditEntry

    user = make_user(email="xena@ivry.example")
    mfa.start_enrolment(session, user)
    mfa.confirm_enrolment(session, user, mfa.totp(user.mfa_secret, mfa.current_step()), actor=user)
    session.commit()  # enrolled earlier: the operator's reset is a transaction of its own
    token = user.session_token
    result = cli("users", "reset-mfa", "xena@ivry.example")
    assert result.exit_code == 0, result.output
    assert not user.mfa_enabled and user.mfa_secret is None
    assert user.session_token != token
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last.action == "mfa_reset"


def test_token_is_printed_alone_on_the_last_line_and_works(cli, app, make_user, organisation):
    make_user("referent", organisation, email="xavier@ivry.example")
    result = cli("tokens", "create", "xavier@ivry.example", "--name", "scripts")
    assert result.exit_code == 0, result.output
    token = result.output.splitlines()[-1]
    assert token.startswith("rgt_")
    assert " " not in token
    response = app.test_client().get(
        "/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert [o["slug"] for o in response.get_json()["items"]] == ["ivry-sur-seine"]


def test_commands_write_their_audit_entries(cli, session, organisation):
    result = cli(
        "users", "create", "zoe@ivry.example", "--name", "Zoé", "--role", "auditor",
        "--org", "ivry-sur-seine", input=NEW_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    created = [(e.action, e.object_type) for e in entries if e.actor_label.startswith("cli")]
    assert created == [("create", "User"), ("grant", "Membership")]
    assert verify(session).ok


def test_every_command_is_in_the_readme_command_table():
    from pathlib import Path

    import click

    def paths(group, prefix):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from paths(command, f"{prefix} {name}")
            else:
                yield f"{prefix} {name}"

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    missing = [path for path in paths(main, "compliance") if f"| `{path}" not in table]
    assert missing == []
