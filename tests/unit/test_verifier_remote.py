"""The verifier against another onex service over HTTP (a static client): its registry, DID
documents, signed status lists and credential states — cached, aged, and offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.verifier import LOADER, accreditation, x_certificate
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof
from vc.did.web import KeyRecord, build_did_web_document
from vc.keys import KeyPair
from vc.status_list import StatusList
from vc.verify import VerifyOptions, verify_credential
from verifier.cache import MemoryCache
from verifier.fetch import Fetcher, HostPolicy, HttpResponse, StaticClient
from verifier.pipeline import Verifier
from verifier.registry import RegistryTrust
from verifier.remote import (
    CacheLog,
    FetchedStatusLists,
    FetchingResolver,
    RemoteCredentialStates,
    RemoteRegistryDirectory,
    issuer_service_base,
)

BASE = "https://province.example"
DID = "did:web:province.example:orgs:huaxin"
METHOD = f"{DID}#key-1"
REGISTRY = f"{BASE}/registry"
PAIR = KeyPair.generate("Ed25519")
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
INDEX = 94567


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _sign(document: dict[str, Any]) -> dict[str, Any]:
    options = ProofOptions(verification_method=METHOD, created="2026-06-01T09:00:00Z")
    return add_proof(document, suite=EDDSA_RDFC_2022, key=PAIR, options=options, loader=LOADER)


def _list_url(purpose: str) -> str:
    return f"{BASE}/status/huaxin/{purpose}/1"


def _status_list(purpose: str, revoked: bool = False) -> dict[str, Any]:
    bits = StatusList.new().with_status(INDEX, 1) if revoked else StatusList.new()
    return _sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": _list_url(purpose),
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": DID,
            "validFrom": "2026-11-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{_list_url(purpose)}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": bits.encode(),
                "ttl": 300_000,
            },
        }
    )


def _credential() -> dict[str, Any]:
    document = x_certificate(DID)
    for entry in document["credentialStatus"]:
        url = _list_url(entry["statusPurpose"])
        entry.update(id=f"{url}#{INDEX}", statusListCredential=url)
    return _sign(document)


def _registry() -> dict[str, Any]:
    organization = {
        "slug": "huaxin",
        "kind": "evaluation-organization",
        "nameZh": "华信",
        "nameEn": "Huaxin",
        "code": None,
        "did": DID,
        "didMethod": "web",
        "accreditations": [accreditation()],
        "keys": [
            {
                "id": METHOD,
                "fragment": "key-1",
                "algorithm": "Ed25519",
                "publicKeyMultibase": PAIR.public.multibase,
                "activeFrom": "2026-01-01T00:00:00Z",
                "retiredAt": None,
            }
        ],
    }
    return {"organizations": [organization], "auditHead": {"sequence": 9, "hash": "0" * 64}}


def _json(value: Any, max_age: int = 300) -> HttpResponse:
    body = json.dumps(value).encode()
    return HttpResponse(200, {"cache-control": f"public, max-age={max_age}"}, body)


def _service(revoked: bool = False) -> StaticClient:
    record = KeyRecord("key-1", PAIR.public, datetime(2026, 1, 1, tzinfo=UTC))
    return StaticClient(
        {
            REGISTRY: _json(_registry()),
            f"{BASE}/orgs/huaxin/did.json": _json(build_did_web_document(DID, [record])),
            _list_url("revocation"): _json(_status_list("revocation", revoked)),
            _list_url("suspension"): _json(_status_list("suspension")),
        }
    )


def _verifier(client: StaticClient, clock: Clock) -> Verifier:
    policy = HostPolicy(lambda: trust.hosts(), resolve=lambda host: ["93.184.215.14"])
    fetcher = Fetcher(client, policy, MemoryCache(), clock, max_stale=3600)
    trust = RegistryTrust(RemoteRegistryDirectory(fetcher, [REGISTRY]))

    def verify_list(document: dict[str, Any]) -> Any:
        options = VerifyOptions(resolver=FetchingResolver(fetcher), loader=LOADER, now=clock())
        return verify_credential(document, options).problems

    return Verifier(
        loader=LOADER,
        resolvers=lambda log: FetchingResolver(fetcher, log),
        trust=trust,
        status=FetchedStatusLists(fetcher, verify_list),
        supersession=RemoteCredentialStates(fetcher),
        clock=clock,
    )


def test_a_credential_of_another_registry_verifies_over_http_with_cache_ages() -> None:
    clock, client = Clock(), _service()
    verifier = _verifier(client, clock)
    first = verifier.verify(_credential())
    assert first.verdict == "valid", [(f.result.name, f.note) for f in first.findings]
    clock.now += timedelta(seconds=100)
    second = verifier.verify(_credential())
    assert second.verdict == "valid"
    ages = {use.url: use.age_seconds for use in second.cache}
    assert ages[_list_url("revocation")] == 100
    assert ages[REGISTRY] == 100
    assert len(client.requested) == 4  # nothing fetched twice while fresh


def test_offline_the_verifier_uses_stale_copies_and_says_so() -> None:
    clock, client = Clock(), _service()
    verifier = _verifier(client, clock)
    verifier.verify(_credential())
    client.responses.clear()
    clock.now += timedelta(seconds=1200)
    report = verifier.verify(_credential())
    assert report.verdict == "valid"
    assert all(use.stale and use.age_seconds == 1200 for use in report.cache)
    clock.now += timedelta(hours=2)
    late = verifier.verify(_credential())
    assert late.verdict == "undetermined"


def test_an_unreachable_status_list_is_undetermined_never_valid() -> None:
    clock, client = Clock(), _service()
    del client.responses[_list_url("suspension")]
    report = _verifier(client, clock).verify(_credential())
    assert report.verdict == "undetermined"
    status = report.check("status")
    assert status is not None and status.result.status == "undetermined"
    assert "connection refused" in status.note


def test_a_tampered_status_list_is_refused() -> None:
    clock, client = Clock(), _service()
    forged = _status_list("revocation")
    forged["credentialSubject"]["encodedList"] = StatusList.new().with_status(1, 1).encode()
    client.responses[_list_url("revocation")] = _json(forged)
    report = _verifier(client, clock).verify(_credential())
    assert report.verdict == "invalid"
    status = report.check("status")
    assert status is not None and "does not verify" in status.note


def test_a_revoked_credential_asks_the_issuer_what_replaced_it() -> None:
    clock, client = Clock(), _service(revoked=True)
    credential = _credential()
    state_url = f"{BASE}/credentials/{credential['id'].replace(':', '%3A')}/status"
    successor = "urn:uuid:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    body = {"id": credential["id"], "status": "revoked", "reason": "superseded"}
    client.responses[state_url] = _json({**body, "supersededBy": successor})
    report = _verifier(client, clock).verify(credential)
    status = report.check("status")
    assert status is not None and f"superseded by {successor}" in status.note
    assert state_url in client.requested


def test_hosts_outside_the_registry_are_never_fetched() -> None:
    clock, client = Clock(), _service()
    document = x_certificate(DID)
    for entry in document["credentialStatus"]:
        entry["statusListCredential"] = "https://169.254.169.254/latest/meta-data"
        entry["id"] = "https://169.254.169.254/latest/meta-data#1"
    report = _verifier(client, clock).verify(_sign(document))
    assert report.verdict == "undetermined"
    assert not any("169.254" in url for url in client.requested)
    status = report.check("status")
    assert status is not None and "not in the trust registry" in status.note


def test_an_unreachable_did_document_makes_the_proof_undetermined() -> None:
    clock, client = Clock(), _service()
    del client.responses[f"{BASE}/orgs/huaxin/did.json"]
    report = _verifier(client, clock).verify(_credential())
    assert report.verdict == "undetermined"
    proof = report.check("proof")
    assert proof is not None and proof.result.status == "undetermined"


@pytest.mark.parametrize(
    ("issuer", "base"),
    [
        (DID, BASE),
        ("did:web:127.0.0.1%3A8000:orgs:huaxin", "http://127.0.0.1:8000"),
        ("did:web:example.com", "https://example.com"),
        ("did:key:z6Mkabc", None),
    ],
)
def test_the_issuer_service_base_comes_from_its_did(issuer: str, base: str | None) -> None:
    assert issuer_service_base(issuer) == base


def test_cache_log_keeps_each_use_once() -> None:
    from verifier.ports import CacheUse

    log = CacheLog()
    log.add(CacheUse("u", 1.0))
    log.add(CacheUse("u", 1.0))
    log.add(None)
    assert log.uses == [CacheUse("u", 1.0)]
