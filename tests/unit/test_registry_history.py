"""What held when, as a verifier reads it from the registry JSON: exact with a published
``history``, the present status from ``updatedAt`` on without one (an older registry)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from verifier.registry import parse_accreditation

ENTRY: dict[str, Any] = {
    "id": 7,
    "status": "suspended",
    "statusReason": "inspection again",
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2028-01-01T00:00:00Z",
    "updatedAt": "2026-05-01T00:00:00Z",
    "scope": {"skillDomains": [], "levels": []},
}
HISTORY = [  # given out of order: the reader sorts it
    {"status": "active", "at": "2026-03-01T00:00:00Z", "reason": "cleared"},
    {"status": "suspended", "at": "2026-02-01T00:00:00Z", "reason": "inspection"},
    {"status": "suspended", "at": "2026-05-01T00:00:00Z", "reason": "inspection again"},
    {"status": "ended", "at": "not a time"},
]


def _at(month: int) -> datetime:
    return datetime(2026, month, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("month", "with_history", "without_history"),
    [(1, True, True), (2, False, True), (3, True, True), (4, True, True), (5, False, False)],
)
def test_in_force_at(month: int, with_history: bool, without_history: bool) -> None:
    exact = parse_accreditation({**ENTRY, "history": HISTORY})
    legacy = parse_accreditation(ENTRY)
    assert exact is not None and legacy is not None
    assert len(exact.history) == 3
    assert exact.in_force_at(_at(month)) is with_history
    assert legacy.in_force_at(_at(month)) is without_history


def test_the_change_in_effect_names_its_reason() -> None:
    exact = parse_accreditation({**ENTRY, "history": HISTORY})
    assert exact is not None
    change = exact.change_at(_at(2))
    assert change is not None and (change.status, change.reason) == ("suspended", "inspection")
    assert exact.change_at(_at(1)) is None
