"""The revocation registry's routes: revoke, suspend, unsuspend, reissue, VC-API status update,
and the public status lookup of one credential.

Only the issuing organization's API key may change a credential (another organization: 403).
Every refusal is a problem details object and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from issuer import revocation
from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.revocation import RevocationReason, SuspensionReason, UnsuspensionReason
from issuer.routes.common import issuance_errors, own_organization
from issuer.routes.credentials import CredentialRecord, record

router = APIRouter(tags=["revocation"])

_CAMEL = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    serialize_by_alias=True,
    extra="forbid",
    str_strip_whitespace=True,
)
ReasonText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=revocation.MAX_REASON_LENGTH,
        description="Why, in words (kept for the organization and the audit log; not public).",
        examples=["考核作弊，经双随机抽查核实 / cheating confirmed at inspection"],
    ),
]
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Not this organization's key, or not its credential"},
    404: {"description": "No such organization or credential"},
    409: {"description": "The credential's state does not allow it"},
    422: {"description": "Invalid reason or changes"},
}


class RevokeRequest(BaseModel):
    """Revoke a credential for good."""

    model_config = _CAMEL
    reason_code: RevocationReason = Field(description="Why, as a code (shown publicly).")
    reason: ReasonText


class SuspendRequest(BaseModel):
    """Suspend a credential until it is unsuspended."""

    model_config = _CAMEL
    reason_code: SuspensionReason = Field(description="Why, as a code (shown publicly).")
    reason: ReasonText


class UnsuspendRequest(BaseModel):
    """Lift a suspension."""

    model_config = _CAMEL
    reason_code: UnsuspensionReason = Field(description="Why, as a code.")
    reason: ReasonText


class StatusEntryUpdate(BaseModel):
    """One status to set (VC-API)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["BitstringStatusListEntry"] = Field(description="The entry type.")
    status: bool = Field(description="true sets the status, false clears it.")
    statusPurpose: Literal["revocation", "suspension"] = Field(
        description="Which status: `revocation` (irreversible) or `suspension`."
    )


class UpdateStatusRequest(BaseModel):
    """VC-API "update status": the credential and the statuses to set, in order."""

    model_config = ConfigDict(extra="forbid")
    credentialId: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",  # PostgreSQL text cannot hold NUL: it was a 500 there
        description="The credential's id.",
    )
    credentialStatus: list[StatusEntryUpdate] = Field(
        min_length=1, max_length=2, description="The statuses to set."
    )
    reasonCode: str | None = Field(
        default=None, description="onex extension: a reason code of the operation.", max_length=32
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=revocation.MAX_REASON_LENGTH,
        description="onex extension: why, in words.",
    )


class UpdatedStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["BitstringStatusListEntry"] = "BitstringStatusListEntry"
    statusPurpose: Literal["revocation", "suspension"]
    status: bool
    changed: bool = Field(description="Whether this request changed it.")


class UpdateStatusResponse(BaseModel):
    credentialId: str
    credentialStatus: list[UpdatedStatus]


class PublicStatusOut(BaseModel):
    """A credential's state as anyone may see it: no learner data."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )
    id: str
    status: Literal["active", "revoked", "suspended"]
    reason: str | None = Field(description="The reason code of a revocation or suspension.")
    superseded_by: str | None = Field(description="The credential that replaces this one.")


@contextmanager
def registry_errors() -> Iterator[None]:
    """Turn the registry's refusals into problem details (the caller has written nothing)."""
    try:
        yield
    except revocation.CredentialNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except revocation.NotIssuer as exc:
        raise HTTPException(403, str(exc)) from exc
    except (revocation.StatusConflict, revocation.NotReissuable) as exc:
        raise HTTPException(409, {"title": "Status conflict", "detail": str(exc)}) from exc
    except revocation.InvalidChange as exc:
        raise HTTPException(
            422, {"title": "Invalid change", "detail": str(exc), "errors": exc.errors}
        ) from exc


def _change(
    operation: Any,
    slug: str,
    credential_id: str,
    body: RevokeRequest | SuspendRequest | UnsuspendRequest,
    caller: Any,
    session: Any,
    context: Any,
) -> CredentialRecord:
    organization = own_organization(session, slug, caller)
    with issuance_errors(session), registry_errors():
        row = operation(
            session,
            context,
            organization,
            credential_id,
            reason_code=body.reason_code,
            reason=body.reason,
            actor=caller.label,
        )
        session.commit()
    return record(row)


@router.post(
    "/orgs/{slug}/credentials/{credential_id}/revoke",
    operation_id="revoke_credential",
    response_model=CredentialRecord,
    summary="Revoke a credential (irreversible): its bit is set in the revocation list.",
    responses=REFUSALS,
)
def revoke_credential(
    slug: str,
    credential_id: str,
    body: RevokeRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> CredentialRecord:
    return _change(revocation.revoke, slug, credential_id, body, caller, session, context)


@router.post(
    "/orgs/{slug}/credentials/{credential_id}/suspend",
    operation_id="suspend_credential",
    response_model=CredentialRecord,
    summary="Suspend a credential: its bit is set in the suspension list.",
    responses=REFUSALS,
)
def suspend_credential(
    slug: str,
    credential_id: str,
    body: SuspendRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> CredentialRecord:
    return _change(revocation.suspend, slug, credential_id, body, caller, session, context)


@router.post(
    "/orgs/{slug}/credentials/{credential_id}/unsuspend",
    operation_id="unsuspend_credential",
    response_model=CredentialRecord,
    summary="Lift a suspension (refused for a revoked credential).",
    responses=REFUSALS,
)
def unsuspend_credential(
    slug: str,
    credential_id: str,
    body: UnsuspendRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> CredentialRecord:
    return _change(revocation.unsuspend, slug, credential_id, body, caller, session, context)


@router.post(
    "/orgs/{slug}/credentials/{credential_id}/reissue",
    operation_id="reissue_credential",
    status_code=201,
    response_model=CredentialRecord,
    summary="Issue a corrected credential that replaces this one; this one is revoked "
    "(superseded).",
    responses={**REFUSALS, 200: {"description": "An idempotent replay"}},
)
def reissue_credential(
    slug: str,
    credential_id: str,
    changes: Annotated[
        dict[str, Any],
        Body(
            description="The fields to correct, as in the issuance request (camelCase), merged "
            "into the original request as a JSON Merge Patch (RFC 7396: objects merge, `null` "
            "removes). The result is validated like an issuance request.",
            examples=[{"learner": {"name": "李晓鸣"}}],
        ),
    ],
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="Makes a retried reissue return the same credential."),
    ] = None,
) -> CredentialRecord:
    organization = own_organization(session, slug, caller)
    with issuance_errors(session), registry_errors():
        result = revocation.reissue(
            session,
            context,
            organization,
            credential_id,
            changes,
            actor=caller.label,
            idempotency_key=idempotency_key,
        )
        session.commit()
    response.status_code = 201 if result.new.created else 200
    return record(result.new.row)


@router.post(
    "/orgs/{slug}/credentials/status",
    operation_id="vc_api_update_status",
    tags=["vc-api"],
    response_model=UpdateStatusResponse,
    summary="VC-API: set a credential's revocation or suspension status.",
    responses=REFUSALS,
)
def update_status(
    slug: str,
    body: UpdateStatusRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> UpdateStatusResponse:
    organization = own_organization(session, slug, caller)
    results: list[UpdatedStatus] = []
    with issuance_errors(session), registry_errors():
        for entry in body.credentialStatus:
            changed = revocation.update_status(
                session,
                context,
                organization,
                body.credentialId,
                purpose=entry.statusPurpose,
                value=entry.status,
                actor=caller.label,
                reason_code=body.reasonCode,
                reason=body.reason,
            )
            results.append(
                UpdatedStatus(
                    statusPurpose=entry.statusPurpose, status=entry.status, changed=changed
                )
            )
        session.commit()
    return UpdateStatusResponse(credentialId=body.credentialId, credentialStatus=results)


@router.get(
    "/credentials/{credential_id}/status",
    operation_id="get_credential_status",
    response_model=PublicStatusOut,
    summary="Public: whether a credential is active, revoked or suspended, and what replaces it.",
    responses={404: {"description": "No credential has this id"}},
)
def get_credential_status(
    credential_id: str, session: SessionDep, context: ContextDep, response: Response
) -> PublicStatusOut:
    found = revocation.public_status(session, credential_id)
    if found is None:
        raise HTTPException(404, f"no credential {credential_id!r}")
    response.headers["Cache-Control"] = f"public, max-age={context.status_max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return PublicStatusOut(
        id=found.id, status=found.status, reason=found.reason, superseded_by=found.superseded_by
    )
