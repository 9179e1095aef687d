"""French labels: names after « de » are elided through one helper, on pages and in Word
documents; date fields say the format they expect."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DateTimeLocalField

from compliance.documents import make_environment
from compliance.forms import Form
from compliance.text import de

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "word"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ivry-sur-Seine", "d'Ivry-sur-Seine"),
        ("Arcueil", "d'Arcueil"),
        ("Vitry-sur-Seine", "de Vitry-sur-Seine"),
        ("Le Kremlin-Bicêtre", "du Kremlin-Bicêtre"),
        ("Les Lilas", "des Lilas"),
        ("La Courneuve", "de La Courneuve"),
        ("Éragny", "d'Éragny"),
        ("Office public de l'habitat", "d'Office public de l'habitat"),
    ],
)
def test_de_elides_before_a_vowel_and_contracts_le_and_les(name, expected):
    assert de(name) == expected


def test_word_documents_have_the_de_filter():
    rendered = make_environment().from_string("Registre {{ name|de }}").render(name="Arcueil")
    assert html.unescape(rendered) == "Registre d'Arcueil"


def test_register_page_title_is_elided(client, login_as, organisation):
    login_as("referent", organisation)
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert "Registre d&#39;Ivry-sur-Seine" in page or "Registre d'Ivry-sur-Seine" in page
    assert "Registre de Ivry" not in page


def test_register_page_title_in_english(client, login_as, organisation, session):
    user = login_as("referent", organisation)
    user.language = "en"
    session.commit()
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert "Record of Ivry-sur-Seine" in page


class _Dates(Form):
    class Meta:
        csrf = False

    day = DateField("Jour")
    instant = DateTimeLocalField("Instant")


def test_a_date_field_says_the_format_it_expects(app):
    with app.test_request_context():
        form = _Dates(MultiDict({"day": "31-02-2026", "instant": "demain"}))
        assert not form.validate()
        assert form.errors["day"] == ["Date invalide : format attendu JJ/MM/AAAA"]
        assert form.errors["instant"] == [
            "Date et heure invalides : format attendu JJ/MM/AAAA HH:MM"
        ]


def test_a_date_field_reads_the_format_it_names(app):
    with app.test_request_context():
        form = _Dates(MultiDict({"day": "15/03/2026", "instant": "15/03/2026 09:30"}))
        assert form.validate(), form.errors
        assert form.day.data.isoformat() == "2026-03-15"
        assert form.instant.data.isoformat() == "2026-03-15T09:30:00"


@pytest.mark.parametrize(
    "name",
    [
        "processing-activity",
        "processing-register",
        "processor-register",
        "breach-notification",
        "breach-register",
    ],
)
def test_word_documents_name_the_dpo_one_way(name):
    """« délégué à la protection des données (DPD) », then « DPD »; never « DPO »."""
    with zipfile.ZipFile(TEMPLATES / f"{name}.docx") as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    assert "Délégué à la protection des données (DPD)" in xml
    assert not re.search(r"\bDPO\b", xml)


def test_the_interface_says_delegue_not_dpo():
    """The pages name the DPO « délégué » (or « délégué à la protection des données »): no
    translatable French text says « DPO » or « DPD » alone."""
    root = TEMPLATES.parents[1]
    message = re.compile(r"""_l?\(\s*["']([^"']*\bDP[OD]\b[^"']*)["']""")
    found = []
    for folder in ("templates", "compliance", "registers"):
        for path in (root / folder).rglob("*"):
            if path.suffix in (".html", ".py"):
                found += [(path.name, m) for m in message.findall(path.read_text("utf-8"))]
    assert found == []
