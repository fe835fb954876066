"""Multibase and multicodec encodings used by Multikey and Data Integrity.

Only the bases the specifications use: base58btc (``z``) and base64url without padding (``u``).
"""

from __future__ import annotations

import base64
import binascii

import base58

from vc.errors import KeyFormatError


def encode_base58btc(data: bytes) -> str:
    """Return the multibase base58btc form: ``z`` followed by base58 (Bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str, *, what: str = "value") -> bytes:
    """Decode a multibase base58btc string; ``what`` names the property in errors."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise KeyFormatError(
            f"{what} must be a multibase base58btc string starting with 'z', got {_preview(value)}"
        )
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyFormatError(f"{what} is not valid base58btc: {_preview(value)}") from exc


def encode_base64url(data: bytes) -> str:
    """Return the multibase base64url form: ``u`` followed by unpadded base64url."""
    return "u" + base64url_nopad(data)


def base64url_nopad(data: bytes) -> str:
    """Unpadded base64url, as JOSE and multibase ``u`` use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str, *, what: str = "value") -> bytes:
    """Decode unpadded (or padded) base64url; ``what`` names the property in errors."""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"{what} is not valid base64url: {_preview(value)}") from exc


def _preview(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
