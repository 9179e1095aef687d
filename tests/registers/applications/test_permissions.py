"""Who sees and edits what of the map: the whole catalogue from the host organisation, only
what their organisations use otherwise; deployments scoped to the user's organisations; only the
CISO and the administrator write."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden, NotFound

from compliance.access import CATALOGUE_EDITOR, allowed, get_or_404
from compliance.db import utcnow
from compliance.permissions import Action
from registers.applications import queries as q
from registers.applications import services
from registers.applications.models import Application, Deployment, Interface, Vendor


@pytest.fixture
def world(
    session,
    host,
    organisation,
    other_organisation,
    make_application,
    make_vendor,
    make_deployment,
    make_interface,
):
    """Ivry uses Mélodie and Sedit.GF, Gentilly uses Adagio; Requiem is used by nobody
    (Ivry stopped: its deployment is archived)."""
    arpege = make_vendor("ARPEGE")
    berger = make_vendor("BERGER-LEVRAULT")
    apps = {
        "melodie": make_application("Mélodie", vendor_id=arpege.id, domain="Etat civil"),
        "gf": make_application("Sedit.GF", vendor_id=berger.id),
        "adagio": make_application("Adagio", vendor_id=arpege.id, domain="Elections"),
        "requiem": make_application("Requiem", vendor_id=arpege.id, domain="Funéraire"),
    }
    deployments = {
        "ivry-melodie": make_deployment(organisation, apps["melodie"]),
        "ivry-gf": make_deployment(organisation, apps["gf"]),
        "gentilly-adagio": make_deployment(other_organisation, apps["adagio"]),
        "ivry-requiem": make_deployment(organisation, apps["requiem"]),
    }
    services.archive_deployment(session, deployments["ivry-requiem"], actor="test")
    interfaces = {
        "melodie-gf": make_interface(apps["melodie"], apps["gf"]),
        "adagio-melodie": make_interface(apps["adagio"], apps["melodie"]),
    }
    session.flush()
    return {"apps": apps, "deployments": deployments, "interfaces": interfaces}


def _names(session, statement) -> set[str]:
    return {record.name for record in session.scalars(statement)}


def _applications(session, user, **filters) -> set[str]:
    return _names(session, q.visible_applications(user, q.ApplicationFilters(**filters)))


def _deployments(session, user) -> set[tuple[str, str]]:
    statement = q.visible_deployments(user, selected=False)
    return {(d.organisation.slug, d.application.name) for d in session.scalars(statement)}


ALL = {"Mélodie", "Sedit.GF", "Adagio", "Requiem"}


@pytest.mark.parametrize("role", ["admin", "ciso", "dpo", "auditor"])
def test_the_hosts_roles_see_the_whole_catalogue(session, world, make_user, host, role):
    user = make_user(role, host)
    assert _applications(session, user) == ALL
    assert _names(session, q.visible_vendors(user)) == {"ARPEGE", "BERGER-LEVRAULT"}
    assert len(list(session.scalars(q.visible_interfaces(user)))) == 2
    # Deployments stay scoped: the host's roles see only the host's own.
    assert _deployments(session, user) == set()


def test_a_referent_sees_only_what_their_organisation_uses(session, world, make_user, organisation):
    referent = make_user("referent", organisation)
    assert _applications(session, referent) == {"Mélodie", "Sedit.GF"}  # not archived Requiem
    assert _deployments(session, referent) == {
        ("ivry-sur-seine", "Mélodie"),
        ("ivry-sur-seine", "Sedit.GF"),
    }
    assert _names(session, q.visible_vendors(referent)) == {"ARPEGE", "BERGER-LEVRAULT"}
    # Only the interfaces between two applications they see.
    [interface] = session.scalars(q.visible_interfaces(referent))
    assert interface is world["interfaces"]["melodie-gf"]
    assert q.visible_domains(referent, session=session) == ["Etat civil", "Finances"]


def test_a_referent_gets_404_for_what_they_do_not_see_and_403_to_write(
    world, make_user, organisation
):
    referent = make_user("referent", organisation)
    apps, deployments = world["apps"], world["deployments"]
    assert get_or_404(Application, apps["melodie"].id, user=referent) is apps["melodie"]
    with pytest.raises(NotFound):
        get_or_404(Application, apps["adagio"].id, user=referent)
    with pytest.raises(NotFound):
        get_or_404(Application, "not-a-number", user=referent)
    with pytest.raises(Forbidden):
        get_or_404(Application, apps["melodie"].id, Action.EDIT, user=referent)
    with pytest.raises(NotFound):
        get_or_404(Deployment, deployments["gentilly-adagio"].id, user=referent)
    with pytest.raises(Forbidden):
        get_or_404(Deployment, deployments["ivry-melodie"].id, Action.EDIT, user=referent)
    with pytest.raises(NotFound):
        get_or_404(Interface, world["interfaces"]["adagio-melodie"].id, user=referent)


def test_the_organisation_filter_never_reveals_another_members_choices(
    session, world, make_user, organisation, other_organisation, host
):
    referent = make_user("referent", organisation)
    assert _applications(session, referent, organisation_id=other_organisation.id) == set()
    ciso = make_user("ciso", host, organisation, other_organisation)
    assert _applications(session, ciso, organisation_id=other_organisation.id) == {"Adagio"}
    assert _applications(session, ciso, include_archived=True) == ALL


@pytest.mark.parametrize(
    ("role", "catalogue"),
    [("admin", True), ("ciso", True), ("dpo", False), ("auditor", False), ("referent", False)],
)
def test_only_ciso_and_admin_of_the_host_write_the_catalogue(
    session, world, make_user, host, role, catalogue
):
    user = make_user(role, host)
    assert allowed(CATALOGUE_EDITOR, action=Action.EDIT, user=user, session=session) is catalogue
    assert allowed(CATALOGUE_EDITOR, action=Action.CREATE, user=user, session=session) is catalogue
    if catalogue:
        assert get_or_404(Application, world["apps"]["adagio"].id, Action.EDIT, user=user)
    else:
        with pytest.raises(Forbidden):
            get_or_404(Application, world["apps"]["adagio"].id, Action.EDIT, user=user)


def test_a_members_ciso_edits_its_deployments_but_not_the_catalogue(
    session, world, make_user, organisation
):
    ciso = make_user("ciso", organisation)
    assert not allowed(CATALOGUE_EDITOR, user=ciso, session=session)
    assert allowed(q.REGISTER, organisation.id, action=Action.EDIT, user=ciso)
    assert get_or_404(Deployment, world["deployments"]["ivry-gf"].id, Action.EDIT, user=ciso)
    with pytest.raises(Forbidden):
        get_or_404(Vendor, world["apps"]["gf"].vendor_id, Action.EDIT, user=ciso)


def test_an_auditor_of_a_member_reads_that_member_only(
    session, world, make_user, other_organisation
):
    auditor = make_user("auditor", other_organisation)
    assert _applications(session, auditor) == {"Adagio"}
    assert _deployments(session, auditor) == {("gentilly", "Adagio")}
    assert not allowed(CATALOGUE_EDITOR, user=auditor, session=session)


def test_an_expired_membership_sees_nothing(session, world, make_user, organisation, host):
    expired = make_user("referent", organisation, expires_at=utcnow() - timedelta(days=1))
    assert _applications(session, expired) == set()
    assert _deployments(session, expired) == set()
    former = make_user("ciso", host, expires_at=utcnow() - timedelta(minutes=1))
    assert _applications(session, former) == set()
    assert not allowed(CATALOGUE_EDITOR, user=former, session=session)


def test_scoping_is_a_subquery_not_a_list_of_ids(world, make_user, organisation):
    referent = make_user("referent", organisation)
    statement = q.visible_applications(referent)
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}))
    assert "SELECT deployment.application_id" in sql
    assert "membership" in sql
    for application in world["apps"].values():
        assert f"application.id IN ({application.id}" not in sql


def test_related_rows_load_in_a_fixed_number_of_queries(
    session, make_application, make_vendor, make_user, host
):
    user = make_user("ciso", host)
    connection = session.connection()
    counted = []

    def count(*_args):
        counted.append(1)

    def queries_to_read(how_many: int) -> int:
        for index in range(how_many):
            vendor = make_vendor()
            make_application(vendor_id=vendor.id, functions=["Paie", f"Fonction {index}"])
        session.flush()
        session.expunge_all()
        counted.clear()
        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            for application in session.scalars(q.visible_applications(user)):
                assert application.vendor.name
                assert len(application.functions) == 2
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)
        return len(counted)

    few = queries_to_read(3)
    many = queries_to_read(12)
    assert 2 < few == many <= 5
