"""The learner's credit-bank account (学分银行) in the wallet.

- **Deposits**: a credential of the wallet, active at the time and recognized by the
  supervisor's outcome catalogue, is deposited as a learning outcome: its id and the digest
  (``sha256-…`` of its RFC 8785 form) are kept. A deposit *counts* while its issuer says the
  credential is active (revoked, suspended, superseded or unknown: it stops counting), the
  catalogue still recognizes it, and its wallet entry is still there.
- **Accumulated credits**: the sum of the catalogue's credit values of counting deposits.
- **Evaluation**: for a chosen school (and major), which of its rules apply to the counting
  deposits and why (or why not) — asked of the school through :class:`CreditBankIssuer`.
- **Applications**: the learner applies under one rule; the school's conversion (pending,
  approved with its signed record, rejected with a reason, flagged when an outcome it used no
  longer counts) is read back through the same Protocol. The school's conversions are the
  record: listing adopts any conversion of the learner's DID the wallet has no row for (a
  process that died between the school's commit and the wallet's loses nothing).

The wallet reaches the schools only through :class:`CreditBankIssuer`, wired in ``service/``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vc.digest import digest_sri
from wallet_api import store
from wallet_api.context import WalletContext
from wallet_api.models import CreditApplication, CreditDeposit, Learner, StoredCredential


class CreditBankRefused(Exception):
    """A credit-bank request was refused; ``status``/``title`` make its problem details."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


class CreditBankIssuer(Protocol):
    """The schools' side of the credit bank. Unknown schools, rules or refused applications
    raise :class:`CreditBankRefused`."""

    def rules(self, school: str, major: str | None, /) -> list[dict[str, Any]]:
        """The school's rules in force (their published JSON)."""
        ...

    def explain(
        self, school: str, major: str | None, documents: Sequence[dict[str, Any]], at: datetime, /
    ) -> list[dict[str, Any]]:
        """For each rule: ``{"rule", "applies", "outcomes": [credential ids], "reasons",
        "reasonsZh"}`` (the reasons in English and in Chinese)."""
        ...

    def apply(
        self, school: str, rule_id: str, learner_did: str, outcomes: Sequence[tuple[str, str]], /
    ) -> dict[str, Any]:
        """Submit an application with ``(credential id, digestSRI)`` outcomes: the conversion."""
        ...

    def conversion(self, conversion_id: str, /) -> dict[str, Any] | None:
        """A conversion as the school sees it (state, reason, flags, signed record)."""
        ...

    def conversions_of(self, learner_did: str, /) -> list[dict[str, Any]]:
        """Every conversion applied for with ``learner_did``, oldest first."""
        ...

    def recognize(self, documents: Sequence[dict[str, Any]], /) -> list[dict[str, Any] | None]:
        """For each credential: the outcome-catalogue entry recognizing it, or None."""
        ...


def credits_of(entry: dict[str, Any] | None) -> Decimal:
    """The credit value of a catalogue entry (0 without one)."""
    value = entry.get("credits") if entry is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class DepositView:
    """A deposit with its present status at the issuer and its catalogue entry (if any)."""

    row: CreditDeposit
    status: str
    counting: bool
    credits: Decimal
    document: dict[str, Any] | None
    recognized_as: dict[str, Any] | None


def deposit(
    session: Session,
    context: WalletContext,
    port: CreditBankIssuer,
    learner: Learner,
    entry_id: str,
) -> DepositView:
    """Deposit a wallet entry; refused when it is not the learner's, already deposited (also
    by a concurrent request), not active at its issuer, or not a recognized learning outcome.
    Ends the session's transaction before asking the issuer."""
    row = store.owned(session, learner, entry_id)
    if row is None:
        raise CreditBankRefused(404, "Not found", f"no credential {entry_id!r} in this wallet")
    credential_id, document = row.credential_id, store.document_of(row)
    if _deposit_of(session, learner, credential_id) is not None:
        raise CreditBankRefused(
            409, "Already deposited", f"credential {credential_id!r} is already deposited"
        )
    session.commit()
    state = context.statuses.status(credential_id)
    status = "unknown" if state is None else "superseded" if state.superseded_by else state.status
    if status != "active":
        raise CreditBankRefused(
            422,
            "Not a valid learning outcome",
            f"credential {credential_id!r} is {status} at its issuer; only active ones count",
        )
    recognized_as = port.recognize([document])[0]
    if recognized_as is None:
        raise CreditBankRefused(
            422,
            "Not a valid learning outcome",
            f"credential {credential_id!r} is not a learning outcome the outcome catalogue "
            "recognizes (GET /outcome-catalogue lists them)",
        )
    made = CreditDeposit(
        id=f"cd_{uuid.uuid4().hex}",
        learner_id=learner.id,
        entry_id=entry_id,
        credential_id=credential_id,
        digest_sri=digest_sri(document),
        deposited_at=context.clock(),
    )
    session.add(made)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request deposited it first
        session.rollback()
        raise CreditBankRefused(
            409, "Already deposited", f"credential {credential_id!r} is already deposited"
        ) from exc
    credits = credits_of(recognized_as)
    return DepositView(made, "active", True, credits, document, recognized_as)


@dataclass(frozen=True)
class Skipped:
    """A wallet entry :func:`deposit_all` left out, and why."""

    entry_id: str
    credential_id: str
    reason: str


def deposit_all(
    session: Session, context: WalletContext, port: CreditBankIssuer, learner: Learner
) -> tuple[list[DepositView], list[Skipped]]:
    """Deposit every credential of the wallet that is not deposited yet and is a valid
    learning outcome; the others are returned with the reason (each deposit is committed
    before the next is tried)."""
    entries = [(row.id, row.credential_id) for row in store.listing(session, learner)]
    deposited = {
        row.credential_id
        for row in session.scalars(
            select(CreditDeposit).where(CreditDeposit.learner_id == learner.id)
        )
    }
    made: list[DepositView] = []
    skipped: list[Skipped] = []
    for entry_id, credential_id in reversed(entries):  # oldest first
        if credential_id in deposited:
            continue
        try:
            made.append(deposit(session, context, port, learner, entry_id))
        except CreditBankRefused as exc:
            skipped.append(Skipped(entry_id, credential_id, exc.detail))
    return made, skipped


def _deposit_of(session: Session, learner: Learner, credential_id: str) -> CreditDeposit | None:
    return session.scalar(
        select(CreditDeposit).where(
            CreditDeposit.learner_id == learner.id, CreditDeposit.credential_id == credential_id
        )
    )


def deposits(
    session: Session, context: WalletContext, port: CreditBankIssuer, learner: Learner
) -> list[DepositView]:
    """The learner's deposits with their present status and catalogue entry (asked now; the
    wallet entries take the fresh status too, so the list and the credit bank agree)."""
    rows = list(
        session.scalars(
            select(CreditDeposit)
            .where(CreditDeposit.learner_id == learner.id)
            .order_by(CreditDeposit.deposited_at, CreditDeposit.id)
        )
    )
    found: list[tuple[CreditDeposit, StoredCredential | None, dict[str, Any] | None]] = []
    for row in rows:
        entry = store.owned(session, learner, row.entry_id)
        found.append((row, entry, store.document_of(entry) if entry is not None else None))
    session.commit()
    entries = port.recognize([document or {} for _, _, document in found])
    views = []
    now = context.clock()
    for (row, entry, document), recognized_as in zip(found, entries, strict=True):
        state = context.statuses.status(row.credential_id)
        if entry is not None:
            store.note_status(entry, state, now)
        status = (
            "missing"
            if document is None
            else "unknown"
            if state is None
            else "superseded"
            if state.superseded_by
            else state.status
        )
        counting = status == "active" and recognized_as is not None
        credits = credits_of(recognized_as)
        views.append(DepositView(row, status, counting, credits, document, recognized_as))
    return views


def evaluate(
    session: Session,
    context: WalletContext,
    port: CreditBankIssuer,
    learner: Learner,
    school: str,
    major: str | None,
) -> list[dict[str, Any]]:
    """Which of the school's rules apply to the learner's counting deposits, and why."""
    documents = [
        v.document for v in deposits(session, context, port, learner) if v.counting and v.document
    ]
    return port.explain(school, major, documents, context.clock())


def apply(
    session: Session,
    context: WalletContext,
    port: CreditBankIssuer,
    learner: Learner,
    school: str,
    rule_id: str,
) -> CreditApplication:
    """Apply under ``rule_id`` with every counting deposit the rule accepts."""
    views = [v for v in deposits(session, context, port, learner) if v.counting and v.document]
    findings = port.explain(
        school, None, [v.document for v in views if v.document], context.clock()
    )
    finding = next((f for f in findings if f["rule"]["id"] == rule_id), None)
    if finding is None:
        raise CreditBankRefused(404, "Not found", f"school {school!r} has no rule {rule_id!r}")
    if not finding["applies"]:
        why = "; ".join(finding["reasons"])
        raise CreditBankRefused(422, "Rule does not apply", f"rule {rule_id}: {why}")
    used = set(finding["outcomes"])
    outcomes = [
        (v.row.credential_id, v.row.digest_sri) for v in views if v.row.credential_id in used
    ]
    conversion = port.apply(school, rule_id, learner.did, outcomes)
    made = CreditApplication(
        id=f"ca_{uuid.uuid4().hex}",
        learner_id=learner.id,
        school=school,
        rule_id=rule_id,
        conversion_id=str(conversion["id"]),
        created_at=context.clock(),
    )
    session.add(made)
    try:
        session.flush()
    except IntegrityError:  # a concurrent listing adopted the new conversion already
        session.rollback()
        adopted = session.scalar(
            select(CreditApplication).where(CreditApplication.conversion_id == conversion["id"])
        )
        if adopted is None:
            raise
        return adopted
    return made


def applications(
    session: Session, context: WalletContext, port: CreditBankIssuer, learner: Learner
) -> list[CreditApplication]:
    """The learner's applications, adopting the school's conversions of the learner's DID
    that have no wallet row yet (their application was cut short after the school's commit)."""
    session.commit()  # the school's side is asked outside the wallet's transaction
    found = port.conversions_of(learner.did)
    query = select(CreditApplication).where(CreditApplication.learner_id == learner.id)
    rows = list(session.scalars(query.order_by(CreditApplication.created_at)))
    known = {row.conversion_id for row in rows}
    for conversion in found:
        if conversion["id"] in known:
            continue
        adopted = CreditApplication(
            id=f"ca_{uuid.uuid4().hex}",
            learner_id=learner.id,
            school=str(conversion["school"]),
            rule_id=str(conversion["rule"]["id"]) if conversion.get("rule") else "",
            conversion_id=str(conversion["id"]),
            created_at=context.clock(),
        )
        session.add(adopted)
        rows.append(adopted)
    try:
        session.flush()
    except IntegrityError:  # a concurrent request adopted them first: read theirs
        session.rollback()
        rows = list(session.scalars(query.order_by(CreditApplication.created_at)))
    return rows


def application_of(session: Session, learner: Learner, application_id: str) -> CreditApplication:
    row = session.get(CreditApplication, application_id)
    if row is None or row.learner_id != learner.id:
        raise CreditBankRefused(404, "Not found", f"no application {application_id!r} here")
    return row
