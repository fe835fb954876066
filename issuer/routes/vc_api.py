"""VC-API (W3C CCG) issuance: ``POST /orgs/{slug}/credentials/issue``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.issuance import issue_caller_credential
from issuer.routes.common import issuance_errors, own_organization

router = APIRouter(tags=["vc-api"])


class IssueOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    format: Literal["ldp", "jwt"] = Field(
        "ldp", description="`ldp` (Data Integrity, default) or `jwt` (application/vc+jwt)."
    )


class IssueRequest(BaseModel):
    """The VC-API issue request: an unsigned credential and options."""

    credential: dict[str, Any] = Field(description="The credential to sign (VC 2.0 or 1.1).")
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    verifiableCredential: Any


@router.post(
    "/orgs/{slug}/credentials/issue",
    operation_id="vc_api_issue_credential",
    status_code=201,
    response_model=IssueResponse,
    summary="VC-API: sign a caller-made credential, adding its status entries.",
    responses={200: {"description": "An idempotent replay"}, 403: {}, 409: {}, 422: {}},
)
def issue_credential(
    slug: str,
    body: IssueRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    response: Response,
    idempotency_key: str | None = Header(None, max_length=200),
) -> IssueResponse:
    organization = own_organization(session, slug, caller)
    with issuance_errors(session):
        issued = issue_caller_credential(
            session,
            context,
            organization,
            body.credential,
            actor=caller.label,
            fmt=body.options.format,
            idempotency_key=idempotency_key,
        )
        session.commit()
    response.status_code = 201 if issued.created else 200
    return IssueResponse(verifiableCredential=issued.credential)
