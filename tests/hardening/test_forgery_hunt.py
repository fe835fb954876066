"""Forgery hunt against service-issued credentials, through the verifier pipeline the service
runs (``app.state.verifier.verifier``: proofs, trust registry, status).

For X certificates and diplomas signed with eddsa-rdfc-2022 (an Ed25519 organization),
ecdsa-rdfc-2019 (an organization rotated to P-256) and vc+jwt: every single mutation — each
field changed, removed or an extra one added at every level; each proof field altered or
removed; the contexts swapped; the key swapped for another accredited organization's (a real
signature by it); the issuer swapped — must be rejected. The core library's own property tests
are in tests/unit/test_forgery_properties.py; this goes through the service and the registry.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from issuer.keystore import active_key, load_signer
from issuer.models import Organization
from tests.support.orgs import (
    SOFTWARE_MAJOR,
    WEB_FRONTEND,
    Org,
    accredit,
    create_org,
    evaluation_org,
    school,
    x_certificate_request,
)
from tests.support.service import Service
from tests.support.verifier_service import DIPLOMA_REQUEST
from vc.cryptosuites import suite_by_name
from vc.data_integrity import ProofOptions, add_proof
from vc.jose import sign_vc_jwt
from vc.keys import KeyPair

Json = Any
Path = tuple[str | int, ...]


# --- mutations of a JSON document ---------------------------------------------------------


def _paths(node: Json, path: Path = ()) -> Iterator[tuple[Path, Json]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _changed(value: Json) -> list[Json]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        return [value + 1]
    if isinstance(value, str):
        if len(value) > 8:  # flip one character in the middle: the subtlest change
            middle = len(value) // 2
            flipped = "A" if value[middle] != "A" else "B"
            return [value[:middle] + flipped + value[middle + 1 :], value + "x"]
        return [value + "x"]
    if isinstance(value, list):
        # Not a repeat of an element: JSON-LD lists here are sets, so a repeat is the same graph.
        return [[*value, "urn:example:forged"], value[:-1]] if value else [["x"]]
    return [{}] if value else [{"x": 1}]


def _set(document: Json, path: Path, value: Json) -> Json:
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


def _remove(document: Json, path: Path) -> Json:
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copied


def mutations(document: Json) -> Iterator[tuple[str, Json]]:
    """Every single change to ``document``: each value changed, each member removed, one extra
    member added to every object (a defined term and an undefined one)."""
    for path, value in _paths(document):
        where = "/".join(map(str, path)) or "(root)"
        if path:
            for index, other in enumerate(_changed(value)):
                yield f"change {where} #{index}", _set(document, path, other)
            yield f"remove {where}", _remove(document, path)
        if isinstance(value, dict):
            yield f"add name to {where}", _set(document, (*path, "name"), "Forged")
            yield f"add extra to {where}", _set(document, (*path, "forgedExtra"), "x")
            if not path:
                continue
            yield f"add id to {where}", _set(document, (*path, "id"), "urn:uuid:forged")


def context_swaps(document: Json) -> Iterator[tuple[str, Json]]:
    contexts = document["@context"]
    yield "contexts reversed", {**document, "@context": list(reversed(contexts))}
    yield (
        "contexts 1.1",
        {
            **document,
            "@context": ["https://www.w3.org/2018/credentials/v1", *contexts[1:]],
        },
    )
    for index in range(1, len(contexts)):
        dropped = contexts[:index] + contexts[index + 1 :]
        yield f"context {index} dropped", {**document, "@context": dropped}
    # (a context that defines an unused term leaves the graph as it is: not a forgery)
    yield (
        "context redefining a used term",
        {
            **document,
            "@context": [*contexts, {"name": "https://example.com/forged#name"}],
        },
    )


# --- the world ----------------------------------------------------------------------------


def _issue(service: Service, org: Org, kind: str, body: Json, fmt: str) -> Json:
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/{kind}?format={fmt}", json=body, headers=org.headers
    )
    assert response.status_code == 201, response.text
    return response.json()["verifiableCredential"]


def _signer(service: Service, slug: str) -> tuple[KeyPair, str]:
    context = service.app.state.issuer
    with context.sessions() as session:
        organization = session.scalars(select(Organization).where(Organization.slug == slug)).one()
        row = active_key(session, organization)
        return load_signer(row, context), f"{organization.did}#{row.fragment}"


def _verified(service: Service, document: Json) -> bool:
    report = service.app.state.verifier.verifier.verify(document)
    return bool(report.verified)


def _jwt_parts(token: str) -> tuple[Json, Json, str]:
    header, payload, signature = token.split(".")

    def decode(part: str) -> Json:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    return decode(header), decode(payload), signature


def _encode(value: Json) -> str:
    text = json.dumps(value, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def _jwt_mutations(token: str) -> Iterator[tuple[str, str]]:
    header, payload, signature = _jwt_parts(token)
    head, body = token.split(".")[:2]
    for name, forged in mutations(payload):
        yield f"payload {name}", f"{head}.{_encode(forged)}.{signature}"
    for name, forged in mutations(header):
        yield f"header {name}", f"{_encode(forged)}.{body}.{signature}"
    for name, forged in context_swaps(payload):
        yield f"payload {name}", f"{head}.{_encode(forged)}.{signature}"
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    yield (
        "signature flipped",
        f"{head}.{body}.{signature[:middle]}{flipped}{signature[middle + 1 :]}",
    )
    yield "signature removed", f"{head}.{body}."
    yield "alg none", f"{_encode({**header, 'alg': 'none'})}.{body}."


def _hand_signed_jwt(payload: Json, key: KeyPair, kid: str) -> str:
    """A JWS by ``key`` over ``payload`` whatever its issuer (``sign_vc_jwt`` refuses that)."""
    header = {"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}
    signing_input = f"{_encode(header)}.{_encode(payload)}"
    signature = base64.urlsafe_b64encode(key.sign(signing_input.encode())).rstrip(b"=")
    return f"{signing_input}.{signature.decode()}"


def test_no_single_mutation_of_a_service_issued_credential_verifies(service: Service) -> None:
    ed = evaluation_org(service, "org-ed")
    p256 = create_org(service, "org-p256")
    accredit(
        service,
        p256,
        {"skillDomains": [WEB_FRONTEND], "levels": ["junior", "intermediate", "senior"]},
    )
    rotated = service.client.post(
        f"/orgs/{p256.slug}/keys/rotate", json={"algorithm": "P-256"}, headers=p256.headers
    )
    assert rotated.status_code in (200, 201), rotated.text
    college = school(service, "college")
    other = evaluation_org(service, "org-other")
    assert SOFTWARE_MAJOR and DIPLOMA_REQUEST

    originals: dict[str, Json] = {
        "x eddsa": _issue(service, ed, "x-certificates", x_certificate_request(), "ldp"),
        "x ecdsa": _issue(service, p256, "x-certificates", x_certificate_request(), "ldp"),
        "diploma eddsa": _issue(service, college, "diplomas", DIPLOMA_REQUEST, "ldp"),
        "x jwt": _issue(
            service, ed, "x-certificates", x_certificate_request("2024110101020999"), "jwt"
        ),
        "diploma jwt": _issue(service, college, "diplomas", DIPLOMA_REQUEST, "jwt"),
    }
    assert originals["x ecdsa"]["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert originals["x eddsa"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    for name, original in originals.items():
        assert _verified(service, original), f"the untouched {name} must verify"

    other_pair, other_method = _signer(service, other.slug)
    tried = 0
    accepted: list[str] = []
    for name, original in originals.items():
        if isinstance(original, str):
            candidates: Iterator[tuple[str, Json]] = iter(list(_jwt_mutations(original)))
            _, payload, _ = _jwt_parts(original)
            forged_jwt = _hand_signed_jwt(payload, other_pair, other_method)
            extra = [
                ("signed by another accredited org", forged_jwt),
                (
                    "issuer swapped and signed by it",
                    sign_vc_jwt(
                        {**payload, "issuer": {**payload["issuer"], "id": other.did}}
                        if isinstance(payload["issuer"], dict)
                        else other.did,
                        other_pair,
                        kid=other_method,
                    ),
                ),
            ]
        else:
            candidates = iter(list(mutations(original)) + list(context_swaps(original)))
            unsigned = {k: v for k, v in original.items() if k != "proof"}
            suite = suite_by_name("eddsa-rdfc-2022")
            loader = service.app.state.issuer.loader
            options = ProofOptions(
                verification_method=other_method, created=original["proof"].get("created")
            )
            extra = [
                (
                    "signed by another accredited org",
                    add_proof(
                        unsigned, suite=suite, key=other_pair, options=options, loader=loader
                    ),
                ),
                (
                    "signed by another org, claiming the issuer's key",
                    {
                        **add_proof(
                            unsigned, suite=suite, key=other_pair, options=options, loader=loader
                        ),
                        "proof": {
                            **add_proof(
                                unsigned,
                                suite=suite,
                                key=other_pair,
                                options=options,
                                loader=loader,
                            )["proof"],
                            "verificationMethod": original["proof"]["verificationMethod"],
                        },
                    },
                ),
                (
                    "verification method swapped",
                    {
                        **original,
                        "proof": {**original["proof"], "verificationMethod": other_method},
                    },
                ),
            ]
            issuer = original["issuer"]
            swapped = {**issuer, "id": other.did} if isinstance(issuer, dict) else other.did
            extra.append(("issuer swapped", {**original, "issuer": swapped}))
            extra.append(
                (
                    "issuer swapped and signed by it",
                    add_proof(
                        {**unsigned, "issuer": swapped},
                        suite=suite,
                        key=other_pair,
                        options=options,
                        loader=loader,
                    ),
                )
            )
        for label, forged in [*candidates, *extra]:
            tried += 1
            if forged != original and _verified(service, forged):
                accepted.append(f"{name}: {label}")
    print(f"forgery hunt: {tried} mutations tried, {len(accepted)} accepted")
    assert tried >= 1000
    assert not accepted, "\n".join(accepted)


def test_an_organization_cannot_have_the_service_sign_in_another_issuers_name(
    service: Service,
) -> None:
    victim = evaluation_org(service, "victim")
    forger = evaluation_org(service, "forger")
    genuine = _issue(service, victim, "x-certificates", x_certificate_request(), "ldp")
    unsigned = {k: v for k, v in genuine.items() if k not in ("proof", "id")}
    response = service.client.post(
        f"/orgs/{forger.slug}/credentials/issue",
        json={"credential": unsigned},
        headers=forger.headers,
    )
    if response.status_code < 400:
        signed = response.json().get("verifiableCredential", response.json())
        assert not _verified(service, signed), "a credential naming the victim verified"
    else:
        assert response.status_code in (400, 403, 422), response.text
    # the public verification endpoint says the same about a tampered one
    tampered = copy.deepcopy(genuine)
    tampered["credentialSubject"]["result"][0]["value"] = "100"
    answer = service.client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert answer.status_code in (200, 400, 422), answer.text
    if answer.status_code == 200:
        assert answer.json()["verified"] is False
