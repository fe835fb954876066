"""Organization keys over HTTP: did:web documents, key history, rotation and its refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.auth import create_api_key
from issuer.context import IssuerContext
from issuer.keystore import (
    OrganizationKeys,
    active_signer,
    create_initial_key,
    organization_did_web,
)
from issuer.models import AuditEntry, Organization, SigningKey
from tests.support.service import Service
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, format_datetime, verify_proofs
from vc.did import VerificationMethodResolver
from vc.did.resolver import DIDResolver, StaticTransport
from vc.did.web import did_web_to_url
from vc.jsonld import DocumentLoader

LOADER = DocumentLoader.bundled()


def _context(service: Service) -> IssuerContext:
    context: IssuerContext = service.app.state.issuer
    return context


def _make_org(service: Service, slug: str, method: str = "web") -> tuple[str, dict[str, str]]:
    """An organization with its first key and an API key; returns its DID and auth headers."""
    context = _context(service)
    with context.sessions() as session:
        organization = Organization(
            slug=slug,
            kind="evaluation",
            name_zh=slug,
            name_en=slug,
            did_method=method,
            created_at=service.clock(),
        )
        if method == "web":
            organization.did = organization_did_web(context.base_url, slug)
        create_initial_key(session, organization, context=context, now=service.clock())
        _, key = create_api_key(
            session, role="organization", organization_id=organization.id, now=service.clock()
        )
        session.commit()
        return organization.did, {"Authorization": f"Bearer {key}"}


def _snapshot(service: Service) -> tuple[Any, ...]:
    """Everything a rotation could write: the key rows and the audit log's length."""
    with _context(service).sessions() as session:
        keys = session.execute(
            select(SigningKey.organization_id, SigningKey.fragment, SigningKey.retired_at)
        ).all()
        audit = session.scalar(select(func.count()).select_from(AuditEntry))
    return tuple(sorted(keys)), audit


def _did_json(service: Service, slug: str) -> dict[str, Any]:
    response = service.client.get(f"/orgs/{slug}/did.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


# --- the DID document ----------------------------------------------------------------------


def test_did_document_is_served_where_did_web_says(service: Service) -> None:
    did, _ = _make_org(service, "acme")
    assert did == "did:web:127.0.0.1%3A8000:orgs:acme"
    assert did_web_to_url(did, allow_http=True) == "http://127.0.0.1:8000/orgs/acme/did.json"
    response = service.client.get("/orgs/acme/did.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+json"
    assert response.headers["cache-control"] == "public, max-age=300"
    document = response.json()
    assert document["id"] == did
    assert [vm["id"] for vm in document["verificationMethod"]] == [f"{did}#key-1"]
    assert document["assertionMethod"] == [f"{did}#key-1"]
    assert not any("secret" in key.lower() for vm in document["verificationMethod"] for key in vm)
    etag = response.headers["etag"]
    again = service.client.get("/orgs/acme/did.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    stale = service.client.get("/orgs/acme/did.json", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


@pytest.mark.parametrize("slug", ["nobody", "keyed"])
def test_did_document_404_for_unknown_or_did_key(service: Service, slug: str) -> None:
    _make_org(service, "keyed", method="key")
    response = service.client.get(f"/orgs/{slug}/did.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert slug in response.json()["detail"]


# --- key history ---------------------------------------------------------------------------


def test_key_history_is_public_and_has_no_secret(service: Service) -> None:
    did, _ = _make_org(service, "acme")
    response = service.client.get("/orgs/acme/keys")
    assert response.status_code == 200
    body = response.json()
    assert (body["organization"], body["did"], body["didMethod"]) == ("acme", did, "web")
    [key] = body["keys"]
    assert key["fragment"] == "key-1" and key["status"] == "active"
    assert key["verificationMethod"] == f"{did}#key-1"
    assert key["activeFrom"] == "2026-11-28T09:00:00Z" and key["retiredAt"] is None
    assert "secret" not in response.text.lower()
    assert service.client.get("/orgs/nobody/keys").status_code == 404


def test_key_history_of_a_did_key_organization(service: Service) -> None:
    did, _ = _make_org(service, "keyed", method="key")
    [key] = service.client.get("/orgs/keyed/keys").json()["keys"]
    assert did.startswith("did:key:z")
    assert key["verificationMethod"] == f"{did}#{did.removeprefix('did:key:')}"


# --- rotation ------------------------------------------------------------------------------


def test_rotation_by_the_organization_and_by_a_supervisor(service: Service) -> None:
    did, headers = _make_org(service, "acme")
    service.clock.advance(days=30)
    first = service.client.post("/orgs/acme/keys/rotate", headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["fragment"] == "key-2" and created["algorithm"] == "Ed25519"
    assert created["status"] == "active" and created["activeFrom"] == "2026-12-28T09:00:00Z"
    assert "secret" not in first.text.lower()
    service.clock.advance(days=1)
    second = service.client.post(
        "/orgs/acme/keys/rotate", headers=service.as_supervisor(), json={"algorithm": "P-256"}
    )
    assert second.status_code == 201, second.text
    assert (second.json()["fragment"], second.json()["algorithm"]) == ("key-3", "P-256")

    history = service.client.get("/orgs/acme/keys").json()["keys"]
    assert [(k["fragment"], k["status"], k["activeFrom"], k["retiredAt"]) for k in history] == [
        ("key-1", "retired", "2026-11-28T09:00:00Z", "2026-12-28T09:00:00Z"),
        ("key-2", "retired", "2026-12-28T09:00:00Z", "2026-12-29T09:00:00Z"),
        ("key-3", "active", "2026-12-29T09:00:00Z", None),
    ]
    document = _did_json(service, "acme")
    ids = {f"{did}#key-{n}" for n in (1, 2, 3)}
    assert {vm["id"] for vm in document["verificationMethod"]} == ids
    assert set(document["assertionMethod"]) == ids
    with _context(service).sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
        organization_id = session.scalar(select(Organization.id).where(Organization.slug == "acme"))
    assert [(e.action, e.actor) for e in entries] == [
        ("key.rotate", f"organization:{organization_id}"),
        ("key.rotate", "supervisor:1"),
    ]


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("unauthenticated", 401, "API key is required"),
        ("bad key", 401, "unknown or revoked"),
        ("other organization", 403, "itself or a supervisor"),
        ("unknown organization", 404, "no organization"),
        ("did:key organization", 409, "cannot rotate"),
        ("bad algorithm", 422, "/algorithm"),
        ("unknown field", 422, "/curve"),
        ("not an object", 422, ""),
    ],
)
def test_rotation_refusals_write_nothing(
    service: Service, case: str, status: int, reason: str
) -> None:
    _, acme = _make_org(service, "acme")
    _, beta = _make_org(service, "beta")
    _make_org(service, "keyed", method="key")
    slug, headers, body = {
        "unauthenticated": ("acme", {}, None),
        "bad key": ("acme", {"Authorization": "Bearer onex_0000_nope"}, None),
        "other organization": ("acme", beta, None),
        "unknown organization": ("nobody", service.as_supervisor(), None),
        "did:key organization": ("keyed", service.as_supervisor(), None),
        "bad algorithm": ("acme", acme, {"algorithm": "RSA"}),
        "unknown field": ("acme", acme, {"curve": "P-256"}),
        "not an object": ("acme", acme, ["P-256"]),
    }[case]
    before = _snapshot(service)
    service.clock.advance(days=1)
    response = service.client.post(f"/orgs/{slug}/keys/rotate", headers=headers, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.text
    assert _snapshot(service) == before


# --- a credential signed before a rotation still verifies after it -------------------------


def test_credential_signed_before_rotation_verifies_after(service: Service) -> None:
    did, headers = _make_org(service, "acme")
    context = _context(service)
    with context.sessions() as session:
        organization = session.scalars(select(Organization)).one()
        signer = active_signer(session, organization, context=context)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6d0c8f9e-3b0f-4b8e-9d53-0d3c6f1c2a77",
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-11-28T09:00:00Z",
        "name": "Web前端开发 (初级)",
        "credentialSubject": {"id": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E"},
    }
    options = ProofOptions(
        verification_method=signer.verification_method, created=format_datetime(service.clock())
    )
    signed = add_proof(
        credential, suite=EDDSA_RDFC_2022, key=signer.key_pair, options=options, loader=LOADER
    )
    service.clock.advance(days=90)
    assert service.client.post("/orgs/acme/keys/rotate", headers=headers).status_code == 201

    served = service.client.get("/orgs/acme/did.json").content
    url = did_web_to_url(did, allow_http=True)
    transport = StaticTransport({url: served})
    resolvers: dict[str, VerificationMethodResolver] = {
        "in process": OrganizationKeys(context.sessions),
        "did:web over the transport": DIDResolver(transport, allow_http=True),
        "did:web preloaded": DIDResolver(documents={did: json.loads(served)}),
    }
    for name, resolver in resolvers.items():
        result = verify_proofs(signed, suites=[EDDSA_RDFC_2022], resolver=resolver, loader=LOADER)
        assert result.verified, (name, result.all_problems())
    assert transport.requested == [url]
    keys = OrganizationKeys(context.sessions)
    assert keys.key_active_at(signer.verification_method, service.clock() - timedelta(days=90))
    assert not keys.key_active_at(signer.verification_method, service.clock())
