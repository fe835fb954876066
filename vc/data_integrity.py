"""The Data Integrity envelope: add a proof, verify a proof set or chain.

https://www.w3.org/TR/vc-data-integrity/ — §4.2 Add Proof, §4.3 Add Proof Set/Chain,
§4.4 Verify Proof, §4.5 Verify Proof Sets and Chains. The suite is a parameter; the hash data
is ``hash(canonical proof configuration) ‖ hash(canonical document)``; the proof configuration
is canonicalized with the document's ``@context`` copied in.

``add_proof`` raises on bad input. ``verify_proofs`` never raises for a bad document: it returns
a :class:`ProofSetResult` naming every problem with its W3C problem type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vc import problems
from vc.cryptosuites import Cryptosuite
from vc.did import VerificationMethod, VerificationMethodResolver
from vc.errors import ProofError, ProofGenerationError, ProofVerificationError, VCError
from vc.jsonld import DocumentLoader
from vc.keys import Algorithm, KeyPair
from vc.multibase import decode_base58btc, encode_base58btc
from vc.report import Problem
from vc.types import JsonObject

_SIGNATURE_LENGTHS = {"Ed25519": 64, "P-256": 64, "P-384": 96}


def format_datetime(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with second precision: ``2026-11-28T13:46:39Z``."""
    if moment.tzinfo is None:
        raise ValueError("a datetime with a time zone is required")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ProofOptions:
    """What goes into a new proof besides its type and value."""

    verification_method: str
    proof_purpose: str = "assertionMethod"
    created: str | None = None
    expires: str | None = None
    challenge: str | None = None
    domain: str | list[str] | None = None
    previous_proof: str | list[str] | None = None
    id: str | None = None
    nonce: str | None = None

    def proof_configuration(self, suite: Cryptosuite) -> JsonObject:
        """The proof object without ``proofValue`` (key order as the specifications show it)."""
        config: JsonObject = {"type": suite.proof_type}
        if self.id is not None:
            config["id"] = self.id
        if suite.cryptosuite is not None:
            config["cryptosuite"] = suite.cryptosuite
        optional = {
            "created": self.created,
            "expires": self.expires,
            "verificationMethod": self.verification_method,
            "proofPurpose": self.proof_purpose,
            "challenge": self.challenge,
            "domain": self.domain,
            "nonce": self.nonce,
            "previousProof": self.previous_proof,
        }
        config.update({key: value for key, value in optional.items() if value is not None})
        return config


def proofs_of(document: JsonObject) -> list[JsonObject]:
    """The document's proofs as a list (``proof`` may be absent, an object or an array)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def hash_data(
    suite: Cryptosuite,
    algorithm: Algorithm,
    unsecured: JsonObject,
    proof_config: JsonObject,
    loader: DocumentLoader,
) -> bytes:
    """``hash(canonical proof configuration) ‖ hash(canonical unsecured document)``."""
    config = {key: value for key, value in proof_config.items() if key != "proofValue"}
    if suite.proof_carries_context:
        _check_context_prefix(config.get("@context"), unsecured.get("@context"))
    elif "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    canonical_config = suite.canonicalize(config, loader, algorithm)
    canonical_document = suite.canonicalize(unsecured, loader, algorithm)
    return suite.hash(canonical_config, algorithm) + suite.hash(canonical_document, algorithm)


def _check_context_prefix(proof_context: Any, document_context: Any) -> None:
    """A proof's own ``@context`` must start the document's, in the same order (JCS suites)."""
    if proof_context is None:
        return
    proof_list = proof_context if isinstance(proof_context, list) else [proof_context]
    doc_list = document_context if isinstance(document_context, list) else [document_context]
    if doc_list[: len(proof_list)] != proof_list:
        raise ProofVerificationError(
            "proof.@context does not match the start of the document's @context"
        )


def _with_previous_proofs(
    document: JsonObject, all_proofs: Sequence[JsonObject], previous: Any
) -> JsonObject:
    """The unsecured document, carrying the proofs that ``previous`` names (§4.3 step 5)."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if previous is None:
        return unsecured
    wanted = [previous] if isinstance(previous, str) else previous
    if not isinstance(wanted, list) or not all(isinstance(item, str) for item in wanted):
        raise ProofVerificationError(
            f"previousProof must be a string or an array of strings, got {previous!r}"
        )
    matching = [proof for proof in all_proofs if proof.get("id") in wanted]
    found = {proof.get("id") for proof in matching}
    missing = [item for item in wanted if item not in found]
    if missing:
        raise ProofVerificationError(f"previousProof names proofs that are not present: {missing}")
    unsecured["proof"] = matching
    return unsecured


def add_proof(
    document: JsonObject,
    *,
    suite: Cryptosuite,
    key: KeyPair,
    options: ProofOptions,
    loader: DocumentLoader,
) -> JsonObject:
    """Return ``document`` with one more proof by ``key`` under ``suite``.

    Raises ProofGenerationError for an unsuitable key, UndefinedTermError for terms the
    contexts do not define, and other VCError subclasses for bad documents.
    """
    if key.algorithm not in suite.key_algorithms:
        raise ProofGenerationError(
            f"{suite.name} cannot sign with an {key.algorithm} key; "
            f"it needs {', '.join(sorted(suite.key_algorithms))}"
        )
    existing = proofs_of(document)
    try:
        unsecured = _with_previous_proofs(document, existing, options.previous_proof)
    except ProofVerificationError as exc:
        raise ProofGenerationError(exc.message) from exc
    config = options.proof_configuration(suite)
    if suite.proof_carries_context and "@context" in document:
        config["@context"] = document["@context"]
    data = hash_data(suite, key.algorithm, unsecured, config, loader)
    proof = {**config, "proofValue": encode_base58btc(key.sign(data))}
    secured = {k: v for k, v in document.items() if k != "proof"}
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


@dataclass(frozen=True)
class ProofResult:
    """The outcome of verifying one proof."""

    verified: bool
    proof: JsonObject
    verification_method: VerificationMethod | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ProofSetResult:
    """The outcome of verifying every proof of a document: verified only if all verify."""

    results: tuple[ProofResult, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def verified(self) -> bool:
        return bool(self.results) and not self.problems and all(r.verified for r in self.results)

    def all_problems(self) -> tuple[Problem, ...]:
        return self.problems + tuple(p for result in self.results for p in result.problems)


@dataclass(frozen=True)
class ProofExpectations:
    """What the verifier demands of every proof."""

    proof_purpose: str | None = "assertionMethod"
    challenge: str | None = None
    domain: str | None = None
    now: datetime | None = None


def verify_proofs(
    document: JsonObject,
    *,
    suites: Sequence[Cryptosuite],
    resolver: VerificationMethodResolver,
    loader: DocumentLoader,
    expect: ProofExpectations | None = None,
) -> ProofSetResult:
    """Verify every proof of ``document`` (a proof set, possibly with chains).

    Only ``suites`` are accepted. Never raises for a bad document; raises TypeError on misuse.
    """
    if not isinstance(document, dict):
        raise TypeError("document must be a JSON object (dict)")
    expect = expect or ProofExpectations()
    raw = document.get("proof")
    if raw is None:
        return ProofSetResult((), (_problem(problems.PROOF_VERIFICATION_ERROR, "no proof"),))
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs or not all(isinstance(proof, dict) for proof in proofs):
        problem = _problem(problems.PROOF_VERIFICATION_ERROR, "proof must be an object or array")
        return ProofSetResult((), (problem,))
    results = tuple(
        _verify_one(document, proofs, proof, suites, resolver, loader, expect) for proof in proofs
    )
    return ProofSetResult(results)


def _verify_one(
    document: JsonObject,
    proofs: list[JsonObject],
    proof: JsonObject,
    suites: Sequence[Cryptosuite],
    resolver: VerificationMethodResolver,
    loader: DocumentLoader,
    expect: ProofExpectations,
) -> ProofResult:
    method: VerificationMethod | None = None
    try:
        suite = _select_suite(proof, suites)
        _check_options(proof, expect)
        method = _resolve_method(proof, suite, resolver)
        signature = _decode_signature(proof, method)
        unsecured = _with_previous_proofs(document, proofs, proof.get("previousProof"))
        data = hash_data(suite, method.public_key.algorithm, unsecured, proof, loader)
        method.public_key.verify(signature, data)
    except VCError as exc:
        return ProofResult(False, proof, method, (Problem.from_error(exc),))
    except Exception as exc:  # noqa: BLE001 - a bad document must never escape as a crash
        detail = f"unexpected error while verifying: {type(exc).__name__}: {exc}"
        return ProofResult(
            False, proof, method, (_problem(problems.PROOF_VERIFICATION_ERROR, detail),)
        )
    return ProofResult(True, proof, method)


def _select_suite(proof: JsonObject, suites: Sequence[Cryptosuite]) -> Cryptosuite:
    proof_type = proof.get("type")
    name = proof.get("cryptosuite") if proof_type == "DataIntegrityProof" else proof_type
    for suite in suites:
        if suite.proof_type == proof_type and suite.name == name:
            return suite
    accepted = ", ".join(suite.name for suite in suites) or "none"
    raise ProofVerificationError(
        f"proof type {proof_type!r} with cryptosuite {name!r} is not accepted "
        f"(accepted: {accepted})"
    )


def _check_options(proof: JsonObject, expect: ProofExpectations) -> None:
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str):
            raise ProofVerificationError(f"proof.{name} must be a string, got {proof.get(name)!r}")
    purpose = proof["proofPurpose"]
    if expect.proof_purpose is not None and purpose != expect.proof_purpose:
        raise ProofVerificationError(
            f"proof.proofPurpose is {purpose!r}, expected {expect.proof_purpose!r}"
        )
    _check_time(proof, "created", expect.now, must_be_past=True)
    _check_time(proof, "expires", expect.now, must_be_past=False)
    if expect.challenge is not None and proof.get("challenge") != expect.challenge:
        raise ProofError(
            f"proof.challenge {proof.get('challenge')!r} does not match the expected challenge",
            problem_type=problems.INVALID_CHALLENGE_ERROR,
        )
    if expect.domain is not None and not _domain_matches(proof.get("domain"), expect.domain):
        raise ProofError(
            f"proof.domain {proof.get('domain')!r} does not match {expect.domain!r}",
            problem_type=problems.INVALID_DOMAIN_ERROR,
        )


def _domain_matches(value: Any, expected: str) -> bool:
    return value == expected or (isinstance(value, list) and expected in value)


def _check_time(proof: JsonObject, name: str, now: datetime | None, *, must_be_past: bool) -> None:
    value = proof.get(name)
    if value is None:
        return
    moment = parse_datetime(value, f"proof.{name}")
    if now is None:
        return
    if must_be_past and moment > now:
        raise ProofVerificationError(f"proof.created {value!r} is in the future")
    if not must_be_past and moment <= now:
        raise ProofVerificationError(f"proof.expires {value!r} has passed")


def parse_datetime(value: Any, where: str) -> datetime:
    """Parse an XML Schema dateTimeStamp (a time zone is required)."""
    if not isinstance(value, str):
        raise ProofVerificationError(f"{where} must be a dateTime string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ProofVerificationError(f"{where} is not a valid dateTime: {value!r}") from exc
    if moment.tzinfo is None:
        raise ProofVerificationError(f"{where} must carry a time zone: {value!r}")
    return moment


def _resolve_method(
    proof: JsonObject, suite: Cryptosuite, resolver: VerificationMethodResolver
) -> VerificationMethod:
    method = resolver(proof["verificationMethod"])
    if method.public_key.algorithm not in suite.key_algorithms:
        raise ProofVerificationError(
            f"verification method {method.id} holds an {method.public_key.algorithm} key, "
            f"which {suite.name} does not use",
            problem_type=problems.INVALID_VERIFICATION_METHOD,
        )
    if proof["proofPurpose"] not in method.relationships:
        raise ProofVerificationError(
            f"verification method {method.id} is not authorized for {proof['proofPurpose']} "
            f"by its controller {method.controller}",
            problem_type=problems.INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
        )
    return method


def _decode_signature(proof: JsonObject, method: VerificationMethod) -> bytes:
    try:
        signature = decode_base58btc(proof["proofValue"], what="proof.proofValue")
    except VCError as exc:
        raise ProofVerificationError(exc.message) from exc
    expected = _SIGNATURE_LENGTHS[method.public_key.algorithm]
    if len(signature) != expected:
        raise ProofVerificationError(
            f"proof.proofValue decodes to {len(signature)} bytes; "
            f"an {method.public_key.algorithm} signature has {expected}"
        )
    return signature


def _problem(problem_type: str, detail: str) -> Problem:
    return Problem.of(problem_type, detail, "proof")
