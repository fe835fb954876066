"""Small pieces the issuer's routes share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import HTTPException
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.accreditation import ScopeError
from issuer.auth import Caller
from issuer.caller_credentials import CallerCredentialError
from issuer.issuance import IdempotencyConflict
from issuer.models import Organization
from issuer.organizations import get_organization
from issuer.refusals import Refused
from issuer.templates.build import TemplateError
from vc import problems
from vc.errors import VCError

CAMEL = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    serialize_by_alias=True,
    extra="forbid",
    str_strip_whitespace=True,
)
"""camelCase JSON in and out, unknown fields refused, strings stripped."""
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a :class:`~issuer.refusals.Refused` into problem details with its status."""
    try:
        yield
    except Refused as exc:
        raise HTTPException(exc.status, {"title": exc.title, "detail": str(exc)}) from exc


def organization_or_404(session: Session, slug: str) -> Organization:
    organization = get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"no organization {slug!r}")
    return organization


def own_organization(session: Session, slug: str, caller: Caller) -> Organization:
    """The organization ``slug``, which must be the calling organization's own (else 403)."""
    organization = organization_or_404(session, slug)
    if caller.role != "organization" or caller.organization_id != organization.id:
        raise HTTPException(403, f"this API key does not belong to organization {slug!r}")
    return organization


@contextmanager
def issuance_errors(session: Session) -> Iterator[None]:
    """Turn the refusals of issuance into problem details; on any, nothing is committed."""
    try:
        yield
    except IntegrityError as exc:
        session.rollback()
        raise HTTPException(
            409,
            "a concurrent request changed the same records (e.g. the same "
            "Idempotency-Key); retry it",
        ) from exc
    except ScopeError as exc:
        raise HTTPException(403, {"title": "Outside accreditation", "detail": str(exc)}) from exc
    except IdempotencyConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except CallerCredentialError as exc:
        raise HTTPException(
            422,
            {
                "type": problems.MALFORMED_VALUE_ERROR,
                "title": "Malformed credential",
                "detail": exc.message,
                "errors": [p.to_json() for p in exc.problems],
            },
        ) from exc
    except TemplateError as exc:
        raise HTTPException(
            422, {"title": "Cannot build the credential", "detail": str(exc)}
        ) from exc
    except VCError as exc:
        raise HTTPException(
            422, {"type": exc.problem_type, "title": "Invalid credential", "detail": exc.message}
        ) from exc
