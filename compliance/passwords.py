"""The password policy: the one check of every password set, by a page, the API or the CLI.

It follows the CNIL's recommendation for passwords used alone (délibération n° 2022-100): at
least 80 bits of entropy, that is 12 characters mixing the four kinds (upper case, lower case,
digits, special characters), 14 of three kinds, or a longer passphrase; and no password that an
attacker tries first: a common one, a repetitive one, a keyboard or alphabetical sequence, or
one built on the account's name or e-mail address.
"""

from __future__ import annotations

import math
import unicodedata
from functools import cache
from itertools import pairwise
from pathlib import Path

from flask_babel import gettext as _

from compliance.services import ServiceError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_ENTROPY_BITS = 80
# Size of the alphabet of each kind of character, for the entropy of a password that uses it.
ALPHABETS = {"lower": 26, "upper": 26, "digit": 10, "special": 33}
COMMON_PASSWORDS = Path(__file__).parent / "reference" / "common-passwords.txt"
# Rows of keys and orders people type in sequence, forwards or backwards.
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertzuiop",
    "&é\"'(-è_çà)=",
    "!@#$%^&*()_+",
    "aqwzsxedcrfvtgbyhnujikolpm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "€": "e",
                      "5": "s", "$": "s", "7": "t", "+": "t", "8": "b", "9": "g"})  # fmt: skip
MIN_RUN = 3
MIN_DISTINCT = 6


def validate_password(password: str, *, user=None) -> None:
    """Raise ServiceError, with a message saying what is required, unless the password may be
    used. `user` (any object with `email` and `name`) is the account it is for."""
    password = password or ""
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(
            _("Le mot de passe ne doit pas dépasser %(n)d caractères.", n=MAX_PASSWORD_LENGTH)
        )
    if not is_strong_enough(password):
        raise ServiceError(
            _(
                "Mot de passe trop faible : il faut au moins 12 caractères mêlant majuscules, "
                "minuscules, chiffres et caractères spéciaux, ou 14 caractères de trois de ces "
                "sortes, ou une phrase de passe plus longue (20 caractères, par exemple "
                "quatre mots séparés par des tirets)."
            )
        )
    if is_repetitive(password):
        raise ServiceError(
            _(
                "Mot de passe trop prévisible : il répète des caractères ou un motif, ou suit "
                "une séquence du clavier, de l'alphabet ou des chiffres (aaaa, abcd, azerty, "
                "1234). Choisissez-en un autre."
            )
        )
    if is_common(password):
        raise ServiceError(
            _(
                "Ce mot de passe est l'un des plus courants, même avec des chiffres ou des "
                "symboles ajoutés : choisissez-en un autre."
            )
        )
    if user is not None and is_personal(password, user):
        raise ServiceError(
            _("Le mot de passe ne doit contenir ni le nom ni l'adresse e-mail du compte.")
        )


def _kind(character: str) -> str:
    if character.isdigit():
        return "digit"
    if character.isupper():
        return "upper"
    if character.islower():
        return "lower"
    return "special"


def entropy_bits(password: str) -> float:
    """Length × log2 of the alphabet of the kinds of characters used."""
    kinds = {_kind(c) for c in password}
    if not kinds:
        return 0.0
    return len(password) * math.log2(sum(ALPHABETS[kind] for kind in kinds))


def is_strong_enough(password: str) -> bool:
    length, kinds = len(password), len({_kind(c) for c in password})
    if length < MIN_PASSWORD_LENGTH:
        return False
    if (length >= 12 and kinds == 4) or (length >= 14 and kinds >= 3):
        return True
    return entropy_bits(password) >= MIN_ENTROPY_BITS


@cache
def _adjacent_pairs() -> frozenset[tuple[str, str]]:
    pairs = set()
    for row in SEQUENCES:
        for a, b in pairwise(row):
            pairs.update({(a, b), (b, a)})
    return frozenset(pairs)


def _in_runs(text: str) -> int:
    """How many characters belong to a run of at least MIN_RUN keys typed in sequence
    (abc, 321, azer) or of the same character (aaa)."""
    pairs, covered, start = _adjacent_pairs(), 0, 0
    for index in range(1, len(text) + 1):
        linked = index < len(text) and (
            (text[index - 1], text[index]) in pairs or text[index - 1] == text[index]
        )
        if not linked:
            if index - start >= MIN_RUN:
                covered += index - start
            start = index
    return covered


def is_repetitive(password: str) -> bool:
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT:
        return True
    # A repeated motif (Soleil!Soleil!): the string is found inside itself doubled.
    if (lowered + lowered).find(lowered, 1) < len(lowered):
        return True
    return 2 * _in_runs(lowered) >= len(lowered)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _plain(text: str) -> str:
    """Lower case without accents: Été and ete are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_common(password: str) -> bool:
    common = common_passwords()
    lowered = _plain(password)
    # The word under the decorations people add at either end: Motdepasse2024! -> motdepasse.
    core = lowered.strip("0123456789 !?.,;:*#$%&@+-_=/\\'\"()[]{}<>~^`|€£§°")
    candidates = {lowered, core, core.translate(LEET), lowered.translate(LEET)}
    candidates |= {c.replace("-", "").replace("_", "").replace(" ", "") for c in candidates}
    if candidates & common:
        return True
    # A common password of some length that makes up most of it.
    return any(
        len(word) >= 6 and word in candidate and 2 * len(word) >= len(candidate)
        for word in common
        for candidate in (lowered, lowered.translate(LEET))
    )


def _personal_words(user) -> set[str]:
    words = set()
    local = _plain((getattr(user, "email", "") or "").partition("@")[0])
    if len(local) >= 3:
        words.add(local)
    for text in (local, _plain(getattr(user, "name", "") or "")):
        for part in "".join(c if c.isalnum() else " " for c in text).split():
            if len(part) >= 4:
                words.add(part)
    return words


def is_personal(password: str, user) -> bool:
    lowered = _plain(password)
    return any(word in lowered for word in _personal_words(user))
