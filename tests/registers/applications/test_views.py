"""Pages of the application map: each renders, a valid post redirects, a wrong role gets 403,
another organisation's record 404, a stale version 409 and bad input 400, nothing written."""

from __future__ import annotations

import re

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlmodel import func, select

from compliance.schemas import validate
from registers.applications import services
from registers.applications.models import (
    Application,
    Deployment,
    DpaStatus,
    Interface,
    Vendor,
)
from registers.applications.schemas import ApplicationUpdate, DeploymentUpdate, VendorUpdate


@pytest.fixture
def catalogue(
    session,
    host,
    organisation,
    other_organisation,
    make_vendor,
    make_application,
    make_deployment,
    make_interface,
):
    """Two applications: finance used by both members, family billing by the other one only."""
    vendor = make_vendor("Berger Levrault", dpa_status=DpaStatus.SIGNED)
    finance = make_application("Sedit.GF", vendor_id=vendor.id, availability=3)
    families = make_application(
        "CONCERTO Opus", domain="Familles", functions=["Scolaire", "Petite enfance"]
    )
    ours = make_deployment(organisation, finance)
    theirs = make_deployment(other_organisation, finance)
    make_deployment(other_organisation, families)
    flow = make_interface(families, finance, data="Titres de recettes")
    session.commit()
    return {
        "vendor": vendor,
        "finance": finance,
        "families": families,
        "ours": ours,
        "theirs": theirs,
        "flow": flow,
    }


@pytest.fixture
def ciso(login_as, host, organisation, other_organisation):
    """The syndicate's CISO: edits the catalogue and every member's deployments."""
    return login_as("ciso", host, organisation, other_organisation)


@pytest.fixture
def referent(login_as, organisation):
    return login_as("referent", organisation)


def count(session, model, *conditions) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*conditions))


def fresh(session, model, record_id):
    session.expire_all()
    return session.get(model, record_id)


def application_form(application: Application | None = None, **changes) -> dict:
    data = {
        "name": "Nouveau logiciel",
        "domain": "Finances",
        "functions_text": "Paie\nRH | Carrières",
        "status": "in_service",
        "hosting": "syndicate_datacenter",
        "hosting_country": "FR",
        "vendor_id": "",
    }
    if application is not None:
        data.update(
            name=application.name,
            domain=application.domain,
            functions_text="\n".join(f.name for f in application.functions),
            version=str(application.version),
        )
    data.update(changes)
    return data


# --- the list -------------------------------------------------------------------------------


def test_list_renders_with_counts_and_needs(client, ciso, catalogue):
    response = client.get("/applications/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sedit.GF" in page and "CONCERTO Opus" in page
    assert "Berger Levrault" in page
    assert "Petite enfance" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=concerto", "CONCERTO Opus", "Sedit.GF"),
        ("q=berger", "Sedit.GF", "CONCERTO Opus"),
        ("domain=Familles", "CONCERTO Opus", "Sedit.GF"),
        ("hosting=vendor_saas", None, "Sedit.GF"),
        ("status=retired", None, "CONCERTO Opus"),
    ],
)
def test_list_filters(client, ciso, catalogue, query, shown, hidden):
    page = client.get(f"/applications/?{query}").get_data(as_text=True)
    if shown:
        assert shown in page
    assert f">{hidden}</a>" not in page


def test_list_filters_by_vendor_and_organisation(client, ciso, catalogue, organisation):
    page = client.get(f"/applications/?vendor_id={catalogue['vendor'].id}").get_data(as_text=True)
    assert ">Sedit.GF</a>" in page and ">CONCERTO Opus</a>" not in page
    page = client.get(f"/applications/?organisation_id={organisation.id}").get_data(as_text=True)
    assert ">Sedit.GF</a>" in page and ">CONCERTO Opus</a>" not in page


def test_list_hides_archived_unless_asked(client, ciso, catalogue, session):
    services.archive_application(session, catalogue["families"], actor="test")
    session.commit()
    assert ">CONCERTO Opus</a>" not in client.get("/applications/").get_data(as_text=True)
    page = client.get("/applications/?include_archived=1").get_data(as_text=True)
    assert ">CONCERTO Opus</a>" in page


def test_list_rejects_a_bad_filter(client, ciso, catalogue):
    response = client.get("/applications/?hosting=moon")
    assert response.status_code == 400
    assert "hosting" in response.get_data(as_text=True)


def test_list_paginates(client, ciso, catalogue, make_application, session):
    for index in range(60):
        make_application(f"Outil {index:02d}")
    session.commit()
    first = client.get("/applications/").get_data(as_text=True)
    second = client.get("/applications/?page=2").get_data(as_text=True)
    assert "page 1 sur 2" in first
    assert ">Sedit.GF</a>" in second  # sorted by name, after the 60 "Outil"


def test_referent_lists_only_what_their_organisation_uses(client, referent, catalogue):
    page = client.get("/applications/").get_data(as_text=True)
    assert ">Sedit.GF</a>" in page
    assert "CONCERTO Opus" not in page


def test_pages_need_a_login(client, catalogue):
    response = client.get("/applications/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- the detail page ------------------------------------------------------------------------


def test_detail_shows_deployments_interfaces_and_forms(client, ciso, catalogue):
    response = client.get(f"/applications/{catalogue['finance'].id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ivry-sur-Seine" in page and "Gentilly" in page
    assert "CONCERTO Opus" in page and "Titres de recettes" in page
    assert "Modifier" in page and "Ajouter une interface" in page


def test_detail_shows_panels_of_other_registers(client, ciso, catalogue, app):
    """Another register's panel appears on the page, rendered by the template it names."""

    def provider(application):
        return {
            "title": "Traitements liés",
            "template": "test_panel.html",
            "names": [application.name],
        }

    registry = app.extensions["registry"]
    registry.add_panel("application", provider)
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"test_panel.html": "{{ panel.names|join }}!"}), loader]
    )
    try:
        page = client.get(f"/applications/{catalogue['finance'].id}").get_data(as_text=True)
    finally:
        registry.panels["application"].remove((100, provider))
        app.jinja_env.loader = loader
    assert "Traitements liés" in page
    assert "Sedit.GF!" in page


def test_referent_sees_only_their_deployment_and_no_edit_forms(client, referent, catalogue):
    page = client.get(f"/applications/{catalogue['finance'].id}").get_data(as_text=True)
    assert "Ivry-sur-Seine" in page
    assert "Gentilly" not in page
    assert "Déclarer une organisation utilisatrice" not in page
    assert "Ajouter une interface" not in page
    assert f"/applications/{catalogue['finance'].id}/edit" not in page


def test_application_not_used_by_the_referent_is_404(client, referent, catalogue):
    assert client.get(f"/applications/{catalogue['families'].id}").status_code == 404
    assert client.get("/applications/999999").status_code == 404


# --- create, edit, archive ------------------------------------------------------------------


def test_create_application(client, ciso, catalogue, session):
    assert client.get("/applications/new").status_code == 200
    data = application_form(vendor_id=str(catalogue["vendor"].id), availability="4")
    response = client.post("/applications/new", data=data)
    assert response.status_code == 302
    created = session.scalar(select(Application).where(Application.name == "Nouveau logiciel"))
    assert response.headers["Location"].endswith(f"/applications/{created.id}")
    assert created.vendor_id == catalogue["vendor"].id
    assert created.availability == 4
    assert [(f.domain, f.name) for f in created.functions] == [
        ("Finances", "Paie"),
        ("RH", "Carrières"),
    ]


def test_referent_may_not_create(client, referent, catalogue, session):
    before = count(session, Application)
    assert client.get("/applications/new").status_code == 403
    assert client.post("/applications/new", data=application_form()).status_code == 403
    assert count(session, Application) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"hosting_country": "FRA"},
        {"hosting_country": "US", "outside_eu_safeguard": ""},
        {"availability": "7"},
        {"rto_hours": "-2"},
        {"status": "lost"},
        {"name": "SEDIT-GF"},  # the same software as Sedit.GF, by its normalised name
    ],
)
def test_create_rejects_bad_input(client, ciso, catalogue, session, changes):
    before = count(session, Application)
    response = client.post("/applications/new", data=application_form(**changes))
    assert response.status_code == 400
    assert "error-summary" in response.get_data(as_text=True)
    assert count(session, Application) == before


def test_edit_application(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    assert client.get(f"/applications/{finance.id}/edit").status_code == 200
    data = application_form(finance, owner="Chef de projet Finances", rto_hours="24")
    response = client.post(f"/applications/{finance.id}/edit", data=data)
    assert response.status_code == 302
    edited = fresh(session, Application, finance.id)
    assert edited.owner == "Chef de projet Finances"
    assert edited.rto_hours == 24


def test_edit_with_a_stale_version_is_a_conflict(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    stale = application_form(finance, owner="Mine")
    services.update_application(
        session, finance, validate(ApplicationUpdate, {"owner": "Theirs"}), actor="test"
    )
    session.commit()
    response = client.post(f"/applications/{finance.id}/edit", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Theirs" in page and "Mine" in page
    assert fresh(session, Application, finance.id).owner == "Theirs"


def test_edit_rejects_bad_input(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    response = client.post(
        f"/applications/{finance.id}/edit", data=application_form(finance, integrity="9")
    )
    assert response.status_code == 400
    assert fresh(session, Application, finance.id).integrity is None


def test_referent_may_not_edit(client, referent, catalogue):
    finance = catalogue["finance"]
    assert client.get(f"/applications/{finance.id}/edit").status_code == 403
    response = client.post(f"/applications/{finance.id}/edit", data=application_form(finance))
    assert response.status_code == 403


def test_archive_and_restore(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    response = client.post(
        f"/applications/{finance.id}/archive", data={"version": str(finance.version)}
    )
    assert response.status_code == 302
    archived = fresh(session, Application, finance.id)
    assert archived.is_archived
    response = client.post(
        f"/applications/{finance.id}/restore", data={"version": str(archived.version)}
    )
    assert response.status_code == 302
    assert not fresh(session, Application, finance.id).is_archived


def test_archive_with_a_stale_version_is_a_conflict(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    old = finance.version
    services.update_application(
        session, finance, validate(ApplicationUpdate, {"owner": "Someone"}), actor="test"
    )
    session.commit()
    response = client.post(f"/applications/{finance.id}/archive", data={"version": str(old)})
    assert response.status_code == 409
    assert not fresh(session, Application, finance.id).is_archived


def test_referent_may_not_archive(client, referent, catalogue, session):
    finance = catalogue["finance"]
    response = client.post(
        f"/applications/{finance.id}/archive", data={"version": str(finance.version)}
    )
    assert response.status_code == 403
    assert not fresh(session, Application, finance.id).is_archived


# --- deployments ----------------------------------------------------------------------------


def test_add_deployment(client, ciso, catalogue, organisation, session):
    families = catalogue["families"]
    response = client.post(
        f"/applications/{families.id}/deployments",
        data={
            "deployment-organisation_id": str(organisation.id),
            "deployment-since": "2021-09-01",
            "deployment-functions": ["Scolaire"],
            "deployment-hosting": "",
        },
    )
    assert response.status_code == 302
    deployment = session.scalar(
        select(Deployment).where(
            Deployment.application_id == families.id,
            Deployment.organisation_id == organisation.id,
        )
    )
    assert deployment.functions == ["Scolaire"]
    assert deployment.since.isoformat() == "2021-09-01"


def test_add_deployment_rejects_bad_input(client, ciso, catalogue, organisation, session):
    families = catalogue["families"]
    before = count(session, Deployment)
    response = client.post(
        f"/applications/{families.id}/deployments",
        data={
            "deployment-organisation_id": str(organisation.id),
            "deployment-since": "not a date",
        },
    )
    assert response.status_code == 400
    assert "error-summary" in response.get_data(as_text=True)
    assert count(session, Deployment) == before


def test_referent_may_not_add_a_deployment(client, referent, catalogue, organisation, session):
    before = count(session, Deployment)
    response = client.post(
        f"/applications/{catalogue['finance'].id}/deployments",
        data={"deployment-organisation_id": str(organisation.id)},
    )
    assert response.status_code == 403
    assert count(session, Deployment) == before


def test_edit_deployment(client, ciso, catalogue, session):
    ours = catalogue["ours"]
    assert client.get(f"/applications/deployments/{ours.id}/edit").status_code == 200
    response = client.post(
        f"/applications/deployments/{ours.id}/edit",
        data={
            "since": "2022-01-01",
            "hosting": "member_site",
            "notes": "Serveur local",
            "version": str(ours.version),
        },
    )
    assert response.status_code == 302
    edited = fresh(session, Deployment, ours.id)
    assert edited.hosting.value == "member_site"
    assert edited.notes == "Serveur local"


def test_edit_deployment_with_a_stale_version_is_a_conflict(client, ciso, catalogue, session):
    ours = catalogue["ours"]
    old = ours.version
    services.update_deployment(
        session, ours, validate(DeploymentUpdate, {"notes": "Theirs"}), actor="test"
    )
    session.commit()
    response = client.post(
        f"/applications/deployments/{ours.id}/edit",
        data={"notes": "Mine", "hosting": "", "version": str(old)},
    )
    assert response.status_code == 409
    assert fresh(session, Deployment, ours.id).notes == "Theirs"


def test_edit_deployment_rejects_bad_input(client, ciso, catalogue, session):
    ours = catalogue["ours"]
    response = client.post(
        f"/applications/deployments/{ours.id}/edit",
        data={"functions": ["Not a function"], "version": str(ours.version)},
    )
    assert response.status_code == 400
    assert fresh(session, Deployment, ours.id).functions == []


def test_another_organisations_deployment_is_404(client, login_as, catalogue, organisation):
    login_as("ciso", organisation)
    theirs = catalogue["theirs"]
    assert client.get(f"/applications/deployments/{theirs.id}/edit").status_code == 404
    response = client.post(
        f"/applications/deployments/{theirs.id}/archive", data={"version": str(theirs.version)}
    )
    assert response.status_code == 404


def test_referent_may_not_edit_their_deployment(client, referent, catalogue):
    ours = catalogue["ours"]
    assert client.get(f"/applications/deployments/{ours.id}/edit").status_code == 403
    assert client.get(f"/applications/deployments/{catalogue['theirs'].id}/edit").status_code == 404


def test_remove_and_restore_deployment(client, ciso, catalogue, session):
    ours = catalogue["ours"]
    response = client.post(
        f"/applications/deployments/{ours.id}/archive", data={"version": str(ours.version)}
    )
    assert response.status_code == 302
    removed = fresh(session, Deployment, ours.id)
    assert removed.is_archived
    response = client.post(
        f"/applications/deployments/{ours.id}/restore", data={"version": str(removed.version)}
    )
    assert response.status_code == 302
    assert not fresh(session, Deployment, ours.id).is_archived


def test_remove_deployment_with_a_stale_version_is_a_conflict(client, ciso, catalogue, session):
    ours = catalogue["ours"]
    response = client.post(
        f"/applications/deployments/{ours.id}/archive", data={"version": str(ours.version - 1)}
    )
    assert response.status_code == 409
    assert not fresh(session, Deployment, ours.id).is_archived


# --- interfaces -----------------------------------------------------------------------------


def test_add_and_remove_interface(client, ciso, catalogue, session, make_application):
    finance = catalogue["finance"]
    parapheur = make_application("i parapheur", domain="Administration générale")
    session.commit()
    response = client.post(
        f"/applications/{finance.id}/interfaces",
        data={
            "interface-other_application_id": str(parapheur.id),
            "interface-flow": "both",
            "interface-data": "Flux PES",
            "interface-protocol": "Web service",
        },
    )
    assert response.status_code == 302
    interface = session.scalar(
        select(Interface).where(Interface.target_application_id == parapheur.id)
    )
    assert interface.source_application_id == finance.id
    assert interface.direction.value == "two_way"
    response = client.post(
        f"/applications/interfaces/{interface.id}/archive",
        data={"version": str(interface.version), "application_id": str(parapheur.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{parapheur.id}#interfaces")
    assert fresh(session, Interface, interface.id).is_archived


def test_incoming_interface_reverses_the_ends(client, ciso, catalogue, session):
    finance, families = catalogue["finance"], catalogue["families"]
    client.post(
        f"/applications/{finance.id}/interfaces",
        data={"interface-other_application_id": str(families.id), "interface-flow": "incoming"},
    )
    interfaces = session.scalars(
        select(Interface).where(Interface.target_application_id == finance.id)
    ).all()
    assert len(interfaces) == 2


def test_add_interface_rejects_bad_input(client, ciso, catalogue, session):
    finance = catalogue["finance"]
    before = count(session, Interface)
    for other in ("", str(finance.id), "999999"):
        response = client.post(
            f"/applications/{finance.id}/interfaces",
            data={"interface-other_application_id": other, "interface-flow": "outgoing"},
        )
        assert response.status_code == 400
    assert count(session, Interface) == before


def test_referent_may_not_touch_interfaces(client, referent, catalogue, session):
    finance, flow = catalogue["finance"], catalogue["flow"]
    response = client.post(
        f"/applications/{finance.id}/interfaces",
        data={"interface-other_application_id": str(finance.id), "interface-flow": "outgoing"},
    )
    assert response.status_code == 403
    # The referent does not see CONCERTO Opus, hence not its interface either.
    response = client.post(
        f"/applications/interfaces/{flow.id}/archive", data={"version": str(flow.version)}
    )
    assert response.status_code == 404
    assert not fresh(session, Interface, flow.id).is_archived


# --- the map --------------------------------------------------------------------------------


def test_map_of_the_syndicate(client, ciso, catalogue):
    response = client.get("/applications/map")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="map-app"') == 2
    assert svg.count('class="map-edge"') == 1
    assert 'role="group"' in svg
    assert "style=" not in svg
    assert "Titres de recettes" in page  # the text alternative


def test_map_of_one_member(client, ciso, catalogue, organisation):
    page = client.get(f"/applications/map?organisation={organisation.slug}").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "Sedit.GF" in svg and "CONCERTO Opus" not in svg
    assert svg.count('class="map-edge"') == 0


def test_map_of_another_organisation_is_404(client, referent, catalogue, other_organisation):
    assert client.get(f"/applications/map?organisation={other_organisation.slug}").status_code == (
        404
    )
    assert client.get("/applications/map?organisation=nowhere").status_code == 404
    page = client.get("/applications/map").get_data(as_text=True)
    assert "Sedit.GF" in page and "CONCERTO Opus" not in page


def test_map_escapes_names(client, ciso, catalogue, make_application, session):
    make_application("<script>alert(1)</script> & co")
    session.commit()
    page = client.get("/applications/map").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


# --- vendors --------------------------------------------------------------------------------


def test_vendor_list_and_detail(client, ciso, catalogue):
    page = client.get("/applications/vendors").get_data(as_text=True)
    assert "Berger Levrault" in page and "Signé" in page
    vendor = catalogue["vendor"]
    page = client.get(f"/applications/vendors/{vendor.id}").get_data(as_text=True)
    assert "Sedit.GF" in page and "Signé" in page
    assert client.get("/applications/vendors?dpa_status=bogus").status_code == 400


def test_vendor_list_filters_those_without_an_art28_agreement(
    client, ciso, catalogue, make_vendor, session
):
    make_vendor("Technocarte", dpa_status="requested")
    session.commit()
    page = client.get("/applications/vendors").get_data(as_text=True)
    assert "Sans accord art. 28" in page and "Berger Levrault" in page
    page = client.get("/applications/vendors?without_agreement=1").get_data(as_text=True)
    assert "Technocarte" in page and "Berger Levrault" not in page
    assert 'name="without_agreement" value="1" checked' in page


def test_referent_sees_only_vendors_of_their_applications(
    client, referent, catalogue, make_vendor, session
):
    stranger = make_vendor("ARPEGE")
    session.commit()
    assert "ARPEGE" not in client.get("/applications/vendors").get_data(as_text=True)
    assert client.get(f"/applications/vendors/{stranger.id}").status_code == 404
    assert client.get("/applications/vendors/new").status_code == 403


def test_create_and_edit_vendor(client, ciso, catalogue, session):
    assert client.get("/applications/vendors/new").status_code == 200
    response = client.post(
        "/applications/vendors/new", data={"name": "Technocarte", "dpa_status": "requested"}
    )
    assert response.status_code == 302
    vendor = session.scalar(select(Vendor).where(Vendor.key == "technocarte"))
    response = client.post(
        f"/applications/vendors/{vendor.id}/edit",
        data={
            "name": "TECHNOCARTE",
            "dpa_status": "signed",
            "dpa_signed_on": "2023-03-01",
            "country": "fr",
            "version": str(vendor.version),
        },
    )
    assert response.status_code == 302
    edited = fresh(session, Vendor, vendor.id)
    assert (edited.name, edited.dpa_status, edited.country) == (
        "TECHNOCARTE",
        DpaStatus.SIGNED,
        "FR",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "dpa_status": "none"},
        {"name": "BERGER-LEVRAULT", "dpa_status": "none"},  # the same vendor, normalised
        {"name": "X", "dpa_status": "none", "dpa_signed_on": "2023-01-01"},
        {"name": "X", "dpa_status": "none", "country": "FRA"},
    ],
)
def test_create_vendor_rejects_bad_input(client, ciso, catalogue, session, data):
    before = count(session, Vendor)
    assert client.post("/applications/vendors/new", data=data).status_code == 400
    assert count(session, Vendor) == before


def test_edit_vendor_with_a_stale_version_is_a_conflict(client, ciso, catalogue, session):
    vendor = catalogue["vendor"]
    old = vendor.version
    services.update_vendor(
        session, vendor, validate(VendorUpdate, {"certifications": "ISO 27001"}), actor="test"
    )
    session.commit()
    response = client.post(
        f"/applications/vendors/{vendor.id}/edit",
        data={"name": vendor.name, "dpa_status": "signed", "version": str(old)},
    )
    assert response.status_code == 409
    assert fresh(session, Vendor, vendor.id).certifications == "ISO 27001"


# --- import ---------------------------------------------------------------------------------


def upload(client, content: bytes, filename: str = "catalogue.csv"):
    import io

    return client.post(
        "/applications/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def confirm_token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def test_import_preview_then_confirm(client, ciso, host, session, catalogue_bytes):
    assert client.get("/applications/import").status_code == 200
    response = upload(client, catalogue_bytes)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Confirmer l'import" in page
    assert count(session, Application) == 0  # a preview writes nothing
    response = client.post("/applications/import/confirm", data={"token": confirm_token(page)})
    assert response.status_code == 302
    assert count(session, Application) == 53
    assert count(session, Vendor) == 26
    # Re-importing the same file changes nothing, so there is nothing to confirm.
    page = upload(client, catalogue_bytes).get_data(as_text=True)
    assert "Confirmer l'import" not in page
    assert "le catalogue est déjà à jour" in page


def test_import_confirm_needs_the_uploaders_token(client, ciso, host, session, catalogue_bytes):
    upload(client, catalogue_bytes)
    response = client.post("/applications/import/confirm", data={"token": "x" * 32})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/applications/import")
    assert count(session, Application) == 0


def test_import_confirm_replans_from_the_stored_file(client, ciso, host, session, catalogue_bytes):
    page = upload(client, catalogue_bytes).get_data(as_text=True)
    # Whatever a client adds to the confirmation, only the stored file is read again.
    response = client.post(
        "/applications/import/confirm",
        data={"token": confirm_token(page), "plan": '{"items": []}', "file": "other"},
    )
    assert response.status_code == 302
    assert count(session, Application) == 53
    # The stored file is used once.
    again = client.post("/applications/import/confirm", data={"token": confirm_token(page)})
    assert again.headers["Location"].endswith("/applications/import")


def test_import_of_a_bad_file_shows_lines_and_writes_nothing(client, ciso, host, session):
    content = (
        "domaine;fonctionnalite;logiciel;fournisseur;organisation\n"
        "Finances;Paie;;Berger Levrault;\n"
        "Finances;Paie;Sedit;Berger Levrault;nowhere\n"
    ).encode("cp1252")
    response = upload(client, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ligne 2" in page and "Ligne 3" in page
    assert "Confirmer l'import" not in page
    assert count(session, Application) == 0


def test_import_rejects_a_file_of_another_type(client, ciso, host):
    assert upload(client, b"%PDF-1.4", "catalogue.pdf").status_code == 400
    response = client.post("/applications/import", data={})
    assert response.status_code == 400


def test_referent_may_not_import(client, referent, catalogue_bytes):
    assert client.get("/applications/import").status_code == 403
    assert upload(client, catalogue_bytes).status_code == 403
    assert client.post("/applications/import/confirm", data={"token": "x"}).status_code == 403


def test_import_over_the_row_limit_is_refused(
    client, ciso, host, session, catalogue_bytes, app, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    response = upload(client, catalogue_bytes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "dépasse la limite de 10 lignes par import" in page
    assert "Confirmer l'import" not in page
    assert count(session, Application) == 0


def test_many_organisations_to_deploy_at_are_a_search_field(
    app, client, ciso, catalogue, organisation, session
):
    """Beyond the kernel selector's limit, the form's organisation is a search field (with the
    recent organisations as suggestions), not a select of every organisation."""
    families = catalogue["families"]
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 1
    page = client.get(f"/applications/{families.id}").get_data(as_text=True)
    field = re.search(r'<input [^>]*name="deployment-organisation_id"[^>]*>', page)
    assert field and 'type="search"' in field.group(0)
    assert 'id="deployment-organisation_id-suggestions"' in page
    assert f'<option value="{organisation.id}"' not in page

    before = count(session, Deployment)
    refused = client.post(
        f"/applications/{families.id}/deployments",
        data={"deployment-organisation_id": "Nulle part"},
    )
    assert refused.status_code == 400
    assert "Aucune organisation proposée ne porte ce nom" in refused.get_data(as_text=True)
    assert count(session, Deployment) == before

    added = client.post(
        f"/applications/{families.id}/deployments",
        data={"deployment-organisation_id": organisation.name.upper()},
    )
    assert added.status_code == 302
    assert session.scalar(
        select(Deployment).where(
            Deployment.application_id == families.id,
            Deployment.organisation_id == organisation.id,
        )
    )


def test_few_organisations_to_deploy_at_are_a_select(app, client, ciso, catalogue, organisation):
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 30
    page = client.get(f"/applications/{catalogue['families'].id}").get_data(as_text=True)
    assert re.search(r'<select [^>]*name="deployment-organisation_id"', page)
    assert f'<option value="{organisation.id}">{organisation.name}</option>' in page


def test_a_search_field_still_takes_the_organisations_id(
    app, client, ciso, catalogue, organisation, session
):
    """In search mode the field also resolves an organisation's id, as the select sends it,
    within the organisations it offers."""
    families = catalogue["families"]
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 1
    added = client.post(
        f"/applications/{families.id}/deployments",
        data={"deployment-organisation_id": str(organisation.id)},
    )
    assert added.status_code == 302
    assert session.scalar(
        select(Deployment.id).where(
            Deployment.application_id == families.id,
            Deployment.organisation_id == organisation.id,
        )
    )


def test_a_tests_settings_end_with_it(app):
    """The session's application is shared: what one test sets is gone for the next (here the
    previous test's selector limit of 1)."""
    assert app.config.get("ORGANISATION_SELECTOR_LIMIT") != 1
