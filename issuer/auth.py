"""API keys for organizations and supervisors: shown once, stored as SHA-256, revocable.

A key looks like ``onex_<prefix>_<secret>``; the prefix finds the row, the secret's hash is
compared in constant time. Keys are 256-bit random, so a fast hash is the right one (a
password hash would only slow every request).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import ApiKey

ROLES = ("organization", "supervisor")
_DUMMY_HASH = hashlib.sha256(b"onex-dummy").hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is calling: a supervisor or an organization (by id)."""

    role: str
    organization_id: int | None
    supervisor_id: int | None
    key_prefix: str

    @property
    def label(self) -> str:
        if self.role == "organization":
            return f"organization:{self.organization_id}"
        return f"supervisor:{self.supervisor_id}"


def create_api_key(
    session: Session,
    *,
    role: str,
    now: datetime,
    organization_id: int | None = None,
    supervisor_id: int | None = None,
    label: str = "",
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key text (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(
        prefix=prefix,
        secret_hash=_hash(secret),
        role=role,
        organization_id=organization_id,
        supervisor_id=supervisor_id,
        label=label,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, f"onex_{prefix}_{secret}"


def authenticate(session: Session, presented: str) -> Caller | None:
    """The caller a key belongs to, or None (unknown, malformed or revoked key)."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "onex":
        hmac.compare_digest(_DUMMY_HASH, _hash(presented))
        return None
    _, prefix, secret = parts
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    expected = row.secret_hash if row is not None else _DUMMY_HASH
    if not hmac.compare_digest(expected, _hash(secret)) or row is None:
        return None
    if row.revoked_at is not None:
        return None
    return Caller(row.role, row.organization_id, row.supervisor_id, row.prefix)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
