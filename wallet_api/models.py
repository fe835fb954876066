"""The wallet_api package's tables. Only `wallet_api/` reads or writes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Timestamp = DateTime(timezone=True)


class Learner(Base):
    """A wallet account: a password (argon2id) and a DID — custodial (key held encrypted under
    the service KEK) or self-managed (``secret_ciphertext`` empty: the learner signs)."""

    __tablename__ = "wallet_learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(2048))
    key_algorithm: Mapped[str | None] = mapped_column(String(16))
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class WalletSession(Base):
    """A sign-in: the bearer token is stored as its SHA-256 only, and expires."""

    __tablename__ = "wallet_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("wallet_learners.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class StoredCredential(Base):
    """A credential in a learner's wallet: claimed from an offer or imported, and its status."""

    __tablename__ = "wallet_credentials"
    __table_args__ = (UniqueConstraint("learner_id", "credential_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("wallet_learners.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    issuer_did: Mapped[str] = mapped_column(String(2048))
    issuer_name: Mapped[str] = mapped_column(String(400))
    display_name: Mapped[str] = mapped_column(String(800))
    document: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[str | None] = mapped_column(String(300))
    status_checked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    added_at: Mapped[datetime] = mapped_column(Timestamp)


class Grant(Base):
    """A verification grant: chosen credentials shown to whoever holds the link or the code.

    The link token and the 16-character code are looked up by their SHA-256; for the owner
    they are also kept AES-GCM encrypted under the service KEK (to show the QR code again).
    """

    __tablename__ = "wallet_grants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("wallet_learners.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    credential_ids: Mapped[list[str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    presentation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class GrantAccess(Base):
    """One look at a grant: when, how (link or code) and a coarse user agent; no IP address."""

    __tablename__ = "wallet_grant_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("wallet_grants.id"), index=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    via: Mapped[str] = mapped_column(String(8))
    user_agent: Mapped[str] = mapped_column(String(64))


class RateCounter(Base):
    """Hits of one client on one limited action in one time window (shared by all processes)."""

    __tablename__ = "wallet_rate_counters"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(Timestamp, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


# --- credit bank (wallet_api/credit_bank.py) ---------------------------------------------------


class CreditDeposit(Base):
    """A credential of the wallet deposited in the learner's credit bank as a learning outcome:
    its id and the digest (``sha256-…`` of its JCS form) of the copy deposited."""

    __tablename__ = "wallet_credit_deposits"
    __table_args__ = (UniqueConstraint("learner_id", "credential_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("wallet_learners.id"), index=True)
    entry_id: Mapped[str] = mapped_column(String(40))
    credential_id: Mapped[str] = mapped_column(String(300))
    digest_sri: Mapped[str] = mapped_column(String(100))
    deposited_at: Mapped[datetime] = mapped_column(Timestamp)


class CreditApplication(Base):
    """A learner's application for a conversion: the school's conversion id to follow it."""

    __tablename__ = "wallet_credit_applications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("wallet_learners.id"), index=True)
    school: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(40))
    conversion_id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
