"""The published status lists (public): Bitstring Status List credentials with caching headers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Response
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
    sequence: int,
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
    text, etag = status.published(
        session,
        status_list,
        organization,
        base_url=context.base_url,
        slug=slug,
        ttl_seconds=context.status_max_age,
        sign=lambda d: signer.sign(d, now=context.clock()),
    )
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={context.status_max_age}",
        "Last-Modified": _http_date(status_list.updated_at),
    }
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(text, media_type="application/vc+ld+json", headers=headers)


def _http_date(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)
