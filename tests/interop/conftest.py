"""Fixtures that run the reference JavaScript implementation (tests/interop/reference.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.requirements import missing

HERE = Path(__file__).resolve().parent

Reference = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def reference() -> Reference:
    """Call ``node reference.mjs <command>`` with one JSON object; return its JSON answer."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed: the interop tests need Node.js 20")
    if not (HERE / "node_modules" / "@digitalbazaar" / "vc").exists():
        missing("the reference implementation is not installed: run `npm ci` in tests/interop")

    def call(command: str, payload: dict[str, Any]) -> dict[str, Any]:
        done = subprocess.run(
            [node, str(HERE / "reference.mjs"), command],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        try:
            answer: dict[str, Any] = json.loads(done.stdout)
        except ValueError:
            pytest.fail(f"reference.mjs {command} printed no JSON: {done.stdout!r} {done.stderr!r}")
        return answer

    return call


from tests.support.service import service  # noqa: E402  (the API tests' fixture, reused)

__all__ = ["Reference", "reference", "service"]
