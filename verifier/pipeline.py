"""The verification pipeline: the core checks of :mod:`vc.verify`, extended by the trust
registry, key periods, status and holder binding, composed into one :class:`Report`.

For a credential, in order: ``well-formed``, ``proof`` (the suites the configuration allows),
``issuer-key``, ``issuer-accredited``, ``key-active``, ``validity-period``, ``status``. The
trust and status checks run only once the proof passed (before that, who issued it is
unproven): otherwise they are ``undetermined`` with the reason. For a presentation:
``well-formed``, ``proof``, ``holder-binding``, ``challenge``, ``subject-binding``, then every
credential's checks, named ``verifiableCredential[i].<check>``.

Inputs: a credential or presentation as JSON, a vc+jwt or vp+jwt (a compact JWS string), or an
``EnvelopedVerifiableCredential`` carrying one. Nothing here raises for a bad document; a check
that breaks unexpectedly ends ``undetermined`` with the error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from vc import problems as w3c
from vc.credential import check_credential, check_presentation
from vc.cryptosuites import ECDSA_RDFC_2019, EDDSA_RDFC_2022, Cryptosuite
from vc.did import VerificationMethodResolver
from vc.errors import JoseError
from vc.jose import verify_vc_jwt
from vc.jsonld import DocumentLoader
from vc.report import CheckResult, CheckStatus, Problem
from vc.verify import VerifyOptions, is_presentation, verify_credential, verify_presentation
from verifier import problems
from verifier.checks import (
    Finding,
    challenge_check,
    credential_status,
    issuer_accredited,
    key_active,
    not_checked,
    subject_binding,
)
from verifier.claims import as_list, signing_methods
from verifier.jwt import (
    binding_problems,
    enveloped_token,
    is_compact_jws,
    kid_of,
    payload_of,
    typ_of,
    unverified_payload,
)
from verifier.notes import core_note, holder_of, unreachable_keys
from verifier.ports import StatusSource, SupersessionLookup, TrustAnswer, TrustRegistry
from verifier.remote import CacheLog
from verifier.report import CredentialView, Report
from verifier.summary import summarize

CREDENTIAL_CHECKS = (
    "well-formed",
    "proof",
    "issuer-key",
    "issuer-accredited",
    "key-active",
    "validity-period",
    "status",
)
PRESENTATION_CHECKS = ("well-formed", "proof", "holder-binding", "challenge", "subject-binding")
CHECK_ALIASES: dict[str, tuple[str, ...]] = {
    "credentialStatus": ("status",),
    "expiration": ("validity-period",),
    "validity": ("validity-period",),
    "issuer": ("issuer-key", "issuer-accredited", "key-active"),
    "accreditation": ("issuer-accredited",),
}


class ResolverFactory(Protocol):
    """A verification method resolver for one verification, logging the cached data it uses."""

    def __call__(self, log: CacheLog) -> VerificationMethodResolver: ...


@dataclass(frozen=True)
class VerifierConfig:
    """What the deployment allows: the accepted cryptosuites and the clock skew."""

    suites: tuple[Cryptosuite, ...] = (EDDSA_RDFC_2022, ECDSA_RDFC_2019)
    clock_skew: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckOptions:
    """What the caller asks: which checks (``None``: all), and for presentations the challenge
    and domain, with the challenge's state in the verifier's store (``fresh``, ``used``,
    ``expired`` or ``None`` when the store does not know it)."""

    checks: frozenset[str] | None = None
    challenge: str | None = None
    domain: str | None = None
    challenge_state: str | None = None

    @property
    def proof_only(self) -> bool:
        return self.checks == frozenset({"proof"})


def parse_checks(names: Sequence[str] | None) -> frozenset[str] | None:
    """``options.checks`` as check names (aliases expanded); ValueError for an unknown one."""
    if names is None:
        return None
    known = set(CREDENTIAL_CHECKS) | set(PRESENTATION_CHECKS)
    found: set[str] = set()
    for name in names:
        if name in CHECK_ALIASES:
            found.update(CHECK_ALIASES[name])
        elif name in known:
            found.add(name)
        else:
            choices = ", ".join(sorted(known | set(CHECK_ALIASES)))
            raise ValueError(f"options.checks: unknown check {name!r} (known: {choices})")
    if not found:
        raise ValueError("options.checks must name at least one check")
    return frozenset(found)


@dataclass
class _Run:
    """One verification's moment and cache log."""

    now: datetime
    log: CacheLog = field(default_factory=CacheLog)


@dataclass(frozen=True)
class _Credential:
    findings: list[Finding]
    view: CredentialView


@dataclass(frozen=True)
class Verifier:
    """Verifies credentials and presentations into :class:`Report`\\ s."""

    loader: DocumentLoader
    resolvers: ResolverFactory
    trust: TrustRegistry
    status: StatusSource
    supersession: SupersessionLookup | None
    clock: Callable[[], datetime]
    config: VerifierConfig = field(default_factory=VerifierConfig)
    refresh: Callable[[], None] | None = None
    """Called once at the start of each verification: brings in-process views up to date."""

    def verify(self, document: Any, options: CheckOptions | None = None) -> Report:
        """Verify whatever ``document`` is: a credential or presentation, JSON or JWT."""
        options = options or CheckOptions()
        run = _Run(self.clock())
        if self.refresh is not None:
            self.refresh()
        token = enveloped_token(document) if isinstance(document, dict) else None
        if isinstance(document, str) or token is not None:
            text = token if token is not None else str(document)
            return self._jwt(text, options, run)
        if is_presentation(document):
            return self._presentation(document, options, run)
        outcome = self._credential(document, options, run)
        return self._report("credential", outcome.findings, [outcome.view], options, run)

    # --- credentials --------------------------------------------------------------------------

    def _core_options(
        self, run: _Run, resolver: VerificationMethodResolver, **extra: Any
    ) -> VerifyOptions:
        return VerifyOptions(
            resolver=resolver,
            loader=self.loader,
            now=run.now,
            suites=self.config.suites,
            clock_skew=self.config.clock_skew,
            **extra,
        )

    def _credential(
        self,
        document: Any,
        options: CheckOptions,
        run: _Run,
        core: Sequence[CheckResult] | None = None,
    ) -> _Credential:
        if core is None:
            core_options = self._core_options(
                run, self.resolvers(run.log), proof_only=options.proof_only
            )
            core = verify_credential(document, core_options).checks
        findings = [Finding(unreachable_keys(c, run.log), core_note(c, document)) for c in core]
        if options.proof_only or not isinstance(document, dict):
            return _Credential(findings, CredentialView(summarize(document)))
        return self._extended(document, findings, signing_methods(document), run)

    def _extended(
        self, document: dict[str, Any], findings: list[Finding], methods: list[str], run: _Run
    ) -> _Credential:
        proof = next((f for f in findings if f.result.name == "proof"), None)
        proven = proof is not None and proof.result.status == "passed"
        why = "the proof did not verify, so who issued it is unproven"
        if proven:
            accredited = _guarded(
                "issuer-accredited", lambda: issuer_accredited(document, self.trust)
            )
            key = _guarded("key-active", lambda: key_active(document, methods, self.trust))
            status = _guarded(
                "status", lambda: credential_status(document, self.status, self.supersession)
            )
        else:
            accredited, key, status = (
                not_checked(n, why) for n in ("issuer-accredited", "key-active", "status")
            )
        ordered = _insert_after(findings, "issuer-key", [accredited, key])
        ordered.append(status)
        for finding in (accredited, key, status):
            for use in finding.cache:
                run.log.add(use)
        trust = accredited.trust or TrustAnswer("undetermined", "")
        view = CredentialView(
            summarize(document), trust.organization, trust.accreditation, status.facts
        )
        return _Credential(ordered, view)

    def _jwt_credential(self, token: str, options: CheckOptions, run: _Run) -> _Credential:
        resolver = self.resolvers(run.log)
        try:
            payload = verify_vc_jwt(token, resolver, expected_typ=("vc+jwt",), now=run.now)
            kid = kid_of(token)
            proof = Finding(CheckResult("proof", "passed"), f"vc+jwt signed with {kid}")
        except JoseError as exc:
            payload = unverified_payload(token)
            kind = problems.SOURCE_UNAVAILABLE if run.log.unavailable else exc.problem_type
            outcome: CheckStatus = "undetermined" if run.log.unavailable else "failed"
            problem = Problem.of(kind, exc.message, "proof")
            proof = Finding(CheckResult("proof", outcome, (problem,)), exc.message)
        if options.proof_only or not isinstance(payload, dict):
            return _Credential([proof], CredentialView(summarize(payload)))
        found = check_credential(payload, now=run.now, clock_skew=self.config.clock_skew)
        shape = CheckResult.from_problems(
            "well-formed", [p for p in found if p.type != w3c.RANGE_ERROR]
        )
        period = CheckResult.from_problems(
            "validity-period", [p for p in found if p.type == w3c.RANGE_ERROR]
        )
        if proof.result.status == "passed":
            issuer_key = Finding(
                CheckResult("issuer-key", "passed"), "the issuer's DID names the signing key (kid)"
            )
        else:
            issuer_key = not_checked("issuer-key", "the signature did not verify")
        findings = [
            Finding(shape, core_note(shape, payload)),
            proof,
            issuer_key,
            Finding(period, core_note(period, payload)),
        ]
        return self._extended(payload, findings, [kid_of(token)], run)

    # --- presentations ------------------------------------------------------------------------

    def _presentation(self, document: dict[str, Any], options: CheckOptions, run: _Run) -> Report:
        core_options = self._core_options(
            run,
            self.resolvers(run.log),
            proof_only=options.proof_only,
            challenge=options.challenge,
            domain=options.domain,
        )
        core = verify_presentation(document, core_options).checks
        top = [c for c in core if not c.name.startswith("verifiableCredential[")]
        findings = [Finding(c, core_note(c, document)) for c in top]
        if options.proof_only:
            return self._report("presentation", findings, [], options, run, holder_of(document))
        proof = next((c for c in top if c.name == "proof"), None)
        stated = [p for p in (proof.problems if proof else ()) if p.type in _BINDING_PROBLEMS]
        embedded = as_list(document.get("verifiableCredential"))
        findings.append(
            challenge_check(options.challenge, options.domain, stated, options.challenge_state)
        )
        findings.append(subject_binding(holder_of(document), [payload_of(c) for c in embedded]))
        views: list[CredentialView] = []
        for index, credential in enumerate(embedded):
            prefix = f"verifiableCredential[{index}]."
            own = [
                replace(c, name=c.name.removeprefix(prefix))
                for c in core
                if c.name.startswith(prefix)
            ]
            token = enveloped_token(credential) if isinstance(credential, dict) else None
            if token is not None:
                outcome = self._jwt_credential(token, options, run)
            else:
                outcome = self._credential(credential, options, run, own)
            findings.extend(_prefixed(f, prefix) for f in outcome.findings)
            views.append(outcome.view)
        return self._report("presentation", findings, views, options, run, holder_of(document))

    def _jwt(self, token: str, options: CheckOptions, run: _Run) -> Report:
        if not is_compact_jws(token):
            problem = Problem.of(
                w3c.PARSING_ERROR, "not a JSON object, nor a compact JWS (vc+jwt / vp+jwt)"
            )
            finding = Finding(CheckResult("well-formed", "failed", (problem,)), problem.detail)
            return self._report("credential", [finding], [], options, run)
        typ = typ_of(token)
        if typ != "vp+jwt":
            outcome = self._jwt_credential(token, options, run)
            return self._report(
                "credential", outcome.findings, [outcome.view], options, run, fmt="jwt"
            )
        return self._jwt_presentation(token, options, run)

    def _jwt_presentation(self, token: str, options: CheckOptions, run: _Run) -> Report:
        resolver = self.resolvers(run.log)
        try:
            payload = verify_vc_jwt(token, resolver, expected_typ=("vp+jwt",), now=run.now)
            proof = Finding(CheckResult("proof", "passed"), f"vp+jwt signed with {kid_of(token)}")
        except JoseError as exc:
            payload = unverified_payload(token)
            problem = Problem.from_error(exc, "proof")
            proof = Finding(CheckResult("proof", "failed", (problem,)), exc.message)
        if options.proof_only or not isinstance(payload, dict):
            return self._report("presentation", [proof], [], options, run, fmt="jwt")
        shape = check_presentation(payload, now=run.now, clock_skew=self.config.clock_skew)
        well = CheckResult.from_problems(
            "well-formed", [p for p in shape if "verifiableCredential" not in (p.property or "")]
        )
        holder = holder_of(payload)
        if proof.result.status == "passed":
            binding = Finding(
                CheckResult("holder-binding", "passed"), f"signed by the holder {holder}"
            )
        else:
            binding = not_checked("holder-binding", "the signature did not verify")
        stated = binding_problems(payload, options.challenge, options.domain)
        embedded = as_list(payload.get("verifiableCredential"))
        findings = [Finding(well, core_note(well, payload)), proof, binding]
        findings.append(
            challenge_check(options.challenge, options.domain, stated, options.challenge_state)
        )
        findings.append(subject_binding(holder, [payload_of(c) for c in embedded]))
        views: list[CredentialView] = []
        for index, credential in enumerate(embedded):
            token_inside = enveloped_token(credential) if isinstance(credential, dict) else None
            inner = credential if token_inside is None else token_inside
            outcome = (
                self._jwt_credential(inner, options, run)
                if isinstance(inner, str)
                else self._credential(inner, options, run)
            )
            findings.extend(
                _prefixed(f, f"verifiableCredential[{index}].") for f in outcome.findings
            )
            views.append(outcome.view)
        return self._report("presentation", findings, views, options, run, holder, "jwt")

    # --- the report ---------------------------------------------------------------------------

    def _report(
        self,
        kind: str,
        findings: Sequence[Finding],
        views: Sequence[CredentialView],
        options: CheckOptions,
        run: _Run,
        holder: str | None = None,
        fmt: str = "ldp",
    ) -> Report:
        chosen = [f for f in findings if _wanted(f.result.name, options.checks)]
        return Report(
            "presentation" if kind == "presentation" else "credential",
            tuple(chosen),
            tuple(views),
            tuple(run.log.uses),
            run.now,
            holder,
            fmt,
        )


_BINDING_PROBLEMS = (w3c.INVALID_CHALLENGE_ERROR, w3c.INVALID_DOMAIN_ERROR)


def _wanted(name: str, checks: frozenset[str] | None) -> bool:
    return checks is None or name.rsplit(".", 1)[-1] in checks


def _guarded(name: str, check: Callable[[], Finding]) -> Finding:
    """Run a check; an unexpected error makes it ``undetermined``, never a crash."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - a check that breaks cannot decide anything
        detail = f"the check could not be completed: {type(exc).__name__}: {exc}"
        problem = Problem.of(problems.INTERNAL_ERROR, detail)
        return Finding(CheckResult(name, "undetermined", (problem,)), detail)


def _insert_after(findings: list[Finding], name: str, extra: list[Finding]) -> list[Finding]:
    names = [f.result.name for f in findings]
    at = names.index(name) + 1 if name in names else len(findings)
    return [*findings[:at], *extra, *findings[at:]]


def _prefixed(finding: Finding, prefix: str) -> Finding:
    return replace(finding, result=replace(finding.result, name=prefix + finding.result.name))
