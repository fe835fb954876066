"""The wallet page's credit bank (学分银行) in Chromium: a learner deposits an X certificate and
sees the catalogue's credits as the total, evaluates a school's rules (one applies, one does
not and says why), applies, sees the school's decisions (approved, rejected with its reason)
and keeps the signed record in the wallet; a refused deposit shows the server's detail and
writes nothing; a revoked outcome is marked as not counting and its conversion as flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.browser.conftest import Live
from tests.support.credit_bank import (
    BIG_DATA,
    LONG_AGO,
    NOW,
    create_rule,
    evaluation_org_since,
    issue_into_wallet,
    recognize,
    rule_body,
    school_since,
)
from tests.support.orgs import Org
from tests.support.wallet import PASSWORD, LearnerAccount, register
from wallet_api.models import CreditDeposit

PHONE = {"width": 390, "height": 844}
CATALOGUE_CREDITS = 2.5
REJECTION = "课程已修完 / course already passed"


@dataclass
class World:
    evaluator: Org
    school: Org
    learner: LearnerAccount
    web: dict[str, Any]  # the recognized intermediate Web front-end certificate (wallet entry)
    big_data: dict[str, Any]  # a junior big-data certificate the catalogue does not recognize
    rules: dict[str, dict[str, Any]]  # course → rule


def _world(live: Live) -> World:
    service = live.service
    service.clock.now = LONG_AGO
    evaluator, school = evaluation_org_since(service), school_since(service)
    service.clock.now = NOW
    recognize(service, level="intermediate", credits=CATALOGUE_CREDITS)
    for level in ("junior", "senior"):  # rules need recognized sources; not deposited here
        recognize(service, level=level, credits=1)
    learner = register(service, "li.xiaoming")
    at = datetime(2026, 10, 1, tzinfo=UTC)
    web = issue_into_wallet(
        service, evaluator, learner, at=at, level="intermediate", number="2024110101020301"
    )
    big_data = issue_into_wallet(
        service,
        evaluator,
        learner,
        at=at,
        level="junior",
        number="2024110101020302",
        domain=BIG_DATA,
    )
    rules = {
        "C01": create_rule(service, school, rule_body("C01", min_level="intermediate", credits=4)),
        "C02": create_rule(service, school, rule_body("C02", min_level="senior", credits=3)),
        "C04": create_rule(service, school, rule_body("C04", min_level="junior", credits=1)),
    }
    return World(evaluator, school, learner, web, big_data, rules)


def _deposits(live: Live) -> int:
    with Session(live.service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(CreditDeposit)) or 0)


def _sign_in(page: Any, live: Live, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live.url}/wallet?lang=en")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#signin")
    expect(page.locator("#list-view")).to_be_visible()


def _conversion_ids(live: Live, world: World) -> dict[str, str]:
    """Course code → the conversion id of the learner's application, through the API."""
    response = live.service.client.get(
        "/wallet/credit-bank/applications", headers=world.learner.headers
    )
    assert response.status_code == 200, response.text
    return {
        a["conversion"]["rule"]["course"]["code"]: a["conversion"]["id"]
        for a in response.json()["applications"]
    }


def test_deposit_evaluate_apply_and_keep_the_approved_record(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    world = _world(live)
    page = launch()
    page.set_viewport_size(PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live, world.learner.username)
    assert page.locator("#credit-title").inner_text() == "Credit bank"
    web = page.locator(f"#credentials li[data-id='{world.web['id']}']")
    big_data = page.locator(f"#credentials li[data-id='{world.big_data['id']}']")
    expect(page.locator("#no-deposits")).to_be_visible()
    expect(page.locator("#credit-total")).to_have_text("0")

    # refused: the catalogue does not recognize junior big data; the detail is shown
    big_data.get_by_role("button", name="Deposit").click()
    message = page.locator("#message")
    expect(message).to_contain_text(
        f"credential '{world.big_data['credentialId']}' is not a learning outcome "
        "the outcome catalogue recognizes"
    )
    assert _deposits(live) == 0
    expect(big_data.get_by_role("button", name="Deposit")).to_be_visible()

    web.get_by_role("button", name="Deposit").click()
    deposit = page.locator(f"#deposits li[data-entry='{world.web['id']}']")
    expect(deposit).to_have_attribute("data-counting", "true")
    expect(message).to_have_text("Deposited in the credit bank.")
    expect(page.locator("#credit-total")).to_have_text(f"{CATALOGUE_CREDITS:g}")
    expect(deposit).to_contain_text("Web Front-End Development")  # the wallet's own name
    expect(deposit).to_contain_text("Counts")
    expect(deposit).to_contain_text(f"{CATALOGUE_CREDITS:g} credits")
    expect(page.locator("#no-deposits")).to_be_hidden()
    expect(web.locator(".in-bank")).to_have_text("In the credit bank")
    expect(web.get_by_role("button", name="Deposit")).to_have_count(0)
    assert _deposits(live) == 1

    # evaluate the school: C01 and C04 apply (with the deposited certificate), C02 does not
    page.fill("#eval-school", world.school.slug)
    page.fill("#eval-major", "510201")
    page.click("#evaluate")
    c01 = page.locator(f"#findings li[data-rule='{world.rules['C01']['id']}']")
    c02 = page.locator(f"#findings li[data-rule='{world.rules['C02']['id']}']")
    expect(c01.locator(".badge")).to_have_text("Applies")
    expect(c01).to_contain_text("Course C01")
    expect(c01.locator(".uses")).to_contain_text("Web Front-End Development")
    expect(c02.locator(".badge")).to_have_text("Does not apply")
    expect(c02.locator(".reasons")).to_contain_text("below the rule's minimum")
    expect(c02.get_by_role("button", name="Apply")).to_have_count(0)

    c01.get_by_role("button", name="Apply").click()
    expect(c01.locator(".applied")).to_have_text("Applied")
    expect(message).to_have_text("Application sent; the school will decide.")
    c04 = page.locator(f"#findings li[data-rule='{world.rules['C04']['id']}']")
    c04.get_by_role("button", name="Apply").click()
    expect(c04.locator(".applied")).to_have_text("Applied")
    applications = page.locator("#applications li")
    expect(applications).to_have_count(2)
    expect(page.locator("#applications li[data-state=pending]")).to_have_count(2)

    # the school decides through its API; the learner refreshes
    ids = _conversion_ids(live, world)
    school, base = world.school, f"/orgs/{world.school.slug}/conversions"
    approved = live.service.client.post(f"{base}/{ids['C01']}/approve", headers=school.headers)
    assert approved.status_code == 200, approved.text
    rejected = live.service.client.post(
        f"{base}/{ids['C04']}/reject", json={"reason": REJECTION}, headers=school.headers
    )
    assert rejected.status_code == 200, rejected.text
    page.click("#refresh-applications")
    approved_item = page.locator("#applications li[data-state=approved]")
    rejected_item = page.locator("#applications li[data-state=rejected]")
    expect(approved_item).to_contain_text("Course C01")
    expect(approved_item.locator(".badge")).to_have_text("Approved")
    expect(rejected_item).to_contain_text("Course C04")
    expect(rejected_item.locator(".why")).to_have_text("Reason: " + REJECTION)
    expect(rejected_item.get_by_role("button")).to_have_count(0)

    # keep the signed record in the wallet
    record_id = approved.json()["credential"]["id"]
    approved_item.get_by_role("button", name="Keep the record in my wallet").click()
    expect(approved_item.locator(".kept")).to_have_text("The record is in your wallet")
    expect(page.locator("#credentials li")).to_have_count(3)
    listed = live.service.client.get("/wallet/credentials", headers=world.learner.headers)
    assert record_id in {item["credentialId"] for item in listed.json()["items"]}
    assert errors == []


def test_a_revoked_deposit_does_not_count_and_its_conversion_is_flagged(
    live: Live, launch: Any
) -> None:
    from playwright.sync_api import expect

    world = _world(live)
    service = live.service
    made = service.client.post(
        "/wallet/credit-bank/deposits",
        json={"entryId": world.web["id"]},
        headers=world.learner.headers,
    )
    assert made.status_code == 201, made.text
    applied = service.client.post(
        "/wallet/credit-bank/applications",
        json={"school": world.school.slug, "ruleId": world.rules["C01"]["id"]},
        headers=world.learner.headers,
    )
    assert applied.status_code == 201, applied.text
    revoked = service.client.post(
        f"/orgs/{world.evaluator.slug}/credentials/{world.web['credentialId']}/revoke",
        json={"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"},
        headers=world.evaluator.headers,
    )
    assert revoked.status_code == 200, revoked.text
    page = launch()
    page.set_viewport_size(PHONE)
    _sign_in(page, live, world.learner.username)
    deposit = page.locator(f"#deposits li[data-entry='{world.web['id']}']")
    expect(deposit).to_have_attribute("data-counting", "false")
    expect(deposit).to_have_class("deposit not-counting")
    expect(deposit).to_contain_text("Does not count")
    expect(deposit.locator(".why")).to_have_text("Revoked")
    expect(page.locator("#credit-total")).to_have_text("0")
    application = page.locator("#applications li[data-state=pending]")
    expect(application.locator(".flagged")).to_contain_text("Certificate (Intermediate): Revoked")
    # a second deposit of the same credential is not offered (it is in the bank already)
    expect(page.locator(f"#credentials li[data-id='{world.web['id']}'] .in-bank")).to_be_visible()
