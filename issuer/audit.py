"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own canonical
JSON (sequence, time, actor, action, subject, data), so editing, deleting or reordering any
entry breaks every later link. Appends take a row lock on the single ``audit_head`` row (on
SQLite the write lock taken at BEGIN does the same), so concurrent processes append in order.
The head hash can be published: anyone holding it can later check that history was not
rewritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def entry_hash(
    previous_hash: str,
    sequence: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: str,
) -> str:
    """The hash of one entry, chained to the previous one."""
    body = json.dumps(
        [sequence, at.isoformat(), actor, action, subject, data],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((previous_hash + body).encode("utf-8")).hexdigest()


def record(
    session: Session, *, actor: str, action: str, subject: str, data: dict[str, Any], at: datetime
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits with the change it records)."""
    at = at.astimezone(UTC)
    head = session.scalar(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)  # a session may hold a copy from before
    )
    if head is None:
        head = AuditHead(id=1, sequence=0, hash=GENESIS)
        session.add(head)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    sequence = head.sequence + 1
    digest = entry_hash(head.hash, sequence, at, actor, action, subject, text)
    entry = AuditEntry(
        sequence=sequence,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=text,
        previous_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.sequence, head.hash = sequence, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the chain: ``broken_at`` is the first bad sequence, if any."""

    entries: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(entries: Iterable[AuditEntry], head: AuditHead | None = None) -> ChainCheck:
    """Check every link in sequence order, and that the head row matches the last entry."""
    previous, count, expected_sequence = GENESIS, 0, 1
    for entry in entries:
        if entry.sequence != expected_sequence:
            return ChainCheck(
                count,
                previous,
                expected_sequence,
                f"entry {expected_sequence} is missing (found {entry.sequence})",
            )
        if entry.previous_hash != previous:
            return ChainCheck(
                count,
                previous,
                entry.sequence,
                "its previous_hash does not match the entry before it",
            )
        digest = entry_hash(
            previous,
            entry.sequence,
            _as_utc(entry.at),
            entry.actor,
            entry.action,
            entry.subject,
            entry.data,
        )
        if digest != entry.hash:
            return ChainCheck(
                count, previous, entry.sequence, "its content does not match its hash"
            )
        previous, count, expected_sequence = digest, count + 1, expected_sequence + 1
    if head is not None and (head.sequence != count or head.hash != previous):
        return ChainCheck(
            count,
            previous,
            count + 1,
            f"the head says {head.sequence} entries ending {head.hash[:12]}…, "
            f"the log has {count} ending {previous[:12]}… (entries were deleted)",
        )
    return ChainCheck(count, previous)


def check_database(session: Session) -> ChainCheck:
    """Verify the whole chain stored in the database."""
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence))
    return verify_chain(entries, session.get(AuditHead, 1))


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL, its session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
