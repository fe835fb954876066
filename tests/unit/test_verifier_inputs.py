"""Inputs of the verifier: JSON, JWT, grant references, and QR code images decoded on the
server with zxing-cpp. Every QR code here is made in the test with ``qrcode``."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.requirements import missing
from tests.support.verifier import NOW, InMemoryGrants, Signer
from vc.jose import sign_vc_jwt
from verifier.inputs import InputError, decode_qr, read_text, read_upload
from verifier.ports import Grant

ORG = Signer.new()


def _qr_image(text: str, fmt: str = "PNG", box: int = 4) -> bytes:
    try:
        import qrcode
    except ImportError:
        missing("qrcode is not installed (pip install qrcode)")
    image = qrcode.make(text, box_size=box, border=4).get_image().convert("RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture(autouse=True)
def _needs_zxing() -> None:
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        missing("zxing-cpp is not installed (pip install zxing-cpp)")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_qr_code_of_a_vc_jwt_is_read_from_an_image(fmt: str) -> None:
    small = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ORG.did,
        "validFrom": "2026-06-01T09:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    token = sign_vc_jwt(small, ORG.pair, kid=ORG.method)
    submission = read_upload(_qr_image(token, fmt, box=3), None, now=NOW)
    assert submission.documents == (token,)
    assert (submission.source, submission.from_qr) == ("jwt", True)


def test_a_qr_code_of_a_grant_url_is_redeemed() -> None:
    url = "https://onex.example/verify?grant=k3J9x2mQ7vT1pL8sW4nB6cR0yE5uH2aZ"
    credential: dict[str, Any] = {"type": ["VerifiableCredential"]}
    grants = InMemoryGrants({url: Grant((credential,), challenge="c-9")})
    submission = read_upload(_qr_image(url), grants, now=NOW)
    assert submission.documents == (credential,)
    assert (submission.source, submission.challenge, submission.reference) == ("grant", "c-9", url)


def test_json_text_and_files_are_read() -> None:
    document = {"type": ["VerifiableCredential"], "name": "李晓明"}
    text = json.dumps(document, ensure_ascii=False)
    assert read_text(text, None, now=NOW).documents == (document,)
    assert read_upload(("\ufeff" + text).encode(), None, now=NOW).documents == (document,)
    assert read_text(f"[{text},{text}]", None, now=NOW).documents == (document, document)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("{not json", "does not parse"),
        ("[1, 2]", "must be a credential or presentation object"),
        ("ABCD-1234", "grant URLs and codes are not accepted here"),
        ("two words", "nor a grant URL or code"),
    ],
)
def test_unreadable_text_says_why(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        read_text(text, None, now=NOW)


def test_an_unknown_grant_is_refused() -> None:
    with pytest.raises(InputError, match="unknown, expired or withdrawn"):
        read_text("ZZZZ-9999", InMemoryGrants(), now=NOW)


def test_an_image_without_a_qr_code_is_refused() -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, format="PNG")
    with pytest.raises(InputError, match="no QR code"):
        decode_qr(out.getvalue())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\nbroken", "cannot be read"),
        (b"GIF89a....", "neither a PNG or JPEG image nor UTF-8 text"),
    ],
)
def test_broken_or_foreign_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        read_upload(data + b"\xff\xfe", None, now=NOW)


def test_huge_images_are_refused_before_decoding() -> None:
    with pytest.raises(InputError, match="at most 100 pixels"):
        decode_qr(_qr_image("https://onex.example/v"), max_pixels=100)
