"""Steps of the end-to-end user story (issue 7) shared by the API and the browser stories:
the employer's side (a grant's QR code uploaded to the verifier) and reading reports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.support.orgs import WEB_FRONTEND, Org, accredit, create_org
from tests.support.qr import decode_png
from tests.support.service import Service
from tests.support.wallet import LearnerAccount

REVOKE = {"reasonCode": "misconduct", "reason": "考核作弊 / cheating found at inspection"}


def accredited_evaluation_org(service: Service, slug: str = "huaxin") -> Org:
    """The supervisor creates the organization and accredits it for Web front-end development,
    all levels, 2026–2027 (through the admin API, with the supervisor's key)."""
    org = create_org(service, slug)
    accreditation = accredit(
        service,
        org,
        {"skillDomains": [WEB_FRONTEND], "levels": ["junior", "intermediate", "senior"]},
    )
    assert accreditation["status"] == "active", accreditation
    return org


def grant_qr_png(service: Service, learner: LearnerAccount, grant: dict[str, Any]) -> bytes:
    """The grant's QR code as the wallet serves it (PNG); checked to hold the grant's URL."""
    response = service.client.get(grant["qrPng"], headers=learner.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert decode_png(response.content) == [grant["url"]]
    return response.content


def upload_png(service: Service, png: bytes) -> tuple[int, dict[str, Any]]:
    """The employer uploads a picture of a QR code to ``POST /verify/upload``."""
    response = service.client.post(
        "/verify/upload", files={"file": ("qr-code.png", png, "image/png")}
    )
    report: dict[str, Any] = response.json()
    return response.status_code, report


def check_map(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every check of a report: name → (status, note)."""
    return {c["name"]: (c["status"], str(c["note"])) for c in report["checks"]}


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {name: status for name, (status, _) in check_map(report).items()}


def grant_page_path(grant: dict[str, Any]) -> str:
    """``/verify?grant=…`` of the grant's URL, to open on any host serving the app."""
    parts = urlsplit(grant["url"])
    assert parts.path == "/verify" and parts.query.startswith("grant="), grant["url"]
    return f"{parts.path}?{parts.query}"
