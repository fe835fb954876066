"""Issuing X certificates and diplomas from templates, and finding what was issued."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.accreditation import as_utc
from issuer.auth import Caller
from issuer.context import IssuerContext
from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.issuance import issue_from_template
from issuer.models import IssuedCredential
from issuer.routes.common import issuance_errors, own_organization
from issuer.templates.requests import DiplomaRequest, XCertificateRequest

router = APIRouter(tags=["credentials"])

IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Makes a retried request return the same credential."),
]
FormatQuery = Annotated[
    Literal["ldp", "jwt"],
    Query(description="`ldp`: JSON-LD with a Data Integrity proof; `jwt`: application/vc+jwt."),
]


class CredentialRecord(BaseModel):
    """An issued credential and its registry state."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    id: str
    kind: str
    number: str | None
    learner_name: str | None
    learner_did: str | None
    format: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    status: Literal["active", "revoked", "suspended"]
    replaces: str | None
    superseded_by: str | None
    verifiable_credential: Any = Field(description="The signed credential (JSON-LD or JWT).")


class CredentialPage(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    total: int
    items: list[CredentialRecord]


def record(row: IssuedCredential) -> CredentialRecord:
    state: Literal["active", "revoked", "suspended"] = (
        "revoked" if row.revoked else "suspended" if row.suspended else "active"
    )
    document = json.loads(row.document) if row.format == "ldp" else row.document
    return CredentialRecord(
        id=row.id,
        kind=row.kind,
        number=row.number,
        learner_name=row.learner_name,
        learner_did=row.learner_did,
        format=row.format,
        issued_at=as_utc(row.issued_at),
        valid_from=as_utc(row.valid_from),
        valid_until=None if row.valid_until is None else as_utc(row.valid_until),
        status=state,
        replaces=row.replaces,
        superseded_by=row.superseded_by,
        verifiable_credential=document,
    )


def _issue(
    slug: str,
    body: XCertificateRequest | DiplomaRequest,
    caller: Caller,
    session: Session,
    context: IssuerContext,
    response: Response,
    fmt: Literal["ldp", "jwt"],
    idempotency_key: str | None,
) -> CredentialRecord:
    """Issue from a template request; 201 when made now, 200 for an idempotent replay."""
    organization = own_organization(session, slug, caller)
    with issuance_errors(session):
        issued = issue_from_template(
            session,
            context,
            organization,
            body,
            actor=caller.label,
            fmt=fmt,
            idempotency_key=idempotency_key,
        )
        session.commit()
    response.status_code = 201 if issued.created else 200
    return record(issued.row)


@router.post(
    "/orgs/{slug}/credentials/x-certificates",
    operation_id="issue_x_certificate",
    status_code=201,
    response_model=CredentialRecord,
    summary="Issue a vocational skill certificate (X 证书) within the accreditation.",
    responses={200: {"description": "An idempotent replay"}, 403: {}, 409: {}},
)
def issue_x_certificate(
    slug: str,
    body: XCertificateRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    response: Response,
    format: FormatQuery = "ldp",
    idempotency_key: IdempotencyKey = None,
) -> CredentialRecord:
    return _issue(slug, body, caller, session, context, response, format, idempotency_key)


@router.post(
    "/orgs/{slug}/credentials/diplomas",
    operation_id="issue_diploma",
    status_code=201,
    response_model=CredentialRecord,
    summary="Issue a diploma (毕业证书) within the accreditation.",
    responses={200: {"description": "An idempotent replay"}, 403: {}, 409: {}},
)
def issue_diploma(
    slug: str,
    body: DiplomaRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    response: Response,
    format: FormatQuery = "ldp",
    idempotency_key: IdempotencyKey = None,
) -> CredentialRecord:
    return _issue(slug, body, caller, session, context, response, format, idempotency_key)


@router.get(
    "/orgs/{slug}/credentials",
    operation_id="list_credentials",
    response_model=CredentialPage,
    summary="Search the organization's issued credentials (newest first).",
)
def list_credentials(
    slug: str,
    caller: CallerDep,
    session: SessionDep,
    number: Annotated[str | None, Query(description="Certificate or diploma number.")] = None,
    learner: Annotated[str | None, Query(description="Learner name (exact).")] = None,
    issued_from: Annotated[datetime | None, Query(alias="issuedFrom")] = None,
    issued_until: Annotated[datetime | None, Query(alias="issuedUntil")] = None,
    status: Annotated[Literal["active", "revoked", "suspended"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CredentialPage:
    organization = own_organization(session, slug, caller)
    query = select(IssuedCredential).where(IssuedCredential.organization_id == organization.id)
    if number is not None:
        query = query.where(IssuedCredential.number == number)
    if learner is not None:
        query = query.where(IssuedCredential.learner_name == learner)
    if issued_from is not None:
        query = query.where(IssuedCredential.issued_at >= issued_from)
    if issued_until is not None:
        query = query.where(IssuedCredential.issued_at < issued_until)
    if status == "revoked":
        query = query.where(IssuedCredential.revoked.is_(True))
    elif status == "suspended":
        query = query.where(
            IssuedCredential.suspended.is_(True), IssuedCredential.revoked.is_(False)
        )
    elif status == "active":
        query = query.where(
            IssuedCredential.revoked.is_(False), IssuedCredential.suspended.is_(False)
        )
    rows = list(session.scalars(query.order_by(IssuedCredential.issued_at.desc())))
    return CredentialPage(total=len(rows), items=[record(r) for r in rows[offset : offset + limit]])


@router.get(
    "/orgs/{slug}/credentials/{credential_id}",
    operation_id="get_credential",
    response_model=CredentialRecord,
    summary="One issued credential and its state.",
)
def get_credential(
    slug: str, credential_id: str, caller: CallerDep, session: SessionDep
) -> CredentialRecord:
    organization = own_organization(session, slug, caller)
    row = session.get(IssuedCredential, credential_id)
    if row is None or row.organization_id != organization.id:
        raise HTTPException(404, f"no credential {credential_id!r} issued by {slug!r}")
    return record(row)
