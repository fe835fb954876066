"""Claiming, storage, import, export, reissue and presentations in the wallet."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import revocation
from issuer.keystore import OrganizationKeys
from issuer.models import IssuedCredential
from issuer.organizations import get_organization
from tests.support.orgs import evaluation_org, school, x_certificate_request
from tests.support.service import Service
from tests.support.wallet import (
    LearnerAccount,
    claim,
    learner_with_credential,
    login,
    make_offer,
    register,
)
from vc.did.resolver import DIDResolver
from vc.verify import VerifyOptions, verify_credential, verify_presentation
from wallet_api.models import StoredCredential

OWN_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _options(service: Service, **extra: Any) -> VerifyOptions:
    context = service.app.state.issuer
    return VerifyOptions(
        resolver=OrganizationKeys(context.sessions, fallback=DIDResolver()),
        loader=context.loader,
        now=service.clock(),
        **extra,
    )


def _stored(service: Service) -> int:
    with Session(service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(StoredCredential)) or 0)


def _issue_to(service: Service, org: Any, did: str, number: str) -> dict[str, Any]:
    body = x_certificate_request(number)
    body["learner"]["did"] = did
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=body, headers=org.headers
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def test_claim_stores_a_credential_bound_to_the_learner_that_verifies(service: Service) -> None:
    learner, entry = learner_with_credential(service, "li.xiaoming")
    credential = entry["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == learner.did
    assert verify_credential(credential, _options(service)).verified
    assert entry["kind"] == "x-certificate"
    assert entry["status"] == "active"
    assert entry["source"] == "offer"
    assert entry["displayName"]["zh-CN"].startswith("Web前端开发")
    assert entry["issuerName"]["en"] == "huaxin org"


@pytest.mark.parametrize(
    ("setup", "status"), [("used", 409), ("expired", 410), ("unknown", 404), ("withdrawn", 410)]
)
def test_claim_refusals(service: Service, setup: str, status: int) -> None:
    org = evaluation_org(service)
    learner = register(service, "claimer")
    offer = make_offer(service, org, days=1)
    code = offer["claimCode"]
    if setup == "used":
        claim(service, register(service, "first.one"), code)
    elif setup == "expired":
        service.clock.advance(days=1, seconds=1)
        learner = login(service, "claimer")  # the session expired too
    elif setup == "unknown":
        code = "A" * 43
    else:
        url = f"/orgs/{org.slug}/offers/{offer['id']}/withdraw"
        assert service.client.post(url, headers=org.headers).status_code == 200
    before = _stored(service)
    answer = service.client.post(
        "/wallet/credentials/claim", json={"code": code}, headers=learner.headers
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert _stored(service) == before


def test_claim_failures_are_rate_limited_per_learner(service: Service) -> None:
    learner = register(service, "guesser")
    limit = service.app.state.wallet.limits.claim_failures.hits
    for i in range(limit):
        answer = service.client.post(
            "/wallet/credentials/claim", json={"code": f"guess-{i:040d}"}, headers=learner.headers
        )
        assert answer.status_code == 404
    org = evaluation_org(service)
    good = make_offer(service, org)["claimCode"]
    refused = service.client.post(
        "/wallet/credentials/claim", json={"code": good}, headers=learner.headers
    )
    assert refused.status_code == 429
    other = register(service, "honest")
    assert claim(service, other, good)["status"] == "active"


def test_list_filters_view_and_delete(service: Service) -> None:
    org = evaluation_org(service)
    learner, first = learner_with_credential(service, "lister", org, "2024110101020001")
    second = claim(service, learner, make_offer(service, org, "2024110101020002")["claimCode"])
    listed = service.client.get("/wallet/credentials", headers=learner.headers).json()
    assert [i["id"] for i in listed["items"]] == [second["id"], first["id"]] or listed["total"] == 2
    assert "verifiableCredential" not in listed["items"][0]
    query = {"kind": "diploma"}
    assert (
        service.client.get("/wallet/credentials", params=query, headers=learner.headers).json()[
            "total"
        ]
        == 0
    )
    query = {"kind": "x-certificate", "issuer": org.did, "status": "active"}
    assert (
        service.client.get("/wallet/credentials", params=query, headers=learner.headers).json()[
            "total"
        ]
        == 2
    )
    query = {"status": "revoked"}
    assert (
        service.client.get("/wallet/credentials", params=query, headers=learner.headers).json()[
            "total"
        ]
        == 0
    )
    got = service.client.get(f"/wallet/credentials/{first['id']}", headers=learner.headers)
    assert got.json()["verifiableCredential"] == first["verifiableCredential"]
    gone = service.client.delete(f"/wallet/credentials/{first['id']}", headers=learner.headers)
    assert gone.status_code == 204
    assert (
        service.client.get(
            f"/wallet/credentials/{first['id']}", headers=learner.headers
        ).status_code
        == 404
    )
    assert service.client.get("/wallet/credentials", headers=learner.headers).json()["total"] == 1


def test_import_verifies_first(service: Service) -> None:
    org = evaluation_org(service)
    learner = register(service, "importer")
    credential = _issue_to(service, org, learner.did, "2024110101020100")
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["licenseNumber"] = "2024110101029999"
    refused = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": tampered},
        headers=learner.headers,
    )
    assert refused.status_code == 422
    assert any(r.startswith("proof:") for r in refused.json()["reasons"])
    assert _stored(service) == 0
    imported = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": credential},
        headers=learner.headers,
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["source"] == "import" and imported.json()["status"] == "active"
    again = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": credential},
        headers=learner.headers,
    )
    assert again.status_code == 409


def test_import_refuses_a_credential_bound_to_someone_else(service: Service) -> None:
    org = evaluation_org(service)
    learner = register(service, "not.mine")
    credential = _issue_to(service, org, OWN_DID, "2024110101020101")
    refused = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": credential},
        headers=learner.headers,
    )
    assert refused.status_code == 422
    assert any("credentialSubject.id" in r for r in refused.json()["reasons"])
    not_json_ld = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": {"hello": 1}},
        headers=learner.headers,
    )
    assert not_json_ld.status_code == 422
    assert _stored(service) == 0


def test_reissue_shows_the_new_one_and_keeps_the_old_superseded(service: Service) -> None:
    org = evaluation_org(service)
    learner, old = learner_with_credential(service, "reissued", org)
    context = service.app.state.issuer
    with context.sessions() as session:
        organization = get_organization(session, org.slug)
        assert organization is not None
        changes = {"learner": {"name": "李小明"}}
        revocation.reissue(
            session, context, organization, old["credentialId"], changes, actor="test"
        )
        session.commit()
    service.clock.advance(minutes=2)
    listed = service.client.get("/wallet/credentials", headers=learner.headers).json()
    assert listed["total"] == 2
    by_source = {item["source"]: item for item in listed["items"]}
    new, kept = by_source["reissue"], by_source["offer"]
    assert kept["status"] == "superseded"
    assert kept["supersededBy"] == new["credentialId"]
    assert kept["replacedByEntry"] == new["id"]
    assert new["status"] == "active"
    document = service.client.get(
        f"/wallet/credentials/{new['id']}", headers=learner.headers
    ).json()
    assert document["verifiableCredential"]["credentialSubject"]["id"] == learner.did
    with Session(service.engine) as session:
        row = session.get(IssuedCredential, new["credentialId"])
        assert row is not None and row.replaces == old["credentialId"]


def test_export_bundle(service: Service) -> None:
    learner, entry = learner_with_credential(service, "exporter")
    answer = service.client.get("/wallet/export", headers=learner.headers)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    bundle = answer.json()
    assert bundle["type"] == "OnexWalletExport"
    assert bundle["holder"]["did"] == learner.did
    assert [c["verifiableCredential"] for c in bundle["credentials"]] == [
        entry["verifiableCredential"]
    ]
    assert "secret" not in answer.text.lower() and "password" not in answer.text.lower()


def test_presentation_signed_by_the_learner_with_challenge_and_domain(service: Service) -> None:
    learner, entry = learner_with_credential(service, "presenter")
    body = {"credentialIds": [entry["id"]], "challenge": "c-123", "domain": "hr.example.com"}
    answer = service.client.post("/wallet/presentations", json=body, headers=learner.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["signed"] is True
    presentation = answer.json()["verifiablePresentation"]
    assert presentation["holder"] == learner.did
    assert presentation["proof"]["proofPurpose"] == "authentication"
    good = verify_presentation(
        presentation, _options(service, challenge="c-123", domain="hr.example.com")
    )
    assert good.verified, good.to_json()
    bad = verify_presentation(
        presentation, _options(service, challenge="other", domain="hr.example.com")
    )
    assert not bad.verified


def test_self_custody_learner_gets_an_unsigned_presentation(service: Service) -> None:
    org = evaluation_org(service)
    learner = register(service, "own.key", did=OWN_DID)
    entry = claim(service, learner, make_offer(service, org)["claimCode"])
    assert entry["verifiableCredential"]["credentialSubject"]["id"] == OWN_DID
    body = {"credentialIds": [entry["id"]]}
    answer = service.client.post("/wallet/presentations", json=body, headers=learner.headers).json()
    assert answer["signed"] is False
    assert "proof" not in answer["verifiablePresentation"]


def test_diploma_and_certificate_kinds(service: Service) -> None:
    learner: LearnerAccount
    learner, _ = learner_with_credential(service, "two.kinds")
    org = school(service)
    body = {
        "learner": {"name": "李晓明"},
        "diplomaNumber": "142951202606000128",
        "major": {
            "code": "510201",
            "name": {"zh-CN": "计算机应用技术", "en": "Computer Applications"},
        },
        "educationLevel": "higher-vocational",
        "studyStartDate": "2023-09-01",
        "studyEndDate": "2026-06-30",
        "graduationDate": "2026-06-30",
        "credits": "152.5",
    }
    made = service.client.post(f"/orgs/{org.slug}/offers/diplomas", json=body, headers=org.headers)
    claim(service, learner, made.json()["claimCode"])
    kinds = {"x-certificate": 1, "diploma": 1}
    for kind, count in kinds.items():
        listed = service.client.get(
            "/wallet/credentials", params={"kind": kind}, headers=learner.headers
        )
        assert listed.json()["total"] == count
