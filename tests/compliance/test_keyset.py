"""Keyset pages: the kernel's cursor walk (ties, NULLs, directions, expressions), and every API
list walked through its `next` links: each visible row exactly once, in the list's order, for
each sort; no row of another organisation through a cursor; a bad cursor is a 400; page N sends
the statements page 1 sends, and no COUNT unless the total is asked for."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from compliance.admin import services as admin_services
from compliance.pagination import CursorError, keyset_page
from compliance.schemas import validate
from compliance.tenancy import Organisation, OrganisationKind
from registers.processing import services as processing_services
from registers.processing.schemas import ActivityCreate
from tests.compliance.world import ACTOR, build_world

# --- the kernel -------------------------------------------------------------------------------

DPO_NAMES = ["Durand", None, "Martin", "Durand", None, "Abel", "Martin", None, "Durand"]
KINDS = [OrganisationKind.COMMUNE, OrganisationKind.OTHER, OrganisationKind.SYNDICATE]


@pytest.fixture
def organisations(session):
    created = []
    for index, dpo_name in enumerate(DPO_NAMES):
        organisation = Organisation(
            name=f"Keyset {index % 4}",
            slug=f"keyset-{index}",
            kind=KINDS[index % 3],
            dpo_name=dpo_name,
        )
        session.add(organisation)
        created.append(organisation)
    session.flush()
    return [organisation.id for organisation in created]


D = Organisation.dpo_name
ORDERS = {
    "nullable, ascending": (D,),
    "nullable, descending": (D.desc(),),
    "nulls first": (D.nulls_first(),),
    "nulls last, descending": (D.desc().nulls_last(),),
    "mixed directions": (Organisation.kind, D.desc(), Organisation.name),
    "an expression": (sa.case((D.is_(None), 0), else_=1), Organisation.name.desc()),
    "id descending": (Organisation.name, Organisation.id.desc()),
}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_a_walk_reads_every_row_once_in_order(session, organisations, order, per_page):
    statement = (
        sa.select(Organisation).where(Organisation.id.in_(organisations[1:])).order_by(*order)
    )
    ends_with_id = order is ORDERS["id descending"]
    expected = list(
        session.scalars(statement if ends_with_id else statement.order_by(D.table.c.id))
    )
    walked, after = [], None
    for _ in range(len(expected) + 2):
        page = keyset_page(session, statement, after=after, per_page=per_page)
        assert len(page.items) <= per_page
        walked += page.items
        after = page.after
        if after is None:
            break
    assert [o.id for o in walked] == [o.id for o in expected]


def test_a_cursor_of_another_order_is_refused(session, organisations):
    statement = sa.select(Organisation).where(Organisation.id.in_(organisations))
    page = keyset_page(session, statement.order_by(D), per_page=2)
    with pytest.raises(CursorError):
        keyset_page(session, statement.order_by(D.desc()), after=page.after, per_page=2)


# --- the API ----------------------------------------------------------------------------------

# Every API list, with each sort it takes.
LISTS = {
    "/organisations": [None],
    "/processing-activities": [
        None,
        *(
            f"{sign}{key}"
            for key in ("reference", "name", "status", "updated", "organisation")
            for sign in ("", "-")
        ),
    ],
    "/applications": [
        None,
        *(
            f"{sign}{key}"
            for key in ("name", "domain", "vendor", "status", "updated")
            for sign in ("", "-")
        ),
    ],
    "/vendors": [None],
    "/deployments": [None],
    "/interfaces": [None],
    "/incidents": [
        None,
        *(
            f"{sign}{key}"
            for key in ("detected", "severity", "reference", "status")
            for sign in ("", "-")
        ),
    ],
    "/corrective-actions": [
        None,
        *(f"{sign}{key}" for key in ("due", "reference", "status", "opened") for sign in ("", "-")),
    ],
    "/breaches": [
        None,
        *(
            f"{sign}{key}"
            for key in ("deadline", "awareness", "reference", "status", "organisation")
            for sign in ("", "-")
        ),
    ],
    "/roadmaps": [None],
    "/roadmap-actions": [None],
}
CASES = [(path, sort) for path, sorts in LISTS.items() for sort in sorts]


@pytest.fixture
def world(session):
    world = build_world(session)
    # Ties on the sort keys: the same names (and so references) in both organisations.
    for side in (world.a, world.b):
        for _ in range(3):
            processing_services.create_processing(
                session,
                side.organisation,
                validate(ActivityCreate, {"name": "Paie des agents"}),
                actor=ACTOR,
            )
    session.flush()
    return world


@pytest.fixture
def token_for(session):
    def make(user) -> str:
        _token, secret = admin_services.create_token(session, user, "tests", actor=user)
        session.commit()
        return secret

    return make


@pytest.fixture
def api(client):
    def get(path: str, token: str, **params):
        query = "&".join(f"{key}={value}" for key, value in params.items() if value is not None)
        url = path if path.startswith("/api/") else f"/api/v1{path}?{query}"
        return client.raw.get(url, headers={"Authorization": f"Bearer {token}"})

    return get


def _walk(api, path, token, **params):
    """Every item of a list, following its `next` links from the first page."""
    items, response = [], api(path, token, **params)
    for _ in range(200):
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "per_page", "next"}
        items += body["items"]
        if body["next"] is None:
            return items
        response = api(body["next"], token)
    raise AssertionError("the walk does not end")


@pytest.mark.parametrize(("path", "sort"), CASES, ids=[f"{p} {s or ''}" for p, s in CASES])
def test_walking_next_reads_every_visible_row_once_in_order(
    api, world, make_user, token_for, path, sort
):
    token = token_for(make_user("dpo", world.a.organisation, world.b.organisation, world.host))
    everything = api(path, token, sort=sort, page=1, per_page=200).get_json()
    assert everything["total"] == len(everything["items"]) >= 2
    walked = _walk(api, path, token, sort=sort, per_page=1)
    assert [item["id"] for item in walked] == [item["id"] for item in everything["items"]]


def test_next_keeps_the_filters(api, world, make_user, token_for):
    token = token_for(make_user("dpo", world.a.organisation, world.b.organisation))
    a = world.a.organisation.id
    first = api("/processing-activities", token, organisation_id=a, per_page=1).get_json()
    query = parse_qs(urlsplit(first["next"]).query)
    assert urlsplit(first["next"]).path == "/api/v1/processing-activities"
    assert query["organisation_id"] == [str(a)] and query["per_page"] == ["1"]
    walked = _walk(api, "/processing-activities", token, organisation_id=a, per_page=2)
    assert {item["organisation_id"] for item in walked} == {a}
    assert len(walked) == 5  # the side's, the three payroll ones and the applied model


def test_a_cursor_shows_no_row_of_another_organisation(api, world, make_user, token_for):
    both = token_for(make_user("dpo", world.a.organisation, world.b.organisation))
    only_a = token_for(make_user("referent", world.a.organisation))
    a = world.a.organisation.id
    mine = {item["id"] for item in _walk(api, "/processing-activities", only_a)}
    # Every cursor of the walk of both organisations, B's rows among them, used by A's referent.
    response = api("/processing-activities", both, per_page=1)
    seen = 0
    while (following := response.get_json()["next"]) is not None:
        theirs = api(following, only_a).get_json()
        assert {item["organisation_id"] for item in theirs["items"]} <= {a}
        assert {item["id"] for item in theirs["items"]} <= mine
        seen += 1
        response = api(following, both)
    assert seen >= 7


def _cursor(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",  # "not json"
        _cursor([1, 2]),
        _cursor({"o": "00000000", "k": ["a", 1]}),
        "FINGERPRINT:" + json.dumps(["ACT-001"]),  # one value short
        "FINGERPRINT:" + json.dumps(["ACT-001", "two"]),  # an id that is not a number
        "FINGERPRINT:" + json.dumps([{"t": "hier"}, 1]),  # a date that is not one
    ],
)
def test_a_malformed_cursor_is_a_400(api, world, make_user, token_for, cursor):
    token = token_for(make_user("dpo", world.a.organisation))
    if cursor.startswith("FINGERPRINT:"):
        first = api("/processing-activities", token, per_page=1).get_json()
        real = parse_qs(urlsplit(first["next"]).query)["after"][0]
        decoded = json.loads(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
        cursor = _cursor({"o": decoded["o"], "k": json.loads(cursor.split(":", 1)[1])})
    response = api("/processing-activities", token, after=cursor)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert "curseur" in body["message"]


def test_a_cursor_of_another_sort_is_a_400(api, world, make_user, token_for):
    token = token_for(make_user("dpo", world.a.organisation))
    first = api("/processing-activities", token, sort="-updated", per_page=1).get_json()
    after = parse_qs(urlsplit(first["next"]).query)["after"][0]
    assert api("/processing-activities", token, sort="-updated", after=after).status_code == 200
    assert api("/processing-activities", token, sort="name", after=after).status_code == 400


def test_after_and_page_together_are_a_400(api, world, make_user, token_for):
    token = token_for(make_user("dpo", world.a.organisation))
    first = api("/processing-activities", token, per_page=1).get_json()
    after = parse_qs(urlsplit(first["next"]).query)["after"][0]
    assert api("/processing-activities", token, after=after, page=2).status_code == 400
    assert api("/processing-activities", token, total="peut-être").status_code == 400


def test_the_total_only_when_asked(api, world, make_user, token_for):
    token = token_for(make_user("dpo", world.a.organisation, world.b.organisation))
    assert "total" not in api("/processing-activities", token).get_json()
    body = api("/processing-activities", token, total=1, per_page=1).get_json()
    assert body["total"] == 9 and len(body["items"]) == 1 and body["next"]
    # page= answers as it always did, with the link to the keyset page that follows.
    body = api("/processing-activities", token, page=2, per_page=3).get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 3, 9, 3)
    following = api(body["next"], token).get_json()
    third = api("/processing-activities", token, page=3, per_page=3).get_json()
    assert following["items"] == third["items"]
    assert api("/processing-activities", token, page=3, per_page=3).get_json()["next"] is None


@pytest.fixture
def statements(app):
    engine = app.extensions["db"].engine
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    yield sent
    sa.event.remove(engine, "before_cursor_execute", record)


def test_page_n_sends_the_statements_of_page_1_and_no_count(
    api, session, make_organisation, make_user, token_for, statements
):
    # Rows alike (none links an application), so that each page loads the same relations.
    organisation = make_organisation()
    for _ in range(9):
        processing_services.create_processing(
            session, organisation, validate(ActivityCreate, {"name": "Paie"}), actor=ACTOR
        )
    token = token_for(make_user("dpo", organisation))
    pages = []
    response = api("/processing-activities", token, per_page=2)
    while True:
        statements.clear()
        body = response.get_json()
        if body["next"] is None:
            break
        response = api(body["next"], token)
        pages.append(list(statements))
    statements.clear()
    api("/processing-activities", token, per_page=2)
    first = list(statements)
    assert len(pages) == 4  # nine rows, two a page
    for sent in pages:
        assert len(sent) == len(first)
    assert not any("count(" in statement.lower() for statement in first + pages[-1])
    statements.clear()
    api("/processing-activities", token, per_page=2, total=1)
    assert sum("count(" in statement.lower() for statement in statements) == 1
