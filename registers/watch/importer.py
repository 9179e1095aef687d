"""Reading advisories from the documents CERTs and vendors publish: CSAF 2.0 (OASIS; the
product tree, the vulnerabilities with their CVEs, scores and remediations) and CVE JSON 5
records. A document gives one advisory; a malformed one is refused with the file and the path
in the JSON where it went wrong, and nothing of it is written."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance.schemas import validate
from compliance.services import FieldErrors
from registers.watch import services
from registers.watch.models import Advisory
from registers.watch.schemas import AdvisoryCreate, AdvisorySeverity, AdvisorySource

# The largest document read (a CSAF document of a big vendor runs to a few megabytes).
MAX_BYTES = 20 * 1024 * 1024


class DocumentRefused(ValueError):
    """A document that cannot be read: where (a path in the JSON, "" for the whole) and why."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass
class Outcome:
    """What importing one file did: `created`, `updated` (a later revision of a document
    already recorded), `present` (its reference is already in the register with this revision
    or a later one: nothing changed) or `refused`, with the advisory or the reason."""

    file: str
    status: str
    reference: str | None = None
    message: str | None = None
    advisory: Advisory | None = None
    revision: str | None = None

    def line(self) -> str:
        if self.status == "refused":
            return f"{self.file}: {_('refusé')}: {self.message}"
        if self.status == "present":
            return f"{self.file}: {self.reference} {_('déjà enregistré, inchangé')}"
        if self.status == "updated":
            revision = _("mis à jour (révision %(revision)s)", revision=self.revision)
            return f"{self.file}: {self.reference} {revision}"
        return f"{self.file}: {self.reference} {_('importé')}"


# --- reading JSON safely ----------------------------------------------------------------------


def _at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)


def _get(node: Any, path: str, key: str, kind=str, *, required=False):
    """node[key], of type `kind`; DocumentRefused naming where when it is missing (and
    required) or of another type."""
    if not isinstance(node, dict):
        raise DocumentRefused(path, _("un objet JSON est attendu"))
    value = node.get(key)
    where = _at(path, key)
    if value is None or value == "" or value == [] or value == {}:
        if required:
            raise DocumentRefused(where, _("est obligatoire"))
        return None
    expected = {str: _("du texte"), list: _("une liste"), dict: _("un objet JSON")}
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DocumentRefused(where, _("un nombre est attendu"))
        return float(value)
    if not isinstance(value, kind):
        raise DocumentRefused(where, _("%(kind)s est attendu", kind=expected[kind]))
    return value.strip() if kind is str else value


def _items(node, path, key):
    """(path of each item, item) of the list node[key] (none when absent)."""
    values = _get(node, path, key, list) or []
    return [(_at(_at(path, key), index), item) for index, item in enumerate(values)]


CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")


def _cve_id(node, path: str, key: str, *, required=False) -> str | None:
    """A CVE identifier (CVE-YYYY-NNNN...), refused in another form."""
    value = _get(node, path, key, str, required=required)
    if value is not None and not CVE_ID.fullmatch(value.upper()):
        raise DocumentRefused(_at(path, key), _("un identifiant CVE-AAAA-NNNN est attendu"))
    return value.upper() if value else None


def _day(text: str | None, where: str) -> date | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise DocumentRefused(where, _("une date ISO 8601 est attendue")) from None


def _instant(text: str | None, where: str) -> datetime | None:
    """An ISO 8601 instant (UTC when it gives no offset)."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DocumentRefused(where, _("une date ISO 8601 est attendue")) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _severity_word(text: str | None) -> AdvisorySeverity | None:
    words = {
        "critical": AdvisorySeverity.CRITICAL,
        "critique": AdvisorySeverity.CRITICAL,
        "high": AdvisorySeverity.HIGH,
        "important": AdvisorySeverity.HIGH,
        "élevé": AdvisorySeverity.HIGH,
        "medium": AdvisorySeverity.MEDIUM,
        "moderate": AdvisorySeverity.MEDIUM,
        "moyen": AdvisorySeverity.MEDIUM,
        "low": AdvisorySeverity.LOW,
        "faible": AdvisorySeverity.LOW,
    }
    return words.get((text or "").strip().lower())


_RANK = list(AdvisorySeverity)


def _worst(*severities) -> AdvisorySeverity | None:
    known = [s for s in severities if s is not None]
    return min(known, key=_RANK.index) if known else None


# --- CSAF 2.0 -----------------------------------------------------------------------------------


def _source_of_publisher(publisher: dict | None) -> AdvisorySource:
    where = "document.publisher"
    name = (_get(publisher or {}, where, "name", str) or "").upper().replace(" ", "")
    category = _get(publisher or {}, where, "category", str)
    if "CERT-FR" in name or "CERTFR" in name or "ANSSI" in name:
        return AdvisorySource.CERT_FR
    if category == "vendor":
        return AdvisorySource.VENDOR
    if category in ("coordinator", "discoverer"):
        return AdvisorySource.CSIRT
    return AdvisorySource.OTHER


AFFECTED_STATUSES = ("known_affected", "first_affected", "last_affected", "under_investigation")
VERSION_CATEGORIES = ("product_version", "product_version_range")


def _csaf_leaves(tree: dict | None, path: str) -> tuple[list[dict], dict[str, dict]]:
    """Every product of the product tree (vendor, product name, version text, CPE, purl), and
    those with a product_id indexed by it: each branch leaf, each full_product_names entry and
    each relationship's full_product_name."""
    leaves: list[dict] = []
    by_id: dict[str, dict] = {}

    def add(leaf: dict, product_id: str | None) -> None:
        leaves.append(leaf)
        if product_id:
            by_id[product_id] = leaf

    def helper_of(product, where):
        helper = _get(product, where, "product_identification_helper", dict) or {}
        cpe, purl = helper.get("cpe"), helper.get("purl")
        return (cpe if isinstance(cpe, str) else None, purl if isinstance(purl, str) else None)

    def walk(node, where, vendor, name):
        category = _get(node, where, "category", str, required=True)
        label = _get(node, where, "name", str, required=True)
        if category == "vendor":
            vendor = label
        elif category == "product_name" or (category == "product_family" and name is None):
            name = label
        children = _items(node, where, "branches")
        product = _get(node, where, "product", dict)
        if category in VERSION_CATEGORIES or (not children and name) or product:
            if name is None:
                raise DocumentRefused(where, _("une version sans produit"))
            product_where = _at(where, "product")
            cpe, purl = helper_of(product, product_where) if product else (None, None)
            add(
                {
                    "vendor": vendor,
                    "product": name,
                    "version": label if category in VERSION_CATEGORIES else None,
                    "cpe": cpe,
                    "purl": purl,
                },
                _get(product, product_where, "product_id", str) if product else None,
            )
        for child_where, child in children:
            walk(child, child_where, vendor, name)

    for where, branch in _items(tree or {}, path, "branches"):
        walk(branch, where, None, None)
    for where, full in _items(tree or {}, path, "full_product_names"):
        label = _get(full, where, "name", str, required=True)
        cpe, purl = helper_of(full, where)
        add(
            {"vendor": None, "product": label, "version": None, "cpe": cpe, "purl": purl},
            _get(full, where, "product_id", str),
        )
    for where, relation in _items(tree or {}, path, "relationships"):
        full_where = _at(where, "full_product_name")
        full = _get(relation, where, "full_product_name", dict, required=True)
        product_id = _get(full, full_where, "product_id", str, required=True)
        reference = _get(relation, where, "product_reference", str)
        base = by_id.get(reference) if reference else None
        if base is not None:
            by_id[product_id] = base
        else:
            label = _get(full, full_where, "name", str, required=True)
            by_id[product_id] = {
                "vendor": None,
                "product": label,
                "version": None,
                "cpe": None,
                "purl": None,
            }
    return leaves, by_id


def _csaf_products(document: dict) -> list[dict]:
    """The products the document says are affected: those its vulnerabilities list as known,
    first or last affected or under investigation (fixed and not affected ones are left out),
    each (vendor, product name) once with its versions and first CPE and purl. A vulnerability
    without product_status names every product of the tree."""
    leaves, by_id = _csaf_leaves(_get(document, "", "product_tree", dict), "product_tree")
    chosen: list[dict] = []
    every = False
    for where, vulnerability in _items(document, "", "vulnerabilities"):
        status = _get(vulnerability, where, "product_status", dict)
        if status is None:
            every = True
            continue
        status_where = _at(where, "product_status")
        for key in AFFECTED_STATUSES:
            for id_where, product_id in _items(status, status_where, key):
                if not isinstance(product_id, str) or product_id not in by_id:
                    message = _("ce produit n'est pas dans l'arbre des produits")
                    raise DocumentRefused(id_where, message)
                chosen.append(by_id[product_id])
    if every or not _items(document, "", "vulnerabilities"):
        chosen = leaves + [leaf for leaf in chosen if leaf not in leaves]
    found: dict[tuple[str, str], dict] = {}
    for leaf in chosen:
        entry = found.setdefault(
            (leaf["vendor"] or "", leaf["product"]),
            {"vendor": leaf["vendor"], "product": leaf["product"], "versions_list": []},
        )
        if leaf["version"] and leaf["version"] not in entry["versions_list"]:
            entry["versions_list"].append(leaf["version"])
        for key in ("cpe", "purl"):
            if leaf[key] and key not in entry:
                entry[key] = leaf[key]
    products = []
    for entry in found.values():
        versions = entry.pop("versions_list")
        if versions:
            entry["versions"] = ", ".join(versions)[:500]
        products.append({k: v for k, v in entry.items() if v})
    return products


def read_csaf(document: dict) -> dict:
    """The advisory of a CSAF 2.0 document (values for AdvisoryCreate)."""
    head = _get(document, "", "document", dict, required=True)
    version = _get(head, "document", "csaf_version", str, required=True)
    if version != "2.0":
        raise DocumentRefused("document.csaf_version", _("seule la version 2.0 est lue"))
    tracking = _get(head, "document", "tracking", dict, required=True)
    reference = _get(tracking, "document.tracking", "id", str, required=True)
    released = _get(tracking, "document.tracking", "initial_release_date", str) or _get(
        tracking, "document.tracking", "current_release_date", str, required=True
    )
    published = _day(released, "document.tracking.initial_release_date")
    revision = _get(tracking, "document.tracking", "version", str)
    revised_at = _instant(
        _get(tracking, "document.tracking", "current_release_date", str),
        "document.tracking.current_release_date",
    )
    title = _get(head, "document", "title", str, required=True)
    summaries, fixes, workarounds, cves, scores, severities = [], [], [], [], [], []
    for where, note in _items(head, "document", "notes"):
        if _get(note, where, "category", str) in ("summary", "description"):
            summaries.append(_get(note, where, "text", str, required=True))
    links = [
        (_get(ref, where, "category", str), _get(ref, where, "url", str, required=True))
        for where, ref in _items(head, "document", "references")
    ]
    aggregate = _get(head, "document", "aggregate_severity", dict)
    if aggregate:
        severities.append(
            _severity_word(_get(aggregate, "document.aggregate_severity", "text", str))
        )
    for where, vulnerability in _items(document, "", "vulnerabilities"):
        cve = _cve_id(vulnerability, where, "cve")
        if cve:
            cves.append(cve)
        for score_where, score in _items(vulnerability, where, "scores"):
            cvss = _get(score, score_where, "cvss_v3", dict)
            if cvss:
                cvss_where = _at(score_where, "cvss_v3")
                scores.append(_get(cvss, cvss_where, "baseScore", float, required=True))
                severities.append(_severity_word(_get(cvss, cvss_where, "baseSeverity", str)))
        for remedy_where, remedy in _items(vulnerability, where, "remediations"):
            category = _get(remedy, remedy_where, "category", str, required=True)
            details = _get(remedy, remedy_where, "details", str, required=True)
            if category in ("workaround", "mitigation"):
                workarounds.append(details)
            elif category == "vendor_fix":
                fixes.append(details)
        for note_where, note in _items(vulnerability, where, "notes"):
            if _get(note, note_where, "category", str) in ("summary", "description"):
                text = _get(note, note_where, "text", str)
                if text and not summaries:
                    summaries.append(text)
    score = max(scores) if scores else None
    if fixes:
        summaries.append(_("Correctifs : ") + " ".join(dict.fromkeys(fixes)))
    link = next((url for category, url in links if category == "self"), None) or next(
        (url for _category, url in links), None
    )
    return {
        "source": _source_of_publisher(_get(head, "document", "publisher", dict)),
        "reference": reference,
        "title": title,
        "published_on": published,
        "severity": _worst(*severities, AdvisorySeverity.from_cvss(score))
        or AdvisorySeverity.MEDIUM,
        "cvss_score": score,
        "cve_ids": cves,
        "products": _csaf_products(document),
        "summary": "\n\n".join(dict.fromkeys(summaries)) or None,
        "workaround": "\n\n".join(dict.fromkeys(workarounds)) or None,
        "link": link,
        "revision": revision[:50] if revision else None,
        "revised_at": revised_at,
    }


# --- CVE JSON 5 ---------------------------------------------------------------------------------


def _cve_versions(affected: dict, where: str) -> str | None:
    names = []
    for version_where, version in _items(affected, where, "versions"):
        value = _get(version, version_where, "version", str, required=True)
        status = _get(version, version_where, "status", str, required=True)
        if status != "affected":
            continue
        upper = version.get("lessThan") or version.get("lessThanOrEqual")
        sign = "<" if version.get("lessThan") else "<="
        names.append(
            f"{value} {sign} {upper}"
            if upper and value != "0"
            else (f"{sign} {upper}" if upper else value)
        )
    return ", ".join(names)[:500] or None


def read_cve(record: dict) -> dict:
    """The advisory of a CVE JSON 5 record (values for AdvisoryCreate)."""
    if _get(record, "", "dataType", str, required=True) != "CVE_RECORD":
        raise DocumentRefused("dataType", _("CVE_RECORD est attendu"))
    metadata = _get(record, "", "cveMetadata", dict, required=True)
    cve = _cve_id(metadata, "cveMetadata", "cveId", required=True)
    if _get(metadata, "cveMetadata", "state", str) == "REJECTED":
        raise DocumentRefused("cveMetadata.state", _("cette CVE a été rejetée"))
    published = _get(metadata, "cveMetadata", "datePublished", str) or _get(
        metadata, "cveMetadata", "dateReserved", str, required=True
    )
    containers = _get(record, "", "containers", dict, required=True)
    cna = _get(containers, "containers", "cna", dict, required=True)
    base = "containers.cna"
    descriptions = {}
    for where, item in _items(cna, base, "descriptions"):
        lang = (_get(item, where, "lang", str, required=True) or "")[:2]
        descriptions.setdefault(lang, _get(item, where, "value", str, required=True))
    summary = (
        descriptions.get("fr") or descriptions.get("en") or next(iter(descriptions.values()), None)
    )
    if summary is None:
        raise DocumentRefused(_at(base, "descriptions"), _("est obligatoire"))
    products = []
    for where, affected in _items(cna, base, "affected"):
        product = _get(affected, where, "product", str) or _get(affected, where, "packageName", str)
        if product is None:
            raise DocumentRefused(_at(where, "product"), _("est obligatoire"))
        cpes = _get(affected, where, "cpes", list) or []
        entry = {
            "vendor": _get(affected, where, "vendor", str),
            "product": product,
            "versions": _cve_versions(affected, where),
            "cpe": cpes[0] if cpes and isinstance(cpes[0], str) else None,
        }
        products.append({k: v for k, v in entry.items() if v})
    if not products:
        raise DocumentRefused(_at(base, "affected"), _("est obligatoire"))
    scores, severities = [], []
    for where, metric in _items(cna, base, "metrics"):
        for key in ("cvssV4_0", "cvssV3_1", "cvssV3_0"):
            cvss = _get(metric, where, key, dict)
            if cvss:
                scores.append(_get(cvss, _at(where, key), "baseScore", float, required=True))
                severities.append(_severity_word(_get(cvss, _at(where, key), "baseSeverity", str)))
    score = max(scores) if scores else None
    workarounds = [
        _get(item, where, "value", str, required=True)
        for where, item in _items(cna, base, "workarounds")
    ]
    links = [
        _get(item, where, "url", str, required=True)
        for where, item in _items(cna, base, "references")
    ]
    provider_metadata = _get(cna, base, "providerMetadata", dict) or {}
    provider = _get(provider_metadata, _at(base, "providerMetadata"), "shortName", str) or ""
    title = _get(cna, base, "title", str) or f"{cve} {products[0]['product']}"
    return {
        "source": AdvisorySource.CERT_FR
        if provider.upper().replace("-", "") == "CERTFR"
        else AdvisorySource.VENDOR
        if provider and provider.lower() != "mitre"
        else AdvisorySource.OTHER,
        "reference": cve,
        "title": title[:300],
        "published_on": _day(published, "cveMetadata.datePublished"),
        "severity": _worst(*severities, AdvisorySeverity.from_cvss(score))
        or AdvisorySeverity.MEDIUM,
        "cvss_score": score,
        "cve_ids": [cve],
        "products": products,
        "summary": summary,
        "workaround": "\n\n".join(workarounds) or None,
        "link": links[0] if links else None,
        "revised_at": _instant(
            _get(metadata, "cveMetadata", "dateUpdated", str), "cveMetadata.dateUpdated"
        ),
    }


# --- one document, one file, a folder --------------------------------------------------------


def read_document(data: bytes) -> dict:
    """The advisory's checked values from a JSON document's bytes; DocumentRefused otherwise."""
    if len(data) > MAX_BYTES:
        raise DocumentRefused("", _("le document dépasse 20 Mo"))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DocumentRefused("", _("le document n'est pas en UTF-8")) from None
    except json.JSONDecodeError as error:
        raise DocumentRefused(
            "",
            _(
                "JSON illisible (ligne %(line)d, colonne %(column)d)",
                line=error.lineno,
                column=error.colno,
            ),
        ) from None
    if not isinstance(document, dict):
        raise DocumentRefused("", _("un objet JSON est attendu"))
    try:
        if "document" in document:
            values = read_csaf(document)
        elif "cveMetadata" in document or "dataType" in document:
            values = read_cve(document)
        else:
            raise DocumentRefused("", _("ni un document CSAF 2.0 ni un enregistrement CVE JSON 5"))
    except (TypeError, AttributeError, ValueError, KeyError) as error:
        if isinstance(error, DocumentRefused):
            raise
        raise DocumentRefused("", _("document mal formé, illisible")) from None
    try:
        return validate(AdvisoryCreate, values).model_dump()
    except FieldErrors as error:
        name, message = next(iter(error.errors.items()))
        raise DocumentRefused(name, message) from None


# What a later revision of a document replaces on the advisory (its source, reference and
# first publication stay).
REVISED_FIELDS = (
    "title",
    "severity",
    "cvss_score",
    "cve_ids",
    "products",
    "summary",
    "workaround",
    "link",
    "revision",
    "revised_at",
)


def _version_key(revision: str | None) -> tuple[int, ...]:
    """A CSAF tracking.version ("3", "1.2.0") as numbers to compare."""
    return tuple(int(part) for part in re.findall(r"\d+", revision or ""))


def is_newer(values: dict, advisory: Advisory) -> bool:
    """Whether the document read is a later revision than the advisory recorded: released
    after it (the same release date and a higher version number). An advisory recorded
    without its revision (by hand, or imported before revisions were kept) takes a revision
    released after it was recorded."""
    released = values.get("revised_at")
    if released is None:
        return False
    if advisory.revised_at is None:
        return advisory.created_at is not None and released > advisory.created_at
    if released != advisory.revised_at:
        return released > advisory.revised_at
    return _version_key(values.get("revision")) > _version_key(advisory.revision)


def _revision_label(values: dict) -> str:
    if values.get("revision"):
        return values["revision"]
    return values["revised_at"].strftime("%Y-%m-%d %H:%M UTC")


def import_document(session: Session, data: bytes, name: str, *, actor) -> Outcome:
    """Import one document (flushed, not committed): created; updated when it is a later
    revision of an advisory already recorded (through the register's update: audited, the
    version bumped, the map matched again, the treatments kept as they are); already present
    (the same revision or an older one: nothing changes); or refused with its reason (nothing
    written)."""
    try:
        values = read_document(data)
    except DocumentRefused as error:
        return Outcome(name, "refused", message=str(error))
    present = session.scalar(sa.select(Advisory).where(Advisory.reference == values["reference"]))
    if present is not None and not is_newer(values, present):
        return Outcome(name, "present", reference=present.reference, advisory=present)
    if present is not None:
        changes = {key: values[key] for key in REVISED_FIELDS}
        try:
            services.update_advisory(session, present, changes, actor=actor, keep_due_dates=True)
        except FieldErrors as error:
            return Outcome(name, "refused", message="; ".join(error.errors.values()))
        return Outcome(
            name,
            "updated",
            reference=present.reference,
            advisory=present,
            revision=_revision_label(values),
        )
    try:
        advisory = services.create_advisory(session, values, actor=actor)
    except FieldErrors as error:
        return Outcome(name, "refused", message="; ".join(error.errors.values()))
    return Outcome(name, "created", reference=advisory.reference, advisory=advisory)


def documents_at(path: Path) -> list[Path]:
    """The JSON files of a folder (sorted), or the one file given."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".json")
    return [path]
