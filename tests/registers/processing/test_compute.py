"""Pure computations: DPIA screening, completeness against Art. 30(1), warnings, inherited
measures. Unsaved objects, no database, no application (the labels render in French)."""

from __future__ import annotations

from datetime import date

from compliance.tenancy import Organisation, OrganisationKind
from registers.applications.models import Application, DpaStatus, Hosting, Vendor
from registers.processing import compute
from registers.processing.models import (
    ProcessingActivity,
    ProcessingDataCategory,
    ProcessingPurpose,
    ProcessingRecipient,
    ProcessingSecurityMeasure,
    ProcessingSpecialCategory,
    ProcessingSubject,
    ProcessingTransfer,
)
from registers.processing.reference import (
    Art9Condition,
    DataCategory,
    DpiaStatus,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
)

TODAY = date(2024, 6, 1)
CITY = Organisation(name="Vitry-sur-Seine", slug="vitry", kind=OrganisationKind.COMMUNE)
ASSOCIATION = Organisation(name="Association", slug="asso", kind=OrganisationKind.OTHER)


def complete_activity(**overrides) -> ProcessingActivity:
    fields = {
        "organisation_id": 1,
        "reference": "T-1",
        "name": "Inscriptions scolaires",
        "responsible_service": "Direction de l'éducation",
        "role": ProcessingRole.CONTROLLER,
        "dpia_status": DpiaStatus.NOT_STARTED,
    }
    activity = ProcessingActivity(**{**fields, **overrides})
    activity.purposes = [
        ProcessingPurpose(
            is_main=True,
            description="Inscrire les enfants à l'école",
            legal_basis=LegalBasis.PUBLIC_TASK,
            legal_text="Code de l'éducation, art. L. 131-6",
        )
    ]
    activity.data_categories = [
        ProcessingDataCategory(
            category=DataCategory.IDENTITY,
            active_period="Scolarité en élémentaire",
            intermediate_period="2 ans",
        )
    ]
    activity.subjects = [ProcessingSubject(category=SubjectCategory.CHILDREN)]
    activity.recipients = [
        ProcessingRecipient(recipient_type=RecipientType.INTERNAL, name="Service scolaire")
    ]
    activity.security_measures = [
        ProcessingSecurityMeasure(family=SecurityFamily.ACCESS_CONTROL, details="Profils")
    ]
    return activity


def codes(found) -> set[str]:
    return {w.code for w in found}


# --- DPIA screening ----------------------------------------------------------------------------


def test_two_criteria_require_a_dpia():
    result = compute.screen_dpia(["large_scale", "vulnerable_subjects"])
    assert result.required is True
    assert "2 critères du CEPD" in str(result.reasons[0])
    assert "Personnes vulnérables" in str(result.reasons[0])


def test_one_criterion_does_not():
    result = compute.screen_dpia(["large_scale"])
    assert result.required is False
    assert "Un seul critère" in str(result.reasons[0])


def test_no_criterion_does_not():
    assert compute.screen_dpia().required is False


def test_cnil_list_type_requires_whatever_the_count():
    result = compute.screen_dpia([], ["social_housing"])
    assert result.required is True
    assert "logements sociaux" in str(result.reasons[0])


def test_art35_case_requires():
    result = compute.screen_dpia(["sensitive_data"], [], ["large_scale_special"])
    assert result.required is True
    assert any("35.3.b" in str(r) for r in result.reasons)


def test_unknown_codes_are_ignored():
    assert compute.screen_dpia(["large_scale", "made_up"]).required is False


def test_suggested_criteria():
    activity = complete_activity(nir_used=True)
    activity.subjects = [
        ProcessingSubject(category=SubjectCategory.PATIENTS, estimated_number=66926)
    ]
    suggested = {c.value for c in compute.suggest_criteria(activity)}
    assert suggested == {"sensitive_data", "vulnerable_subjects", "large_scale"}


# --- completeness -------------------------------------------------------------------------------


def test_complete_activity_scores_100():
    result = compute.completeness(complete_activity())
    assert result.score == 100 and result.is_complete


def test_missing_items_are_listed():
    activity = complete_activity(responsible_service=None)
    activity.recipients = []
    activity.purposes[0].legal_basis = None
    activity.data_categories[0].active_period = None
    activity.data_categories[0].intermediate_period = None
    result = compute.completeness(activity)
    assert {i.code for i in result.missing} == {
        "responsible_service",
        "recipients",
        "legal_basis",
        "retention",
    }
    assert result.score == round(100 * 6 / 10)
    assert str(result.missing[0])


def test_joint_controller_needs_the_other_controllers():
    activity = complete_activity(role=ProcessingRole.JOINT_CONTROLLER)
    assert "joint_controllers" in {i.code for i in compute.missing_items(activity)}
    activity.other_controllers = "CCAS de Vitry-sur-Seine"
    activity.joint_arrangement = "Convention ville / CCAS du 12 janvier 2019"
    assert compute.missing_items(activity) == []


def test_joint_controller_needs_the_arrangement():
    """Art. 26: the joint controllers' arrangement (its essence, the document) is recorded."""
    activity = complete_activity(
        role=ProcessingRole.JOINT_CONTROLLER, other_controllers="CCAS de Vitry-sur-Seine"
    )
    assert {i.code for i in compute.missing_items(activity)} == {"joint_arrangement"}
    activity.joint_arrangement = "   "
    assert {i.code for i in compute.missing_items(activity)} == {"joint_arrangement"}
    activity.joint_arrangement = "Convention ville / CCAS, art. 6 : le CCAS informe"
    assert compute.completeness(activity).score == 100


def test_indirect_collection_needs_its_source():
    """Art. 14(2)(f): data not collected from the person come from somewhere named."""
    activity = complete_activity(indirect_collection=True)
    result = compute.completeness(activity)
    assert {i.code for i in result.missing} == {"data_source"}
    assert result.applicable == 11
    activity.data_source = "Caisse d'allocations familiales (quotient familial)"
    assert compute.completeness(activity).is_complete
    assert compute.completeness(complete_activity(indirect_collection=False)).is_complete


def test_public_body_retention_needs_archiving_fate_and_source():
    """Code du patrimoine L212-2, L212-3: a public body's retention is complete with its
    intermediate archiving period, its final fate and their source."""
    activity = complete_activity(organisation=CITY)
    activity.data_categories[0].intermediate_period = None
    assert {i.code for i in compute.missing_items(activity)} == {"archiving"}
    activity.data_categories[0].intermediate_period = "2 ans"
    assert {i.code for i in compute.missing_items(activity)} == {"archiving"}
    activity.data_categories[0].final_fate = FinalFate.DESTROY
    assert {i.code for i in compute.missing_items(activity)} == {"archiving"}
    activity.data_categories[0].retention_source = "Tableau de gestion des écoles, ligne 12"
    assert compute.completeness(activity).is_complete
    # A body outside the archives code: the active period is enough.
    assert compute.completeness(complete_activity(organisation=ASSOCIATION)).is_complete


def test_active_period_alone_is_not_complete_for_a_public_body():
    activity = complete_activity(organisation=CITY)
    activity.data_categories[0].intermediate_period = None
    result = compute.completeness(activity)
    assert not result.is_complete and result.score < 100


def test_register_completeness_counts_the_cover():
    """The controller's identity and the DPO's designation weigh in the register's figure."""
    blank = Organisation(name="Arcueil", slug="arcueil", kind=OrganisationKind.OTHER)
    result = compute.register_completeness([complete_activity()], blank)
    assert result.score < 100 and not result.is_complete
    assert len(result.controller_missing) == len(compute.CONTROLLER_ITEMS)
    filled = Organisation(
        name="Arcueil",
        slug="arcueil",
        kind=OrganisationKind.OTHER,
        siren="123456782",
        address="10 avenue Paul Doumer, 94110 Arcueil",
        legal_representative="Le maire",
        dpo_name="Service mutualisé",
        dpo_cnil_number="DPO-1",
        dpo_contact="dpd@example.org",
    )
    result = compute.register_completeness([complete_activity()], filled)
    assert result.score == 100 and result.is_complete


def test_register_completeness_averages_and_skips_archived():
    empty = ProcessingActivity(name="Vide", reference="T-2", role=ProcessingRole.CONTROLLER)
    result = compute.register_completeness([complete_activity(), empty])
    assert result.activities == 2 and result.complete == 1
    assert result.score == round((100 + compute.completeness(empty).score) / 2)
    assert result.incomplete[0][0] is empty
    assert compute.register_completeness([]).score == 0


# --- warnings -----------------------------------------------------------------------------------


def test_clean_activity_has_no_warning():
    assert compute.warnings(complete_activity(), organisation=CITY, today=TODAY) == []


def test_legitimate_interest_of_a_public_body():
    activity = complete_activity()
    activity.purposes[0].legal_basis = LegalBasis.LEGITIMATE_INTERESTS
    assert "legitimate_interest_public_body" in codes(
        compute.warnings(activity, organisation=CITY, today=TODAY)
    )
    assert compute.warnings(activity, organisation=ASSOCIATION, today=TODAY) == []


def test_special_category_needs_an_art9_condition():
    activity = complete_activity()
    activity.special_categories = [ProcessingSpecialCategory(category=SpecialCategory.HEALTH)]
    found = compute.warnings(activity, organisation=CITY, today=TODAY)
    assert codes(found) == {"special_category_without_condition"}
    assert "santé" in str(found[0].message)
    activity.special_categories[0].condition = Art9Condition.H
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_nir_needs_its_legal_text():
    activity = complete_activity(nir_used=True)
    assert codes(compute.warnings(activity, organisation=CITY, today=TODAY)) == {
        "nir_without_legal_text"
    }
    activity.nir_legal_text = "Décret n° 2019-341 du 19 avril 2019"
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_criminal_data_needs_its_basis():
    activity = complete_activity(criminal_data=True)
    assert codes(compute.warnings(activity, organisation=CITY, today=TODAY)) == {
        "criminal_data_without_basis"
    }


def test_transfer_outside_the_eu_needs_a_safeguard():
    activity = complete_activity()
    activity.transfers = [ProcessingTransfer(recipient="Éditeur", country="US")]
    assert codes(compute.warnings(activity, organisation=CITY, today=TODAY)) == {
        "transfer_without_safeguard"
    }
    activity.transfers[0].safeguard = TransferSafeguard.ADEQUACY
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []
    # Within the EEA no safeguard is needed.
    activity.transfers = [ProcessingTransfer(recipient="Hébergeur", country="DE")]
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_processor_without_an_art28_agreement_is_warned():
    """Art. 28(3): a processor's processing is governed by a contract; a recipient acting as
    processor whose vendor has none (or only requested one) is flagged, completeness aside."""
    activity = complete_activity()
    before = compute.completeness(activity)
    vendor = Vendor(name="Berger-Levrault", key="bergerlevrault", dpa_status=DpaStatus.NONE)
    activity.recipients.append(
        ProcessingRecipient(
            recipient_type=RecipientType.PROCESSOR, name="Éditeur du logiciel", vendor=vendor
        )
    )
    found = compute.warnings(activity, organisation=CITY, today=TODAY)
    assert codes(found) == {"processor_without_agreement"}
    message = str(found[0].message)
    assert "Éditeur du logiciel" in message and "Berger-Levrault" in message
    assert "art. 28" in message
    assert compute.processors_without_agreement(activity) == [activity.recipients[-1]]
    assert compute.completeness(activity) == before  # "complete" counts the same items
    vendor.dpa_status = DpaStatus.REQUESTED
    assert codes(compute.warnings(activity, organisation=CITY, today=TODAY)) == {
        "processor_without_agreement"
    }
    for covered in (DpaStatus.SIGNED, DpaStatus.NOT_APPLICABLE):
        vendor.dpa_status = covered
        assert compute.warnings(activity, organisation=CITY, today=TODAY) == []
    # The same vendor as another kind of recipient, or a processor not on the map: no warning.
    vendor.dpa_status = DpaStatus.NONE
    activity.recipients[-1].recipient_type = RecipientType.OTHER
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []
    activity.recipients[-1] = ProcessingRecipient(
        recipient_type=RecipientType.PROCESSOR, name="Prestataire"
    )
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_data_category_without_retention():
    activity = complete_activity()
    activity.data_categories.append(
        ProcessingDataCategory(category=DataCategory.ECONOMIC_FINANCIAL, description="Quotient")
    )
    found = compute.warnings(activity, organisation=CITY, today=TODAY)
    assert codes(found) == {"category_without_retention"} and "Quotient" in str(found[0].message)
    activity.data_categories[1].retention_criterion = "Jusqu'à la fin de l'année scolaire"
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_dpia_required_but_not_done():
    activity = complete_activity(dpia_required=True)
    assert codes(compute.warnings(activity, organisation=CITY, today=TODAY)) == {"dpia_not_done"}
    activity.dpia_status = DpiaStatus.COMPLETED
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


def test_review_date_passed():
    activity = complete_activity(next_review_on=date(2024, 5, 31))
    found = compute.warnings(activity, organisation=CITY, today=TODAY)
    assert codes(found) == {"review_overdue"} and "31/05/2024" in str(found[0].message)
    activity.next_review_on = TODAY
    assert compute.warnings(activity, organisation=CITY, today=TODAY) == []


# --- inherited measures -------------------------------------------------------------------------


def test_inherited_measures_follow_the_hosting():
    signed = Vendor(name="Ciril", key="ciril", dpa_status=DpaStatus.SIGNED)
    hosted = Application(name="Civil Net RH", name_key="civilnetrh", rpo_hours=24)
    saas = Application(name="Doctolib", name_key="doctolib", vendor=signed, hds_certified=True)
    measures = compute.inherited_measures(
        [(hosted, Hosting.SYNDICATE_DATACENTER), (saas, Hosting.VENDOR_SAAS)]
    )
    families = {(m.application, m.family) for m in measures}
    assert ("Civil Net RH", SecurityFamily.BACKUPS) in families
    assert ("Doctolib", SecurityFamily.PROCESSOR_CONTROL) in families
    assert ("Doctolib", SecurityFamily.BACKUPS) not in families
    assert any("24 h" in str(m.details) for m in measures)
    assert any("HDS" in str(m.details) for m in measures)
    assert compute.inherited_measures([]) == []
