"""The employer page's static files: the bundled QR reader is the recorded npm file, and
nothing the page loads comes from another host."""

from __future__ import annotations

import hashlib
import re

from tests.paths import REPO

STATIC = REPO / "verifier" / "static"
JSQR_SHA256 = "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"


def test_the_bundled_qr_reader_is_the_recorded_one() -> None:
    digest = hashlib.sha256((STATIC / "jsQR.js").read_bytes()).hexdigest()
    assert digest == JSQR_SHA256
    readme = (STATIC / "README.md").read_text("utf-8")
    assert JSQR_SHA256 in readme and "**1.4.0**" in readme


def test_our_scripts_and_styles_reach_no_other_host() -> None:
    for name in ("verify.js", "verify.css"):
        text = (STATIC / name).read_text("utf-8")
        assert not re.search(r"https?://", text), name
