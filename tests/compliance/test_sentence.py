"""The `Sentence` type: a reason the law asks for says something (a few words), in French
first; blank stays "not given"; line breaks are kept."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from compliance.schemas import FieldErrors, Input, partial, validate
from compliance.types import Sentence


class Reasoned(Input):
    reason: Sentence


ReasonedUpdate = partial(Reasoned)


@pytest.mark.parametrize("value", ["x", "RAS", "Aucun risque", "pas de risque ici"])
def test_a_word_or_two_is_not_a_reason(base_app, value):
    with base_app.test_request_context(), pytest.raises(FieldErrors) as caught:
        validate(Reasoned, {"reason": value})
    assert caught.value.errors["reason"] == (
        "doit être rédigé en une phrase au moins (3 mots et 20 lettres minimum)"
    )


def test_a_sentence_is_kept_with_its_line_breaks(base_app):
    text = "Le fichier était chiffré.\nLa clé n'a jamais quitté le coffre."
    with base_app.test_request_context():
        assert validate(Reasoned, {"reason": f"  {text}  "}).reason == text


def test_blank_is_not_given(base_app):
    with base_app.test_request_context():
        with pytest.raises(FieldErrors) as caught:
            validate(Reasoned, {"reason": "   "})
        assert caught.value.errors["reason"] == "est obligatoire"
        assert validate(ReasonedUpdate, {}).model_dump(exclude_unset=True) == {}


def test_the_message_follows_the_users_language(base_app):
    with (
        base_app.test_request_context(),
        force_locale("en"),
        pytest.raises(FieldErrors) as caught,
    ):
        validate(Reasoned, {"reason": "x"})
    assert "sentence" in caught.value.errors["reason"]
