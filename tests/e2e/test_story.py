"""The whole user story of issue 7 in one test, on the real app and database: the supervisor
accredits → the organization offers an X certificate → the learner registers, signs in and
claims it → shares it with a 30-day grant → the employer uploads a PNG of the grant's QR code
→ valid; the organization revokes → revoked; a second certificate is reissued with a corrected
name → the old one says superseded by the new, the wallet shows the new one in its place, and
the new one verifies valid. Then a diploma issued straight to the learner's DID, verified
through the VC-API."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.orgs import SOFTWARE_MAJOR, accredit, create_org
from tests.support.service import Service
from tests.support.story import (
    REVOKE,
    accredited_evaluation_org,
    check_map,
    grant_qr_png,
    statuses,
    upload_png,
)
from tests.support.verifier_service import DIPLOMA_REQUEST, verify
from tests.support.wallet import claim, create_grant, login, make_offer, register

CREDENTIAL_CHECKS = (
    "well-formed",
    "proof",
    "issuer-key",
    "issuer-accredited",
    "key-active",
    "validity-period",
    "status",
)
PRESENTATION_CHECKS = ("well-formed", "proof", "holder-binding", "challenge", "subject-binding")


def _expected_passed(*, but: str | None = None) -> dict[str, str]:
    """Every check of a one-credential grant passed — except ``but`` (of the credential)."""
    expected = {name: "passed" for name in PRESENTATION_CHECKS}
    for name in CREDENTIAL_CHECKS:
        expected[f"verifiableCredential[0].{name}"] = "failed" if name == but else "passed"
    return expected


def _wallet_entries(service: Service, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = service.client.get("/wallet/credentials", headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == len(body["items"])
    return {item["credentialId"]: item for item in body["items"]}


def test_the_whole_story(service: Service) -> None:
    # The supervisor creates and accredits an evaluation organization; it offers a certificate.
    org = accredited_evaluation_org(service)
    offer = make_offer(service, org, number="2024110101020345")
    assert offer["claimCode"]

    # The learner registers, signs in again (a fresh session) and claims the offer.
    register(service, "lixiaoming")
    learner = login(service, "lixiaoming")
    entry = claim(service, learner, offer["claimCode"])
    credential = entry["verifiableCredential"]
    assert entry["status"] == "active" and entry["source"] == "offer"
    assert credential["credentialSubject"]["id"] == learner.did
    assert credential["issuer"]["id"] == org.did

    # A 30-day grant; the employer uploads a PNG of its QR code → valid, every check passed.
    grant = create_grant(service, learner, [entry["id"]], days=30)
    assert (grant["state"], grant["expiresAt"][:10]) == ("open", "2026-12-28")
    png = grant_qr_png(service, learner, grant)
    status, report = upload_png(service, png)
    assert status == 200, check_map(report)
    assert (report["verified"], report["verdict"], report["kind"]) == (
        True,
        "valid",
        "presentation",
    )
    assert statuses(report) == _expected_passed()
    notes = check_map(report)
    assert notes["holder-binding"][1] == f"signed by the holder {learner.did}"
    accredited = notes["verifiableCredential[0].issuer-accredited"][1]
    assert "2026-01-01T00:00:00Z – 2028-01-01T00:00:00Z" in accredited
    assert report["holder"] == learner.did
    shown = report["credential"]
    assert (shown["id"], shown["holderName"], shown["number"]) == (
        credential["id"],
        "李晓明",
        "2024110101020345",
    )
    assert shown["issuer"]["registry"]["slug"] == org.slug
    assert shown["issuer"]["accreditation"]["status"] == "active"
    assert shown["status"] == {"revocation": False, "suspension": False}

    # The organization revokes; the employer verifies the same picture again → revoked.
    service.clock.advance(minutes=5)
    revoked = service.client.post(
        f"/orgs/{org.slug}/credentials/{credential['id']}/revoke", json=REVOKE, headers=org.headers
    )
    assert revoked.status_code == 200, revoked.text
    status, report = upload_png(service, png)
    assert status == 400, check_map(report)
    assert (report["verified"], report["verdict"]) == (False, "invalid")
    assert statuses(report) == _expected_passed(but="status")
    assert check_map(report)["verifiableCredential[0].status"][1] == (
        "revoked by its issuer: misconduct"
    )
    assert report["credential"]["status"]["revocation"] is True
    assert "考核作弊" not in str(report)  # the private reason is never shown
    assert _wallet_entries(service, learner.headers)[credential["id"]]["status"] == "revoked"

    # A second certificate, claimed and shared; the organization reissues it with the
    # learner's name corrected.
    second = claim(service, learner, make_offer(service, org, "2024110101020346")["claimCode"])
    old_id = second["credentialId"]
    old_png = grant_qr_png(service, learner, create_grant(service, learner, [second["id"]], 30))
    status, report = upload_png(service, old_png)
    assert status == 200, check_map(report)
    service.clock.advance(minutes=5)
    reissued = service.client.post(
        f"/orgs/{org.slug}/credentials/{old_id}/reissue",
        json={"learner": {"name": "李晓鸣"}},
        headers=org.headers,
    )
    assert reissued.status_code == 201, reissued.text
    new_id = reissued.json()["id"]
    assert new_id != old_id and reissued.json()["replaces"] == old_id

    # The old one's grant now says superseded by the new id.
    status, report = upload_png(service, old_png)
    assert status == 400, check_map(report)
    assert report["verdict"] == "invalid"
    assert statuses(report) == _expected_passed(but="status")
    assert f"superseded by {new_id}" in check_map(report)["verifiableCredential[0].status"][1]
    assert report["credential"]["status"]["supersededBy"] == new_id

    # The wallet lists the new one in the old one's place and keeps the old one, superseded.
    service.clock.advance(minutes=5)
    entries = _wallet_entries(service, learner.headers)
    assert set(entries) == {credential["id"], old_id, new_id}
    new_entry, old_entry = entries[new_id], entries[old_id]
    assert (new_entry["status"], new_entry["source"]) == ("active", "reissue")
    assert (old_entry["status"], old_entry["supersededBy"]) == ("superseded", new_id)
    assert old_entry["replacedByEntry"] == new_entry["id"]
    document = service.client.get(f"/wallet/credentials/{new_entry['id']}", headers=learner.headers)
    assert document.status_code == 200, document.text
    new_credential = document.json()["verifiableCredential"]
    assert new_credential["credentialSubject"]["id"] == learner.did
    assert new_credential["replaces"] == old_id

    # The new one, shared by a fresh grant, verifies valid and shows the corrected name.
    new_png = grant_qr_png(service, learner, create_grant(service, learner, [new_entry["id"]], 30))
    status, report = upload_png(service, new_png)
    assert status == 200, check_map(report)
    assert report["verdict"] == "valid"
    assert statuses(report) == _expected_passed()
    shown = report["credential"]
    assert (shown["id"], shown["holderName"], shown["replaces"]) == (new_id, "李晓鸣", old_id)
    assert shown["number"] == "2024110101020346"

    # A diploma: a school, accredited by the supervisor, issues straight to the learner's DID;
    # the VC-API verifies it.
    school = create_org(service, "bjit", kind="school")
    accredit(
        service, school, {"educationLevels": ["higher-vocational"], "majors": [SOFTWARE_MAJOR]}
    )
    request = copy.deepcopy(DIPLOMA_REQUEST)
    request["learner"]["did"] = learner.did
    issued = service.client.post(
        f"/orgs/{school.slug}/credentials/diplomas", json=request, headers=school.headers
    )
    assert issued.status_code == 201, issued.text
    diploma = issued.json()["verifiableCredential"]
    status, report = verify(service, diploma)
    assert status == 200, check_map(report)
    assert (report["verified"], report["verdict"], report["kind"]) == (True, "valid", "credential")
    assert statuses(report) == {name: "passed" for name in CREDENTIAL_CHECKS}
    shown = report["credential"]
    assert (shown["kind"], shown["holderId"], shown["holderName"]) == (
        "diploma",
        learner.did,
        "王雨桐",
    )
    assert shown["major"]["code"] == SOFTWARE_MAJOR["code"]
    assert shown["issuer"]["registry"]["slug"] == school.slug
