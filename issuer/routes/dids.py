"""Issuer routes: dids — organizations' did:web documents, at the path did:web prescribes.

``did:web:<host>:orgs:<slug>`` is served at ``<base URL>/orgs/<slug>/did.json``. The body is
``application/did+json`` (the DID Core media type for the JSON representation; the document
carries its ``@context`` all the same), with a strong ETag and a short public cache lifetime:
rotation adds a key, so a verifier should not keep a stale copy for long.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select

from issuer.deps import SessionDep
from issuer.keystore import did_document
from issuer.models import Organization

router = APIRouter(tags=["dids"])

DID_JSON = "application/did+json"
MAX_AGE = 300


@router.get(
    "/orgs/{slug}/did.json",
    operation_id="get_organization_did_document",
    summary="The did:web DID document of an organization, listing every key it ever had.",
    description=(
        "Public. Retired keys stay in the document (with assertionMethod) so that credentials "
        "signed before a rotation still verify; their periods are in GET /orgs/{slug}/keys. "
        "404 for an unknown organization or one that uses did:key."
    ),
    response_class=Response,
    responses={
        200: {"content": {DID_JSON: {}}, "description": "The DID document."},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        404: {"content": {"application/problem+json": {}}, "description": "No such did:web."},
    },
)
def get_did_document(slug: str, request: Request, session: SessionDep) -> Response:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None or organization.did_method != "web":
        raise HTTPException(404, f"no did:web organization with slug {slug!r}")
    document = did_document(session, organization)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=DID_JSON, headers=headers)


def _matches(header: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, ``*`` matches any current representation."""
    tags = {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
    return "*" in tags or etag in tags
