"""Appending many audit entries at once, chained exactly as :func:`issuer.audit.record` does.

A chunk of a batch writes one ``credential.issue`` entry per credential. Taking the head's lock
once and inserting the entries in one statement keeps the chain identical (each entry's hash
over the previous one, :func:`issuer.audit.entry_hash`) at a fraction of the cost.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from issuer.audit import GENESIS, entry_hash
from issuer.batch import bulk
from issuer.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class Entry:
    """One entry to append."""

    action: str
    subject: str
    data: dict[str, Any]


def record_many(session: Session, *, actor: str, entries: Sequence[Entry], at: datetime) -> None:
    """Append ``entries`` in order, in the caller's transaction (they commit with the change)."""
    if not entries:
        return
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
    sequence, previous = head.sequence, head.hash
    values: list[dict[str, Any]] = []
    for entry in entries:
        sequence += 1
        text = json.dumps(entry.data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = entry_hash(previous, sequence, at, actor, entry.action, entry.subject, text)
        values.append(
            {
                "sequence": sequence,
                "at": at,
                "actor": actor,
                "action": entry.action,
                "subject": entry.subject,
                "data": text,
                "previous_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    bulk.insert_many(session, cast(Table, AuditEntry.__table__), values)
    head.sequence, head.hash = sequence, previous
    session.flush()
