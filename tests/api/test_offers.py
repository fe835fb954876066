"""Credential offers (issuer side) and redeeming them (OpenID4VCI pre-authorized code shape)."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.keystore import OrganizationKeys
from issuer.models import AuditEntry, CredentialOffer, IssuedCredential
from issuer.offers import PRE_AUTHORIZED_GRANT, IssuerOffers, OfferError
from service.db import create_session_factory
from tests.support.orgs import create_org, evaluation_org, school
from tests.support.service import Service
from tests.support.wallet import make_offer, offer_request, register
from vc.did.resolver import DIDResolver
from vc.verify import VerifyOptions, verify_credential

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _count(service: Service, model: Any) -> int:
    with Session(service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _offers(service: Service) -> IssuerOffers:
    return IssuerOffers(service.app.state.issuer)


def test_offer_shape_code_and_storage(service: Service) -> None:
    org = evaluation_org(service)
    offer = make_offer(service, org)
    code = offer["claimCode"]
    assert len(code) >= 43  # 256 random bits, base64url
    assert offer["state"] == "pending"
    assert offer["claimUrl"] == f"http://127.0.0.1:8000/wallet/claim?code={code}"
    assert offer["credentialOffer"] == {
        "credential_issuer": "http://127.0.0.1:8000",
        "credential_configuration_ids": ["OneXVocationalSkillCertificate_ldp_vc"],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }
    uri = urlsplit(offer["credentialOfferUri"])
    assert uri.scheme == "openid-credential-offer"
    assert unquote(parse_qs(uri.query)["credential_offer"][0]).find(code) > 0
    with Session(service.engine) as session:
        row = session.get(CredentialOffer, offer["id"])
        assert row is not None
        assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
        assert code not in str(row.request)
        assert "did" not in row.request["request"]["learner"]
    assert _count(service, IssuedCredential) == 0
    listed = service.client.get(f"/orgs/{org.slug}/offers", headers=org.headers).json()
    assert listed["total"] == 1
    assert "claimCode" not in listed["items"][0]


def test_redeem_binds_holder_verifies_and_is_audited(service: Service) -> None:
    org = evaluation_org(service)
    offer = make_offer(service, org)
    audits = _count(service, AuditEntry)
    redeemed = _offers(service).redeem(offer["claimCode"], HOLDER)
    credential = redeemed.credential
    assert credential["credentialSubject"]["id"] == HOLDER
    assert len(credential["credentialStatus"]) == 2
    context = service.app.state.issuer
    options = VerifyOptions(
        resolver=OrganizationKeys(context.sessions, fallback=DIDResolver()),
        loader=context.loader,
        now=service.clock(),
    )
    assert verify_credential(credential, options).verified
    assert _count(service, AuditEntry) == audits + 2  # credential.issue, offer.redeem
    got = service.client.get(f"/orgs/{org.slug}/offers/{offer['id']}", headers=org.headers).json()
    assert got["state"] == "redeemed"
    assert got["credentialId"] == redeemed.credential_id


def test_national_id_is_kept_only_hashed(service: Service) -> None:
    org = evaluation_org(service)
    request = offer_request()
    request["learner"]["nationalIdNumber"] = "11010519491231002X"
    made = service.client.post(
        f"/orgs/{org.slug}/offers/x-certificates", json=request, headers=org.headers
    )
    assert made.status_code == 201, made.text
    with Session(service.engine) as session:
        row = session.get(CredentialOffer, made.json()["id"])
        assert row is not None
        assert "11010519491231002X" not in json.dumps(row.request)
        hashed = row.request["nationalIdentity"]
    assert hashed["hashed"] is True
    credential = _offers(service).redeem(made.json()["claimCode"], HOLDER).credential
    assert hashed in credential["credentialSubject"]["identifier"]
    assert "11010519491231002X" not in json.dumps(credential)


def test_used_twice_is_refused(service: Service) -> None:
    org = evaluation_org(service)
    code = make_offer(service, org)["claimCode"]
    _offers(service).redeem(code, HOLDER)
    with pytest.raises(OfferError) as caught:
        _offers(service).redeem(code, HOLDER)
    assert caught.value.reason == "used"
    assert _count(service, IssuedCredential) == 1


def test_expired_is_refused(service: Service) -> None:
    org = evaluation_org(service)
    code = make_offer(service, org, days=1)["claimCode"]
    service.clock.advance(days=1)
    with pytest.raises(OfferError) as caught:
        _offers(service).redeem(code, HOLDER)
    assert caught.value.reason == "expired"
    assert _count(service, IssuedCredential) == 0


def test_unknown_and_withdrawn_codes(service: Service) -> None:
    org = evaluation_org(service)
    offer = make_offer(service, org)
    with pytest.raises(OfferError) as caught:
        _offers(service).redeem("x" * 43, HOLDER)
    assert caught.value.reason == "unknown"
    url = f"/orgs/{org.slug}/offers/{offer['id']}/withdraw"
    assert service.client.post(url, headers=org.headers).json()["state"] == "withdrawn"
    assert service.client.post(url, headers=org.headers).status_code == 409
    with pytest.raises(OfferError) as caught:
        _offers(service).redeem(offer["claimCode"], HOLDER)
    assert caught.value.reason == "withdrawn"


def test_redeem_refuses_a_bad_holder_did_and_writes_nothing(service: Service) -> None:
    org = evaluation_org(service)
    code = make_offer(service, org)["claimCode"]
    with pytest.raises(OfferError) as caught:
        _offers(service).redeem(code, "did:example:123")
    assert caught.value.reason == "invalid-holder"
    assert _count(service, IssuedCredential) == 0
    assert _offers(service).redeem(code, HOLDER).credential_id


def test_batch_is_all_or_nothing(service: Service) -> None:
    org = evaluation_org(service)
    good = [offer_request(f"20241101010203{i:02d}") for i in range(3)]
    bad = offer_request("2024110101020399")
    bad["level"] = "master"
    url = f"/orgs/{org.slug}/offers/x-certificates/batch"
    assert (
        service.client.post(url, json={"requests": [*good, bad]}, headers=org.headers).status_code
        == 422
    )
    assert _count(service, CredentialOffer) == 0
    answer = service.client.post(url, json={"requests": good}, headers=org.headers)
    assert answer.status_code == 201, answer.text
    codes = {item["claimCode"] for item in answer.json()["items"]}
    assert len(codes) == 3


def test_offer_refusals_write_nothing(service: Service) -> None:
    org = evaluation_org(service)
    other = create_org(service, "other-org")
    url = f"/orgs/{org.slug}/offers/x-certificates"
    before = (_count(service, CredentialOffer), _count(service, AuditEntry))
    assert service.client.post(url, json=offer_request()).status_code == 401
    assert service.client.post(url, json=offer_request(), headers=other.headers).status_code == 403
    outside = offer_request()
    outside["skillDomain"]["code"] = "9999"
    assert service.client.post(url, json=outside, headers=org.headers).status_code == 403
    assert (
        service.client.post(url + "?expiresInDays=0", json=offer_request(), headers=org.headers)
    ).status_code == 422
    assert (_count(service, CredentialOffer), _count(service, AuditEntry)) == before
    made = make_offer(service, org)
    got = service.client.get(f"/orgs/{org.slug}/offers/{made['id']}", headers=other.headers)
    assert got.status_code == 403
    assert (
        service.client.get(
            f"/orgs/{other.slug}/offers/{made['id']}", headers=other.headers
        ).status_code
        == 404
    )


def test_diploma_offer_redeemed_through_the_wallet(service: Service) -> None:
    org = school(service)
    body = {
        "learner": {"name": "王雨桐"},
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
    assert made.status_code == 201, made.text
    assert made.json()["credentialOffer"]["credential_configuration_ids"] == [
        "OneXEducationDiploma_ldp_vc"
    ]
    learner = register(service, "wang.yutong")
    claimed = service.client.post(
        "/wallet/credentials/claim",
        json={"code": made.json()["claimCode"]},
        headers=learner.headers,
    )
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["kind"] == "diploma"
    assert claimed.json()["verifiableCredential"]["credentialSubject"]["id"] == learner.did


def test_sessions_fixture_is_the_apps(service: Service) -> None:
    # The in-process IssuerOffers opens its own sessions on the same engine.
    sessions = create_session_factory(service.engine)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(CredentialOffer)) == 0
