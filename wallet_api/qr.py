"""QR codes of links (grant links, claim links) as PNG and SVG, made with ``qrcode``.

Error correction M, a 4-module quiet zone; PNG at 8 px per module (a 120-character URL gives
about 300 px), SVG as one path, one ``viewBox`` unit per module, scalable and small.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage

BOX_SIZE = 8
BORDER = 4
SVG_BOX_SIZE = 10  # qrcode's SVG unit is box_size / 10 mm: one module = one viewBox unit


def _code(text: str, box_size: int = BOX_SIZE) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=BORDER
    )
    code.add_data(text)
    code.make(fit=True)
    return code


def png(text: str) -> bytes:
    """A PNG image of the QR code of ``text``."""
    image = _code(text).make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def svg(text: str) -> bytes:
    """An SVG image of the QR code of ``text`` (UTF-8)."""
    image = _code(text, SVG_BOX_SIZE).make_image(image_factory=SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def modules(text: str) -> list[list[bool]]:
    """The module matrix (quiet zone included), dark = True."""
    return [list(row) for row in _code(text).get_matrix()]
