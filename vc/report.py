"""The fixed shape of verification results: problems, checks, one report.

A :class:`Problem` follows RFC 9457 problem details as the VC Data Model 2.0 (§7.1) uses them:
``type`` is a W3C problem-type URL from :mod:`vc.problems`, ``title`` is the same for every
problem of that type, ``detail`` says what was wrong with which value. ``property`` names the
offending property by path (``credentialStatus[1].statusListIndex``) when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from vc.errors import VCError

CheckStatus = Literal["passed", "failed", "undetermined"]
_STATUSES = ("passed", "failed", "undetermined")


def show_value(value: object, limit: int = 80) -> str:
    """A value as compact JSON for a message, truncated to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def title_for(problem_type: str) -> str:
    """The title of a problem type: its fragment in words (``RANGE_ERROR`` → ``Range error``)."""
    name = problem_type.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, as a problem detail."""

    type: str
    title: str
    detail: str
    property: str | None = None

    @classmethod
    def of(cls, problem_type: str, detail: str, property: str | None = None) -> Problem:
        """A problem whose title is derived from its type."""
        return cls(problem_type, title_for(problem_type), detail, property)

    @classmethod
    def from_error(cls, error: VCError, property: str | None = None) -> Problem:
        """The problem an exception of this library stands for."""
        return cls.of(error.problem_type, error.message, property)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "detail": self.detail,
            "property": self.property,
        }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one named check of the verification pipeline."""

    name: str
    status: CheckStatus
    problems: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            raise ValueError(f"CheckResult.status must be one of {_STATUSES}, not {self.status!r}")

    @classmethod
    def from_problems(cls, name: str, problems: Sequence[Problem]) -> CheckResult:
        """``passed`` when there are no problems, otherwise ``failed`` with them."""
        return cls(name, "failed" if problems else "passed", tuple(problems))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True)
class VerificationReport:
    """Every check that ran, in order; ``verified`` only when there were some and all passed."""

    verified: bool
    checks: tuple[CheckResult, ...]

    def __post_init__(self) -> None:
        if self.verified and not _all_passed(self.checks):
            raise ValueError("a VerificationReport is verified only when every check passed")

    @classmethod
    def from_checks(cls, checks: Sequence[CheckResult]) -> VerificationReport:
        return cls(_all_passed(checks), tuple(checks))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems of every check, in order."""
        return tuple(p for check in self.checks for p in check.problems)

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": [c.to_json() for c in self.checks]}


def _all_passed(checks: Sequence[CheckResult]) -> bool:
    return bool(checks) and all(c.status == "passed" for c in checks)
