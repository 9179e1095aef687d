"""Demo data of the application map: the syndicate's published catalogue, imported through the
importer, then plausible deployments, interfaces, hosting, security needs and Art. 28 agreements
drawn from its 2022 activity report. Idempotent: records that exist are left as they are."""

from __future__ import annotations

from datetime import date
from importlib import resources

from sqlalchemy.orm import Session
from sqlmodel import select

from compliance.schemas import validate
from compliance.tenancy import Organisation
from registers.applications import services
from registers.applications.importer import apply_import, plan_file
from registers.applications.models import (
    Application,
    ApplicationStatus,
    DpaStatus,
    Hosting,
    Interface,
    InterfaceDirection,
    normalise_key,
)
from registers.applications.schemas import (
    ApplicationUpdate,
    DeploymentCreate,
    InterfaceCreate,
    VendorUpdate,
)

CATALOGUE = "application-catalogue.csv"

CITIES = ["arcueil", "gentilly", "ivry-sur-seine", "villejuif", "vitry-sur-seine"]
HR_FINANCE = [*CITIES, "saf-94", "sidoresto", "theatre-antoine-vitez", "siim94"]
SIGNERS = [*CITIES, "saf-94", "sidoresto", "ept-grand-orly-seine-bievre"]

# Security needs (availability, integrity, confidentiality, traceability) and RTO/RPO in hours,
# by business domain: health and civil status are the least tolerant of loss and downtime.
PROFILES = {
    "Action sociale": (2, 3, 4, 3, 48, 24),
    "Administration générale": (2, 3, 2, 3, 48, 24),
    "Affaires civiles et citoyennes": (3, 4, 3, 4, 24, 4),
    "Culture et sports": (2, 2, 2, 2, 72, 24),
    "Familles": (3, 3, 3, 3, 24, 24),
    "Finances": (3, 4, 3, 4, 24, 4),
    "Hygiène / Sécurité": (2, 3, 3, 2, 72, 24),
    "Logement": (2, 3, 3, 3, 48, 24),
    "Marchés": (2, 3, 2, 3, 72, 24),
    "Offices HLM": (3, 3, 3, 3, 24, 24),
    "RH": (3, 4, 4, 3, 24, 4),
    "Santé": (4, 4, 4, 4, 4, 1),
    "Services techniques": (2, 2, 2, 2, 72, 24),
}

# Application -> what differs from the defaults (hosted at the syndicate, in service, in France).
SPECIFICS = {
    "DOCTOLIB": {"hosting": Hosting.VENDOR_SAAS, "hds_certified": True},
    "MAXIMILIEN": {"hosting": Hosting.VENDOR_SAAS},
    "3ème Acte": {"hosting": Hosting.VENDOR_SAAS},
    "LEGALBOX": {"hosting": Hosting.VENDOR_SAAS, "status": ApplicationStatus.RETIRED},
    "AGORA": {"status": ApplicationStatus.DEPLOYING},
    "Elisa": {"software_version": "5"},
    "CROSSWAY": {"notes": "Installé dans les locaux de la ville de Villejuif depuis 2022."},
    "MAIDIS Dentaire": {"notes": "Remplacé par CROSSWAY à Villejuif en 2022."},
    "IMMOWARE ERP": {"software_version": "PIH 4.2"},
    "Sedit.GF": {"description": "Gestion financière M57, en service depuis le 1er janvier 2022."},
    "CONCERTO Opus": {"description": "Inscriptions scolaires, périscolaires et petite enfance."},
}

# (application, organisation slugs, since, functions used (empty: all), hosting override)
DEPLOYMENTS = [
    ("Sedit.GF", HR_FINANCE, date(2022, 1, 1), [], None),
    ("Décisionnel GF Coriolis", CITIES, date(2022, 1, 1), [], None),
    ("i parapheur", SIGNERS, date(2019, 9, 1), [], None),
    ("S2low", SIGNERS, date(2016, 4, 1), [], None),
    ("AIRS DELIB", CITIES, date(2017, 1, 1), [], None),
    ("SEDIT WEB2", HR_FINANCE, date(2014, 1, 1), [], None),
    ("BL Magnus N4DS", HR_FINANCE, date(2014, 1, 1), [], None),
    ("SEDIT e-congés", [*CITIES, "siim94"], date(2018, 1, 1), [], None),
    ("SEDIT e-formation", CITIES, date(2018, 1, 1), [], None),
    ("SEDIT e-médecine", ["ivry-sur-seine", "villejuif", "vitry-sur-seine"], None, [], None),
    ("Décisionnel RH", CITIES, date(2019, 1, 1), [], None),
    ("Notation - évaluation", CITIES, date(2020, 1, 1), [], None),
    ("INSER", ["ivry-sur-seine"], None, [], None),
    ("GALPE", ["vitry-sur-seine"], None, [], None),
    ("CONCERTO Opus", ["arcueil"], date(2022, 3, 1), [], None),
    ("CONCERTO Opus", ["gentilly"], date(2022, 1, 3), [], None),
    (
        "CONCERTO Opus",
        ["ivry-sur-seine", "villejuif", "vitry-sur-seine"],
        date(2017, 9, 1),
        [],
        None,
    ),
    ("Interface CONCERTO-GF", CITIES, date(2022, 1, 1), [], None),
    ("Mélodie", CITIES, date(2012, 1, 1), [], None),
    ("Adagio", CITIES, date(2012, 1, 1), [], None),
    ("Alto", CITIES, date(2017, 3, 1), [], None),
    ("Maestro Opus", CITIES, date(2015, 1, 1), [], None),
    ("Requiem", CITIES, date(2015, 1, 1), [], None),
    ("PELEHAS", CITIES, date(2015, 1, 1), [], None),
    ("IMMOWARE ERP", ["coop-ivry-habitat"], date(2016, 1, 1), [], None),
    ("IMMOWARE ERP", ["valdevy"], date(2022, 1, 1), [], Hosting.OTHER_PROVIDER),
    ("ULIS", ["valdevy"], date(2022, 1, 1), [], None),
    ("POLYFAC", ["coop-ivry-habitat"], None, [], None),
    (
        "BL SOCIAL",
        ["ivry-sur-seine"],
        date(2016, 1, 1),
        ["Aides sociales", "Aides à domicile", "Hébergement"],
        None,
    ),
    (
        "BL SOCIAL",
        ["vitry-sur-seine"],
        date(2016, 1, 1),
        ["Aides sociales", "Activités Animations", "Portage de repas"],
        None,
    ),
    ("BL SOCIAL", ["arcueil", "gentilly", "villejuif"], date(2018, 1, 1), ["Aides sociales"], None),
    ("BL NOMAD", ["ivry-sur-seine"], date(2022, 6, 1), [], None),
    ("ASWEB", ["ivry-sur-seine", "vitry-sur-seine"], None, [], None),
    ("POLYFAC CCAS", ["arcueil", "ivry-sur-seine", "villejuif", "vitry-sur-seine"], None, [], None),
    ("Elisa", ["ivry-sur-seine"], date(2015, 1, 1), [], None),
    ("MAIDIS Dentaire", ["ivry-sur-seine"], date(2015, 1, 1), [], None),
    ("CROSSWAY", ["villejuif"], date(2022, 5, 1), [], Hosting.MEMBER_SITE),
    ("DOCTOLIB", ["ivry-sur-seine", "villejuif"], date(2020, 6, 1), [], None),
    ("SVP", ["ivry-sur-seine", "villejuif"], date(2021, 1, 15), [], None),
    ("ELISE", ["ivry-sur-seine", "villejuif", "vitry-sur-seine"], None, [], None),
    ("Courrier V5", ["arcueil", "gentilly"], None, [], None),
    ("MAXIMILIEN", [*CITIES, "saf-94", "sidoresto", "siim94"], None, [], None),
    ("SharePoint", [*CITIES, "siim94"], None, [], None),
    ("3ème Acte", ["theatre-antoine-vitez"], date(2019, 9, 1), [], None),
    ("Orphée", ["ivry-sur-seine", "villejuif", "vitry-sur-seine"], None, [], None),
    ("PLANITECH", ["vitry-sur-seine"], None, [], None),
    ("AS-TECH : Interventions/ Stocks", ["villejuif", "vitry-sur-seine"], None, [], None),
    ("AS-TECH : Patrimoine", ["villejuif", "vitry-sur-seine"], None, [], None),
    ("AS-TECH : Fluides", ["vitry-sur-seine"], None, [], None),
    ("WEBDOSS", ["ivry-sur-seine", "vitry-sur-seine"], None, [], None),
    ("POLYFAC facturation TLPE", ["vitry-sur-seine"], None, [], None),
    ("POLYFAC facturation droits de voirie", ["vitry-sur-seine"], None, [], None),
]

# (source, target, direction, data, protocol, frequency)
ONE, TWO = InterfaceDirection.ONE_WAY, InterfaceDirection.TWO_WAY
INTERFACES = [
    (
        "CONCERTO Opus",
        "Sedit.GF",
        ONE,
        "Titres de recettes des familles (facturation)",
        "Interface CONCERTO-GF, fichier d'échange",
        "Mensuelle",
    ),
    (
        "POLYFAC CCAS",
        "Sedit.GF",
        ONE,
        "Titres de recettes du CCAS",
        "Fichier d'échange",
        "Mensuelle",
    ),
    ("SEDIT WEB2", "Sedit.GF", ONE, "Mandatement de la paie", "Base partagée", "Mensuelle"),
    (
        "SEDIT WEB2",
        "BL Magnus N4DS",
        ONE,
        "Déclarations sociales nominatives",
        "Base partagée",
        "Mensuelle",
    ),
    (
        "SEDIT WEB2",
        "SEDIT e-congés",
        TWO,
        "Agents, droits à congés et absences",
        "Base partagée",
        "Quotidienne",
    ),
    (
        "SEDIT WEB2",
        "Décisionnel RH",
        ONE,
        "Carrières, rémunérations, effectifs",
        "ETL",
        "Quotidienne (nuit)",
    ),
    (
        "Sedit.GF",
        "Décisionnel GF Coriolis",
        ONE,
        "Exécution budgétaire",
        "ETL",
        "Quotidienne (nuit)",
    ),
    (
        "Sedit.GF",
        "i parapheur",
        TWO,
        "Flux PES (bordereaux à signer, signés)",
        "Web service",
        "Quotidienne",
    ),
    (
        "AIRS DELIB",
        "S2low",
        ONE,
        "Actes soumis au contrôle de légalité",
        "Web service",
        "À chaque acte",
    ),
    (
        "BL SOCIAL",
        "BL NOMAD",
        TWO,
        "Plannings et pointages des aides à domicile",
        "Synchronisation mobile",
        "Quotidienne",
    ),
    ("DOCTOLIB", "Elisa", TWO, "Rendez-vous des patients", "API HTTPS", "Temps réel"),
]

VENDOR_AGREEMENTS = {
    "BERGER LEVRAULT": {
        "dpa_status": DpaStatus.SIGNED,
        "dpa_signed_on": date(2021, 12, 15),
        "dpa_reference": "Avenant RGPD n° 2021-14",
        "certifications": "ISO 27001 (hébergement)",
    },
    "ARPEGE": {
        "dpa_status": DpaStatus.SIGNED,
        "dpa_signed_on": date(2019, 3, 1),
        "dpa_reference": "Clauses art. 28 du marché 2019-03",
    },
    "DOCTOLIB": {
        "dpa_status": DpaStatus.SIGNED,
        "dpa_signed_on": date(2020, 6, 1),
        "dpa_reference": "DPA Doctolib v2020",
        "certifications": "HDS, ISO 27001",
    },
    "AAREON": {
        "dpa_status": DpaStatus.SIGNED,
        "dpa_signed_on": date(2022, 1, 1),
        "dpa_reference": "Convention transitoire 2022",
    },
    "CEGEDIM": {"dpa_status": DpaStatus.REQUESTED, "certifications": "HDS"},
    "TECHNOCARTE": {"dpa_status": DpaStatus.REQUESTED},
    "MAXIMILIEN": {"dpa_status": DpaStatus.SIGNED, "dpa_signed_on": date(2018, 5, 25)},
    "SIIM94": {
        "dpa_status": DpaStatus.NOT_APPLICABLE,
        "notes": "Logiciels développés et exploités par le syndicat.",
    },
}


def load(session: Session, *, actor) -> None:
    _import_catalogue(session, actor)
    applications = {a.name_key: a for a in session.scalars(select(Application))}
    _describe_vendors(session, actor)
    _describe_applications(session, applications, actor)
    _deploy(session, applications, actor)
    _connect(session, applications, actor)


def _import_catalogue(session: Session, actor) -> None:
    data = resources.files("compliance.reference").joinpath(CATALOGUE).read_bytes()
    plan = plan_file(session, data, CATALOGUE)
    if not plan.ok:
        raise RuntimeError(f"the shipped catalogue does not import: {plan.errors}")
    if plan.has_changes:
        apply_import(session, plan, actor=actor, source=CATALOGUE)


def _describe_vendors(session: Session, actor) -> None:
    for name, data in VENDOR_AGREEMENTS.items():
        vendor = services.find_vendor(session, name)
        if vendor is not None and vendor.country is None:  # not described yet
            changes = validate(VendorUpdate, {"country": "FR", **data})
            services.update_vendor(session, vendor, changes, actor=actor)


def _describe_applications(session: Session, applications: dict, actor) -> None:
    for application in applications.values():
        if application.availability is not None:  # already described
            continue
        profile = PROFILES.get(application.domain)
        data = {"owner": f"Chef de projet {application.domain} (SIIM94)"}
        if profile:
            data.update(zip(PROFILE_FIELDS, profile, strict=True))
        if application.domain == "Santé":
            data["hds_required"] = True
        data.update(SPECIFICS.get(application.name, {}))
        changes = validate(ApplicationUpdate, data)
        services.update_application(session, application, changes, actor=actor)


PROFILE_FIELDS = (
    "availability",
    "integrity",
    "confidentiality",
    "traceability",
    "rto_hours",
    "rpo_hours",
)


def _deploy(session: Session, applications: dict, actor) -> None:
    organisations = {o.slug: o for o in session.scalars(select(Organisation))}
    for name, slugs, since, functions, hosting in DEPLOYMENTS:
        application = applications[normalise_key(name)]
        for slug in slugs:
            organisation = organisations.get(slug)
            if organisation is None:
                continue
            if services.find_deployment(session, organisation.id, application.id) is None:
                data = {
                    "organisation_id": organisation.id,
                    "application_id": application.id,
                    "since": since,
                    "functions": functions,
                    "hosting": hosting,
                }
                values = validate(DeploymentCreate, data)
                services.create_deployment(session, values, actor=actor)


def _connect(session: Session, applications: dict, actor) -> None:
    existing = set(
        session.execute(
            select(Interface.source_application_id, Interface.target_application_id)
        ).all()
    )
    for source, target, direction, data, protocol, frequency in INTERFACES:
        ends = (applications[normalise_key(source)].id, applications[normalise_key(target)].id)
        if ends in existing:
            continue
        values = validate(
            InterfaceCreate,
            {
                "source_application_id": ends[0],
                "target_application_id": ends[1],
                "direction": direction,
                "data": data,
                "protocol": protocol,
                "frequency": frequency,
            },
        )
        services.create_interface(session, values, actor=actor)
