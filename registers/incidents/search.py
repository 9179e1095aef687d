"""Searching encrypted text: a blind index of keyed word hashes.

The description and the timeline of an incident are encrypted at rest, so the database cannot
look inside them. Each incident keeps instead the HMAC of every word of its text (lowercased,
accents removed, three characters or more): a search hashes its words the same way and
compares hashes. Whole words match, the database never holds a readable word, and the key is
derived from the application's secret key (after changing it, run `compliance incidents
reindex`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from compliance.db import ROW_LOCK
from registers.incidents.models import Incident, SearchToken

_WORD = re.compile(r"[a-z0-9]{3,}")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
TOKEN_LENGTH = 32


def words(text: str | None) -> set[str]:
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    plain = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return set(_WORD.findall(plain))


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(b"registre/incident-search/v1\x00" + secret).digest()


def token(word: str, key: bytes | None = None) -> str:
    digest = hmac.new(key or _key(), word.encode(), hashlib.sha256).hexdigest()
    return digest[:TOKEN_LENGTH]


def indexed_text(incident: Incident) -> list[str | None]:
    return [
        incident.title,
        incident.description,
        incident.impact_notes,
        incident.reported_by,
        incident.lessons_learnt,
        *(entry.text for entry in incident.entries),
    ]


def reindex(session: Session, incident: Incident) -> None:
    """Replace the incident's tokens by those of its current text. The incident's row is
    locked first and its text read again: two requests writing to one incident at the same time
    (two timeline entries, say) index one after the other, the second with the first's words."""
    session.flush()
    session.refresh(incident, with_for_update=ROW_LOCK)
    session.expire(incident, ["entries"])
    key = _key()
    tokens = {token(word, key) for text in indexed_text(incident) for word in words(text)}
    session.execute(sa.delete(SearchToken).where(SearchToken.incident_id == incident.id))
    if tokens:
        session.execute(
            sa.insert(SearchToken),
            [{"incident_id": incident.id, "token": value} for value in sorted(tokens)],
        )


def matching(q: str):
    """The SQL condition of an incident holding every word of `q` in its encrypted text, or
    None when `q` has no word long enough."""
    key = _key()
    wanted = sorted(words(q))
    if not wanted:
        return None
    return sa.and_(
        *(
            Incident.id.in_(
                sa.select(SearchToken.incident_id).where(SearchToken.token == token(word, key))
            )
            for word in wanted
        )
    )
