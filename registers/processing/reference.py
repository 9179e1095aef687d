"""The closed lists of the record of processing activities, with their French labels: CNIL data
categories, data subjects, recipients, legal bases, Art. 9(2) conditions, transfer safeguards,
final fates, the CNIL's security-measure families and the DPIA screening catalogues (EDPB
criteria, the CNIL's list of processing types, Art. 35(3) cases)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from compliance.enums import LabeledEnum


class ProcessingRole(LabeledEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"

    @classmethod
    def __labels__(cls):
        return {
            cls.CONTROLLER: _l("Responsable de traitement"),
            cls.JOINT_CONTROLLER: _l("Responsable conjoint"),
            cls.PROCESSOR: _l("Sous-traitant"),
        }


class ProcessingStatus(LabeledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    ARCHIVED = "archived"

    @classmethod
    def __labels__(cls):
        return {
            cls.DRAFT: _l("Brouillon"),
            cls.SUBMITTED: _l("Soumise au délégué"),
            cls.VALIDATED: _l("Validée"),
            cls.ARCHIVED: _l("Archivée"),
        }


class LegalBasis(LabeledEnum):
    """Art. 6(1) GDPR."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"

    @classmethod
    def __labels__(cls):
        return {
            cls.CONSENT: _l("Consentement (art. 6.1.a)"),
            cls.CONTRACT: _l("Exécution d'un contrat (art. 6.1.b)"),
            cls.LEGAL_OBLIGATION: _l("Obligation légale (art. 6.1.c)"),
            cls.VITAL_INTERESTS: _l("Sauvegarde des intérêts vitaux (art. 6.1.d)"),
            cls.PUBLIC_TASK: _l("Mission d'intérêt public (art. 6.1.e)"),
            cls.LEGITIMATE_INTERESTS: _l("Intérêt légitime (art. 6.1.f)"),
        }

    @property
    def article(self) -> str:
        letters = dict(zip(LegalBasis, "abcdef", strict=True))
        return f"6.1.{letters[self]}"


class DataCategory(LabeledEnum):
    """The categories of personal data of the CNIL's record template."""

    IDENTITY = "identity"
    PERSONAL_LIFE = "personal_life"
    PROFESSIONAL_LIFE = "professional_life"
    ECONOMIC_FINANCIAL = "economic_financial"
    CONNECTION = "connection"
    LOCATION = "location"
    INTERNET = "internet"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.IDENTITY: _l("État civil, identité, données d'identification, images"),
            cls.PERSONAL_LIFE: _l("Vie personnelle (habitudes de vie, situation familiale…)"),
            cls.PROFESSIONAL_LIFE: _l("Vie professionnelle (CV, scolarité, formation…)"),
            cls.ECONOMIC_FINANCIAL: _l("Informations d'ordre économique et financier"),
            cls.CONNECTION: _l("Données de connexion (adresse IP, journaux…)"),
            cls.LOCATION: _l("Données de localisation (déplacements, GPS…)"),
            cls.INTERNET: _l("Internet (cookies, traceurs, navigation…)"),
            cls.OTHER: _l("Autres catégories de données"),
        }


class SpecialCategory(LabeledEnum):
    """Art. 9(1) GDPR."""

    RACIAL_ETHNIC_ORIGIN = "racial_ethnic_origin"
    POLITICAL_OPINIONS = "political_opinions"
    RELIGIOUS_BELIEFS = "religious_beliefs"
    TRADE_UNION = "trade_union"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"
    HEALTH = "health"
    SEX_LIFE = "sex_life"

    @classmethod
    def __labels__(cls):
        return {
            cls.RACIAL_ETHNIC_ORIGIN: _l("Origine raciale ou ethnique"),
            cls.POLITICAL_OPINIONS: _l("Opinions politiques"),
            cls.RELIGIOUS_BELIEFS: _l("Convictions religieuses ou philosophiques"),
            cls.TRADE_UNION: _l("Appartenance syndicale"),
            cls.GENETIC: _l("Données génétiques"),
            cls.BIOMETRIC: _l("Données biométriques"),
            cls.HEALTH: _l("Données de santé"),
            cls.SEX_LIFE: _l("Vie sexuelle ou orientation sexuelle"),
        }


class Art9Condition(LabeledEnum):
    """Art. 9(2)(a)-(j) GDPR: the condition lifting the prohibition."""

    A = "a"
    B = "b"
    C = "c"
    D = "d"
    E = "e"
    F = "f"
    G = "g"
    H = "h"
    I = "i"  # noqa: E741 - the article's own letter
    J = "j"

    @classmethod
    def __labels__(cls):
        return {
            cls.A: _l("9.2.a Consentement explicite"),
            cls.B: _l(
                "9.2.b Obligations en matière de droit du travail et de la protection sociale"
            ),
            cls.C: _l("9.2.c Sauvegarde des intérêts vitaux (personne hors d'état de consentir)"),
            cls.D: _l(
                "9.2.d Activités d'une fondation, association ou organisme à but non lucratif"
            ),
            cls.E: _l("9.2.e Données manifestement rendues publiques par la personne"),
            cls.F: _l("9.2.f Constatation, exercice ou défense d'un droit en justice"),
            cls.G: _l("9.2.g Motif d'intérêt public important"),
            cls.H: _l(
                "9.2.h Médecine préventive, diagnostics, prise en charge sanitaire ou sociale"
            ),
            cls.I: _l("9.2.i Intérêt public dans le domaine de la santé publique"),
            cls.J: _l("9.2.j Archivage dans l'intérêt public, recherche ou statistiques"),
        }


class SubjectCategory(LabeledEnum):
    STAFF = "staff"
    ELECTED_MEMBERS = "elected_members"
    RESIDENTS = "residents"
    CHILDREN = "children"
    FAMILIES = "families"
    PATIENTS = "patients"
    HOUSING_APPLICANTS = "housing_applicants"
    TENANTS = "tenants"
    VOTERS = "voters"
    SUPPLIERS = "suppliers"
    VULNERABLE = "vulnerable"
    JOB_APPLICANTS = "job_applicants"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.STAFF: _l("Agents"),
            cls.ELECTED_MEMBERS: _l("Élus"),
            cls.RESIDENTS: _l("Administrés, usagers"),
            cls.CHILDREN: _l("Enfants"),
            cls.FAMILIES: _l("Familles, responsables légaux"),
            cls.PATIENTS: _l("Patients"),
            cls.HOUSING_APPLICANTS: _l("Demandeurs de logement"),
            cls.TENANTS: _l("Locataires"),
            cls.VOTERS: _l("Électeurs"),
            cls.SUPPLIERS: _l("Fournisseurs, prestataires"),
            cls.VULNERABLE: _l("Personnes vulnérables"),
            cls.JOB_APPLICANTS: _l("Candidats à un emploi"),
            cls.OTHER: _l("Autres personnes"),
        }


class RecipientType(LabeledEnum):
    INTERNAL = "internal"
    PROCESSOR = "processor"
    INSTITUTIONAL_PARTNER = "institutional_partner"
    THIRD_COUNTRY = "third_country"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.INTERNAL: _l("Service interne"),
            cls.PROCESSOR: _l("Sous-traitant"),
            cls.INSTITUTIONAL_PARTNER: _l("Partenaire institutionnel"),
            cls.THIRD_COUNTRY: _l("Destinataire dans un pays tiers"),
            cls.OTHER: _l("Autre destinataire"),
        }


class TransferSafeguard(LabeledEnum):
    ADEQUACY = "adequacy"
    STANDARD_CLAUSES = "standard_clauses"
    BINDING_CORPORATE_RULES = "binding_corporate_rules"
    OTHER_ART46 = "other_art46"
    ART49_DEROGATION = "art49_derogation"

    @classmethod
    def __labels__(cls):
        return {
            cls.ADEQUACY: _l("Décision d'adéquation (art. 45)"),
            cls.STANDARD_CLAUSES: _l("Clauses contractuelles types (art. 46.2.c)"),
            cls.BINDING_CORPORATE_RULES: _l("Règles d'entreprise contraignantes (art. 47)"),
            cls.OTHER_ART46: _l("Autre garantie appropriée (art. 46)"),
            cls.ART49_DEROGATION: _l("Dérogation pour une situation particulière (art. 49)"),
        }


class FinalFate(LabeledEnum):
    """What happens at the end of the intermediate archive period (sort final)."""

    DESTROY = "destroy"
    KEEP = "keep"
    SORT = "sort"

    @classmethod
    def __labels__(cls):
        return {
            cls.DESTROY: _l("Destruction"),
            cls.KEEP: _l("Conservation (versement aux archives définitives)"),
            cls.SORT: _l("Tri"),
        }


class SecurityFamily(LabeledEnum):
    """The seven families of the CNIL's record template."""

    ACCESS_CONTROL = "access_control"
    TRACEABILITY = "traceability"
    SOFTWARE_PROTECTION = "software_protection"
    BACKUPS = "backups"
    ENCRYPTION = "encryption"
    PROCESSOR_CONTROL = "processor_control"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.ACCESS_CONTROL: _l("Contrôle d'accès des utilisateurs"),
            cls.TRACEABILITY: _l("Mesures de traçabilité"),
            cls.SOFTWARE_PROTECTION: _l("Mesures de protection des logiciels"),
            cls.BACKUPS: _l("Sauvegarde des données"),
            cls.ENCRYPTION: _l("Chiffrement des données"),
            cls.PROCESSOR_CONTROL: _l("Contrôle des sous-traitants"),
            cls.OTHER: _l("Autres mesures"),
        }


class DpiaStatus(LabeledEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @classmethod
    def __labels__(cls):
        return {
            cls.NOT_STARTED: _l("Non commencée"),
            cls.IN_PROGRESS: _l("En cours"),
            cls.COMPLETED: _l("Réalisée"),
        }


class EdpbCriterion(LabeledEnum):
    """The nine criteria of the EDPB guidelines on DPIA (WP248 rev.01)."""

    EVALUATION_SCORING = "evaluation_scoring"
    AUTOMATED_DECISION = "automated_decision"
    SYSTEMATIC_MONITORING = "systematic_monitoring"
    SENSITIVE_DATA = "sensitive_data"
    LARGE_SCALE = "large_scale"
    MATCHING_DATASETS = "matching_datasets"
    VULNERABLE_SUBJECTS = "vulnerable_subjects"
    INNOVATIVE_USE = "innovative_use"
    PREVENTS_RIGHTS = "prevents_rights"

    @classmethod
    def __labels__(cls):
        return {
            cls.EVALUATION_SCORING: _l("Évaluation ou notation, y compris le profilage"),
            cls.AUTOMATED_DECISION: _l(
                "Décision automatique avec effet juridique ou effet similaire significatif"
            ),
            cls.SYSTEMATIC_MONITORING: _l("Surveillance systématique"),
            cls.SENSITIVE_DATA: _l("Données sensibles ou à caractère hautement personnel"),
            cls.LARGE_SCALE: _l("Traitement à grande échelle"),
            cls.MATCHING_DATASETS: _l("Croisement ou combinaison d'ensembles de données"),
            cls.VULNERABLE_SUBJECTS: _l("Personnes vulnérables"),
            cls.INNOVATIVE_USE: _l("Usage innovant ou nouvelle solution technologique"),
            cls.PREVENTS_RIGHTS: _l(
                "Traitement empêchant d'exercer un droit ou de bénéficier d'un service ou "
                "d'un contrat"
            ),
        }


class CnilDpiaType(LabeledEnum):
    """The CNIL's list of processing types that always require a DPIA
    (délibération n° 2018-327 du 11 octobre 2018)."""

    HEALTH_CARE = "health_care"
    GENETIC_VULNERABLE = "genetic_vulnerable"
    HR_PROFILING = "hr_profiling"
    EMPLOYEE_MONITORING = "employee_monitoring"
    SOCIAL_HEALTH_ALERTS = "social_health_alerts"
    PROFESSIONAL_ALERTS = "professional_alerts"
    HEALTH_WAREHOUSE = "health_warehouse"
    CONTRACT_EXCLUSION_PROFILING = "contract_exclusion_profiling"
    SHARED_BREACH_FILES = "shared_breach_files"
    EXTERNAL_PROFILING = "external_profiling"
    BIOMETRIC_VULNERABLE = "biometric_vulnerable"
    SOCIAL_HOUSING = "social_housing"
    SOCIAL_SUPPORT = "social_support"
    LARGE_SCALE_LOCATION = "large_scale_location"

    @classmethod
    def __labels__(cls):
        return {
            cls.HEALTH_CARE: _l(
                "Données de santé traitées par les établissements de santé ou médico-sociaux "
                "pour la prise en charge des personnes"
            ),
            cls.GENETIC_VULNERABLE: _l("Données génétiques de personnes vulnérables"),
            cls.HR_PROFILING: _l(
                "Profils de personnes à des fins de gestion des ressources humaines"
            ),
            cls.EMPLOYEE_MONITORING: _l("Surveillance constante de l'activité des employés"),
            cls.SOCIAL_HEALTH_ALERTS: _l(
                "Gestion des alertes et signalements en matière sociale et sanitaire"
            ),
            cls.PROFESSIONAL_ALERTS: _l(
                "Gestion des alertes et signalements en matière professionnelle"
            ),
            cls.HEALTH_WAREHOUSE: _l(
                "Données de santé pour la constitution d'un entrepôt de données ou d'un registre"
            ),
            cls.CONTRACT_EXCLUSION_PROFILING: _l(
                "Profilage pouvant aboutir à l'exclusion du bénéfice d'un contrat ou à sa "
                "suspension ou rupture"
            ),
            cls.SHARED_BREACH_FILES: _l(
                "Traitements mutualisés de manquements contractuels pouvant aboutir à une "
                "exclusion ou une suspension"
            ),
            cls.EXTERNAL_PROFILING: _l("Profilage faisant appel à des données de sources externes"),
            cls.BIOMETRIC_VULNERABLE: _l(
                "Données biométriques aux fins de reconnaissance de personnes vulnérables"
            ),
            cls.SOCIAL_HOUSING: _l("Instruction des demandes et gestion des logements sociaux"),
            cls.SOCIAL_SUPPORT: _l("Accompagnement social ou médico-social des personnes"),
            cls.LARGE_SCALE_LOCATION: _l("Données de localisation à large échelle"),
        }


class Art35Case(LabeledEnum):
    """Art. 35(3) GDPR: the cases where a DPIA is required by the Regulation itself."""

    AUTOMATED_EVALUATION = "automated_evaluation"
    LARGE_SCALE_SPECIAL = "large_scale_special"
    PUBLIC_AREA_MONITORING = "public_area_monitoring"

    @classmethod
    def __labels__(cls):
        return {
            cls.AUTOMATED_EVALUATION: _l(
                "35.3.a Évaluation systématique et approfondie fondée sur un traitement "
                "automatisé, produisant des effets juridiques"
            ),
            cls.LARGE_SCALE_SPECIAL: _l(
                "35.3.b Traitement à grande échelle de données sensibles (art. 9) ou "
                "d'infractions (art. 10)"
            ),
            cls.PUBLIC_AREA_MONITORING: _l(
                "35.3.c Surveillance systématique à grande échelle d'une zone accessible au public"
            ),
        }


# Codes accepted in the DPIA screening lists (JSON columns), by list.
DPIA_CATALOGUES = {
    "dpia_criteria": EdpbCriterion,
    "dpia_cnil_types": CnilDpiaType,
    "dpia_art35_cases": Art35Case,
}
