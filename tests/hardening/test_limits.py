"""Request limits: body size, JSON nesting (with and without a content type), array lengths,
JSON-LD expansion size, and the rate limits and lockouts on sign-in, code look-up and claims."""

from __future__ import annotations

import copy
import json
import time

import pytest

from tests.hardening.world import row_counts
from tests.support.orgs import evaluation_org, x_certificate_request
from tests.support.service import Service
from tests.support.wallet import PASSWORD, offer_request, register


def _deep(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_a_body_over_the_cap_is_413_before_any_route_runs(service: Service) -> None:
    before = row_counts(service.engine)
    big = b'{"username": "' + b"a" * 2_000_000 + b'"}'
    response = service.client.post(
        "/wallet/account/register", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert row_counts(service.engine) == before


def test_deep_json_is_400_with_any_content_type_or_none(service: Service) -> None:
    for headers in ({"Content-Type": "application/json"}, {"Content-Type": "text/plain"}, {}):
        response = service.client.post("/credentials/verify", content=_deep(5000), headers=headers)
        assert 400 <= response.status_code < 500, (headers, response.status_code, response.text)


def test_arrays_over_their_maximum_are_422(service: Service) -> None:
    org = evaluation_org(service)
    before = row_counts(service.engine)
    requests = [offer_request(f"20241101010{i:05d}") for i in range(1001)]
    response = service.client.post(
        f"/orgs/{org.slug}/offers/x-certificates/batch",
        json={"requests": requests},
        headers=org.headers,
    )
    assert response.status_code in (413, 422), response.status_code
    assert row_counts(service.engine) == before


def test_a_credential_with_ten_thousand_nodes_is_a_quick_4xx(service: Service) -> None:
    org = evaluation_org(service)
    issued = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates",
        json=x_certificate_request(),
        headers=org.headers,
    ).json()["verifiableCredential"]
    bloated = copy.deepcopy(issued)
    bloated["credentialSubject"]["result"] = [
        {"type": ["Result"], "value": str(i)} for i in range(10_000)
    ]
    body = json.dumps({"verifiableCredential": bloated}).encode()
    started = time.perf_counter()
    response = service.client.post(
        "/credentials/verify", content=body, headers={"Content-Type": "application/json"}
    )
    elapsed = time.perf_counter() - started
    print(f"10,000-node credential: {response.status_code} in {elapsed:.2f} s, {len(body)} bytes")
    assert elapsed < 5
    if response.status_code == 200:
        assert response.json()["verified"] is False
    else:
        assert 400 <= response.status_code < 500, response.text


def test_sign_in_locks_out_after_repeated_failures(service: Service) -> None:
    register(service, "target")
    statuses = [
        service.client.post(
            "/wallet/account/login", json={"username": "target", "password": "wrong guess"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401 and 429 in statuses, statuses
    # while locked out even the right password is refused
    right = service.client.post(
        "/wallet/account/login", json={"username": "target", "password": PASSWORD}
    )
    assert right.status_code == 429
    assert "retry-after" in {name.lower() for name in right.headers}
    service.clock.advance(minutes=16)
    again = service.client.post(
        "/wallet/account/login", json={"username": "target", "password": PASSWORD}
    )
    assert again.status_code == 200


def test_grant_code_lookups_are_rate_limited(service: Service) -> None:
    statuses: list[int] = []
    for index in range(40):
        response = service.client.post(
            "/grants/lookup", json={"code": f"AAAA-BBBB-CCCC-{index:04d}"}
        )
        statuses.append(response.status_code)
    assert 429 in statuses, statuses
    assert set(statuses) <= {400, 404, 410, 422, 429}, statuses


def test_claims_with_wrong_codes_are_rate_limited(service: Service) -> None:
    learner = register(service, "guesser")
    statuses = [
        service.client.post(
            "/wallet/credentials/claim", json={"code": "x" * 43}, headers=learner.headers
        ).status_code
        for _ in range(15)
    ]
    assert 429 in statuses, statuses


@pytest.mark.xfail(
    strict=True,
    reason="POST /credentials/verify has no rate limit yet (reported to the lead): the "
    "verifier page's grant look-ups are limited, the VC-API verify endpoint is not",
)
def test_verification_requests_are_rate_limited(service: Service) -> None:
    statuses = {
        service.client.post("/credentials/verify", json={"verifiableCredential": {}}).status_code
        for _ in range(200)
    }
    assert 429 in statuses, statuses
