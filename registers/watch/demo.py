"""The watch's part of the demo: four advisories on software of the shipped catalogue that the
members use (a CERT-FR notice on Libriciel's signature tools, a vendor's CVE on Sedit GF, a
critical SharePoint notice matched through the identifiers the CISO recorded, an Orphée notice
dismissed), some treatments done, one late. Dated from today, so that the late one stays late."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.admin.services import find_user
from compliance.calendar import today_in_paris
from compliance.tenancy import Organisation
from registers.applications.models import Application
from registers.watch import services
from registers.watch.models import Advisory, ApplicationIdentifier, Treatment

CISO_EMAIL = "rssi@demo.registre.invalid"


def _advisories(today):
    return [
        {
            "source": "cert_fr",
            "reference": "CERTFR-2026-AVI-0871",
            "title": "Multiples vulnérabilités dans les produits Libriciel",
            "published_on": today - timedelta(days=45),
            "severity": "high",
            "cvss_score": 8.1,
            "cve_ids": ["CVE-2026-41871", "CVE-2026-41872"],
            "products": [
                {"vendor": "Libriciel", "product": "i-Parapheur", "versions": "5.0.0 à 5.1.3"},
                {"vendor": "Libriciel", "product": "S2low", "versions": "antérieures à 5.0.44"},
            ],
            "summary": "De multiples vulnérabilités ont été découvertes dans i-Parapheur et "
            "S²LOW. Elles permettent à un attaquant authentifié de contourner la politique de "
            "sécurité et de signer un document à la place d'un autre utilisateur.",
            "workaround": "Restreindre l'accès à l'interface d'administration au réseau "
            "d'administration.",
            "link": "https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0871/",
        },
        {
            "source": "vendor",
            "reference": "CVE-2026-40112",
            "title": "Injection SQL dans le module de gestion des tiers de Sedit GF",
            "published_on": today - timedelta(days=20),
            "severity": "high",
            "cvss_score": 8.8,
            "cve_ids": ["CVE-2026-40112"],
            "products": [
                {"vendor": "Berger-Levrault", "product": "Sedit GF", "versions": "< 2025.3.2"}
            ],
            "summary": "Une injection SQL dans le module de gestion des tiers permet à un "
            "utilisateur authentifié de lire la base financière.",
            "workaround": "Retirer le droit « Gestion des tiers » aux profils qui n'en ont pas "
            "l'usage.",
            "link": "https://www.berger-levrault.com/securite/bl-sa-2026-014/",
        },
        {
            "source": "cert_fr",
            "reference": "CERTFR-2026-ALE-0012",
            "title": "Vulnérabilité critique dans Microsoft SharePoint Server",
            "published_on": today - timedelta(days=3),
            "severity": "critical",
            "cvss_score": 9.8,
            "cve_ids": ["CVE-2026-53770"],
            "products": [
                {
                    "vendor": "Microsoft",
                    "product": "SharePoint Server",
                    "versions": "2019, Subscription Edition",
                    "cpe": "cpe:2.3:a:microsoft:sharepoint_server:2019:*:*:*:*:*:*:*",
                }
            ],
            "summary": "Une vulnérabilité activement exploitée permet à un attaquant non "
            "authentifié d'exécuter du code arbitraire à distance sur les serveurs SharePoint "
            "installés sur site.",
            "workaround": "Activer l'AMSI et déployer l'antivirus sur les serveurs SharePoint ; "
            "à défaut, les isoler d'Internet.",
            "link": "https://www.cert.ssi.gouv.fr/alerte/CERTFR-2026-ALE-0012/",
        },
        {
            "source": "vendor",
            "reference": "C3RB-SA-2026-02",
            "title": "Déni de service dans le connecteur SIP2 d'Orphée",
            "published_on": today - timedelta(days=60),
            "severity": "medium",
            "cvss_score": 5.3,
            "cve_ids": [],
            "products": [
                {"vendor": "C3RB", "product": "Orphée", "versions": "connecteur SIP2 < 4.2"}
            ],
            "summary": "Une requête SIP2 malformée arrête le service de prêt des automates.",
            "link": "https://www.c3rb.org/securite/",
        },
    ]


def _application(session: Session, name: str) -> Application | None:
    return session.scalar(sa.select(Application).where(Application.name == name))


def _treatments(session: Session, advisory: Advisory, application: Application):
    match = next(m for m in advisory.matches if m.application_id == application.id)
    return {
        t.organisation_id: t
        for t in session.scalars(sa.select(Treatment).where(Treatment.match_id == match.id))
    }, match


def load(session: Session, *, actor) -> None:
    actor = find_user(session, CISO_EMAIL) or actor
    if session.scalar(sa.select(Advisory.id).limit(1)) is not None:
        return
    today = today_in_paris()
    slugs = {o.slug: o.id for o in session.scalars(sa.select(Organisation))}
    sharepoint = _application(session, "SharePoint")
    if sharepoint is not None and not session.scalar(
        sa.select(ApplicationIdentifier.id).where(
            ApplicationIdentifier.application_id == sharepoint.id
        )
    ):
        services.add_identifier(
            session,
            {
                "application_id": sharepoint.id,
                "vendor": "Microsoft",
                "product": "SharePoint Server",
                "cpe": "cpe:2.3:a:microsoft:sharepoint_server",
            },
            actor=actor,
        )
    created = {
        values["reference"]: services.create_advisory(session, values, actor=actor)
        for values in _advisories(today)
    }
    # The CISO confirmed these on the day they were published.
    for reference in ("CERTFR-2026-AVI-0871", "CVE-2026-40112"):
        advisory = created[reference]
        for match in advisory.matches:
            services.confirm_match(session, match, actor=actor, today=advisory.published_on)
    for match in created["C3RB-SA-2026-02"].matches:
        services.dismiss_match(session, match, actor=actor)
    _treat(session, created, slugs, today, actor=actor)
    session.flush()


def _treat(session: Session, created: dict, slugs: dict, today, *, actor) -> None:
    """What the members did: i parapheur patched everywhere but Ivry (late) and one city
    that filtered access; S2low patched; Sedit GF in progress, one member not affected."""
    libriciel = created["CERTFR-2026-AVI-0871"]
    parapheur = _application(session, "i parapheur")
    if parapheur is not None:
        treatments, _match = _treatments(session, libriciel, parapheur)
        for slug, treatment_id in ((s, slugs.get(s)) for s in slugs):
            treatment = treatments.get(treatment_id)
            if treatment is None or slug == "ivry-sur-seine":
                continue
            if slug == "gentilly":
                values = {
                    "state": "mitigated",
                    "mitigation": "Interface d'administration restreinte au VLAN "
                    "d'administration en attendant la montée de version.",
                }
            else:
                values = {"state": "patched", "patched_on": today - timedelta(days=30)}
            services.update_treatment(session, treatment, values, actor=actor)
    s2low = _application(session, "S2low")
    if s2low is not None:
        treatments, _match = _treatments(session, libriciel, s2low)
        for treatment in treatments.values():
            services.update_treatment(
                session,
                treatment,
                {"state": "patched", "patched_on": today - timedelta(days=38)},
                actor=actor,
            )
    sedit = _application(session, "Sedit.GF")
    if sedit is not None:
        treatments, _match = _treatments(session, created["CVE-2026-40112"], sedit)
        theatre = treatments.get(slugs.get("theatre-antoine-vitez"))
        if theatre is not None:
            services.update_treatment(
                session,
                theatre,
                {"state": "not_affected", "version_in_use": "2025.4.1"},
                actor=actor,
            )
