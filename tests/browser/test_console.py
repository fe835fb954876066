"""The organization console in Chromium: upload a CSV, see the dry-run table, start the job,
see it finish; search the credentials and revoke one; the supervisor's organizations; the credit
bank (the supervisor's outcome catalogue, a school's conversion rules and applications)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import CredentialOffer, CreditRule, IssuedCredential
from tests.browser.conftest import Live
from tests.support.batch_files import DIPLOMA_HEADER, csv_bytes, diploma_row
from tests.support.credit_bank import (
    LONG_AGO,
    NOW,
    create_rule,
    deposit,
    evaluation_org_since,
    issue_into_wallet,
    recognize,
    recognize_all,
    rule_body,
    school_since,
)
from tests.support.orgs import SOFTWARE_MAJOR, WEB_FRONTEND, Org, school
from tests.support.wallet import register


def _count(live: Live, model: Any) -> int:
    with Session(live.service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _sign_in(page: Any, live: Live, key: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live.url}/console")
    if page.locator("html").get_attribute("lang") != "en":
        page.click("[data-testid=lang]")
    page.fill("[data-testid=api-key]", key)
    page.click("[data-testid=sign-in]")
    expect(page.locator("#sign-in")).to_be_hidden()


def _class_file(tmp_path: Path) -> Path:
    rows = [diploma_row(i) for i in range(1, 6)]
    rows[2][9] = "2025-02-30"  # a bad graduation date
    rows.append(diploma_row(6, with_did=False))  # no DID: a claim link
    path = tmp_path / "毕业生-2025.csv"
    path.write_bytes(csv_bytes(DIPLOMA_HEADER, rows))
    return path


def test_upload_dry_run_start_and_finish(live: Live, launch: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    org: Org = school(live.service)
    page = launch()
    _sign_in(page, live, org.key)
    expect(page.locator("[data-testid=who]")).to_contain_text(org.slug)

    page.set_input_files("[data-testid=batch-file]", str(_class_file(tmp_path)))
    page.click("[data-testid=dry-run]")
    table = page.locator("[data-testid=dry-run-table] tbody tr")
    expect(table).to_have_count(6)
    expect(page.locator("[data-testid=job-summary]")).to_contain_text("5 new")
    expect(page.locator("[data-testid=job-summary]")).to_contain_text("1 invalid")
    invalid = page.locator("tr[data-outcome=invalid]")
    expect(invalid).to_have_count(1)
    expect(invalid).to_contain_text("graduation_date")
    expect(page.locator("[data-testid=job-state]")).to_have_attribute("data-state", "planned")
    assert _count(live, IssuedCredential) == 0, "the dry run issued nothing"

    page.click("[data-testid=start-job]")
    state = page.locator("[data-testid=job-state]")
    expect(state).to_have_attribute("data-state", "completed", timeout=60_000)
    expect(state).to_contain_text("5 / 5")
    expect(page.locator("[data-testid=job-bar]")).to_have_attribute("style", "width: 100%;")
    expect(page.locator("tr[data-outcome=new]").first).to_contain_text("urn:uuid:")
    expect(page.locator("tr[data-outcome=new]").last).to_contain_text("/wallet/claim?code=")
    assert _count(live, IssuedCredential) == 4 and _count(live, CredentialOffer) == 1

    with page.expect_download() as download:
        page.click("[data-testid=download-report]")
    report = Path(download.value.path()).read_text("utf-8-sig")
    assert len(report.strip().splitlines()) == 7

    page.click("#tabs [data-tab=credentials]")
    rows = page.locator("[data-testid=credentials-table] tbody tr")
    expect(rows).to_have_count(4)
    page.once("dialog", lambda dialog: dialog.accept("wrong graduation record"))
    rows.first.get_by_role("button", name="Revoke").click()
    expect(rows.first).to_contain_text("revoked")

    page.click("[data-testid=lang]")
    expect(page.locator("h1")).to_have_text("机构控制台")


def test_the_supervisor_sees_organizations(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    org = school(live.service)
    page = launch()
    _sign_in(page, live, live.service.supervisor_key)
    table = page.locator("[data-testid=organizations-table] tbody tr")
    expect(table).to_have_count(1)
    expect(table.first).to_contain_text(org.slug)
    expect(table.first).to_contain_text("active")
    expect(page.locator("#tabs [data-tab=batch]")).to_be_hidden()


def test_issue_one_credential_and_one_claim_link(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    org = school(live.service)
    page = launch()
    _sign_in(page, live, org.key)
    page.click("#tabs [data-tab=issue]")
    values = dict(zip(DIPLOMA_HEADER, diploma_row(7), strict=True))
    for name, value in values.items():
        if name != "education_level":
            page.fill(f"[data-testid=field-{name}]", value)
    page.select_option("[data-testid=field-education_level]", "higher-vocational")
    page.click("[data-testid=issue]")
    expect(page.locator("[data-testid=issue-result]")).to_contain_text("urn:uuid:")
    page.fill("[data-testid=field-learner_did]", "")
    page.fill("[data-testid=field-diploma_number]", values["diploma_number"][:-1] + "9")
    page.click("[data-testid=issue]")
    expect(page.locator("[data-testid=issue-result]")).to_contain_text("/wallet/claim?code=")
    assert _count(live, IssuedCredential) == 1 and _count(live, CredentialOffer) == 1


# --- the credit bank ---------------------------------------------------------------------------


def test_the_supervisor_keeps_the_outcome_catalogue(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    page = launch()
    _sign_in(page, live, live.service.supervisor_key)
    expect(page.locator("#tabs [data-tab=credit]")).to_be_hidden()
    page.click("#tabs [data-tab=catalogue]")
    page.fill("[data-testid=entry-domain]", WEB_FRONTEND["code"])
    page.select_option("[data-testid=entry-level]", "senior")
    page.fill("[data-testid=entry-name-zh]", "Web前端开发职业技能等级证书（高级）")
    page.fill("[data-testid=entry-name-en]", "Web front-end development, senior")
    page.fill("[data-testid=entry-credits]", "6")
    page.click("[data-testid=add-entry]")
    rows = page.locator("[data-testid=catalogue-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("X certificate 0402 · senior")
    expect(rows.first).to_have_attribute("data-state", "in-force")
    (entry,) = live.service.client.get("/outcome-catalogue").json()["entries"]
    assert entry["outcome"] == {
        "kind": "x-certificate",
        "skillDomainCode": "0402",
        "level": "senior",
    }
    assert entry["credits"] == 6

    page.click("[data-testid=add-entry]")  # the same outcome again: refused, 409
    expect(page.locator("[data-testid=catalogue-error]")).to_contain_text("already recognizes")
    expect(rows).to_have_count(1)

    page.once("dialog", lambda dialog: dialog.accept())
    rows.first.get_by_role("button", name="Withdraw").click()
    expect(rows.first).to_have_attribute("data-state", "withdrawn")
    assert live.service.client.get("/outcome-catalogue").json()["entries"] == []
    withdrawn = live.service.client.get(f"/outcome-catalogue/{entry['id']}").json()
    assert withdrawn["withdrawnAt"] is not None


def _declare(page: Any, course: str) -> None:
    page.fill("[data-testid=rule-course-code]", course)
    page.fill("[data-testid=rule-course-zh]", f"课程{course}")
    page.fill("[data-testid=rule-course-en]", f"Course {course}")
    page.click("[data-testid=declare-rule]")


def test_a_school_declares_and_withdraws_a_credit_rule(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    org = school_since(live.service)
    recognize(live.service, level="intermediate")
    page = launch()
    _sign_in(page, live, org.key)
    expect(page.locator("#tabs [data-tab=catalogue]")).to_be_hidden()
    page.click("#tabs [data-tab=credit]")
    recognized = page.locator("[data-testid=recognized-table] tbody tr")
    expect(recognized).to_have_count(1)
    expect(recognized.first).to_contain_text("X certificate 0402 · intermediate")
    major = page.locator("[data-testid=rule-major]")
    expect(major).to_have_value(SOFTWARE_MAJOR["code"])
    expect(major.locator("option")).to_have_count(2)  # the accredited major, and "other"

    recognized.first.get_by_role("button", name="Use as source").click()
    expect(page.locator("[data-testid=rule-domain]")).to_have_value("0402")
    expect(page.locator("[data-testid=rule-min-level]")).to_have_value("intermediate")
    page.fill("[data-testid=rule-credits]", "4")
    _declare(page, "C101")
    rules = page.locator("[data-testid=rules-table] tbody tr")
    expect(rules).to_have_count(1)
    expect(rules.first).to_contain_text("C101 Course C101")
    expect(rules.first).to_contain_text("X certificate 0402 ≥ intermediate")
    (rule,) = live.service.client.get(f"/orgs/{org.slug}/credit-rules").json()["rules"]
    assert rule["major"] == SOFTWARE_MAJOR
    assert rule["credits"] == 4 and rule["validityYears"] == 3 and rule["exemption"] is False

    page.select_option("[data-testid=rule-major]", "")  # a major outside the accreditation
    page.fill("[data-testid=rule-major-code]", "999999")
    page.fill("[data-testid=rule-major-zh]", "未获授权的专业")
    page.fill("[data-testid=rule-major-en]", "Not accredited")
    _declare(page, "C102")
    error = page.locator("[data-testid=credit-error]")
    expect(error).to_contain_text("Invalid rule")
    expect(error).to_contain_text("major '999999' is not in bjit's accreditation")
    expect(rules).to_have_count(1)
    assert _count(live, CreditRule) == 1, "the refused rule wrote nothing"

    page.once("dialog", lambda dialog: dialog.accept())
    rules.first.get_by_role("button", name="Withdraw").click()
    expect(page.locator("#rules-empty")).to_be_visible()
    expect(rules).to_have_count(0)
    answer = live.service.client.get(f"/orgs/{org.slug}/credit-rules/{rule['id']}").json()
    assert answer["withdrawnAt"] is not None


def test_dismissing_the_confirmation_withdraws_nothing(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    org = school_since(live.service)
    recognize(live.service, level="intermediate")
    rule = create_rule(live.service, org, rule_body("C201"))
    page = launch()
    _sign_in(page, live, org.key)
    page.click("[data-testid=lang]")  # the tab in Chinese
    page.click("#tabs [data-tab=credit]")
    rules = page.locator("[data-testid=rules-table] tbody tr")
    expect(rules).to_have_count(1)
    expect(rules.first).to_contain_text("职业技能等级证书 0402 ≥ 中级")
    page.once("dialog", lambda dialog: dialog.dismiss())
    rules.first.get_by_role("button", name="撤销").click()
    expect(rules).to_have_count(1)
    answer = live.service.client.get(f"/orgs/{org.slug}/credit-rules/{rule['id']}").json()
    assert answer["withdrawnAt"] is None


def _applications(live: Live) -> tuple[Org, str, str]:
    """A school with two pending applications of one learner: C01 (an intermediate certificate)
    and C04 (a junior one, revoked since: the application is flagged). → school, both ids."""
    service = live.service
    service.clock.now = LONG_AGO
    evaluator, org = evaluation_org_since(service), school_since(service)
    service.clock.now = NOW
    recognize_all(service)
    learner = register(service, "li.xiaoming")
    used = {}
    for level, number in (("intermediate", "2024110101020301"), ("junior", "2024110101020302")):
        entry = issue_into_wallet(
            service,
            evaluator,
            learner,
            at=datetime(2026, 10, 1, tzinfo=UTC),
            level=level,
            number=number,
        )
        assert deposit(service, learner, entry["id"]).status_code == 201
        used[level] = entry["credentialId"]
    ids = []
    for course, level in (("C01", "intermediate"), ("C04", "junior")):
        rule = create_rule(service, org, rule_body(course, min_level=level))
        applied = service.client.post(
            "/wallet/credit-bank/applications",
            json={"school": org.slug, "ruleId": rule["id"]},
            headers=learner.headers,
        )
        assert applied.status_code == 201, applied.text
        ids.append(applied.json()["conversion"]["id"])
    revoked = service.client.post(
        f"/orgs/{evaluator.slug}/credentials/{used['junior']}/revoke",
        json={"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"},
        headers=evaluator.headers,
    )
    assert revoked.status_code == 200, revoked.text
    return org, ids[0], ids[1]


def test_a_school_decides_conversion_applications(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    org, plain_id, flagged_id = _applications(live)
    page = launch()
    _sign_in(page, live, org.key)
    page.click("#tabs [data-tab=credit]")
    plain = page.locator(f"tr[data-conversion-id='{plain_id}']")
    flagged = page.locator(f"tr[data-conversion-id='{flagged_id}']")
    expect(plain).to_have_attribute("data-state", "pending")
    expect(flagged).to_have_attribute("data-flagged", "true")
    expect(flagged.locator("td.flag")).to_contain_text("an outcome no longer counts")
    expect(flagged.locator("td.flag")).to_contain_text("revoked")
    expect(plain.locator("td.flag")).to_have_text("")

    page.once("dialog", lambda dialog: dialog.accept())
    flagged.get_by_role("button", name="Approve").click()  # refused: its outcome was revoked
    expect(page.locator("#conversions-error")).to_contain_text("no longer count")
    expect(flagged).to_have_attribute("data-state", "pending")

    page.once("dialog", lambda dialog: dialog.accept("证书已撤销 / certificate revoked"))
    flagged.get_by_role("button", name="Reject").click()
    expect(flagged).to_have_attribute("data-state", "rejected")
    expect(flagged).to_contain_text("证书已撤销 / certificate revoked")
    expect(flagged.get_by_role("button")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    plain.get_by_role("button", name="Approve").click()
    expect(plain).to_have_attribute("data-state", "approved")
    expect(plain).to_contain_text("urn:uuid:")
    listed = live.service.client.get(f"/orgs/{org.slug}/conversions", headers=org.headers)
    states = {c["id"]: c["state"] for c in listed.json()["conversions"]}
    assert states == {plain_id: "approved", flagged_id: "rejected"}
