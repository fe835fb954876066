"""Verification grants: link, code and QR codes; lookups; extend, close, expiry; access log;
codes stored hashed; rate limits."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.keystore import OrganizationKeys
from tests.support.orgs import evaluation_org
from tests.support.qr import assert_qr_pair, decode_png
from tests.support.service import Service
from tests.support.wallet import (
    LearnerAccount,
    claim,
    create_grant,
    learner_with_credential,
    make_offer,
    register,
)
from vc.did.resolver import DIDResolver
from vc.verify import VerifyOptions, verify_presentation
from wallet_api.grants import CROCKFORD, UNAVAILABLE
from wallet_api.models import Grant, GrantAccess

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IPHONE_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003131) NetType/WIFI Language/zh_CN"
)


def _token(grant: dict[str, Any]) -> str:
    match = re.fullmatch(
        r"http://127\.0\.0\.1:8000/verify\?grant=([A-Za-z0-9_-]{43})", grant["url"]
    )
    assert match, grant["url"]
    return match.group(1)


def _shared(
    service: Service, learner: LearnerAccount, days: int = 30
) -> tuple[dict[str, Any], dict[str, Any]]:
    org = evaluation_org(service)
    entry = claim(service, learner, make_offer(service, org)["claimCode"])
    return entry, create_grant(service, learner, [entry["id"]], days)


def test_grant_has_link_code_and_qr_codes_that_decode(service: Service) -> None:
    learner, entry = learner_with_credential(service, "sharer")
    grant = create_grant(service, learner, [entry["id"]], 30)
    assert grant["state"] == "open"
    group = f"[{CROCKFORD}]{{4}}"
    assert re.fullmatch(f"{group}(-{group}){{3}}", grant["code"])
    assert not set(grant["code"]) & set("ILOU")
    png = service.client.get(grant["qrPng"], headers=learner.headers)
    svg = service.client.get(grant["qrSvg"], headers=learner.headers)
    assert png.headers["content-type"] == "image/png"
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert_qr_pair(png.content, svg.content, grant["url"])
    assert (grant["expiresAt"][:10]) == "2026-12-28"


def test_codes_and_tokens_are_stored_hashed(service: Service) -> None:
    learner, entry = learner_with_credential(service, "hashed")
    grant = create_grant(service, learner, [entry["id"]])
    code, token = grant["code"].replace("-", ""), _token(grant)
    with Session(service.engine) as session:
        row = session.get(Grant, grant["id"])
        assert row is not None
        assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert code.encode() not in row.secret_ciphertext
        assert token.encode() not in row.secret_ciphertext


def _options(service: Service, **extra: Any) -> VerifyOptions:
    context = service.app.state.issuer
    return VerifyOptions(
        resolver=OrganizationKeys(context.sessions, fallback=DIDResolver()),
        loader=context.loader,
        now=service.clock(),
        **extra,
    )


def test_lookup_by_link_and_by_code_gives_a_fresh_signed_presentation(service: Service) -> None:
    learner, entry = learner_with_credential(service, "looked.at")
    grant = create_grant(service, learner, [entry["id"]])
    by_link = service.client.get(f"/grants/{_token(grant)}", headers={"User-Agent": ANDROID_CHROME})
    assert by_link.status_code == 200, by_link.text
    assert by_link.headers["cache-control"] == "no-store"
    shared = by_link.json()
    assert shared["holder"] == learner.did
    assert shared["verifiableCredential"] == [entry["verifiableCredential"]]
    presentation = shared["verifiablePresentation"]
    report = verify_presentation(
        presentation, _options(service, challenge=shared["challenge"], domain=shared["domain"])
    )
    assert report.verified, report.to_json()
    typed = grant["code"].lower().replace("-", " ").replace("0", "o").replace("1", "l")
    by_code = service.client.post(
        "/grants/lookup", json={"code": typed}, headers={"User-Agent": IPHONE_WECHAT}
    )
    assert by_code.status_code == 200, by_code.text
    assert by_code.json()["challenge"] != shared["challenge"]
    log = service.client.get(
        f"/wallet/grants/{grant['id']}/accesses", headers=learner.headers
    ).json()
    assert [(a["via"], a["userAgent"]) for a in log["items"]] == [
        ("code", "WeChat on iOS"),
        ("link", "Chrome on Android"),
    ]
    assert log["items"][0]["at"] == "2026-11-28T09:00:00Z"


def test_the_employer_verify_page_redeems_link_code_and_url(service: Service) -> None:
    if getattr(service.app.state, "verifier", None) is None:
        pytest.skip("the verifier (issue 7) is not installed in this app")
    learner, entry = learner_with_credential(service, "employer.view")
    grant = create_grant(service, learner, [entry["id"]])
    for reference in (_token(grant), grant["code"], grant["url"]):
        page = service.client.get("/verify", params={"grant": reference})
        assert page.status_code == 200
        assert 'data-verdict="valid"' in page.text, reference
    log = service.client.get(f"/wallet/grants/{grant['id']}/accesses", headers=learner.headers)
    assert [a["via"] for a in log.json()["items"]] == ["link", "code", "link"]
    service.client.post(f"/wallet/grants/{grant['id']}/close", headers=learner.headers)
    closed = service.client.get("/verify", params={"grant": _token(grant)})
    assert 'data-verdict="valid"' not in closed.text
    number = entry["verifiableCredential"]["credentialSubject"]["licenseNumber"]
    assert number not in closed.text


def _unavailable(answer: Any) -> None:
    assert answer.status_code == 404
    assert answer.json()["detail"] == UNAVAILABLE
    assert set(answer.json()) == {"type", "title", "status", "detail", "instance"}
    assert "verifiableCredential" not in answer.text


def test_closed_expired_and_unknown_reveal_nothing_but_expired_or_closed(service: Service) -> None:
    learner = register(service, "closer")
    _, closed = _shared(service, learner)
    service.client.post(f"/wallet/grants/{closed['id']}/close", headers=learner.headers)
    _unavailable(service.client.get(f"/grants/{_token(closed)}"))
    _unavailable(service.client.post("/grants/lookup", json={"code": closed["code"]}))
    _unavailable(service.client.get("/grants/" + "x" * 43))
    _unavailable(service.client.post("/grants/lookup", json={"code": "0000-0000-0000-0000"}))
    extend = service.client.post(
        f"/wallet/grants/{closed['id']}/extend", json={"validDays": 5}, headers=learner.headers
    )
    assert extend.status_code == 409
    one_day = create_grant(service, learner, closed["credentialIds"], 1)
    assert service.client.get(f"/grants/{_token(one_day)}").status_code == 200
    service.clock.advance(days=1)
    _unavailable(service.client.get(f"/grants/{_token(one_day)}"))
    with Session(service.engine) as session:
        accesses = session.scalars(select(GrantAccess.grant_id)).all()
    assert accesses == [one_day["id"]]


def test_extend_and_close(service: Service) -> None:
    learner = register(service, "extender")
    _, grant = _shared(service, learner, days=1)
    service.clock.advance(hours=11)
    extended = service.client.post(
        f"/wallet/grants/{grant['id']}/extend", json={"validDays": 180}, headers=learner.headers
    )
    assert extended.status_code == 200
    assert extended.json()["expiresAt"][:10] == "2027-05-27"
    for days in (0, 181):
        bad = service.client.post(
            f"/wallet/grants/{grant['id']}/extend",
            json={"validDays": days},
            headers=learner.headers,
        )
        assert bad.status_code == 422
    closed = service.client.post(f"/wallet/grants/{grant['id']}/close", headers=learner.headers)
    assert closed.json()["state"] == "closed"
    listed = service.client.get("/wallet/grants", headers=learner.headers).json()
    assert [g["state"] for g in listed["items"]] == ["closed"]


@pytest.mark.parametrize("days", [0, 181, -1])
def test_validity_must_be_1_to_180_days(service: Service, days: int) -> None:
    learner, entry = learner_with_credential(service, "validity")
    answer = service.client.post(
        "/wallet/grants",
        json={"credentialIds": [entry["id"]], "validDays": days},
        headers=learner.headers,
    )
    assert answer.status_code == 422
    with Session(service.engine) as session:
        assert session.scalar(select(func.count()).select_from(Grant)) == 0


def test_deleted_credential_disappears_from_the_grant(service: Service) -> None:
    learner = register(service, "deleter")
    entry, grant = _shared(service, learner)
    service.client.delete(f"/wallet/credentials/{entry['id']}", headers=learner.headers)
    shared = service.client.get(f"/grants/{_token(grant)}").json()
    assert shared["verifiableCredential"] == []


def test_lookups_are_rate_limited_per_client(service: Service) -> None:
    limits = service.app.state.wallet.limits
    learner = register(service, "popular")
    _, grant = _shared(service, learner)
    for _ in range(limits.grant_lookup_failures.hits):
        _unavailable(service.client.post("/grants/lookup", json={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}))
    refused = service.client.get(f"/grants/{_token(grant)}")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    service.clock.advance(hours=1)
    assert service.client.get(f"/grants/{_token(grant)}").status_code == 200
    for _ in range(limits.grant_lookups.hits - 1):
        assert service.client.get(f"/grants/{_token(grant)}").status_code == 200
    assert service.client.get(f"/grants/{_token(grant)}").status_code == 429
    service.clock.advance(minutes=1)
    assert service.client.get(f"/grants/{_token(grant)}").status_code == 200


def test_claim_link_qr_codes(service: Service) -> None:
    org = evaluation_org(service)
    offer = make_offer(service, org)
    png = service.client.get(offer["claimQrPng"].removeprefix("http://127.0.0.1:8000"))
    svg = service.client.get(offer["claimQrSvg"].removeprefix("http://127.0.0.1:8000"))
    assert png.status_code == svg.status_code == 200
    assert_qr_pair(png.content, svg.content, offer["claimUrl"])
    assert decode_png(png.content) == [offer["claimUrl"]]
    bad = service.client.get("/wallet/claim/qr.png", params={"code": "<script>"})
    assert bad.status_code == 422


def test_self_custody_grant_shares_credentials_and_an_uploaded_presentation(
    service: Service,
) -> None:
    from vc.cryptosuites import EDDSA_RDFC_2022
    from vc.data_integrity import ProofOptions, add_proof
    from vc.did.key import did_key, did_key_verification_method
    from vc.keys import KeyPair

    pair = KeyPair.generate("Ed25519")
    learner = register(service, "own.signer", did=did_key(pair.public))
    entry, grant = _shared(service, learner)
    shared = service.client.get(f"/grants/{_token(grant)}").json()
    assert shared["verifiablePresentation"] is None
    assert shared["verifiableCredential"] == [entry["verifiableCredential"]]
    unsigned = service.client.post(
        "/wallet/presentations", json={"credentialIds": [entry["id"]]}, headers=learner.headers
    ).json()["verifiablePresentation"]
    options = ProofOptions(
        verification_method=did_key_verification_method(pair.public),
        proof_purpose="authentication",
        created="2026-11-28T09:00:00Z",
    )
    signed = add_proof(
        unsigned,
        suite=EDDSA_RDFC_2022,
        key=pair,
        options=options,
        loader=service.app.state.issuer.loader,
    )
    url = f"/wallet/grants/{grant['id']}/presentation"
    forged = {**signed, "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
    refused = service.client.put(
        url, json={"verifiablePresentation": forged}, headers=learner.headers
    )
    assert refused.status_code == 422
    done = service.client.put(url, json={"verifiablePresentation": signed}, headers=learner.headers)
    assert done.status_code == 200, done.text
    assert done.json()["hasPresentation"] is True
    shared = service.client.get(f"/grants/{_token(grant)}").json()
    assert shared["verifiablePresentation"] == signed
