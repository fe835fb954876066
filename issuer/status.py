"""The revocation registry's lists: Bitstring Status Lists per organization and purpose.

Allocation. Indexes are drawn at random among the free ones of a list (herd privacy) and never
reused: the ``status_allocations`` primary key makes a double allocation impossible even across
processes. A list is filled to ``FILL_LIMIT`` of its entries, then a new one is started. Free
indexes are found by probing random candidates against the primary key (one query per batch of
candidates), so allocating costs the same in an empty list and in a list of 100,000 entries.

Locking. A list row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock is
taken at BEGIN) while its bits or allocations change, so concurrent changes never lose an update.
Every locked read refreshes the row (``populate_existing``): a session keeps objects across
commits, and a stale copy would silently undo another process's change. Locks are always taken
in the same order — credential row, revocation lists, suspension lists (each by ascending
sequence), the audit head — so two transactions never wait on each other in a cycle.

Publishing. A list is served as a signed ``BitstringStatusListCredential``. It is re-signed on
the first read after a change (``version`` ≠ ``published_version``) or after a key rotation
(it is always signed by the organization's active key), under the row lock and re-checked
there, so a burst of revocations costs one signature, concurrent readers sign once, and every
read that starts after a change commits sees it. ``benchmarks/revocation.py`` measures this
against re-signing inside every change's transaction (:func:`publish`): on read wins as soon as
there is more than one change per read.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Integer, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.models import Organization, StatusAllocation, StatusList
from vc.data_integrity import format_datetime
from vc.status_list import MIN_ENTRIES
from vc.status_list import StatusList as Bitstring

PURPOSES = ("revocation", "suspension")
LIST_SIZE = MIN_ENTRIES
FILL_LIMIT = 0.9
ARRAY_INT = ARRAY(Integer())
PROBE_BATCH = 32
"""Random candidates tried per query (at 90 % full, 32 candidates miss with odds 0.9**32)."""

Signer = Callable[[dict[str, object]], dict[str, object]]
"""Signs a credential document with the organization's active key."""


@dataclass(frozen=True)
class Allocation:
    list_id: int
    sequence: int
    index: int
    purpose: str


@dataclass(frozen=True)
class Published:
    """A signed list as served: its JSON text, ETag and the time of its last change."""

    text: str
    etag: str
    last_modified: datetime


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
    return _allocate(
        session, organization, purpose, credential_ids, now, rng, _add_allocations, as_array=False
    )


AllocationWriter = Callable[[Session, Table, list[dict[str, object]]], None]
"""Inserts allocation rows (``list_id``, ``index``, ``credential_id``) into the given table."""


def allocate_bulk(
    session: Session,
    organization: Organization,
    purpose: str,
    credential_ids: list[str],
    *,
    now: datetime,
    write: AllocationWriter,
    rng: random.Random | None = None,
) -> list[Allocation]:
    """:func:`allocate_many` for a batch chunk: the same locked list and random draw, but each
    list's new allocation rows are written at once by ``write`` (e.g. with one ``COPY``)
    rather than added to the session one object at a time.

    On PostgreSQL the candidates are probed as one array parameter (``= ANY(:candidates)``, a
    short statement psycopg keeps prepared) and the transaction is planned with custom plans:
    a generic plan for that probe scans the whole list (``SET LOCAL``, planning only).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    return _allocate(
        session, organization, purpose, credential_ids, now, rng, write, as_array=postgresql
    )


def _allocate(
    session: Session,
    organization: Organization,
    purpose: str,
    credential_ids: list[str],
    now: datetime,
    rng: random.Random | None,
    write: AllocationWriter,
    *,
    as_array: bool,
) -> list[Allocation]:
    if purpose not in PURPOSES:
        raise ValueError(f"status purpose must be one of {PURPOSES}, not {purpose!r}")
    rng = rng or random.SystemRandom()
    result: list[Allocation] = []
    remaining = list(credential_ids)
    while remaining:
        status_list = _open_list(session, organization, purpose, now)
        room = int(status_list.size * FILL_LIMIT) - status_list.allocated
        batch, remaining = remaining[:room], remaining[room:]
        indexes = _free_indexes(session, status_list, len(batch), rng, as_array=as_array)
        rows: list[dict[str, object]] = []
        for credential_id, index in zip(batch, indexes, strict=True):
            rows.append({"list_id": status_list.id, "index": index, "credential_id": credential_id})
            result.append(Allocation(status_list.id, status_list.sequence, index, purpose))
        write(session, cast(Table, StatusAllocation.__table__), rows)
        status_list.allocated += len(batch)
        session.flush()
    return result


def _add_allocations(session: Session, _table: Table, rows: list[dict[str, object]]) -> None:
    for row in rows:
        session.add(StatusAllocation(**row))


def _free_indexes(
    session: Session,
    status_list: StatusList,
    count: int,
    rng: random.Random,
    *,
    as_array: bool = False,
) -> list[int]:
    """``count`` distinct random indexes not yet taken in the (locked) list."""
    chosen: list[int] = []
    seen: set[int] = set()
    while len(chosen) < count:
        want = count - len(chosen)
        candidates = {rng.randrange(status_list.size) for _ in range(want + PROBE_BATCH)} - seen
        if not candidates:
            continue
        seen |= candidates
        among = (
            StatusAllocation.index == any_(bindparam(None, sorted(candidates), ARRAY_INT))
            if as_array
            else StatusAllocation.index.in_(candidates)
        )
        taken = set(
            session.scalars(
                select(StatusAllocation.index).where(
                    StatusAllocation.list_id == status_list.id, among
                )
            )
        )
        free = [index for index in candidates if index not in taken]
        rng.shuffle(free)
        chosen.extend(free[:want])
    return chosen


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
        .execution_options(populate_existing=True)
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


def lock_list(session: Session, list_id: int) -> StatusList:
    """The list row, locked for this transaction and freshly read."""
    status_list = session.scalar(
        select(StatusList)
        .where(StatusList.id == list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if status_list is None:
        raise LookupError(f"no status list {list_id}")
    return status_list


def set_status(session: Session, list_id: int, index: int, value: bool, *, now: datetime) -> bool:
    """Set or clear one bit under a row lock; returns whether anything changed."""
    status_list = lock_list(session, list_id)
    bitstring = Bitstring(bytes(status_list.bits))
    if bitstring.get(index) == int(value):
        return False
    status_list.bits = bitstring.with_status(index, int(value)).bits
    status_list.version += 1
    status_list.updated_at = now
    session.flush()
    return True


def get_status(session: Session, list_id: int, index: int) -> bool:
    """The bit as committed (no lock)."""
    bits = session.scalar(select(StatusList.bits).where(StatusList.id == list_id))
    if bits is None:
        raise LookupError(f"no status list {list_id}")
    return bool(Bitstring(bytes(bits)).get(index))


def find_list(
    session: Session, organization: Organization, purpose: str, sequence: int
) -> StatusList | None:
    return session.scalar(
        select(StatusList)
        .where(
            StatusList.organization_id == organization.id,
            StatusList.purpose == purpose,
            StatusList.sequence == sequence,
        )
        .execution_options(populate_existing=True)
    )


def list_credential(
    status_list: StatusList,
    organization: Organization,
    *,
    base_url: str,
    slug: str,
    ttl_seconds: int,
) -> dict[str, object]:
    """The unsigned ``BitstringStatusListCredential`` for the list's current bits.

    ``ttl`` (milliseconds, §2.2 of the specification) is the same lifetime as the HTTP
    ``Cache-Control: max-age`` the list is served with.
    """
    url = status_list_url(base_url, slug, status_list.purpose, status_list.sequence)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": organization.did,
        "validFrom": _stamp(status_list.updated_at),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_bits(bytes(status_list.bits)),
            "ttl": ttl_seconds * 1000,
        },
    }


def encode_bits(bits: bytes) -> str:
    """``encodedList``: multibase base64url of GZIP (mtime 0) of ``bits``, at level 6.

    Level 9 (what :meth:`vc.status_list.StatusList.encode` uses) spends ~15 ms on a sparse
    131,072-bit list, 20x level 6, for a result ~15 % smaller; every re-signing pays it.
    """
    compressed = gzip.compress(bits, compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def publish(
    session: Session,
    status_list: StatusList,
    organization: Organization,
    *,
    base_url: str,
    slug: str,
    ttl_seconds: int,
    sign: Signer,
) -> None:
    """Sign the list's current bits into ``published`` (in the caller's transaction)."""
    document = list_credential(
        status_list, organization, base_url=base_url, slug=slug, ttl_seconds=ttl_seconds
    )
    status_list.published = json.dumps(sign(document), ensure_ascii=False)
    status_list.published_version = status_list.version
    session.flush()


def published(
    session: Session,
    status_list: StatusList,
    organization: Organization,
    *,
    base_url: str,
    slug: str,
    ttl_seconds: int,
    sign: Signer,
    verification_method: str | None = None,
) -> Published:
    """The signed list as served; re-signed first (and committed) if it changed since, or if
    it was not signed with ``verification_method`` (the active key, after a rotation).

    The staleness test is repeated under the row lock, so of several readers of a changed list
    one signs and the others serve what it signed.
    """
    if _is_stale(status_list, verification_method):
        session.rollback()  # end the read snapshot; take the lock in a fresh transaction
        status_list = lock_list(session, status_list.id)
        if _is_stale(status_list, verification_method):
            publish(
                session,
                status_list,
                organization,
                base_url=base_url,
                slug=slug,
                ttl_seconds=ttl_seconds,
                sign=sign,
            )
        session.commit()
    text = status_list.published or ""
    etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
    return Published(text, etag, _aware(status_list.updated_at))


def _is_stale(status_list: StatusList, verification_method: str | None) -> bool:
    text = status_list.published
    return (
        text is None
        or status_list.published_version != status_list.version
        or (verification_method is not None and json.dumps(verification_method) not in text)
    )


def allocated_count(session: Session, list_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(StatusAllocation)
        .where(StatusAllocation.list_id == list_id)
    )
    return int(count or 0)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL, its session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return format_datetime(_aware(moment))
