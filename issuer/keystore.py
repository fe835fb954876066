"""Organizations' signing keys: encrypted at rest, rotated with their history kept.

Secrets are encrypted with AES-256-GCM under the key-encryption key (KEK) of the
:class:`~issuer.context.IssuerContext`: a fresh 12-byte nonce per key, the associated data
``onex-key:<organization id>:<fragment>`` binding the ciphertext to its row, stored as
``nonce ‖ ciphertext`` in ``SigningKey.secret_ciphertext``. A wrong KEK, an altered ciphertext
or a ciphertext moved to another row raises :class:`KeyDecryptionError`; a decrypted secret
is also checked against the row's public key, so a wrong key is never handed out.

Each key has a fragment (``key-1``, ``key-2``, …) and an active period: ``active_from`` until
``retired_at``. Rotation retires the active key and creates the next one; retired keys stay
in the did:web document (see :mod:`vc.did.web`) so credentials signed before a rotation still
verify. An organization whose DID method is ``key`` has one key forever: its DID is that
key's did:key, and rotation is refused.

:class:`OrganizationKeys` is the in-process resolver that ``service/`` hands to the verifier
for our own organizations.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import record
from issuer.context import IssuerContext
from issuer.models import Organization, SigningKey
from vc.did import VerificationMethod, VerificationMethodResolver
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.did.web import DEFAULT_RELATIONSHIPS, KeyRecord, build_did_web_document, did_web_from_url
from vc.errors import DIDResolutionError, KeyFormatError
from vc.keys import KeyPair, PublicKey
from vc.types import JsonObject

__all__ = [
    "SIGNING_ALGORITHMS",
    "ActiveSigner",
    "KeyDecryptionError",
    "KeyRotationError",
    "NoActiveKeyError",
    "OrganizationKeys",
    "active_key",
    "active_signer",
    "create_initial_key",
    "decrypt_secret",
    "did_document",
    "encrypt_secret",
    "key_history",
    "key_record",
    "key_rows",
    "load_signer",
    "organization_did_web",
    "rotate_key",
    "verification_method_id",
]

SigningAlgorithm = Literal["Ed25519", "P-256"]
SIGNING_ALGORITHMS: tuple[SigningAlgorithm, ...] = ("Ed25519", "P-256")
NONCE_BYTES = 12
_FRAGMENT_NUMBER = re.compile(r"key-([0-9]+)")
_CACHE_LIMIT = 1024


class KeyDecryptionError(Exception):
    """A stored secret cannot be decrypted, or does not match its row's public key."""


class KeyRotationError(ValueError):
    """The organization's key cannot be rotated (a did:key organization, or a bad time)."""


class NoActiveKeyError(LookupError):
    """The organization has no active signing key."""


# --- encryption at rest ------------------------------------------------------------------


def _associated_data(organization_id: int, fragment: str) -> bytes:
    return f"onex-key:{organization_id}:{fragment}".encode()


def _aead(kek: bytes) -> AESGCM:
    if len(kek) != 32:
        raise ValueError(f"the key-encryption key must be 32 bytes (AES-256), got {len(kek)}")
    return AESGCM(kek)


def encrypt_secret(
    kek: bytes, organization_id: int, fragment: str, secret: bytes, *, nonce: bytes | None = None
) -> bytes:
    """``nonce ‖ AES-256-GCM(secret)``, bound to the row (organization id, fragment)."""
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"the nonce must be {NONCE_BYTES} bytes, got {len(nonce)}")
    sealed = _aead(kek).encrypt(nonce, secret, _associated_data(organization_id, fragment))
    return nonce + sealed


def decrypt_secret(kek: bytes, organization_id: int, fragment: str, blob: bytes) -> bytes:
    """The secret sealed by :func:`encrypt_secret`; :class:`KeyDecryptionError` otherwise."""
    where = f"signing key {fragment!r} of organization {organization_id}"
    if len(blob) <= NONCE_BYTES + 16:
        raise KeyDecryptionError(f"{where}: the stored ciphertext is too short ({len(blob)} bytes)")
    nonce, sealed = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        return _aead(kek).decrypt(nonce, sealed, _associated_data(organization_id, fragment))
    except InvalidTag as exc:
        raise KeyDecryptionError(
            f"{where}: cannot decrypt its secret — wrong key-encryption key, or the ciphertext "
            "was altered or belongs to another row"
        ) from exc


# --- creating and rotating ---------------------------------------------------------------


def organization_did_web(base_url: str, slug: str) -> str:
    """The did:web DID of organization ``slug`` served by this service: ``…:orgs:<slug>``."""
    return did_web_from_url(base_url, f"orgs/{slug}", allow_http=True)


def _check_algorithm(algorithm: str) -> SigningAlgorithm:
    if algorithm not in SIGNING_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {list(SIGNING_ALGORITHMS)}, not {algorithm!r}")
    return algorithm


def _check_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    return now.astimezone(UTC)


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL, its session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _new_key_row(
    session: Session,
    organization: Organization,
    pair: KeyPair,
    fragment: str,
    kek: bytes,
    now: datetime,
) -> SigningKey:
    row = SigningKey(
        organization_id=organization.id,
        fragment=fragment,
        algorithm=pair.algorithm,
        public_key_multibase=pair.public.multibase,
        secret_ciphertext=encrypt_secret(kek, organization.id, fragment, pair.secret_bytes),
        active_from=now,
        retired_at=None,
    )
    session.add(row)
    session.flush()
    return row


def create_initial_key(
    session: Session,
    organization: Organization,
    *,
    context: IssuerContext,
    algorithm: str = "Ed25519",
    now: datetime,
    actor: str | None = None,
) -> SigningKey:
    """Create the organization's first key, ``key-1``, active from ``now``.

    For a did:key organization the organization's ``did`` is set to the key's did:key (insert
    the row without a DID, or with a placeholder). A did:web organization must already have
    its DID (see :func:`organization_did_web`). The organization is flushed if it is new.
    With ``actor``, the creation is recorded in the audit log (``key.create``).
    """
    chosen = _check_algorithm(algorithm)
    now = _check_aware(now)
    if organization.did_method not in ("web", "key"):
        raise ValueError(f"did_method must be 'web' or 'key', not {organization.did_method!r}")
    pair = KeyPair.generate(chosen)
    if organization.did_method == "key":
        organization.did = did_key(pair.public)
    elif not organization.did:
        raise ValueError(f"organization {organization.slug!r} has no did:web DID")
    if organization.id is None:
        session.add(organization)
        session.flush()
    existing = session.scalar(
        select(SigningKey.id).where(SigningKey.organization_id == organization.id).limit(1)
    )
    if existing is not None:
        raise ValueError(f"organization {organization.slug!r} already has signing keys")
    row = _new_key_row(session, organization, pair, "key-1", context.key_encryption_key, now)
    if actor is not None:
        record(
            session,
            actor=actor,
            action="key.create",
            subject=organization.did,
            data=_audit_key(organization, row),
            at=now,
        )
    return row


def rotate_key(
    session: Session,
    organization: Organization,
    *,
    context: IssuerContext,
    algorithm: str | None = None,
    now: datetime,
    actor: str,
) -> SigningKey:
    """Retire the active key at ``now`` and create ``key-N+1``, active from ``now``; audited.

    ``algorithm`` None keeps the active key's. Raises :class:`KeyRotationError` for a did:key
    organization (a did:key cannot rotate) or when ``now`` is before the active key's start.
    """
    if organization.did_method == "key":
        raise KeyRotationError(
            f"organization {organization.slug!r} uses did:key ({organization.did}); a did:key "
            "names its one key and cannot rotate"
        )
    now = _check_aware(now)
    current = session.scalar(
        select(SigningKey)
        .where(SigningKey.organization_id == organization.id, SigningKey.retired_at.is_(None))
        .with_for_update()
        .execution_options(populate_existing=True)  # a session may hold a copy from before
    )
    if current is None:
        raise NoActiveKeyError(f"organization {organization.slug!r} has no active signing key")
    if now < _as_utc(current.active_from):
        raise KeyRotationError(
            f"cannot retire {current.fragment!r} at {now.isoformat()}: it is active only from "
            f"{_as_utc(current.active_from).isoformat()}"
        )
    chosen = _check_algorithm(algorithm if algorithm is not None else current.algorithm)
    fragment = f"key-{_last_number(session, organization) + 1}"
    current.retired_at = now
    session.flush()
    row = _new_key_row(
        session, organization, KeyPair.generate(chosen), fragment, context.key_encryption_key, now
    )
    data = {**_audit_key(organization, row), "retired": current.fragment}
    record(session, actor=actor, action="key.rotate", subject=organization.did, data=data, at=now)
    return row


def _last_number(session: Session, organization: Organization) -> int:
    fragments = session.scalars(
        select(SigningKey.fragment).where(SigningKey.organization_id == organization.id)
    )
    numbers = [int(m.group(1)) for f in fragments if (m := _FRAGMENT_NUMBER.fullmatch(f))]
    return max(numbers, default=0)


def _audit_key(organization: Organization, row: SigningKey) -> dict[str, object]:
    return {
        "organization": organization.slug,
        "fragment": row.fragment,
        "algorithm": row.algorithm,
        "publicKeyMultibase": row.public_key_multibase,
        "verificationMethod": verification_method_id(organization, row),
    }


# --- reading ---------------------------------------------------------------------------


def active_key(session: Session, organization: Organization) -> SigningKey:
    """The organization's key in service now; :class:`NoActiveKeyError` if it has none."""
    row = session.scalar(
        select(SigningKey).where(
            SigningKey.organization_id == organization.id, SigningKey.retired_at.is_(None)
        )
    )
    if row is None:
        raise NoActiveKeyError(f"organization {organization.slug!r} has no active signing key")
    return row


def key_rows(session: Session, organization: Organization) -> list[SigningKey]:
    """Every key row of the organization, oldest first."""
    return list(
        session.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == organization.id)
            .order_by(SigningKey.active_from, SigningKey.id)
        )
    )


def key_record(row: SigningKey) -> KeyRecord:
    """One row as a :class:`~vc.did.web.KeyRecord` (UTC-aware times)."""
    retired = None if row.retired_at is None else _as_utc(row.retired_at)
    return KeyRecord(
        fragment=row.fragment,
        public_key=PublicKey.from_multibase(row.public_key_multibase),
        active_from=_as_utc(row.active_from),
        retired_at=retired,
    )


def key_history(session: Session, organization: Organization) -> list[KeyRecord]:
    """Every key of the organization, active and retired, oldest first."""
    return [key_record(row) for row in key_rows(session, organization)]


def verification_method_id(organization: Organization, key_row: SigningKey) -> str:
    """``<did>#<fragment>`` for did:web; ``did:key:z…#z…`` for a did:key organization."""
    if organization.did_method == "key":
        return did_key_verification_method(PublicKey.from_multibase(key_row.public_key_multibase))
    return f"{organization.did}#{key_row.fragment}"


def did_document(session: Session, organization: Organization) -> JsonObject:
    """The did:web document of the organization, listing every key it ever had."""
    if organization.did_method != "web":
        raise ValueError(
            f"organization {organization.slug!r} uses did:{organization.did_method}; "
            "this service serves did:web documents only"
        )
    return build_did_web_document(organization.did, key_history(session, organization))


# --- signing -----------------------------------------------------------------------------


class _SignerCache:
    """Decrypted key pairs by key id, each checked against a fingerprint of what it came from.

    The fingerprint covers the KEK, the row binding, the ciphertext and the public key, so a
    reused id (another database, a re-encrypted row) or another KEK never gets a stale pair.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._pairs: dict[int, tuple[bytes, KeyPair]] = {}
        self._lock = threading.Lock()

    def get(self, key_id: int, fingerprint: bytes) -> KeyPair | None:
        with self._lock:
            found = self._pairs.get(key_id)
        return found[1] if found is not None and found[0] == fingerprint else None

    def put(self, key_id: int, fingerprint: bytes, pair: KeyPair) -> None:
        with self._lock:
            self._pairs.pop(key_id, None)
            while len(self._pairs) >= self._limit:
                self._pairs.pop(next(iter(self._pairs)))
            self._pairs[key_id] = (fingerprint, pair)

    def clear(self) -> None:
        with self._lock:
            self._pairs.clear()


_SIGNERS = _SignerCache(_CACHE_LIMIT)


def _fingerprint(key_row: SigningKey, kek: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (
        kek,
        _associated_data(key_row.organization_id, key_row.fragment),
        key_row.algorithm.encode(),
        key_row.public_key_multibase.encode(),
        bytes(key_row.secret_ciphertext),
    ):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.digest()


def load_signer(key_row: SigningKey, context: IssuerContext) -> KeyPair:
    """The decrypted key pair of ``key_row`` (cached in process; decrypted once per key).

    Raises :class:`KeyDecryptionError` for a wrong KEK, an altered or swapped ciphertext, or
    a secret that does not match the row's public key.
    """
    kek = context.key_encryption_key
    fingerprint = _fingerprint(key_row, kek)
    cached = _SIGNERS.get(key_row.id, fingerprint)
    if cached is not None:
        return cached
    secret = decrypt_secret(
        kek, key_row.organization_id, key_row.fragment, bytes(key_row.secret_ciphertext)
    )
    where = f"signing key {key_row.fragment!r} of organization {key_row.organization_id}"
    try:
        pair = KeyPair.from_secret_bytes(_check_algorithm(key_row.algorithm), secret)
    except (KeyFormatError, ValueError) as exc:
        raise KeyDecryptionError(f"{where}: the secret is not an {key_row.algorithm} key") from exc
    if pair.public.multibase != key_row.public_key_multibase:
        raise KeyDecryptionError(f"{where}: the secret does not match the stored public key")
    _SIGNERS.put(key_row.id, fingerprint, pair)
    return pair


@dataclass(frozen=True)
class ActiveSigner:
    """What issuance needs to sign: the key row's id, its verification method, the key pair."""

    key_id: int
    verification_method: str
    key_pair: KeyPair


def active_signer(
    session: Session, organization: Organization, *, context: IssuerContext
) -> ActiveSigner:
    """The organization's active key, decrypted, with its verification method id."""
    row = active_key(session, organization)
    return ActiveSigner(
        row.id, verification_method_id(organization, row), load_signer(row, context)
    )


# --- resolving, for the verifier ---------------------------------------------------------


class OrganizationKeys:
    """Resolves our own organizations' verification methods straight from the database.

    ``service/`` hands an instance to the verifier (as its verification method resolver and
    as the source of key periods): no HTTP for our did:web DIDs, and the key's active period
    known exactly. A verification method of a DID that is not one of our organizations goes
    to ``fallback`` (e.g. a :class:`vc.did.resolver.DIDResolver`), or raises
    :class:`~vc.errors.DIDResolutionError` without one. Each call opens a short session.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        fallback: VerificationMethodResolver | None = None,
    ) -> None:
        self._sessions = sessions
        self._fallback = fallback

    def __call__(self, verification_method: str, /) -> VerificationMethod:
        return self.resolve(verification_method)

    def resolve(self, vm_url: str) -> VerificationMethod:
        """The verification method ``vm_url`` names (retired keys included)."""
        did, _, fragment = vm_url.partition("#")
        found = self._lookup(did, fragment)
        if found is None:
            if self._fallback is not None:
                return self._fallback(vm_url)
            raise DIDResolutionError(f"{vm_url!r} is not a key of one of our organizations")
        organization, row = found
        if organization.did_method == "key":
            return resolve_did_key(vm_url)
        return VerificationMethod(
            id=f"{did}#{row.fragment}",
            type="Multikey",
            controller=did,
            public_key=PublicKey.from_multibase(row.public_key_multibase),
            relationships=DEFAULT_RELATIONSHIPS,
        )

    def key_period(self, vm_url: str) -> KeyRecord | None:
        """The key's active period, or None if ``vm_url`` is not a key of ours."""
        did, _, fragment = vm_url.partition("#")
        found = self._lookup(did, fragment)
        return None if found is None else key_record(found[1])

    def key_active_at(self, vm_url: str, at: datetime) -> bool:
        """Whether ``vm_url`` is a key of ours that was in service at ``at`` (False if unknown)."""
        period = self.key_period(vm_url)
        return period is not None and period.active_at(_check_aware(at))

    def _lookup(self, did: str, fragment: str) -> tuple[Organization, SigningKey] | None:
        if not did.startswith("did:") or not fragment:
            return None
        with self._sessions() as session:
            organization = session.scalar(select(Organization).where(Organization.did == did))
            if organization is None:
                return None
            rows: Sequence[SigningKey] = key_rows(session, organization)
            session.expunge_all()
        if organization.did_method == "key":
            matching = [r for r in rows if r.public_key_multibase == fragment]
        else:
            matching = [r for r in rows if r.fragment == fragment]
        return (organization, matching[0]) if matching else None
