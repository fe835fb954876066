"""Issuer routes: keys — an organization's public key history, and rotation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Response
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.keystore import (
    KeyRotationError,
    NoActiveKeyError,
    key_record,
    key_rows,
    rotate_key,
    verification_method_id,
)
from issuer.models import Organization, SigningKey
from issuer.routes.dids import MAX_AGE

router = APIRouter(tags=["keys"])


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RotateKeyRequest(_Camel):
    """Rotation options: the new key's algorithm (default: the current key's)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    algorithm: Literal["Ed25519", "P-256"] | None = None


class KeyPublic(_Camel):
    """One signing key's public information and active period (never its secret)."""

    fragment: str
    verification_method: str
    algorithm: str
    public_key_multibase: str
    active_from: datetime
    retired_at: datetime | None
    status: Literal["active", "retired"]


class KeyHistory(_Camel):
    """Every key an organization ever had, oldest first, with its active period."""

    organization: str
    did: str
    did_method: str
    keys: list[KeyPublic]


def _public(organization: Organization, row: SigningKey) -> KeyPublic:
    record = key_record(row)
    return KeyPublic(
        fragment=row.fragment,
        verification_method=verification_method_id(organization, row),
        algorithm=row.algorithm,
        public_key_multibase=row.public_key_multibase,
        active_from=record.active_from,
        retired_at=record.retired_at,
        status="retired" if record.retired else "active",
    )


def _organization(session: Session, slug: str) -> Organization:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise HTTPException(404, f"no organization with slug {slug!r}")
    return organization


@router.get(
    "/orgs/{slug}/keys",
    operation_id="list_organization_keys",
    summary="An organization's public key history: every key with its active period.",
    description="Public. Retired keys are listed with `retiredAt`; secrets are never shown.",
    response_model=KeyHistory,
)
def list_keys(slug: str, session: SessionDep, response: Response) -> KeyHistory:
    organization = _organization(session, slug)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return KeyHistory(
        organization=organization.slug,
        did=organization.did,
        did_method=organization.did_method,
        keys=[_public(organization, row) for row in key_rows(session, organization)],
    )


@router.post(
    "/orgs/{slug}/keys/rotate",
    operation_id="rotate_organization_key",
    summary="Retire the organization's active key and create the next one (audited).",
    description=(
        "Callers: the organization itself (its API key) or a supervisor. The retired key stays "
        "in the DID document so credentials signed with it still verify. Answers 409 for an "
        "organization that uses did:key (a did:key cannot rotate)."
    ),
    response_model=KeyPublic,
    status_code=201,
    responses={
        401: {"description": "No API key, or an unknown or revoked one."},
        403: {"description": "Another organization's API key."},
        404: {"description": "No such organization."},
        409: {"description": "The organization's keys cannot rotate (did:key)."},
    },
)
def rotate(
    slug: str,
    caller: CallerDep,
    context: ContextDep,
    session: SessionDep,
    body: Annotated[RotateKeyRequest | None, Body()] = None,
) -> KeyPublic:
    organization = _organization(session, slug)
    if caller.role != "supervisor" and caller.organization_id != organization.id:
        raise HTTPException(
            403, f"only organization {slug!r} itself or a supervisor may rotate its keys"
        )
    algorithm = body.algorithm if body is not None else None
    try:
        row = rotate_key(
            session,
            organization,
            context=context,
            algorithm=algorithm,
            now=context.clock(),
            actor=caller.label,
        )
        session.commit()
    except (KeyRotationError, NoActiveKeyError) as exc:
        raise HTTPException(409, str(exc)) from exc
    except IntegrityError as exc:
        raise HTTPException(
            409, "another rotation of this organization's key happened at the same time; retry"
        ) from exc
    return _public(organization, row)
