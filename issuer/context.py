"""What the issuer needs from the service that hosts it, handed in explicitly."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from vc.jsonld import DocumentLoader


@dataclass(frozen=True)
class IssuerContext:
    """The issuer's dependencies: database sessions, public base URL, KEK, clock, loader."""

    sessions: sessionmaker[Session]
    base_url: str
    key_encryption_key: bytes
    clock: Callable[[], datetime]
    loader: DocumentLoader
    status_max_age: int = 300

    @property
    def digest_key(self) -> bytes:
        """A key for request digests, derived from (never equal to) the KEK."""
        return hmac.new(self.key_encryption_key, b"onex request digest v1", "sha256").digest()
