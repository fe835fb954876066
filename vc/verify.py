"""Verify a credential or presentation: the core checks, composed into one report.

The checks, in order: ``well-formed`` (VC data model), ``proof`` (every Data Integrity proof),
``issuer-key`` (the issuer controls the key of every assertion proof), ``validity-period``
(``validFrom``/``validUntil`` against ``now`` with a clock skew). For a presentation also
``holder-binding`` (the holder controls the authentication key; challenge and domain match)
and each embedded credential's checks, named ``verifiableCredential[i].<check>``.

With ``proof_only`` only ``proof`` runs, as the W3C Data Integrity test suites judge documents.
Status and trust-registry checks live in the verifier service, which extends this report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from vc import problems
from vc.credential import check_credential, check_presentation, issuer_id
from vc.cryptosuites import ALL_SUITES, Cryptosuite
from vc.data_integrity import ProofExpectations, ProofSetResult, verify_proofs
from vc.did import VerificationMethodResolver
from vc.jsonld import DocumentLoader
from vc.report import CheckResult, Problem, VerificationReport
from vc.types import JsonObject


@dataclass(frozen=True)
class VerifyOptions:
    """What verification needs: accepted suites, resolvers, time and the verifier's demands."""

    resolver: VerificationMethodResolver
    loader: DocumentLoader
    now: datetime
    suites: Sequence[Cryptosuite] = field(default=ALL_SUITES)
    clock_skew: timedelta = timedelta(minutes=5)
    proof_only: bool = False
    challenge: str | None = None
    domain: str | None = None


def is_presentation(document: Any) -> bool:
    kinds = document.get("type") if isinstance(document, dict) else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "VerifiablePresentation" in kinds


def verify_document(document: Any, options: VerifyOptions) -> VerificationReport:
    """Verify a credential or a presentation, whichever ``document`` is."""
    if is_presentation(document):
        return verify_presentation(document, options)
    return verify_credential(document, options)


def verify_credential(document: Any, options: VerifyOptions) -> VerificationReport:
    """Every core check of a credential; never raises for a bad document."""
    if not isinstance(document, dict):
        problem = Problem.of(problems.PARSING_ERROR, "a credential must be a JSON object")
        return VerificationReport.from_checks([CheckResult("well-formed", "failed", (problem,))])
    proofs = _proofs(document, "assertionMethod", options, None, None)
    if options.proof_only:
        return VerificationReport.from_checks([_proof_check(proofs)])
    return VerificationReport.from_checks(_credential_checks(document, proofs, options))


def _credential_checks(
    document: JsonObject, proofs: ProofSetResult, options: VerifyOptions
) -> list[CheckResult]:
    found = check_credential(document, now=options.now, clock_skew=options.clock_skew)
    shape = [p for p in found if p.type != problems.RANGE_ERROR]
    period = [p for p in found if p.type == problems.RANGE_ERROR]
    return [
        CheckResult.from_problems("well-formed", shape),
        _proof_check(proofs),
        _controller_check("issuer-key", issuer_id(document), "issuer", proofs),
        CheckResult.from_problems("validity-period", period),
    ]


def verify_presentation(document: Any, options: VerifyOptions) -> VerificationReport:
    """Every core check of a presentation and of each credential it carries."""
    if not isinstance(document, dict):
        problem = Problem.of(problems.PARSING_ERROR, "a presentation must be a JSON object")
        return VerificationReport.from_checks([CheckResult("well-formed", "failed", (problem,))])
    proofs = _proofs(document, "authentication", options, options.challenge, options.domain)
    if options.proof_only:
        return VerificationReport.from_checks([_proof_check(proofs)])
    shape = check_presentation(document, now=options.now, clock_skew=options.clock_skew)
    checks = [
        CheckResult.from_problems(
            "well-formed", [p for p in shape if "verifiableCredential" not in (p.property or "")]
        ),
        _proof_check(proofs),
        _controller_check("holder-binding", _holder(document), "holder", proofs),
    ]
    for index, credential in enumerate(_embedded(document)):
        report = verify_credential(credential, options)
        checks.extend(
            replace(c, name=f"verifiableCredential[{index}].{c.name}") for c in report.checks
        )
    return VerificationReport.from_checks(checks)


def _proofs(
    document: JsonObject,
    purpose: str,
    options: VerifyOptions,
    challenge: str | None,
    domain: str | None,
) -> ProofSetResult:
    expect = ProofExpectations(purpose, challenge, domain, options.now + options.clock_skew)
    return verify_proofs(
        document,
        suites=options.suites,
        resolver=options.resolver,
        loader=options.loader,
        expect=expect,
    )


def _proof_check(proofs: ProofSetResult) -> CheckResult:
    return CheckResult.from_problems("proof", proofs.all_problems())


def _controller_check(
    name: str, party: str | None, role: str, proofs: ProofSetResult
) -> CheckResult:
    """Every verified proof's key must be controlled by ``party`` (the issuer or holder)."""
    if not proofs.verified:
        detail = f"cannot tell who signed: the proof did not verify, so the {role} is unproven"
        problem = Problem.of(problems.PROOF_VERIFICATION_ERROR, detail, "proof")
        return CheckResult(name, "undetermined", (problem,))
    found = []
    for result in proofs.results:
        method = result.verification_method
        controller = method.controller if method else None
        if party is None or controller != party:
            detail = (
                f"the {role} {party!r} does not control the signing key "
                f"{method.id if method else '?'} (controller {controller!r})"
            )
            found.append(Problem.of(problems.INVALID_VERIFICATION_METHOD, detail, role))
    return CheckResult.from_problems(name, found)


def _holder(document: JsonObject) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _embedded(document: JsonObject) -> list[Any]:
    value = document.get("verifiableCredential")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
