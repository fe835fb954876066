"""The revocation registry: Bitstring Status Lists per organization and purpose.

Indexes are drawn at random among the free ones of a list (herd privacy) and never reused: the
``status_allocations`` primary key makes a double allocation impossible even across processes.
A list is filled to ``FILL_LIMIT`` of its entries, then a new one is started. A list row is
locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock at BEGIN) while its bits or
allocations change, so concurrent changes never lose an update.

A list is published as a signed ``BitstringStatusListCredential``; it is re-signed on the first
read after a change (``version`` ≠ ``published_version``), so a burst of revocations costs one
signature, and every read after a commit sees the change.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.models import Organization, StatusAllocation, StatusList
from vc.data_integrity import format_datetime
from vc.status_list import MIN_ENTRIES
from vc.status_list import StatusList as Bitstring

PURPOSES = ("revocation", "suspension")
LIST_SIZE = MIN_ENTRIES
FILL_LIMIT = 0.9

Signer = Callable[[dict[str, object]], dict[str, object]]
"""Signs a credential document with the organization's active key."""


@dataclass(frozen=True)
class Allocation:
    list_id: int
    sequence: int
    index: int
    purpose: str


def status_list_url(base_url: str, slug: str, purpose: str, sequence: int) -> str:
    return f"{base_url}/status/{slug}/{purpose}/{sequence}"


def status_entry(base_url: str, slug: str, allocation: Allocation) -> dict[str, str]:
    """The ``credentialStatus`` entry a credential carries for one allocation."""
    url = status_list_url(base_url, slug, allocation.purpose, allocation.sequence)
    return {
        "id": f"{url}#{allocation.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": allocation.purpose,
        "statusListIndex": str(allocation.index),
        "statusListCredential": url,
    }


def allocate(
    session: Session,
    organization: Organization,
    purpose: str,
    credential_id: str,
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> Allocation:
    """Take one random free index for ``credential_id`` (see :func:`allocate_many`)."""
    return allocate_many(session, organization, purpose, [credential_id], now=now, rng=rng)[0]


def allocate_many(
    session: Session,
    organization: Organization,
    purpose: str,
    credential_ids: list[str],
    *,
    now: datetime,
    rng: random.Random | None = None,
) -> list[Allocation]:
    """Take a random free index for each credential, in the caller's transaction."""
    if purpose not in PURPOSES:
        raise ValueError(f"status purpose must be one of {PURPOSES}, not {purpose!r}")
    rng = rng or random.SystemRandom()
    result: list[Allocation] = []
    remaining = list(credential_ids)
    while remaining:
        status_list = _open_list(session, organization, purpose, now)
        room = int(status_list.size * FILL_LIMIT) - status_list.allocated
        taken = set(
            session.scalars(
                select(StatusAllocation.index).where(StatusAllocation.list_id == status_list.id)
            )
        )
        batch, remaining = remaining[:room], remaining[room:]
        for credential_id in batch:
            index = _free_index(taken, status_list.size, rng)
            taken.add(index)
            session.add(
                StatusAllocation(list_id=status_list.id, index=index, credential_id=credential_id)
            )
            result.append(Allocation(status_list.id, status_list.sequence, index, purpose))
        status_list.allocated += len(batch)
        session.flush()
    return result


def _free_index(taken: set[int], size: int, rng: random.Random) -> int:
    while True:
        index = rng.randrange(size)
        if index not in taken:
            return index


def _open_list(
    session: Session, organization: Organization, purpose: str, now: datetime
) -> StatusList:
    """The organization's current list for ``purpose``, locked; a new one when it is full."""
    latest = session.scalar(
        select(StatusList)
        .where(StatusList.organization_id == organization.id, StatusList.purpose == purpose)
        .order_by(StatusList.sequence.desc())
        .limit(1)
        .with_for_update()
    )
    if latest is not None and latest.allocated < int(latest.size * FILL_LIMIT):
        return latest
    sequence = (latest.sequence + 1) if latest is not None else 1
    fresh = StatusList(
        organization_id=organization.id,
        purpose=purpose,
        sequence=sequence,
        size=LIST_SIZE,
        bits=bytes(LIST_SIZE // 8),
        allocated=0,
        version=0,
        updated_at=now,
        published=None,
        published_version=-1,
    )
    try:
        with session.begin_nested():
            session.add(fresh)
    except IntegrityError:
        # Another process created it first: take theirs, locked.
        return _open_list(session, organization, purpose, now)
    return fresh


def set_status(session: Session, list_id: int, index: int, value: bool, *, now: datetime) -> bool:
    """Set or clear one bit under a row lock; returns whether anything changed."""
    status_list = session.scalar(
        select(StatusList).where(StatusList.id == list_id).with_for_update()
    )
    if status_list is None:
        raise LookupError(f"no status list {list_id}")
    bitstring = Bitstring(bytes(status_list.bits))
    if bitstring.get(index) == int(value):
        return False
    status_list.bits = bitstring.with_status(index, int(value)).bits
    status_list.version += 1
    status_list.updated_at = now
    session.flush()
    return True


def find_list(
    session: Session, organization: Organization, purpose: str, sequence: int
) -> StatusList | None:
    return session.scalar(
        select(StatusList).where(
            StatusList.organization_id == organization.id,
            StatusList.purpose == purpose,
            StatusList.sequence == sequence,
        )
    )


def list_credential(
    status_list: StatusList,
    organization: Organization,
    *,
    base_url: str,
    slug: str,
    ttl_seconds: int,
) -> dict[str, object]:
    """The unsigned ``BitstringStatusListCredential`` for the list's current bits."""
    url = status_list_url(base_url, slug, status_list.purpose, status_list.sequence)
    updated = status_list.updated_at
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": organization.did,
        "validFrom": _stamp(updated),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": Bitstring(bytes(status_list.bits)).encode(),
            "ttl": ttl_seconds * 1000,
        },
    }


def published(
    session: Session,
    status_list: StatusList,
    organization: Organization,
    *,
    base_url: str,
    slug: str,
    ttl_seconds: int,
    sign: Signer,
) -> tuple[str, str]:
    """The signed list as JSON text and its ETag; re-signed first if it changed since."""
    if status_list.published is None or status_list.published_version != status_list.version:
        document = list_credential(
            status_list, organization, base_url=base_url, slug=slug, ttl_seconds=ttl_seconds
        )
        status_list.published = json.dumps(sign(document), ensure_ascii=False)
        status_list.published_version = status_list.version
        session.commit()
    text = status_list.published
    return text, '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def allocated_count(session: Session, list_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(StatusAllocation)
        .where(StatusAllocation.list_id == list_id)
    )
    return int(count or 0)


def _stamp(moment: datetime) -> str:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
