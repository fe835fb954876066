"""The learner's identity in a credential: OB3 ``IdentityObject`` values, the ID number hashed.

Open Badges 3.0 (https://www.imsglobal.org/spec/ob/v3p0/#identityobject): ``identityHash`` is
either the plain value (``hashed: false``) or an IdentityHash, ``<algorithm>$<hex digest>`` of the
UTF-8 identifier with the ``salt`` string appended. A national ID number is only ever put in
hashed: ``sha256$`` + hex(SHA-256(id + salt)), where the salt is the base64url text (no padding)
of at least 16 random bytes, exactly as it appears in the credential's ``salt``.

Anyone who knows a learner's ID number can check it against the credential; anyone else would
have to try candidate numbers (the salt stops only precomputed tables).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

SALT_BYTES = 16
"""The size of a fresh salt, and the smallest accepted."""


def new_salt(random_bytes: Callable[[int], bytes]) -> bytes:
    """A fresh salt from ``random_bytes`` (pass ``secrets.token_bytes``)."""
    salt = random_bytes(SALT_BYTES)
    if not isinstance(salt, bytes) or len(salt) != SALT_BYTES:
        raise ValueError(f"random_bytes({SALT_BYTES}) must return {SALT_BYTES} bytes")
    return salt


def salt_text(salt: bytes) -> str:
    """The salt as the credential carries it: base64url without padding."""
    if not isinstance(salt, bytes) or len(salt) < SALT_BYTES:
        raise ValueError(f"salt must be at least {SALT_BYTES} random bytes")
    return base64.urlsafe_b64encode(salt).rstrip(b"=").decode("ascii")


def identity_hash(identifier: str, salt: str) -> str:
    """OB3's IdentityHash with SHA-256: ``sha256$`` + hex(SHA-256(UTF-8(identifier + salt)))."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def name_identity(name: str) -> dict[str, Any]:
    """The learner's name, in clear, as an IdentityObject."""
    return {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}


def national_id_identity(number: str, salt: bytes) -> dict[str, Any]:
    """The national ID number, salted and hashed, as an IdentityObject."""
    text = salt_text(salt)
    return {
        "type": "IdentityObject",
        "identityType": "nationalIdentityNumber",
        "hashed": True,
        "identityHash": identity_hash(number, text),
        "salt": text,
    }


def identifiers(name: str, national_id_number: str | None, salt: bytes) -> list[dict[str, Any]]:
    """The ``credentialSubject.identifier`` array: the name, then the hashed ID if there is one."""
    found = [name_identity(name)]
    if national_id_number is not None:
        found.append(national_id_identity(national_id_number, salt))
    return found
