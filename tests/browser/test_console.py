"""The organization console in Chromium: upload a CSV, see the dry-run table, start the job,
see it finish; search the credentials and revoke one; the supervisor's organizations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import CredentialOffer, IssuedCredential
from tests.browser.conftest import Live
from tests.support.batch_files import DIPLOMA_HEADER, csv_bytes, diploma_row
from tests.support.orgs import Org, school


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
