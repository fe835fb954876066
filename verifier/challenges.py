"""Challenges for verifiable presentations: issued by ``POST /challenges``, stored with an
expiry, spent by the first presentation verified against them (in any worker process)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from verifier.models import Challenge

ChallengeState = Literal["fresh", "used", "expired", "unknown"]
_KEEP_SPENT = timedelta(days=1)


@dataclass(frozen=True)
class IssuedChallenge:
    challenge: str
    expires: datetime


class ChallengeStore:
    """Challenges in the ``verifier_challenges`` table."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        ttl: timedelta = timedelta(minutes=10),
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("the challenge lifetime must be positive")
        self._sessions = sessions
        self._clock = clock
        self._ttl = ttl

    def issue(self) -> IssuedChallenge:
        """A new random challenge (128 bits, base64url), valid for the store's lifetime."""
        now = self._clock()
        issued = IssuedChallenge(secrets.token_urlsafe(16), now + self._ttl)
        with self._sessions() as session, session.begin():
            session.execute(delete(Challenge).where(Challenge.expires_at < now - _KEEP_SPENT))
            session.add(
                Challenge(challenge=issued.challenge, created_at=now, expires_at=issued.expires)
            )
        return issued

    def spend(self, challenge: str) -> ChallengeState:
        """Mark ``challenge`` used; say whether it was ``fresh`` (unused and unexpired), already
        ``used``, ``expired``, or ``unknown`` to this store. Atomic across processes."""
        now = self._clock()
        if len(challenge) > 64:
            return "unknown"
        with self._sessions() as session, session.begin():
            spent = session.execute(
                update(Challenge)
                .where(
                    Challenge.challenge == challenge,
                    Challenge.used_at.is_(None),
                    Challenge.expires_at > now,
                )
                .values(used_at=now)
            )
            if spent.rowcount == 1:  # type: ignore[attr-defined]
                return "fresh"
            row = session.get(Challenge, challenge)
        if row is None:
            return "unknown"
        if row.used_at is not None:
            return "used"
        expires = row.expires_at
        expires = expires.replace(tzinfo=UTC) if expires.tzinfo is None else expires
        return "expired" if expires <= now else "used"
