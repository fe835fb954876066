"""Issuing one credential: scope check, status entries, template, signature, storage, audit.

Everything happens in the caller's transaction: when anything fails nothing is written. An
``Idempotency-Key`` makes a retried request return the credential issued the first time; the
same key with a different request is a conflict.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit, caller_credentials, status
from issuer.accreditation import check_scope
from issuer.context import IssuerContext
from issuer.models import IssuedCredential, Organization
from issuer.signing import OrganizationSigner
from issuer.templates.build import IssuerProfile, build_diploma, build_x_certificate
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from vc.credential import parse_datetime_stamp

Kind = Literal["x-certificate", "diploma"]
Format = Literal["ldp", "jwt"]


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before for a different request."""


@dataclass(frozen=True)
class Issued:
    """A stored credential and whether this call created it (False: an idempotent replay)."""

    row: IssuedCredential
    created: bool

    @property
    def credential(self) -> Any:
        return json.loads(self.row.document) if self.row.format == "ldp" else self.row.document


def profile(organization: Organization) -> IssuerProfile:
    return IssuerProfile(
        did=organization.did,
        slug=organization.slug,
        name_zh=organization.name_zh,
        name_en=organization.name_en,
        code=organization.code or organization.slug,
    )


def request_hash(payload: Any, context: IssuerContext) -> str:
    """A keyed digest of a request, to tell an idempotent retry from a different request.

    Keyed (HMAC under a key derived from the KEK) because a request may carry a national ID
    number, whose plain hash could be reversed by trying every number.
    """
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hmac.new(context.digest_key, text, hashlib.sha256).hexdigest()


def replay(
    session: Session, organization: Organization, key: str | None, digest: str
) -> Issued | None:
    """The credential issued earlier under ``key``, or None; a different request conflicts."""
    if key is None:
        return None
    row = session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.idempotency_key == key,
        )
    )
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict(
            f"Idempotency-Key {key!r} was already used for a different request"
        )
    return Issued(row, created=False)


def issue_from_template(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    request: XCertificateRequest | DiplomaRequest,
    *,
    actor: str,
    fmt: Format = "ldp",
    idempotency_key: str | None = None,
    replaces: str | None = None,
    carried_identity: dict[str, Any] | None = None,
) -> Issued:
    """Issue an X certificate or a diploma built from ``request``.

    ``carried_identity`` (reissue) is the hashed national ID IdentityObject of the credential
    this one replaces, put in unchanged when ``request`` gives no national ID number.
    """
    digest = request_hash(
        {"request": request.model_dump(mode="json"), "format": fmt, "replaces": replaces}, context
    )
    earlier = replay(session, organization, idempotency_key, digest)
    if earlier is not None:
        return earlier
    now = context.clock()
    kind: Kind = "x-certificate" if isinstance(request, XCertificateRequest) else "diploma"
    _check_template_scope(session, organization, request, now)
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    entries, allocations = _allocate(session, context, organization, credential_id, now)
    template: dict[str, Any] = {
        "issuer": profile(organization),
        "credential_id": credential_id,
        "status_entries": entries,
        "base_url": context.base_url,
        "valid_from": now,
        "salt": secrets.token_bytes(16),
        "replaces": replaces,
    }
    if isinstance(request, XCertificateRequest):
        document, number = build_x_certificate(request, **template), request.license_number
    else:
        document, number = build_diploma(request, **template), request.diploma_number
    if carried_identity is not None and request.learner.national_id_number is None:
        document["credentialSubject"]["identifier"].append(dict(carried_identity))
    return _store(
        session,
        context,
        organization,
        document,
        allocations,
        actor=actor,
        kind=kind,
        number=number,
        learner_name=request.learner.name,
        learner_did=request.learner.did,
        fmt=fmt,
        idempotency_key=idempotency_key,
        digest=digest,
        replaces=replaces,
        now=now,
        template_request=stored_request(kind, request, document),
    )


def stored_request(
    kind: str, request: XCertificateRequest | DiplomaRequest, document: dict[str, Any]
) -> str:
    """The request as kept for reissue (JSON): the national ID number left out, its salted
    hash (the credential's IdentityObject) kept in its place as ``nationalIdentity``."""
    body = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    body["learner"].pop("nationalIdNumber", None)
    kept = {"kind": kind, "request": body, "nationalIdentity": hashed_identity(document)}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True)


def hashed_identity(document: dict[str, Any]) -> dict[str, Any] | None:
    """The hashed national ID IdentityObject of a built credential, if it has one."""
    for item in document.get("credentialSubject", {}).get("identifier", []):
        if isinstance(item, dict) and item.get("identityType") == "nationalIdentityNumber":
            return dict(item)
    return None


def issue_caller_credential(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    document: Any,
    *,
    actor: str,
    fmt: Format = "ldp",
    idempotency_key: str | None = None,
) -> Issued:
    """Issue a caller-made credential (VC-API), checked strictly and given status entries."""
    digest = request_hash({"credential": document, "format": fmt}, context)
    earlier = replay(session, organization, idempotency_key, digest)
    if earlier is not None:
        return earlier
    now = context.clock()
    prepared = caller_credentials.prepare(document, issuer_did=organization.did, now=now)
    terms = caller_credentials.onex_terms(prepared)
    start = parse_datetime_stamp(prepared.get("validFrom") or prepared.get("issuanceDate")) or now
    check_scope(
        session,
        organization,
        kind=terms.kind,
        at=max(start, now),
        skill_domain_code=terms.skill_domain_code,
        level=terms.level,
        education_level=terms.education_level,
        major_code=terms.major_code,
    )
    entries, allocations = _allocate(session, context, organization, prepared["id"], now)
    prepared["credentialStatus"] = entries
    subject = prepared.get("credentialSubject")
    learner_did = subject.get("id") if isinstance(subject, dict) else None
    return _store(
        session,
        context,
        organization,
        prepared,
        allocations,
        actor=actor,
        kind="generic" if terms.kind == "generic" else terms.kind,
        number=None,
        learner_name=None,
        learner_did=learner_did if isinstance(learner_did, str) else None,
        fmt=fmt,
        idempotency_key=idempotency_key,
        digest=digest,
        replaces=None,
        now=now,
    )


def _check_template_scope(
    session: Session,
    organization: Organization,
    request: XCertificateRequest | DiplomaRequest,
    now: datetime,
) -> None:
    if isinstance(request, XCertificateRequest):
        check_scope(
            session,
            organization,
            kind="x-certificate",
            at=now,
            skill_domain_code=request.skill_domain.code,
            level=request.level,
        )
    else:
        check_scope(
            session,
            organization,
            kind="diploma",
            at=now,
            education_level=request.education_level,
            major_code=request.major.code,
        )


def _allocate(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    credential_id: str,
    now: datetime,
) -> tuple[list[dict[str, str]], list[status.Allocation]]:
    allocations = [
        status.allocate(session, organization, purpose, credential_id, now=now)
        for purpose in status.PURPOSES
    ]
    entries = [status.status_entry(context.base_url, organization.slug, a) for a in allocations]
    return entries, allocations


def _store(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    document: dict[str, Any],
    allocations: list[status.Allocation],
    *,
    actor: str,
    kind: str,
    number: str | None,
    learner_name: str | None,
    learner_did: str | None,
    fmt: Format,
    idempotency_key: str | None,
    digest: str,
    replaces: str | None,
    now: datetime,
    template_request: str | None = None,
) -> Issued:
    signer = OrganizationSigner.active(session, organization, context)
    text = (
        json.dumps(signer.sign(document, now=now), ensure_ascii=False)
        if fmt == "ldp"
        else signer.sign_jwt(document)
    )
    revocation, suspension = allocations
    row = IssuedCredential(
        id=document["id"],
        organization_id=organization.id,
        kind=kind,
        number=number,
        learner_name=learner_name,
        learner_did=learner_did,
        format=fmt,
        document=text,
        valid_from=parse_datetime_stamp(document.get("validFrom")) or now,
        valid_until=parse_datetime_stamp(document.get("validUntil")),
        issued_at=now,
        signing_key_id=signer.key_row.id,
        revocation_list_id=revocation.list_id,
        revocation_index=revocation.index,
        suspension_list_id=suspension.list_id,
        suspension_index=suspension.index,
        replaces=replaces,
        idempotency_key=idempotency_key,
        request_hash=digest,
        template_request=template_request,
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="credential.issue",
        subject=row.id,
        data={
            "organization": organization.slug,
            "kind": kind,
            "number": number,
            "format": fmt,
            "replaces": replaces,
        },
        at=now,
    )
    session.flush()
    return Issued(row, created=True)
