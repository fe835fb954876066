"""FastAPI dependencies of the issuer's routes: its context, a session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from issuer.auth import Caller, authenticate
from issuer.context import IssuerContext

_bearer = HTTPBearer(auto_error=False, description="An organization's or supervisor's API key.")


def get_context(request: Request) -> IssuerContext:
    context: IssuerContext = request.app.state.issuer
    return context


ContextDep = Annotated[IssuerContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """A session per request; nothing is written unless the route commits."""
    with context.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise HTTPException(
            401,
            "an API key is required (Authorization: Bearer onex_…)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = authenticate(session, credentials.credentials)
    if caller is None:
        raise HTTPException(
            401, "the API key is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
        )
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_supervisor(caller: CallerDep) -> Caller:
    if caller.role != "supervisor":
        raise HTTPException(403, "only a supervisor may do this")
    return caller


SupervisorDep = Annotated[Caller, Depends(get_supervisor)]


def get_organization_caller(caller: CallerDep) -> Caller:
    if caller.role != "organization":
        raise HTTPException(403, "only an organization's API key may do this")
    return caller


OrganizationDep = Annotated[Caller, Depends(get_organization_caller)]
