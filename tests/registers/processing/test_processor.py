"""The processor's register (Art. 30(2)) derived from deployments and hosting."""

from __future__ import annotations

from registers.applications.models import Hosting
from registers.processing import processor


def test_derived_from_deployments_and_hosting(
    session,
    host,
    organisation,
    other_organisation,
    make_application,
    make_deployment,
    make_activity,
):
    hosted = make_application("Civil Net RH", functions=["Paie", "Carrière"])
    saas = make_application("Doctolib", hosting="vendor_saas")
    overseas = make_application("Outil US", hosting_country="US", outside_eu_safeguard="CCT 2021")
    make_deployment(organisation, hosted)
    make_deployment(organisation, saas)
    make_deployment(organisation, overseas)
    # Gentilly runs the same software on its own site: not hosted by the syndicate for it.
    make_deployment(other_organisation, hosted, hosting="member_site")
    make_deployment(host, hosted)  # the syndicate's own use: it is controller there
    payroll = make_activity(organisation, name="Paie des agents", application_ids=[hosted.id])
    make_activity(organisation, name="Prise de rendez-vous", application_ids=[saas.id])

    register = processor.processor_register(session)
    assert register.processor.id == host.id
    (section,) = register.controllers
    assert section.organisation.id == organisation.id
    by_name = {h.application.name: h for h in section.applications}
    assert set(by_name) == {"Civil Net RH", "Outil US"}
    assert by_name["Civil Net RH"].activities == [payroll]
    assert section.categories == ["Paie des agents", "Gestion financière"]
    assert [(t.application, t.country, t.safeguard) for t in section.transfers] == [
        ("Outil US", "US", "CCT 2021")
    ]
    assert section.measures and register.general_measures


def test_archived_deployment_leaves_the_register(
    session, host, organisation, make_application, make_deployment
):
    from registers.applications import services as map_services

    deployment = make_deployment(organisation, make_application("Mélodie"))
    assert processor.processor_register(session).controllers
    map_services.archive_deployment(session, deployment, actor="test")
    assert processor.processor_register(session).controllers == []


def test_deployment_override_to_the_datacenter(
    session, host, organisation, make_application, make_deployment
):
    saas = make_application("Logiciel", hosting="vendor_saas")
    make_deployment(organisation, saas, hosting=Hosting.SYNDICATE_DATACENTER.value)
    (section,) = processor.processor_register(session).controllers
    assert section.applications[0].functions == ["Gestion financière"]
