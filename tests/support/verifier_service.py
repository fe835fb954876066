"""Verifier API tests on the real app: issuing through the issuer's API, and signing with an
organization's own key outside the API (a rogue or careless issuer) to test the refusals."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from issuer.keystore import verification_method_id
from issuer.models import Organization, SigningKey
from issuer.signing import OrganizationSigner
from service.db import create_session_factory
from tests.support.orgs import Org, x_certificate_request
from tests.support.service import Service

DIPLOMA_REQUEST: dict[str, Any] = {
    "learner": {
        "name": "王雨桐",
        "did": "did:key:z6Mkt1BLQacQT7o7sV7dapRHhi2goB2RZnUgszbSp44XT8zL",
    },
    "diplomaNumber": "142951202606000128",
    "major": {"code": "510201", "name": {"zh-CN": "计算机应用技术", "en": "Computer Applications"}},
    "educationLevel": "higher-vocational",
    "studyStartDate": "2023-09-01",
    "studyEndDate": "2026-06-30",
    "graduationDate": "2026-06-30",
    "credits": "152.5",
}


def issue_x(service: Service, org: Org, fmt: str = "ldp", **request: Any) -> dict[str, Any]:
    """Issue an X certificate through the API; the credential record."""
    body = x_certificate_request(**request) if request else x_certificate_request()
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates?format={fmt}", json=body, headers=org.headers
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def issue_diploma(service: Service, org: Org) -> dict[str, Any]:
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/diplomas", json=DIPLOMA_REQUEST, headers=org.headers
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def sign_as(
    service: Service, slug: str, document: dict[str, Any], *, fragment: str | None = None
) -> dict[str, Any]:
    """``document`` (its proof dropped) signed with the organization's key ``fragment`` (the
    active one by default), outside the issuance API and its checks."""
    unsigned = {k: v for k, v in copy.deepcopy(document).items() if k != "proof"}
    sessions = create_session_factory(service.engine)
    with sessions() as session:
        organization = session.scalar(select(Organization).where(Organization.slug == slug))
        assert organization is not None
        query = select(SigningKey).where(SigningKey.organization_id == organization.id)
        if fragment is None:
            query = query.where(SigningKey.retired_at.is_(None))
        else:
            query = query.where(SigningKey.fragment == fragment)
        row = session.scalar(query)
        assert row is not None
        method = verification_method_id(organization, row)
        signer = OrganizationSigner(row, method, service.app.state.issuer)
        return signer.sign(unsigned, now=service.clock())


def verify(service: Service, credential: Any, **options: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"verifiableCredential": credential}
    if options:
        body["options"] = options
    response = service.client.post("/credentials/verify", json=body)
    result: dict[str, Any] = response.json()
    return response.status_code, result


def checks(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in report["checks"]}


def note(report: dict[str, Any], name: str) -> str:
    for check in report["checks"]:
        if check["name"] == name:
            return str(check["note"])
    raise AssertionError(f"no check {name}: {checks(report)}")
