"""The organization console page (``/console``) and the one endpoint made for it (whoami).

The page is static (HTML, JavaScript, CSS from :mod:`issuer.console`) and talks to the public
API with the API key the user pastes, kept in the tab's ``sessionStorage``. It is served with a
strict Content-Security-Policy: its own scripts and styles only, no inline code, no framing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

import issuer.console
from issuer.deps import CallerDep, SessionDep
from issuer.models import Organization

router = APIRouter(tags=["console"])

CONSOLE_DIR = Path(issuer.console.__file__).resolve().parent
STATIC = {
    "console.js": "text/javascript",
    "credit.js": "text/javascript",
    "console.css": "text/css",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _Out(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )


class OrganizationBrief(_Out):
    slug: str
    kind: str
    name_zh: str
    name_en: str
    did: str


class WhoAmI(_Out):
    """Who the presented API key belongs to."""

    role: Literal["organization", "supervisor"]
    label: str
    organization: OrganizationBrief | None


@router.get("/console", include_in_schema=False)
def console_page() -> FileResponse:
    return FileResponse(
        CONSOLE_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS
    )


@router.get("/console/static/{name}", include_in_schema=False)
def console_static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, f"no console file {name!r}")
    return FileResponse(CONSOLE_DIR / name, media_type=STATIC[name], headers=SECURITY_HEADERS)


@router.get(
    "/console/whoami",
    operation_id="console_whoami",
    response_model=WhoAmI,
    summary="Who the API key belongs to (the console's sign-in).",
)
def whoami(caller: CallerDep, session: SessionDep) -> WhoAmI:
    brief = None
    if caller.organization_id is not None:
        organization = session.get(Organization, caller.organization_id)
        if organization is not None:
            brief = OrganizationBrief(
                slug=organization.slug,
                kind=organization.kind,
                name_zh=organization.name_zh,
                name_en=organization.name_en,
                did=organization.did,
            )
    role: Literal["organization", "supervisor"] = (
        "organization" if caller.role == "organization" else "supervisor"
    )
    return WhoAmI(role=role, label=caller.label, organization=brief)
