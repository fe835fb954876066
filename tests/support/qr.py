"""Reading QR codes back with an independent decoder (zxing-cpp), PNG and SVG.

SVG: qrcode's ``SvgPathImage`` draws each dark module as ``M x,y H x+1 V y+1 H x z`` in a
``viewBox`` of one unit per module. :func:`svg_modules` parses that path into the module matrix,
and :func:`svg_image` rasterizes the matrix (PIL, 8 px per module) so zxing-cpp decodes the
SVG's own content; :func:`png_modules` samples a PNG at module centres so the two matrices can
be compared. No SVG library is needed (cairosvg would need the system cairo).
"""

from __future__ import annotations

import io
import re
from typing import Any

from tests.requirements import missing

_RECT = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError:
        missing("zxing-cpp is not installed (pip install zxing-cpp)")
    return zxingcpp


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        missing("Pillow is not installed (pip install pillow)")
    return Image


def decode_image(image: Any) -> list[str]:
    """The texts of every QR code zxing-cpp finds in a PIL image."""
    zxingcpp = _zxing()
    return [r.text for r in zxingcpp.read_barcodes(image) if "QR" in str(r.format)]


def decode_png(data: bytes) -> list[str]:
    return decode_image(_pil().open(io.BytesIO(data)).convert("L"))


def svg_modules(svg: bytes) -> list[list[bool]]:
    text = svg.decode("utf-8")
    box = _VIEWBOX.search(text)
    if box is None:
        raise AssertionError("the SVG has no integer viewBox")
    size = int(box.group(1))
    matrix = [[False] * size for _ in range(size)]
    rects = _RECT.findall(text)
    if not rects:
        raise AssertionError("the SVG has no module rectangles")
    for x, y, x2, y2, x3 in rects:
        x0, y0 = int(x), int(y)
        if (int(x2), int(y2), int(x3)) != (x0 + 1, y0 + 1, x0):
            raise AssertionError(f"unexpected rectangle at {x0},{y0}")
        matrix[y0][x0] = True
    return matrix


def svg_image(svg: bytes, scale: int = 8) -> Any:
    """The SVG's modules drawn as a PIL image (dark on white)."""
    matrix = svg_modules(svg)
    size = len(matrix)
    image = _pil().new("L", (size * scale, size * scale), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


def decode_svg(svg: bytes) -> list[str]:
    return decode_image(svg_image(svg))


def png_modules(data: bytes, modules: int) -> list[list[bool]]:
    """The PNG sampled at the centre of each of ``modules`` × ``modules`` cells."""
    image = _pil().open(io.BytesIO(data)).convert("L")
    cell = image.width / modules
    return [
        [
            image.getpixel((int((x + 0.5) * cell), int((y + 0.5) * cell))) < 128
            for x in range(modules)
        ]
        for y in range(modules)
    ]


def assert_qr_pair(png: bytes, svg: bytes, text: str) -> None:
    """Both images decode to exactly ``text`` and draw the same module matrix."""
    assert decode_png(png) == [text]
    assert decode_svg(svg) == [text]
    matrix = svg_modules(svg)
    assert png_modules(png, len(matrix)) == matrix
