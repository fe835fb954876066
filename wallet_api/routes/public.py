"""Public routes: what an employer's verifier reads from a grant, and claim-link QR codes.

``GET /grants/{token}`` (the link) and ``POST /grants/lookup`` (a typed code) answer the same
JSON: the holder, the credentials and a presentation signed by the learner's key with a fresh
challenge. Unknown, expired and closed grants answer the same 404 "expired or closed".
Both are rate-limited per client address.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from wallet_api import qr
from wallet_api.deps import WalletDep, client_address
from wallet_api.grants import UNAVAILABLE, GrantLookup, GrantUnavailable, SharedGrant
from wallet_api.ratelimit import RateLimited
from wallet_api.routes.common import LIMITED, PROBLEM, Model, too_many

router = APIRouter(tags=["grants (public)"])

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
GONE: dict[int | str, dict[str, Any]] = {
    404: {"description": "The grant is expired or closed (or never was).", **PROBLEM},
    **LIMITED,
}
CLAIM_CODE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class CodeLookup(Model):
    code: str = Field(min_length=1, max_length=64, examples=["7K3M-9QXD-2RTV-8H4N"])


def _lookup(request: Request, code_or_token: str, user_agent: str | None) -> JSONResponse:
    lookup: GrantLookup = request.app.state.wallet_grant_lookup
    try:
        shared: SharedGrant = lookup(
            code_or_token, client=client_address(request), user_agent=user_agent
        )
    except RateLimited as exc:
        raise too_many(exc) from exc
    except GrantUnavailable as exc:
        raise HTTPException(
            404, {"title": "Expired or closed", "detail": UNAVAILABLE}, headers=NO_STORE
        ) from exc
    return JSONResponse(shared.to_json(), headers=NO_STORE)


@router.get(
    "/grants/{token}",
    operation_id="grant_by_link",
    summary="The credentials a learner shares through a link (for verifiers).",
    responses=GONE,
)
def grant_by_link(
    token: str,
    request: Request,
    user_agent: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    return _lookup(request, token, user_agent)


@router.post(
    "/grants/lookup",
    operation_id="grant_by_code",
    summary="The credentials a learner shares through a 16-character verification code.",
    responses=GONE,
)
def grant_by_code(
    body: CodeLookup,
    request: Request,
    user_agent: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    return _lookup(request, body.code, user_agent)


def _claim_link(context: WalletDep, code: str) -> str:
    if not CLAIM_CODE.fullmatch(code):
        raise HTTPException(422, "code is not a claim code")
    return f"{context.base_url}/wallet/claim?{urlencode({'code': code})}"


ClaimCode = Annotated[str, Query(max_length=100, description="The one-time claim code.")]


@router.get(
    "/wallet/claim/qr.png",
    operation_id="claim_qr_png",
    summary="A claim link as a QR code (PNG), for printing on a notice.",
    responses={200: {"content": {"image/png": {}}}, 422: {}},
    response_class=Response,
)
def claim_qr_png(code: ClaimCode, context: WalletDep) -> Response:
    return Response(qr.png(_claim_link(context, code)), media_type="image/png", headers=NO_STORE)


@router.get(
    "/wallet/claim/qr.svg",
    operation_id="claim_qr_svg",
    summary="A claim link as a QR code (SVG), for printing on a notice.",
    responses={200: {"content": {"image/svg+xml": {}}}, 422: {}},
    response_class=Response,
)
def claim_qr_svg(code: ClaimCode, context: WalletDep) -> Response:
    return Response(
        qr.svg(_claim_link(context, code)), media_type="image/svg+xml", headers=NO_STORE
    )
