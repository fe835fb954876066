"""Learner accounts: register, sign in and out, session tokens, the learner's key.

- Passwords are hashed with argon2id (argon2-cffi's defaults); signing in checks a hash even
  for an unknown user name, so the time taken does not tell whether the account exists.
- A session token is ``onexw_`` + 256 random bits; only its SHA-256 is stored, with an expiry
  (``WalletContext.session_ttl``).
- Each learner gets an Ed25519 did:key whose secret is sealed under the service KEK, bound to
  the DID — or registers a DID they control (did:key or did:web), and then signs presentations
  themselves (``secret_ciphertext`` is empty).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from issuer.templates.requests import check_learner_did
from vc.did.key import did_key, did_key_verification_method
from vc.keys import KeyPair
from wallet_api.context import WalletContext
from wallet_api.models import Learner, WalletSession
from wallet_api.sealing import seal, secret_hash, unseal

USERNAME = re.compile(r"[a-z0-9][a-z0-9._@+-]{2,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
TOKEN_PREFIX = "onexw_"
_DUMMY_PASSWORD = "onex-timing-equalizer"


class AccountError(ValueError):
    """The account cannot be created as asked; the message names the field and the value."""


class AccountTaken(AccountError):
    """The user name or the DID belongs to another account."""


@dataclass(frozen=True)
class SignIn:
    """A new session: the bearer token (shown once) and when it expires."""

    token: str
    expires_at: datetime
    learner: Learner


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def normalize_username(username: str) -> str:
    """The stored form of a user name (lower case), or AccountError."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "username must be 3-64 characters: letters, digits and . _ @ + -, "
            "starting with a letter or digit"
        )
    return name


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters, got {len(password)}"
        )


def _key_binding(did: str) -> str:
    return f"onex-learner-key:{did}"


def register(
    session: Session,
    context: WalletContext,
    *,
    username: str,
    password: str,
    display_name: str,
    did: str | None = None,
) -> Learner:
    """Create a learner; a fresh Ed25519 did:key held for them unless ``did`` is given."""
    name = normalize_username(username)
    _check_password(password)
    if session.scalar(select(Learner.id).where(Learner.username == name)) is not None:
        raise AccountTaken(f"username {name!r} is taken")
    algorithm: str | None = None
    sealed: bytes | None = None
    if did is None:
        pair = KeyPair.generate("Ed25519")
        did, algorithm = did_key(pair.public), pair.algorithm
        sealed = seal(context.key_encryption_key, _key_binding(did), pair.secret_bytes)
    else:
        try:
            did = check_learner_did(did)
        except ValueError as exc:
            raise AccountError(f"did: {exc}") from None
        if session.scalar(select(Learner.id).where(Learner.did == did)) is not None:
            raise AccountTaken(f"did {did!r} is already registered to another account")
    learner = Learner(
        username=name,
        display_name=display_name.strip() or name,
        password_hash=context.password_hasher.hash(password),
        did=did,
        key_algorithm=algorithm,
        secret_ciphertext=sealed,
        created_at=context.clock(),
    )
    session.add(learner)
    session.flush()
    return learner


def _password_matches(context: WalletContext, stored: str, password: str) -> bool:
    try:
        return context.password_hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash(context: WalletContext) -> str:
    key = id(context.password_hasher)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = context.password_hasher.hash(_DUMMY_PASSWORD)
    return _DUMMY_HASHES[key]


def login(session: Session, context: WalletContext, username: str, password: str) -> SignIn | None:
    """A new session for the right user name and password, else None (same time either way)."""
    try:
        name = normalize_username(username)
    except AccountError:
        name = ""
    learner = session.scalar(select(Learner).where(Learner.username == name)) if name else None
    stored = learner.password_hash if learner is not None else _dummy_hash(context)
    matches = _password_matches(context, stored, password[:MAX_PASSWORD])
    if learner is None or not matches:
        return None
    if context.password_hasher.check_needs_rehash(learner.password_hash):
        learner.password_hash = context.password_hasher.hash(password)
    now = context.clock()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + context.session_ttl
    session.execute(
        delete(WalletSession).where(
            WalletSession.learner_id == learner.id, WalletSession.expires_at <= now
        )
    )
    session.add(
        WalletSession(
            token_hash=secret_hash(token),
            learner_id=learner.id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return SignIn(token, expires_at, learner)


def authenticate(session: Session, token: str, now: datetime) -> Learner | None:
    """The learner whose unexpired session ``token`` is, else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.get(WalletSession, secret_hash(token))
    if row is None or _as_utc(row.expires_at) <= now:
        return None
    return session.get(Learner, row.learner_id)


def logout(session: Session, token: str) -> None:
    """End the session ``token`` (nothing happens for an unknown one)."""
    session.execute(delete(WalletSession).where(WalletSession.token_hash == secret_hash(token)))


def custodial(learner: Learner) -> bool:
    """Whether the service holds the learner's key (else the learner signs)."""
    return learner.secret_ciphertext is not None


def learner_key(context: WalletContext, learner: Learner) -> tuple[KeyPair, str]:
    """The learner's key pair and its verification method URL; ValueError if not held here."""
    if learner.secret_ciphertext is None or learner.key_algorithm is None:
        raise ValueError(f"the key of {learner.did} is held by the learner, not by this wallet")
    secret = unseal(
        context.key_encryption_key, _key_binding(learner.did), learner.secret_ciphertext
    )
    pair = KeyPair.from_secret_bytes("Ed25519", secret)
    if did_key(pair.public) != learner.did:
        raise ValueError(f"the stored key of learner {learner.id} does not match {learner.did}")
    return pair, did_key_verification_method(pair.public)
