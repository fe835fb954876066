"""What an employer can hand the verifier, turned into documents to verify.

- JSON text: a credential or presentation (or an enveloped one);
- a compact JWS: ``vc+jwt`` or ``vp+jwt``;
- an image (PNG or JPEG) of a QR code holding any of these or a grant URL or code, decoded on
  the server with ``zxing-cpp``;
- a grant URL or verification code, redeemed through a :class:`~verifier.ports.GrantLookup`.

Anything else is an :class:`InputError` whose message says what was expected.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from verifier.jwt import is_compact_jws
from verifier.ports import GrantLookup

Source = Literal["json", "jwt", "grant"]
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
MAX_PIXELS = 40_000_000
MAX_TEXT = 256 * 1024
MAX_REFERENCE = 2048


class InputError(ValueError):
    """The input cannot be read as anything verifiable; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Submission:
    """The documents to verify, where they came from, and a grant's challenge and domain."""

    documents: tuple[Any, ...]
    source: Source
    from_qr: bool = False
    challenge: str | None = None
    domain: str | None = None
    reference: str | None = None


def read_text(
    text: str, grants: GrantLookup | None, *, now: datetime, from_qr: bool = False
) -> Submission:
    """JSON, a compact JWS, or a grant reference (URL or code)."""
    value = text.strip().lstrip("\ufeff")
    if not value:
        raise InputError("nothing to verify: the input is empty")
    if len(value) > MAX_TEXT:
        raise InputError(f"the input has {len(value)} characters; at most {MAX_TEXT} are read")
    if value[0] in "{[":
        return Submission(_json_documents(value), "json", from_qr)
    if is_compact_jws(value):
        return Submission((value,), "jwt", from_qr)
    for prefix in ("data:application/vc+jwt,", "data:application/vp+jwt,"):
        if value.startswith(prefix) and is_compact_jws(value.removeprefix(prefix)):
            return Submission((value.removeprefix(prefix),), "jwt", from_qr)
    return _grant(value, grants, now, from_qr)


def _json_documents(text: str) -> tuple[Any, ...]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"the input looks like JSON but does not parse: {exc}") from exc
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        raise InputError("the JSON must be a credential or presentation object (or a list of them)")
    return tuple(items)


def _grant(value: str, grants: GrantLookup | None, now: datetime, from_qr: bool) -> Submission:
    if len(value) > MAX_REFERENCE or any(ch.isspace() for ch in value):
        raise InputError(
            "not a credential, presentation, vc+jwt or vp+jwt, nor a grant URL or code"
        )
    if grants is None:
        raise InputError(
            f"{value!r} is not a credential; grant URLs and codes are not accepted here"
        )
    grant = grants.lookup(value, at=now)
    if grant is None or not grant.documents:
        raise InputError(
            f"no shared credential found for {value!r} (unknown, expired or withdrawn)"
        )
    return Submission(
        tuple(grant.documents), "grant", from_qr, grant.challenge, grant.domain, value
    )


def is_image(data: bytes) -> bool:
    return data.startswith(PNG) or data.startswith(JPEG)


def decode_qr(data: bytes, *, max_pixels: int = MAX_PIXELS) -> str:
    """The text of the QR code in a PNG or JPEG image (the first one, if several)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if not is_image(data):
        raise InputError("the image must be a PNG or a JPEG")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(
                    f"the image is {width}×{height} pixels; at most {max_pixels} pixels are read"
                )
            image.load()
            gray = image.convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"the image cannot be read: {exc}") from exc
    found = zxingcpp.read_barcodes(
        gray,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        text_mode=zxingcpp.TextMode.Plain,
    )
    texts = [barcode.text for barcode in found if barcode.valid and barcode.text]
    if not texts:
        raise InputError("no QR code could be read in the image")
    return str(texts[0])


def read_upload(data: bytes, grants: GrantLookup | None, *, now: datetime) -> Submission:
    """An uploaded file: an image of a QR code, or a JSON or JWT text file (UTF-8)."""
    if is_image(data):
        return read_text(decode_qr(data), grants, now=now, from_qr=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("the file is neither a PNG or JPEG image nor UTF-8 text") from exc
    return read_text(text, grants, now=now)
