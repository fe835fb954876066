"""Issuing X certificates and diplomas through the real app and database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import AuditEntry, IssuedCredential, StatusAllocation
from tests.support.orgs import evaluation_org, x_certificate_request
from tests.support.service import Service
from vc.did.resolver import DIDResolver
from vc.jsonld import DocumentLoader
from vc.status_list import lookup_status, status_entries
from vc.verify import VerifyOptions, verify_document


def _counts(service: Service) -> tuple[int, int, int]:
    with Session(service.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (IssuedCredential, StatusAllocation, AuditEntry)
        )


def _verify(service: Service, credential: dict[str, Any], did: str, slug: str) -> Any:
    document = service.client.get(f"/orgs/{slug}/did.json").json()
    resolver = DIDResolver(documents={did: document}, allow_http=True)
    options = VerifyOptions(
        resolver=resolver,
        loader=DocumentLoader.bundled(),
        now=datetime(2026, 11, 28, 12, tzinfo=UTC),
    )
    return verify_document(credential, options)


def test_issue_x_certificate_verifies_and_has_status_entries(service: Service) -> None:
    org = evaluation_org(service)
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates",
        json=x_certificate_request(),
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    record = response.json()
    credential = record["verifiableCredential"]
    assert record["status"] == "active" and record["number"] == "2024110101020345"
    assert credential["issuer"]["id"] == org.did
    report = _verify(service, credential, org.did, org.slug)
    assert report.verified, report.to_json()
    for entry in status_entries(credential):
        listed = service.client.get(entry.status_list_credential)
        assert listed.status_code == 200
        assert "max-age=" in listed.headers["cache-control"] and listed.headers["etag"]
        assert lookup_status(listed.json(), entry) == 0
        again = service.client.get(
            entry.status_list_credential, headers={"If-None-Match": listed.headers["etag"]}
        )
        assert again.status_code == 304


def test_idempotency_key_returns_the_same_credential(service: Service) -> None:
    org = evaluation_org(service)
    headers = {**org.headers, "Idempotency-Key": "batch-7-row-1"}
    url = f"/orgs/{org.slug}/credentials/x-certificates"
    first = service.client.post(url, json=x_certificate_request(), headers=headers)
    second = service.client.post(url, json=x_certificate_request(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    other = service.client.post(
        url, json=x_certificate_request(number="2024110101029999"), headers=headers
    )
    assert other.status_code == 409


def test_out_of_scope_level_is_refused_and_writes_nothing(service: Service) -> None:
    org = evaluation_org(service)
    before = _counts(service)
    body = x_certificate_request(domain={"code": "9999", "nameZh": "无", "nameEn": "None"})
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=body, headers=org.headers
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "9999" in response.json()["detail"]
    assert _counts(service) == before


def test_other_organization_and_anonymous_are_refused(service: Service) -> None:
    org = evaluation_org(service)
    other = evaluation_org(service, "other-org")
    url = f"/orgs/{org.slug}/credentials/x-certificates"
    before = _counts(service)
    assert service.client.post(url, json=x_certificate_request()).status_code == 401
    assert (
        service.client.post(url, json=x_certificate_request(), headers=other.headers).status_code
        == 403
    )
    assert (
        service.client.post(
            url, json=x_certificate_request(), headers=service.as_supervisor()
        ).status_code
        == 403
    )
    assert _counts(service) == before


def test_bad_request_is_a_problem_naming_the_field(service: Service) -> None:
    org = evaluation_org(service)
    body = x_certificate_request(level="grandmaster")
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=body, headers=org.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/level"


def test_vc_api_issue_generic_credential(service: Service) -> None:
    org = evaluation_org(service)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
    }
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/issue", json={"credential": credential}, headers=org.headers
    )
    assert response.status_code == 201, response.text
    signed = response.json()["verifiableCredential"]
    assert signed["issuer"] == org.did and len(signed["credentialStatus"]) == 2
    assert _verify(service, signed, org.did, org.slug).verified


def test_vc_api_refuses_undefined_terms_and_bad_dates(service: Service) -> None:
    org = evaluation_org(service)
    before = _counts(service)
    url = f"/orgs/{org.slug}/credentials/issue"
    undefined = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice", "nickname": "A"},
    }
    response = service.client.post(url, json={"credential": undefined}, headers=org.headers)
    assert response.status_code == 422 and "nickname" in response.json()["detail"]
    backwards = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "validFrom": "2027-01-01T00:00:00Z",
        "validUntil": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice"},
    }
    response = service.client.post(url, json={"credential": backwards}, headers=org.headers)
    assert response.status_code == 422
    assert _counts(service) == before


def test_jwt_format(service: Service) -> None:
    org = evaluation_org(service)
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates?format=jwt",
        json=x_certificate_request(),
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    token = response.json()["verifiableCredential"]
    assert isinstance(token, str) and token.count(".") == 2
    from vc.jose import verify_vc_jwt

    document = service.client.get(f"/orgs/{org.slug}/did.json").json()
    payload = verify_vc_jwt(token, DIDResolver(documents={org.did: document}, allow_http=True))
    assert json.dumps(payload["issuer"], ensure_ascii=False).count(org.did) == 1
