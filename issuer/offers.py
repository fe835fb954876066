"""Credential offers: a credential issued to a learner whose DID is not known yet.

Instead of a signed credential the organization gets a pending **offer**: the validated template
request (without a learner DID), a one-time **claim code** (256 random bits, stored as its
SHA-256 only), an expiry (30 days by default) and a claim link ``{base}/wallet/claim?code=…``.
The offer is shaped like OpenID4VCI's pre-authorized code flow: :func:`credential_offer` gives
the ``credential_offer`` object (``credential_issuer``, ``credential_configuration_ids`` and the
``pre-authorized_code`` grant) and :func:`offer_uri` its ``openid-credential-offer://`` form.

Redeeming (:func:`redeem`) binds the learner's DID as ``credentialSubject.id`` and signs the
credential through the normal issuance path (:func:`issuer.issuance.issue_from_template`:
scope check, status entries, storage, audit), exactly once: the offer row is locked, and the
issuance uses the idempotency key ``offer:<offer id>`` so that even a race cannot sign twice.
An unknown, withdrawn, expired or used code raises :class:`OfferError` with its ``reason``.

:class:`IssuerOffers` is the in-process implementation that ``service/`` hands to the wallet.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit
from issuer.context import IssuerContext
from issuer.issuance import Issued, _check_template_scope, issue_from_template
from issuer.models import CredentialOffer, Organization
from issuer.templates.identity import national_id_identity
from issuer.templates.requests import DiplomaRequest, XCertificateRequest

__all__ = [
    "CONFIGURATION_IDS",
    "DEFAULT_TTL",
    "PRE_AUTHORIZED_GRANT",
    "IssuerOffers",
    "NewOffer",
    "OfferError",
    "OfferPreview",
    "RedeemedOffer",
    "claim_url",
    "code_hash",
    "create_offer",
    "credential_offer",
    "describe",
    "offer_state",
    "offer_uri",
    "redeem",
    "withdraw",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_IDS: dict[str, str] = {
    "x-certificate": "OneXVocationalSkillCertificate_ldp_vc",
    "diploma": "OneXEducationDiploma_ldp_vc",
}
DEFAULT_TTL = timedelta(days=30)
MAX_TTL = timedelta(days=366)
CODE_BYTES = 32
OfferReason = Literal["unknown", "withdrawn", "expired", "used", "invalid-holder"]
OfferState = Literal["pending", "redeemed", "expired", "withdrawn"]
TemplateRequest = XCertificateRequest | DiplomaRequest


class OfferError(Exception):
    """An offer cannot be redeemed (or withdrawn); ``reason`` says why in one word."""

    def __init__(self, reason: OfferReason, message: str) -> None:
        super().__init__(message)
        self.reason: OfferReason = reason
        self.message = message


@dataclass(frozen=True)
class NewOffer:
    """A stored offer and its claim code — the code exists only here, never again."""

    row: CredentialOffer
    code: str
    claim_url: str
    credential_offer: dict[str, Any]
    offer_uri: str


@dataclass(frozen=True)
class RedeemedOffer:
    """What a wallet gets for a code: the signed credential and where it came from."""

    credential: dict[str, Any]
    credential_id: str
    kind: str
    issuer_did: str


@dataclass(frozen=True)
class OfferPreview:
    """What a wallet may show before claiming: the kind, the issuer and the expiry."""

    kind: str
    issuer_did: str
    issuer_name_zh: str
    issuer_name_en: str
    expires_at: datetime


def code_hash(code: str) -> str:
    """The SHA-256 (hex) under which a claim code is stored."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def claim_url(base_url: str, code: str) -> str:
    """The link a learner opens (or scans) to claim: ``{base}/wallet/claim?code=…``."""
    return f"{base_url}/wallet/claim?{urlencode({'code': code})}"


def credential_offer(base_url: str, kind: str, code: str) -> dict[str, Any]:
    """The OpenID4VCI ``credential_offer`` object of a pre-authorized code offer."""
    return {
        "credential_issuer": base_url,
        "credential_configuration_ids": [CONFIGURATION_IDS[kind]],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }


def offer_uri(offer: dict[str, Any]) -> str:
    """``openid-credential-offer://?credential_offer=…`` (the offer by value)."""
    text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
    return "openid-credential-offer://?credential_offer=" + quote(text, safe="")


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def offer_state(row: CredentialOffer, now: datetime) -> OfferState:
    if row.redeemed_at is not None:
        return "redeemed"
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "expired" if now >= _as_utc(row.expires_at) else "pending"


def _stored_request(request: TemplateRequest) -> dict[str, Any]:
    """The request as the offer keeps it: no learner DID, and the national ID number only as
    its salted hash (the OB3 IdentityObject the credential will carry), never in clear."""
    data: dict[str, Any] = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["learner"].pop("did", None)
    data["learner"].pop("nationalIdNumber", None)
    number = request.learner.national_id_number
    identity = None if number is None else national_id_identity(number, secrets.token_bytes(16))
    return {"request": data, "nationalIdentity": identity}


def create_offer(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    request: TemplateRequest,
    *,
    actor: str,
    expires_in: timedelta = DEFAULT_TTL,
) -> NewOffer:
    """Store a pending offer of the credential ``request`` asks for; audited (``offer.create``).

    The scope is checked now (and again at redemption). Any ``learner.did`` in the request is
    dropped: the claiming learner's DID takes its place. Raises ScopeError outside the scope,
    ValueError for an expiry outside (0, 366 days].
    """
    if not timedelta(0) < expires_in <= MAX_TTL:
        raise ValueError(f"expires_in must be more than 0 and at most 366 days, not {expires_in}")
    now = context.clock()
    _check_template_scope(session, organization, request, now)
    code = secrets.token_urlsafe(CODE_BYTES)
    kind = "x-certificate" if isinstance(request, XCertificateRequest) else "diploma"
    number = (
        request.license_number
        if isinstance(request, XCertificateRequest)
        else request.diploma_number
    )
    row = CredentialOffer(
        id=f"urn:uuid:{uuid.uuid4()}",
        organization_id=organization.id,
        kind=kind,
        request=_stored_request(request),
        learner_name=request.learner.name,
        number=number,
        code_hash=code_hash(code),
        created_at=now,
        expires_at=now + expires_in,
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="offer.create",
        subject=row.id,
        data={"organization": organization.slug, "kind": kind, "number": number},
        at=now,
    )
    session.flush()
    offer = credential_offer(context.base_url, kind, code)
    return NewOffer(row, code, claim_url(context.base_url, code), offer, offer_uri(offer))


def withdraw(session: Session, row: CredentialOffer, *, actor: str, now: datetime) -> None:
    """Withdraw a pending offer (its code stops working); audited. OfferError if not pending."""
    state = offer_state(row, now)
    if state != "pending":
        raise OfferError("used" if state == "redeemed" else state, f"the offer is {state}")
    row.withdrawn_at = now
    audit.record(session, actor=actor, action="offer.withdraw", subject=row.id, data={}, at=now)
    session.flush()


def _pending(session: Session, code: str, now: datetime, *, lock: bool) -> CredentialOffer:
    query = select(CredentialOffer).where(CredentialOffer.code_hash == code_hash(code))
    if lock:  # a locked read must see the row as it is now, not a copy the session holds
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise OfferError("unknown", "no offer has this claim code")
    state = offer_state(row, now)
    if state == "redeemed":
        raise OfferError("used", "this claim code was already used")
    if state == "withdrawn":
        raise OfferError("withdrawn", "the issuer withdrew this offer")
    if state == "expired":
        expired = _as_utc(row.expires_at).isoformat()
        raise OfferError("expired", f"this claim code expired at {expired}")
    return row


def _bound_request(row: CredentialOffer, holder_did: str) -> TemplateRequest:
    kept = row.request["request"]
    data = {**kept, "learner": {**kept["learner"], "did": holder_did}}
    model = XCertificateRequest if row.kind == "x-certificate" else DiplomaRequest
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise OfferError("invalid-holder", f"holder DID {holder_did!r} is not usable") from exc


def redeem(
    session: Session, context: IssuerContext, code: str, holder_did: str, *, actor: str
) -> Issued:
    """Sign the offered credential for ``holder_did``, once; in the caller's transaction.

    Raises OfferError (unknown, withdrawn, expired, used, invalid-holder), and what
    :func:`issue_from_template` raises (ScopeError when the accreditation has lapsed, …).
    """
    now = context.clock()
    row = _pending(session, code, now, lock=True)
    request = _bound_request(row, holder_did)
    organization = session.get(Organization, row.organization_id)
    if organization is None:  # pragma: no cover - a foreign key guarantees it
        raise OfferError("unknown", "the offer's organization is gone")
    issued = issue_from_template(
        session,
        context,
        organization,
        request,
        actor=actor,
        idempotency_key=f"offer:{row.id}",
        carried_identity=row.request.get("nationalIdentity"),
    )
    if not issued.created:
        raise OfferError("used", "this claim code was already used")
    row.redeemed_at, row.holder_did, row.credential_id = now, holder_did, issued.row.id
    audit.record(
        session,
        actor=actor,
        action="offer.redeem",
        subject=row.id,
        data={"credential": issued.row.id, "holder": holder_did},
        at=now,
    )
    session.flush()
    return issued


def describe(session: Session, code: str, now: datetime) -> OfferPreview:
    """What the offer behind ``code`` is, without redeeming it; OfferError if not pending."""
    row = _pending(session, code, now, lock=False)
    organization = session.get(Organization, row.organization_id)
    if organization is None:  # pragma: no cover - a foreign key guarantees it
        raise OfferError("unknown", "the offer's organization is gone")
    return OfferPreview(
        kind=row.kind,
        issuer_did=organization.did,
        issuer_name_zh=organization.name_zh,
        issuer_name_en=organization.name_en,
        expires_at=_as_utc(row.expires_at),
    )


class IssuerOffers:
    """Redeems claim codes in process, each in its own committed transaction."""

    def __init__(self, context: IssuerContext) -> None:
        self._context = context

    def redeem(self, code: str, holder_did: str) -> RedeemedOffer:
        """Sign and store the credential for ``holder_did``; raises OfferError (and ScopeError)."""
        with self._context.sessions() as session:
            issued = redeem(session, self._context, code, holder_did, actor="wallet-claim")
            result = RedeemedOffer(
                credential=issued.credential,
                credential_id=issued.row.id,
                kind=issued.row.kind,
                issuer_did=issued.credential["issuer"]["id"],
            )
            session.commit()
        return result

    def describe(self, code: str) -> OfferPreview:
        with self._context.sessions() as session:
            return describe(session, code, self._context.clock())
