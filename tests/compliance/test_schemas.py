"""The kernel's value types and schemas: one set of conversions and French messages for every
register, whichever door a value comes in by."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from sqlmodel import Field, SQLModel

from compliance.schemas import FieldErrors, Input, Query, partial, validate, validate_query
from compliance.types import Code, Day, Flag, Ids, Instant, Line, Text, WholeNumber


class Level(StrEnum):
    LOW = "low"
    HIGH = "high"


class ThingBase(SQLModel):
    title: Line = Field(max_length=20)
    notes: Text | None = Field(default=None, max_length=50)
    level: Code[Level]
    due_on: Day | None = None
    seen_at: Instant | None = None
    rank: WholeNumber | None = Field(default=None, ge=1, le=4)
    personal: Flag | None = None


class ThingCreate(ThingBase, Input):
    application_ids: Ids = []


ThingUpdate = partial(ThingCreate)


class ThingFilters(Query):
    __multiple__ = frozenset({"level"})
    level: list[Code[Level]] = []
    q: Line | None = None


def errors_of(schema, data, **kwargs) -> dict:
    with pytest.raises(FieldErrors) as caught:
        validate(schema, data, **kwargs)
    return caught.value.errors


def test_values_are_converted(base_app):
    with base_app.test_request_context():
        thing = validate(
            ThingCreate,
            {
                "title": "  Serveur\tde fichiers ",
                "notes": " ligne 1\r\nligne 2 ",
                "level": " high ",
                "due_on": "31/01/2026",
                "seen_at": "2026-07-01T10:00",
                "rank": "2",
                "personal": "oui",
                "application_ids": [3, "2", 3, ""],
            },
        )
    assert thing.title == "Serveur de fichiers"
    assert thing.notes == "ligne 1\nligne 2"
    assert thing.level is Level.HIGH
    assert thing.due_on == date(2026, 1, 31)
    # Without an offset, Paris time (summer: UTC+2).
    assert thing.seen_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert thing.rank == 2
    assert thing.personal is True
    assert thing.application_ids == [2, 3]


def test_blank_means_not_given(base_app):
    with base_app.test_request_context():
        thing = validate(
            ThingCreate, {"title": "x", "level": "low", "notes": "   ", "personal": ""}
        )
        assert thing.notes is None and thing.personal is None
        assert errors_of(ThingCreate, {"title": "  ", "level": "low"}) == {
            "title": "est obligatoire"
        }
        assert errors_of(ThingCreate, {"level": "low"}) == {"title": "est obligatoire"}


def test_one_message_per_field_in_french(base_app):
    with base_app.test_request_context():
        errors = errors_of(
            ThingCreate,
            {
                "title": "x" * 21,
                "notes": ["a list"],
                "level": "medium",
                "due_on": "2026-02-30",
                "seen_at": "hier",
                "rank": 9,
                "personal": "peut-être",
                "application_ids": [0],
                "colour": "blue",
            },
        )
    assert errors == {
        "title": "20 caractères au plus",
        "notes": "doit être du texte",
        "level": "doit être l'une des valeurs : low, high",
        "due_on": "doit être une date (AAAA-MM-JJ)",
        "seen_at": "doit être une date et une heure (AAAA-MM-JJTHH:MM)",
        "rank": "doit valoir au plus 4",
        "personal": "doit valoir vrai ou faux",
        "application_ids": "doit être un identifiant",
        "colour": "champ inconnu",
    }


def test_an_optional_text_too_long_counts_characters(base_app):
    with base_app.test_request_context():
        errors = errors_of(ThingCreate, {"title": "x", "level": "low", "notes": "x" * 51})
    assert errors == {"notes": "50 caractères au plus"}


def test_control_characters_are_refused(base_app):
    with base_app.test_request_context():
        errors = errors_of(ThingCreate, {"title": "a\x07b", "level": "low"})
    assert set(errors) == {"title"}


def test_messages_follow_the_users_language(base_app):
    with base_app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            errors = errors_of(ThingCreate, {"level": "low"})
    assert errors == {"title": "is required"}


def test_an_update_changes_only_what_is_sent(base_app):
    with base_app.test_request_context():
        changes = validate(ThingUpdate, {"notes": "", "rank": "3"})
        assert changes.model_dump(exclude_unset=True) == {"notes": None, "rank": 3}
        # A required field may be left out of an update, not blanked.
        assert errors_of(ThingUpdate, {"title": " "}) == {"title": "est obligatoire"}
        assert errors_of(ThingUpdate, {"rank": 0}) == {"rank": "doit valoir au moins 1"}


def test_read_only_keys_are_ignored_when_named(base_app):
    with base_app.test_request_context():
        thing = validate(ThingUpdate, {"id": 4, "title": "y"}, ignore={"id"})
        assert thing.model_dump(exclude_unset=True) == {"title": "y"}
        assert errors_of(ThingUpdate, {"id": 4}) == {"id": "champ inconnu"}


def test_query_strings(base_app):
    from werkzeug.datastructures import MultiDict

    with base_app.test_request_context():
        filters = validate_query(
            ThingFilters, MultiDict([("level", "low"), ("level", "high"), ("page", "2")])
        )
        assert filters.level == [Level.LOW, Level.HIGH]
        with pytest.raises(FieldErrors) as caught:
            validate_query(ThingFilters, MultiDict([("level", "medium")]))
        assert caught.value.errors == {"level.0": "doit être l'une des valeurs : low, high"}


def test_a_schema_and_its_table_share_one_declaration():
    class Thing(ThingBase, table=True):
        __tablename__ = "schema_test_thing"
        id: int | None = Field(default=None, primary_key=True)

    columns = Thing.__table__.c
    assert str(columns.title.type) == "VARCHAR(20)" and not columns.title.nullable
    assert str(columns.notes.type) == "VARCHAR(50)" and columns.notes.nullable
    SQLModel.metadata.remove(Thing.__table__)


class Setting(Input):
    colour: Line = Field(default="blue", max_length=20)
    shade: Line | None = Field(default=None, max_length=20)


def test_a_field_with_a_default_but_no_none_is_not_blanked_by_an_update(base_app):
    """A NOT NULL column with a default may be left out of a creation, never blanked."""
    update = partial(Setting, "SettingUpdate")
    with base_app.test_request_context():
        assert errors_of(update, {"colour": ""}) == {"colour": "est obligatoire"}
        assert validate(update, {"shade": ""}).model_dump(exclude_unset=True) == {"shade": None}
