"""The VC-API verification contract: ``options.checks`` on the W3C vectors, presentations with
challenges from ``POST /challenges``, and every malformed request answered with a 4xx report —
never 401, never 500."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.wiring_verifier import build_verifier
from tests.paths import vectors_dir
from tests.support.orgs import evaluation_org, x_certificate_request
from tests.support.service import Service
from tests.support.verifier import Signer
from tests.support.verifier_service import checks, note, verify
from vc.jsonld import DocumentLoader

VECTORS = [
    ("eddsa", "eddsa-rdfc-2022", "signedDataInt.json"),
    ("ecdsa", "ecdsa-rdfc-2019-p256", "signedECDSAP256.json"),
    ("ecdsa", "ecdsa-rdfc-2019-p384", "signedECDSAP384.json"),
]


def _with_vector_contexts(service: Service) -> None:
    """The examples context the vectors use is not ours to bundle: load it for this test."""
    loader = DocumentLoader.bundled().with_directory(vectors_dir("contexts"))
    state = service.app.state
    verifier = build_verifier(state.settings, state.issuer.sessions, service.clock, loader=loader)
    state.verifier = replace(state.verifier, verifier=verifier)


def _vector(*parts: str) -> dict[str, Any]:
    path: Path = vectors_dir(*parts[:-1]) / parts[-1]
    if not path.exists():
        pytest.skip(f"vector {path} not found")
    document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return document


@pytest.mark.vectors
@pytest.mark.parametrize("parts", VECTORS, ids=[v[1] for v in VECTORS])
def test_the_proof_alone_of_the_w3c_vectors(service: Service, parts: tuple[str, ...]) -> None:
    _with_vector_contexts(service)
    document = _vector(*parts)
    status, report = verify(service, document, checks=["proof"])
    assert status == 200, report
    assert checks(report) == {"proof": "passed"}
    status, report = verify(service, document)
    assert status == 400, "the vectors' issuer does not control the key: a full check refuses"
    assert checks(report)["issuer-key"] == "failed"


@pytest.mark.vectors
@pytest.mark.parametrize("parts", VECTORS, ids=[v[1] for v in VECTORS])
def test_tampered_w3c_vectors_fail_their_proof(service: Service, parts: tuple[str, ...]) -> None:
    _with_vector_contexts(service)
    document = _vector(*parts)
    document["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    status, report = verify(service, document, checks=["proof"])
    assert (status, checks(report)) == (400, {"proof": "failed"})


@pytest.mark.vectors
def test_suites_not_allowed_by_configuration_are_refused(service: Service) -> None:
    _with_vector_contexts(service)
    document = _vector("eddsa", "eddsa-jcs-2022", "signedJCS.json")
    status, report = verify(service, document, checks=["proof"])
    assert status == 400
    assert "is not accepted (accepted: eddsa-rdfc-2022, ecdsa-rdfc-2019)" in note(report, "proof")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "verifiableCredential is required"),
        ({"verifiableCredential": 42}, "must be a JSON object"),
        ({"verifiableCredential": "eyJ.not.a-token"}, "header"),
        ({"verifiableCredential": {"proof": "x"}}, ""),
        ({"verifiableCredential": {"type": "VerifiablePresentation"}}, "send it to /presentations"),
        ({"verifiableCredential": [1, 2]}, ""),
    ],
)
def test_malformed_credentials_get_a_report_with_400(
    service: Service, body: dict[str, Any], reason: str
) -> None:
    response = service.client.post("/credentials/verify", json=body)
    assert response.status_code == 400, response.text
    report = response.json()
    assert (report["verified"], report["verdict"]) == (False, "invalid")
    assert reason in json.dumps(report)


def test_an_unknown_check_is_a_problem(service: Service) -> None:
    body = {"verifiableCredential": {}, "options": {"checks": ["telepathy"]}}
    response = service.client.post("/credentials/verify", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "unknown check 'telepathy'" in response.json()["detail"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=JSON, endpoint=st.sampled_from(["credentials", "presentations"]))
def test_nothing_sent_makes_a_500_or_a_401(service: Service, document: Any, endpoint: str) -> None:
    key = "verifiableCredential" if endpoint == "credentials" else "verifiablePresentation"
    response = service.client.post(f"/{endpoint}/verify", json={key: document})
    assert response.status_code in (400, 422), response.text
    assert response.json()["verified"] is False


# --- presentations and challenges ---------------------------------------------------------------


def _held_credential(service: Service, learner: Signer) -> dict[str, Any]:
    org = evaluation_org(service)
    request = x_certificate_request()
    request["learner"]["did"] = learner.did
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=request, headers=org.headers
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


def _present(learner: Signer, credential: dict[str, Any], challenge: str) -> dict[str, Any]:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": learner.did,
        "verifiableCredential": [credential],
    }
    return learner.sign(
        presentation,
        purpose="authentication",
        challenge=challenge,
        domain="hr.example",
        created="2026-11-28T09:00:00Z",
    )


def _verify_presentation(service: Service, presentation: Any, **options: Any) -> Any:
    body = {"verifiablePresentation": presentation, "options": options}
    return service.client.post("/presentations/verify", json=body)


def test_a_presentation_answers_one_challenge_once(service: Service) -> None:
    learner = Signer.new()
    credential = _held_credential(service, learner)
    made = service.client.post("/challenges")
    assert made.status_code == 201, made.text
    challenge = made.json()["challenge"]
    assert made.json()["expires"] == "2026-11-28T09:10:00Z"
    presentation = _present(learner, credential, challenge)
    first = _verify_presentation(service, presentation, challenge=challenge, domain="hr.example")
    assert first.status_code == 200, checks(first.json())
    assert first.json()["holder"] == learner.did
    assert first.json()["credentials"][0]["holderName"] == "李晓明"
    again = _verify_presentation(service, presentation, challenge=challenge, domain="hr.example")
    assert again.status_code == 400
    assert "already used" in note(again.json(), "challenge")


def test_a_presentation_with_the_wrong_challenge_is_refused(service: Service) -> None:
    learner = Signer.new()
    credential = _held_credential(service, learner)
    challenge = service.client.post("/challenges").json()["challenge"]
    presentation = _present(learner, credential, "an-old-challenge")
    response = _verify_presentation(service, presentation, challenge=challenge)
    assert response.status_code == 400
    report = response.json()
    assert checks(report)["challenge"] == "failed"
    assert "does not match the expected challenge" in note(report, "challenge")
    wrong_domain = _present(learner, credential, challenge)
    response = _verify_presentation(service, wrong_domain, domain="evil.example")
    assert response.status_code == 400
    assert checks(response.json())["proof"] == "failed"


def test_an_expired_challenge_is_refused(service: Service) -> None:
    learner = Signer.new()
    credential = _held_credential(service, learner)
    challenge = service.client.post("/challenges").json()["challenge"]
    service.clock.advance(minutes=11)
    presentation = _present(learner, credential, challenge)
    response = _verify_presentation(service, presentation, challenge=challenge)
    assert response.status_code == 400
    assert "has expired" in note(response.json(), "challenge")


def test_a_credential_sent_as_a_presentation_is_refused(service: Service) -> None:
    credential = _held_credential(service, Signer.new())
    response = _verify_presentation(service, credential)
    assert response.status_code == 400
    assert "not a VerifiablePresentation" in response.text


def test_the_vc_api_routes_are_tagged(service: Service) -> None:
    paths = service.client.get("/openapi.json").json()["paths"]
    for path in ("/credentials/verify", "/presentations/verify", "/challenges"):
        assert paths[path]["post"]["tags"] == ["vc-api"], path
