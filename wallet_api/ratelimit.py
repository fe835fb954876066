"""Fixed-window rate limits kept in the database, so every process shares them.

A :class:`Limit` allows ``hits`` per ``window`` for one key (a client address, a learner). Each
:func:`hit` counts one and raises :class:`RateLimited` once the window's allowance is spent;
:func:`exceeded` only looks. Client addresses are kept as a SHA-256 prefix, never in clear.
Counting runs in its own short transaction (``sessions``), so a refused request still counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from wallet_api.models import RateCounter

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` of action ``name`` per ``window`` for one key."""

    name: str
    hits: int
    window: timedelta


class RateLimited(Exception):
    """Too many attempts; ``retry_after`` is the number of seconds until the window ends."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"too many {limit.name} attempts; retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


def client_key(address: str | None) -> str:
    """A stable, non-reversible key for a client address (``unknown`` when there is none)."""
    return hashlib.sha256((address or "unknown").encode()).hexdigest()[:24]


def _window(limit: Limit, now: datetime) -> tuple[datetime, int]:
    seconds = int(limit.window.total_seconds())
    elapsed = int((now.astimezone(UTC) - _EPOCH).total_seconds())
    start = _EPOCH + timedelta(seconds=elapsed - elapsed % seconds)
    return start, seconds - elapsed % seconds


def _bucket(limit: Limit, key: str) -> str:
    return f"{limit.name}:{key}"


def _count(session: Session, limit: Limit, key: str, now: datetime) -> int:
    start, _ = _window(limit, now)
    hits = session.scalar(
        select(RateCounter.hits).where(
            RateCounter.bucket == _bucket(limit, key), RateCounter.window_start == start
        )
    )
    return hits or 0


def exceeded(
    sessions: sessionmaker[Session], limit: Limit, key: str, now: datetime
) -> RateLimited | None:
    """The refusal to raise if ``key`` has spent its allowance, else None."""
    with sessions() as session:
        count = _count(session, limit, key, now)
    return RateLimited(limit, _window(limit, now)[1]) if count >= limit.hits else None


def hit(sessions: sessionmaker[Session], limit: Limit, key: str, now: datetime) -> None:
    """Count one attempt; raise :class:`RateLimited` if that is beyond the allowance."""
    hits = record(sessions, limit, key, now)
    if hits > limit.hits:
        raise RateLimited(limit, _window(limit, now)[1])


def record(sessions: sessionmaker[Session], limit: Limit, key: str, now: datetime) -> int:
    """Count one attempt and return the window's count so far (never raises for the limit)."""
    start, retry_after = _window(limit, now)
    bucket = _bucket(limit, key)
    for _ in range(3):
        with sessions() as session:
            row = session.scalar(
                select(RateCounter)
                .where(RateCounter.bucket == bucket, RateCounter.window_start == start)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if row is None:
                session.execute(delete(RateCounter).where(RateCounter.bucket == bucket))
                row = RateCounter(bucket=bucket, window_start=start, hits=0)
                session.add(row)
            row.hits += 1
            hits = row.hits
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
        return hits
    raise RateLimited(limit, retry_after)  # pragma: no cover - three lost races in a row
