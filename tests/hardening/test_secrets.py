"""Secrets never leak: no private key, API key, password, session token, claim code or grant
code in any log line (captured at DEBUG, every logger) or in any response other than the one
that creates it, over a full flow: create an organization, accredit, issue, offer, register a
learner, sign in, claim, grant, look the grant up, list everything."""

from __future__ import annotations

import base64
import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from issuer.keystore import active_key, load_signer
from issuer.models import Organization
from tests.support.orgs import WEB_FRONTEND, x_certificate_request
from tests.support.service import Service
from tests.support.wallet import PASSWORD, offer_request

OWNER_MAY_SEE_AGAIN = frozenset({"grant code", "grant link token"})
"""A learner's own grant list shows its link and code again (to re-share them, as the QR
routes do); nobody else's response may."""


class Recorder:
    """Every response body in order, with the secrets each one created."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.bodies: list[tuple[str, str]] = []
        self.created: dict[str, int] = {}

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.service.client.request(method, url, **kwargs)
        assert response.status_code < 400, (method, url, response.text)
        self.bodies.append((f"{method} {url}", response.text))
        return response

    def secret(self, value: str) -> str:
        """``value`` was created by the last response."""
        assert value and value in self.bodies[-1][1]
        self.created[value] = len(self.bodies) - 1
        return value


def _private_key_forms(service: Service, slug: str) -> list[str]:
    context = service.app.state.issuer
    with context.sessions() as session:
        organization = session.scalars(select(Organization).where(Organization.slug == slug)).one()
        pair = load_signer(active_key(session, organization), context)
    raw = pair.secret_bytes
    return [
        raw.hex(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        pair.secret_multibase,
    ]


def test_no_secret_in_any_log_line_or_later_response(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy pins its own loggers to WARNING; at DEBUG every statement and its parameters
    # are logged: a secret stored in clear would show up here.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    rec = Recorder(service)
    supervisor = service.as_supervisor()
    org_body = {
        "slug": "leaky",
        "kind": "evaluation-organization",
        "nameZh": "评价组织",
        "nameEn": "org",
        "code": "CODE-leaky",
    }
    created = rec.call("POST", "/admin/organizations", json=org_body, headers=supervisor).json()
    api_key = rec.secret(created["apiKey"]["key"])
    org_headers = {"Authorization": f"Bearer {api_key}"}
    rec.call(
        "POST",
        "/admin/organizations/leaky/accreditations",
        headers=supervisor,
        json={
            "scope": {"skillDomains": [WEB_FRONTEND], "levels": ["intermediate"]},
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2028-01-01T00:00:00Z",
        },
    )
    spare = rec.call("POST", "/admin/organizations/leaky/api-keys", json={}, headers=supervisor)
    spare_key = rec.secret(spare.json()["key"])
    rec.call(
        "POST",
        "/orgs/leaky/credentials/x-certificates",
        headers=org_headers,
        json=x_certificate_request(),
    )
    offer = rec.call(
        "POST",
        "/orgs/leaky/offers/x-certificates",
        headers=org_headers,
        json=offer_request("2024110101020777"),
    ).json()
    claim_code = rec.secret(offer["claimCode"])
    rec.call(
        "POST",
        "/wallet/account/register",
        json={"username": "leaner", "password": PASSWORD, "displayName": "L"},
    )
    login = rec.call(
        "POST", "/wallet/account/login", json={"username": "leaner", "password": PASSWORD}
    ).json()
    token = rec.secret(login["token"])
    learner = {"Authorization": f"Bearer {token}"}
    entry = rec.call(
        "POST", "/wallet/credentials/claim", json={"code": claim_code}, headers=learner
    ).json()
    grant = rec.call(
        "POST",
        "/wallet/grants",
        headers=learner,
        json={"credentialIds": [entry["id"]], "validDays": 30},
    ).json()
    grant_code = rec.secret(grant["code"])
    match = re.search(r"grant=([A-Za-z0-9_-]+)", grant["url"])
    assert match
    grant_token = rec.secret(match.group(1))
    rec.call("POST", "/grants/lookup", json={"code": grant_code})
    rec.call("GET", f"/grants/{grant_token}")
    for url, headers in [
        ("/admin/organizations", supervisor),
        ("/admin/organizations/leaky", supervisor),
        ("/orgs/leaky/credentials", org_headers),
        ("/orgs/leaky/offers", org_headers),
        (f"/orgs/leaky/offers/{offer['id']}", org_headers),
        ("/orgs/leaky/keys", {}),
        ("/orgs/leaky/did.json", {}),
        ("/registry", {}),
        ("/console/whoami", org_headers),
        ("/wallet/account", learner),
        ("/wallet/credentials", learner),
        ("/wallet/grants", learner),
        (f"/wallet/grants/{grant['id']}", learner),
        (f"/wallet/grants/{grant['id']}/accesses", learner),
        ("/wallet/export", learner),
    ]:
        rec.call("GET", url, headers=headers)
    rec.call("POST", "/wallet/account/logout", headers=learner)

    secrets = {
        "organization API key": api_key,
        "spare API key": spare_key,
        "supervisor API key": service.supervisor_key,
        "claim code": claim_code,
        "session token": token,
        "grant code": grant_code,
        "grant link token": grant_token,
    }
    # An API key is onex_<prefix>_<secret>; the secret itself may contain "_" (base64url).
    secret_parts = {
        name: value.split("_", 2)[-1] if value.startswith("onex_") else value
        for name, value in secrets.items()
    }
    never_shown = {"password": PASSWORD}
    for index, form in enumerate(_private_key_forms(service, "leaky")):
        never_shown[f"private key form {index}"] = form

    leaks: list[str] = []
    # The test client's own logger (httpx) logs the URLs it requests: that is the client side,
    # not the service. (A server's access log would log /grants/{token} too: see SECURITY.md.)
    service_records = [r for r in caplog.records if not r.name.startswith("httpx")]
    lines = [f"{r.name}: {r.getMessage()} {r.args!r}" for r in service_records]
    assert caplog.records, "nothing was logged at DEBUG: the capture is not working"
    for line in lines:
        for name, value in {**secret_parts, **never_shown}.items():
            if value in line:
                leaks.append(f"log line holds the {name}: {line[:200]}")
    for index, (label, body) in enumerate(rec.bodies):
        for name, value in never_shown.items():
            if value in body:
                leaks.append(f"{label} shows the {name}")
        for name, value in secrets.items():
            if name in OWNER_MAY_SEE_AGAIN and label.startswith("GET /wallet/grants"):
                continue
            if value in body and rec.created.get(value) != index:
                leaks.append(f"{label} shows the {name} again")
    loggers = sorted({r.name for r in service_records})
    print(f"secrets: {len(lines)} log records ({loggers}), {len(rec.bodies)} responses searched")
    assert not leaks, "\n".join(sorted(set(leaks)))
