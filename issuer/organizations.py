"""Organizations: registered by a supervisor, each with a DID, a first signing key and API keys.

An evaluation organization issues X certificates, a school diplomas. An organization's DID is
``did:web`` by default — ``did:web:<host>:orgs:<slug>``, its document served by this service at
``/orgs/<slug>/did.json`` — or, on request, the ``did:key`` of its first key (a did:key cannot
rotate: it *is* its key). Every change is written to the audit log in the caller's transaction;
nothing here commits.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import keystore
from issuer.audit import record
from issuer.auth import create_api_key
from issuer.context import IssuerContext
from issuer.models import ApiKey, Organization

OrganizationKind = Literal["evaluation-organization", "school"]
DIDMethod = Literal["web", "key"]
KeyAlgorithm = Literal["Ed25519", "P-256"]
KINDS: tuple[str, ...] = get_args(OrganizationKind)
DID_METHODS: tuple[str, ...] = get_args(DIDMethod)
KEY_ALGORITHMS: tuple[str, ...] = get_args(KeyAlgorithm)
SLUG_PATTERN = r"^[a-z0-9-]{3,64}$"
_SLUG = re.compile(SLUG_PATTERN)


class OrganizationConflictError(Exception):
    """The slug (or the DID made from it) is taken."""


class ApiKeyStateError(Exception):
    """An API key cannot change that way (it is already revoked)."""


def register_organization(
    session: Session,
    *,
    context: IssuerContext,
    slug: str,
    kind: str,
    name_zh: str,
    name_en: str,
    code: str | None = None,
    did_method: str = "web",
    key_algorithm: str = "Ed25519",
    actor: str,
    now: datetime,
) -> Organization:
    """Register an organization and give it its first signing key (audited, not committed).

    Raises ``ValueError`` for bad input and :class:`OrganizationConflictError` when the slug or
    DID is taken.
    """
    _check_input(
        slug=slug,
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        did_method=did_method,
        key_algorithm=key_algorithm,
    )
    did = (
        keystore.organization_did_web(context.base_url, slug)
        if did_method == "web"
        else f"pending:{slug}"
    )
    if get_organization(session, slug) is not None:
        raise OrganizationConflictError(f"an organization with slug {slug!r} already exists")
    if session.scalar(select(Organization.id).where(Organization.did == did)) is not None:
        raise OrganizationConflictError(f"an organization with DID {did!r} already exists")
    organization = Organization(
        slug=slug,
        kind=kind,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        code=code or None,
        did=did,
        did_method=did_method,
        created_at=now,
    )
    session.add(organization)
    session.flush()
    key = keystore.create_initial_key(
        session, organization, context=context, algorithm=key_algorithm, now=now, actor=actor
    )
    session.flush()  # a did:key organization's DID is now its first key's
    record(
        session,
        actor=actor,
        action="organization.register",
        subject=organization.did,
        data={
            "slug": slug,
            "kind": kind,
            "nameZh": organization.name_zh,
            "nameEn": organization.name_en,
            "code": organization.code,
            "didMethod": did_method,
            "keyAlgorithm": key_algorithm,
            "keyFragment": key.fragment,
            "publicKeyMultibase": key.public_key_multibase,
        },
        at=now,
    )
    return organization


def _check_input(
    *, slug: str, kind: str, name_zh: str, name_en: str, did_method: str, key_algorithm: str
) -> None:
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"slug {slug!r} must be 3–64 characters of a–z, 0–9 and '-'")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if did_method not in DID_METHODS:
        raise ValueError(f"did_method must be one of {', '.join(DID_METHODS)}, not {did_method!r}")
    if key_algorithm not in KEY_ALGORITHMS:
        raise ValueError(
            f"key_algorithm must be one of {', '.join(KEY_ALGORITHMS)}, not {key_algorithm!r}"
        )
    for label, name in (("name_zh", name_zh), ("name_en", name_en)):
        if not name.strip() or len(name) > 200:
            raise ValueError(f"{label} must be 1–200 characters, got {len(name.strip())}")


def get_organization(session: Session, slug: str) -> Organization | None:
    return session.scalar(select(Organization).where(Organization.slug == slug))


def list_organizations(session: Session) -> list[Organization]:
    """Every organization, by slug."""
    return list(session.scalars(select(Organization).order_by(Organization.slug)))


def issue_api_key(
    session: Session, organization: Organization, *, actor: str, now: datetime, label: str = ""
) -> tuple[ApiKey, str]:
    """A new API key for ``organization``; returns the row and the key text (shown once)."""
    row, text = create_api_key(
        session, role="organization", organization_id=organization.id, label=label, now=now
    )
    record(
        session,
        actor=actor,
        action="api-key.create",
        subject=organization.did,
        data={"prefix": row.prefix, "label": label, "organization": organization.slug},
        at=now,
    )
    return row, text


def api_keys_of(session: Session, organization: Organization) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.organization_id == organization.id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def find_api_key(session: Session, prefix: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def revoke_api_key(session: Session, key: ApiKey, *, actor: str, now: datetime) -> ApiKey:
    """Revoke ``key`` from ``now`` on (audited). Raises :class:`ApiKeyStateError` if revoked."""
    if key.revoked_at is not None:
        raise ApiKeyStateError(f"API key {key.prefix} is already revoked")
    key.revoked_at = now
    record(
        session,
        actor=actor,
        action="api-key.revoke",
        subject=f"api-key:{key.prefix}",
        data={
            "prefix": key.prefix,
            "role": key.role,
            "organizationId": key.organization_id,
            "supervisorId": key.supervisor_id,
        },
        at=now,
    )
    return key
