"""The verifier package's tables. Only `verifier/` reads or writes them.

- ``verifier_challenges``: challenges issued by ``POST /challenges`` for presentations, with
  their expiry; a challenge is spent by the first presentation verified against it.
- ``verifier_fetch_cache``: bodies fetched from other hosts (status lists, DID documents,
  registries) with their ETag and lifetime, so that the cache survives a restart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Challenge(Base):
    """A challenge for a verifiable presentation: single use, expiring."""

    __tablename__ = "verifier_challenges"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)


class FetchCacheEntry(Base):
    """A fetched body, kept by URL."""

    __tablename__ = "verifier_fetch_cache"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str | None] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(Timestamp)
    max_age: Mapped[float] = mapped_column(Float)
