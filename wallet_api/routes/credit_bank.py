"""The learner's credit bank: deposits, accumulated credits, rule evaluation, applications.

Only the signed-in learner sees and changes their own account (another learner's application:
404). Every refusal is a problem details object and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from wallet_api import credit_bank
from wallet_api.credit_bank import CreditBankIssuer, CreditBankRefused
from wallet_api.deps import LearnerDep, WalletDep, WalletSessionDep
from wallet_api.models import CreditApplication
from wallet_api.routes.common import NOT_FOUND, PROBLEM, SIGNED_IN, Model

router = APIRouter(prefix="/wallet/credit-bank", tags=["wallet: credit bank"])

REFUSED: dict[int | str, dict[str, Any]] = {
    **SIGNED_IN,
    **NOT_FOUND,
    409: {"description": "Already deposited.", **PROBLEM},
    422: {"description": "Not a valid outcome, or the rule does not apply.", **PROBLEM},
}


def get_port(request: Request) -> CreditBankIssuer:
    port: CreditBankIssuer = request.app.state.wallet_credit_bank
    return port


PortDep = Annotated[CreditBankIssuer, Depends(get_port)]


class DepositInput(Model):
    entry_id: str = Field(min_length=1, max_length=40, description="A wallet entry id (wc_…).")


class Deposit(Model):
    id: str
    entry_id: str
    credential_id: str
    digest_sri: str
    status: str
    counting: bool
    credits: float
    recognized_as: dict[str, Any] | None = Field(
        description="The outcome-catalogue entry recognizing it (null: not recognized, so "
        "it does not count); its credit value is what counts."
    )


class Account(Model):
    deposits: list[Deposit]
    total_credits: float


class Finding(Model):
    rule: dict[str, Any]
    applies: bool
    outcomes: list[str]
    reasons: list[str] = Field(description="Why the rule does not apply (English).")
    reasons_zh: list[str] = Field(description="The same reasons in Chinese.")


class Evaluation(Model):
    school: str
    major: str | None
    findings: list[Finding]


class ApplicationInput(Model):
    school: str = Field(min_length=1, max_length=64)
    rule_id: str = Field(min_length=1, max_length=40)


class Application(Model):
    id: str
    school: str
    rule_id: str
    conversion: dict[str, Any] | None


class ApplicationList(Model):
    applications: list[Application]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except CreditBankRefused as exc:
        raise HTTPException(exc.status, {"title": exc.title, "detail": exc.detail}) from exc


def _number(value: Decimal) -> float:
    return float(value)


def _deposit(view: credit_bank.DepositView) -> Deposit:
    return Deposit(
        id=view.row.id,
        entry_id=view.row.entry_id,
        credential_id=view.row.credential_id,
        digest_sri=view.row.digest_sri,
        status=view.status,
        counting=view.counting,
        credits=_number(view.credits),
        recognized_as=view.recognized_as,
    )


@router.get(
    "",
    operation_id="wallet_credit_bank",
    response_model=Account,
    summary="The learner's deposited outcomes, whether each still counts, and total credits.",
    responses=SIGNED_IN,
)
def account(
    learner: LearnerDep, session: WalletSessionDep, context: WalletDep, port: PortDep
) -> Account:
    views = credit_bank.deposits(session, context, port, learner)
    session.commit()  # the wallet entries' fresh statuses
    items = [_deposit(v) for v in views]
    total = sum((v.credits for v in views if v.counting), Decimal(0))
    return Account(deposits=items, total_credits=_number(total))


@router.post(
    "/deposits",
    operation_id="wallet_credit_bank_deposit",
    status_code=201,
    response_model=Deposit,
    summary="Deposit an active credential of the wallet as a learning outcome.",
    description="Only credentials the outcome catalogue recognizes are learning outcomes "
    "(`GET /outcome-catalogue`); a credential deposited twice, also concurrently, is a 409.",
    responses=REFUSED,
)
def deposit(
    body: DepositInput,
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
    port: PortDep,
) -> Deposit:
    with _refusals():
        made = credit_bank.deposit(session, context, port, learner, body.entry_id)
    session.commit()
    return _deposit(made)


class SkippedEntry(Model):
    entry_id: str
    credential_id: str
    reason: str


class DepositAll(Model):
    deposited: list[Deposit]
    skipped: list[SkippedEntry] = Field(
        description="Credentials of the wallet not deposited now, each with the reason."
    )


@router.post(
    "/deposits/all",
    operation_id="wallet_credit_bank_deposit_all",
    response_model=DepositAll,
    summary="Deposit every credential of the wallet that is a valid learning outcome.",
    description="Credentials already deposited are left alone; the others that are not "
    "active at their issuer or not recognized by the outcome catalogue are listed as skipped, "
    "with the reason.",
    responses=SIGNED_IN,
)
def deposit_all(
    learner: LearnerDep, session: WalletSessionDep, context: WalletDep, port: PortDep
) -> DepositAll:
    made, skipped = credit_bank.deposit_all(session, context, port, learner)
    session.commit()
    return DepositAll(
        deposited=[_deposit(view) for view in made],
        skipped=[
            SkippedEntry(entry_id=s.entry_id, credential_id=s.credential_id, reason=s.reason)
            for s in skipped
        ],
    )


@router.get(
    "/evaluation",
    operation_id="wallet_credit_bank_evaluation",
    response_model=Evaluation,
    summary="For a school (and major): which rules apply to the counting outcomes, and why.",
    responses=REFUSED,
)
def evaluation(
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
    port: PortDep,
    school: Annotated[str, Query(min_length=1, max_length=64)],
    major: Annotated[str | None, Query(max_length=32)] = None,
) -> Evaluation:
    with _refusals():
        found = credit_bank.evaluate(session, context, port, learner, school, major)
    session.commit()  # the wallet entries' fresh statuses
    return Evaluation(school=school, major=major, findings=[Finding(**f) for f in found])


def _application(row: CreditApplication, port: CreditBankIssuer) -> Application:
    return Application(
        id=row.id,
        school=row.school,
        rule_id=row.rule_id,
        conversion=port.conversion(row.conversion_id),
    )


@router.post(
    "/applications",
    operation_id="wallet_credit_bank_apply",
    status_code=201,
    response_model=Application,
    summary="Apply to a school for a conversion under one of its rules.",
    responses=REFUSED,
)
def apply(
    body: ApplicationInput,
    learner: LearnerDep,
    session: WalletSessionDep,
    context: WalletDep,
    port: PortDep,
) -> Application:
    with _refusals():
        row = credit_bank.apply(session, context, port, learner, body.school, body.rule_id)
    session.commit()
    return _application(row, port)


@router.get(
    "/applications",
    operation_id="wallet_credit_bank_applications",
    response_model=ApplicationList,
    summary="The learner's applications with the school's decision, record and flags.",
    responses=SIGNED_IN,
)
def list_applications(
    learner: LearnerDep, session: WalletSessionDep, context: WalletDep, port: PortDep
) -> ApplicationList:
    rows = credit_bank.applications(session, context, port, learner)
    session.commit()
    return ApplicationList(applications=[_application(row, port) for row in rows])


@router.get(
    "/applications/{application_id}",
    operation_id="wallet_credit_bank_application",
    response_model=Application,
    summary="One application with the school's decision, record and flags.",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def get_application(
    application_id: str, learner: LearnerDep, session: WalletSessionDep, port: PortDep
) -> Application:
    with _refusals():
        row = credit_bank.application_of(session, learner, application_id)
    session.commit()
    return _application(row, port)
