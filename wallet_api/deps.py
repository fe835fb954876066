"""FastAPI dependencies of the wallet's routes: its context, a session, the signed-in learner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from wallet_api import accounts
from wallet_api.context import WalletContext
from wallet_api.models import Learner

_bearer = HTTPBearer(
    auto_error=False, description="A learner's session token (onexw_…), from /wallet/account/login."
)


def get_context(request: Request) -> WalletContext:
    context: WalletContext = request.app.state.wallet
    return context


WalletDep = Annotated[WalletContext, Depends(get_context)]


def get_session(context: WalletDep) -> Iterator[Session]:
    """A session per request; nothing is written unless the route commits."""
    with context.sessions() as session:
        yield session


WalletSessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None:
        raise _unauthorized("sign in first: Authorization: Bearer <session token>")
    return credentials.credentials


TokenDep = Annotated[str, Depends(get_token)]


def get_learner(token: TokenDep, session: WalletSessionDep, context: WalletDep) -> Learner:
    """The signed-in learner. The read transaction is ended here: on SQLite every transaction
    holds the write lock (BEGIN IMMEDIATE), and routes call in-process services (issuer offers,
    status lookups, the verifier) that open sessions of their own."""
    learner = accounts.authenticate(session, token, context.clock())
    session.commit()
    if learner is None:
        raise _unauthorized("the session is unknown, expired or signed out; sign in again")
    return learner


LearnerDep = Annotated[Learner, Depends(get_learner)]


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (proxies are not trusted)."""
    return request.client.host if request.client is not None else None
