"""The verifier's own checks, beyond the core ones of :mod:`vc.verify`.

Each returns a :class:`Finding`: the :class:`~vc.report.CheckResult` and a short note saying,
in words, what was found (shown for passed checks too). None raises for a bad document; a
source that cannot be read makes its check ``undetermined``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vc import problems as w3c
from vc.errors import StatusListError
from vc.report import CheckResult, CheckStatus, Problem
from vc.status_list import MIN_ENTRIES, StatusEntry, StatusList, status_entries
from verifier import problems
from verifier.claims import credential_claim, credential_id, issuer_id, valid_from
from verifier.ports import (
    CacheUse,
    CredentialState,
    SourceUnavailable,
    StatusSource,
    SupersessionLookup,
    TrustAnswer,
    TrustRegistry,
)

_WORST: dict[CheckStatus, int] = {"passed": 0, "undetermined": 1, "failed": 2}


@dataclass(frozen=True)
class Finding:
    """One check's result, a note in words, what it learned and the cached data it used."""

    result: CheckResult
    note: str = ""
    cache: tuple[CacheUse, ...] = ()
    trust: TrustAnswer | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def worst(statuses: Sequence[CheckStatus]) -> CheckStatus:
    return max(statuses, key=lambda s: _WORST[s], default="passed")


def not_checked(name: str, why: str) -> Finding:
    """A check that could not run because an earlier one failed (``undetermined``)."""
    problem = Problem.of(problems.NOT_CHECKED, f"not checked: {why}")
    return Finding(CheckResult(name, "undetermined", (problem,)), f"not checked: {why}")


def _from_answer(name: str, answer: TrustAnswer, prop: str) -> Finding:
    found: tuple[Problem, ...] = ()
    if answer.status != "passed":
        kind = answer.problem_type or problems.SOURCE_UNAVAILABLE
        found = (Problem.of(kind, answer.reason, prop),)
    return Finding(CheckResult(name, answer.status, found), answer.reason, answer.cache, answer)


# --- issuer accredited ------------------------------------------------------------------------


def issuer_accredited(credential: dict[str, Any], trust: TrustRegistry) -> Finding:
    """The issuer is in the registry and was accredited for this credential at ``validFrom``."""
    name = "issuer-accredited"
    issuer, start = issuer_id(credential), valid_from(credential)
    if issuer is None or start is None:
        missing = "issuer" if issuer is None else "validFrom"
        problem = Problem.of(w3c.MALFORMED_VALUE_ERROR, f"the credential has no {missing}")
        return Finding(CheckResult(name, "failed", (problem,)), problem.detail)
    return _from_answer(
        name, trust.accreditation(issuer, credential_claim(credential), start), "issuer"
    )


# --- signing key in service ---------------------------------------------------------------------


def key_active(credential: dict[str, Any], methods: Sequence[str], trust: TrustRegistry) -> Finding:
    """Every key that signed was in service at ``validFrom`` (a retired key only before its
    retirement)."""
    name = "key-active"
    issuer, start = issuer_id(credential), valid_from(credential)
    if issuer is None or start is None or not methods:
        missing = "issuer" if issuer is None else "validFrom" if start is None else "signing key"
        problem = Problem.of(w3c.MALFORMED_VALUE_ERROR, f"the credential has no {missing}")
        return Finding(CheckResult(name, "failed", (problem,)), problem.detail)
    answers = [trust.signing_key(issuer, method, start) for method in methods]
    found = tuple(
        Problem.of(a.problem_type or problems.SOURCE_UNAVAILABLE, a.reason, "proof")
        for a in answers
        if a.status != "passed"
    )
    status = worst([a.status for a in answers])
    note = "; ".join(a.reason for a in answers)
    cache = tuple(use for a in answers for use in a.cache)
    return Finding(CheckResult(name, status, found), note, cache)


# --- status ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EntryOutcome:
    status: CheckStatus
    purpose: str
    problem: Problem | None = None
    set: bool = False
    cache: CacheUse | None = None


def credential_status(
    credential: dict[str, Any],
    source: StatusSource,
    supersession: SupersessionLookup | None,
) -> Finding:
    """Revocation and suspension by the credential's status lists; a revoked credential that
    the issuer superseded says by which one."""
    name = "status"
    try:
        entries = status_entries(credential)
    except StatusListError as exc:
        problem = Problem.from_error(exc, "credentialStatus")
        return Finding(CheckResult(name, "failed", (problem,)), exc.message)
    if not entries:
        return Finding(CheckResult(name, "passed"), "the credential has no status list entry")
    issuer = issuer_id(credential) or ""
    outcomes = [_entry_outcome(entry, issuer, source) for entry in entries]
    found = [o.problem for o in outcomes if o.problem is not None]
    cache = tuple(o.cache for o in outcomes if o.cache is not None)
    facts: dict[str, Any] = {o.purpose: o.set for o in outcomes if o.status == "passed" or o.set}
    if any(o.set and o.purpose == "revocation" for o in outcomes):
        revoked, state = _revocation_problem(credential, issuer, supersession)
        found = [revoked, *(p for p in found if p.type != problems.CREDENTIAL_REVOKED)]
        facts["supersededBy"] = state.superseded_by if state else None
        facts["reason"] = state.reason if state else None
    status = worst([o.status for o in outcomes])
    note = "; ".join(p.detail for p in found) or _clear_note(outcomes)
    result = CheckResult(name, status, tuple(found))
    return Finding(result, note, cache, facts=facts)


def _clear_note(outcomes: Sequence[_EntryOutcome]) -> str:
    purposes = " and ".join(o.purpose for o in outcomes)
    return f"not set in its {purposes} list" + ("s" if len(outcomes) > 1 else "")


def _entry_outcome(entry: StatusEntry, issuer: str, source: StatusSource) -> _EntryOutcome:
    url, purpose = entry.status_list_credential, entry.status_purpose
    prop = "credentialStatus"
    try:
        view = source.status_list(url)
    except SourceUnavailable as exc:
        detail = f"the {purpose} list {url} cannot be read: {exc.message}"
        problem = Problem.of(w3c.STATUS_RETRIEVAL_ERROR, detail, prop)
        return _EntryOutcome("undetermined", purpose, problem)
    except StatusListError as exc:
        return _EntryOutcome("failed", purpose, Problem.from_error(exc, prop))
    if view.issuer != issuer:
        detail = f"the {purpose} list {url} is issued by {view.issuer}, not by {issuer}"
        problem = Problem.of(w3c.STATUS_VERIFICATION_ERROR, detail, prop)
        return _EntryOutcome("failed", purpose, problem, cache=view.cache)
    if purpose not in view.purposes:
        detail = f"the list {url} is for {', '.join(view.purposes)}, not {purpose}"
        problem = Problem.of(w3c.STATUS_VERIFICATION_ERROR, detail, prop)
        return _EntryOutcome("failed", purpose, problem, cache=view.cache)
    try:
        bits = StatusList(view.bits, entry.status_size)
        if bits.entries < MIN_ENTRIES:
            raise StatusListError(
                f"the list {url} has {bits.entries} entries, fewer than {MIN_ENTRIES}"
            )
        value = bits.get(entry.status_list_index)
    except StatusListError as exc:
        return _EntryOutcome("failed", purpose, Problem.from_error(exc, prop), cache=view.cache)
    return _value_outcome(entry, value, view.cache)


def _value_outcome(entry: StatusEntry, value: int, cache: CacheUse | None) -> _EntryOutcome:
    purpose = entry.status_purpose
    if value == 0:
        return _EntryOutcome("passed", purpose, cache=cache)
    if purpose == "revocation":
        problem = Problem.of(
            problems.CREDENTIAL_REVOKED, "revoked by its issuer", "credentialStatus"
        )
        return _EntryOutcome("failed", purpose, problem, True, cache)
    if purpose == "suspension":
        problem = Problem.of(
            problems.CREDENTIAL_SUSPENDED, "suspended by its issuer", "credentialStatus"
        )
        return _EntryOutcome("failed", purpose, problem, True, cache)
    return _EntryOutcome("passed", purpose, set=True, cache=cache)


def _revocation_problem(
    credential: dict[str, Any], issuer: str, supersession: SupersessionLookup | None
) -> tuple[Problem, CredentialState | None]:
    state = None
    identifier = credential_id(credential)
    if supersession is not None and identifier is not None:
        try:
            state = supersession.credential_state(identifier, issuer)
        except SourceUnavailable:
            state = None
    if state is not None and state.superseded_by:
        detail = f"revoked: superseded by {state.superseded_by}"
        detail += f" ({state.reason})" if state.reason and state.reason != "superseded" else ""
        return Problem.of(problems.CREDENTIAL_SUPERSEDED, detail, "credentialStatus"), state
    detail = "revoked by its issuer" + (f": {state.reason}" if state and state.reason else "")
    return Problem.of(problems.CREDENTIAL_REVOKED, detail, "credentialStatus"), state


# --- presentations -----------------------------------------------------------------------------


def subject_binding(holder: str | None, credentials: Sequence[Any]) -> Finding:
    """Every credential presented is about the holder who signed the presentation."""
    name = "subject-binding"
    if holder is None:
        problem = Problem.of(problems.HOLDER_MISMATCH, "the presentation names no holder", "holder")
        return Finding(CheckResult(name, "failed", (problem,)), problem.detail)
    found = []
    for index, credential in enumerate(credentials):
        subjects = _subject_ids(credential)
        if holder not in subjects:
            about = ", ".join(subjects) or "no one"
            detail = f"verifiableCredential[{index}] is about {about}, not the holder {holder}"
            found.append(
                Problem.of(problems.HOLDER_MISMATCH, detail, f"verifiableCredential[{index}]")
            )
    note = "; ".join(p.detail for p in found) or f"every credential is about the holder {holder}"
    return Finding(CheckResult.from_problems(name, found), note)


def _subject_ids(credential: Any) -> list[str]:
    if not isinstance(credential, dict):
        return []
    subjects = credential.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    return [s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)]


def challenge_check(
    expected: str | None,
    domain: str | None,
    stated: Sequence[Problem],
    store_state: str | None,
) -> Finding:
    """The presentation answers the challenge (and domain) the verifier asked for: the proof
    carries them (``stated``: the proof's challenge and domain problems) and a challenge this
    verifier issued is unexpired and unused."""
    name = "challenge"
    if expected is None:
        note = "no challenge was asked for: the presentation may be a replay"
        return Finding(CheckResult(name, "passed"), note)
    found = list(stated)
    if store_state == "used":
        found.append(
            Problem.of(
                w3c.INVALID_CHALLENGE_ERROR,
                f"the challenge {expected!r} was already used",
                "proof.challenge",
            )
        )
    elif store_state == "expired":
        found.append(
            Problem.of(
                w3c.INVALID_CHALLENGE_ERROR,
                f"the challenge {expected!r} has expired",
                "proof.challenge",
            )
        )
    where = f" for {domain}" if domain else ""
    note = "; ".join(p.detail for p in found) or f"answers the challenge {expected!r}{where}"
    return Finding(CheckResult.from_problems(name, found), note)
