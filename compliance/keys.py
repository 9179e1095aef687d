"""Key rotation: a key first in the ring and every encrypted value re-encrypted with it, audited.

Beside ``compliance.crypto`` (the ring and the column type), since it needs every table and the
audit trail, which themselves use the column type."""

from __future__ import annotations

from pathlib import Path

from compliance import audit, load_models
from compliance.crypto import KeyRing, KeyRingError, new_ring, reencrypt_all, write_key_file


def rotate_keys(app, *, actor, new_key: str | None = None, batch_size: int = 500):
    """Make `new_key` (or a generated key) the ring's first key and re-encrypt every value.

    With the ring in the instance key file, the file is rewritten first (the new key first,
    the old ones kept to read what is not yet re-encrypted): running processes follow it. With
    COMPLIANCE_ENCRYPTION_KEYS, the file is not touched; `new_key` must already be in that
    ring (so that every process can read what is re-encrypted), and without it the values are
    re-encrypted under the ring's first key. Audited, with counts only. Returns the Rotation
    and the ring now in use.
    """
    ring: KeyRing = app.extensions["keyring"]
    ring.refresh()
    path = app.config.get("ENCRYPTION_KEYS_FILE")
    if path:
        keys = new_ring(ring.keys, new_key)
        write_key_file(Path(path), keys)
        ring.refresh(force=True)
        source = "instance file"
    else:
        if new_key and new_key not in ring.keys:
            raise KeyRingError(
                "the new key must first be in COMPLIANCE_ENCRYPTION_KEYS of every process "
                "(after the current key), so that they can read what is re-encrypted with it"
            )
        keys = new_ring(ring.keys, new_key) if new_key else ring.keys
        ring = KeyRing(keys)
        source = "environment"
    db = app.extensions["db"]
    result = reencrypt_all(db.engine, load_models(), ring, batch_size=batch_size)
    session = db.new_session()
    try:
        audit.record(
            session,
            action="rotate_keys",
            actor=actor,
            object_type="KeyRing",
            summary=f"encryption keys rotated: {result.re_encrypted} value(s) re-encrypted",
            changes={**result.as_dict(), "keys": len(keys), "source": source},
        )
        session.commit()
    finally:
        session.close()
    return result, keys
