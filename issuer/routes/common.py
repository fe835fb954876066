"""Small pieces the issuer's routes share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.accreditation import ScopeError
from issuer.auth import Caller
from issuer.caller_credentials import CallerCredentialError
from issuer.issuance import IdempotencyConflict
from issuer.models import Organization
from issuer.organizations import get_organization
from issuer.templates.build import TemplateError
from vc import problems
from vc.errors import VCError


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
