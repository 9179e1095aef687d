"""Input hygiene in the kernel: refused characters and JSON types, the forms' text check, the
session's last check before it writes, ids out of range, NUL bytes in requests."""

from __future__ import annotations

import pytest
from flask import Flask
from wtforms import StringField, TextAreaField

from compliance import create_app
from compliance.forms import Form, SubForm
from compliance.permissions import Role
from compliance.services import FieldErrors
from compliance.tenancy import Organisation
from compliance.text import MAX_ID, bounded_id, clean_text, xml_safe, xml_safe_data

REFUSED = [
    "a\x00b",
    "a\x01b",
    "a\x0bb",
    "a\x1bb",
    "a\x7fb",
    "a\x85b",
    "a\ufffeb",
    "a\uffffb",
    "a\ufdd0b",
    "a\ufdefb",
    "a\U0001fffeb",
    "a\U0010ffffb",
    "a\ud800b",
    "a\udfffb",
]


@pytest.mark.parametrize("value", REFUSED)
def test_clean_text_refuses_control_and_non_characters(value):
    with pytest.raises(FieldErrors) as caught:
        clean_text(value, field="name")
    assert set(caught.value.errors) == {"name"}
    assert "caractère interdit" in caught.value.errors["name"]


@pytest.mark.parametrize("value", [["a"], {"a": "b"}, True, False, object()])
def test_clean_text_refuses_values_that_are_not_text(value):
    with pytest.raises(FieldErrors) as caught:
        clean_text(value, field="title")
    assert caught.value.errors == {"title": "doit être du texte"}


def test_clean_text_keeps_tabs_and_line_breaks_and_folds_them_on_one_line():
    assert clean_text("a\tb\r\nc\rd\ne", field="x") == "a\tb\nc\nd\ne"
    assert clean_text("a\tb\r\n\r\nc", field="x", multiline=False) == "a b c"
    assert clean_text("Arcueil — l'été ☀ 𝄞", field="x") == "Arcueil — l'été ☀ 𝄞"
    assert clean_text(2.1, field="x") == "2.1"
    assert clean_text(None, field="x") is None


def test_xml_safe_removes_what_xml_cannot_hold_from_stored_text():
    assert xml_safe("a\x01b\x0bc\ufffed\ufdd0e\tf\ng") == "abcde\tf\ng"
    context = {"rows": [{"name": "x\x02y"}, ("a\uffff",)], "n": 3}
    assert xml_safe_data(context) == {"rows": [{"name": "xy"}, ("a",)], "n": 3}


def test_bounded_id():
    assert bounded_id("12") == 12
    assert bounded_id(MAX_ID) == MAX_ID
    for value in (MAX_ID + 1, "99999999999999999999", "0", "-3", "1e3", "9" * 5000, True, [1]):
        assert bounded_id(value) is None


class _Sample(Form):
    title = StringField()
    notes = TextAreaField()


class _Row(SubForm):
    label = StringField()


def test_every_text_field_of_a_form_refuses_control_characters(app):
    with app.test_request_context(
        method="POST", data={"title": "Ti\ttle\r\nnext", "notes": "a\x01b"}
    ):
        form = _Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.title.data == "Ti tle next"
        assert form.notes.errors == [
            "contient un caractère interdit (caractère de contrôle ou non-caractère)"
        ]
    with app.test_request_context(method="POST", data={"label": "x\ufffe"}):
        row = _Row(formdata=None, data={"label": "x\ufffe"})
        assert not row.validate()
        assert row.label.errors


def _form_classes(base):
    for subclass in base.__subclasses__():
        yield subclass
        yield from _form_classes(subclass)


def test_every_form_of_the_application_has_the_text_check(app):
    """No page form can forget the check: each one derives from the kernel's Form or SubForm."""
    from flask_wtf import FlaskForm
    from wtforms import Form as PlainForm

    forms = [
        cls
        for cls in {*_form_classes(FlaskForm), *_form_classes(PlainForm)}
        if cls.__module__.startswith(("compliance.", "registers."))
        and cls.__module__ != "compliance.forms"
    ]
    assert len(forms) > 40
    unchecked = [f"{c.__module__}.{c.__name__}" for c in forms if not issubclass(c, Form | SubForm)]
    assert unchecked == []


def test_the_session_refuses_to_write_a_refused_character(session, make_organisation):
    organisation = make_organisation("Arcueil")
    session.flush()
    organisation.address = "1 rue\x0b de la Paix"
    with pytest.raises(FieldErrors) as caught:
        session.flush()
    assert set(caught.value.errors) == {"address"}
    session.rollback()


def test_a_record_holding_legacy_text_can_still_be_edited(session, make_organisation):
    import sqlalchemy as sa

    organisation = make_organisation("Cachan")
    session.flush()
    session.execute(
        sa.update(Organisation)
        .where(Organisation.id == organisation.id)
        .values(address="ancien\x01texte")
    )
    session.expire(organisation)
    organisation.referent_name = "Mme Durand"
    session.flush()
    assert organisation.address == "ancien\x01texte"


def test_the_session_checks_strings_inside_json_columns(session):
    from compliance.documents import ExportRecord

    session.add(
        ExportRecord(document="d", title="t", filename="f", parameters={"q": ["ok", "x\x02"]})
    )
    with pytest.raises(FieldErrors) as caught:
        session.flush()
    assert set(caught.value.errors) == {"parameters"}
    session.rollback()


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory) -> Flask:
    """An application whose views raise FieldErrors themselves, as a register's might."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('bare') / 'bare.db'}",
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("bare-instance")),
            "SECRET_KEY": "test",
            "SKIP_SCHEMA_CHECK": True,
        }
    )

    def refuse():
        raise FieldErrors({"title": "contient un caractère interdit"})

    app.add_url_rule("/api/v1/refuse", "api_refuse", refuse)
    app.add_url_rule("/refuse", "page_refuse", refuse)
    return app


def test_field_errors_escaping_a_view_are_422_in_the_api_and_400_on_pages(bare_app):
    client = bare_app.test_client()
    response = client.get("/api/v1/refuse")
    assert response.status_code == 422
    assert response.json["errors"] == {"title": "contient un caractère interdit"}
    assert response.json["error"] == "invalid"
    response = client.get("/refuse")
    assert response.status_code == 400
    assert "contient un caractère interdit" in response.get_data(as_text=True)


def test_ids_out_of_range_in_urls_are_404(client, login_as, organisation):
    login_as(Role.CISO, organisation)
    for path in (
        "/incidents/99999999999999999999",
        f"/incidents/{MAX_ID + 1}",
        f"/incidents/{2**40}",
        f"/incidents/{2**63 - 1}",
        f"/applications/{'9' * 5000}",
        "/processing/activities/99999999999999999999",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/incidents/{MAX_ID}").status_code == 404


def test_ids_out_of_range_in_query_strings_are_400(client, login_as, organisation):
    login_as(Role.DPO, organisation)
    for path in (
        "/processing/?organisation=99999999999999999999",
        "/applications/?vendor_id=99999999999999999999",
        "/incidents/?page=99999999999999999999",
        f"/incidents/?page={MAX_ID}",
        "/applications/?organisation_id=" + "9" * 5000,
    ):
        response = client.get(path)
        assert response.status_code in (200, 400), path
    assert client.get("/applications/?vendor_id=99999999999999999999").status_code == 400
    # A search may be a long number.
    assert client.get("/applications/?q=99999999999999999999").status_code == 200


def test_a_nul_byte_in_a_query_string_or_form_is_400(client, login_as, organisation):
    login_as(Role.DPO, organisation)
    for path in ("/incidents/?q=a%00b", "/processing/?q=%00", "/applications/?q=x%00"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "octet nul" in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": "a\x00"})
    assert response.status_code == 400
    # In the path: a slug with a NUL byte names nothing.
    assert client.get("/processing/registers/ivry%00/").status_code == 404


def test_a_nul_byte_in_the_api_is_refused(client, make_user, organisation, session):
    from compliance.admin import services as admin_services

    user = make_user(Role.DPO, organisation)
    _token, secret = admin_services.create_token(session, user, "tests", actor=user)
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.raw.get("/api/v1/incidents?q=a%00b", headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    response = client.raw.post(
        "/api/v1/processing-activities",
        headers=headers,
        data='{"name": "a\\u0000b", "purposes": [{"description": "\\ud800"}]}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"name": str(response.json["errors"]["name"])}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/applications", {"name": ["Ciril"], "domain": "Finances"}, "name"),
        ("/applications", {"name": "Ciril\x1b", "domain": "Finances"}, "name"),
        ("/vendors", {"name": {"fr": "Berger-Levrault"}}, "name"),
        ("/vendors", {"name": "Berger\ufffe"}, "name"),
        ("/incidents", {"title": ["Panne"]}, "title"),
        ("/incidents", {"title": "Panne", "description": "a\x00b"}, "description"),
        ("/incidents", {"title": "Panne", "description": "a\x08b"}, "description"),
        ("/incidents", {"title": "Panne", "organisation_id": 2**70}, "organisation_id"),
        ("/corrective-actions", {"title": "Corriger\uffff"}, "title"),
        ("/breaches", {"title": "Fuite", "description": {"a": 1}}, "description"),
        ("/breaches", {"title": "Fuite", "people_count": 10**30}, "people_count"),
        ("/roadmap-actions", {"title": "Sauvegardes\x01"}, "title"),
        (
            "/roadmap-actions",
            {
                "title": "Sauvegardes",
                "theme": "I",
                "start_on": "2026-01-01",
                "target_on": "2026-06-30",
                "measures": [{"ref": "1"}],
            },
            "measures",
        ),
    ],
)
def test_every_register_api_refuses_bad_text_with_422_naming_the_field(
    client, session, make_user, make_organisation, path, body, field
):
    from compliance.admin import services as admin_services
    from compliance.tenancy import OrganisationKind

    host = make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)
    user = make_user(Role.CISO, host)
    admin_services.grant_role(session, user, host, Role.DPO, actor="test")
    if path == "/roadmap-actions":
        from datetime import date

        from registers.roadmap import services as roadmap_services
        from registers.roadmap.schemas import RoadmapCreate

        roadmap = roadmap_services.create_roadmap(
            session,
            RoadmapCreate(
                organisation_id=host.id,
                title="Parcours",
                start_on=date(2026, 1, 1),
                end_on=date(2027, 12, 31),
            ),
            actor="test",
        )
        session.flush()
        body = {"roadmap_id": roadmap.id, **body}
    elif path not in ("/applications", "/vendors"):
        body = {"organisation_id": host.id, **body}
    _token, secret = admin_services.create_token(session, user, "tests", actor=user)
    session.commit()
    response = client.raw.post(
        f"/api/v1{path}", headers={"Authorization": f"Bearer {secret}"}, json=body
    )
    assert response.status_code == 422, (response.status_code, response.json)
    assert field in response.json["errors"], response.json
