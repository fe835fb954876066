"""Verifying what this service issued, on the real app and database: valid credentials, and
every refusal — revoked, suspended, superseded, outside the accreditation's scope or period,
signed with a retired key after its retirement, a status list that cannot be read."""

from __future__ import annotations

from typing import Any

from tests.support.orgs import accredit, create_org, evaluation_org, school
from tests.support.service import Service
from tests.support.verifier_service import (
    checks,
    issue_diploma,
    issue_x,
    note,
    sign_as,
    verify,
)
from verifier.fetch import StaticClient

REVOKE = {"reasonCode": "misconduct", "reason": "考核作弊 / cheating found at inspection"}
SUSPEND = {"reasonCode": "under-investigation", "reason": "抽查中 / being inspected"}


def test_an_issued_x_certificate_is_valid_and_says_what_it_is(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    status, report = verify(service, record["verifiableCredential"])
    assert status == 200, checks(report)
    assert (report["verified"], report["verdict"]) == (True, "valid")
    credential = report["credential"]
    assert credential["holderName"] == "李晓明"
    assert credential["number"] == "2024110101020345"
    assert credential["skillDomain"]["zh"] == "Web前端开发"
    assert credential["issuer"]["registry"]["slug"] == "huaxin"
    assert credential["issuer"]["accreditation"]["status"] == "active"
    assert report["cache"] == []  # our own data, read in process
    assert report["errors"] == []


def test_an_issued_diploma_and_a_vc_jwt_are_valid(service: Service) -> None:
    diploma = issue_diploma(service, school(service))
    status, report = verify(service, diploma["verifiableCredential"])
    assert status == 200, checks(report)
    assert report["credential"]["major"]["code"] == "510201"
    token = issue_x(service, evaluation_org(service), fmt="jwt")["verifiableCredential"]
    assert isinstance(token, str)
    status, report = verify(service, token)
    assert status == 200, checks(report)
    assert report["format"] == "jwt"


def test_revoked_then_reissued(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    url = f"/orgs/{org.slug}/credentials/{record['id']}"
    revoked = service.client.post(f"{url}/revoke", json=REVOKE, headers=org.headers)
    assert revoked.status_code == 200, revoked.text
    status, report = verify(service, record["verifiableCredential"])
    assert (status, report["verdict"]) == (400, "invalid")
    assert checks(report)["status"] == "failed"
    assert note(report, "status") == "revoked by its issuer: misconduct"
    assert "考核作弊" not in str(report)  # the private reason stays private

    other = issue_x(service, org, number="2024110101020346")
    reissued = service.client.post(
        f"/orgs/{org.slug}/credentials/{other['id']}/reissue",
        json={"credits": 3},
        headers=org.headers,
    )
    assert reissued.status_code == 201, reissued.text
    successor = reissued.json()
    status, report = verify(service, other["verifiableCredential"])
    assert status == 400
    assert f"superseded by {successor['id']}" in note(report, "status")
    assert report["credential"]["status"]["supersededBy"] == successor["id"]
    status, report = verify(service, successor["verifiableCredential"])
    assert status == 200, checks(report)
    assert report["credential"]["replaces"] == other["id"]


def test_suspended_then_unsuspended(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    url = f"/orgs/{org.slug}/credentials/{record['id']}"
    assert service.client.post(f"{url}/suspend", json=SUSPEND, headers=org.headers).is_success
    status, report = verify(service, record["verifiableCredential"])
    assert status == 400
    assert note(report, "status") == "suspended by its issuer"
    lift = {"reasonCode": "cleared", "reason": "inspection found nothing"}
    assert service.client.post(f"{url}/unsuspend", json=lift, headers=org.headers).is_success
    status, report = verify(service, record["verifiableCredential"])
    assert status == 200, checks(report)


def test_a_credential_outside_the_accreditation_scope_is_refused(service: Service) -> None:
    org = create_org(service, "narrow")
    web = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
    accredit(service, org, {"skillDomains": [web], "levels": ["junior"]})
    record = issue_x(service, org, level="junior")
    rogue = dict(record["verifiableCredential"])
    rogue["credentialSubject"] = {
        **rogue["credentialSubject"],
        "achievement": {**rogue["credentialSubject"]["achievement"], "skillLevel": "senior"},
    }
    status, report = verify(service, sign_as(service, org.slug, rogue))
    assert (status, report["verdict"]) == (400, "invalid")
    assert checks(report)["proof"] == "passed"
    assert checks(report)["issuer-accredited"] == "failed"
    assert "level 'senior' is outside the scope (only junior)" in note(report, "issuer-accredited")


def test_a_credential_outside_the_accreditation_period_is_refused(service: Service) -> None:
    org = create_org(service, "shortlived")
    web = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
    scope = {"skillDomains": [web], "levels": ["intermediate"]}
    accredit(service, org, scope, valid_until="2026-12-31T00:00:00Z")
    earlier = issue_x(service, org)
    service.clock.advance(days=60)
    late = dict(earlier["verifiableCredential"])
    late["validFrom"] = "2027-01-27T09:00:00Z"
    status, report = verify(service, sign_as(service, org.slug, late))
    assert status == 400
    assert "the accreditation expired 2026-12-31" in note(report, "issuer-accredited")
    status, report = verify(service, earlier["verifiableCredential"])
    assert status == 200, checks(report)  # issued while it was accredited


def test_an_accreditation_suspended_later_leaves_earlier_credentials_valid(
    service: Service,
) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    assert verify(service, record["verifiableCredential"])[0] == 200
    service.clock.advance(days=1)
    suspended = service.client.post(
        "/admin/accreditations/1/suspend",
        json={"reason": "抽查不合格 / failed inspection"},
        headers=service.as_supervisor(),
    )
    assert suspended.status_code == 200, suspended.text
    assert verify(service, record["verifiableCredential"])[0] == 200
    service.clock.advance(days=1)
    after = dict(record["verifiableCredential"])
    after["validFrom"] = "2026-11-30T09:00:00Z"
    status, report = verify(service, sign_as(service, org.slug, after))
    assert status == 400
    assert (
        "the accreditation was suspended at validFrom 2026-11-30T09:00:00Z (since 2026-11-29"
        in (note(report, "issuer-accredited"))
    )


def test_a_lifted_suspension_still_covers_the_moments_it_held(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    admin = "/admin/accreditations/1"
    for days, action, reason in (
        (1, "suspend", "抽查中 / inspection"),
        (2, "reinstate", "cleared"),
    ):
        service.clock.advance(days=days)
        changed = service.client.post(
            f"{admin}/{action}", json={"reason": reason}, headers=service.as_supervisor()
        )
        assert changed.status_code == 200, changed.text
    # suspended 2026-11-29T09:00Z – 2026-12-01T09:00Z, active again since
    entry = service.client.get(f"/registry/{org.slug}").json()["organization"]
    history = entry["accreditations"][0]["history"]
    assert [(h["status"], h["at"][:10]) for h in history] == [
        ("suspended", "2026-11-29"),
        ("active", "2026-12-01"),
    ]
    service.clock.advance(days=1)
    outcomes = {}
    for valid_from in ("2026-11-28T09:00:00Z", "2026-11-30T09:00:00Z", "2026-12-01T10:00:00Z"):
        document = dict(record["verifiableCredential"], validFrom=valid_from)
        status, report = verify(service, sign_as(service, org.slug, document))
        outcomes[valid_from] = (status, checks(report)["issuer-accredited"])
    assert outcomes == {
        "2026-11-28T09:00:00Z": (200, "passed"),
        "2026-11-30T09:00:00Z": (400, "failed"),
        "2026-12-01T10:00:00Z": (200, "passed"),
    }


def test_a_retired_key_is_refused_after_its_retirement(service: Service) -> None:
    org = evaluation_org(service)
    before = issue_x(service, org)
    service.clock.advance(days=1)
    rotated = service.client.post(f"/orgs/{org.slug}/keys/rotate", headers=org.headers)
    assert rotated.status_code == 201, rotated.text
    status, report = verify(service, before["verifiableCredential"])
    assert status == 200, checks(report)  # signed before the rotation
    service.clock.advance(days=1)
    late = dict(before["verifiableCredential"])
    late["validFrom"] = "2026-11-30T09:00:00Z"
    status, report = verify(service, sign_as(service, org.slug, late, fragment="key-1"))
    assert (status, report["verdict"]) == (400, "invalid")
    assert checks(report)["key-active"] == "failed"
    assert "key-1 was retired 2026-11-29" in note(report, "key-active")
    status, report = verify(service, sign_as(service, org.slug, late))
    assert status == 200, checks(report)  # the same, signed with the new key


def _elsewhere(credential: dict[str, Any], host: str) -> dict[str, Any]:
    moved = dict(credential)
    moved["credentialStatus"] = [
        {
            **entry,
            "id": f"https://{host}/lists/{entry['statusPurpose']}#5",
            "statusListCredential": f"https://{host}/lists/{entry['statusPurpose']}",
        }
        for entry in credential["credentialStatus"]
    ]
    return moved


def test_a_status_list_on_an_untrusted_host_is_undetermined(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    moved = _elsewhere(record["verifiableCredential"], "lists.elsewhere.example")
    status, report = verify(service, sign_as(service, org.slug, moved))
    assert (status, report["verdict"], report["verified"]) == (422, "undetermined", False)
    assert checks(report)["status"] == "undetermined"
    assert "not in the trust registry" in note(report, "status")


def test_an_unreachable_status_list_is_undetermined_never_valid(service: Service) -> None:
    from dataclasses import replace

    from service.wiring_verifier import build_verifier

    settings = service.app.state.settings.model_copy(
        update={
            "verifier_trusted_hosts": ["lists.mirror.example"],
            "verifier_allow_private_hosts": True,  # no DNS look-up in a test
        }
    )
    client = StaticClient()
    sessions = service.app.state.issuer.sessions
    verifier = build_verifier(settings, sessions, service.clock, client=client)
    context = service.app.state.verifier
    service.app.state.verifier = replace(context, verifier=verifier)
    org = evaluation_org(service)
    record = issue_x(service, org)
    moved = _elsewhere(record["verifiableCredential"], "lists.mirror.example")
    status, report = verify(service, sign_as(service, org.slug, moved))
    assert (status, report["verdict"]) == (422, "undetermined")
    assert "connection refused" in note(report, "status")
    assert client.requested == [
        "https://lists.mirror.example/lists/revocation",
        "https://lists.mirror.example/lists/suspension",
    ]


def test_an_unknown_issuer_is_refused(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    document = dict(record["verifiableCredential"])
    document["issuer"] = {**document["issuer"], "id": "did:web:127.0.0.1%3A8000:orgs:ghost"}
    status, report = verify(service, document)
    assert status == 400
    assert checks(report)["proof"] == "failed"


def test_a_bit_set_straight_in_the_database_is_seen_at_once(service: Service) -> None:
    from issuer.models import IssuedCredential
    from issuer.status import set_status
    from service.db import create_session_factory

    org = evaluation_org(service)
    record = issue_x(service, org)
    assert verify(service, record["verifiableCredential"])[0] == 200  # now cached in process
    with create_session_factory(service.engine)() as session:
        row = session.get(IssuedCredential, record["id"])
        assert row is not None
        set_status(session, row.revocation_list_id, row.revocation_index, True, now=service.clock())
        session.commit()
    status, report = verify(service, record["verifiableCredential"])
    assert (status, checks(report)["status"]) == (400, "failed")


def test_a_database_that_cannot_be_read_makes_everything_undetermined(
    service: Service, tmp_path: Any
) -> None:
    from dataclasses import replace

    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from service.wiring_verifier import build_verifier

    record = issue_x(service, evaluation_org(service))
    missing = create_engine(f"sqlite:///file:{tmp_path}/absent/onex.db?mode=ro&uri=true")
    state = service.app.state
    verifier = build_verifier(
        state.settings, state.issuer.sessions, service.clock, readers=sessionmaker(missing)
    )
    state.verifier = replace(state.verifier, verifier=verifier)
    status, report = verify(service, record["verifiableCredential"])
    assert (status, report["verdict"]) == (422, "undetermined")
    assert checks(report)["proof"] == "undetermined"
    assert "cannot be resolved now" in note(report, "proof")
    missing.dispose()
