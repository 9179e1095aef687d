"""The map's tables: normalised keys and the invariants the database itself enforces."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registers.applications.models import (
    Application,
    ApplicationFunction,
    Deployment,
    Hosting,
    Interface,
    Vendor,
    need_label,
    normalise_key,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("BERGER-LEVRAULT", "Berger Levrault"),
        ("BERGER LEVRAULT", "berger-levrault"),
        ("Mélodie", "MELODIE"),
        ("Cœur RH", "coeur rh"),
        ("i parapheur", "I-Parapheur"),
        ("AS-TECH : Fluides", "as tech fluides"),
    ],
)
def test_normalised_keys_ignore_case_accents_punctuation_and_spaces(left, right):
    assert normalise_key(left) == normalise_key(right)
    assert normalise_key(left).isalnum()


@pytest.mark.parametrize(("left", "right"), [("POLYFAC", "POLYFAC CCAS"), ("Alto", "Adagio")])
def test_different_names_keep_different_keys(left, right):
    assert normalise_key(left) != normalise_key(right)


def test_need_labels():
    assert need_label(1) == "Faible"
    assert need_label(4) == "Très fort"
    assert need_label(None) == ""


def _insert_fails(session, record):
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.add(record)
        session.flush()


def test_need_levels_are_checked_by_the_database(session):
    _insert_fails(session, Application(name="A", name_key="a", availability=5))
    _insert_fails(session, Application(name="B", name_key="b", traceability=0))
    _insert_fails(session, Application(name="C", name_key="c", rto_hours=-1))


def test_application_and_vendor_keys_are_unique(session):
    session.add(Application(name="SharePoint", name_key="sharepoint"))
    session.add(Vendor(name="SIIM94", key="siim94"))
    session.flush()
    _insert_fails(session, Application(name="SHAREPOINT", name_key="sharepoint"))
    _insert_fails(session, Vendor(name="Siim 94", key="siim94"))


def test_one_deployment_per_organisation_and_application(session, organisation):
    application = Application(name="Mélodie", name_key="melodie")
    session.add(application)
    session.flush()
    session.add(Deployment(organisation_id=organisation.id, application_id=application.id))
    session.flush()
    _insert_fails(
        session, Deployment(organisation_id=organisation.id, application_id=application.id)
    )


def test_an_interface_joins_two_different_applications(session):
    application = Application(name="Sedit.GF", name_key="seditgf")
    session.add(application)
    session.flush()
    _insert_fails(
        session,
        Interface(source_application_id=application.id, target_application_id=application.id),
    )


def test_functions_are_unique_per_application_and_domain(session):
    application = Application(name="BL SOCIAL", name_key="blsocial")
    application.functions = [ApplicationFunction(domain="Action sociale", name="Aides sociales")]
    session.add(application)
    session.flush()
    _insert_fails(
        session,
        ApplicationFunction(
            application_id=application.id, domain="Action sociale", name="Aides sociales"
        ),
    )


def test_a_deployment_inherits_the_applications_hosting_unless_it_overrides_it(
    session, organisation
):
    application = Application(name="CROSSWAY", name_key="crossway", hosting=Hosting.VENDOR_SAAS)
    deployment = Deployment(organisation_id=organisation.id, application=application)
    assert deployment.effective_hosting is Hosting.VENDOR_SAAS
    deployment.hosting = Hosting.MEMBER_SITE
    assert deployment.effective_hosting is Hosting.MEMBER_SITE


def test_outside_eu_and_domains():
    application = Application(name="i parapheur", name_key="iparapheur", domain="Finances")
    application.functions = [
        ApplicationFunction(domain="Administration générale", name="Parapheur électronique"),
        ApplicationFunction(domain="Finances", name="Signature des flux PES"),
    ]
    assert application.domains == ["Finances", "Administration générale"]
    assert not application.outside_eu
    application.hosting_country = "US"
    assert application.outside_eu
