"""Verification grants: a learner lets whoever holds a link or a code see chosen credentials.

Like the CHSI online verification report (学信网在线验证报告): the learner picks credentials
and a validity of 1 to 180 days and gets

- a link ``{base}/verify?grant=<token>`` (token: 256 random bits), also as a QR code;
- a 16-character verification code in Crockford's base32 (no I, L, O, U; 80 random bits),
  shown as ``XXXX-XXXX-XXXX-XXXX``; typed codes are read leniently (lower case, spaces,
  hyphens, O for 0, I and L for 1).

Both are looked up by their SHA-256; for the owner they are also sealed under the KEK so the
wallet can show the link and QR code again. The owner can extend or close a grant and sees
every look (time, link or code, a coarse user agent — no address). A closed, expired or unknown
grant answers only "expired or closed". Lookups are rate-limited per client address (see
:class:`GrantLookup`), so 80-bit codes cannot be brute-forced.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet_api import accounts, ratelimit, store
from wallet_api.context import WalletContext
from wallet_api.models import Grant, GrantAccess, Learner, StoredCredential
from wallet_api.presentations import sign_presentation, unsigned_presentation
from wallet_api.sealing import seal, secret_hash, unseal

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
MIN_DAYS, MAX_DAYS = 1, 180
MAX_CREDENTIALS = 50
UNAVAILABLE = "this verification grant is expired or closed"
_LENIENT = str.maketrans({"O": "0", "I": "1", "L": "1"})
GrantState = Literal["open", "expired", "closed"]


class GrantError(ValueError):
    """A grant cannot be made or changed as asked."""


class GrantUnavailable(LookupError):
    """Unknown, expired or closed — deliberately indistinguishable."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


def new_code() -> str:
    """16 Crockford base32 characters: 80 random bits."""
    number = int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))


def format_code(code: str) -> str:
    """``XXXX-XXXX-XXXX-XXXX``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str) -> str | None:
    """The canonical 16-character code a person typed, or None if it cannot be one."""
    if len(text) > 64:
        return None
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_LENIENT)
    if len(cleaned) != CODE_LENGTH or any(c not in CROCKFORD for c in cleaned):
        return None
    return cleaned


def grant_url(base_url: str, token: str) -> str:
    return f"{base_url}/verify?grant={token}"


@dataclass(frozen=True)
class GrantSecrets:
    """The link token and the code of a grant (for its owner's eyes)."""

    token: str
    code: str

    def url(self, base_url: str) -> str:
        return grant_url(base_url, self.token)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def state(grant: Grant, now: datetime) -> GrantState:
    if grant.closed_at is not None:
        return "closed"
    return "expired" if now >= _as_utc(grant.expires_at) else "open"


def _check_days(days: int) -> timedelta:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise GrantError(f"validDays must be {MIN_DAYS} to {MAX_DAYS}, not {days}")
    return timedelta(days=days)


def _owned_entries(session: Session, learner: Learner, entry_ids: list[str]) -> list[str]:
    if not 1 <= len(entry_ids) <= MAX_CREDENTIALS or len(set(entry_ids)) != len(entry_ids):
        raise GrantError(f"credentialIds must be 1 to {MAX_CREDENTIALS} distinct wallet entries")
    for entry_id in entry_ids:
        if store.owned(session, learner, entry_id) is None:
            raise LookupError(f"no credential {entry_id!r} in this wallet")
    return entry_ids


def create(
    session: Session,
    context: WalletContext,
    learner: Learner,
    entry_ids: list[str],
    *,
    valid_days: int,
    label: str = "",
) -> tuple[Grant, GrantSecrets]:
    """A new grant of the learner's entries ``entry_ids``; LookupError for one not theirs."""
    validity = _check_days(valid_days)
    chosen = _owned_entries(session, learner, entry_ids)
    now = context.clock()
    made = GrantSecrets(token=secrets.token_urlsafe(32), code=new_code())
    grant_id = f"gr_{uuid.uuid4().hex}"
    sealed = seal(
        context.key_encryption_key,
        f"onex-grant:{grant_id}",
        json.dumps({"token": made.token, "code": made.code}).encode(),
    )
    grant = Grant(
        id=grant_id,
        learner_id=learner.id,
        label=label.strip()[:200],
        credential_ids=chosen,
        token_hash=secret_hash(made.token),
        code_hash=secret_hash(made.code),
        secret_ciphertext=sealed,
        created_at=now,
        expires_at=now + validity,
    )
    session.add(grant)
    session.flush()
    return grant, made


def secrets_of(context: WalletContext, grant: Grant) -> GrantSecrets:
    """The grant's link token and code, unsealed for its owner."""
    plain = unseal(context.key_encryption_key, f"onex-grant:{grant.id}", grant.secret_ciphertext)
    data = json.loads(plain)
    return GrantSecrets(token=data["token"], code=data["code"])


def owned(session: Session, learner: Learner, grant_id: str) -> Grant | None:
    grant = session.get(Grant, grant_id)
    return grant if grant is not None and grant.learner_id == learner.id else None


def listing(session: Session, learner: Learner) -> list[Grant]:
    query = select(Grant).where(Grant.learner_id == learner.id)
    return list(session.scalars(query.order_by(Grant.created_at.desc(), Grant.id)))


def extend(grant: Grant, *, valid_days: int, now: datetime) -> None:
    """Make the grant valid for ``valid_days`` from now; GrantError if it is closed."""
    validity = _check_days(valid_days)
    if grant.closed_at is not None:
        raise GrantError("a closed grant cannot be extended; make a new one")
    grant.expires_at = now + validity


def close(grant: Grant, now: datetime) -> None:
    """Close the grant for good (closing twice changes nothing)."""
    if grant.closed_at is None:
        grant.closed_at = now


def accesses(session: Session, grant: Grant) -> list[GrantAccess]:
    query = select(GrantAccess).where(GrantAccess.grant_id == grant.id)
    return list(session.scalars(query.order_by(GrantAccess.at.desc(), GrantAccess.id.desc())))


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python", "Python"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("HarmonyOS", "HarmonyOS"),
    ("Linux", "Linux"),
)


def coarse_user_agent(user_agent: str | None) -> str:
    """ "Chrome on Android"-style: browser family and system only, never versions."""
    text = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in text), "other")
    system = next((name for mark, name in _SYSTEMS if mark in text), None)
    return browser if system is None else f"{browser} on {system}"


@dataclass(frozen=True)
class SharedGrant:
    """What a grant shows: the holder, the credentials, and a presentation when there is one.

    ``presentation`` is signed by the learner's key just now, with a fresh ``challenge`` and
    ``domain`` (the service's base URL) — or the one the learner uploaded — or None.
    """

    holder: str
    expires_at: datetime
    credentials: list[dict[str, Any]]
    presentation: dict[str, Any] | None
    challenge: str | None
    domain: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "expiresAt": self.expires_at.isoformat(),
            "verifiableCredential": self.credentials,
            "verifiablePresentation": self.presentation,
            "challenge": self.challenge,
            "domain": self.domain,
        }


def find(session: Session, code_or_token: str) -> tuple[Grant, str] | None:
    """The grant a link token or a typed code names, and which one it was."""
    code = normalize_code(code_or_token)
    if code is not None:
        found = session.scalar(select(Grant).where(Grant.code_hash == secret_hash(code)))
        if found is not None:
            return found, "code"
    if len(code_or_token) > 200:
        return None
    found = session.scalar(select(Grant).where(Grant.token_hash == secret_hash(code_or_token)))
    return (found, "link") if found is not None else None


def _shared_documents(session: Session, grant: Grant) -> list[dict[str, Any]]:
    rows = [session.get(StoredCredential, entry) for entry in grant.credential_ids]
    return [
        store.document_of(row)
        for row in rows
        if row is not None and row.learner_id == grant.learner_id
    ]


def open_grant(
    session: Session, context: WalletContext, code_or_token: str, *, user_agent: str | None
) -> SharedGrant:
    """Show the grant and log the look; GrantUnavailable if unknown, expired or closed."""
    now = context.clock()
    found = find(session, code_or_token)
    if found is None or state(found[0], now) != "open":
        raise GrantUnavailable()
    grant, via = found
    learner = session.get(Learner, grant.learner_id)
    if learner is None:  # pragma: no cover - a foreign key guarantees it
        raise GrantUnavailable()
    credentials = _shared_documents(session, grant)
    session.add(
        GrantAccess(grant_id=grant.id, at=now, via=via, user_agent=coarse_user_agent(user_agent))
    )
    presentation, challenge, domain = _presentation(context, learner, grant, credentials, now)
    return SharedGrant(
        learner.did, _as_utc(grant.expires_at), credentials, presentation, challenge, domain
    )


def _presentation(
    context: WalletContext,
    learner: Learner,
    grant: Grant,
    credentials: list[dict[str, Any]],
    now: datetime,
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    if not accounts.custodial(learner):
        uploaded = json.loads(grant.presentation) if grant.presentation else None
        return uploaded, None, None
    key, method = accounts.learner_key(context, learner)
    challenge = secrets.token_urlsafe(16)
    signed = sign_presentation(
        unsigned_presentation(learner.did, credentials),
        key=key,
        verification_method=method,
        challenge=challenge,
        domain=context.base_url,
        now=now,
        loader=context.loader,
    )
    return signed, challenge, context.base_url


class GrantLookup:
    """The employer's side: ``lookup(code_or_token)`` → the shared credentials.

    Rate-limited per client address: ``limits.grant_lookups`` looks per window, and after
    ``limits.grant_lookup_failures`` failed ones every look is refused until the window ends.
    Raises :class:`GrantUnavailable` or :class:`~wallet_api.ratelimit.RateLimited`.
    """

    def __init__(self, context: WalletContext) -> None:
        self._context = context

    def __call__(
        self, code_or_token: str, *, client: str | None = None, user_agent: str | None = None
    ) -> SharedGrant:
        return self.lookup(code_or_token, client=client, user_agent=user_agent)

    def lookup(
        self, code_or_token: str, *, client: str | None = None, user_agent: str | None = None
    ) -> SharedGrant:
        context, limits = self._context, self._context.limits
        key, now = ratelimit.client_key(client), context.clock()
        refused = ratelimit.exceeded(context.sessions, limits.grant_lookup_failures, key, now)
        if refused is not None:
            raise refused
        ratelimit.hit(context.sessions, limits.grant_lookups, key, now)
        try:
            with context.sessions() as session:
                shared = open_grant(session, context, code_or_token, user_agent=user_agent)
                session.commit()
        except GrantUnavailable:
            ratelimit.record(context.sessions, limits.grant_lookup_failures, key, now)
            raise
        return shared
