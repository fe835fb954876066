"""The revocation registry through the real app and database: revoke, suspend, unsuspend,
reissue, the VC-API status update, the public lookup and the published lists."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import audit, status
from issuer.models import (
    AuditEntry,
    AuditHead,
    IssuedCredential,
    Organization,
    StatusAllocation,
    StatusList,
)
from service.db import create_session_factory
from tests.support.orgs import Org, evaluation_org, school, x_certificate_request
from tests.support.service import Service
from vc.data_integrity import verify_proofs
from vc.did.resolver import DIDResolver
from vc.jose import verify_vc_jwt
from vc.jsonld import DocumentLoader
from vc.status_list import lookup_status, status_entries
from vc.verify import VerifyOptions, verify_document

NATIONAL_ID = "11010519491231002X"
LOADER = DocumentLoader.bundled()


# --- helpers -----------------------------------------------------------------------------------


def _issue(service: Service, org: Org, **overrides: Any) -> dict[str, Any]:
    body = {**x_certificate_request(), **overrides}
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=body, headers=org.headers
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def _post(service: Service, org: Org, credential_id: str, action: str, body: Any) -> Any:
    return service.client.post(
        f"/orgs/{org.slug}/credentials/{credential_id}/{action}", json=body, headers=org.headers
    )


REVOKE = {"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"}
SUSPEND = {"reasonCode": "under-investigation", "reason": "inspection of exam site pending"}
UNSUSPEND = {"reasonCode": "cleared", "reason": "inspection found nothing"}


def _resolver(service: Service, org: Org) -> DIDResolver:
    document = service.client.get(f"/orgs/{org.slug}/did.json").json()
    return DIDResolver(documents={org.did: document}, allow_http=True)


def _options(service: Service, org: Org) -> VerifyOptions:
    return VerifyOptions(resolver=_resolver(service, org), loader=LOADER, now=service.clock())


def _bits(service: Service, org: Org, credential: dict[str, Any]) -> dict[str, int]:
    """Each status purpose → the credential's bit in the published list (which must verify)."""
    found = {}
    for entry in status_entries(credential):
        listed = service.client.get(entry.status_list_credential)
        assert listed.status_code == 200, listed.text
        document = listed.json()
        report = verify_document(document, _options(service, org))
        assert report.verified, report.to_json()
        assert document["issuer"] == org.did
        found[entry.status_purpose] = lookup_status(document, entry)
    return found


def _snapshot(service: Service) -> tuple[Any, ...]:
    """Everything a refused request must leave alone."""
    with Session(service.engine) as session:
        rows = session.execute(
            select(
                IssuedCredential.id,
                IssuedCredential.revoked,
                IssuedCredential.suspended,
                IssuedCredential.superseded_by,
            ).order_by(IssuedCredential.id)
        ).all()
        lists = session.execute(
            select(StatusList.id, StatusList.version, StatusList.bits).order_by(StatusList.id)
        ).all()
        audit_count = session.scalar(select(func.count()).select_from(AuditEntry))
        allocations = session.scalar(select(func.count()).select_from(StatusAllocation))
    return tuple(rows), tuple(lists), audit_count, allocations


def _audit(service: Service, action: str) -> list[AuditEntry]:
    with Session(service.engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- round trips -------------------------------------------------------------------------------


def test_revoke_sets_the_bit_and_cannot_be_undone(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    credential, credential_id = issued["verifiableCredential"], issued["id"]
    assert _bits(service, org, credential) == {"revocation": 0, "suspension": 0}

    response = _post(service, org, credential_id, "revoke", REVOKE)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert _bits(service, org, credential) == {"revocation": 1, "suspension": 0}
    [entry] = _audit(service, "credential.revoke")
    assert entry.subject == credential_id and json.loads(entry.data)["reasonCode"] == "misconduct"

    before = _snapshot(service)
    again = _post(service, org, credential_id, "revoke", REVOKE)
    assert again.status_code == 409 and "already revoked" in again.json()["detail"]
    assert again.headers["content-type"] == "application/problem+json"
    unsuspend = _post(service, org, credential_id, "unsuspend", UNSUSPEND)
    assert unsuspend.status_code == 409 and "revoked" in unsuspend.json()["detail"]
    suspend = _post(service, org, credential_id, "suspend", SUSPEND)
    assert suspend.status_code == 409
    unrevoke = service.client.post(
        f"/orgs/{org.slug}/credentials/status",
        json={
            "credentialId": credential_id,
            "credentialStatus": [
                {"type": "BitstringStatusListEntry", "status": False, "statusPurpose": "revocation"}
            ],
        },
        headers=org.headers,
    )
    assert unrevoke.status_code == 409 and "irreversible" in unrevoke.json()["detail"]
    assert _snapshot(service) == before
    assert _bits(service, org, credential) == {"revocation": 1, "suspension": 0}


def test_suspend_then_unsuspend_clears_the_bit(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    credential, credential_id = issued["verifiableCredential"], issued["id"]

    suspended = _post(service, org, credential_id, "suspend", SUSPEND)
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert _bits(service, org, credential) == {"revocation": 0, "suspension": 1}
    lookup = service.client.get(f"/credentials/{credential_id}/status").json()
    assert lookup == {
        "id": credential_id,
        "status": "suspended",
        "reason": "under-investigation",
        "supersededBy": None,
    }
    assert _post(service, org, credential_id, "suspend", SUSPEND).status_code == 409

    resumed = _post(service, org, credential_id, "unsuspend", UNSUSPEND)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    assert _bits(service, org, credential) == {"revocation": 0, "suspension": 0}
    assert _post(service, org, credential_id, "unsuspend", UNSUSPEND).status_code == 409
    actions = [e.action for e in _audit(service, "credential.suspend")] + [
        e.action for e in _audit(service, "credential.unsuspend")
    ]
    assert actions == ["credential.suspend", "credential.unsuspend"]


def test_suspended_then_revoked_stays_revoked(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    assert _post(service, org, issued["id"], "suspend", SUSPEND).status_code == 200
    assert _post(service, org, issued["id"], "revoke", REVOKE).status_code == 200
    assert _post(service, org, issued["id"], "unsuspend", UNSUSPEND).status_code == 409
    lookup = service.client.get(f"/credentials/{issued['id']}/status").json()
    assert (lookup["status"], lookup["reason"]) == ("revoked", "misconduct")


@pytest.mark.parametrize(
    ("action", "body", "pointer"),
    [
        ("revoke", {"reasonCode": "misconduct"}, "/reason"),
        ("revoke", {"reasonCode": "misconduct", "reason": "   "}, "/reason"),
        ("revoke", {"reasonCode": "superseded", "reason": "by hand"}, "/reasonCode"),
        ("revoke", {"reasonCode": "nope", "reason": "x"}, "/reasonCode"),
        ("revoke", {"reasonCode": "misconduct", "reason": "x" * 501}, "/reason"),
        ("revoke", {"reasonCode": "misconduct", "reason": "a\u0000b"}, "/reason"),
        ("suspend", {"reason": "why"}, "/reasonCode"),
        ("suspend", {"reasonCode": "misconduct", "reason": "why"}, "/reasonCode"),
        ("unsuspend", {"reasonCode": "cleared"}, "/reason"),
        ("revoke", {**REVOKE, "extra": 1}, "/extra"),
    ],
)
def test_bad_reasons_are_refused_and_change_nothing(
    service: Service, action: str, body: dict[str, Any], pointer: str
) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    if action == "unsuspend":
        assert _post(service, org, issued["id"], "suspend", SUSPEND).status_code == 200
    before = _snapshot(service)
    response = _post(service, org, issued["id"], action, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422 and pointer in [e["pointer"] for e in problem["errors"]]
    assert _snapshot(service) == before


def test_unknown_credential_is_404_and_requests_need_a_key(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    before = _snapshot(service)
    missing = _post(service, org, "urn:uuid:00000000-0000-4000-8000-000000000000", "revoke", REVOKE)
    assert missing.status_code == 404
    assert service.client.get("/credentials/urn:uuid:nope/status").status_code == 404
    url = f"/orgs/{org.slug}/credentials/{issued['id']}/revoke"
    assert service.client.post(url, json=REVOKE).status_code == 401
    wrong = service.client.post(url, json=REVOKE, headers={"Authorization": "Bearer onex_x_y"})
    assert wrong.status_code == 401
    as_supervisor = service.client.post(url, json=REVOKE, headers=service.as_supervisor())
    assert as_supervisor.status_code == 403
    assert _snapshot(service) == before


# --- organizations cannot touch each other's credentials ---------------------------------------


def test_another_organization_cannot_change_a_credential(service: Service) -> None:
    owner = evaluation_org(service, "huaxin")
    other = evaluation_org(service, "zhongke")
    issued = _issue(service, owner)
    credential_id = issued["id"]
    before = _snapshot(service)
    attempts = [
        # The other organization's key on its own URLs, naming the owner's credential…
        (other.slug, "revoke", REVOKE),
        (other.slug, "suspend", SUSPEND),
        (other.slug, "reissue", {"credits": 3}),
        # … and on the owner's URLs.
        (owner.slug, "revoke", REVOKE),
        (owner.slug, "suspend", SUSPEND),
        (owner.slug, "unsuspend", UNSUSPEND),
        (owner.slug, "reissue", {"credits": 3}),
    ]
    for slug, action, body in attempts:
        response = service.client.post(
            f"/orgs/{slug}/credentials/{credential_id}/{action}", json=body, headers=other.headers
        )
        assert response.status_code == 403, (slug, action, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for slug in (other.slug, owner.slug):
        response = service.client.post(
            f"/orgs/{slug}/credentials/status",
            json={
                "credentialId": credential_id,
                "credentialStatus": [
                    {"type": "BitstringStatusListEntry", "status": True, "statusPurpose": p}
                    for p in ("revocation", "suspension")
                ],
            },
            headers=other.headers,
        )
        assert response.status_code == 403, response.text
    assert _snapshot(service) == before
    assert _bits(service, owner, issued["verifiableCredential"]) == {
        "revocation": 0,
        "suspension": 0,
    }


# --- reissue -----------------------------------------------------------------------------------


def _identities(credential: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        item
        for item in credential["credentialSubject"]["identifier"]
        if item["identityType"] == kind
    ]


def test_reissue_supersedes_the_old_credential(service: Service) -> None:
    org = evaluation_org(service)
    learner = {**x_certificate_request()["learner"], "nationalIdNumber": NATIONAL_ID}
    old = _issue(service, org, learner=learner)
    old_credential = old["verifiableCredential"]
    with Session(service.engine) as session:
        kept = session.get(IssuedCredential, old["id"])
        assert kept is not None and kept.template_request is not None
        assert NATIONAL_ID not in kept.template_request
        assert NATIONAL_ID[:17] not in kept.template_request

    response = _post(service, org, old["id"], "reissue", {"learner": {"name": "李晓鸣"}})
    assert response.status_code == 201, response.text
    new = response.json()
    new_credential = new["verifiableCredential"]

    # The new one: corrected, linked, valid, not revoked.
    assert new["replaces"] == old["id"] and new_credential["replaces"] == old["id"]
    assert new_credential["id"] != old["id"]
    assert _identities(new_credential, "name")[0]["identityHash"] == "李晓鸣"
    assert _identities(new_credential, "nationalIdentityNumber") == _identities(
        old_credential, "nationalIdentityNumber"
    )
    assert new_credential["credentialSubject"]["id"] == old_credential["credentialSubject"]["id"]
    report = verify_document(new_credential, _options(service, org))
    assert report.verified, report.to_json()
    assert _bits(service, org, new_credential) == {"revocation": 0, "suspension": 0}
    assert service.client.get(f"/credentials/{new['id']}/status").json()["status"] == "active"

    # The old one: its proof still verifies, its status says revoked, superseded by the new.
    assert verify_document(old_credential, _options(service, org)).verified
    assert _bits(service, org, old_credential) == {"revocation": 1, "suspension": 0}
    lookup = service.client.get(f"/credentials/{old['id']}/status")
    assert lookup.status_code == 200 and "max-age" in lookup.headers["cache-control"]
    assert lookup.json() == {
        "id": old["id"],
        "status": "revoked",
        "reason": "superseded",
        "supersededBy": new["id"],
    }
    record = service.client.get(f"/orgs/{org.slug}/credentials/{old['id']}", headers=org.headers)
    assert record.json()["supersededBy"] == new["id"] and record.json()["status"] == "revoked"

    # Audited: the issue names what it replaces, the revocation names the successor.
    [issue] = [e for e in _audit(service, "credential.issue") if e.subject == new["id"]]
    assert json.loads(issue.data)["replaces"] == old["id"]
    [revoked] = _audit(service, "credential.revoke")
    data = json.loads(revoked.data)
    assert revoked.subject == old["id"]
    assert data["reasonCode"] == "superseded" and data["supersededBy"] == new["id"]
    assert data["changedFields"] == ["learner.name"]
    assert NATIONAL_ID not in revoked.data

    # Only once: the old one is final now.
    before = _snapshot(service)
    again = _post(service, org, old["id"], "reissue", {"credits": 3})
    assert again.status_code == 409 and new["id"] in again.json()["detail"]
    assert _snapshot(service) == before


def test_reissue_can_change_the_national_id_which_is_hashed_afresh(service: Service) -> None:
    org = evaluation_org(service)
    learner = {**x_certificate_request()["learner"], "nationalIdNumber": NATIONAL_ID}
    old = _issue(service, org, learner=learner)
    other_id = "110105194912310038"
    response = _post(
        service, org, old["id"], "reissue", {"learner": {"nationalIdNumber": other_id}}
    )
    assert response.status_code == 201, response.text
    new = response.json()
    [old_hash] = _identities(old["verifiableCredential"], "nationalIdentityNumber")
    [new_hash] = _identities(new["verifiableCredential"], "nationalIdentityNumber")
    assert new_hash["salt"] != old_hash["salt"]
    assert new_hash["identityHash"] != old_hash["identityHash"]
    with Session(service.engine) as session:
        kept = session.get(IssuedCredential, new["id"])
        assert kept is not None and kept.template_request is not None
        assert other_id not in kept.template_request
        assert json.loads(kept.template_request)["nationalIdentity"] == new_hash
    # And null removes it.
    removed = _post(service, org, new["id"], "reissue", {"learner": {"nationalIdNumber": None}})
    assert removed.status_code == 201, removed.text
    assert _identities(removed.json()["verifiableCredential"], "nationalIdentityNumber") == []


def test_reissue_is_idempotent_with_a_key(service: Service) -> None:
    org = evaluation_org(service)
    old = _issue(service, org)
    headers = {**org.headers, "Idempotency-Key": "fix-score-1"}
    url = f"/orgs/{org.slug}/credentials/{old['id']}/reissue"
    change = {"assessment": {"score": 91}}
    first = service.client.post(url, json=change, headers=headers)
    assert first.status_code == 201, first.text
    second = service.client.post(url, json=change, headers=headers)
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    before = _snapshot(service)
    different = service.client.post(url, json={"credits": 2}, headers=headers)
    assert different.status_code == 409
    assert _snapshot(service) == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "change nothing"),
        ({"credits": 4}, "change nothing"),
        ({"credits": "4.0", "level": "intermediate"}, "change nothing"),
        ({"assessment": {"score": 10}}, "/assessment/score"),
        ({"nickname": "x"}, "/nickname"),
        ({"learner": {"nationalIdNumber": "110105194912310037"}}, "/learner/nationalIdNumber"),
        ({"licenseNumber": None}, "/licenseNumber"),
        ({"skillDomain": {"code": "9999"}}, "accreditation"),
    ],
)
def test_invalid_reissues_are_refused_and_change_nothing(
    service: Service, changes: dict[str, Any], expected: str
) -> None:
    org = evaluation_org(service)
    old = _issue(service, org)
    before = _snapshot(service)
    response = _post(service, org, old["id"], "reissue", changes)
    assert response.status_code in (403, 422), response.text
    problem = response.json()
    found = problem["detail"] + " ".join(e["pointer"] for e in problem.get("errors", []))
    assert expected in found, problem
    assert "110105194912310037" not in response.text
    assert _snapshot(service) == before


def test_reissue_of_a_suspended_or_vc_api_credential_is_refused(service: Service) -> None:
    org = evaluation_org(service)
    old = _issue(service, org)
    assert _post(service, org, old["id"], "suspend", SUSPEND).status_code == 200
    before = _snapshot(service)
    refused = _post(service, org, old["id"], "reissue", {"credits": 3})
    assert refused.status_code == 409 and "suspended" in refused.json()["detail"]
    assert _snapshot(service) == before
    # A caller-made (VC-API) credential keeps no template request to correct.
    made = service.client.post(
        f"/orgs/{org.slug}/credentials/issue",
        json={"credential": _caller_credential(org)},
        headers=org.headers,
    )
    assert made.status_code == 201, made.text
    caller_id = made.json()["verifiableCredential"]["id"]
    before = _snapshot(service)
    refused = _post(service, org, caller_id, "reissue", {"credits": 3})
    assert refused.status_code == 409 and "template" in refused.json()["detail"]
    assert _snapshot(service) == before
    # … but its status can change.
    assert _post(service, org, caller_id, "revoke", REVOKE).status_code == 200


def _caller_credential(org: Org) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": org.did,
        "credentialSubject": {
            "id": "did:key:z6Mkw9k7DKRXH8sf4YH9whEdM2B1V1JQ1ztqfUto1maoQXo6",
            "name": "attended",
        },
    }


def test_reissue_of_a_diploma_in_jwt_form(service: Service) -> None:
    org = school(service)
    body = {
        "learner": {"name": "王雨桐", "nationalIdNumber": NATIONAL_ID},
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
    made = service.client.post(
        f"/orgs/{org.slug}/credentials/diplomas?format=jwt", json=body, headers=org.headers
    )
    assert made.status_code == 201, made.text
    response = _post(service, org, made.json()["id"], "reissue", {"credits": "150"})
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["format"] == "jwt" and new["kind"] == "diploma"
    payload = verify_vc_jwt(new["verifiableCredential"], _resolver(service, org))
    credential = payload.get("vc", payload)
    assert credential["replaces"] == made.json()["id"]
    assert credential["credentialSubject"]["creditsEarned"] == 150


# --- the VC-API status update ------------------------------------------------------------------


def _status_body(credential_id: str, *changes: tuple[str, bool]) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": [
            {"type": "BitstringStatusListEntry", "status": value, "statusPurpose": purpose}
            for purpose, value in changes
        ],
    }


def test_vc_api_update_status(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    credential, credential_id = issued["verifiableCredential"], issued["id"]
    url = f"/orgs/{org.slug}/credentials/status"

    suspended = service.client.post(
        url, json=_status_body(credential_id, ("suspension", True)), headers=org.headers
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["credentialStatus"][0]["changed"] is True
    assert _bits(service, org, credential) == {"revocation": 0, "suspension": 1}
    repeated = service.client.post(
        url, json=_status_body(credential_id, ("suspension", True)), headers=org.headers
    )
    assert (
        repeated.status_code == 200 and repeated.json()["credentialStatus"][0]["changed"] is False
    )

    both = service.client.post(
        url,
        json=_status_body(credential_id, ("suspension", False), ("revocation", True)),
        headers=org.headers,
    )
    assert both.status_code == 200, both.text
    assert _bits(service, org, credential) == {"revocation": 1, "suspension": 0}
    lookup = service.client.get(f"/credentials/{credential_id}/status").json()
    assert (lookup["status"], lookup["reason"]) == ("revoked", "other")
    assert len(_audit(service, "credential.revoke")) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"credentialId": "urn:uuid:unknown", "credentialStatus": []}, 422),
        (_status_body("urn:uuid:00000000-0000-4000-8000-000000000000", ("revocation", True)), 404),
        (
            {
                "credentialId": "x",
                "credentialStatus": [
                    {"type": "StatusList2021Entry", "status": True, "statusPurpose": "revocation"}
                ],
            },
            422,
        ),
        (
            {
                "credentialId": "x",
                "credentialStatus": [
                    {"type": "BitstringStatusListEntry", "status": True, "statusPurpose": "refresh"}
                ],
            },
            422,
        ),
    ],
)
def test_vc_api_update_status_refusals(service: Service, body: dict[str, Any], code: int) -> None:
    org = evaluation_org(service)
    _issue(service, org)
    before = _snapshot(service)
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/status", json=body, headers=org.headers
    )
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _snapshot(service) == before


def test_vc_api_update_status_is_all_or_nothing(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    assert _post(service, org, issued["id"], "revoke", REVOKE).status_code == 200
    before = _snapshot(service)
    # The suspension would apply, but clearing the revocation is refused: neither happens.
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/status",
        json=_status_body(issued["id"], ("revocation", True), ("revocation", False)),
        headers=org.headers,
    )
    assert response.status_code == 409
    assert _snapshot(service) == before


# --- the public lookup and the published lists -------------------------------------------------


def test_public_lookup_shows_no_learner_data(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    response = service.client.get(f"/credentials/{issued['id']}/status")
    assert response.status_code == 200
    assert response.json() == {
        "id": issued["id"],
        "status": "active",
        "reason": None,
        "supersededBy": None,
    }
    assert "李晓明" not in response.text and "did:key" not in response.text


def test_published_list_headers_follow_changes(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    [revocation] = [e for e in status_entries(issued["verifiableCredential"])
                    if e.status_purpose == "revocation"]  # fmt: skip
    first = service.client.get(revocation.status_list_credential)
    max_age = service.app.state.issuer.status_max_age
    assert first.headers["cache-control"] == f"public, max-age={max_age}"
    assert first.json()["credentialSubject"]["ttl"] == max_age * 1000
    assert first.headers["content-type"].startswith("application/vc+ld+json")
    first_modified = parsedate_to_datetime(first.headers["last-modified"])
    etag = first.headers["etag"]
    assert (
        service.client.get(
            revocation.status_list_credential, headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    assert (
        service.client.get(
            revocation.status_list_credential, headers={"If-None-Match": f'"x", W/{etag}'}
        ).status_code
        == 304
    )

    service.clock.advance(minutes=5)
    assert _post(service, org, issued["id"], "revoke", REVOKE).status_code == 200
    changed = service.client.get(revocation.status_list_credential, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert parsedate_to_datetime(changed.headers["last-modified"]) > first_modified
    assert changed.json()["validFrom"] == "2026-11-28T09:05:00Z"
    assert lookup_status(changed.json(), revocation) == 1
    # Signed once per change: reading again serves the same text.
    assert service.client.get(revocation.status_list_credential).text == changed.text


def test_status_list_credential_verifies_with_the_core_library(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    entry = status_entries(issued["verifiableCredential"])[0]
    document = service.client.get(entry.status_list_credential).json()
    result = verify_proofs(
        document,
        suites=VerifyOptions(
            resolver=_resolver(service, org), loader=LOADER, now=datetime.now(UTC)
        ).suites,
        resolver=_resolver(service, org),
        loader=LOADER,
    )
    assert result.verified, result.all_problems()
    tampered = {**document, "credentialSubject": {**document["credentialSubject"], "ttl": 1}}
    assert not verify_document(tampered, _options(service, org)).verified


def test_a_key_rotation_re_signs_the_list_with_the_new_key(service: Service) -> None:
    org = evaluation_org(service)
    issued = _issue(service, org)
    entry = status_entries(issued["verifiableCredential"])[0]
    before = service.client.get(entry.status_list_credential)
    rotated = service.client.post(f"/orgs/{org.slug}/keys/rotate", headers=org.headers)
    assert rotated.status_code == 201, rotated.text
    after = service.client.get(entry.status_list_credential)
    old_method = before.json()["proof"]["verificationMethod"]
    new_method = after.json()["proof"]["verificationMethod"]
    assert new_method != old_method and new_method.endswith(rotated.json()["fragment"])
    assert after.headers["etag"] != before.headers["etag"]
    assert verify_document(after.json(), _options(service, org)).verified


# --- allocation --------------------------------------------------------------------------------


def test_indexes_are_random_distinct_and_a_full_list_starts_a_new_one(service: Service) -> None:
    org = evaluation_org(service)
    now = service.clock()
    rng = random.Random(4)
    with Session(service.engine) as session:
        organization = session.scalar(select(Organization).where(Organization.slug == org.slug))
        assert organization is not None
        ids = [f"urn:uuid:test-{i}" for i in range(2000)]
        allocations = status.allocate_many(
            session, organization, "revocation", ids, now=now, rng=rng
        )
        indexes = [a.index for a in allocations]
        assert len(set(indexes)) == len(indexes) == 2000
        assert indexes != sorted(indexes)
        assert max(indexes) > status.LIST_SIZE // 2  # spread over the list, not packed low
        current = session.get(StatusList, allocations[0].list_id)
        assert current is not None and current.allocated == 2000
        # Fill the list to its limit: the next allocation opens list 2.
        current.allocated = int(status.LIST_SIZE * status.FILL_LIMIT) - 1
        more = status.allocate_many(
            session, organization, "revocation", ["urn:uuid:a", "urn:uuid:b"], now=now, rng=rng
        )
        assert [a.sequence for a in more] == [1, 2]
        assert more[0].index not in indexes
        session.commit()


def test_locked_reads_are_fresh_in_a_session_that_outlives_a_transaction(service: Service) -> None:
    # Sessions keep their objects across commits (expire_on_commit=False): a locked read must
    # refresh them, or a change committed meanwhile by someone else would be overwritten.
    org = evaluation_org(service)
    first, second = _issue(service, org), _issue(service, org)
    sessions = create_session_factory(service.engine)
    now = service.clock()
    with sessions() as long_lived, sessions() as other:
        rows = [long_lived.get(IssuedCredential, c["id"]) for c in (first, second)]
        assert rows[0] is not None and rows[1] is not None
        list_id = rows[0].revocation_list_id
        status.set_status(long_lived, list_id, rows[0].revocation_index, True, now=now)
        audit.record(long_lived, actor="a", action="test.one", subject="s", data={}, at=now)
        long_lived.commit()
        held = [*long_lived.scalars(select(AuditHead)), *long_lived.scalars(select(StatusList))]
        long_lived.commit()  # end the read (SQLite locks at BEGIN); the copies stay held
        status.set_status(other, list_id, rows[1].revocation_index, True, now=now)
        audit.record(other, actor="b", action="test.two", subject="s", data={}, at=now)
        other.commit()
        status.set_status(long_lived, list_id, rows[0].revocation_index, False, now=now)
        audit.record(long_lived, actor="a", action="test.three", subject="s", data={}, at=now)
        long_lived.commit()
        assert status.get_status(other, list_id, rows[1].revocation_index) is True
        assert status.get_status(other, list_id, rows[0].revocation_index) is False
        assert audit.check_database(other).intact
        assert held  # the copies stayed in the long-lived session's identity map throughout
