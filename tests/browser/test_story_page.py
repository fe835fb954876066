"""The user story of issue 7 in Chromium: a learner shares a claimed X certificate with a grant;
the employer opens the grant URL in the employer page → valid; the organization revokes
(through the API) → the employer reloads → revoked. And a reissued one → superseded by the new.

The app runs on uvicorn on a free loopback port (the ``live`` fixture of ``conftest.py``);
without Chromium or Playwright the tests skip (fail in CI, ``tests.requirements.missing``)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live
from tests.support.story import REVOKE, accredited_evaluation_org, grant_page_path
from tests.support.wallet import claim, create_grant, make_offer, register


def _verdict(page: Any) -> Any:
    from playwright.sync_api import expect

    verdict = page.locator("[data-verdict]").first
    expect(verdict).to_be_visible()
    return verdict


def test_open_the_grant_url_valid_then_revoked(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    service = live.service
    org = accredited_evaluation_org(service)
    learner = register(service, "lixiaoming")
    entry = claim(service, learner, make_offer(service, org)["claimCode"])
    grant = create_grant(service, learner, [entry["id"]], days=30)

    page = launch()
    page.goto(f"{live.url}{grant_page_path(grant)}&lang=en")
    verdict = _verdict(page)
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(verdict.locator(".verdict")).to_have_text("Valid")
    expect(verdict).to_contain_text("李晓明")
    expect(verdict).to_contain_text("Web Front-End Development (Intermediate)")
    expect(verdict).to_contain_text("2024110101020345")
    for name in ("verifiableCredential[0].issuer-accredited", "verifiableCredential[0].status"):
        expect(verdict.locator(f'[data-check="{name}"]')).to_have_class("check passed")

    url = f"/orgs/{org.slug}/credentials/{entry['credentialId']}/revoke"
    revoked = service.client.post(url, json=REVOKE, headers=org.headers)
    assert revoked.status_code == 200, revoked.text
    page.reload()
    verdict = _verdict(page)
    expect(verdict).to_have_attribute("data-verdict", "invalid")
    expect(verdict.locator(".verdict")).to_have_text("Revoked")
    status = verdict.locator('[data-check="verifiableCredential[0].status"]')
    expect(status).to_have_class("check failed")
    expect(status).to_contain_text("revoked by its issuer: misconduct")
    expect(page.locator("body")).not_to_contain_text("考核作弊")


def test_a_reissued_certificate_shows_superseded_by_the_new_one(live: Live, launch: Any) -> None:
    from playwright.sync_api import expect

    service = live.service
    org = accredited_evaluation_org(service)
    learner = register(service, "lixiaoming")
    entry = claim(service, learner, make_offer(service, org)["claimCode"])
    grant = create_grant(service, learner, [entry["id"]], days=30)
    reissued = service.client.post(
        f"/orgs/{org.slug}/credentials/{entry['credentialId']}/reissue",
        json={"learner": {"name": "李晓鸣"}},
        headers=org.headers,
    )
    assert reissued.status_code == 201, reissued.text

    page = launch()
    page.goto(f"{live.url}{grant_page_path(grant)}&lang=zh-CN")
    verdict = _verdict(page)
    expect(verdict).to_have_attribute("data-verdict", "invalid")
    expect(verdict.locator(".verdict")).to_have_text("已被新证书取代")
    expect(verdict.locator(".detail")).to_contain_text(reissued.json()["id"])
