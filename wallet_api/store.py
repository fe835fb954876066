"""The credentials in a learner's wallet: claim, import, list, view, delete, refresh, export.

A credential enters the wallet by **claiming** an offer (the issuer signs it to the learner's
DID), by **import** (verified first through the injected :class:`CredentialVerifier`, and it
must be bound to the learner's DID), or as the **successor** of one the issuer reissued.

Statuses: ``active``, ``revoked``, ``suspended``, ``superseded`` (revoked because a reissued
credential replaces it: ``superseded_by`` names the new one) or ``unknown`` (a credential from
elsewhere, whose issuer this service cannot ask). Statuses of our issuers' credentials are
refreshed from the injected :class:`CredentialStatusLookup` when the wallet is listed (at most
once per ``status_refresh``). When a credential turns out superseded and the issuer's
replacement is bound to the same DID, the replacement is pulled into the wallet at once: the
wallet shows it in the old one's place and keeps the old one, marked superseded.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wallet_api.context import WalletContext
from wallet_api.interfaces import CredentialState
from wallet_api.models import Learner, StoredCredential

KINDS = {"VocationalSkillCertificate": "x-certificate", "EducationDiploma": "diploma"}
STATUSES = ("active", "revoked", "suspended", "superseded", "unknown")


class CredentialRefused(ValueError):
    """A credential cannot enter the wallet; ``reasons`` lists every cause."""

    def __init__(self, reasons: list[str], report: dict[str, Any] | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.report = report


class DuplicateCredential(ValueError):
    """The credential is already in this wallet."""


@dataclass(frozen=True)
class Description:
    kind: str
    issuer_did: str
    issuer_name: dict[str, str]
    display_name: dict[str, str]


def labels(value: Any) -> dict[str, str]:
    """A language map from a string, a ``{lang: text}`` map or JSON-LD ``@value`` objects."""
    if isinstance(value, str):
        return {"und": value}
    if isinstance(value, dict) and "@value" in value:
        return {str(value.get("@language", "und")): str(value["@value"])}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
    if isinstance(value, list):
        found: dict[str, str] = {}
        for item in value:
            found.update(labels(item))
        return found
    return {}


def describe(document: dict[str, Any]) -> Description:
    """Kind, issuer and display name of a credential, for listing."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    kind = next((KINDS[t] for t in types if t in KINDS), "other")
    issuer = document.get("issuer")
    issuer_did = issuer.get("id") if isinstance(issuer, dict) else issuer
    issuer_name = labels(issuer.get("name")) if isinstance(issuer, dict) else {}
    return Description(
        kind=kind,
        issuer_did=str(issuer_did or ""),
        issuer_name=issuer_name or {"und": str(issuer_did or "")},
        display_name=labels(document.get("name")) or {"und": str(document.get("id", ""))},
    )


def subject_ids(document: dict[str, Any]) -> list[Any]:
    subject = document.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return [s.get("id") if isinstance(s, dict) else None for s in subjects]


def binding_problem(document: dict[str, Any], did: str) -> str | None:
    """Why ``document`` is not bound to ``did`` (None when every subject is ``did``)."""
    found = subject_ids(document)
    if all(item == did for item in found):
        return None
    return f"credentialSubject.id is {found[0]!r}, not this wallet's DID {did!r}"


def _now_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def add(
    session: Session,
    learner: Learner,
    document: dict[str, Any],
    *,
    source: str,
    now: datetime,
    state: CredentialState | None = None,
) -> StoredCredential:
    """Store ``document`` in ``learner``'s wallet; DuplicateCredential if it is there already."""
    credential_id = str(document.get("id") or f"urn:onex:wallet:{uuid.uuid4()}")
    existing = session.scalar(
        select(StoredCredential.id).where(
            StoredCredential.learner_id == learner.id,
            StoredCredential.credential_id == credential_id,
        )
    )
    if existing is not None:
        raise DuplicateCredential(f"credential {credential_id!r} is already in this wallet")
    info = describe(document)
    row = StoredCredential(
        id=f"wc_{uuid.uuid4().hex}",
        learner_id=learner.id,
        credential_id=credential_id,
        kind=info.kind,
        issuer_did=info.issuer_did,
        issuer_name=json.dumps(info.issuer_name, ensure_ascii=False),
        display_name=json.dumps(info.display_name, ensure_ascii=False),
        document=json.dumps(document, ensure_ascii=False),
        source=source,
        status="unknown",
        added_at=now,
    )
    _apply(row, state, now)
    session.add(row)
    session.flush()
    return row


def note_status(row: StoredCredential, state: CredentialState | None, now: datetime) -> None:
    """Record what the issuer just said of ``row``'s credential (nothing when it said nothing)."""
    _apply(row, state, now)


def _apply(row: StoredCredential, state: CredentialState | None, now: datetime) -> None:
    if state is None:
        return
    row.status_checked_at = now
    row.superseded_by = state.superseded_by
    row.status = "superseded" if state.superseded_by else state.status
    row.status_reason = state.reason


def claim(
    session: Session, context: WalletContext, learner: Learner, code: str
) -> StoredCredential:
    """Redeem ``code`` for a credential signed to the learner's DID and store it.

    Raises :class:`~wallet_api.interfaces.OfferRefused` (the issuer's refusal).
    """
    redeemed = context.offers.redeem(code, learner.did)
    document = redeemed.credential
    now = context.clock()
    state = context.statuses.status(redeemed.credential_id)
    return add(session, learner, document, source="offer", now=now, state=state)


def import_credential(
    session: Session, context: WalletContext, learner: Learner, document: Any
) -> StoredCredential:
    """Verify ``document`` and store it; CredentialRefused (with every reason) if it fails."""
    if not isinstance(document, dict):
        raise CredentialRefused(["a credential must be a JSON object (a JSON-LD credential)"])
    check = context.verifier(document)
    reasons = list(check.reasons) if not check.verified else []
    if not check.verified and not reasons:
        reasons = ["the credential did not verify"]
    problem = binding_problem(document, learner.did)
    if problem is not None:
        reasons.append(problem)
    if reasons:
        raise CredentialRefused(reasons, check.report)
    credential_id = document.get("id")
    state = context.statuses.status(credential_id) if isinstance(credential_id, str) else None
    return add(session, learner, document, source="import", now=context.clock(), state=state)


def owned(session: Session, learner: Learner, entry_id: str) -> StoredCredential | None:
    """The wallet entry ``entry_id`` if it belongs to ``learner`` (else None)."""
    row = session.get(StoredCredential, entry_id)
    return row if row is not None and row.learner_id == learner.id else None


def listing(
    session: Session,
    learner: Learner,
    *,
    kind: str | None = None,
    issuer: str | None = None,
    status: str | None = None,
) -> list[StoredCredential]:
    """The learner's credentials (newest first), filtered by kind, issuer DID and status."""
    query = select(StoredCredential).where(StoredCredential.learner_id == learner.id)
    if kind is not None:
        query = query.where(StoredCredential.kind == kind)
    if issuer is not None:
        query = query.where(StoredCredential.issuer_did == issuer)
    if status is not None:
        query = query.where(StoredCredential.status == status)
    order = (StoredCredential.added_at.desc(), StoredCredential.id)
    return list(session.scalars(query.order_by(*order)))


def refresh(
    session: Session, context: WalletContext, learner: Learner, *, force: bool = False
) -> int:
    """Ask the issuer about each of the learner's credentials not checked lately; pull in
    successors of superseded ones. Returns how many statuses changed.

    The lookups open sessions of their own, so they run while ``session`` has no transaction
    open (on SQLite a transaction holds the write lock): read, commit, ask, then write.
    """
    now = context.clock()
    due = [
        row
        for row in listing(session, learner)
        if force
        or row.status_checked_at is None
        or now - _now_utc(row.status_checked_at) >= context.status_refresh
    ]
    held = {row.credential_id for row in listing(session, learner)}
    session.commit()
    answers = [(row, context.statuses.status(row.credential_id)) for row in due]
    successors = _successors(context, learner, answers, held)
    changed = 0
    for row, state in answers:
        if state is None:
            continue
        before = (row.status, row.superseded_by)
        _apply(row, state, now)
        session.add(row)
        changed += before != (row.status, row.superseded_by)
    for document, state in successors:
        if by_credential_id(session, learner, str(document.get("id"))) is None:
            add(session, learner, document, source="reissue", now=now, state=state)
    session.flush()
    return changed


def _successors(
    context: WalletContext,
    learner: Learner,
    answers: list[tuple[StoredCredential, CredentialState | None]],
    held: set[str],
) -> list[tuple[dict[str, Any], CredentialState | None]]:
    found = []
    for row, state in answers:
        new_id = state.superseded_by if state is not None else None
        if new_id is None or new_id in held:
            continue
        document = context.statuses.successor(row.credential_id, learner.did)
        if document is None or binding_problem(document, learner.did) is not None:
            continue
        found.append((document, context.statuses.status(new_id)))
        held.add(new_id)
    return found


def by_credential_id(
    session: Session, learner: Learner, credential_id: str
) -> StoredCredential | None:
    return session.scalar(
        select(StoredCredential).where(
            StoredCredential.learner_id == learner.id,
            StoredCredential.credential_id == credential_id,
        )
    )


def document_of(row: StoredCredential) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(row.document)
    return document
