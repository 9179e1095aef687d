"""Every rendering of a Word template is bounded: iterations, string and output size, time. A
template past the bounds is refused at upload (with the demo's data and with the organisation's
own data), and at export time the shipped template is used instead, with a warning."""

from __future__ import annotations

import time

import pytest
from flask import get_flashed_messages

from compliance import documents, render_limits
from compliance.document_templates import TemplateRejected, check_template, store_template
from compliance.documents import DocumentType, export_document, make_environment
from compliance.render_limits import TemplateLimitExceeded, bounded_render
from tests.compliance.test_documents import NAME, build_template, example_context, texts

NESTED = "{% for i in range(10000) %}{% for j in range(10000) %}.{% endfor %}{% endfor %}"
NESTED_PRINTING = (
    "{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}{% endfor %}{% endfor %}"
)
EMPTY_BODY = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
HUGE_PRODUCT = "{% set s = 'x' * 10**8 %}{{ s|length }}"
DOUBLING = (
    "{% set ns = namespace(s='x') %}"
    "{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
)
DOUBLING_PLUS = (
    "{% set ns = namespace(s='x') %}"
    "{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"
)
# Fine on one row (what the demo's organisations hold), past the iteration bound on six rows.
PER_ROW = "{% for row in rows %}{% for i in range(90000) %}{% endfor %}{% endfor %}"


LIVE_ROWS = [{**example_context()["rows"][0], "name": f"Logiciel {n}"} for n in range(6)]
BUSY = "Commune chargée"


def rows_of(organisation) -> list[dict]:
    """Six rows for the busy organisation, none for the empty one, one for any other (the
    demo's)."""
    if organisation.name == BUSY:
        return LIVE_ROWS
    return [] if organisation.slug == "vide" else LIVE_ROWS[:1]


@pytest.fixture
def document_type(app, word_folder, monkeypatch):
    kind = DocumentType(
        name=NAME,
        title="Registre de test",
        register="dashboard",
        context=lambda session, organisation, user: (
            {"title": organisation.name, "rows": rows} if (rows := rows_of(organisation)) else None
        ),
    )
    monkeypatch.setitem(app.extensions.setdefault("document_types", {}), NAME, kind)
    return kind


def render_string(source: str, **context) -> str:
    return make_environment().from_string(source).render(**context)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (NESTED, "itérations"),
        (NESTED_PRINTING, "itérations"),
        (EMPTY_BODY, "itérations"),
        (HUGE_PRODUCT, "séquence trop longue"),
        (DOUBLING, "chaîne de caractères trop longue"),
        (DOUBLING_PLUS, "chaîne de caractères trop longue"),
    ],
)
def test_an_upload_past_the_limits_is_refused_quickly(app, document_type, source, message):
    started = time.monotonic()
    with app.test_request_context(), pytest.raises(TemplateRejected, match=message):
        check_template(build_template(extra=(source,)), document_type)
    # A second or two on an idle machine; the bound leaves room for a heavily loaded one.
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "source",
    [
        "{{ range(100000)|join('x' * 1000000) }}",
        "{{ ('x' * 1000000)|replace('x', 'y' * 100) }}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'|indent(10**9) }}",
        "{{ '%999999999d'|format(1) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d'|format(999999999, 1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{:{w}}'.format(1, w=999999999) }}",
        "{{ 2 ** 1000 }}",
        "{% set ns = namespace(n=10 ** 60) %}"
        "{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n > 0 }}",
        "{% set ns = namespace(n=10 ** 60) %}"
        "{% for i in range(40) %}{% set ns.n = ns.n ** 2 %}{% endfor %}{{ ns.n > 0 }}",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
        "{% set s = 'x' * 1000000 %}{% for i in range(1000) %}{{ s }}{% endfor %}",
    ],
)
def test_every_way_to_build_a_huge_string_or_spin_is_bounded(app, source):
    started = time.monotonic()
    with app.test_request_context(), pytest.raises(TemplateLimitExceeded):
        render_string(source)
    assert time.monotonic() - started < 15


def test_ordinary_templates_render_as_before(app):
    with app.test_request_context():
        assert render_string(
            "{{ [1, 2]|join(', ') }} {{ 'a' ~ 'b' }} {{ 'x'|replace('x', 'y') }}"
        ) == ("1, 2 ab y")
        assert render_string("{{ '%05d'|format(42) }} {{ '{:>4}'.format(7) }}") == "00042    7"
        assert render_string("{% for i in range(3) %}{{ loop.index }}{% endfor %}") == "123"
        assert render_string("{{ 12 * 3 }} {{ 2 ** 10 }} {{ 7 % 3 }} {{ '%d%%'|format(5) }}") == (
            "36 1024 1 5%"
        )


def test_the_budget_is_shared_by_every_part_of_one_render(app, monkeypatch):
    monkeypatch.setattr(render_limits, "MAX_ITERATIONS", 50)
    source = "{% for i in range(30) %}{% endfor %}"
    with app.test_request_context():
        render_string(source)
        render_string(source)
        with pytest.raises(TemplateLimitExceeded), bounded_render():
            render_string(source)
            render_string(source)


def test_a_render_past_its_time_is_stopped(app, monkeypatch):
    monkeypatch.setattr(render_limits, "MAX_SECONDS", 0.0)
    with app.test_request_context(), pytest.raises(TemplateLimitExceeded, match="secondes"):
        render_string("{% for i in range(5000) %}{% endfor %}")


def test_upload_is_checked_with_the_organisation_own_data(
    app, session, instance, document_type, make_organisation
):
    template = build_template(extra=(PER_ROW,))
    empty = make_organisation("Vide")
    with app.test_request_context():
        # The demo has one row: within the bounds; so has an organisation with no data yet.
        check_template(template, document_type)
        store_template(session, document_type, empty, template, actor="test")
        busy = make_organisation(BUSY)
        with pytest.raises(TemplateRejected, match="Avec les données de l'organisation"):
            store_template(session, document_type, busy, template, actor="test")


def test_an_export_past_the_limits_falls_back_to_the_shipped_template(
    app, session, instance, document_type, make_organisation
):
    organisation = make_organisation("Arcueil")
    # Stored before the checks existed, or checked when the organisation had less data.
    path = documents.override_path(NAME, organisation)
    path.parent.mkdir(parents=True)
    path.write_bytes(build_template(heading="Maquette : {{ title }}", extra=(PER_ROW,)))
    with app.test_request_context():
        data, record = export_document(
            session,
            document=NAME,
            template=NAME,
            context={"title": "Registre", "rows": LIVE_ROWS},
            title="Registre",
            filename="registre.docx",
            actor="test",
            organisation=organisation,
            parameters={"organisation": organisation.slug},
        )
        warnings = get_flashed_messages(category_filter=["warning"])
    assert "Registre : Registre" in texts(data) and "Logiciel 5" in texts(data)
    assert record.parameters["organisation"] == organisation.slug
    fallback = record.parameters["template_fallback"]
    assert fallback["template"] == NAME and "itérations" in fallback["reason"]
    assert len(warnings) == 1 and "modèle d'origine" in warnings[0]
    session.flush()


def test_a_shipped_template_past_the_limits_is_an_error(app, session, word_folder):
    (word_folder / f"{NAME}.docx").write_bytes(build_template(extra=(EMPTY_BODY,)))
    with app.test_request_context(), pytest.raises(TemplateLimitExceeded):
        export_document(
            session,
            document=NAME,
            template=NAME,
            context={"title": "Registre", "rows": []},
            title="Registre",
            filename="registre.docx",
            actor="test",
        )
