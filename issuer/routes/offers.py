"""Credential offers: issue to a learner who will claim the credential into a wallet later.

The organization's API key makes an offer (one, or a batch of up to 1,000 of one kind); the
answer carries the one-time claim code, the claim link (also as a QR code, served by the
wallet at ``/wallet/claim/qr.png`` / ``.svg``) and the OpenID4VCI ``credential_offer``. The
code is shown only in that answer: it is stored hashed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import select

from issuer import offers
from issuer.accreditation import as_utc
from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.models import CredentialOffer
from issuer.routes.common import issuance_errors, own_organization
from issuer.templates.requests import DiplomaRequest, XCertificateRequest

router = APIRouter(tags=["offers"])

ExpiresInDays = Annotated[
    int, Query(alias="expiresInDays", ge=1, le=366, description="Days until the code expires.")
]
MAX_BATCH = 1000


class _Out(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )


class OfferRecord(_Out):
    """A credential offer and its state (never its claim code)."""

    id: str
    kind: str
    number: str | None
    learner_name: str | None
    state: Literal["pending", "redeemed", "expired", "withdrawn"]
    created_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    credential_id: str | None = Field(description="The credential signed when it was claimed.")


class OfferCreated(OfferRecord):
    """A new offer with its one-time claim code: shown here only, stored hashed."""

    claim_code: str
    claim_url: str
    claim_qr_png: str = Field(description="The claim link as a QR code (PNG).")
    claim_qr_svg: str = Field(description="The claim link as a QR code (SVG).")
    credential_offer: dict[str, Any] = Field(
        description="The OpenID4VCI credential_offer (pre-authorized code grant)."
    )
    credential_offer_uri: str = Field(description="openid-credential-offer:// with the offer.")


class OfferList(_Out):
    total: int
    items: list[OfferRecord]


class XCertificateBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests: list[XCertificateRequest] = Field(min_length=1, max_length=MAX_BATCH)


class DiplomaBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requests: list[DiplomaRequest] = Field(min_length=1, max_length=MAX_BATCH)


class CreatedBatch(_Out):
    items: list[OfferCreated]


def _record(row: CredentialOffer, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "learner_name": row.learner_name,
        "state": offers.offer_state(row, now),
        "created_at": as_utc(row.created_at),
        "expires_at": as_utc(row.expires_at),
        "redeemed_at": None if row.redeemed_at is None else as_utc(row.redeemed_at),
        "credential_id": row.credential_id,
    }


def _created(new: offers.NewOffer, base_url: str, now: datetime) -> OfferCreated:
    query = urlencode({"code": new.code})
    return OfferCreated(
        **_record(new.row, now),
        claim_code=new.code,
        claim_url=new.claim_url,
        claim_qr_png=f"{base_url}/wallet/claim/qr.png?{query}",
        claim_qr_svg=f"{base_url}/wallet/claim/qr.svg?{query}",
        credential_offer=new.credential_offer,
        credential_offer_uri=new.offer_uri,
    )


def _make(
    slug: str,
    requests: list[XCertificateRequest] | list[DiplomaRequest],
    days: int,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> list[OfferCreated]:
    organization = own_organization(session, slug, caller)
    made: list[OfferCreated] = []
    with issuance_errors(session):
        for request in requests:
            new = offers.create_offer(
                session,
                context,
                organization,
                request,
                actor=caller.label,
                expires_in=timedelta(days=days),
            )
            made.append(_created(new, context.base_url, context.clock()))
        session.commit()
    return made


@router.post(
    "/orgs/{slug}/offers/x-certificates",
    operation_id="offer_x_certificate",
    status_code=201,
    response_model=OfferCreated,
    summary="Offer an X certificate to a learner who will claim it with a one-time code.",
    responses={403: {}, 422: {}},
)
def offer_x_certificate(
    slug: str,
    body: XCertificateRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    expires_in_days: ExpiresInDays = 30,
) -> OfferCreated:
    return _make(slug, [body], expires_in_days, caller, session, context)[0]


@router.post(
    "/orgs/{slug}/offers/diplomas",
    operation_id="offer_diploma",
    status_code=201,
    response_model=OfferCreated,
    summary="Offer a diploma to a learner who will claim it with a one-time code.",
    responses={403: {}, 422: {}},
)
def offer_diploma(
    slug: str,
    body: DiplomaRequest,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    expires_in_days: ExpiresInDays = 30,
) -> OfferCreated:
    return _make(slug, [body], expires_in_days, caller, session, context)[0]


@router.post(
    "/orgs/{slug}/offers/x-certificates/batch",
    operation_id="offer_x_certificates_batch",
    status_code=201,
    response_model=CreatedBatch,
    summary="Offer up to 1,000 X certificates at once (all or none).",
    responses={403: {}, 422: {}},
)
def offer_x_certificates_batch(
    slug: str,
    body: XCertificateBatch,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    expires_in_days: ExpiresInDays = 30,
) -> CreatedBatch:
    return CreatedBatch(items=_make(slug, body.requests, expires_in_days, caller, session, context))


@router.post(
    "/orgs/{slug}/offers/diplomas/batch",
    operation_id="offer_diplomas_batch",
    status_code=201,
    response_model=CreatedBatch,
    summary="Offer up to 1,000 diplomas at once (all or none).",
    responses={403: {}, 422: {}},
)
def offer_diplomas_batch(
    slug: str,
    body: DiplomaBatch,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    expires_in_days: ExpiresInDays = 30,
) -> CreatedBatch:
    return CreatedBatch(items=_make(slug, body.requests, expires_in_days, caller, session, context))


@router.get(
    "/orgs/{slug}/offers",
    operation_id="list_offers",
    response_model=OfferList,
    summary="The organization's offers, newest first (claim codes are never shown again).",
)
def list_offers(
    slug: str,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    state: Annotated[Literal["pending", "redeemed", "expired", "withdrawn"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OfferList:
    organization = own_organization(session, slug, caller)
    now = context.clock()
    rows = session.scalars(
        select(CredentialOffer)
        .where(CredentialOffer.organization_id == organization.id)
        .order_by(CredentialOffer.created_at.desc(), CredentialOffer.id)
    )
    records = [_record(r, now) for r in rows]
    chosen = [r for r in records if state is None or r["state"] == state]
    page = [OfferRecord(**r) for r in chosen[offset : offset + limit]]
    return OfferList(total=len(chosen), items=page)


def _own_offer(session: SessionDep, slug: str, offer_id: str, caller: CallerDep) -> CredentialOffer:
    organization = own_organization(session, slug, caller)
    row = session.get(CredentialOffer, offer_id)
    if row is None or row.organization_id != organization.id:
        raise HTTPException(404, f"no offer {offer_id!r} made by {slug!r}")
    return row


@router.get(
    "/orgs/{slug}/offers/{offer_id}",
    operation_id="get_offer",
    response_model=OfferRecord,
    summary="One offer and its state.",
)
def get_offer(
    slug: str, offer_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> OfferRecord:
    return OfferRecord(**_record(_own_offer(session, slug, offer_id, caller), context.clock()))


@router.post(
    "/orgs/{slug}/offers/{offer_id}/withdraw",
    operation_id="withdraw_offer",
    response_model=OfferRecord,
    summary="Withdraw a pending offer: its claim code stops working.",
    responses={409: {"description": "The offer is not pending."}},
)
def withdraw_offer(
    slug: str, offer_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> OfferRecord:
    row = _own_offer(session, slug, offer_id, caller)
    now = context.clock()
    try:
        offers.withdraw(session, row, actor=caller.label, now=now)
    except offers.OfferError as exc:
        raise HTTPException(409, exc.message) from exc
    session.commit()
    return OfferRecord(**_record(row, now))
