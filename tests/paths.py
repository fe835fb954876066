"""Where the tests find their data."""

from __future__ import annotations

from pathlib import Path

from tests.requirements import missing

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
VECTORS = REPO.parent / "shared" / "w3c-vectors"


def vectors_dir(*parts: str) -> Path:
    """A folder of the W3C vectors, read in place; skips the test when it is absent."""
    path = VECTORS.joinpath(*parts)
    if not path.exists():
        missing(f"W3C test vectors not found at {path} (they sit beside the checkout in CI)")
    return path
