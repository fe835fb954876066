"""The learner's verification grants: create, list, view, extend, close, access log, QR codes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import Field
from sqlalchemy.orm import Session

from wallet_api import accounts, grants, qr
from wallet_api.context import WalletContext
from wallet_api.deps import LearnerDep, WalletDep, WalletSessionDep
from wallet_api.interfaces import ImportCheck
from wallet_api.models import Grant, Learner
from wallet_api.presentations import presented_credential_ids
from wallet_api.routes.common import NOT_FOUND, SIGNED_IN, Model
from wallet_api.store import document_of, owned

router = APIRouter(prefix="/wallet/grants", tags=["wallet: grants"])

ValidDays = Field(ge=grants.MIN_DAYS, le=grants.MAX_DAYS, description="1 to 180 days.")
QR_HEADERS = {"Cache-Control": "private, no-store"}
LINKS_FROM_LIST: dict[str, Any] = {
    "CreateGrantLikeFirst": {
        "operationId": "wallet_create_grant",
        "requestBody": {"credentialIds": "$response.body#/items/0/credentialIds"},
        "description": "A new grant of the credentials of the newest grant listed.",
    },
}
"""OpenAPI links from the list of grants (for clients and stateful fuzzing)."""


class GrantCreate(Model):
    credential_ids: list[str] = Field(
        min_length=1, max_length=grants.MAX_CREDENTIALS, description="Wallet entry ids (wc_…)."
    )
    valid_days: int = ValidDays
    label: str = Field("", max_length=200, examples=["给某某公司人事部"])


class GrantExtend(Model):
    valid_days: int = ValidDays


class GrantUpload(Model):
    verifiable_presentation: dict[str, Any] = Field(
        description="A presentation of exactly the grant's credentials, signed by your DID."
    )


class GrantView(Model):
    """A grant, with its link and code (for its owner only)."""

    id: str
    label: str
    credential_ids: list[str]
    state: Literal["open", "expired", "closed"]
    url: str
    code: str = Field(description="16 characters, shown as XXXX-XXXX-XXXX-XXXX.")
    qr_png: str
    qr_svg: str
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    has_presentation: bool


class GrantList(Model):
    total: int
    items: list[GrantView]


class Access(Model):
    at: datetime
    via: Literal["link", "code"]
    user_agent: str = Field(description='Browser family and system only, e.g. "Chrome on Android".')


class AccessLog(Model):
    total: int
    items: list[Access]


def grant_view(context: WalletContext, grant: Grant) -> GrantView:
    made = grants.secrets_of(context, grant)
    base = f"/wallet/grants/{grant.id}"
    return GrantView(
        id=grant.id,
        label=grant.label,
        credential_ids=grant.credential_ids,
        state=grants.state(grant, context.clock()),
        url=made.url(context.base_url),
        code=grants.format_code(made.code),
        qr_png=f"{base}/qr.png",
        qr_svg=f"{base}/qr.svg",
        created_at=grant.created_at,
        expires_at=grant.expires_at,
        closed_at=grant.closed_at,
        has_presentation=grant.presentation is not None,
    )


def own_grant(session: Session, learner: Learner, grant_id: str) -> Grant:
    grant = grants.owned(session, learner, grant_id)
    if grant is None:
        raise HTTPException(404, f"no grant {grant_id!r} in this wallet")
    return grant


@router.post(
    "",
    operation_id="wallet_create_grant",
    status_code=201,
    response_model=GrantView,
    summary="Let whoever holds a link or a code see chosen credentials, for 1 to 180 days.",
    responses={**SIGNED_IN, **NOT_FOUND, 422: {}},
)
def create_grant(
    body: GrantCreate, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> GrantView:
    try:
        grant, _ = grants.create(
            session,
            context,
            learner,
            body.credential_ids,
            valid_days=body.valid_days,
            label=body.label,
        )
    except grants.GrantError as exc:
        raise HTTPException(422, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    session.commit()
    return grant_view(context, grant)


@router.get(
    "",
    operation_id="wallet_list_grants",
    response_model=GrantList,
    summary="The learner's grants, newest first.",
    responses={**SIGNED_IN, 200: {"links": LINKS_FROM_LIST}},
)
def list_grants(learner: LearnerDep, session: WalletSessionDep, context: WalletDep) -> GrantList:
    items = [grant_view(context, g) for g in grants.listing(session, learner)]
    return GrantList(total=len(items), items=items)


@router.get(
    "/{grant_id}",
    operation_id="wallet_get_grant",
    response_model=GrantView,
    summary="One grant.",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def get_grant(
    grant_id: str, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> GrantView:
    return grant_view(context, own_grant(session, learner, grant_id))


@router.post(
    "/{grant_id}/extend",
    operation_id="wallet_extend_grant",
    response_model=GrantView,
    summary="Make the grant valid for 1 to 180 days from now (not once closed).",
    responses={**SIGNED_IN, **NOT_FOUND, 409: {"description": "The grant is closed."}},
)
def extend_grant(
    grant_id: str,
    body: GrantExtend,
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
) -> GrantView:
    grant = own_grant(session, learner, grant_id)
    try:
        grants.extend(grant, valid_days=body.valid_days, now=context.clock())
    except grants.GrantError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return grant_view(context, grant)


@router.post(
    "/{grant_id}/close",
    operation_id="wallet_close_grant",
    response_model=GrantView,
    summary="Close the grant for good: its link and code show only 'expired or closed'.",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def close_grant(
    grant_id: str, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> GrantView:
    grant = own_grant(session, learner, grant_id)
    grants.close(grant, context.clock())
    session.commit()
    return grant_view(context, grant)


@router.get(
    "/{grant_id}/accesses",
    operation_id="wallet_grant_accesses",
    response_model=AccessLog,
    summary="Who looked: when, by link or code, and a coarse user agent.",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def grant_accesses(grant_id: str, learner: LearnerDep, session: WalletSessionDep) -> AccessLog:
    rows = grants.accesses(session, own_grant(session, learner, grant_id))
    items = [
        Access.model_validate({"at": r.at, "via": r.via, "userAgent": r.user_agent}) for r in rows
    ]
    return AccessLog(total=len(items), items=items)


@router.get(
    "/{grant_id}/qr.png",
    operation_id="wallet_grant_qr_png",
    summary="The grant's link as a QR code (PNG).",
    responses={200: {"content": {"image/png": {}}}, **SIGNED_IN, **NOT_FOUND},
    response_class=Response,
)
def grant_qr_png(
    grant_id: str, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> Response:
    made = grants.secrets_of(context, own_grant(session, learner, grant_id))
    return Response(qr.png(made.url(context.base_url)), media_type="image/png", headers=QR_HEADERS)


@router.get(
    "/{grant_id}/qr.svg",
    operation_id="wallet_grant_qr_svg",
    summary="The grant's link as a QR code (SVG).",
    responses={200: {"content": {"image/svg+xml": {}}}, **SIGNED_IN, **NOT_FOUND},
    response_class=Response,
)
def grant_qr_svg(
    grant_id: str, learner: LearnerDep, session: WalletSessionDep, context: WalletDep
) -> Response:
    made = grants.secrets_of(context, own_grant(session, learner, grant_id))
    return Response(
        qr.svg(made.url(context.base_url)), media_type="image/svg+xml", headers=QR_HEADERS
    )


@router.put(
    "/{grant_id}/presentation",
    operation_id="wallet_upload_grant_presentation",
    response_model=GrantView,
    summary="Attach a presentation you signed yourself (learners who hold their own key).",
    responses={**SIGNED_IN, **NOT_FOUND, 409: {}, 422: {}},
)
def upload_presentation(
    grant_id: str,
    body: GrantUpload,
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
) -> GrantView:
    grant = own_grant(session, learner, grant_id)
    if accounts.custodial(learner):
        raise HTTPException(409, "the wallet signs this learner's presentations itself")
    expected = _credential_ids(session, learner, grant)
    session.commit()  # the verifier opens sessions of its own (SQLite: one writer)
    reasons = _upload_problems(context, learner, expected, body.verifiable_presentation)
    if reasons:
        raise HTTPException(
            422, {"title": "Presentation refused", "detail": "; ".join(reasons), "reasons": reasons}
        )
    grant.presentation = json.dumps(body.verifiable_presentation, ensure_ascii=False)
    session.commit()
    return grant_view(context, grant)


def _credential_ids(session: Session, learner: Learner, grant: Grant) -> list[str]:
    rows = [owned(session, learner, entry) for entry in grant.credential_ids]
    return [str(document_of(row).get("id")) for row in rows if row is not None]


def _upload_problems(
    context: WalletContext, learner: Learner, expected: list[str], presentation: dict[str, Any]
) -> list[str]:
    reasons: list[str] = []
    if presentation.get("holder") != learner.did:
        reasons.append(f"holder is {presentation.get('holder')!r}, not {learner.did!r}")
    if sorted(presented_credential_ids(presentation)) != sorted(expected):
        reasons.append("the presentation must carry exactly the grant's credentials")
    check: ImportCheck = context.verifier(presentation)
    if not check.verified:
        reasons.extend(check.reasons or ["the presentation did not verify"])
    return reasons
