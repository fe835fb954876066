"""issuer.keystore: keys encrypted at rest, rotation with history, the in-process resolver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from issuer.audit import check_database
from issuer.context import IssuerContext
from issuer.keystore import (
    KeyDecryptionError,
    KeyRotationError,
    NoActiveKeyError,
    OrganizationKeys,
    active_key,
    active_signer,
    create_initial_key,
    decrypt_secret,
    did_document,
    encrypt_secret,
    key_history,
    load_signer,
    organization_did_web,
    rotate_key,
    verification_method_id,
)
from issuer.models import AuditEntry, Base, Organization, SigningKey
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, format_datetime, verify_proofs
from vc.did import VerificationMethod
from vc.did.key import did_key, resolve_did_key
from vc.errors import DIDResolutionError
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair

BASE_URL = "https://onex.example.edu.cn"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
KEK = bytes(range(32))
OTHER_KEK = bytes(range(1, 33))
LOADER = DocumentLoader.bundled()


@pytest.fixture
def sessions() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _context(sessions: sessionmaker[Session], kek: bytes = KEK) -> IssuerContext:
    return IssuerContext(
        sessions=sessions,
        base_url=BASE_URL,
        key_encryption_key=kek,
        clock=lambda: T0,
        loader=LOADER,
    )


def _organization(session: Session, slug: str, method: str = "web") -> Organization:
    organization = Organization(
        slug=slug, kind="evaluation", name_zh=slug, name_en=slug, did_method=method, created_at=T0
    )
    if method == "web":
        organization.did = organization_did_web(BASE_URL, slug)
    session.add(organization)
    return organization


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b6b7a52-9d7e-4c1e-a2a8-3f7c0d4c1a11",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-03-01T08:00:00Z",
        "name": "Web前端开发 (中级)",
        "credentialSubject": {"id": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E"},
    }


def _sign(document: dict[str, Any], key: KeyPair, vm: str, at: datetime) -> dict[str, Any]:
    options = ProofOptions(verification_method=vm, created=format_datetime(at))
    return add_proof(document, suite=EDDSA_RDFC_2022, key=key, options=options, loader=LOADER)


# --- encryption at rest --------------------------------------------------------------------


@given(
    secret=st.binary(min_size=16, max_size=64),
    organization_id=st.integers(min_value=1, max_value=2**31),
    fragment=st.from_regex(r"key-[0-9]{1,4}", fullmatch=True),
)
def test_encryption_round_trip(secret: bytes, organization_id: int, fragment: str) -> None:
    blob = encrypt_secret(KEK, organization_id, fragment, secret)
    assert len(blob) == 12 + len(secret) + 16 and secret not in blob
    assert decrypt_secret(KEK, organization_id, fragment, blob) == secret


@given(
    organization_id=st.integers(min_value=1, max_value=1000),
    other_id=st.integers(min_value=1, max_value=1000),
    fragment=st.sampled_from(["key-1", "key-2", "key-10"]),
    other_fragment=st.sampled_from(["key-1", "key-2", "key-10"]),
)
def test_ciphertext_is_bound_to_its_row(
    organization_id: int, other_id: int, fragment: str, other_fragment: str
) -> None:
    blob = encrypt_secret(KEK, organization_id, fragment, b"s" * 32)
    if (organization_id, fragment) == (other_id, other_fragment):
        assert decrypt_secret(KEK, other_id, other_fragment, blob) == b"s" * 32
    else:
        with pytest.raises(KeyDecryptionError, match="another row"):
            decrypt_secret(KEK, other_id, other_fragment, blob)


def test_fresh_nonce_per_encryption() -> None:
    first = encrypt_secret(KEK, 1, "key-1", b"s" * 32)
    second = encrypt_secret(KEK, 1, "key-1", b"s" * 32)
    assert first[:12] != second[:12] and first != second


def test_wrong_kek_is_refused() -> None:
    blob = encrypt_secret(KEK, 1, "key-1", b"s" * 32)
    with pytest.raises(KeyDecryptionError, match="wrong key-encryption key"):
        decrypt_secret(OTHER_KEK, 1, "key-1", blob)


@given(index=st.integers(min_value=0, max_value=12 + 32 + 16 - 1), bit=st.integers(0, 7))
def test_any_tampered_bit_is_refused(index: int, bit: int) -> None:
    blob = bytearray(encrypt_secret(KEK, 1, "key-1", b"s" * 32))
    blob[index] ^= 1 << bit
    with pytest.raises(KeyDecryptionError):
        decrypt_secret(KEK, 1, "key-1", bytes(blob))


def test_truncated_ciphertext_and_bad_kek_length() -> None:
    with pytest.raises(KeyDecryptionError, match="too short"):
        decrypt_secret(KEK, 1, "key-1", b"\x00" * 20)
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_secret(b"short", 1, "key-1", b"s")


# --- creating keys, loading signers ----------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_initial_key_is_encrypted_and_loads(
    sessions: sessionmaker[Session], algorithm: str
) -> None:
    context = _context(sessions)
    with sessions() as session:
        organization = _organization(session, "acme")
        row = create_initial_key(
            session, organization, context=context, algorithm=algorithm, now=T0
        )
        assert (row.fragment, row.algorithm, row.retired_at) == ("key-1", algorithm, None)
        pair = load_signer(row, context)
        assert pair.public.multibase == row.public_key_multibase
        assert pair.secret_bytes not in row.secret_ciphertext
        assert active_key(session, organization).id == row.id
        assert verification_method_id(organization, row) == f"{organization.did}#key-1"


def test_initial_key_refusals(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        organization = _organization(session, "acme")
        with pytest.raises(ValueError, match="algorithm must be one of"):
            create_initial_key(session, organization, context=context, algorithm="RSA", now=T0)
        with pytest.raises(ValueError, match="time zone"):
            create_initial_key(session, organization, context=context, now=T0.replace(tzinfo=None))
        create_initial_key(session, organization, context=context, now=T0)
        with pytest.raises(ValueError, match="already has signing keys"):
            create_initial_key(session, organization, context=context, now=T0)
        assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
        no_key = _organization(session, "empty")
        session.flush()
        with pytest.raises(NoActiveKeyError):
            active_key(session, no_key)


def test_signer_is_cached_but_never_stale(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        row = create_initial_key(session, _organization(session, "acme"), context=context, now=T0)
        first = load_signer(row, context)
        assert load_signer(row, context) is first
        # Same id, another KEK: the cache must not answer.
        with pytest.raises(KeyDecryptionError):
            load_signer(row, _context(sessions, OTHER_KEK))
        # Same id, another secret (as in another database): decrypted afresh, not the cached one.
        other = KeyPair.generate()
        lookalike = SigningKey(
            id=row.id,
            organization_id=row.organization_id,
            fragment="key-1",
            algorithm="Ed25519",
            public_key_multibase=other.public.multibase,
            secret_ciphertext=encrypt_secret(KEK, row.organization_id, "key-1", other.secret_bytes),
            active_from=T0,
        )
        assert load_signer(lookalike, context).public == other.public


def test_swapped_rows_are_refused(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        acme = _organization(session, "acme")
        beta = _organization(session, "beta")
        first = create_initial_key(session, acme, context=context, now=T0)
        second = create_initial_key(session, beta, context=context, now=T0)
        rotated = rotate_key(
            session, acme, context=context, now=T0 + timedelta(days=1), actor="test"
        )
        for target, source in [(first, second), (first, rotated), (rotated, first)]:
            swapped = SigningKey(
                id=10_000 + target.id,
                organization_id=target.organization_id,
                fragment=target.fragment,
                algorithm=source.algorithm,
                public_key_multibase=source.public_key_multibase,
                secret_ciphertext=source.secret_ciphertext,
                active_from=T0,
            )
            with pytest.raises(KeyDecryptionError, match="another row"):
                load_signer(swapped, context)


def test_secret_must_match_the_public_key(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        row = create_initial_key(session, _organization(session, "acme"), context=context, now=T0)
        forged = SigningKey(
            id=20_000,
            organization_id=row.organization_id,
            fragment="key-1",
            algorithm="Ed25519",
            public_key_multibase=KeyPair.generate().public.multibase,
            secret_ciphertext=row.secret_ciphertext,
            active_from=T0,
        )
        with pytest.raises(KeyDecryptionError, match="does not match the stored public key"):
            load_signer(forged, context)


# --- rotation ------------------------------------------------------------------------------


def test_rotation_keeps_history_and_document(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    rotated_at = T0 + timedelta(days=30)
    with sessions() as session:
        organization = _organization(session, "acme")
        first = create_initial_key(session, organization, context=context, now=T0)
        second = rotate_key(
            session,
            organization,
            context=context,
            algorithm="P-256",
            now=rotated_at,
            actor="supervisor:1",
        )
        third = rotate_key(
            session,
            organization,
            context=context,
            now=rotated_at + timedelta(days=1),
            actor="organization:1",
        )
        session.commit()
        assert (second.fragment, second.algorithm) == ("key-2", "P-256")
        assert (third.fragment, third.algorithm) == ("key-3", "P-256")  # kept
        assert active_key(session, organization).id == third.id
        history = key_history(session, organization)
        assert [(k.fragment, k.active_from, k.retired_at) for k in history] == [
            ("key-1", T0, rotated_at),
            ("key-2", rotated_at, rotated_at + timedelta(days=1)),
            ("key-3", rotated_at + timedelta(days=1), None),
        ]
        assert history[0].public_key.multibase == first.public_key_multibase
        document = did_document(session, organization)
        ids = {f"{organization.did}#key-{n}" for n in (1, 2, 3)}
        assert {vm["id"] for vm in document["verificationMethod"]} == ids
        assert set(document["assertionMethod"]) == ids
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
        assert [(e.action, e.actor, e.subject) for e in entries] == [
            ("key.rotate", "supervisor:1", organization.did),
            ("key.rotate", "organization:1", organization.did),
        ]
        assert '"retired":"key-1"' in entries[0].data and "secret" not in entries[0].data
        assert check_database(session).intact


def test_rotation_before_the_active_key_started_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    context = _context(sessions)
    with sessions() as session:
        organization = _organization(session, "acme")
        create_initial_key(session, organization, context=context, now=T0)
        with pytest.raises(KeyRotationError, match="active only from"):
            rotate_key(
                session, organization, context=context, now=T0 - timedelta(seconds=1), actor="test"
            )
        assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_did_key_organization(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        organization = _organization(session, "keyed", method="key")
        row = create_initial_key(session, organization, context=context, now=T0, actor="sup")
        session.commit()
        pair = load_signer(row, context)
        assert organization.did == did_key(pair.public)
        vm = verification_method_id(organization, row)
        assert vm == f"{organization.did}#{pair.public.multibase}"
        assert resolve_did_key(vm).public_key == pair.public
        with pytest.raises(KeyRotationError, match="cannot rotate") as refused:
            rotate_key(
                session, organization, context=context, now=T0 + timedelta(days=1), actor="test"
            )
        assert isinstance(refused.value, ValueError)
        with pytest.raises(ValueError, match="did:web documents only"):
            did_document(session, organization)
        assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions == ["key.create"]
    keys = OrganizationKeys(sessions)
    assert keys.resolve(vm).public_key == pair.public
    assert keys.key_active_at(vm, T0 + timedelta(days=400))


def test_credential_signed_before_rotation_verifies_after(
    sessions: sessionmaker[Session],
) -> None:
    context = _context(sessions)
    issued_at = T0 + timedelta(days=1)
    rotated_at = T0 + timedelta(days=30)
    with sessions() as session:
        organization = _organization(session, "acme")
        create_initial_key(session, organization, context=context, now=T0)
        signer = active_signer(session, organization, context=context)
        signed = _sign(
            _credential(organization.did), signer.key_pair, signer.verification_method, issued_at
        )
        rotate_key(session, organization, context=context, now=rotated_at, actor="test")
        session.commit()
        did = organization.did
    keys = OrganizationKeys(sessions)
    result = verify_proofs(signed, suites=[EDDSA_RDFC_2022], resolver=keys, loader=LOADER)
    assert result.verified, result.all_problems()
    old, new = f"{did}#key-1", f"{did}#key-2"
    assert keys.key_active_at(old, issued_at) and not keys.key_active_at(old, rotated_at)
    assert keys.key_active_at(new, rotated_at) and not keys.key_active_at(new, issued_at)
    period = keys.key_period(old)
    assert period is not None and (period.active_from, period.retired_at) == (T0, rotated_at)
    tampered = {**signed, "name": "Web前端开发 (高级)"}
    assert not verify_proofs(
        tampered, suites=[EDDSA_RDFC_2022], resolver=keys, loader=LOADER
    ).verified


def test_organization_keys_unknown_and_fallback(sessions: sessionmaker[Session]) -> None:
    context = _context(sessions)
    with sessions() as session:
        organization = _organization(session, "acme")
        create_initial_key(session, organization, context=context, now=T0)
        session.commit()
        did = organization.did
    keys = OrganizationKeys(sessions)
    for unknown in (f"{did}#key-9", "did:web:elsewhere.example#key-1", did, "not a did"):
        assert not keys.key_active_at(unknown, T0)
        assert keys.key_period(unknown) is None
        with pytest.raises(DIDResolutionError):
            keys.resolve(unknown)
    outsider = did_key(KeyPair.generate().public)
    calls: list[str] = []

    def fallback(url: str) -> VerificationMethod:
        calls.append(url)
        return resolve_did_key(url)

    chained = OrganizationKeys(sessions, fallback=fallback)
    method = chained(f"{outsider}#{outsider.removeprefix('did:key:')}")
    assert method.controller == outsider and calls == [method.id]
    assert chained(f"{did}#key-1").controller == did and len(calls) == 1


def test_history_read_back_from_the_database_is_utc_aware(
    sessions: sessionmaker[Session],
) -> None:
    context = _context(sessions)
    beijing = T0.astimezone(timezone(timedelta(hours=8)))
    with sessions() as session:
        organization = _organization(session, "acme")
        create_initial_key(session, organization, context=context, now=beijing)
        session.commit()
    with sessions() as session:
        organization = session.scalars(select(Organization)).one()
        [record] = key_history(session, organization)
        assert record.active_from == T0 and record.active_from.utcoffset() == timedelta(0)
        assert record.active_at(T0) and not record.active_at(T0 - timedelta(seconds=1))
