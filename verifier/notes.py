"""Reading the core checks of :mod:`vc.verify` for the report: a note in words for each, and a
proof that failed only because a DID document could not be fetched made ``undetermined``."""

from __future__ import annotations

from typing import Any

from vc import problems as w3c
from vc.report import CheckResult, Problem
from verifier import problems
from verifier.claims import as_list, signing_methods
from verifier.remote import CacheLog

V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"


def holder_of(document: dict[str, Any]) -> str | None:
    holder = document.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    return holder if isinstance(holder, str) else None


def core_note(check: CheckResult, document: Any) -> str:
    """A note in words for a core check: its problems, or what it found."""
    if check.problems:
        return "; ".join(p.detail for p in check.problems)
    doc = document if isinstance(document, dict) else {}
    if check.name == "well-formed":
        version = "1.1" if as_list(doc.get("@context"))[:1] == [V1_CONTEXT] else "2.0"
        return f"follows the VC Data Model {version}"
    if check.name == "proof":
        methods = ", ".join(signing_methods(doc)) or "?"
        suites = ", ".join(
            str(p.get("cryptosuite") or p.get("type"))
            for p in as_list(doc.get("proof"))
            if isinstance(p, dict)
        )
        return f"signed with {methods} ({suites})"
    if check.name == "issuer-key":
        return "the issuer controls the signing key"
    if check.name == "holder-binding":
        return f"signed by the holder {holder_of(doc)}"
    if check.name == "validity-period":
        start = doc.get("validFrom") or doc.get("issuanceDate")
        until = doc.get("validUntil") or doc.get("expirationDate")
        return f"valid from {start}" + (f" until {until}" if until else ", with no end")
    return ""


def unreachable_keys(check: CheckResult, log: CacheLog) -> CheckResult:
    """A proof that failed only because a DID document could not be fetched is undetermined."""
    if check.name != "proof" or check.status != "failed" or not log.unavailable:
        return check
    if any(p.type != w3c.INVALID_VERIFICATION_METHOD for p in check.problems):
        return check
    found = tuple(
        Problem.of(problems.SOURCE_UNAVAILABLE, p.detail, p.property) for p in check.problems
    )
    return CheckResult("proof", "undetermined", found)
