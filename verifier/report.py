"""The verifier's report: every check with its reason, one verdict, what the credential says,
who issued it under which accreditation, and the age of every cached datum used.

``verdict`` is ``valid`` only when there were checks and every one passed; ``invalid`` when
one failed; otherwise ``undetermined`` — never ``valid`` with a check that could not be done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from vc.report import Problem
from verifier.checks import Finding
from verifier.ports import AccreditationInfo, CacheUse, OrganizationInfo

Verdict = Literal["valid", "invalid", "undetermined"]
Kind = Literal["credential", "presentation"]


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    statuses = [f.result.status for f in findings]
    if "failed" in statuses:
        return "invalid"
    if not statuses or "undetermined" in statuses:
        return "undetermined"
    return "valid"


@dataclass(frozen=True)
class CredentialView:
    """One credential of the report: its summary and what the checks learned about it."""

    summary: dict[str, Any] | None
    organization: OrganizationInfo | None = None
    accreditation: AccreditationInfo | None = None
    status: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any] | None:
        if self.summary is None:
            return None
        issuer = dict(self.summary.get("issuer") or {})
        issuer["registry"] = self.organization.to_json() if self.organization else None
        issuer["accreditation"] = self.accreditation.to_json() if self.accreditation else None
        return {**self.summary, "issuer": issuer, "status": dict(self.status)}


@dataclass(frozen=True)
class Report:
    """The outcome of verifying one credential or presentation."""

    kind: Kind
    findings: tuple[Finding, ...]
    credentials: tuple[CredentialView, ...]
    cache: tuple[CacheUse, ...]
    checked_at: datetime
    holder: str | None = None
    format: str = "ldp"

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)

    @property
    def verified(self) -> bool:
        return self.verdict == "valid"

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for f in self.findings for p in f.result.problems)

    def check(self, name: str) -> Finding | None:
        return next((f for f in self.findings if f.result.name == name), None)

    def to_json(self) -> dict[str, Any]:
        first = self.credentials[0].to_json() if self.credentials else None
        body: dict[str, Any] = {
            "verified": self.verified,
            "verdict": self.verdict,
            "kind": self.kind,
            "format": self.format,
            "checks": [_check_json(f) for f in self.findings],
            "credential": first,
            "cache": [use.to_json() for use in self.cache],
            "checkedAt": self.checked_at.isoformat().replace("+00:00", "Z"),
        }
        if self.kind == "presentation":
            body["holder"] = self.holder
            body["credentials"] = [c.to_json() for c in self.credentials]
        return body


def _check_json(finding: Finding) -> dict[str, Any]:
    return {**finding.result.to_json(), "note": finding.note}


def combined_json(reports: Sequence[Report]) -> dict[str, Any]:
    """One report's JSON, or for several (a grant sharing more than one document) the worst
    verdict over them and each report under ``reports``."""
    if len(reports) == 1:
        return reports[0].to_json()
    verdicts = [r.verdict for r in reports]
    verdict: Verdict = (
        "invalid"
        if "invalid" in verdicts
        else "undetermined"
        if "undetermined" in verdicts or not verdicts
        else "valid"
    )
    return {
        "verified": verdict == "valid",
        "verdict": verdict,
        "reports": [r.to_json() for r in reports],
    }
