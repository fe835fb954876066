"""Every QR code the wallet makes decodes (zxing-cpp) to exactly the intended text, as PNG and
as SVG (the SVG's modules rasterized and decoded, and equal to the PNG's module matrix)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.qr import assert_qr_pair, decode_png, svg_modules
from wallet_api import qr

BASE = "https://onex.example.cn"


def test_grant_url_round_trips() -> None:
    text = f"{BASE}/verify?grant=Zm9vYmFyYmF6cXV4LXNvbWUtc2VjcmV0LXRva2VuLTQzY2g"
    assert_qr_pair(qr.png(text), qr.svg(text), text)


def test_claim_url_and_unicode_round_trip() -> None:
    for text in (f"{BASE}/wallet/claim?code=abc_DEF-123" + "x" * 30, "核验码 7K3M-9QXD-2RTV-8H4N"):
        assert_qr_pair(qr.png(text), qr.svg(text), text)


def test_svg_module_matrix_is_qrcodes() -> None:
    text = f"{BASE}/verify?grant=abc"
    assert svg_modules(qr.svg(text)) == qr.modules(text)


def test_a_different_text_does_not_decode_to_the_first() -> None:
    assert decode_png(qr.png(f"{BASE}/a")) != [f"{BASE}/b"]


@settings(max_examples=15, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        min_size=1,
        max_size=120,
    )
)
def test_any_token_url_round_trips(token: str) -> None:
    text = f"{BASE}/verify?grant={token}"
    assert_qr_pair(qr.png(text), qr.svg(text), text)
