"""The wallet page in Chromium: sign in, claim through a claim link, open a credential, create
a grant whose QR image decodes to the grant URL, close it; zh-CN and en; output escaped."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest_wallet import LiveService, chromium, live_service
from tests.support.orgs import WEB_FRONTEND, x_certificate_request
from tests.support.qr import decode_png

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
HOSTILE_NAME = '<img src=x onerror="document.title=1">李<b>晓明</b>'


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    with live_service(Path(tmp_path_factory.mktemp("live"))) as service:
        yield service


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _offer_code(live: LiveService, client: httpx.Client) -> str:
    made = client.post(
        "/admin/organizations",
        json={
            "slug": "huaxin",
            "kind": "evaluation-organization",
            "nameZh": "华信评价组织",
            "nameEn": "Huaxin Evaluation",
            "code": "PJZZ-1",
        },
        headers=live.as_supervisor(),
    )
    assert made.status_code == 201, made.text
    org_key = made.json()["apiKey"]["key"]
    accredit = client.post(
        "/admin/organizations/huaxin/accreditations",
        json={
            "scope": {"skillDomains": [WEB_FRONTEND], "levels": ["intermediate"]},
            "validFrom": "2020-01-01T00:00:00Z",
            "validUntil": "2099-01-01T00:00:00Z",
        },
        headers=live.as_supervisor(),
    )
    assert accredit.status_code == 201, accredit.text
    request = copy.deepcopy(x_certificate_request())
    del request["learner"]["did"]
    offer = client.post(
        "/orgs/huaxin/offers/x-certificates",
        json=request,
        headers={"Authorization": f"Bearer {org_key}"},
    )
    assert offer.status_code == 201, offer.text
    code: str = offer.json()["claimCode"]
    return code


def test_sign_in_claim_open_share_and_close(live: LiveService, browser: Any) -> None:
    with httpx.Client(base_url=live.base_url) as client:
        code = _offer_code(live, client)
        registered = client.post(
            "/wallet/account/register",
            json={"username": "li.xiaoming", "password": PASSWORD, "displayName": HOSTILE_NAME},
        )
        assert registered.status_code == 201, registered.text
    page = browser.new_page(viewport=PHONE, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live.base_url}/wallet/claim?code={code}&lang=en")
    assert page.locator("#signin").inner_text() == "Sign in"
    page.fill("#username", "li.xiaoming")
    page.fill("#password", PASSWORD)
    page.click("#signin")
    page.wait_for_selector("#list-view:not([hidden])")
    # the hostile display name is shown as text, never as markup
    assert page.locator("#who").text_content() == HOSTILE_NAME
    assert page.locator("#who img, #who b").count() == 0
    assert page.title() == "My credential wallet"
    assert page.input_value("#claim-code") == code
    page.click("#claim")
    page.wait_for_selector("#credentials li")
    item = page.locator("#credentials li").first
    assert "Web Front-End Development" in item.inner_text()
    item.locator("button.open").click()
    page.wait_for_selector("#detail-view:not([hidden])")
    assert "Web Front-End Development" in page.locator("#detail-name").inner_text()
    assert page.locator("#detail-issuer").inner_text() == "Huaxin Evaluation"
    assert page.locator("#detail-status").inner_text() == "Valid"
    page.fill("#grant-days", "7")
    page.click("#create-grant")
    page.wait_for_selector("#grant-box:not([hidden])")
    page.wait_for_function("document.getElementById('grant-qr').naturalWidth > 0")
    url = page.locator("#grant-url").inner_text()
    assert re.fullmatch(re.escape(live.base_url) + r"/verify\?grant=[A-Za-z0-9_-]{43}", url)
    code_text = page.locator("#grant-code").inner_text()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code_text)
    shot = page.locator("#grant-qr").screenshot()
    assert decode_png(shot) == [url]
    token = url.rsplit("=", 1)[1]
    with httpx.Client(base_url=live.base_url) as client:
        assert client.get(f"/grants/{token}").status_code == 200
        page.click("#close-grant")
        page.wait_for_selector("#grant-state .badge.closed")
        assert page.locator("#grant-state").inner_text() == "Closed"
        gone = client.get(f"/grants/{token}")
        assert gone.status_code == 404
        assert gone.json()["detail"] == "this verification grant is expired or closed"
    assert errors == []
    page.close()


def test_zh_cn_page_and_csp(live: LiveService, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    response = page.goto(f"{live.base_url}/wallet")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#signin").inner_text() == "登录"
    assert page.title() == "我的证书钱包"
    page.fill("#username", "nobody")
    page.fill("#password", "wrong password")
    page.click("#signin")
    page.wait_for_selector("#message:not([hidden])")
    assert page.locator("#message").inner_text() == "用户名或密码错误。"
    page.click("#switch-lang")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("#signin").inner_text() == "Sign in"
    page.close()
