"""Forms of the watch's pages (no queries). The values are checked by the schemas, as the
API's are."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from compliance.forms import Form, VersionedForm, max_length, optional_enum, required
from registers.watch.schemas import AdvisorySeverity, AdvisorySource, TreatmentState


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def products_text(products) -> str:
    """The products as the form shows them: one a line, "vendor ; product ; versions ; CPE or
    purl"."""
    lines = []
    for product in products or ():
        item = product if isinstance(product, dict) else product.model_dump()
        name = item.get("cpe") or item.get("purl") or ""
        parts = [item.get("vendor") or "", item.get("product") or "", item.get("versions") or ""]
        lines.append(" ; ".join([*parts, name]).rstrip(" ;"))
    return "\n".join(lines)


def parse_products(text: str | None) -> list[dict]:
    """The products of the form's text (see products_text); a line with a product only is
    read as the product."""
    products = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split(";")]
        if not any(parts):
            continue
        if len(parts) == 1:
            parts = ["", parts[0]]
        vendor, product, versions, name = [*parts, "", "", ""][:4]
        item = {"vendor": vendor or None, "product": product, "versions": versions or None}
        if name.lower().startswith("cpe:"):
            item["cpe"] = name
        elif name.lower().startswith("pkg:"):
            item["purl"] = name
        products.append(item)
    return products


class AdvisoryForm(VersionedForm):
    source = SelectField(
        _l("Source"),
        coerce=optional_enum(AdvisorySource),
        choices=lambda: [("", ""), *AdvisorySource.choices()],
        validators=[required()],
    )
    reference = StringField(
        _l("Référence"),
        validators=[required(), max_length(100)],
        filters=[_strip],
        description=_l("Par exemple CERTFR-2026-AVI-0871 ou CVE-2026-40112."),
    )
    title = StringField(_l("Titre"), validators=[required(), max_length(300)], filters=[_strip])
    published_on = DateField(_l("Publié le"), validators=[required(typed=True)])
    severity = SelectField(
        _l("Sévérité"),
        coerce=optional_enum(AdvisorySeverity),
        choices=lambda: [("", ""), *AdvisorySeverity.choices()],
        validators=[required()],
    )
    cvss_score = DecimalField(
        _l("Score CVSS"), places=1, validators=[Optional(), NumberRange(0, 10)]
    )
    cve_ids = StringField(
        _l("Identifiants CVE"),
        filters=[_strip],
        description=_l("Séparés par des espaces ou des virgules."),
    )
    products_text = TextAreaField(
        _l("Produits concernés"),
        filters=[_strip],
        description=_l(
            "Un produit par ligne : éditeur ; produit ; versions ; CPE ou purl "
            "(par exemple « Libriciel ; i-Parapheur ; 5.0 à 5.1.3 »)."
        ),
    )
    summary = TextAreaField(_l("Résumé"), filters=[_strip])
    workaround = TextAreaField(_l("Contournement"), filters=[_strip])
    link = StringField(_l("Lien"), validators=[max_length(500)], filters=[_strip])

    def advisory_values(self) -> dict:
        values = self.record_data()
        values["products"] = parse_products(values.pop("products_text"))
        if values.get("cvss_score") is not None:
            values["cvss_score"] = float(values["cvss_score"])
        values["cve_ids"] = values.get("cve_ids") or []
        return values


class TreatmentForm(VersionedForm):
    state = SelectField(
        _l("État"),
        coerce=optional_enum(TreatmentState),
        choices=lambda: TreatmentState.choices(),
        validators=[required()],
    )
    version_in_use = StringField(
        _l("Version en service"),
        validators=[max_length(100)],
        filters=[_strip],
        description=_l("Pour « non concerné » : la version déployée, hors du périmètre de l'avis."),
    )
    patched_on = DateField(_l("Corrigé le"), validators=[Optional()])
    mitigation = TextAreaField(
        _l("Mesure de contournement"), filters=[_strip], description=_l("Pour « contourné ».")
    )
    accepted_by = StringField(
        _l("Risque accepté par"), validators=[max_length(200)], filters=[_strip]
    )
    accepted_until = DateField(_l("Accepté jusqu'au"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), filters=[_strip])


class IdentifierForm(Form):
    vendor = StringField(_l("Éditeur (tel que l'écrivent les avis)"), filters=[_strip])
    product = StringField(_l("Produit (tel que l'écrivent les avis)"), filters=[_strip])
    cpe = StringField(_l("CPE"), filters=[_strip], description=_l("cpe:2.3:a:éditeur:produit"))
    purl = StringField(_l("purl"), filters=[_strip], description=_l("pkg:type/espace/nom"))


class UploadForm(Form):
    document = FileField(
        _l("Document JSON (CSAF 2.0 ou CVE JSON 5)"),
        validators=[
            FileRequired(_l("Choisissez un fichier.")),
            FileAllowed(["json"], _l("Un fichier JSON.")),
        ],
    )


class PeriodForm(Form):
    start = DateField(_l("Du"), validators=[required(typed=True)])
    end = DateField(_l("Au"), validators=[required(typed=True)])
    organisation_id = SelectField(_l("Organisation"), choices=[], validate_choice=False)


class DecisionForm(VersionedForm):
    """Confirming or dismissing a match: nothing but the version the CISO saw."""
