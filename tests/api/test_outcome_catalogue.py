"""The supervisor's outcome catalogue and the schools' rule life cycle, on the real app and
database: what the catalogue recognizes is what the credit bank counts, at the catalogue's
value; a rule needs an accredited major and a recognized source; a withdrawn rule stops new
applications and approvals; a deposit made twice at once is a 409; an application cut short
after the school's commit is not lost. Every refusal is problem details and writes nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import AuditEntry, CreditConversion, CreditRule, OutcomeEntry
from tests.support.credit_bank import (
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
from wallet_api.models import CreditApplication, CreditDeposit

PROBLEM = "application/problem+json"
CATALOGUE = "/admin/outcome-catalogue"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def _rows(service: Service) -> tuple[int, ...]:
    models = (OutcomeEntry, CreditRule, CreditConversion, AuditEntry, CreditDeposit)
    with Session(service.engine) as session:
        return tuple(int(session.scalar(select(func.count()).select_from(m)) or 0) for m in models)


def _entry_body(level: str = "senior", credits: float = 3, **outcome: Any) -> dict[str, Any]:
    return {
        "outcome": outcome or {"kind": "x-certificate", "skillDomainCode": "0402", "level": level},
        "nameZh": "Web前端开发职业技能等级证书",
        "nameEn": "Web front-end development skill certificate",
        "credits": credits,
    }


@dataclasses.dataclass
class World:
    evaluator: Org
    school: Org
    learner: LearnerAccount
    entry: dict[str, Any]
    senior: dict[str, Any]


def _world(service: Service) -> World:
    service.clock.now = LONG_AGO
    evaluator = evaluation_org_since(service)
    school = school_since(service)
    service.clock.now = NOW
    learner = register(service, "li.xiaoming")
    senior = recognize(service, level="senior", credits=3)
    entry = issue_into_wallet(
        service,
        evaluator,
        learner,
        at=datetime(2026, 6, 1, tzinfo=UTC),
        level="senior",
        number="2024110101020001",
    )
    return World(evaluator, school, learner, entry, senior)


# --- the catalogue -----------------------------------------------------------------------------


def test_the_catalogue_is_public_and_changes_only_by_a_supervisor(service: Service) -> None:
    world = _world(service)
    diploma = recognize(service, education_level="higher-vocational", major="510201", credits=30)
    listed = service.client.get("/outcome-catalogue").json()["entries"]
    assert {e["id"] for e in listed} == {world.senior["id"], diploma["id"]}
    assert service.client.get(f"/outcome-catalogue/{diploma['id']}").json()["outcome"] == {
        "kind": "diploma",
        "educationLevel": "higher-vocational",
        "majorCode": "510201",
    }
    before = _rows(service)
    # not a supervisor; a second entry for a recognized outcome; inconsistent entries
    _problem(service.client.post(CATALOGUE, json=_entry_body("junior")), 401)
    _problem(
        service.client.post(CATALOGUE, json=_entry_body("junior"), headers=world.school.headers),
        403,
    )
    conflict = service.client.post(
        CATALOGUE, json=_entry_body("senior"), headers=service.as_supervisor()
    )
    assert world.senior["id"] in _problem(conflict, 409)["detail"]
    for bad in (
        _entry_body(credits=0),
        _entry_body(kind="x-certificate", skillDomainCode="0402"),
        _entry_body(kind="diploma"),
        _entry_body(kind="diploma", educationLevel="higher-vocational", skillDomainCode="0402"),
        _entry_body(kind="x-certificate", skillDomainCode="0402", level="expert"),
    ):
        refused = service.client.post(CATALOGUE, json=bad, headers=service.as_supervisor())
        _problem(refused, 422)
    _problem(service.client.get("/outcome-catalogue/lo-nope"), 404)
    assert _rows(service) == before


def test_only_recognized_outcomes_are_deposited_and_they_count_at_the_catalogue_value(
    service: Service,
) -> None:
    world = _world(service)
    junior = issue_into_wallet(
        service, world.evaluator, world.learner, at=NOW, level="junior", number="2024110101020002"
    )
    before = _rows(service)
    refused = _problem(deposit(service, world.learner, junior["id"]), 422)
    assert "catalogue" in refused["detail"]
    assert _rows(service) == before
    made = deposit(service, world.learner, world.entry["id"])
    assert made.status_code == 201, made.text
    assert made.json()["recognizedAs"]["id"] == world.senior["id"]
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    assert account["totalCredits"] == 3  # the catalogue's value, not the certificate's own 4


def test_withdrawing_an_entry_stops_its_outcomes_counting(service: Service) -> None:
    world = _world(service)
    assert deposit(service, world.learner, world.entry["id"]).status_code == 201
    rule = create_rule(service, world.school, rule_body("C01", min_level="senior", credits=4))
    url = f"{CATALOGUE}/{world.senior['id']}/withdraw"
    withdrawn = service.client.post(url, headers=service.as_supervisor())
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawnAt"]
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    [item] = account["deposits"]
    assert (item["counting"], item["recognizedAs"], account["totalCredits"]) == (False, None, 0)
    evaluation = service.client.get(
        "/wallet/credit-bank/evaluation",
        params={"school": world.school.slug},
        headers=world.learner.headers,
    ).json()
    [finding] = evaluation["findings"]
    assert finding["rule"]["id"] == rule["id"] and finding["applies"] is False
    assert service.client.get("/outcome-catalogue").json()["entries"] == []
    kept = service.client.get("/outcome-catalogue", params={"includeWithdrawn": "true"})
    assert [e["id"] for e in kept.json()["entries"]] == [world.senior["id"]]
    before = _rows(service)
    _problem(service.client.post(url, headers=service.as_supervisor()), 409)
    _problem(
        service.client.post(f"{CATALOGUE}/lo-nope/withdraw", headers=service.as_supervisor()), 404
    )
    assert _rows(service) == before
    # the outcome can be recognized again, under a new entry
    again = recognize(service, level="senior", credits=2)
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    assert account["deposits"][0]["recognizedAs"]["id"] == again["id"]
    assert account["totalCredits"] == 2


# --- rules: accredited major, recognized source, withdrawal -------------------------------------


def test_a_rule_needs_an_accredited_major_and_a_recognized_source(service: Service) -> None:
    world = _world(service)
    rules = f"/orgs/{world.school.slug}/credit-rules"
    before = _rows(service)
    other_major = rule_body("C01", min_level="senior")
    other_major["major"]["code"] = "530701"
    refused = service.client.post(rules, json=other_major, headers=world.school.headers)
    assert "530701" in _problem(refused, 422)["detail"]
    # only senior is recognized: a junior-or-above rule is fine, a big-data rule is not
    unknown = rule_body("C02", domain="0501", min_level="junior")
    refused = service.client.post(rules, json=unknown, headers=world.school.headers)
    assert "catalogue" in _problem(refused, 422)["detail"]
    diploma = rule_body("C03", kind="diploma")
    _problem(service.client.post(rules, json=diploma, headers=world.school.headers), 422)
    assert _rows(service) == before
    create_rule(service, world.school, rule_body("C04", min_level="junior"))


def test_a_school_whose_accreditation_ended_cannot_declare_rules(service: Service) -> None:
    world = _world(service)
    detail = service.client.get(
        f"/admin/organizations/{world.school.slug}", headers=service.as_supervisor()
    ).json()
    accreditation_id = detail["accreditations"][0]["id"]
    ended = service.client.post(
        f"/admin/accreditations/{accreditation_id}/end",
        json={"reason": "school closed"},
        headers=service.as_supervisor(),
    )
    assert ended.status_code == 200, ended.text
    service.clock.advance(seconds=1)
    refused = service.client.post(
        f"/orgs/{world.school.slug}/credit-rules",
        json=rule_body("C01", min_level="senior"),
        headers=world.school.headers,
    )
    assert "none held now" in _problem(refused, 422)["detail"]


def test_a_withdrawn_rule_takes_no_application_or_approval(service: Service) -> None:
    world = _world(service)
    assert deposit(service, world.learner, world.entry["id"]).status_code == 201
    rule = create_rule(service, world.school, rule_body("C01", min_level="senior"))
    applied = service.client.post(
        "/wallet/credit-bank/applications",
        json={"school": world.school.slug, "ruleId": rule["id"]},
        headers=world.learner.headers,
    )
    assert applied.status_code == 201, applied.text
    conversion_id = applied.json()["conversion"]["id"]
    url = f"/orgs/{world.school.slug}/credit-rules/{rule['id']}"
    other = school_since(service, "other-school")
    before = _rows(service)
    _problem(service.client.post(f"{url}/withdraw", headers=other.headers), 403)
    _problem(service.client.post(f"{url}/withdraw"), 401)
    _problem(
        service.client.post(
            f"/orgs/{world.school.slug}/credit-rules/rule-nope/withdraw",
            headers=world.school.headers,
        ),
        404,
    )
    assert _rows(service) == before
    withdrawn = service.client.post(f"{url}/withdraw", headers=world.school.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawnAt"] == NOW.isoformat().replace("+00:00", "Z")
    # still readable (records point at it); no longer listed; no application; no approval
    assert service.client.get(url).json()["withdrawnAt"] == withdrawn.json()["withdrawnAt"]
    listed = service.client.get(f"/orgs/{world.school.slug}/credit-rules").json()["rules"]
    assert listed == []
    before = _rows(service)
    _problem(service.client.post(f"{url}/withdraw", headers=world.school.headers), 409)
    _problem(
        service.client.post(
            "/wallet/credit-bank/applications",
            json={"school": world.school.slug, "ruleId": rule["id"]},
            headers=world.learner.headers,
        ),
        404,
    )
    approve = f"/orgs/{world.school.slug}/conversions/{conversion_id}/approve"
    refused = service.client.post(approve, headers=world.school.headers)
    assert "no longer in force" in _problem(refused, 409)["detail"]
    assert _rows(service) == before


# --- concurrency and crash safety of the wallet's side -------------------------------------------


class _DepositsMeanwhile:
    """The issuer's status look-up, during which another request deposits the same
    credential and commits (what a concurrent request does between the check and the insert)."""

    def __init__(self, inner: Any, service: Service, learner_did: str) -> None:
        self.inner, self.service, self.learner_did = inner, service, learner_did

    def status(self, credential_id: str) -> Any:
        from wallet_api.models import Learner

        with Session(self.service.engine) as session:
            learner = session.scalar(select(Learner).where(Learner.did == self.learner_did))
            assert learner is not None
            session.add(
                CreditDeposit(
                    id="cd_concurrent",
                    learner_id=learner.id,
                    entry_id="wc_other",
                    credential_id=credential_id,
                    digest_sri="sha256-x",
                    deposited_at=NOW,
                )
            )
            session.commit()
        return self.inner.status(credential_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_deposit_raced_by_another_is_a_409_not_a_500(service: Service) -> None:
    world = _world(service)
    wallet = service.app.state.wallet
    service.app.state.wallet = dataclasses.replace(
        wallet, statuses=_DepositsMeanwhile(wallet.statuses, service, world.learner.did)
    )
    try:
        raced = deposit(service, world.learner, world.entry["id"])
    finally:
        service.app.state.wallet = wallet
    assert "already deposited" in _problem(raced, 409)["detail"]
    with Session(service.engine) as session:
        ids = session.scalars(select(CreditDeposit.id)).all()
    assert ids == ["cd_concurrent"]


def test_an_application_cut_short_after_the_schools_commit_is_not_lost(
    service: Service,
) -> None:
    world = _world(service)
    made = deposit(service, world.learner, world.entry["id"])
    rule = create_rule(service, world.school, rule_body("C01", min_level="senior"))
    # the school records the conversion; the process dies before the wallet's own row
    port = service.app.state.wallet_credit_bank
    conversion = port.apply(
        world.school.slug,
        rule["id"],
        world.learner.did,
        [(made.json()["credentialId"], made.json()["digestSri"])],
    )
    listed = service.client.get("/wallet/credit-bank/applications", headers=world.learner.headers)
    assert listed.status_code == 200, listed.text
    [application] = listed.json()["applications"]
    assert application["conversion"]["id"] == conversion["id"]
    assert application["ruleId"] == rule["id"]
    again = service.client.get("/wallet/credit-bank/applications", headers=world.learner.headers)
    assert again.json()["applications"] == [application]  # adopted once
    with Session(service.engine) as session:
        assert session.scalar(select(func.count()).select_from(CreditApplication)) == 1


def test_deposit_all_takes_every_valid_outcome_and_says_why_not_for_the_rest(
    service: Service,
) -> None:
    world = _world(service)
    junior = issue_into_wallet(
        service, world.evaluator, world.learner, at=NOW, level="junior", number="2024110101020003"
    )
    revoked = issue_into_wallet(
        service, world.evaluator, world.learner, at=NOW, level="senior", number="2024110101020004"
    )
    response = service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{revoked['credentialId']}/revoke",
        json={"reasonCode": "misconduct", "reason": "cheating confirmed"},
        headers=world.evaluator.headers,
    )
    assert response.status_code == 200, response.text
    url = "/wallet/credit-bank/deposits/all"
    first = service.client.post(url, headers=world.learner.headers)
    assert first.status_code == 200, first.text
    assert [d["entryId"] for d in first.json()["deposited"]] == [world.entry["id"]]
    reasons = {s["entryId"]: s["reason"] for s in first.json()["skipped"]}
    assert set(reasons) == {junior["id"], revoked["id"]}
    assert "catalogue" in reasons[junior["id"]] and "revoked" in reasons[revoked["id"]]
    before = _rows(service)
    again = service.client.post(url, headers=world.learner.headers).json()
    assert again["deposited"] == [] and len(again["skipped"]) == 2
    assert _rows(service) == before
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    assert account["totalCredits"] == 3
    _problem(service.client.post(url), 401)


def test_the_wallet_list_agrees_with_the_credit_bank_at_once(service: Service) -> None:
    world = _world(service)
    assert deposit(service, world.learner, world.entry["id"]).status_code == 201
    listed = service.client.get("/wallet/credentials", headers=world.learner.headers).json()
    assert [i["status"] for i in listed["items"]] == ["active"]  # checked just now
    suspended = service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{world.entry['credentialId']}/suspend",
        json={"reasonCode": "under-investigation", "reason": "inspection pending"},
        headers=world.evaluator.headers,
    )
    assert suspended.status_code == 200, suspended.text
    account = service.client.get("/wallet/credit-bank", headers=world.learner.headers).json()
    assert account["deposits"][0]["status"] == "suspended"
    listed = service.client.get("/wallet/credentials", headers=world.learner.headers).json()
    assert [i["status"] for i in listed["items"]] == ["suspended"]
