"""Secrets at rest: AES-256-GCM under the service's key-encryption key (KEK).

A sealed value is ``nonce (12 bytes) ‖ ciphertext ‖ tag``; the associated data binds it to
the row it belongs to (a learner's DID, a grant's id), so a ciphertext moved to another row
does not open. Hashes of high-entropy secrets (session tokens, grant links and codes) are
plain SHA-256: they cannot be guessed, so a slow hash would add nothing.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed value does not open: wrong KEK, altered, or bound to another row."""


def _aead(kek: bytes) -> AESGCM:
    if len(kek) != 32:
        raise ValueError(f"the key-encryption key must be 32 bytes, got {len(kek)}")
    return AESGCM(kek)


def seal(kek: bytes, associated: str, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` bound to ``associated``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead(kek).encrypt(nonce, plaintext, associated.encode("utf-8"))


def unseal(kek: bytes, associated: str, blob: bytes) -> bytes:
    """The plaintext sealed by :func:`seal`; :class:`SealError` otherwise."""
    if len(blob) <= NONCE_BYTES + 16:
        raise SealError(f"sealed value for {associated!r} is too short ({len(blob)} bytes)")
    try:
        return _aead(kek).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated.encode("utf-8")
        )
    except InvalidTag as exc:
        raise SealError(f"cannot open the sealed value for {associated!r}") from exc


def secret_hash(secret: str) -> str:
    """SHA-256 (hex) of a high-entropy secret, the form in which it is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
