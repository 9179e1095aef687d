"""The demo's processing activities, as a French DPO of the syndicate's members would write them:
each one's purposes and legal texts, data and retention (from the archives instructions), people
concerned in the orders of magnitude of the 2022 activity report, recipients, measures, DPIA
screening, and the catalogue software that supports it."""

from __future__ import annotations

from datetime import date, timedelta

# Dates relative to the day the demo is loaded, so that it never shows reviews long overdue.
TODAY = date.today()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def in_days(days: int) -> date:
    return TODAY + timedelta(days=days)


CITIES = ["arcueil", "gentilly", "ivry-sur-seine", "villejuif", "vitry-sur-seine"]
# 97 437 registered voters in the five cities (2022 activity report).
VOTERS = {
    "arcueil": 8_100,
    "gentilly": 5_937,
    "ivry-sur-seine": 27_500,
    "villejuif": 22_900,
    "vitry-sur-seine": 33_000,
}
# 12 500 payslips a month across the members using the shared payroll software.
PAYSLIPS = {
    "arcueil": 950,
    "gentilly": 820,
    "ivry-sur-seine": 3_350,
    "villejuif": 2_350,
    "vitry-sur-seine": 3_900,
    "saf-94": 560,
    "sidoresto": 310,
    "theatre-antoine-vitez": 90,
    "siim94": 170,
}
# 66 926 patients of the municipal health centres; 19 000 active housing applications.
PATIENTS = {"ivry-sur-seine": 38_400, "villejuif": 28_526}
HOUSING_APPLICATIONS = {"valdevy": 11_500, "coop-ivry-habitat": 7_500}

ARCHIVES = "Instruction DAF/DPACI/RES/2009/018 du 28 août 2009 (archives des collectivités)"
NIR_DECREE = "Décret n° 2019-341 du 19 avril 2019 (traitements autorisés à utiliser le NIR)"


def purpose(description, basis, text=None, *, main=False) -> dict:
    return {"description": description, "legal_basis": basis, "legal_text": text, "is_main": main}


def data(category, description, active, dua=None, fate=None, source=ARCHIVES, criterion=None):
    return {
        "category": category,
        "description": description,
        "active_period": active,
        "intermediate_period": dua,
        "final_fate": fate,
        "retention_source": source,
        "retention_criterion": criterion,
    }


def people(category, number=None, details=None) -> dict:
    return {"category": category, "estimated_number": number, "details": details}


def recipient(kind, name, details=None, vendor=None) -> dict:
    # `vendor`: a vendor's name, resolved to its id by the loader.
    return {"recipient_type": kind, "name": name, "details": details, "vendor": vendor}


def measure(family, details) -> dict:
    return {"family": family, "details": details}


HOSTED_MEASURES = [
    measure("access_control", "Comptes nominatifs par agent, profils par service, revue annuelle"),
    measure("traceability", "Journalisation des consultations et modifications (1 an)"),
    measure("backups", "Sauvegardes quotidiennes au datacenter du SIIM94, copie hors site"),
    measure("processor_control", "Clauses art. 28 dans le marché de l'éditeur"),
]


# --- the model processing of the DPO ------------------------------------------------------------

CIVIL_STATUS_MODEL = {
    "reference": "MOD-EC-01",
    "name": "Tenue de l'état civil",
    "description": (
        "Établissement, conservation et mise à jour des actes de naissance, de reconnaissance, "
        "de mariage, de PACS et de décès ; délivrance des copies et extraits."
    ),
    "responsible_service": "Service de l'état civil",
    "purposes": [
        purpose(
            "Établir et conserver les actes de l'état civil",
            "public_task",
            "Code civil, art. 34 à 101-2 ; décret n° 2017-890 du 6 mai 2017",
            main=True,
        ),
        purpose(
            "Délivrer les copies intégrales et extraits d'actes",
            "legal_obligation",
            "Décret n° 2017-890 du 6 mai 2017, art. 29 à 33",
        ),
        purpose(
            "Transmettre les avis de mention et les informations à l'INSEE",
            "legal_obligation",
            "Code civil, art. 49 ; décret n° 82-103 du 22 janvier 1982 (RNIPP)",
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Nom, prénoms, sexe, date et lieu de naissance, filiation, domicile",
            "Registres : conservation illimitée en mairie",
            "Versement aux archives au-delà de 100 ans",
            "keep",
            "Code du patrimoine, art. L. 212-11 et L. 213-2 ; IGREC",
        ),
        data(
            "personal_life",
            "Situation matrimoniale, mentions marginales",
            "Durée de vie du registre",
            "Sans objet : le registre reste en mairie jusqu'à son versement",
            "keep",
            "Code du patrimoine, art. L. 213-2 (communicabilité à 75 ans)",
        ),
        data(
            "professional_life",
            "Profession des parties et des témoins",
            "Durée de vie du registre",
            "Sans objet : le registre reste en mairie jusqu'à son versement",
            "keep",
            "Code du patrimoine, art. L. 212-11",
        ),
    ],
    "subjects": [
        people("residents", details="Personnes nées, mariées, pacsées ou décédées dans la commune"),
        people("families", details="Parents, déclarants, témoins"),
    ],
    "recipients": [
        recipient("internal", "Service de l'état civil"),
        recipient("institutional_partner", "INSEE", "Avis de naissance et de décès (RNIPP)"),
        recipient("institutional_partner", "Procureur de la République", "Contrôle des registres"),
        recipient("institutional_partner", "Officiers d'état civil des autres communes"),
        recipient("processor", "ARPEGE", "Maintenance du logiciel Mélodie", vendor="ARPEGE"),
    ],
    "security_measures": [
        *HOSTED_MEASURES,
        measure("other", "Registres papier en armoire forte ignifugée"),
    ],
    "applications": ["Mélodie"],
    "dpia_criteria": ["large_scale"],
    "dpia_screening_notes": "Données d'identité sans donnée sensible : un seul critère.",
}


# --- the activities, by organisation ------------------------------------------------------------


def elections(slug: str) -> dict:
    return {
        "reference": "EL-01",
        "name": "Gestion de la liste électorale et organisation des scrutins",
        "responsible_service": "Service des élections",
        "purposes": [
            purpose(
                "Tenir la liste électorale de la commune (répertoire électoral unique)",
                "legal_obligation",
                "Code électoral, art. L. 11 à L. 20 et R. 2 à R. 20",
                main=True,
            ),
            purpose(
                "Organiser les scrutins : bureaux de vote, assesseurs, procurations",
                "legal_obligation",
                "Code électoral, art. L. 71 à L. 78 et R. 40 à R. 44",
            ),
            purpose(
                "Tenir la liste des jurés d'assises",
                "legal_obligation",
                "Code de procédure pénale, art. 261 à 267",
            ),
        ],
        "indirect_collection": True,
        "data_source": (
            "Répertoire électoral unique tenu par l'INSEE (inscriptions d'office, radiations) ; "
            "procurations transmises par le ministère de l'intérieur (Maprocuration)"
        ),
        "data_categories": [
            data(
                "identity",
                "Nom, prénoms, date et lieu de naissance, adresse, nationalité",
                "Durée de l'inscription",
                "1 an après la radiation",
                "destroy",
            ),
            data(
                "identity",
                "Listes d'émargement",
                "Jusqu'à l'expiration des délais de recours",
                "6 mois",
                "sort",
                "Code électoral, art. L. 68 ; " + ARCHIVES,
            ),
        ],
        "subjects": [
            people("voters", VOTERS[slug], "Électeurs inscrits (2022)"),
            people("residents", details="Assesseurs, mandataires de procurations"),
        ],
        "recipients": [
            recipient("internal", "Service des élections"),
            recipient("institutional_partner", "INSEE", "Répertoire électoral unique (REU)"),
            recipient("institutional_partner", "Préfecture", "Listes et résultats"),
            recipient(
                "other",
                "Candidats et partis politiques",
                "Communication de la liste électorale (Code électoral, art. L. 37)",
            ),
            recipient("processor", "ARPEGE", "Maintenance du logiciel Adagio", vendor="ARPEGE"),
        ],
        "security_measures": HOSTED_MEASURES,
        "applications": ["Adagio"],
        "dpia_criteria": ["large_scale"],
        "dpia_screening_notes": "Traitement à grande échelle, sans autre critère.",
    }


def payroll(slug: str) -> dict:
    return {
        "reference": "RH-01",
        "name": "Gestion administrative du personnel et paie",
        "responsible_service": "Direction des ressources humaines",
        "purposes": [
            purpose(
                "Calculer et verser la rémunération des agents",
                "legal_obligation",
                "Code général de la fonction publique, art. L. 712-1",
                main=True,
            ),
            purpose(
                "Gérer les carrières, les absences et les congés",
                "legal_obligation",
                "Code général de la fonction publique, livres IV et V",
            ),
            purpose(
                "Déclarer les cotisations (DSN) et le prélèvement à la source",
                "legal_obligation",
                "Code de la sécurité sociale, art. L. 133-5-3 ; CGI, art. 204 A",
            ),
        ],
        "data_categories": [
            data(
                "identity",
                "État civil, adresse, coordonnées, situation familiale",
                "Durée de la carrière dans la collectivité",
                "Jusqu'aux 80 ans de l'agent",
                "sort",
            ),
            data(
                "professional_life",
                "Carrière, grade, affectation, formation, évaluation",
                "Durée de la carrière dans la collectivité",
                "Jusqu'aux 80 ans de l'agent",
                "sort",
            ),
            data(
                "economic_financial",
                "Rémunération, coordonnées bancaires, taux de prélèvement à la source",
                "Année en cours",
                "5 ans (doubles des bulletins de paie)",
                "destroy",
            ),
        ],
        "special_categories": [
            {"category": "health", "condition": "b", "details": "Congés de maladie, aptitude"},
            {"category": "trade_union", "condition": "b", "details": "Décharges d'activité"},
        ],
        "nir_used": True,
        "nir_legal_text": "Code de la sécurité sociale, art. L. 133-5-3 ; " + NIR_DECREE,
        "subjects": [
            people("staff", PAYSLIPS[slug], "Agents titulaires et contractuels payés chaque mois"),
            people("elected_members", details="Indemnités de fonction"),
        ],
        "recipients": [
            recipient("internal", "Direction des ressources humaines"),
            recipient(
                "institutional_partner", "Comptable public (DGFiP)", "Mandatement de la paie"
            ),
            recipient("institutional_partner", "URSSAF, CNRACL, IRCANTEC", "DSN"),
            recipient("institutional_partner", "DGFiP", "Prélèvement à la source"),
            recipient(
                "processor",
                "BERGER-LEVRAULT",
                "Maintenance de SEDIT WEB2",
                vendor="BERGER-LEVRAULT",
            ),
        ],
        "security_measures": [
            *HOSTED_MEASURES,
            measure("encryption", "Fichiers DSN transmis chiffrés (net-entreprises)"),
        ],
        "applications": ["SEDIT WEB2", "BL Magnus N4DS", "SEDIT e-congés"],
        "dpia_criteria": ["sensitive_data"],
        "dpia_screening_notes": "Données de santé limitées aux absences ; pas de profilage.",
    }


IVRY_SCHOOL = {
    "reference": "FA-01",
    "name": "Inscriptions scolaires, périscolaires et petite enfance ; facturation aux familles",
    "responsible_service": "Direction de l'enfance et de l'éducation",
    "purposes": [
        purpose(
            "Inscrire les enfants dans les écoles de la commune",
            "legal_obligation",
            "Code de l'éducation, art. L. 131-5 et L. 131-6",
            main=True,
        ),
        purpose(
            "Inscrire aux accueils périscolaires, à la restauration et en crèche",
            "public_task",
            "Code de l'éducation, art. L. 551-1 ; CASF, art. L. 214-1 ; CGCT, art. L. 2121-29",
        ),
        purpose(
            "Calculer le quotient familial et facturer les familles",
            "public_task",
            "CGCT, art. L. 2331-2 et R. 2342-4",
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Enfants et responsables légaux : nom, prénoms, date de naissance, adresse",
            "Scolarité dans la commune",
            "1 an",
            "destroy",
        ),
        data(
            "personal_life",
            "Composition du foyer, autorisations de sortie, personnes à prévenir",
            "Année scolaire en cours",
            "1 an",
            "destroy",
        ),
        data(
            "economic_financial",
            "Revenus, quotient familial, numéro d'allocataire CAF, factures et paiements",
            "Année scolaire en cours",
            "10 ans (pièces justificatives comptables)",
            "destroy",
        ),
    ],
    "special_categories": [
        {
            "category": "health",
            "condition": "g",
            "details": "Projet d'accueil individualisé (allergies, régimes alimentaires)",
        }
    ],
    "subjects": [
        people("children", 9_800, "Enfants scolarisés et accueillis"),
        people("families", 14_200, "Responsables légaux"),
    ],
    "recipients": [
        recipient("internal", "Direction de l'enfance et de l'éducation"),
        recipient("institutional_partner", "Éducation nationale (directeurs d'école)"),
        recipient("institutional_partner", "CAF du Val-de-Marne", "Consultation CDAP du quotient"),
        recipient("institutional_partner", "Comptable public (DGFiP)", "Titres de recettes"),
        recipient("processor", "ARPEGE", "Maintenance de CONCERTO Opus", vendor="ARPEGE"),
    ],
    "security_measures": [
        *HOSTED_MEASURES,
        measure("encryption", "Portail familles en HTTPS, paiement en ligne PayFiP"),
    ],
    "applications": ["CONCERTO Opus", "Interface CONCERTO-GF", "Sedit.GF"],
    "dpia_criteria": ["vulnerable_subjects", "matching_datasets", "large_scale"],
    "dpia_status": "in_progress",
    "dpia_screening_notes": "Enfants, croisement avec les données CAF, grande échelle.",
}

IVRY_SOCIAL = {
    "reference": "AS-01",
    "name": "Instruction et suivi des aides sociales (CCAS)",
    "responsible_service": "Centre communal d'action sociale",
    "role": "joint_controller",
    "other_controllers": "Centre communal d'action sociale d'Ivry-sur-Seine (établissement public)",
    "joint_arrangement": (
        "Convention de gestion ville / CCAS du 12 janvier 2019, art. 6 (RGPD) : le CCAS informe "
        "les demandeurs et reçoit leurs demandes d'exercice des droits ; la ville tient "
        "le logiciel."
    ),
    "indirect_collection": True,
    "data_source": (
        "Caisse d'allocations familiales (quotient familial, via CDAP) et Département "
        "(décisions d'aide sociale légale)"
    ),
    "purposes": [
        purpose(
            "Instruire les demandes d'aide sociale légale et les transmettre au Département",
            "legal_obligation",
            "CASF, art. L. 123-5, L. 131-1 et R. 123-5",
            main=True,
        ),
        purpose(
            "Attribuer les aides facultatives",
            "public_task",
            "CASF, art. L. 123-5 ; règlement des aides facultatives du CCAS",
        ),
        purpose(
            "Organiser l'aide à domicile et le portage de repas",
            "public_task",
            "CASF, art. L. 312-1 (6°)",
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Demandeur et foyer : identité, adresse",
            "Instruction et versement",
            "5 ans après la clôture du dossier",
            "sort",
        ),
        data(
            "economic_financial",
            "Ressources, charges, dettes, aides perçues",
            "Instruction et versement",
            "5 ans après la clôture du dossier",
            "sort",
        ),
        data(
            "personal_life",
            "Situation familiale et de logement",
            "Instruction et versement",
            "5 ans après la clôture du dossier",
            "sort",
        ),
    ],
    "special_categories": [
        {"category": "health", "condition": "h", "details": "Handicap, perte d'autonomie"}
    ],
    "nir_used": True,
    "nir_legal_text": "CASF, art. L. 262-40 et R. 131-1 ; " + NIR_DECREE,
    "subjects": [
        people("vulnerable", 4_100, "Demandeurs d'aides légales et facultatives (2022)"),
        people("residents", 900, "Bénéficiaires de l'aide à domicile et du portage"),
    ],
    "recipients": [
        recipient("internal", "Travailleurs sociaux du CCAS"),
        recipient("institutional_partner", "Conseil départemental du Val-de-Marne"),
        recipient("institutional_partner", "CAF, CPAM"),
        recipient("processor", "BERGER-LEVRAULT", "BL SOCIAL, BL NOMAD", vendor="BERGER-LEVRAULT"),
        recipient("processor", "TECHNOCARTE", "POLYFAC CCAS", vendor="TECHNOCARTE"),
    ],
    "security_measures": [
        *HOSTED_MEASURES,
        measure("access_control", "Dossiers sociaux visibles des seuls travailleurs sociaux"),
    ],
    "applications": ["BL SOCIAL", "BL NOMAD", "POLYFAC CCAS", "ASWEB"],
    "dpia_criteria": ["sensitive_data", "vulnerable_subjects"],
    "dpia_cnil_types": ["social_support"],
    "dpia_status": "completed",
    "dpia_done_on": days_ago(420),
    "dpia_conclusion": "Risques résiduels acceptables après cloisonnement des dossiers sociaux.",
    "dpia_dpo_opinion": "Avis favorable du DPO mutualisé.",
    "dpia_next_review_on": in_days(675),
}


def health_centre(slug: str, applications: list[str]) -> dict:
    return {
        "reference": "SA-01",
        "name": "Dossier patient et prise de rendez-vous du centre municipal de santé",
        "responsible_service": "Centre municipal de santé",
        "purposes": [
            purpose(
                "Assurer la prise en charge et le suivi médical des patients",
                "public_task",
                "Code de la santé publique, art. L. 6323-1 et L. 1110-4",
                main=True,
            ),
            purpose(
                "Facturer les actes à l'assurance maladie (tiers payant)",
                "legal_obligation",
                "Code de la sécurité sociale, art. L. 161-33 et L. 161-36-3",
            ),
            purpose(
                "Prendre les rendez-vous et rappeler les patients",
                "public_task",
                "Code de la santé publique, art. L. 6323-1",
            ),
        ],
        "data_categories": [
            data(
                "identity",
                "Identité, coordonnées, INS",
                "20 ans après la dernière venue",
                "Sans objet : la durée légale court en base active",
                "sort",
                "Code de la santé publique, art. R. 1112-7",
            ),
            data(
                "economic_financial",
                "Droits assurance maladie et mutuelle, factures",
                "Année en cours",
                "10 ans",
                "destroy",
                "Instruction DAF/DPACI/RES/2009/018, tableau de gestion des centres de santé",
            ),
        ],
        "special_categories": [
            {"category": "health", "condition": "h", "details": "Dossier médical et dentaire"}
        ],
        "nir_used": True,
        "nir_legal_text": "Code de la sécurité sociale, art. L. 161-33 ; " + NIR_DECREE,
        "subjects": [people("patients", PATIENTS[slug], "Patients reçus en 2022")],
        "recipients": [
            recipient("internal", "Professionnels de santé du centre"),
            recipient("institutional_partner", "CPAM du Val-de-Marne, organismes complémentaires"),
            recipient("processor", "DOCTOLIB", "Prise de rendez-vous en ligne", vendor="DOCTOLIB"),
        ],
        "security_measures": [
            *HOSTED_MEASURES,
            measure("access_control", "Carte CPS pour les professionnels de santé"),
            measure("encryption", "Hébergement certifié HDS des données de santé"),
        ],
        "applications": applications,
        "dpia_criteria": ["sensitive_data", "vulnerable_subjects", "large_scale"],
        "dpia_cnil_types": ["health_care"],
        "dpia_status": "completed",
        "dpia_done_on": days_ago(600),
        "dpia_conclusion": "Risques résiduels acceptables (authentification forte, chiffrement).",
        "dpia_dpo_opinion": "Avis favorable avec réserve : revoir les habilitations chaque année.",
        "dpia_next_review_on": in_days(495),
    }


FINANCE = {
    "reference": "FI-01",
    "name": "Exécution budgétaire et comptable (tiers, mandats, titres)",
    "responsible_service": "Direction des finances",
    "dpia_screening_notes": "Aucun critère du CEPD : données de gestion des tiers et agents.",
    "purposes": [
        purpose(
            "Exécuter les dépenses et les recettes de la commune",
            "legal_obligation",
            "CGCT, art. L. 2311-1 et suivants ; décret n° 2012-1246 (GBCP)",
            main=True,
        ),
        purpose(
            "Dématérialiser et signer les flux comptables (PES)",
            "legal_obligation",
            "CGCT, art. D. 1617-23",
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Tiers : nom, adresse, SIRET",
            "Durée de la relation",
            "10 ans (pièces justificatives)",
            "destroy",
        ),
        data(
            "economic_financial",
            "Coordonnées bancaires, montants dus et payés",
            "Exercice en cours",
            "10 ans (pièces justificatives)",
            "destroy",
        ),
    ],
    "subjects": [
        people("suppliers", 2_400, "Fournisseurs et créanciers"),
        people("residents", 6_000, "Usagers redevables"),
    ],
    "recipients": [
        recipient("internal", "Direction des finances"),
        recipient("institutional_partner", "Comptable public (DGFiP)"),
        recipient("institutional_partner", "Chambre régionale des comptes"),
        recipient(
            "processor", "BERGER-LEVRAULT", "Maintenance de Sedit.GF", vendor="BERGER-LEVRAULT"
        ),
    ],
    "security_measures": HOSTED_MEASURES,
    "applications": ["Sedit.GF", "i parapheur", "Décisionnel GF Coriolis"],
}

PROCUREMENT = {
    "reference": "MP-01",
    "name": "Passation et exécution des marchés publics",
    "responsible_service": "Service de la commande publique",
    "purposes": [
        purpose(
            "Publier les consultations et recevoir les offres dématérialisées",
            "legal_obligation",
            "Code de la commande publique, art. L. 2132-2 et R. 2132-2",
            main=True,
        ),
        purpose(
            "Analyser les candidatures et notifier les marchés",
            "legal_obligation",
            "Code de la commande publique, art. R. 2144-1 à R. 2144-7",
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Interlocuteurs des candidats : nom, fonction, coordonnées",
            "Durée de la procédure",
            "5 ans (candidatures non retenues)",
            "destroy",
            "Code de la commande publique, art. R. 2184-12",
        ),
        data(
            "professional_life",
            "Références, CV des intervenants proposés",
            "Durée d'exécution du marché",
            "5 ans après la fin du marché",
            "sort",
            "Code de la commande publique, art. R. 2184-13",
        ),
    ],
    "criminal_data": True,
    "criminal_data_basis": (
        "Code de la commande publique, art. L. 2141-1 et R. 2143-6 : vérification des "
        "interdictions de soumissionner (extrait B2)"
    ),
    "subjects": [people("suppliers", 1_200, "Candidats et titulaires")],
    "recipients": [
        recipient("internal", "Service de la commande publique, services prescripteurs"),
        recipient("institutional_partner", "Préfecture (contrôle de légalité)"),
        recipient("processor", "MAXIMILIEN", "Profil acheteur", vendor="MAXIMILIEN"),
    ],
    "security_measures": [
        measure("access_control", "Comptes nominatifs sur le profil acheteur"),
        measure("encryption", "Offres chiffrées jusqu'à l'ouverture des plis"),
        measure("processor_control", "Contrat art. 28 signé avec MAXIMILIEN"),
    ],
    "applications": ["MAXIMILIEN"],
}


def mail(slug: str, application: str) -> dict:
    return {
        "reference": "AG-01",
        "name": "Enregistrement et suivi du courrier",
        "responsible_service": "Service du courrier",
        "purposes": [
            purpose(
                "Enregistrer, distribuer et suivre le courrier entrant et sortant",
                "public_task",
                "Code des relations entre le public et l'administration, "
                "art. L. 112-3 et L. 112-11",
                main=True,
            ),
        ],
        "data_categories": [
            data(
                "identity",
                "Expéditeurs et destinataires : nom, adresse, objet",
                "3 ans",
                "2 ans",
                "destroy",
            ),
        ],
        "subjects": [people("residents", 15_000, "Correspondants de la collectivité")],
        "recipients": [recipient("internal", "Services destinataires du courrier")],
        "security_measures": HOSTED_MEASURES,
        "applications": [application],
    }


# Gentilly's mail register was written in a hurry: the DPO will find it flagged.
GENTILLY_MAIL = {
    **mail("gentilly", "Courrier V5"),
    "purposes": [
        purpose(
            "Enregistrer et suivre le courrier",
            "public_task",
            "Code des relations entre le public et l'administration, art. L. 112-3",
            main=True,
        ),
        purpose(
            "Envoyer la lettre d'information municipale aux correspondants", "legitimate_interests"
        ),
    ],
    "data_categories": [
        data("identity", "Expéditeurs : nom, adresse", "3 ans", "2 ans", "destroy"),
        data(
            "personal_life",
            "Contenu des courriers (situations personnelles)",
            None,
            None,
            None,
            None,
        ),
    ],
    "last_review_on": days_ago(800),
    "next_review_on": days_ago(435),
}


def housing_office(slug: str, applications: list[str]) -> dict:
    return {
        "reference": "LO-01",
        "name": "Instruction des demandes et attribution des logements sociaux",
        "responsible_service": "Service des attributions",
        "purposes": [
            purpose(
                "Enregistrer et instruire les demandes de logement social",
                "legal_obligation",
                "Code de la construction et de l'habitation, art. L. 441-2-1 et R. 441-2-1",
                main=True,
            ),
            purpose(
                "Préparer les commissions d'attribution des logements (CALEOL)",
                "legal_obligation",
                "Code de la construction et de l'habitation, art. L. 441-2 et R. 441-9",
            ),
            purpose(
                "Gérer les baux et quittancer les loyers",
                "contract",
                "Loi n° 89-462 du 6 juillet 1989",
            ),
        ],
        "data_categories": [
            data(
                "identity",
                "Demandeur et ménage : identité, coordonnées, numéro unique",
                "Validité de la demande (1 an, renouvelable)",
                "1 an après la radiation",
                "destroy",
                "Code de la construction et de l'habitation, art. R. 441-2-8",
            ),
            data(
                "economic_financial",
                "Ressources, avis d'imposition, loyers et impayés",
                "Durée du bail",
                "5 ans après la fin du bail",
                "destroy",
            ),
            data(
                "personal_life",
                "Situation familiale, motif de la demande",
                "Validité de la demande",
                "1 an après la radiation",
                "destroy",
            ),
        ],
        "special_categories": [
            {"category": "health", "condition": "g", "details": "Handicap justifiant la priorité"}
        ],
        "subjects": [
            people("housing_applicants", HOUSING_APPLICATIONS[slug], "Demandes actives (2022)"),
            people("tenants", details="Locataires du parc de l'office"),
        ],
        "recipients": [
            recipient("internal", "Service des attributions, gestion locative"),
            recipient("institutional_partner", "Système national d'enregistrement (SNE)"),
            recipient(
                "institutional_partner", "Préfecture, réservataires (ville, Action Logement)"
            ),
            recipient("processor", "AAREON", "IMMOWARE ERP", vendor="AAREON"),
        ],
        "security_measures": HOSTED_MEASURES,
        "applications": applications,
        "dpia_criteria": ["sensitive_data", "large_scale", "prevents_rights"],
        "dpia_cnil_types": ["social_housing"],
        "dpia_status": "not_started",
    }


THEATRE_TICKETING = {
    "reference": "CU-01",
    "name": "Billetterie, abonnements et lettre d'information du théâtre",
    "responsible_service": "Service des relations avec le public",
    "dpia_screening_notes": "Aucun critère du CEPD : ni profilage, ni donnée sensible.",
    "purposes": [
        purpose("Vendre les billets et gérer les abonnements", "contract", None, main=True),
        purpose(
            "Envoyer la lettre d'information aux spectateurs qui l'ont demandée", "consent", None
        ),
    ],
    "data_categories": [
        data(
            "identity",
            "Nom, coordonnées des spectateurs",
            "3 ans après le dernier achat",
            "Sans objet : destruction à la fin de la durée active",
            "destroy",
            "Référentiel CNIL « gestion des activités commerciales »",
        ),
        data(
            "economic_financial",
            "Achats, moyens de paiement (sans numéro de carte)",
            "Exercice en cours",
            "10 ans",
            "destroy",
            "Code de commerce, art. L. 123-22 (pièces comptables)",
        ),
    ],
    "subjects": [people("residents", 18_000, "Spectateurs")],
    "recipients": [
        recipient("internal", "Billetterie et relations avec le public"),
        recipient("processor", "SATORI", "3ème Acte (SaaS)", vendor="SATORI"),
        recipient("processor", "Service d'envoi de courriels", "Lettre d'information"),
    ],
    "transfers": [
        {
            "recipient": "Service d'envoi de courriels (sous-traitant ultérieur)",
            "country": "US",
            "safeguard": "standard_clauses",
            "documentation_url": "https://commission.europa.eu/law/law-topic/data-protection",
            "details": "Clauses contractuelles types 2021/914, module 3",
        }
    ],
    "security_measures": [
        measure("access_control", "Comptes nominatifs sur la billetterie"),
        measure("processor_control", "Contrat art. 28 avec l'éditeur de la billetterie"),
    ],
    "applications": ["3ème Acte"],
}


def activities_by_organisation() -> dict[str, list[dict]]:
    """The activities of each organisation (by slug), besides the model's copies."""
    plan: dict[str, list[dict]] = {slug: [elections(slug)] for slug in CITIES}
    for slug in PAYSLIPS:
        plan.setdefault(slug, []).append(payroll(slug))
    plan["ivry-sur-seine"] += [
        IVRY_SCHOOL,
        IVRY_SOCIAL,
        health_centre("ivry-sur-seine", ["Elisa", "MAIDIS Dentaire", "DOCTOLIB", "SVP"]),
        FINANCE,
        PROCUREMENT,
        mail("ivry-sur-seine", "ELISE"),
    ]
    plan["villejuif"] += [health_centre("villejuif", ["CROSSWAY", "DOCTOLIB", "SVP"])]
    plan["vitry-sur-seine"] += [FINANCE, mail("vitry-sur-seine", "ELISE")]
    plan["gentilly"] += [GENTILLY_MAIL]
    plan["valdevy"] = [housing_office("valdevy", ["IMMOWARE ERP", "ULIS"])]
    plan["coop-ivry-habitat"] = [housing_office("coop-ivry-habitat", ["IMMOWARE ERP", "POLYFAC"])]
    plan["theatre-antoine-vitez"] += [THEATRE_TICKETING]
    return plan


# (organisation, reference) -> the workflow the demo takes it through.
VALIDATED = {
    ("ivry-sur-seine", "EL-01"),
    ("ivry-sur-seine", "RH-01"),
    ("ivry-sur-seine", "AS-01"),
    ("ivry-sur-seine", "SA-01"),
    ("ivry-sur-seine", "FI-01"),
    ("villejuif", "SA-01"),
    ("vitry-sur-seine", "RH-01"),
    ("valdevy", "LO-01"),
    ("theatre-antoine-vitez", "CU-01"),
}
SUBMITTED = {
    ("ivry-sur-seine", "FA-01"),
    ("ivry-sur-seine", "MP-01"),
    ("vitry-sur-seine", "EL-01"),
    ("coop-ivry-habitat", "LO-01"),
}
