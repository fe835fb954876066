"""Learner accounts: register, sign in, sign out, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import Field

from wallet_api import accounts, ratelimit
from wallet_api.deps import LearnerDep, TokenDep, WalletDep, WalletSessionDep, client_address
from wallet_api.models import Learner
from wallet_api.routes.common import LIMITED, SIGNED_IN, Model, too_many

router = APIRouter(prefix="/wallet/account", tags=["wallet: account"])

Password = Annotated[str, Field(min_length=1, max_length=accounts.MAX_PASSWORD)]


class Registration(Model):
    username: str = Field(max_length=64, examples=["li.xiaoming"])
    password: Password = Field(description=f"At least {accounts.MIN_PASSWORD} characters.")
    display_name: str = Field("", max_length=100, examples=["李晓明"])
    did: str | None = Field(
        None,
        max_length=2048,
        description="A DID you control (did:key or did:web): you will sign presentations "
        "yourself. Leave it out to have the wallet make and hold an Ed25519 did:key for you.",
    )


class Credentials(Model):
    username: str = Field(max_length=200)
    password: Password


class Account(Model):
    """A learner's account (never the password hash or the key)."""

    username: str
    display_name: str
    did: str
    key_held_by_wallet: bool = Field(description="False: the learner signs presentations.")
    created_at: datetime


class SessionToken(Model):
    token: str = Field(description="Send as Authorization: Bearer <token>.")
    expires_at: datetime
    account: Account


def account(learner: Learner) -> Account:
    return Account(
        username=learner.username,
        display_name=learner.display_name,
        did=learner.did,
        key_held_by_wallet=accounts.custodial(learner),
        created_at=learner.created_at,
    )


@router.post(
    "/register",
    operation_id="wallet_register",
    status_code=201,
    response_model=Account,
    summary="Create a learner account (with a did:key held for you, or your own DID).",
    responses={409: {"description": "The user name or DID is taken."}, **LIMITED},
)
def register(
    body: Registration, request: Request, session: WalletSessionDep, context: WalletDep
) -> Account:
    key = ratelimit.client_key(client_address(request))
    try:
        ratelimit.hit(context.sessions, context.limits.registrations, key, context.clock())
    except ratelimit.RateLimited as exc:
        raise too_many(exc) from exc
    try:
        learner = accounts.register(
            session,
            context,
            username=body.username,
            password=body.password,
            display_name=body.display_name,
            did=body.did,
        )
    except accounts.AccountError as exc:
        status = 409 if isinstance(exc, accounts.AccountTaken) else 422
        raise HTTPException(status, str(exc)) from exc
    session.commit()
    return account(learner)


@router.post(
    "/login",
    operation_id="wallet_login",
    response_model=SessionToken,
    summary="Sign in with a user name and password: a session token that expires.",
    responses={401: {"description": "Wrong user name or password."}, **LIMITED},
)
def login(
    body: Credentials, request: Request, session: WalletSessionDep, context: WalletDep
) -> SessionToken:
    key = ratelimit.client_key(client_address(request))
    limit, now = context.limits.login_failures, context.clock()
    refused = ratelimit.exceeded(context.sessions, limit, key, now)
    if refused is not None:
        raise too_many(refused)
    signed_in = accounts.login(session, context, body.username, body.password)
    if signed_in is None:
        session.rollback()
        ratelimit.record(context.sessions, limit, key, now)
        raise HTTPException(401, "wrong user name or password")
    session.commit()
    return SessionToken(
        token=signed_in.token,
        expires_at=signed_in.expires_at,
        account=account(signed_in.learner),
    )


@router.post(
    "/logout",
    operation_id="wallet_logout",
    status_code=204,
    summary="Sign out: the session token stops working.",
    responses=SIGNED_IN,
)
def logout(learner: LearnerDep, token: TokenDep, session: WalletSessionDep) -> Response:
    accounts.logout(session, token)
    session.commit()
    return Response(status_code=204)


@router.get(
    "",
    operation_id="wallet_account",
    response_model=Account,
    summary="The signed-in learner's account.",
    responses=SIGNED_IN,
)
def me(learner: LearnerDep) -> Account:
    return account(learner)
