"""Skip a test whose outside requirement is missing — or fail it where it is mandatory.

On a user's machine a test that needs node, Chromium, PostgreSQL or the W3C vectors skips with
a clear reason when the part is missing. ``.ci/run`` sets ``ONEX_REQUIRE_ALL=1``: there every
such requirement is mandatory and its absence fails the test.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail when ``ONEX_REQUIRE_ALL`` is set."""
    if os.environ.get("ONEX_REQUIRE_ALL") == "1":
        pytest.fail(f"required part missing (ONEX_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)
