"""Pages of the record of processing activities: each renders, a valid post redirects, a wrong
role gets 403, another organisation's record 404, a stale version 409 and bad input 400, with
nothing written."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from compliance.admin import services as admin_services
from compliance.audit import AuditEntry
from registers.processing import publish, services, template_activities
from registers.processing.models import ProcessingActivity, RegisterVersion
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check


@pytest.fixture
def referent(login_as, organisation):
    return login_as("referent", organisation)


@pytest.fixture
def dpo(login_as, host, organisation, other_organisation):
    return login_as("dpo", host, organisation, other_organisation)


@pytest.fixture
def auditor(login_as, organisation):
    return login_as("auditor", organisation)


@pytest.fixture
def ours(session, organisation, make_activity):
    activity = make_activity(organisation)
    session.commit()
    return activity


@pytest.fixture
def theirs(session, other_organisation, make_activity):
    activity = make_activity(other_organisation, name="Fichier des locataires")
    session.commit()
    return activity


def count(session, model, *conditions) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*conditions))


def fresh(session, activity):
    session.expire_all()
    return session.get(ProcessingActivity, activity.id)


def form_data(activity=None, **changes) -> dict:
    """A complete edit form, as the page posts it: one purpose, one data category, blank rows
    elsewhere."""
    data = {
        "name": "Inscriptions scolaires",
        "reference": "",
        "responsible_service": "Service enfance",
        "role": "controller",
        "purposes-0-description": "Inscrire les enfants à l'école",
        "purposes-0-is_main": "y",
        "purposes-0-legal_basis": "public_task",
        "purposes-0-legal_text": "Code de l'éducation, art. L. 131-5",
        "purposes-1-description": "",
        "purposes-1-legal_basis": "",
        "data_categories-0-category": "identity",
        "data_categories-0-description": "Nom, prénom, date de naissance",
        "data_categories-0-active_period": "Scolarité de l'enfant",
        "data_categories-0-final_fate": "destroy",
        "subjects-0-category": "children",
        "subjects-0-estimated_number": "3200",
        "recipients-0-recipient_type": "internal",
        "recipients-0-name": "Service de la restauration scolaire",
        "recipients-0-vendor_id": "",
        "security_measures-0-family": "access_control",
        "security_measures-0-details": "Comptes nominatifs",
    }
    if activity is not None:
        data["version"] = str(activity.version)
        data["reference"] = activity.reference
    data.update(changes)
    return data


# --- the registers ------------------------------------------------------------------------------


def test_index_lists_registers_with_completeness(session, client, dpo, ours, theirs):
    # The cover counts: Ivry's controller and DPO are identified, Gentilly's are not.
    admin_services.update_organisation(
        session,
        ours.organisation,
        {
            "siren": "123456782",
            "address": "Esplanade Georges Marrane, 94200 Ivry-sur-Seine",
            "legal_representative": "Le maire",
            "dpo_name": "Service mutualisé DPO",
            "dpo_cnil_number": "DPO-12345",
            "dpo_contact": "dpd@ivry.example",
        },
        actor="test",
    )
    session.commit()
    page = client.get("/processing/").get_data(as_text=True)
    assert "Ivry-sur-Seine" in page and "Gentilly" in page
    assert page.count("100&nbsp;%") == 1


def test_index_goes_straight_to_the_only_register(client, referent, ours):
    response = client.get("/processing/")
    assert response.status_code == 302
    assert response.location.endswith("/processing/registers/ivry-sur-seine/")
    page = client.get(response.location).get_data(as_text=True)
    assert "Traitements types" not in page and "Registre du sous-traitant" not in page


def test_register_lists_activities_with_score_warnings_and_dpia(
    client, session, referent, organisation, make_activity
):
    make_activity(organisation, name="Cantine", purposes=[{"description": "Facturer"}])
    make_activity(
        organisation,
        name="Centre de santé",
        dpia_cnil_types=["health_care"],
        special_categories=[{"category": "health"}],
    )
    session.commit()
    response = client.get("/processing/registers/ivry-sur-seine/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Cantine" in page and "Centre de santé" in page
    assert "AIPD requise" in page
    assert "Éléments manquants (article 30.1)" in page
    assert "Base légale de chaque finalité" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=cantine", "Cantine", "Centre de santé"),
        ("dpia_required=true", "Centre de santé", "Cantine"),
        ("status=validated", None, "Cantine"),
    ],
)
def test_register_filters(
    client, session, referent, organisation, make_activity, query, shown, hidden
):
    make_activity(organisation, name="Cantine")
    make_activity(organisation, name="Centre de santé", dpia_cnil_types=["health_care"])
    session.commit()
    page = client.get(f"/processing/registers/ivry-sur-seine/?{query}").get_data(as_text=True)
    if shown:
        assert shown in page
    assert f">{hidden}<" not in page


def test_register_filter_by_application(
    client, session, referent, organisation, make_activity, make_application
):
    adagio = make_application("Adagio")
    make_activity(organisation, name="Élections", application_ids=[adagio.id])
    make_activity(organisation, name="Cantine")
    session.commit()
    page = client.get(f"/processing/registers/ivry-sur-seine/?application_id={adagio.id}")
    text = page.get_data(as_text=True)
    assert ">Élections<" in text and ">Cantine<" not in text


def test_register_bad_filter_is_400(client, referent, ours):
    assert client.get("/processing/registers/ivry-sur-seine/?status=lost").status_code == 400


def test_register_paginates(client, session, referent, organisation, make_activity):
    for number in range(27):
        make_activity(organisation, name=f"Traitement {number:02d}")
    session.commit()
    first = client.get("/processing/registers/ivry-sur-seine/").get_data(as_text=True)
    second = client.get("/processing/registers/ivry-sur-seine/?page=2").get_data(as_text=True)
    assert "page 1 sur 2" in first and "Traitement 26" in second


def test_other_organisation_register_is_404(client, referent, other_organisation):
    assert client.get("/processing/registers/gentilly/").status_code == 404
    assert client.get("/processing/registers/nowhere/").status_code == 404


# --- an activity's sheet ------------------------------------------------------------------------


def test_sheet_shows_every_section(client, session, referent, ours, make_application):
    page = client.get(f"/processing/activities/{ours.id}").get_data(as_text=True)
    for heading in (
        "1. Identification et acteurs",
        "2. Finalités et bases légales",
        "3. Données et durées de conservation",
        "4. Données sensibles",
        "5. Personnes concernées",
        "6. Destinataires",
        "7. Transferts hors de l",
        "8. Mesures de sécurité",
        "9. Analyse d",
        "10. Suivi",
    ):
        assert heading in page, heading
    assert "Code électoral, art. L. 11 et suivants" in page
    assert "Soumettre au délégué" in page
    assert "Valider la fiche" not in page


def test_sheet_shows_warnings_inherited_measures_and_divergence(
    client, session, dpo, host, organisation, make_activity, make_application, make_deployment
):
    app = make_application("Mélodie", hosting="syndicate_datacenter", rpo_hours=24)
    make_deployment(organisation, app)
    model = template_activities.create_template(
        session,
        host,
        check(ActivityCreate, {"name": "Tenue de l'état civil", "description": "Actes"}),
        actor="test",
    )
    (copy,) = template_activities.apply_template(session, model, [organisation], actor="test")
    services.update_processing(
        session,
        copy,
        check(
            ActivityUpdate,
            {
                "description": "Actes et livrets de famille",
                "application_ids": [app.id],
                "nir_used": True,
                "purposes": [{"description": "Suivi", "legal_basis": "legitimate_interests"}],
            },
        ),
        actor="test",
    )
    session.commit()
    page = client.get(f"/processing/activities/{copy.id}").get_data(as_text=True)
    assert "intérêt légitime" in page
    assert "Le NIR est traité sans le texte" in page
    assert "perte de données maximale : 24 h" in page
    assert "Écarts avec le traitement type" in page and "Description" in page
    # Incomplete: the DPO sees what is missing and may validate only with a reason.
    assert "Valider par dérogation" in page and "validation-gaps" in page


def test_other_organisation_sheet_is_404(client, referent, theirs):
    assert client.get(f"/processing/activities/{theirs.id}").status_code == 404
    assert client.get(f"/processing/activities/{theirs.id}/edit").status_code == 404
    assert client.post(f"/processing/activities/{theirs.id}/submit").status_code == 404


# --- create and edit ----------------------------------------------------------------------------


def test_create_form_renders_with_blank_rows(client, referent, organisation):
    response = client.get("/processing/registers/ivry-sur-seine/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="purposes-1-description"' in page
    assert "<legend>3. Finalités et bases légales</legend>" in page
    assert 'name="add_rows" value="purposes"' in page


def test_create_saves_rows_and_redirects(client, session, referent, organisation):
    response = client.post("/processing/registers/ivry-sur-seine/new", data=form_data())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    activity = session.scalar(
        select(ProcessingActivity).where(ProcessingActivity.name == "Inscriptions scolaires")
    )
    assert response.location.endswith(f"/processing/activities/{activity.id}")
    assert activity.status == ProcessingStatus.DRAFT and activity.reference == "T-001"
    assert [p.description for p in activity.purposes] == ["Inscrire les enfants à l'école"]
    assert activity.subjects[0].estimated_number == 3200
    assert activity.recipients[0].name == "Service de la restauration scolaire"


def test_form_records_the_data_source_and_the_page_shows_it(client, session, referent):
    """Art. 14(2)(f): the form takes the source of data not collected from the person; the
    sheet shows it, and names it as missing while blank."""
    page = client.get("/processing/registers/ivry-sur-seine/new").get_data(as_text=True)
    assert 'name="indirect_collection"' in page and 'name="data_source"' in page
    assert "tableau de gestion" in page
    data = form_data(indirect_collection="y", data_source="Répertoire électoral unique (INSEE)")
    response = client.post("/processing/registers/ivry-sur-seine/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    activity = session.scalar(select(ProcessingActivity))
    assert activity.indirect_collection is True
    assert activity.data_source == "Répertoire électoral unique (INSEE)"
    page = client.get(response.location).get_data(as_text=True)
    assert "Origine des données (article 14)" in page
    assert "Répertoire électoral unique (INSEE)" in page
    data = form_data(activity, indirect_collection="y", data_source="")
    response = client.post(f"/processing/activities/{activity.id}/edit", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "source à préciser" in page
    assert "Source des données non collectées auprès de la personne" in page


def test_add_rows_button_returns_more_blank_rows_without_saving(client, session, referent):
    data = form_data(add_rows="transfers")
    response = client.post("/processing/registers/ivry-sur-seine/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="transfers-1-recipient"' in page
    assert "Inscrire les enfants à l&#39;école" in page
    assert count(session, ProcessingActivity) == 0


def test_bad_input_is_400_with_messages_and_nothing_written(client, session, referent):
    data = form_data(
        name="",
        **{"subjects-0-estimated_number": "beaucoup", "transfers-0-recipient": "Hébergeur"},
    )
    response = client.post("/processing/registers/ivry-sur-seine/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Le formulaire contient" in page
    assert 'href="#subjects-0-estimated_number"' in page
    assert 'href="#transfers-0-country"' in page and "Obligatoire pour une ligne remplie" in page
    assert count(session, ProcessingActivity) == 0


def test_two_main_purposes_refused_by_the_service_on_the_row(client, session, referent):
    data = form_data(
        **{
            "purposes-1-description": "Facturer la cantine",
            "purposes-1-is_main": "y",
            "purposes-1-legal_basis": "contract",
        }
    )
    response = client.post("/processing/registers/ivry-sur-seine/new", data=data)
    assert response.status_code == 400
    assert "Une seule finalité peut être la finalité principale" in response.get_data(as_text=True)
    assert count(session, ProcessingActivity) == 0


def test_create_in_another_organisation_is_404_and_auditor_403(client, auditor, organisation):
    assert client.get("/processing/registers/gentilly/new").status_code == 404
    assert client.get("/processing/registers/ivry-sur-seine/new").status_code == 403
    response = client.post("/processing/registers/ivry-sur-seine/new", data=form_data())
    assert response.status_code == 403


def test_edit_renders_stored_rows_and_saves(client, session, referent, ours):
    page = client.get(f"/processing/activities/{ours.id}/edit").get_data(as_text=True)
    assert "Tenir la liste électorale de la commune" in page
    data = form_data(ours, **{"purposes-0-removed": ""})
    data["remove"] = ""
    data["data_categories-1-category"] = "economic_financial"
    data["data_categories-1-description"] = "Quotient familial"
    data["data_categories-1-active_period"] = "1 an"
    data["recipients-0-remove"] = "y"
    response = client.post(f"/processing/activities/{ours.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    activity = fresh(session, ours)
    assert activity.name == "Inscriptions scolaires"
    assert [c.description for c in activity.data_categories] == [
        "Nom, prénom, date de naissance",
        "Quotient familial",
    ]
    assert activity.recipients == []


def test_edit_with_a_stale_version_is_409_with_what_changed(client, session, referent, ours):
    stale = form_data(ours)
    services.update_processing(
        session,
        ours,
        check(
            ActivityUpdate,
            {"name": "Liste électorale (révisée)", "subjects": [{"category": "voters"}]},
        ),
        actor="test",
    )
    session.commit()
    response = client.post(f"/processing/activities/{ours.id}/edit", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "la fiche a changé entre-temps" in page
    assert "Liste électorale (révisée)" in page
    assert "Personnes concernées" in page
    assert fresh(session, ours).name == "Liste électorale (révisée)"


def test_edit_of_another_organisation_is_404_and_auditor_403(client, auditor, ours, theirs):
    assert (
        client.post(f"/processing/activities/{theirs.id}/edit", data=form_data()).status_code == 404
    )
    assert client.get(f"/processing/activities/{ours.id}/edit").status_code == 403


def test_edit_of_an_archived_activity_is_refused(client, session, referent, ours):
    services.archive_processing(session, ours, actor="test")
    session.commit()
    response = client.post(f"/processing/activities/{ours.id}/edit", data=form_data(ours))
    assert response.status_code == 409
    assert "archivée" in response.get_data(as_text=True)


# --- DPIA screening -----------------------------------------------------------------------------


def test_dpia_screening_saves_the_result(client, session, referent, ours):
    assert client.get(f"/processing/activities/{ours.id}/dpia").status_code == 200
    data = {
        "version": str(ours.version),
        "dpia_criteria": ["large_scale", "vulnerable_subjects"],
        "dpia_status": "not_started",
    }
    response = client.post(f"/processing/activities/{ours.id}/dpia", data=data)
    assert response.status_code == 302
    activity = fresh(session, ours)
    assert activity.dpia_required is True
    page = client.get(f"/processing/activities/{ours.id}").get_data(as_text=True)
    assert "2 critères du CEPD réunis" in page


def test_dpia_bad_input_and_stale_version(client, session, referent, ours):
    version = ours.version
    bad = {"version": str(version), "dpia_status": "completed", "dpia_criteria": ["whim"]}
    response = client.post(f"/processing/activities/{ours.id}/dpia", data=bad)
    assert response.status_code == 400
    assert fresh(session, ours).dpia_status.value == "not_started"
    services.update_processing(
        session, fresh(session, ours), check(ActivityUpdate, {"name": "Autre"}), actor="test"
    )
    session.commit()
    stale = {"version": str(version), "dpia_status": "not_started"}
    assert client.post(f"/processing/activities/{ours.id}/dpia", data=stale).status_code == 409


def test_dpia_of_auditor_is_403(client, auditor, ours):
    assert client.get(f"/processing/activities/{ours.id}/dpia").status_code == 403


# --- workflow -----------------------------------------------------------------------------------


def test_referent_submits_dpo_validates(client, session, login_as, organisation, ours):
    login_as("referent", organisation)
    response = client.post(
        f"/processing/activities/{ours.id}/submit", data={"version": str(ours.version)}
    )
    assert response.status_code == 302
    activity = fresh(session, ours)
    assert activity.status == ProcessingStatus.SUBMITTED
    assert (
        client.post(
            f"/processing/activities/{ours.id}/validate", data={"version": str(activity.version)}
        ).status_code
        == 403
    )
    client.post("/logout")
    login_as("dpo", organisation)
    response = client.post(
        f"/processing/activities/{ours.id}/validate",
        data={"version": str(activity.version), "remarks": "Conforme", "next_review_on": ""},
    )
    assert response.status_code == 302
    activity = fresh(session, ours)
    assert activity.status == ProcessingStatus.VALIDATED and activity.dpo_remarks == "Conforme"


def test_dpo_sends_back_with_remarks_required(client, session, dpo, ours):
    services.submit_processing(session, ours, actor="test")
    session.commit()
    url = f"/processing/activities/{ours.id}/send-back"
    response = client.post(url, data={"version": str(ours.version), "remarks": " "})
    assert response.status_code == 400
    assert fresh(session, ours).status == ProcessingStatus.SUBMITTED
    response = client.post(url, data={"version": str(ours.version), "remarks": "Durées ?"})
    assert response.status_code == 302
    activity = fresh(session, ours)
    assert activity.status == ProcessingStatus.DRAFT and activity.dpo_remarks == "Durées ?"
    page = client.get(f"/processing/activities/{ours.id}").get_data(as_text=True)
    assert "Remarques du délégué à la protection des données" in page


def test_workflow_stale_version_is_409_and_wrong_state_refused(client, session, referent, ours):
    stale = ours.version
    services.update_processing(
        session, ours, check(ActivityUpdate, {"name": "Autre nom"}), actor="test"
    )
    session.commit()
    url = f"/processing/activities/{ours.id}/submit"
    response = client.post(url, data={"version": str(stale)})
    assert response.status_code == 409
    assert "la fiche a changé entre-temps" in response.get_data(as_text=True)
    assert fresh(session, ours).status == ProcessingStatus.DRAFT
    assert client.post(url, data={}).status_code == 400
    activity = fresh(session, ours)
    assert client.post(url, data={"version": str(activity.version)}).status_code == 302
    activity = fresh(session, ours)
    assert client.post(url, data={"version": str(activity.version)}).status_code == 409


def test_archive_and_restore(client, session, referent, ours):
    response = client.post(
        f"/processing/activities/{ours.id}/archive", data={"version": str(ours.version)}
    )
    assert response.status_code == 302
    activity = fresh(session, ours)
    assert activity.status == ProcessingStatus.ARCHIVED
    page = client.get("/processing/registers/ivry-sur-seine/").get_data(as_text=True)
    assert "Le registre est vide" in page
    response = client.post(
        f"/processing/activities/{ours.id}/restore", data={"version": str(activity.version)}
    )
    assert response.status_code == 302
    assert fresh(session, ours).status == ProcessingStatus.DRAFT


def test_auditor_reads_but_cannot_act(client, auditor, ours):
    page = client.get(f"/processing/activities/{ours.id}").get_data(as_text=True)
    assert "Soumettre au délégué" not in page and "Télécharger la fiche (Word)" in page
    for action in ("submit", "validate", "send-back", "archive", "restore"):
        url = f"/processing/activities/{ours.id}/{action}"
        assert client.post(url, data={"version": str(ours.version)}).status_code == 403, action


# --- model processings --------------------------------------------------------------------------


@pytest.fixture
def model(session, host):
    model = template_activities.create_template(
        session,
        host,
        check(
            ActivityCreate, {"name": "Tenue de l'état civil", "description": "Actes d'état civil"}
        ),
        actor="test",
    )
    session.commit()
    return model


def test_models_pages_for_the_dpo(client, session, dpo, model):
    assert "Tenue de l&#39;état civil" in client.get("/processing/models").get_data(as_text=True)
    page = client.get(f"/processing/models/{model.id}").get_data(as_text=True)
    assert "Appliquer à des membres" in page
    assert "Ivry-sur-Seine" in page and "Gentilly" in page
    assert client.get("/processing/models/new").status_code == 200


def test_create_model(client, session, dpo, host):
    response = client.post("/processing/models/new", data=form_data(name="Gestion des listes"))
    assert response.status_code == 302
    created = session.scalar(
        select(ProcessingActivity).where(ProcessingActivity.name == "Gestion des listes")
    )
    assert created.is_model and created.organisation_id == host.id
    assert response.location.endswith(f"/processing/models/{created.id}")


def test_apply_model_to_several_members_then_push(
    client, session, dpo, model, organisation, other_organisation
):
    url = f"/processing/models/{model.id}/apply"
    assert client.post(url, data={}).status_code == 400
    response = client.post(url, data={"organisations": [organisation.id, other_organisation.id]})
    assert response.status_code == 302
    assert client.post(f"/processing/models/{model.id}/push", data={}).status_code == 400
    copies = template_activities.copies_of(session, model)
    assert {c.organisation_id for c in copies} == {organisation.id, other_organisation.id}
    ours = next(c for c in copies if c.organisation_id == organisation.id)
    services.update_processing(
        session, ours, check(ActivityUpdate, {"description": "Adaptée à Ivry"}), actor="test"
    )
    services.update_processing(
        session, model, check(ActivityUpdate, {"description": "Nouvelle description"}), actor="test"
    )
    session.commit()
    page = client.get(f"/processing/models/{model.id}").get_data(as_text=True)
    assert "Adaptée" not in page and "Description" in page
    response = client.post(f"/processing/models/{model.id}/push", data={"fields": ["description"]})
    assert response.status_code == 302
    session.expire_all()
    descriptions = {
        c.organisation_id: c.description for c in template_activities.copies_of(session, model)
    }
    assert descriptions == {
        organisation.id: "Adaptée à Ivry",
        other_organisation.id: "Nouvelle description",
    }


def test_models_are_the_dpo_s(client, referent, model):
    assert client.get("/processing/models").status_code == 403
    assert client.get(f"/processing/models/{model.id}").status_code == 403
    assert client.post(f"/processing/models/{model.id}/push", data={}).status_code == 403


# --- published versions ------------------------------------------------------------------------


def test_publish_and_list_versions(client, session, dpo, organisation, ours):
    page = client.get("/processing/registers/ivry-sur-seine/versions").get_data(as_text=True)
    assert "Aucune version publiée" in page
    response = client.post(
        "/processing/registers/ivry-sur-seine/versions", data={"note": "Avant audit"}
    )
    assert response.status_code == 302
    version = session.scalar(select(RegisterVersion))
    assert version.number == 1 and version.activity_count == 1
    page = client.get("/processing/registers/ivry-sur-seine/versions").get_data(as_text=True)
    assert "Avant audit" in page and "Intacte" in page


def test_publish_is_the_dpo_s_and_bad_input_is_400(client, session, login_as, organisation, ours):
    login_as("referent", organisation)
    url = "/processing/registers/ivry-sur-seine/versions"
    assert client.get(url).status_code == 200
    assert client.post(url, data={}).status_code == 403
    client.post("/logout")
    login_as("dpo", organisation)
    assert client.post(url, data={"note": "x" * 2001}).status_code == 400
    assert count(session, RegisterVersion) == 0
    assert client.get("/processing/registers/gentilly/versions").status_code == 404


# --- the application's page, widgets ----------------------------------------------------------


def test_application_page_lists_the_activities_relying_on_it(
    client,
    session,
    login_as,
    host,
    organisation,
    other_organisation,
    make_application,
    make_deployment,
    make_activity,
):
    app = make_application("Adagio")
    make_deployment(organisation, app)
    make_deployment(other_organisation, app)
    make_activity(organisation, name="Élections d'Ivry", application_ids=[app.id])
    make_activity(other_organisation, name="Élections de Gentilly", application_ids=[app.id])
    session.commit()
    login_as("referent", organisation)
    page = client.get(f"/applications/{app.id}").get_data(as_text=True)
    assert "Traitements de données personnelles" in page
    assert "Élections d&#39;Ivry" in page and "Gentilly" not in page


def test_dashboard_and_organisation_widgets(client, dpo, ours):
    page = client.get("/").get_data(as_text=True)
    assert "Registre des traitements" in page and "Fiches au registre" in page
    page = client.get("/organisations/ivry-sur-seine").get_data(as_text=True)
    assert "Complétude (article 30)" in page and "Ouvrir le registre d&#39;Ivry-sur-Seine" in page


# --- import -------------------------------------------------------------------------------------

CSV = (
    "reference;nom;service;finalites;categories_donnees;personnes\n"
    "ELEC-1;Listes électorales;Élections;Tenir la liste | legal_obligation | Code électoral;"
    "identity | Nom | Inscription | 1 an | destroy;voters | 30000\n"
)


def test_import_previews_then_applies(client, session, referent, organisation):
    assert client.get("/processing/registers/ivry-sur-seine/import").status_code == 200
    upload = {"file": (io.BytesIO(CSV.encode()), "registre.csv")}
    response = client.post(
        "/processing/registers/ivry-sur-seine/import",
        data=upload,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "ELEC-1 · Listes électorales" in page
    assert count(session, ProcessingActivity) == 0
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page)
    response = client.post(
        "/processing/registers/ivry-sur-seine/import/confirm", data={"token": token.group(1)}
    )
    assert response.status_code == 302
    assert count(session, ProcessingActivity) == 1


def test_import_with_errors_is_400_with_lines_and_nothing_written(client, session, referent):
    bad = CSV + "ELEC-2;Autre;;Finalité | whim;;\n"
    upload = {"file": (io.BytesIO(bad.encode()), "registre.csv")}
    response = client.post(
        "/processing/registers/ivry-sur-seine/import",
        data=upload,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "rien n" in page and "a été importé" in page and '<td class="numeric">3</td>' in page
    assert count(session, ProcessingActivity) == 0


def test_import_is_not_for_auditors(client, auditor):
    assert client.get("/processing/registers/ivry-sur-seine/import").status_code == 403
    assert client.get("/processing/registers/gentilly/import").status_code == 404


def test_xlsx_export(client, session, auditor, ours):
    response = client.post("/processing/registers/ivry-sur-seine/export.xlsx")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    assert count(session, AuditEntry, AuditEntry.action == "export") == 1


def test_publication_reaches_the_snapshot(session, organisation, ours):
    version = publish.publish_register(session, organisation, actor="test")
    assert version.content["activities"][0]["name"] == ours.name


def test_import_over_the_row_limit_is_400_and_nothing_written(
    client, session, referent, app, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    two_rows = CSV + "ELEC-2;Autre;Élections;;;\n"
    upload = {"file": (io.BytesIO(two_rows.encode()), "registre.csv")}
    response = client.post(
        "/processing/registers/ivry-sur-seine/import",
        data=upload,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "dépasse la limite de 1 lignes par import" in response.get_data(as_text=True)
    assert count(session, ProcessingActivity) == 0


def test_application_page_is_flat_in_organisations_and_pages_its_panels_apart(
    app,
    client,
    session,
    login_as,
    host,
    make_organisation,
    make_application,
    make_deployment,
    make_activity,
):
    from tests.statements import statements_of

    organisations = [make_organisation(f"Commune {index:02d}") for index in range(30)]
    login_as("dpo", host, *organisations)
    adagio = make_application("Adagio")
    session.commit()
    url = f"/applications/{adagio.id}"

    def deploy(members):
        for organisation in members:
            make_deployment(organisation, adagio)
            make_activity(
                organisation, name=f"Paie de {organisation.name}", application_ids=[adagio.id]
            )
        session.commit()

    deploy(organisations[:2])
    few = statements_of(app, client, url)
    deploy(organisations[2:20])
    assert statements_of(app, client, url) == few
    deploy(organisations[20:])

    def rows(page: str) -> tuple[int, int]:
        deployments = page.split('id="deployments"')[1].split("</section>")[0]
        panel = page.split('id="processing-panel"')[1].split("</section>")[0]
        return deployments.count("<tr class") + deployments.count("<tr>") - 1, panel.count(
            f"application_id={adagio.id}"
        )

    first = client.get(url).get_data(as_text=True)
    assert rows(first) == (25, 25)
    listed = first.split('id="deployments"')[1].split("</section>")[0]
    assert "Commune 00" in listed and "Commune 29" not in listed
    assert rows(client.get(f"{url}?deployments_page=2").get_data(as_text=True)) == (5, 25)
    assert rows(client.get(f"{url}?activities_page=2").get_data(as_text=True)) == (25, 5)
    assert f"/processing/registers/commune-00/?application_id={adagio.id}" in first


def test_application_page_groups_the_activities_once(
    app, client, session, login_as, host, make_organisation, make_application, make_activity
):
    """The processing panel's GROUP BY over the linked activities (thousands for an application
    deployed everywhere) runs once: not once to count the organisations and again for a page."""
    organisations = [make_organisation(f"Commune {index:02d}") for index in range(3)]
    login_as("dpo", host, *organisations)
    adagio = make_application("Adagio")
    for organisation in organisations:
        make_activity(
            organisation, name=f"Paie de {organisation.name}", application_ids=[adagio.id]
        )
    session.commit()
    connection = app.extensions["db"].bind
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        page = client.get(f"/applications/{adagio.id}").get_data(as_text=True)
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    grouped = [s for s in sent if "GROUP BY" in s and "processing_application" in s]
    assert len(grouped) == 1, grouped
    panel = page.split('id="processing-panel"')[1].split("</section>")[0]
    assert [name in panel for name in ("Commune 00", "Commune 01", "Commune 02")] == [True] * 3
    assert panel.index("Commune 00") < panel.index("Commune 01") < panel.index("Commune 02")
