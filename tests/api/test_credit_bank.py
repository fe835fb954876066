"""The credit bank (学分银行) on the real app and database: schools' rules, a learner's deposits
and evaluation, applications, approval as a signed OB 3.0 record that the verifier accepts,
flags when an outcome is revoked or suspended, and every refusal (problem details, nothing
written)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import AuditEntry, CreditConversion, CreditRule, IssuedCredential
from tests.support.credit_bank import (
    BIG_DATA,
    LONG_AGO,
    NOW,
    create_rule,
    deposit,
    evaluation_org_since,
    issue_into_wallet,
    recognize,
    rule_body,
    school_since,
)
from tests.support.orgs import Org
from tests.support.service import Service
from tests.support.wallet import LearnerAccount, register
from vc.digest import digest_sri
from verifier.pipeline import CheckOptions
from wallet_api.models import CreditApplication, CreditDeposit

PROBLEM = "application/problem+json"
REVOKE = {"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"}
SUSPEND = {"reasonCode": "under-investigation", "reason": "inspection pending"}

# The learner's certificates: name → (issued at, skill domain, level). "boundary" is issued
# exactly three years before NOW (counts for a 3-year rule); "old" one second earlier than
# three years plus a day (does not).
CERTIFICATES: dict[str, tuple[datetime, dict[str, str] | None, str]] = {
    "junior-new": (datetime(2026, 10, 1, tzinfo=UTC), None, "junior"),
    "mid-boundary": (datetime(2023, 11, 28, 9, 0, tzinfo=UTC), None, "intermediate"),
    "senior-old": (datetime(2023, 11, 27, 9, 0, tzinfo=UTC), None, "senior"),
    "bigdata-senior": (datetime(2025, 6, 1, tzinfo=UTC), BIG_DATA, "senior"),
}

# Rules (course → body) and which certificates each must use (empty: does not apply).
RULES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("C01", rule_body("C01", min_level="intermediate", credits=4, years=3), {"mid-boundary"}),
    ("C02", rule_body("C02", min_level="senior", credits=None, exemption=True, years=3), set()),
    (
        "C03",
        rule_body("C03", min_level="senior", credits=2, exemption=True, years=4),
        {"senior-old"},
    ),
    (
        "C04",
        rule_body("C04", min_level="junior", credits=1, years=3),
        {"junior-new", "mid-boundary"},
    ),
    ("C05", rule_body("C05", min_level="junior", credits=1, years=2), {"junior-new"}),
    (
        "C06",
        rule_body("C06", domain=BIG_DATA["code"], min_level="senior", credits=3, years=1),
        set(),
    ),
    (
        "C07",
        rule_body("C07", domain=BIG_DATA["code"], min_level="senior", credits=3, years=2),
        {"bigdata-senior"},
    ),
    ("C08", rule_body("C08", kind="diploma", credits=6, years=10), set()),
]


@dataclass
class World:
    evaluator: Org
    school: Org
    learner: LearnerAccount
    entries: dict[str, dict[str, Any]]
    rules: dict[str, dict[str, Any]]

    def credential_id(self, name: str) -> str:
        return str(self.entries[name]["credentialId"])


# The supervisor's catalogue: (skill domain, level) → credits. Web front-end junior,
# intermediate and senior and big-data senior are recognized; big-data junior is not.
CATALOGUE: dict[tuple[str, str], float] = {
    ("0402", "junior"): 1,
    ("0402", "intermediate"): 2,
    ("0402", "senior"): 3,
    (BIG_DATA["code"], "senior"): 5,
}
TOTAL_CREDITS = 1 + 2 + 3 + 5  # junior-new, mid-boundary, senior-old, bigdata-senior


def _world(service: Service) -> World:
    service.clock.now = LONG_AGO
    evaluator = evaluation_org_since(service)
    school = school_since(service)
    service.clock.now = NOW
    for (domain, level), credits in CATALOGUE.items():
        recognize(service, domain=domain, level=level, credits=credits)
    recognize(service, education_level="higher-vocational", credits=30)
    learner = register(service, "li.xiaoming")
    entries = {}
    for i, (name, (at, domain, level)) in enumerate(CERTIFICATES.items()):
        entries[name] = issue_into_wallet(
            service,
            evaluator,
            learner,
            at=at,
            level=level,
            number=f"20241101010203{i:02d}",
            domain=domain,
        )
        response = deposit(service, learner, entries[name]["id"])
        assert response.status_code == 201, response.text
    rules = {course: create_rule(service, school, body) for course, body, _ in RULES}
    return World(evaluator, school, learner, entries, rules)


def _count(service: Service, model: Any) -> int:
    with Session(service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _snapshot(service: Service) -> tuple[int, ...]:
    models = (CreditRule, CreditConversion, AuditEntry, CreditDeposit, CreditApplication)
    return tuple(_count(service, model) for model in models)


def _evaluation(service: Service, world: World) -> dict[str, dict[str, Any]]:
    response = service.client.get(
        "/wallet/credit-bank/evaluation",
        params={"school": world.school.slug, "major": "510201"},
        headers=world.learner.headers,
    )
    assert response.status_code == 200, response.text
    return {f["rule"]["course"]["code"]: f for f in response.json()["findings"]}


def _apply(service: Service, world: World, course: str) -> Any:
    return service.client.post(
        "/wallet/credit-bank/applications",
        json={"school": world.school.slug, "ruleId": world.rules[course]["id"]},
        headers=world.learner.headers,
    )


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


# --- rules applied to the learner's certificates ------------------------------------------------


def test_rules_give_exactly_the_expected_credits_and_exemptions(service: Service) -> None:
    world = _world(service)
    findings = _evaluation(service, world)
    assert set(findings) == {course for course, _, _ in RULES}
    for course, _, expected in RULES:
        finding = findings[course]
        used = {world.credential_id(name) for name in expected}
        assert finding["applies"] is bool(expected), (course, finding)
        assert set(finding["outcomes"]) == used, course
        if not expected:
            assert finding["reasons"], course
    credits = sum(
        findings[c]["rule"]["credits"] or 0 for c, _, e in RULES if e and findings[c]["applies"]
    )
    exemptions = sorted(c for c, _, e in RULES if e and findings[c]["rule"]["exemption"])
    assert credits == 4 + 2 + 1 + 1 + 3
    assert exemptions == ["C03"]
    # why not, in words: the level and the period boundaries
    assert any("below the rule's minimum" in r for r in findings["C02"]["reasons"])
    assert any("more than 3 years" in r for r in findings["C02"]["reasons"])
    assert any("more than 1 years" in r for r in findings["C06"]["reasons"])
    # and in Chinese, one for one
    for finding in findings.values():
        assert len(finding["reasonsZh"]) == len(finding["reasons"])
    assert any("低于规则要求的最低等级高级" in r for r in findings["C02"]["reasonsZh"])
    assert any("超过规则要求的 1 年有效期" in r for r in findings["C06"]["reasonsZh"])


def test_the_period_boundary_moves_with_the_clock(service: Service) -> None:
    world = _world(service)
    service.clock.advance(seconds=1)  # "mid-boundary" is now 3 years and 1 s old
    findings = _evaluation(service, world)
    assert findings["C01"]["applies"] is False
    assert set(findings["C04"]["outcomes"]) == {world.credential_id("junior-new")}


def test_account_lists_deposits_and_accumulated_credits(service: Service) -> None:
    world = _world(service)
    response = service.client.get("/wallet/credit-bank", headers=world.learner.headers)
    assert response.status_code == 200, response.text
    account = response.json()
    # the catalogue's values count, not the certificates' own creditsEarned (4 each)
    assert account["totalCredits"] == TOTAL_CREDITS
    for item in account["deposits"]:
        name, entry = next((n, e) for n, e in world.entries.items() if e["id"] == item["entryId"])
        assert item["digestSri"] == digest_sri(entry["verifiableCredential"])
        assert item["counting"] is True
        _, domain, level = CERTIFICATES[name]
        key = ((domain or {}).get("code", "0402"), level)
        assert item["credits"] == CATALOGUE[key] == item["recognizedAs"]["credits"]


def test_published_rules_are_public_json(service: Service) -> None:
    world = _world(service)
    response = service.client.get(f"/orgs/{world.school.slug}/credit-rules")
    assert response.status_code == 200
    rules = response.json()["rules"]
    assert [r["course"]["code"] for r in rules] == [course for course, _, _ in RULES]
    one = service.client.get(f"/orgs/{world.school.slug}/credit-rules/{rules[0]['id']}")
    assert one.json()["source"] == {
        "kind": "x-certificate",
        "skillDomainCode": "0402",
        "minLevel": "intermediate",
    }
    _problem(service.client.get(f"/orgs/{world.school.slug}/credit-rules/rule-nope"), 404)


# --- conversion: apply, approve, verify, flag ---------------------------------------------------


def _approved(service: Service, world: World, course: str) -> dict[str, Any]:
    applied = _apply(service, world, course)
    assert applied.status_code == 201, applied.text
    conversion_id = applied.json()["conversion"]["id"]
    assert applied.json()["conversion"]["state"] == "pending"
    approved = service.client.post(
        f"/orgs/{world.school.slug}/conversions/{conversion_id}/approve",
        headers=world.school.headers,
    )
    assert approved.status_code == 200, approved.text
    application: dict[str, Any] = applied.json()
    return application


def _application(service: Service, world: World, application_id: str) -> dict[str, Any]:
    response = service.client.get(
        f"/wallet/credit-bank/applications/{application_id}", headers=world.learner.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_an_approved_conversion_is_a_credential_that_verifies(service: Service) -> None:
    world = _world(service)
    application = _approved(service, world, "C03")
    conversion = _application(service, world, application["id"])["conversion"]
    assert conversion["state"] == "approved" and conversion["flagged"] is False
    record = conversion["credential"]
    assert record["id"] == conversion["credentialId"]
    report = service.app.state.verifier.verifier.verify(record, CheckOptions())
    assert report.verdict == "valid", report
    subject = record["credentialSubject"]
    assert subject["id"] == world.learner.did
    assert subject["creditsEarned"] == 2
    assert subject["result"][0]["value"] == "exempt"
    assert subject["achievement"]["humanCode"] == "C03"
    assert subject["achievement"]["criteria"]["id"].endswith(world.rules["C03"]["id"])
    # the listed outcomes are the learner's real credentials, with their digests
    [evidence] = record["evidence"]
    entry = world.entries["senior-old"]
    assert evidence["id"] == entry["credentialId"]
    assert evidence["digestSRI"] == digest_sri(entry["verifiableCredential"])
    with Session(service.engine) as session:
        stored = session.get(IssuedCredential, evidence["id"])
        assert stored is not None and stored.learner_did == world.learner.did
    # the learner can keep the record in the wallet (imported: verified there too)
    kept = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": record},
        headers=world.learner.headers,
    )
    assert kept.status_code == 201, kept.text
    # the 1+X context is not used: it is released and has no credit-bank terms
    assert record["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]


@pytest.mark.parametrize(
    ("action", "body", "state"), [("revoke", REVOKE, "revoked"), ("suspend", SUSPEND, "suspended")]
)
def test_revoking_an_outcome_flags_the_conversion(
    service: Service, action: str, body: dict[str, str], state: str
) -> None:
    world = _world(service)
    application = _approved(service, world, "C01")
    used = world.credential_id("mid-boundary")
    response = service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{used}/{action}",
        json=body,
        headers=world.evaluator.headers,
    )
    assert response.status_code == 200, response.text
    seen_by_learner = _application(service, world, application["id"])["conversion"]
    assert seen_by_learner["flagged"] is True
    assert seen_by_learner["flags"] == [{"credentialId": used, "status": state}]
    conversion_id = seen_by_learner["id"]
    seen_by_school = service.client.get(
        f"/orgs/{world.school.slug}/conversions/{conversion_id}", headers=world.school.headers
    ).json()
    assert seen_by_school["flagged"] is True
    listed = service.client.get(
        f"/orgs/{world.school.slug}/conversions", headers=world.school.headers
    ).json()["conversions"]
    assert [c["flagged"] for c in listed] == [True]
    # the outcome no longer counts
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    assert account["totalCredits"] == TOTAL_CREDITS - CATALOGUE[("0402", "intermediate")]
    assert _evaluation(service, world)["C01"]["applies"] is False


def test_a_pending_conversion_with_a_revoked_outcome_cannot_be_approved(service: Service) -> None:
    world = _world(service)
    applied = _apply(service, world, "C01")
    conversion_id = applied.json()["conversion"]["id"]
    used = world.credential_id("mid-boundary")
    service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{used}/revoke",
        json=REVOKE,
        headers=world.evaluator.headers,
    )
    before = _snapshot(service)
    refused = service.client.post(
        f"/orgs/{world.school.slug}/conversions/{conversion_id}/approve",
        headers=world.school.headers,
    )
    assert "no longer count" in _problem(refused, 409)["detail"]
    assert _snapshot(service) == before


def test_rejection_carries_a_reason_to_the_learner(service: Service) -> None:
    world = _world(service)
    applied = _apply(service, world, "C05")
    conversion_id = applied.json()["conversion"]["id"]
    url = f"/orgs/{world.school.slug}/conversions/{conversion_id}"
    rejected = service.client.post(
        f"{url}/reject",
        json={"reason": "课程已修 / course already taken"},
        headers=world.school.headers,
    )
    assert rejected.status_code == 200, rejected.text
    seen = _application(service, world, applied.json()["id"])["conversion"]
    assert (seen["state"], seen["reason"]) == ("rejected", "课程已修 / course already taken")
    assert seen["credential"] is None
    again = service.client.post(f"{url}/approve", headers=world.school.headers)
    _problem(again, 409)


# --- refusals: problem details, nothing written ------------------------------------------------


def test_refusals_of_the_learner_write_nothing(service: Service) -> None:
    world = _world(service)
    other = register(service, "someone.else")
    before = _snapshot(service)
    entry_id = world.entries["junior-new"]["id"]
    # another learner's wallet entry; already deposited; unknown school; rule that does not apply
    _problem(deposit(service, other, entry_id), 404)
    _problem(deposit(service, world.learner, entry_id), 409)
    _problem(
        service.client.get(
            "/wallet/credit-bank/evaluation",
            params={"school": "nope"},
            headers=world.learner.headers,
        ),
        404,
    )
    refused = _problem(_apply(service, world, "C02"), 422)
    assert "does not apply" in refused["title"]
    _problem(
        service.client.post(
            "/wallet/credit-bank/applications",
            json={"school": world.school.slug, "ruleId": "rule-unknown"},
            headers=world.learner.headers,
        ),
        404,
    )
    # signed out
    _problem(service.client.get("/wallet/credit-bank"), 401)
    assert _snapshot(service) == before
    # another learner cannot see the learner's application
    applied = _apply(service, world, "C01").json()
    url = f"/wallet/credit-bank/applications/{applied['id']}"
    _problem(service.client.get(url, headers=other.headers), 404)
    listed = service.client.get("/wallet/credit-bank/applications", headers=other.headers)
    assert listed.json()["applications"] == []


def test_a_revoked_credential_cannot_be_deposited(service: Service) -> None:
    world = _world(service)
    entry = issue_into_wallet(
        service, world.evaluator, world.learner, at=NOW, level="senior", number="2024110101029999"
    )
    revoked = service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{entry['credentialId']}/revoke",
        json=REVOKE,
        headers=world.evaluator.headers,
    )
    assert revoked.status_code == 200
    before = _snapshot(service)
    assert "revoked" in _problem(deposit(service, world.learner, entry["id"]), 422)["detail"]
    assert _snapshot(service) == before


def test_refusals_of_schools_write_nothing(service: Service) -> None:
    world = _world(service)
    applied = _apply(service, world, "C01").json()
    conversion_id = applied["conversion"]["id"]
    other = school_since(service, "other-school")
    before = _snapshot(service)
    approve = f"/orgs/{world.school.slug}/conversions/{conversion_id}/approve"
    # another school's key on this school's conversion; another school's own URL; no key
    _problem(service.client.post(approve, headers=other.headers), 403)
    _problem(
        service.client.post(
            f"/orgs/{other.slug}/conversions/{conversion_id}/approve", headers=other.headers
        ),
        404,
    )
    _problem(service.client.post(approve), 401)
    _problem(
        service.client.get(f"/orgs/{world.school.slug}/conversions", headers=other.headers), 403
    )
    # rules: another school's slug, an evaluation organization, inconsistent rules
    body = rule_body("C99")
    rules = f"/orgs/{world.school.slug}/credit-rules"
    _problem(service.client.post(rules, json=body, headers=other.headers), 403)
    _problem(
        service.client.post(
            f"/orgs/{world.evaluator.slug}/credit-rules",
            json=body,
            headers=world.evaluator.headers,
        ),
        403,
    )
    no_level = rule_body("C99")
    del no_level["source"]["minLevel"]
    _problem(service.client.post(rules, json=no_level, headers=world.school.headers), 422)
    nothing = rule_body("C99", credits=None, exemption=False)
    _problem(service.client.post(rules, json=nothing, headers=world.school.headers), 422)
    _problem(
        service.client.post(
            f"/orgs/{world.school.slug}/conversions/{conversion_id}/reject",
            json={"reason": ""},
            headers=world.school.headers,
        ),
        422,
    )
    assert _snapshot(service) == before
    with Session(service.engine) as session:
        row = session.get(CreditConversion, conversion_id)
        assert row is not None and row.state == "pending"
