"""The employer page in Chromium: upload a credential file → valid; after revocation →
revoked; and the camera scanning a QR code (a fake camera playing a picture of it)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Live
from tests.requirements import missing
from tests.support.orgs import evaluation_org
from tests.support.verifier import InMemoryGrants
from tests.support.verifier_service import issue_x
from verifier.ports import Grant

REVOKE = {"reasonCode": "misconduct", "reason": "cheating found at inspection"}


def _upload(page: Any, live: Live, path: Path, language: str = "en") -> Any:
    from playwright.sync_api import expect

    page.goto(f"{live.url}/verify?lang={language}")
    page.set_input_files("#file", str(path))
    page.click("#verify-button")
    verdict = page.locator("[data-verdict]").first
    expect(verdict).to_be_visible()
    return verdict


def test_upload_a_credential_file_then_see_it_revoked(
    live: Live, launch: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    service = live.service
    org = evaluation_org(service)
    record = issue_x(service, org)
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(record["verifiableCredential"], ensure_ascii=False), "utf-8")
    page = launch()
    verdict = _upload(page, live, path)
    expect(verdict).to_have_attribute("data-verdict", "valid")
    expect(verdict.locator(".verdict")).to_have_text("Valid")
    expect(verdict).to_contain_text("李晓明")
    expect(verdict).to_contain_text("Web Front-End Development (Intermediate)")
    url = f"/orgs/{org.slug}/credentials/{record['id']}/revoke"
    assert service.client.post(url, json=REVOKE, headers=org.headers).is_success
    verdict = _upload(page, live, path, "zh-CN")
    expect(verdict).to_have_attribute("data-verdict", "invalid")
    expect(verdict.locator(".verdict")).to_have_text("已撤销")
    expect(verdict.locator('[data-check="status"]')).to_contain_text("revoked by its issuer")


def _y4m(png: bytes, path: Path, size: tuple[int, int] = (640, 480)) -> None:
    """A still video (YUV4MPEG2, 4:2:0) of the picture, for Chromium's fake camera."""
    from PIL import Image

    width, height = size
    frame = Image.new("L", size, 255)
    picture = Image.open(io.BytesIO(png)).convert("L")
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    chroma = bytes([128]) * (width * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + frame.tobytes() + chroma)


def test_scan_a_grant_qr_code_with_the_camera(live: Live, launch: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    try:
        import qrcode
    except ImportError:
        missing("qrcode is needed to make the QR code")
    service = live.service
    record = issue_x(service, evaluation_org(service))
    reference = "http://127.0.0.1:8000/verify?grant=c2Nhbm5lZC1ieS1hLWZha2UtY2FtZXJh"
    grants = InMemoryGrants({reference: Grant((record["verifiableCredential"],))})
    from service.wiring_verifier import set_grant_lookup

    set_grant_lookup(service.app, grants)
    image = qrcode.make(reference, box_size=6, border=4).get_image()
    png = io.BytesIO()
    image.save(png, format="PNG")
    video = tmp_path / "camera.y4m"
    _y4m(png.getvalue(), video)
    page = launch(
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    )
    page.goto(f"{live.url}/verify?lang=en")
    page.click("#scan-button")
    verdict = page.locator("[data-verdict]").first
    expect(verdict).to_have_attribute("data-verdict", "valid", timeout=15_000)
    expect(verdict).to_contain_text("李晓明")
    assert grants.looked_up == [reference]
