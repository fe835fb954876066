"""The learner's credentials: claim, import, list, view, delete, export; presentations."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session

from wallet_api import accounts, grants, ratelimit, store
from wallet_api.context import WalletContext
from wallet_api.deps import LearnerDep, WalletDep, WalletSessionDep
from wallet_api.interfaces import OfferRefused
from wallet_api.models import Learner, StoredCredential
from wallet_api.presentations import sign_presentation, unsigned_presentation
from wallet_api.routes.common import LIMITED, NOT_FOUND, SIGNED_IN, Model, too_many

router = APIRouter(prefix="/wallet", tags=["wallet: credentials"])

Status = Literal["active", "revoked", "suspended", "superseded", "unknown"]
Kind = Literal["x-certificate", "diploma", "other"]
OFFER_STATUS = {
    "unknown": 404,
    "withdrawn": 410,
    "expired": 410,
    "used": 409,
    "invalid-holder": 422,
    "out-of-scope": 409,
}


class CredentialSummary(Model):
    """A credential in the wallet, for listing."""

    id: str = Field(description="The wallet entry's id (wc_…).")
    credential_id: str
    kind: Kind
    display_name: dict[str, str] = Field(description="Language map: zh-CN, en, …")
    issuer: str = Field(description="The issuer's DID.")
    issuer_name: dict[str, str]
    status: Status
    status_reason: str | None
    superseded_by: str | None = Field(description="Id of the credential that replaced it.")
    replaced_by_entry: str | None = Field(description="The wallet entry of the replacement.")
    source: Literal["offer", "import", "reissue"]
    added_at: datetime


class CredentialView(CredentialSummary):
    verifiable_credential: dict[str, Any]


class CredentialList(Model):
    total: int
    items: list[CredentialSummary]


class Claim(Model):
    code: str = Field(min_length=1, max_length=200, description="The one-time claim code.")


class Import(Model):
    verifiable_credential: dict[str, Any] = Field(description="A signed JSON-LD credential.")


class PresentationRequest(Model):
    credential_ids: list[str] = Field(min_length=1, max_length=grants.MAX_CREDENTIALS)
    challenge: str | None = Field(None, max_length=500)
    domain: str | None = Field(None, max_length=500)


class PresentationAnswer(Model):
    signed: bool = Field(description="False: your key is yours; sign it and upload it yourself.")
    verifiable_presentation: dict[str, Any]


def _summary_fields(session: Session, learner: Learner, row: StoredCredential) -> dict[str, Any]:
    successor = (
        store.by_credential_id(session, learner, row.superseded_by) if row.superseded_by else None
    )
    return {
        "id": row.id,
        "credential_id": row.credential_id,
        "kind": row.kind,
        "display_name": json.loads(row.display_name),
        "issuer": row.issuer_did,
        "issuer_name": json.loads(row.issuer_name),
        "status": row.status,
        "status_reason": row.status_reason,
        "superseded_by": row.superseded_by,
        "replaced_by_entry": successor.id if successor is not None else None,
        "source": row.source,
        "added_at": row.added_at,
    }


def view(session: Session, learner: Learner, row: StoredCredential) -> CredentialView:
    return CredentialView(
        **_summary_fields(session, learner, row), verifiable_credential=store.document_of(row)
    )


def own_entry(session: Session, learner: Learner, entry_id: str) -> StoredCredential:
    row = store.owned(session, learner, entry_id)
    if row is None:
        raise HTTPException(404, f"no credential {entry_id!r} in this wallet")
    return row


@router.get(
    "/credentials",
    operation_id="wallet_list_credentials",
    response_model=CredentialList,
    summary="The learner's credentials, newest first; statuses refreshed from the issuer.",
    responses=SIGNED_IN,
)
def list_credentials(
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
    kind: Annotated[Kind | None, Query()] = None,
    issuer: Annotated[str | None, Query(max_length=2048, description="Issuer DID.")] = None,
    status: Annotated[Status | None, Query()] = None,
) -> CredentialList:
    store.refresh(session, context, learner)
    session.commit()
    rows = store.listing(session, learner, kind=kind, issuer=issuer, status=status)
    items = [CredentialSummary(**_summary_fields(session, learner, r)) for r in rows]
    return CredentialList(total=len(items), items=items)


@router.post(
    "/credentials/refresh",
    operation_id="wallet_refresh_credentials",
    summary="Ask the issuers for the current status of every credential now.",
    responses=SIGNED_IN,
)
def refresh_credentials(
    learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> dict[str, int]:
    changed = store.refresh(session, context, learner, force=True)
    session.commit()
    return {"changed": changed}


@router.get(
    "/credentials/{entry_id}",
    operation_id="wallet_get_credential",
    response_model=CredentialView,
    summary="One credential of the wallet, with the signed document.",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def get_credential(entry_id: str, learner: LearnerDep, session: WalletSessionDep) -> CredentialView:
    return view(session, learner, own_entry(session, learner, entry_id))


@router.delete(
    "/credentials/{entry_id}",
    operation_id="wallet_delete_credential",
    status_code=204,
    summary="Remove a credential from the wallet (grants stop showing it).",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def delete_credential(entry_id: str, learner: LearnerDep, session: WalletSessionDep) -> Response:
    session.delete(own_entry(session, learner, entry_id))
    session.commit()
    return Response(status_code=204)


@router.post(
    "/credentials/claim",
    operation_id="wallet_claim",
    status_code=201,
    response_model=CredentialView,
    summary="Redeem a claim code: the issuer signs the credential to your DID; it is stored.",
    responses={
        **SIGNED_IN,
        404: {"description": "No offer has this code."},
        409: {"description": "The code was used, or the credential is in the wallet."},
        410: {"description": "The offer expired or was withdrawn."},
        **LIMITED,
    },
)
def claim(
    body: Claim, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> CredentialView:
    limit, key, now = context.limits.claim_failures, f"learner:{learner.id}", context.clock()
    refused = ratelimit.exceeded(context.sessions, limit, key, now)
    if refused is not None:
        raise too_many(refused)
    try:
        row = store.claim(session, context, learner, body.code.strip())
    except OfferRefused as exc:
        ratelimit.record(context.sessions, limit, key, now)
        raise HTTPException(
            OFFER_STATUS[exc.reason], {"title": "Cannot claim", "detail": exc.message}
        ) from exc
    except store.DuplicateCredential as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return view(session, learner, row)


@router.post(
    "/credentials/import",
    operation_id="wallet_import",
    status_code=201,
    response_model=CredentialView,
    summary="Import a signed credential from elsewhere: verified first, refused with reasons.",
    responses={**SIGNED_IN, 409: {"description": "Already in the wallet."}, 422: {}},
)
def import_credential(
    body: Import, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> CredentialView:
    try:
        row = store.import_credential(session, context, learner, body.verifiable_credential)
    except store.CredentialRefused as exc:
        raise HTTPException(
            422,
            {
                "title": "Credential refused",
                "detail": str(exc),
                "reasons": exc.reasons,
                "report": exc.report,
            },
        ) from exc
    except store.DuplicateCredential as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return view(session, learner, row)


@router.get(
    "/export",
    operation_id="wallet_export",
    summary="Everything in the wallet as one JSON bundle (no private key).",
    responses=SIGNED_IN,
)
def export(learner: LearnerDep, session: WalletSessionDep, context: WalletDep) -> JSONResponse:
    bundle = export_bundle(session, context, learner)
    name = f"onex-wallet-{learner.username}.json"
    return JSONResponse(bundle, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def export_bundle(session: Session, context: WalletContext, learner: Learner) -> dict[str, Any]:
    now = context.clock()
    entries = [
        view(session, learner, r).model_dump(mode="json") for r in store.listing(session, learner)
    ]
    shared = [
        {
            "id": g.id,
            "label": g.label,
            "credentialIds": g.credential_ids,
            "state": grants.state(g, now),
            "createdAt": g.created_at.isoformat(),
            "expiresAt": g.expires_at.isoformat(),
        }
        for g in grants.listing(session, learner)
    ]
    return {
        "type": "OnexWalletExport",
        "version": 1,
        "exportedAt": now.isoformat(),
        "holder": {"did": learner.did, "username": learner.username},
        "credentials": entries,
        "grants": shared,
    }


@router.post(
    "/presentations",
    operation_id="wallet_presentation",
    response_model=PresentationAnswer,
    summary="A verifiable presentation of chosen credentials, signed with your key "
    "(authentication, the verifier's challenge and domain).",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def presentation(
    body: PresentationRequest, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> PresentationAnswer:
    documents = [
        store.document_of(own_entry(session, learner, entry)) for entry in body.credential_ids
    ]
    unsigned = unsigned_presentation(learner.did, documents)
    if not accounts.custodial(learner):
        return PresentationAnswer(signed=False, verifiable_presentation=unsigned)
    key, method = accounts.learner_key(context, learner)
    signed = sign_presentation(
        unsigned,
        key=key,
        verification_method=method,
        challenge=body.challenge,
        domain=body.domain,
        now=context.clock(),
        loader=context.loader,
    )
    return PresentationAnswer(signed=True, verifiable_presentation=signed)
