"""``POST /verify/upload`` and the employer page at ``/verify``: QR code images (made here with
``qrcode``), files, texts and grant references; verdicts rendered safely in zh-CN and en."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from service.wiring_verifier import set_grant_lookup
from tests.requirements import missing
from tests.support.orgs import evaluation_org
from tests.support.service import Service
from tests.support.verifier import InMemoryGrants
from tests.support.verifier_service import issue_x
from verifier.ports import Grant

REVOKE = {"reasonCode": "misconduct", "reason": "cheating found at inspection"}


def _qr_png(text: str) -> bytes:
    try:
        import qrcode
        import zxingcpp  # noqa: F401
    except ImportError:
        missing("qrcode and zxing-cpp are needed to make and read QR codes")
    image = qrcode.make(text, box_size=3, border=4).get_image()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _upload(service: Service, data: bytes, name: str, kind: str) -> Any:
    return service.client.post("/verify/upload", files={"file": (name, data, kind)})


def _small_jwt(service: Service) -> str:
    org = evaluation_org(service)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:learner", "name": "李晓明"},
    }
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/issue",
        json={"credential": credential, "options": {"format": "jwt"}},
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["verifiableCredential"]
    return token


def test_a_png_of_a_qr_code_holding_a_vc_jwt(service: Service) -> None:
    token = _small_jwt(service)
    response = _upload(service, _qr_png(token), "qr.png", "image/png")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["verdict"], report["format"]) == ("valid", "jwt")
    assert report["credential"]["holderName"] == "李晓明"


def test_a_png_of_a_grant_url_is_redeemed_through_the_grant_lookup(service: Service) -> None:
    record = issue_x(service, evaluation_org(service))
    url = "http://127.0.0.1:8000/verify?grant=Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4"
    grants = InMemoryGrants({url: Grant((record["verifiableCredential"],))})
    set_grant_lookup(service.app, grants)
    response = _upload(service, _qr_png(url), "grant.png", "image/png")
    assert response.status_code == 200, response.text
    assert response.json()["credential"]["holderName"] == "李晓明"
    assert grants.looked_up == [url]


def test_a_json_file_and_a_text_field(service: Service) -> None:
    record = issue_x(service, evaluation_org(service))
    data = json.dumps(record["verifiableCredential"], ensure_ascii=False).encode()
    response = _upload(service, data, "credential.json", "application/json")
    assert response.status_code == 200, response.text
    response = service.client.post("/verify/upload", data={"text": data.decode()})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("files", "data", "reason"),
    [
        (None, None, "send a file"),
        ({"file": ("x.png", b"\x89PNG\r\n\x1a\nbroken", "image/png")}, None, "cannot be read"),
        (None, {"text": "not a credential at all"}, "nor a grant URL or code"),
    ],
)
def test_unreadable_uploads_say_why(
    service: Service, files: dict[str, Any] | None, data: dict[str, str] | None, reason: str
) -> None:
    response = service.client.post("/verify/upload", files=files, data=data)
    assert response.status_code == 400, response.text
    assert reason in response.json()["checks"][0]["note"]


def test_an_image_without_a_qr_code(service: Service) -> None:
    from PIL import Image

    _qr_png("just checking that the QR libraries are here")
    out = io.BytesIO()
    Image.new("L", (300, 300), 255).save(out, format="JPEG")
    response = _upload(service, out.getvalue(), "photo.jpg", "image/jpeg")
    assert response.status_code == 400
    assert "no QR code" in response.json()["checks"][0]["note"]


# --- the page -------------------------------------------------------------------------------------


def test_the_page_offers_scan_code_and_upload_in_both_languages(service: Service) -> None:
    page = service.client.get("/verify")
    assert page.status_code == 200
    assert "default-src 'none'; script-src 'self'" in page.headers["content-security-policy"]
    assert '<html lang="zh-CN">' in page.text and "扫描二维码" in page.text
    assert 'src="/verify/static/jsQR.js"' in page.text and "https://" not in page.text
    english = service.client.get("/verify", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Scan a QR code" in english.text
    assert service.client.get("/verify?lang=zh-CN", headers={"Accept-Language": "en"}).text.count(
        "证书验证"
    )
    script = service.client.get("/verify/static/jsQR.js")
    assert script.status_code == 200 and "jsQR" in script.text


def _page_verdict(service: Service, credential: Any, language: str = "zh-CN") -> str:
    data = json.dumps(credential, ensure_ascii=False).encode()
    response = service.client.post(
        "/verify",
        files={"file": ("credential.json", data, "application/json")},
        data={"lang": language},
    )
    assert response.status_code == 200
    return response.text


def test_the_page_shows_valid_then_revoked(service: Service) -> None:
    org = evaluation_org(service)
    record = issue_x(service, org)
    html = _page_verdict(service, record["verifiableCredential"])
    assert 'data-verdict="valid"' in html
    assert "李晓明" in html and "Web前端开发（中级）" in html and "huaxin 评价组织" in html
    assert 'data-check="issuer-accredited"' in html
    url = f"/orgs/{org.slug}/credentials/{record['id']}/revoke"
    assert service.client.post(url, json=REVOKE, headers=org.headers).is_success
    html = _page_verdict(service, record["verifiableCredential"], "en")
    assert 'data-verdict="invalid"' in html and ">Revoked<" in html


def test_the_page_escapes_what_a_credential_says(service: Service) -> None:
    record = issue_x(service, evaluation_org(service))
    forged = dict(record["verifiableCredential"])
    subject = dict(forged["credentialSubject"])
    subject["identifier"] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": "<script>alert('x')</script>"}
    ]  # fmt: skip
    forged["credentialSubject"] = subject
    html = _page_verdict(service, forged)
    assert 'data-verdict="invalid"' in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_a_grant_url_opens_the_page_with_its_verdict(service: Service) -> None:
    record = issue_x(service, evaluation_org(service))
    grants = InMemoryGrants({"K7QM-2XPD-9TRW-4HJN": Grant((record["verifiableCredential"],))})
    set_grant_lookup(service.app, grants)
    html = service.client.get("/verify?grant=K7QM-2XPD-9TRW-4HJN&lang=en").text
    assert 'data-verdict="valid"' in html and "Valid" in html
    unknown = service.client.get("/verify?code=NOPE-NOPE").text
    assert 'data-verdict="error"' in unknown and "unknown, expired or withdrawn" in unknown
