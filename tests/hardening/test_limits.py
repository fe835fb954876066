"""Request limits: body size, JSON nesting (with and without a content type), array lengths,
JSON-LD expansion size, presentations too big to verify, and the rate limits and lockouts on
verification, registration, sign-in, code look-up and claims."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hardening.world import row_counts
from tests.support.orgs import evaluation_org, x_certificate_request
from tests.support.service import NO_VERIFY_LIMIT, Service
from tests.support.wallet import PASSWORD, offer_request, register
from verifier.models import Challenge
from verifier.routes import MAX_PRESENTED


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


def test_verification_requests_are_rate_limited(service: Service) -> None:
    statuses = {
        service.client.post("/credentials/verify", json={"verifiableCredential": {}}).status_code
        for _ in range(200)
    }
    assert 429 in statuses, statuses


# --- verification: the per-client rate limit ---------------------------------------------------

EMPTY = {"verifiableCredential": {}}


def _challenge(service: Service) -> str:
    made = service.client.post("/challenges")
    assert made.status_code == 201, made.text
    challenge: str = made.json()["challenge"]
    return challenge


def _unspent(service: Service, challenge: str) -> bool:
    with Session(service.engine) as session:
        used = session.scalar(select(Challenge.used_at).where(Challenge.challenge == challenge))
        known = session.get(Challenge, challenge) is not None
    assert known, f"challenge {challenge} is not in the store"
    return used is None


def _spend_burst(service: Service, client: TestClient | None = None) -> None:
    """Use up the client's whole burst (the service's clock stands still: nothing comes back)."""
    client = client or service.client
    burst = service.app.state.settings.verify_burst
    for _ in range(burst):
        response = client.post("/credentials/verify", json=EMPTY)
        assert response.status_code == 400, response.text  # a report: `{}` is no credential
    refused = client.post("/credentials/verify", json=EMPTY)
    assert refused.status_code == 429, refused.text


def test_a_client_over_its_rate_gets_a_429_problem_and_no_work_is_done(service: Service) -> None:
    settings = service.app.state.settings
    assert (settings.verify_rate, settings.verify_burst) == (20, 100), "the defaults"
    challenge = _challenge(service)  # takes one token
    for _ in range(settings.verify_burst - 1):
        assert service.client.post("/credentials/verify", json=EMPTY).status_code == 400
    before = row_counts(service.engine)
    body = {"verifiablePresentation": {}, "options": {"challenge": challenge}}
    refused = service.client.post("/presentations/verify", json=body)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"  # 20 tokens a second: one is back in 50 ms
    problem = refused.json()
    assert problem["status"] == 429 and problem["instance"] == "/presentations/verify"
    assert problem["title"] == "Too Many Requests"
    assert "too many verification requests from this client" in problem["detail"]
    assert "verified" not in problem, "a refusal is no report"
    assert _unspent(service, challenge), "a refused presentation must not spend its challenge"
    assert row_counts(service.engine) == before

    service.clock.advance(seconds=1)  # 20 tokens back
    answered = service.client.post("/presentations/verify", json=body)
    assert answered.status_code == 400, answered.text
    assert not _unspent(service, challenge)
    statuses = [
        service.client.post("/credentials/verify", json=EMPTY).status_code for _ in range(25)
    ]
    assert statuses == [400] * 19 + [429] * 6, statuses


def test_each_client_address_has_its_own_bucket(service: Service) -> None:
    _spend_burst(service)
    other = TestClient(service.app, client=("203.0.113.7", 40000))
    assert other.post("/credentials/verify", json=EMPTY).status_code == 400
    assert service.client.post("/credentials/verify", json=EMPTY).status_code == 429


def test_every_verification_route_shares_the_limit_and_page_views_are_free(
    service: Service,
) -> None:
    _spend_burst(service)
    for method, path, kwargs in [
        ("POST", "/presentations/verify", {"json": {"verifiablePresentation": {}}}),
        ("POST", "/challenges", {}),
        ("POST", "/verify/upload", {"data": {"text": "{}"}}),
        ("POST", "/verify", {"data": {"text": "{}"}}),
        ("GET", "/verify?ref=AAAA-BBBB-CCCC-DDDD", {}),
    ]:
        response = service.client.request(method, path, **kwargs)
        assert response.status_code == 429, (path, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
    page = service.client.get("/verify")
    assert page.status_code == 200, "viewing the page verifies nothing and is not counted"
    schema = service.client.get("/openapi.json").json()
    for path, operation in [
        ("/credentials/verify", "post"),
        ("/presentations/verify", "post"),
        ("/verify/upload", "post"),
        ("/verify", "post"),
    ]:
        assert "429" in schema["paths"][path][operation]["responses"], path


@pytest.mark.parametrize("service", [NO_VERIFY_LIMIT], indirect=True)
def test_a_rate_of_zero_turns_the_limit_off(service: Service) -> None:
    assert service.app.state.verifier.limiter is None
    statuses = {
        service.client.post("/credentials/verify", json=EMPTY).status_code for _ in range(300)
    }
    assert statuses == {400}, statuses


# --- presentations too big to verify -----------------------------------------------------------


def _presentation(credentials: list[Any]) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }


def _post_presentation(service: Service, body: bytes) -> tuple[Any, float]:
    started = time.perf_counter()
    response = service.client.post(
        "/presentations/verify", content=body, headers={"Content-Type": "application/json"}
    )
    return response, time.perf_counter() - started


def _issued(service: Service) -> dict[str, Any]:
    org = evaluation_org(service)
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates",
        json=x_certificate_request(),
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def test_a_presentation_with_too_many_credentials_is_refused_before_any_is_verified(
    service: Service,
) -> None:
    issued = _issued(service)
    credentials = []
    for index in range(MAX_PRESENTED + 1):  # each one different: no cache can help
        copied = copy.deepcopy(issued)
        copied["id"] = f"{issued['id']}-{index}"
        credentials.append(copied)
    challenge = _challenge(service)
    before = row_counts(service.engine)
    body = {
        "verifiablePresentation": _presentation(credentials),
        "options": {"challenge": challenge},
    }
    response, elapsed = _post_presentation(service, json.dumps(body).encode())
    print(f"{MAX_PRESENTED + 1} credentials: {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 400, response.text
    report = response.json()
    assert report["verdict"] == "invalid"
    assert [check["name"] for check in report["checks"]] == ["well-formed"]
    assert f"holds {MAX_PRESENTED + 1} credentials" in report["errors"][0]["detail"]
    assert elapsed < 5
    assert row_counts(service.engine) == before
    assert _unspent(service, challenge)
    # at the maximum, every credential is verified (and this unsigned one is invalid)
    body["verifiablePresentation"] = _presentation(credentials[:MAX_PRESENTED])
    del body["options"]
    response, elapsed = _post_presentation(service, json.dumps(body).encode())
    print(f"{MAX_PRESENTED} credentials: {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 400
    names = {check["name"] for check in response.json()["checks"]}
    assert f"verifiableCredential[{MAX_PRESENTED - 1}].proof" in names
    assert row_counts(service.engine) == before


def test_a_presentation_nested_too_deep_is_a_quick_400_that_writes_nothing(
    service: Service,
) -> None:
    limit = service.app.state.settings.max_json_depth
    issued = _issued(service)
    challenge = _challenge(service)
    nested: Any = "deep"
    for _ in range(limit + 5):
        nested = {"n": nested}
    issued["credentialSubject"]["nested"] = nested
    before = row_counts(service.engine)
    body = {"verifiablePresentation": _presentation([issued]), "options": {"challenge": challenge}}
    response, elapsed = _post_presentation(service, json.dumps(body).encode())
    print(f"presentation nested {limit + 5} deep: {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert f"nested deeper than {limit} levels" in response.json()["detail"]
    assert elapsed < 5
    assert row_counts(service.engine) == before
    assert _unspent(service, challenge)


def test_a_presentation_over_the_body_cap_is_a_quick_413_that_writes_nothing(
    service: Service,
) -> None:
    cap = service.app.state.settings.max_body_bytes
    issued = _issued(service)
    challenge = _challenge(service)
    copies = cap // len(json.dumps(issued)) + 1
    before = row_counts(service.engine)
    body = {
        "verifiablePresentation": _presentation([issued] * copies),
        "options": {"challenge": challenge},
    }
    data = json.dumps(body).encode()
    assert len(data) > cap
    response, elapsed = _post_presentation(service, data)
    print(f"{len(data)} byte presentation: {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert elapsed < 5
    assert row_counts(service.engine) == before
    assert _unspent(service, challenge)


# --- registration ------------------------------------------------------------------------------


def test_registration_is_rate_limited_per_client_and_a_refusal_writes_nothing(
    service: Service,
) -> None:
    limit = service.app.state.wallet.limits.registrations
    for index in range(limit.hits):
        body = {"username": f"learner{index}", "password": PASSWORD}
        response = service.client.post("/wallet/account/register", json=body)
        assert response.status_code == 201, response.text
    before = row_counts(service.engine)
    body = {"username": "one.too.many", "password": PASSWORD}
    refused = service.client.post("/wallet/account/register", json=body)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 0
    assert row_counts(service.engine) == before, "no account, key or session was written"
    other = TestClient(service.app, client=("198.51.100.4", 40000))
    assert other.post("/wallet/account/register", json=body).status_code == 201
    service.clock.advance(seconds=limit.window.total_seconds())
    again = {"username": "next.window", "password": PASSWORD}
    assert service.client.post("/wallet/account/register", json=again).status_code == 201


def test_a_batch_upload_may_exceed_the_general_cap_only_with_credentials(
    service: Service,
) -> None:
    org = evaluation_org(service)
    settings = service.app.state.settings
    size = settings.max_body_bytes + 1024
    assert size <= settings.max_upload_bytes
    big = b"\xff" * size  # not a file of any batch format
    upload = f"/orgs/{org.slug}/batches?format=xlsx"
    before = row_counts(service.engine)
    # with the organization's key the body reaches the route, which judges the file itself
    judged = service.client.post(upload, content=big, headers=org.headers)
    assert judged.status_code == 422, judged.text
    # without credentials, or on any other route, the general cap holds
    assert service.client.post(upload, content=big).status_code == 413
    other = f"/orgs/{org.slug}/credentials/x-certificates"
    assert service.client.post(other, content=big, headers=org.headers).status_code == 413
    over = b"\xff" * (settings.max_upload_bytes + 1)
    refused = service.client.post(upload, content=over, headers=org.headers)
    assert refused.status_code == 413
    assert str(settings.max_upload_bytes) in refused.json()["detail"]
    assert row_counts(service.engine) == before
