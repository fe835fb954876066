"""The issuer's tables: organizations, accreditations, keys, API keys, credentials, status
lists and the audit log. Only ``issuer/`` reads or writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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


class Supervisor(Base):
    """A ministry or provincial department account that accredits organizations."""

    __tablename__ = "supervisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Organization(Base):
    """An evaluation organization (X certificates) or a school (diplomas)."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    did: Mapped[str] = mapped_column(String(300), unique=True)
    did_method: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Accreditation(Base):
    """A scope an organization may issue within, for a period; suspendable by a supervisor."""

    __tablename__ = "accreditations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(Timestamp)
    valid_until: Mapped[datetime] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    changes: Mapped[list[AccreditationChange]] = relationship(
        order_by="AccreditationChange.at, AccreditationChange.id", lazy="selectin"
    )


class AccreditationChange(Base):
    """One status change of an accreditation (suspended, reinstated as active, ended), kept so
    that what held at any past moment is exact; before its first change it was active."""

    __tablename__ = "accreditation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Timestamp)


class SigningKey(Base):
    """An organization's signing key; the secret is AES-GCM encrypted under the KEK."""

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("organization_id", "fragment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    fragment: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key_multibase: Mapped[str] = mapped_column(String(200))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    active_from: Mapped[datetime] = mapped_column(Timestamp)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ApiKey(Base):
    """An API key (stored as its SHA-256): an organization's, or a supervisor's."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("supervisors.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class IssuedCredential(Base):
    """A credential this service issued, with its status entries and lineage."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key"),
        Index("ix_issued_credentials_number", "organization_id", "kind", "number"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(64))
    learner_name: Mapped[str | None] = mapped_column(String(200), index=True)
    learner_did: Mapped[str | None] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(Timestamp)
    valid_until: Mapped[datetime | None] = mapped_column(Timestamp)
    issued_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id"))
    revocation_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    revocation_index: Mapped[int] = mapped_column(Integer)
    suspension_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    suspension_index: Mapped[int] = mapped_column(Integer)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    replaces: Mapped[str | None] = mapped_column(String(100))
    superseded_by: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    # The revocation registry (issuer/revocation.py): reason codes (a fixed vocabulary, shown
    # publicly; the free-text reasons above are not), when a suspension began, and, for
    # template-issued credentials, the validated request as JSON — with the national ID number
    # left out: only its salted hash (the credential's IdentityObject) is kept, for reissue.
    revocation_reason_code: Mapped[str | None] = mapped_column(String(32))
    suspension_reason_code: Mapped[str | None] = mapped_column(String(32))
    suspended_at: Mapped[datetime | None] = mapped_column(Timestamp)
    template_request: Mapped[str | None] = mapped_column(Text)


class StatusList(Base):
    """One Bitstring Status List of an organization for one purpose (revocation, suspension)."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("organization_id", "purpose", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    published: Mapped[str | None] = mapped_column(Text)
    published_version: Mapped[int] = mapped_column(Integer, default=-1)


class StatusAllocation(Base):
    """An index taken in a status list: the primary key makes double allocation impossible."""

    __tablename__ = "status_allocations"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(100))


class AuditHead(Base):
    """The single row holding the audit chain's head; locked to append in order."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    data: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CredentialOffer(Base):
    """A credential waiting to be claimed into a learner's wallet (issuer/offers.py).

    ``request`` holds ``{"request": <validated template request without learner DID or national
    ID number>, "nationalIdentity": <its salted-hash IdentityObject or null>}``; the one-time
    claim code is stored as its SHA-256 only. Redeeming signs the credential and records its id.
    """

    __tablename__ = "credential_offers"
    __table_args__ = (Index("ix_credential_offers_number", "organization_id", "kind", "number"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    learner_name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Timestamp)
    redeemed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    holder_did: Mapped[str | None] = mapped_column(String(300))
    credential_id: Mapped[str | None] = mapped_column(String(100))


# --- batch issuance (issuer/batch/) ------------------------------------------------------------


class BatchJob(Base):
    """An uploaded batch for one credential kind: its dry run, then its run (resumable)."""

    __tablename__ = "batch_jobs"
    __table_args__ = (Index("ix_batch_jobs_source", "organization_id", "kind", "source_sha256"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(300))
    source_format: Mapped[str] = mapped_column(String(8))
    source_sha256: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    runner: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    error: Mapped[str | None] = mapped_column(Text)


class BatchRow(Base):
    """One row of a batch: the dry run's ``outcome``, then what the run did (``state``).

    ``credential_id`` and the status indexes are decided and committed before signing, so a
    killed run re-signs exactly these and stores each credential once (its primary key)."""

    __tablename__ = "batch_rows"
    __table_args__ = (Index("ix_batch_rows_state", "job_id", "state"),)

    job_id: Mapped[str] = mapped_column(ForeignKey("batch_jobs.id"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(64))
    learner_name: Mapped[str | None] = mapped_column(String(200))
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    replaces: Mapped[str | None] = mapped_column(String(100))
    credential_id: Mapped[str | None] = mapped_column(String(100))
    revocation_list_id: Mapped[int | None] = mapped_column(Integer)
    revocation_index: Mapped[int | None] = mapped_column(Integer)
    suspension_list_id: Mapped[int | None] = mapped_column(Integer)
    suspension_index: Mapped[int | None] = mapped_column(Integer)
    reserved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    offer_id: Mapped[str | None] = mapped_column(String(100))
    claim_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)


# --- credit bank: the outcome catalogue (issuer/outcome_catalogue.py) -------------------------


class OutcomeEntry(Base):
    """A supervisor's entry: an X certificate (skill domain, level) or a diploma (education
    level, major or any) is a recognized learning outcome worth ``credits``.

    ``active_key`` equals ``match_key`` while the entry is in force and is NULL once withdrawn:
    its unique constraint allows one entry in force per key on every database."""

    __tablename__ = "outcome_catalogue"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    match_key: Mapped[str] = mapped_column(String(120), index=True)
    active_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    skill_domain_code: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16))
    education_level: Mapped[str | None] = mapped_column(String(32))
    major_code: Mapped[str | None] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    credits: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    created_by: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(Timestamp)


# --- credit bank: conversion rules and conversions (issuer/credit_rules.py, conversions.py) ----


class CreditRule(Base):
    """A school's rule: an X certificate (skill domain, minimum level) or a diploma converts
    into credits for, or an exemption from, one course of one of its majors."""

    __tablename__ = "credit_rules"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    major_code: Mapped[str] = mapped_column(String(32))
    major_name_zh: Mapped[str] = mapped_column(String(200))
    major_name_en: Mapped[str] = mapped_column(String(200))
    course_code: Mapped[str] = mapped_column(String(32))
    course_name_zh: Mapped[str] = mapped_column(String(200))
    course_name_en: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(32))
    skill_domain_code: Mapped[str | None] = mapped_column(String(32))
    min_level: Mapped[str | None] = mapped_column(String(16))
    education_level: Mapped[str | None] = mapped_column(String(32))
    source_major_code: Mapped[str | None] = mapped_column(String(32))
    credits: Mapped[str | None] = mapped_column(String(16))
    exemption: Mapped[bool] = mapped_column(Boolean, default=False)
    validity_years: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Timestamp)


class CreditConversion(Base):
    """A learner's application to a school under one rule, and the school's decision.

    ``outcomes`` lists ``{"credentialId", "digestSRI"}``; an approval records the id of the
    signed conversion record (an OB3 credential issued by the school)."""

    __tablename__ = "credit_conversions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("credit_rules.id"))
    learner_did: Mapped[str] = mapped_column(String(2048), index=True)
    outcomes: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    credential_id: Mapped[str | None] = mapped_column(String(100))
