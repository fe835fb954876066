"""The published status lists (public): Bitstring Status List credentials with caching headers.

``Cache-Control: public, max-age`` equals the list's ``ttl``; ``ETag`` is a hash of the served
text and a conditional GET with a matching ``If-None-Match`` answers 304. ``Last-Modified`` is
the time of the last change; ``If-Modified-Since`` is deliberately not honoured (one-second
resolution could hide a second change made within the same second) — RFC 9110 lets a server
ignore it, and caches revalidate with the ETag.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Response
from sqlalchemy import select

from issuer import status
from issuer.deps import ContextDep, SessionDep
from issuer.models import Organization
from issuer.signing import OrganizationSigner

router = APIRouter(tags=["status"])


@router.get(
    "/status/{slug}/{purpose}/{sequence}",
    operation_id="get_status_list",
    summary="A signed BitstringStatusListCredential (ETag, Cache-Control; 304 when unchanged).",
    responses={200: {"content": {"application/vc+ld+json": {}}}, 304: {}, 404: {}},
)
def get_status_list(
    slug: str,
    purpose: Literal["revocation", "suspension"],
    sequence: Annotated[int, Path(ge=0, le=2**31 - 1)],  # PostgreSQL INTEGER: larger was a 500
    session: SessionDep,
    context: ContextDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    found = organization and status.find_list(session, organization, purpose, sequence)
    if organization is None or not found:
        raise HTTPException(404, f"no {purpose} list {sequence} for organization {slug!r}")
    status_list = found
    signer = OrganizationSigner.active(session, organization, context)
    served = status.published(
        session,
        status_list,
        organization,
        base_url=context.base_url,
        slug=slug,
        ttl_seconds=context.status_max_age,
        sign=lambda d: signer.sign(d, now=context.clock()),
        verification_method=signer.verification_method,
    )
    headers = {
        "ETag": served.etag,
        "Cache-Control": f"public, max-age={context.status_max_age}",
        "Last-Modified": _http_date(served.last_modified),
        "Access-Control-Allow-Origin": "*",
    }
    if if_none_match is not None and _matches(if_none_match, served.etag):
        return Response(status_code=304, headers=headers)
    return Response(served.text, media_type="application/vc+ld+json", headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag, compared weakly (a ``W/`` prefix ignored)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _http_date(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)
