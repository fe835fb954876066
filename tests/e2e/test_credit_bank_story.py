"""The credit bank's user story in one test, on the real app and database: the supervisor
recognizes Web front-end certificates in the outcome catalogue → an evaluation organization
offers a certificate, the learner claims it and deposits it (counted at the catalogue's value)
→ the school declares a conversion rule → the learner sees it applies and applies → the
school approves: a signed conversion record that the VC-API verifies, kept in the wallet and
shared with the certificate by one QR code the employer scans → valid → the organization
revokes the certificate → the certificate stops counting, the conversion is flagged for the
school and the learner, and the employer's scan of the same QR code is now invalid."""

from __future__ import annotations

from typing import Any

from tests.support.credit_bank import create_rule, recognize, rule_body
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
from tests.support.verifier_service import verify
from tests.support.wallet import claim, create_grant, make_offer, register

CREDITS = {"junior": 2, "intermediate": 4, "senior": 6}


def _get(service: Service, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = service.client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_credit_bank_story(service: Service) -> None:
    # The supervisor recognizes every Web front-end level, each at its credit value.
    for level, credits in CREDITS.items():
        recognize(service, level=level, credits=credits)
    catalogue = service.client.get("/outcome-catalogue").json()["entries"]
    assert sorted(e["credits"] for e in catalogue) == sorted(CREDITS.values())

    # An evaluation organization offers a certificate; the learner claims and deposits it.
    org = accredited_evaluation_org(service)
    learner = register(service, "lixiaoming")
    entry = claim(service, learner, make_offer(service, org, "2024110101020345")["claimCode"])
    certificate = entry["verifiableCredential"]
    level = certificate["credentialSubject"]["achievement"]["skillLevel"]
    deposited = service.client.post(
        "/wallet/credit-bank/deposits", json={"entryId": entry["id"]}, headers=learner.headers
    )
    assert deposited.status_code == 201, deposited.text
    account = _get(service, "/wallet/credit-bank", learner.headers)
    assert account["totalCredits"] == CREDITS[level]

    # The school, accredited for its major, declares a rule; the learner sees that it applies.
    school = create_org(service, "bjit", kind="school")
    accredit(
        service, school, {"educationLevels": ["higher-vocational"], "majors": [SOFTWARE_MAJOR]}
    )
    rule = create_rule(
        service, school, rule_body("WEB101", min_level="junior", credits=3, exemption=True)
    )
    evaluation = _get(
        service,
        "/wallet/credit-bank/evaluation",
        learner.headers,
        school=school.slug,
        major=SOFTWARE_MAJOR["code"],
    )
    [finding] = evaluation["findings"]
    assert (finding["rule"]["id"], finding["applies"]) == (rule["id"], True)
    assert finding["outcomes"] == [certificate["id"]]

    # The learner applies; the school approves: a signed record the VC-API verifies.
    applied = service.client.post(
        "/wallet/credit-bank/applications",
        json={"school": school.slug, "ruleId": rule["id"]},
        headers=learner.headers,
    )
    assert applied.status_code == 201, applied.text
    conversion_id = applied.json()["conversion"]["id"]
    approved = service.client.post(
        f"/orgs/{school.slug}/conversions/{conversion_id}/approve", headers=school.headers
    )
    assert approved.status_code == 200, approved.text
    application = _get(
        service, f"/wallet/credit-bank/applications/{applied.json()['id']}", learner.headers
    )
    record = application["conversion"]["credential"]
    assert application["conversion"]["state"] == "approved"
    assert record["credentialSubject"]["creditsEarned"] == 3
    assert [e["id"] for e in record["evidence"]] == [certificate["id"]]
    status, report = verify(service, record)
    assert (status, report["verdict"]) == (200, "valid"), check_map(report)

    # The learner keeps the record and shares it with the certificate: the employer scans.
    kept = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": record},
        headers=learner.headers,
    )
    assert kept.status_code == 201, kept.text
    grant = create_grant(service, learner, [entry["id"], kept.json()["id"]], days=30)
    png = grant_qr_png(service, learner, grant)
    status, report = upload_png(service, png)
    assert (status, report["verdict"]) == (200, "valid"), check_map(report)
    assert set(statuses(report).values()) == {"passed"}

    # The organization revokes the certificate.
    service.clock.advance(minutes=5)
    revoked = service.client.post(
        f"/orgs/{org.slug}/credentials/{certificate['id']}/revoke", json=REVOKE, headers=org.headers
    )
    assert revoked.status_code == 200, revoked.text

    # It stops counting; the conversion is flagged for the learner and for the school.
    account = _get(service, "/wallet/credit-bank", learner.headers)
    assert (account["totalCredits"], account["deposits"][0]["status"]) == (0, "revoked")
    flags = [{"credentialId": certificate["id"], "status": "revoked"}]
    seen = _get(service, "/wallet/credit-bank/applications", learner.headers)["applications"]
    assert [(a["conversion"]["flagged"], a["conversion"]["flags"]) for a in seen] == [(True, flags)]
    by_school = _get(service, f"/orgs/{school.slug}/conversions/{conversion_id}", school.headers)
    assert (by_school["flagged"], by_school["flags"]) == (True, flags)
    evaluation = _get(
        service, "/wallet/credit-bank/evaluation", learner.headers, school=school.slug
    )
    assert evaluation["findings"][0]["applies"] is False

    # The employer scans the same QR code again: the certificate is revoked → invalid.
    status, report = upload_png(service, png)
    assert (status, report["verdict"]) == (400, "invalid")
    failed = {name for name, outcome in statuses(report).items() if outcome == "failed"}
    assert failed == {"verifiableCredential[0].status"}
