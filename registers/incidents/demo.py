"""Demo data of the incident log: the incidents a syndicate like SIIM94 has had (the
ransomware attack of early 2023 on the shared infrastructure, a phishing campaign, a provider
outage, a lost laptop), each with its timeline, external reports and corrective actions, and
nonconformities raised by audits and reviews. Dates that decide what is late are relative to
today, so the dashboard always has overdue actions to show. Idempotent: an incident or an
action whose title exists is left as it is."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session
from sqlmodel import select

from compliance.auth import User
from compliance.i18n import PARIS
from compliance.tenancy import Organisation
from registers.applications.models import Application, normalise_key
from registers.incidents import corrective_actions as actions
from registers.incidents import incidents as services
from registers.incidents.common import FieldErrors, today
from registers.incidents.models import (
    ActionSource,
    ActionStatus,
    Classification,
    CorrectiveAction,
    DetectionSource,
    EntryKind,
    Grade,
    ImpactLevel,
    Incident,
    IncidentCategory,
    IncidentStatus,
    ReportKind,
    RootCauseMethod,
    Severity,
)

CISO_EMAIL = "rssi@demo.registre.invalid"
S, K, A = IncidentStatus, EntryKind, ActionStatus


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given in Paris time."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def ahead(days: int) -> date:
    return today() + timedelta(days=days)


def entry(moment, kind, text):
    return ("entry", moment, {"kind": kind, "text": text})


def phase(moment, target, **values):
    return ("phase", moment, {"target": target, **values})


def report(kind, made_on, reference, notes=None):
    return (
        "report",
        None,
        {"kind": kind, "made_on": made_on, "reference": reference, "notes": notes},
    )


def step(target, moment, **data):
    return (target, moment, data)


# --- the incidents ---------------------------------------------------------------------------


def ransomware() -> dict:
    d = date(2023, 1, 21)
    return {
        "title": "Rançongiciel sur l'infrastructure mutualisée",
        "organisation": "siim94",
        "category": IncidentCategory.MALWARE,
        "severity": Severity.CRITICAL,
        "detection_source": DetectionSource.INTERNAL,
        "reported_by": "Astreinte d'exploitation (Julien Marchand)",
        "occurred_at": at(d, 1, 40),
        "detected_at": at(d, 6, 50),
        "reported_at": at(d, 7, 15),
        "contained_at": at(d, 12, 30),
        "applications": [
            "Sedit.GF",
            "SEDIT WEB2",
            "CONCERTO Opus",
            "i parapheur",
            "SharePoint",
            "Courrier V5",
            "Mélodie",
        ],
        "impact_confidentiality": ImpactLevel.LIMITED,
        "impact_integrity": ImpactLevel.SEVERE,
        "impact_availability": ImpactLevel.SEVERE,
        "personal_data": True,
        "description": (
            "Dans la nuit du 20 au 21 janvier 2023, un rançongiciel a chiffré une partie des "
            "serveurs Windows du datacenter mutualisé (serveurs de fichiers, bases de données "
            "des applications financières, RH, scolaires et d'état civil).\n"
            "L'accès initial a eu lieu par le compte VPN d'un prestataire de maintenance, sans "
            "double authentification, puis par élévation de privilèges sur le domaine. Les "
            "sauvegardes sur disque, jointes au domaine, ont été en partie chiffrées ; la copie "
            "hebdomadaire sur bandes du 15 janvier était intacte.\n"
            "Une exfiltration d'environ 40 Go a été constatée dans les journaux du pare-feu."
        ),
        "impact_notes": (
            "Applications financières, RH, scolaires et d'état civil indisponibles de 3 à 15 "
            "jours pour les cinq villes, SAF 94 et SIDORESTO. Paie de janvier produite en mode "
            "dégradé, accueil des familles sur rendez-vous papier."
        ),
        "lessons_learnt": (
            "Ce qui a fonctionné : la cellule de crise réunie en moins d'une heure, l'isolement "
            "rapide du datacenter, la copie sur bandes hors domaine.\n"
            "Ce qui a manqué : la double authentification sur les accès distants, des "
            "sauvegardes déconnectées et testées, la séparation des comptes d'administration, "
            "une supervision centralisée des journaux (détection cinq heures après l'intrusion).\n"
            "Ce qui change : plan de sécurisation en quatre actions correctives, intégré au "
            "plan pluriannuel issu du parcours de cybersécurité ANSSI."
        ),
        "story": [
            entry(
                at(d, 6, 50),
                K.DETECTION,
                "Alerte de l'antivirus sur SRV-FIC-02 : fichiers "
                "renommés avec une extension inconnue, note de rançon sur les partages.",
            ),
            entry(
                at(d, 7, 40),
                K.DECISION,
                "Cellule de crise ouverte (direction générale, RSSI, "
                "DPO, responsable infrastructures). Décision d'isoler le datacenter d'internet "
                "et des réseaux des membres.",
            ),
            phase(
                at(d, 8, 5),
                S.ASSESSED,
                classification=Classification.INCIDENT,
                comment="Chiffrement en cours sur plusieurs serveurs : incident majeur.",
            ),
            phase(at(d, 8, 10), S.RESPONDING),
            entry(
                at(d, 9, 30),
                K.COMMUNICATION,
                "Message aux directions générales des cinq "
                "villes, de SAF 94, de SIDORESTO et du théâtre : applications mutualisées "
                "indisponibles jusqu'à nouvel ordre.",
            ),
            entry(
                at(d, 10, 45),
                K.COMMUNICATION,
                "Signalement au CERT-FR ; demande d'appui "
                "d'un prestataire qualifié de réponse aux incidents (PRIS).",
            ),
            entry(
                at(d, 12, 30),
                K.ACTION,
                "Confinement atteint : flux sortants coupés, comptes "
                "d'administration réinitialisés, serveurs compromis éteints et conservés pour "
                "l'analyse.",
            ),
            entry(
                at(d + timedelta(days=2), 11),
                K.COMMUNICATION,
                "Information du DPO : données "
                "personnelles probablement exfiltrées (paie, état civil). Chaque membre, "
                "responsable de traitement, évalue sa notification à la CNIL.",
            ),
            entry(
                at(d + timedelta(days=2), 16),
                K.ACTION,
                "Plainte déposée au commissariat d'Ivry-sur-Seine par la présidente du syndicat.",
            ),
            entry(
                at(d + timedelta(days=6), 18),
                K.ACTION,
                "Domaine d'administration "
                "reconstruit ; restauration des applications depuis les bandes du 15 janvier.",
            ),
            phase(
                at(date(2023, 2, 17), 18),
                S.LESSONS_LEARNT,
                comment="Toutes les applications mutualisées sont rétablies.",
            ),
            entry(
                at(date(2023, 3, 14), 14),
                K.DECISION,
                "Retour d'expérience tenu avec les "
                "membres en comité technique ; plan de sécurisation adopté.",
            ),
            phase(at(date(2023, 3, 20), 10), S.CLOSED),
            report(
                ReportKind.CERT_FR,
                d,
                "Signalement CERT-FR du 21/01/2023",
                "Appui d'un prestataire de réponse aux incidents",
            ),
            report(
                ReportKind.POLICE,
                d + timedelta(days=2),
                "Plainte n° 2023/004512",
                "Commissariat d'Ivry-sur-Seine",
            ),
            report(ReportKind.INSURER, d + timedelta(days=3), "Sinistre cyber SC-23-0087"),
            report(
                ReportKind.CNIL,
                d + timedelta(days=3),
                "Notifications des membres",
                "Une notification par responsable de traitement",
            ),
        ],
        "actions": [
            {
                "title": "Double authentification sur les accès distants",
                "opened_on": date(2023, 2, 20),
                "nonconformity": "Le compte VPN d'un prestataire donnait accès au réseau "
                "d'administration avec un simple mot de passe.",
                "location": "Passerelle VPN du datacenter",
                "requirement": "ISO 27001 A.8.5 Authentification sécurisée ; guide d'hygiène "
                "ANSSI, mesure 30",
                "grade": Grade.MAJOR,
                "immediate_correction": "Comptes VPN des prestataires désactivés.",
                "root_cause_method": RootCauseMethod.FIVE_WHYS,
                "root_causes": "Accès des prestataires jamais revus depuis 2017 ; pas de "
                "politique d'accès distant.",
                "action": "Double authentification obligatoire pour tous les accès distants "
                "(agents et prestataires), comptes nominatifs et ouverts à la demande.",
                "owner": "Responsable infrastructures (SIIM94)",
                "due_on": date(2023, 4, 30),
                "management_system_change": "Politique d'accès distant ajoutée au SMSI.",
                "steps": [
                    step(A.IN_PROGRESS, at(date(2023, 3, 1), 9)),
                    step(
                        A.IMPLEMENTED, at(date(2023, 4, 12), 17), implemented_on=date(2023, 4, 12)
                    ),
                    step(
                        A.VERIFIED_EFFECTIVE,
                        at(date(2023, 6, 15), 11),
                        check_on=date(2023, 6, 15),
                        check_method="Revue des journaux VPN sur un mois ; tentative de "
                        "connexion sans second facteur.",
                        check_result="Toutes les connexions avec second facteur ; la tentative "
                        "sans second facteur est refusée.",
                        evidence_reference="GED SMSI/Contrôles/2023-06-VPN",
                    ),
                    step(A.CLOSED, at(date(2023, 6, 20), 10)),
                ],
            },
            {
                "title": "Sauvegardes déconnectées et testées",
                "opened_on": date(2023, 2, 20),
                "nonconformity": "Les sauvegardes sur disque étaient jointes au domaine et ont "
                "été chiffrées avec les serveurs.",
                "location": "Salle serveurs du datacenter",
                "requirement": "ISO 27001 A.8.13 Sauvegarde des informations ; guide "
                "d'hygiène ANSSI, mesure 37",
                "grade": Grade.MAJOR,
                "root_cause_method": RootCauseMethod.ISHIKAWA,
                "root_causes": "Architecture de sauvegarde pensée contre la panne, pas contre "
                "l'attaque ; aucun test de restauration complet.",
                "action": "Copie immuable hors domaine, et un test de restauration complet par "
                "trimestre.",
                "owner": "Responsable infrastructures (SIIM94)",
                "due_on": date(2023, 6, 30),
                "steps": [
                    step(A.IN_PROGRESS, at(date(2023, 3, 1), 9)),
                    step(
                        A.IMPLEMENTED, at(date(2023, 6, 28), 17), implemented_on=date(2023, 6, 28)
                    ),
                    step(
                        A.VERIFIED_EFFECTIVE,
                        at(date(2023, 9, 12), 15),
                        check_on=date(2023, 9, 12),
                        check_method="Restauration complète de Sedit.GF sur un environnement "
                        "isolé.",
                        check_result="Application restaurée en 6 heures, données de la veille.",
                        evidence_reference="PV de test de restauration 2023-T3",
                    ),
                    step(A.CLOSED, at(date(2023, 9, 20), 10)),
                ],
            },
            {
                "title": "Comptes d'administration séparés par niveau",
                "opened_on": date(2023, 3, 20),
                "nonconformity": "Les administrateurs utilisaient le même compte pour les "
                "postes, les serveurs et le domaine.",
                "requirement": "ISO 27001 A.8.2 Droits d'accès privilégiés ; guide d'hygiène "
                "ANSSI, mesures 7 et 25",
                "grade": Grade.MAJOR,
                "root_cause_method": RootCauseMethod.FIVE_WHYS,
                "root_causes": "Comptes créés au fil des besoins, sans modèle d'administration ; "
                "aucune règle ne séparait les usages.",
                "action": "Modèle d'administration en niveaux : comptes et postes dédiés à "
                "l'administration du domaine.",
                "owner": "Responsable infrastructures (SIIM94)",
                "due_on": ago(60),
                "steps": [
                    step(A.IN_PROGRESS, at(date(2023, 4, 3), 9)),
                    step(A.IMPLEMENTED, at(ago(30), 17), implemented_on=ago(30)),
                ],
            },
            {
                "title": "Centraliser et surveiller les journaux de sécurité",
                "opened_on": date(2023, 3, 20),
                "nonconformity": "L'intrusion n'a été détectée que cinq heures après son début, "
                "faute de supervision des journaux.",
                "requirement": "ISO 27001 A.8.16 Activités de surveillance",
                "grade": Grade.MAJOR,
                "root_cause_method": RootCauseMethod.FIVE_WHYS,
                "root_causes": "Journaux dispersés sur chaque serveur, conservés quelques jours, "
                "lus seulement après un incident.",
                "action": "Déployer l'outil de centralisation des évènements de sécurité prévu "
                "au plan pluriannuel et définir les alertes prioritaires.",
                "owner": "RSSI (SIIM94)",
                "due_on": ago(45),
                "steps": [step(A.IN_PROGRESS, at(date(2024, 1, 8), 9))],
            },
        ],
    }


def phishing() -> dict:
    d = ago(75)
    return {
        "title": "Campagne d'hameçonnage : faux portail de l'intranet",
        "organisation": "ivry-sur-seine",
        "category": IncidentCategory.PHISHING,
        "severity": Severity.MEDIUM,
        "detection_source": DetectionSource.USER,
        "reported_by": "Service des ressources humaines d'Ivry-sur-Seine",
        "occurred_at": at(d, 8, 10),
        "detected_at": at(d, 9, 5),
        "reported_at": at(d, 9, 20),
        "contained_at": at(d, 13),
        "applications": ["SharePoint"],
        "organisations": ["vitry-sur-seine", "villejuif"],
        "impact_confidentiality": ImpactLevel.LIMITED,
        "impact_integrity": ImpactLevel.NONE,
        "impact_availability": ImpactLevel.NONE,
        "personal_data": False,
        "description": (
            "Un courriel imitant la page de connexion de l'intranet a été reçu par environ 300 "
            "agents d'Ivry-sur-Seine, de Vitry-sur-Seine et de Villejuif. Trois agents ont saisi "
            "leur mot de passe sur la fausse page."
        ),
        "impact_notes": "Trois comptes compromis pendant moins de quatre heures ; aucun accès "
        "frauduleux constaté dans les journaux de l'intranet.",
        "story": [
            entry(
                at(d, 9, 5),
                K.DETECTION,
                "Une agente des ressources humaines transfère le courriel suspect à l'assistance.",
            ),
            phase(at(d, 9, 40), S.ASSESSED, classification=Classification.INCIDENT),
            phase(at(d, 9, 45), S.RESPONDING),
            entry(
                at(d, 10, 15),
                K.ACTION,
                "Adresse de la fausse page bloquée sur le filtrage web ; "
                "courriels supprimés des boîtes.",
            ),
            entry(
                at(d, 11), K.COMMUNICATION, "Message d'alerte à tous les agents des trois villes."
            ),
            entry(
                at(d, 13),
                K.ACTION,
                "Mots de passe des trois comptes réinitialisés, sessions "
                "fermées ; journaux vérifiés.",
            ),
            phase(at(d + timedelta(days=2), 17), S.LESSONS_LEARNT),
            report(ReportKind.OTHER, d, "Adresse signalée à Phishing Initiative"),
        ],
        "actions": [
            {
                "title": "Exercice d'hameçonnage et sensibilisation",
                "opened_on": d + timedelta(days=3),
                "nonconformity": "Trois agents ont saisi leur mot de passe sur une page "
                "frauduleuse.",
                "requirement": "ISO 27001 A.6.3 Sensibilisation ; guide d'hygiène ANSSI, mesure 3",
                "grade": Grade.MINOR,
                "root_cause_method": RootCauseMethod.FIVE_WHYS,
                "root_causes": "Aucune sensibilisation à l'hameçonnage depuis l'arrivée des "
                "agents ; pas de signalement simple des courriels douteux.",
                "action": "Session de sensibilisation dans les trois villes, puis exercice "
                "d'hameçonnage simulé.",
                "owner": "RSSI (SIIM94) avec les référents des villes",
                "due_on": ago(25),
                "steps": [
                    step(A.IN_PROGRESS, at(d + timedelta(days=10), 9)),
                    step(A.IMPLEMENTED, at(ago(20), 17), implemented_on=ago(20)),
                ],
            },
            {
                "title": "Double authentification sur l'intranet",
                "opened_on": d + timedelta(days=3),
                "nonconformity": "Le mot de passe seul suffit pour se connecter à l'intranet "
                "depuis internet.",
                "requirement": "ISO 27001 A.8.5 Authentification sécurisée",
                "grade": Grade.MINOR,
                "action": "Activer la double authentification pour les connexions depuis "
                "l'extérieur.",
                "owner": "Responsable des applications transverses (SIIM94)",
                "due_on": ahead(60),
                "steps": [],
            },
        ],
    }


def outage() -> dict:
    d = ago(40)
    return {
        "title": "Indisponibilité de la plateforme de marchés publics",
        "organisation": "siim94",
        "category": IncidentCategory.PROVIDER_OUTAGE,
        "severity": Severity.MEDIUM,
        "detection_source": DetectionSource.PROVIDER,
        "reported_by": "Support de l'éditeur",
        "detected_at": at(d, 9, 30),
        "reported_at": at(d, 9, 45),
        "contained_at": at(d, 11),
        "applications": ["MAXIMILIEN"],
        "impact_confidentiality": ImpactLevel.NONE,
        "impact_integrity": ImpactLevel.NONE,
        "impact_availability": ImpactLevel.SIGNIFICANT,
        "personal_data": False,
        "description": (
            "Panne du profil acheteur hébergé par l'éditeur : dépôt des offres impossible "
            "pendant sept heures, le jour de la clôture de deux consultations."
        ),
        "lessons_learnt": "Les acheteurs n'avaient pas de consigne pour une panne le jour d'une "
        "clôture ; l'éditeur a informé tardivement.",
        "story": [
            entry(
                at(d, 9, 30),
                K.DETECTION,
                "Message de l'éditeur : incident sur son hébergement, plateforme inaccessible.",
            ),
            phase(at(d, 9, 50), S.ASSESSED, classification=Classification.INCIDENT),
            phase(at(d, 10), S.RESPONDING),
            entry(
                at(d, 11),
                K.DECISION,
                "Report de la date limite de dépôt des deux "
                "consultations, publié sur la plateforme dès son retour.",
            ),
            entry(at(d, 16, 45), K.ACTION, "Plateforme rétablie par l'éditeur ; dépôts vérifiés."),
            phase(at(d, 17), S.LESSONS_LEARNT),
            phase(at(d + timedelta(days=5), 10), S.CLOSED),
        ],
        "actions": [
            {
                "title": "Procédure de dépôt en cas de panne de la plateforme",
                "opened_on": d + timedelta(days=5),
                "nonconformity": "Aucune procédure de continuité pour les dépôts d'offres.",
                "requirement": "ISO 27001 A.5.30 Préparation des TIC pour la continuité",
                "grade": Grade.MINOR,
                "action": "Rédiger avec les acheteurs des membres la procédure de report et de "
                "dépôt de secours ; l'inscrire aux clauses du marché.",
                "owner": "Responsable du pôle applications (SIIM94)",
                "due_on": ago(10),
                "steps": [],
            }
        ],
    }


def lost_laptop() -> dict:
    d = ago(12)
    return {
        "title": "Perte d'un ordinateur portable non chiffré",
        "organisation": "valdevy",
        "category": IncidentCategory.LOSS_OR_THEFT,
        "severity": Severity.HIGH,
        "detection_source": DetectionSource.USER,
        "reported_by": "Mme Leroy, chargée de clientèle (agence de Villejuif)",
        "occurred_at": at(d - timedelta(days=1), 18, 30),
        "detected_at": at(d, 8, 15),
        "reported_at": at(d, 8, 40),
        "contained_at": at(d, 10),
        "applications": ["IMMOWARE ERP"],
        "impact_confidentiality": ImpactLevel.SIGNIFICANT,
        "impact_integrity": ImpactLevel.NONE,
        "impact_availability": ImpactLevel.LIMITED,
        "personal_data": True,
        "description": (
            "Ordinateur portable perdu dans les transports la veille au soir. Le disque n'était "
            "pas chiffré ; il contenait des exports de la gestion locative (locataires, "
            "impayés)."
        ),
        "story": [
            entry(at(d, 8, 15), K.DETECTION, "L'agente signale la perte à son responsable."),
            phase(
                at(d, 9),
                S.ASSESSED,
                classification=Classification.INCIDENT,
                comment="Données de locataires sur un disque non chiffré.",
            ),
            phase(at(d, 9, 5), S.RESPONDING),
            entry(
                at(d, 10),
                K.ACTION,
                "Compte de l'agente désactivé, mots de passe "
                "réinitialisés, poste révoqué de l'accès distant.",
            ),
            entry(
                at(d, 14),
                K.COMMUNICATION,
                "DPO informé : évaluation de la violation de "
                "données et du risque pour les locataires.",
            ),
            report(ReportKind.POLICE, d, "Déclaration de perte", "Commissariat de Villejuif"),
        ],
        "actions": [
            {
                "title": "Chiffrer le disque de tous les postes nomades",
                "opened_on": d + timedelta(days=1),
                "nonconformity": "Des postes nomades de Valdevy ne sont pas chiffrés.",
                "location": "Parc de postes nomades de Valdevy",
                "requirement": "ISO 27001 A.8.1 Terminaux utilisateurs ; guide d'hygiène ANSSI, "
                "mesure 19",
                "grade": Grade.MAJOR,
                "immediate_correction": "Inventaire des postes nomades non chiffrés.",
                "action": "Chiffrement du disque de chaque poste nomade, contrôlé à la connexion.",
                "owner": "Référent informatique de Valdevy",
                "due_on": ahead(30),
                "steps": [step(A.IN_PROGRESS, at(d + timedelta(days=2), 9))],
            }
        ],
    }


# --- nonconformities without an incident ---------------------------------------------------


def other_actions() -> list[dict]:
    return [
        {
            "title": "Politique de mots de passe non conforme",
            "organisation": "siim94",
            "source": ActionSource.EXTERNAL_AUDIT,
            "source_reference": "Audit du parcours de cybersécurité ANSSI, rapport du 14/11/2022",
            "opened_on": date(2022, 11, 15),
            "nonconformity": "Mots de passe de huit caractères sans renouvellement en cas de "
            "compromission.",
            "requirement": "Guide d'hygiène ANSSI, mesure 10",
            "grade": Grade.MINOR,
            "root_cause_method": RootCauseMethod.FIVE_WHYS,
            "root_causes": "Stratégie de groupe héritée de 2012, jamais revue au regard du "
            "guide d'hygiène.",
            "action": "Nouvelle politique de mots de passe appliquée par stratégie de groupe.",
            "owner": "Responsable infrastructures (SIIM94)",
            "due_on": date(2023, 3, 31),
            "steps": [
                step(A.IN_PROGRESS, at(date(2022, 12, 1), 9)),
                step(A.IMPLEMENTED, at(date(2023, 3, 15), 17), implemented_on=date(2023, 3, 15)),
                step(
                    A.VERIFIED_EFFECTIVE,
                    at(date(2023, 5, 10), 11),
                    check_on=date(2023, 5, 10),
                    check_method="Audit des stratégies de groupe et test de création de compte.",
                    check_result="Politique appliquée à tous les comptes du domaine.",
                    evidence_reference="GED SMSI/Contrôles/2023-05-MDP",
                ),
                step(A.CLOSED, at(date(2023, 5, 15), 10)),
            ],
        },
        {
            "title": "Revue annuelle des droits d'accès aux applications RH",
            "organisation": "siim94",
            "source": ActionSource.INTERNAL_AUDIT,
            "source_reference": "Audit interne du SMSI",
            "opened_on": ago(200),
            "nonconformity": "La revue annuelle des habilitations de SEDIT WEB2 n'a pas été "
            "faite ; douze comptes d'agents partis restaient actifs.",
            "location": "SEDIT WEB2",
            "requirement": "ISO 27001 A.5.18 Droits d'accès",
            "grade": Grade.MINOR,
            "immediate_correction": "Les douze comptes ont été désactivés.",
            "action": "Revue annuelle des habilitations avec chaque direction des ressources "
            "humaines, et départs transmis par le logiciel RH.",
            "owner": "Chef de projet RH (SIIM94)",
            "due_on": ago(20),
            "steps": [step(A.IN_PROGRESS, at(ago(150), 9))],
        },
        {
            "title": "Verrouillage automatique des sessions",
            "organisation": "siim94",
            "source": ActionSource.SELF_IDENTIFIED,
            "opened_on": ago(180),
            "nonconformity": "Des postes d'accueil restent ouverts sans surveillance.",
            "requirement": "ISO 27001 A.8.1 Terminaux utilisateurs",
            "grade": Grade.OBSERVATION,
            "root_cause_method": RootCauseMethod.OTHER,
            "root_causes": "Aucun paramètre de verrouillage dans le modèle de poste d'accueil.",
            "action": "Verrouillage après cinq minutes d'inactivité sur tous les postes.",
            "owner": "Responsable du support (SIIM94)",
            "due_on": ago(120),
            "steps": [
                step(A.IMPLEMENTED, at(ago(125), 17), implemented_on=ago(125)),
                step(
                    A.NOT_EFFECTIVE,
                    at(ago(60), 11),
                    check_on=ago(60),
                    check_method="Visite de cinq accueils.",
                    check_result="Deux accueils avaient désactivé le verrouillage pour un "
                    "écran d'affichage.",
                ),
            ],
        },
        {
            "title": "Indicateurs du SMSI non suivis",
            "organisation": "siim94",
            "source": ActionSource.MANAGEMENT_REVIEW,
            "source_reference": "Revue de direction annuelle",
            "opened_on": ago(30),
            "nonconformity": "Les indicateurs de sécurité définis ne sont pas mesurés.",
            "requirement": "ISO 27001 § 9.1 Surveillance, mesure, analyse et évaluation",
            "grade": Grade.OBSERVATION,
            "action": "Tableau de bord trimestriel des indicateurs présenté au comité de "
            "direction.",
            "owner": "RSSI (SIIM94)",
            "due_on": ahead(90),
            "steps": [],
        },
    ]


# --- loading ---------------------------------------------------------------------------------


def incidents() -> tuple[dict, ...]:
    return (ransomware(), phishing(), outage(), lost_laptop())


def closing(title: str) -> tuple[datetime, dict] | None:
    """When and how the story of the demo incident `title` closes it, if it does. An incident
    that may involve personal data closes only once the DPO has decided for each controller:
    the breach register's demo records those decisions, then closes it."""
    for spec in incidents():
        if spec["title"] != title:
            continue
        for kind, moment, values in spec["story"]:
            if kind == "phase" and values["target"] == S.CLOSED:
                extra = {k: v for k, v in values.items() if k != "target"}
                if spec.get("lessons_learnt"):
                    extra["lessons_learnt"] = spec["lessons_learnt"]
                return moment, extra
    return None


def load(session: Session, *, actor) -> None:
    actor = session.scalar(select(User).where(User.email == CISO_EMAIL)) or actor
    organisations = {o.slug: o for o in session.scalars(select(Organisation))}
    applications = {a.name_key: a for a in session.scalars(select(Application))}
    if "siim94" not in organisations:
        return
    for spec in incidents():
        if session.scalar(select(Incident.id).where(Incident.title == spec["title"])) is None:
            _incident(session, spec, organisations, applications, actor)
    for spec in other_actions():
        exists = select(CorrectiveAction.id).where(CorrectiveAction.title == spec["title"])
        if session.scalar(exists) is None:
            organisation = organisations[spec.pop("organisation")]
            _action(session, {**spec, "organisation_id": organisation.id}, actor)


def _incident(session, spec: dict, organisations: dict, applications: dict, actor) -> None:
    spec = dict(spec)
    story, planned = spec.pop("story"), spec.pop("actions")
    lessons = spec.pop("lessons_learnt", None)
    names, slugs = spec.pop("applications", []), spec.pop("organisations", [])
    data = {
        **spec,
        "organisation_id": organisations[spec.pop("organisation")].id,
        "application_ids": [
            applications[normalise_key(n)].id for n in names if normalise_key(n) in applications
        ],
        "organisation_ids": [organisations[s].id for s in slugs if s in organisations],
    }
    data.pop("organisation")
    incident = services.create_incident(session, data, actor=actor)
    for kind, moment, values in story:
        if kind == "entry":
            services.add_timeline_entry(session, incident, {**values, "at": moment}, actor=actor)
        elif kind == "report":
            services.add_external_report(session, incident, values, actor=actor)
        else:
            if values["target"] == S.CLOSED and lessons:
                values = {**values, "lessons_learnt": lessons}
            try:
                services.transition_incident(
                    session, incident, values.pop("target"), at=moment, actor=actor, **values
                )
            except FieldErrors as error:
                # Closing waits for each controller's breach decision (see `closing`).
                if "controllers" not in error.errors:
                    raise
    if lessons and not incident.lessons_learnt:
        services.update_incident(session, incident, {"lessons_learnt": lessons}, actor=actor)
    for action in planned:
        _action(
            session,
            {**action, "source": ActionSource.INCIDENT, "incident_id": incident.id},
            actor,
        )


def _action(session, spec: dict, actor) -> None:
    spec = dict(spec)
    steps = spec.pop("steps")
    action = actions.create_action(session, spec, actor=actor)
    for target, moment, data in steps:
        actions.transition_action(session, action, target, data, at=moment, actor=actor)
