"""The verification pipeline over in-memory sources: every check, every refusal, one verdict."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.verifier import (
    NOW,
    InMemoryGrants,
    Signer,
    StaticDirectory,
    StaticStates,
    StaticStatus,
    accreditation,
    copy_of,
    key_entry,
    make_verifier,
    registry_entry,
    x_certificate,
)
from vc.jose import sign_vc_jwt
from vc.report import CheckResult
from verifier.checks import Finding
from verifier.pipeline import CheckOptions, parse_checks
from verifier.ports import CredentialState
from verifier.report import Report, verdict_of

ORG = Signer.new()
LEARNER = Signer.new()


def _statuses(report: Report) -> dict[str, str]:
    return {f.result.name: f.result.status for f in report.findings}


def _detail(report: Report, name: str) -> str:
    finding = report.check(name)
    assert finding is not None, f"no check {name} in {_statuses(report)}"
    return " ".join(p.detail for p in finding.result.problems) or finding.note


@pytest.fixture
def signed() -> dict[str, Any]:
    return ORG.sign(x_certificate(ORG.did, subject=LEARNER.did))


def _verify(document: Any, *, entry: dict[str, Any] | None = None, **kwargs: Any) -> Report:
    directory = StaticDirectory(entry or registry_entry(ORG))
    status = kwargs.pop("status", StaticStatus(ORG.did))
    options = kwargs.pop("options", None)
    return make_verifier(directory, status, **kwargs).verify(document, options)


def test_a_credential_from_an_accredited_organization_is_valid(signed: dict[str, Any]) -> None:
    report = _verify(signed)
    assert report.verdict == "valid", _statuses(report)
    assert list(_statuses(report)) == [
        "well-formed",
        "proof",
        "issuer-key",
        "issuer-accredited",
        "key-active",
        "validity-period",
        "status",
    ]
    body = report.to_json()
    assert body["verified"] is True
    credential = body["credential"]
    assert credential["holderName"] == "李晓明"
    assert credential["achievementName"]["zh"] == "Web前端开发（中级）"
    assert credential["level"] == {"code": "intermediate", "zh": "中级", "en": "Intermediate"}
    assert credential["issuer"]["registry"]["nameEn"] == "Huaxin Digital Skills Evaluation Centre"
    assert credential["issuer"]["accreditation"]["levels"] == ["junior", "intermediate", "senior"]
    assert credential["status"] == {"revocation": False, "suspension": False}


def test_a_tampered_credential_fails_its_proof_and_nothing_else_is_trusted(
    signed: dict[str, Any],
) -> None:
    tampered = copy_of(signed)
    tampered["credentialSubject"]["achievement"]["skillLevel"] = "senior"
    report = _verify(tampered)
    assert report.verdict == "invalid"
    statuses = _statuses(report)
    assert statuses["proof"] == "failed"
    assert statuses["issuer-accredited"] == statuses["status"] == "undetermined"
    assert "not checked" in _detail(report, "status")


@pytest.mark.parametrize(
    ("level", "domain", "reason"),
    [
        ("senior", "0402", "level 'senior' is outside the scope"),
        ("intermediate", "0815", "skill domain '0815' is outside the scope"),
    ],
)
def test_outside_the_accreditation_scope_is_invalid(level: str, domain: str, reason: str) -> None:
    entry = registry_entry(ORG, accreditations=[accreditation(levels=("junior", "intermediate"))])
    document = ORG.sign(x_certificate(ORG.did, level=level, domain=domain))
    report = _verify(document, entry=entry)
    assert report.verdict == "invalid"
    assert _statuses(report)["issuer-accredited"] == "failed"
    assert reason in _detail(report, "issuer-accredited")


@pytest.mark.parametrize(
    ("valid_from", "reason"),
    [
        ("2025-12-01T00:00:00Z", "not yet accredited at validFrom 2025-12-01"),
        ("2028-03-01T00:00:00Z", "the accreditation expired 2028-01-01"),
    ],
)
def test_outside_the_accreditation_period_is_invalid(valid_from: str, reason: str) -> None:
    entry = registry_entry(ORG, keys=[key_entry(ORG, active_from="2025-01-01T00:00:00Z")])
    document = ORG.sign(x_certificate(ORG.did, valid_from=valid_from))
    report = _verify(document, entry=entry)
    assert _statuses(report)["issuer-accredited"] == "failed"
    assert reason in _detail(report, "issuer-accredited")
    assert report.verdict == "invalid"


def test_a_suspension_counts_from_when_it_took_effect() -> None:
    suspended = accreditation(status="suspended", updated_at="2026-08-01T00:00:00Z")
    entry = registry_entry(ORG, accreditations=[suspended])
    before = _verify(
        ORG.sign(x_certificate(ORG.did, valid_from="2026-07-01T00:00:00Z")), entry=entry
    )
    after = _verify(
        ORG.sign(x_certificate(ORG.did, valid_from="2026-09-01T00:00:00Z")), entry=entry
    )
    assert _statuses(before)["issuer-accredited"] == "passed"
    assert _statuses(after)["issuer-accredited"] == "failed"
    detail = _detail(after, "issuer-accredited")
    assert "suspended at validFrom 2026-09-01T00:00:00Z (since 2026-08-01" in detail


def test_an_issuer_missing_from_the_registry_is_invalid(signed: dict[str, Any]) -> None:
    report = make_verifier(StaticDirectory(), StaticStatus(ORG.did)).verify(signed)
    assert _statuses(report)["issuer-accredited"] == "failed"
    assert "not in the trust registry" in _detail(report, "issuer-accredited")


def test_a_school_cannot_issue_an_x_certificate(signed: dict[str, Any]) -> None:
    report = _verify(signed, entry=registry_entry(ORG, kind="school"))
    assert "issued by a evaluation-organization" in _detail(report, "issuer-accredited")


def test_an_unreadable_registry_is_undetermined_never_valid(signed: dict[str, Any]) -> None:
    directory = StaticDirectory(registry_entry(ORG), unavailable=True)
    report = make_verifier(directory, StaticStatus(ORG.did)).verify(signed)
    assert report.verdict == "undetermined"
    assert _statuses(report)["issuer-accredited"] == "undetermined"
    assert report.to_json()["verified"] is False


@pytest.mark.parametrize(
    ("retired_at", "valid_from", "expected"),
    [
        ("2026-09-01T00:00:00Z", "2026-06-01T09:00:00Z", "passed"),
        ("2026-09-01T00:00:00Z", "2026-10-01T09:00:00Z", "failed"),
        (None, "2026-10-01T09:00:00Z", "passed"),
    ],
)
def test_a_retired_key_signs_only_what_came_before_its_retirement(
    retired_at: str | None, valid_from: str, expected: str
) -> None:
    entry = registry_entry(ORG, keys=[key_entry(ORG, retired_at=retired_at)])
    report = _verify(ORG.sign(x_certificate(ORG.did, valid_from=valid_from)), entry=entry)
    assert _statuses(report)["key-active"] == expected
    if expected == "failed":
        assert "was retired 2026-09-01" in _detail(report, "key-active")
        assert report.verdict == "invalid"


def test_a_key_not_yet_in_service_at_valid_from_is_refused() -> None:
    entry = registry_entry(ORG, keys=[key_entry(ORG, active_from="2026-07-01T00:00:00Z")])
    report = _verify(ORG.sign(x_certificate(ORG.did)), entry=entry)
    assert "came into service 2026-07-01" in _detail(report, "key-active")


@pytest.mark.parametrize(
    ("purpose", "headline"),
    [("revocation", "revoked by its issuer"), ("suspension", "suspended by its issuer")],
)
def test_revoked_and_suspended_credentials_are_invalid(
    signed: dict[str, Any], purpose: str, headline: str
) -> None:
    status = StaticStatus(ORG.did)
    status.set(purpose, 94567)
    report = _verify(signed, status=status)
    assert report.verdict == "invalid"
    assert headline in _detail(report, "status")


def test_a_superseded_credential_says_by_which_one(signed: dict[str, Any]) -> None:
    status = StaticStatus(ORG.did)
    status.set("revocation", 94567)
    successor = "urn:uuid:11111111-2222-4333-8444-555555555555"
    states = StaticStates({signed["id"]: CredentialState("revoked", "superseded", successor)})
    report = _verify(signed, status=status, states=states)
    assert f"superseded by {successor}" in _detail(report, "status")
    assert report.to_json()["credential"]["status"]["supersededBy"] == successor


def test_an_unreachable_status_list_is_undetermined_never_valid(signed: dict[str, Any]) -> None:
    status = StaticStatus(ORG.did)
    status.unreachable.add("https://status.example/lists/suspension/1")
    report = _verify(signed, status=status)
    assert report.verdict == "undetermined"
    assert report.verified is False
    assert "cannot be read" in _detail(report, "status")


def test_a_status_list_of_another_issuer_is_refused(signed: dict[str, Any]) -> None:
    report = _verify(signed, status=StaticStatus("did:key:z6MkSomeoneElse"))
    assert _statuses(report)["status"] == "failed"
    assert "is issued by did:key:z6MkSomeoneElse" in _detail(report, "status")


def test_an_expired_credential_is_invalid() -> None:
    document = x_certificate(ORG.did)
    document["validUntil"] = "2026-10-01T00:00:00Z"
    report = _verify(ORG.sign(document))
    assert _statuses(report)["validity-period"] == "failed"


def test_only_the_proof_when_asked(signed: dict[str, Any]) -> None:
    options = CheckOptions(checks=parse_checks(["proof"]))
    report = make_verifier(StaticDirectory(), StaticStatus(ORG.did)).verify(signed, options)
    assert _statuses(report) == {"proof": "passed"}
    assert report.verdict == "valid"


def test_unknown_check_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown check 'psychic'"):
        parse_checks(["proof", "psychic"])
    assert parse_checks(["credentialStatus", "expiration"]) == {"status", "validity-period"}


# --- vc+jwt -------------------------------------------------------------------------------------


def test_a_vc_jwt_is_verified_like_its_json_twin() -> None:
    token = sign_vc_jwt(x_certificate(ORG.did, subject=LEARNER.did), ORG.pair, kid=ORG.method)
    report = _verify(token)
    assert report.verdict == "valid", _statuses(report)
    assert report.format == "jwt"
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    bad = _verify(forged)
    assert bad.verdict == "invalid"
    assert _statuses(bad)["proof"] == "failed"
    assert bad.to_json()["credential"]["holderName"] == "李晓明"


def test_garbage_strings_are_malformed_not_errors() -> None:
    report = _verify("certainly not a credential")
    assert report.verdict == "invalid"
    assert _statuses(report) == {"well-formed": "failed"}


# --- presentations -------------------------------------------------------------------------------


def _presentation(credential: dict[str, Any], holder: Signer = LEARNER) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [credential],
    }


def test_a_presentation_answering_the_challenge_is_valid(signed: dict[str, Any]) -> None:
    presentation = LEARNER.sign(
        _presentation(signed), purpose="authentication", challenge="c-123", domain="hr.example"
    )
    report = _verify(presentation, options=CheckOptions(challenge="c-123", domain="hr.example"))
    assert report.verdict == "valid", _statuses(report)
    names = list(_statuses(report))
    assert names[:5] == ["well-formed", "proof", "holder-binding", "challenge", "subject-binding"]
    assert "verifiableCredential[0].issuer-accredited" in names
    assert report.to_json()["credentials"][0]["holderName"] == "李晓明"


def test_a_presentation_with_the_wrong_challenge_is_refused(signed: dict[str, Any]) -> None:
    presentation = LEARNER.sign(_presentation(signed), purpose="authentication", challenge="old")
    report = _verify(presentation, options=CheckOptions(challenge="fresh"))
    assert report.verdict == "invalid"
    assert _statuses(report)["challenge"] == "failed"
    assert "does not match the expected challenge" in _detail(report, "challenge")


def test_a_spent_challenge_is_refused(signed: dict[str, Any]) -> None:
    presentation = LEARNER.sign(_presentation(signed), purpose="authentication", challenge="c-1")
    options = CheckOptions(challenge="c-1", challenge_state="used")
    report = _verify(presentation, options=options)
    assert "already used" in _detail(report, "challenge")


def test_a_presentation_of_someone_elses_credential_is_refused(signed: dict[str, Any]) -> None:
    thief = Signer.new()
    presentation = thief.sign(_presentation(signed, thief), purpose="authentication")
    report = _verify(presentation)
    assert _statuses(report)["subject-binding"] == "failed"
    assert f"not the holder {thief.did}" in _detail(report, "subject-binding")


def test_a_presentation_signed_by_another_key_than_the_holders(signed: dict[str, Any]) -> None:
    presentation = Signer.new().sign(_presentation(signed), purpose="authentication")
    report = _verify(presentation)
    assert _statuses(report)["holder-binding"] == "failed"


def test_a_vp_jwt_carries_challenge_and_domain_as_nonce_and_aud(signed: dict[str, Any]) -> None:
    body = {**_presentation(signed), "nonce": "n-1", "aud": "hr.example"}
    token = sign_vc_jwt(body, LEARNER.pair, kid=LEARNER.method, typ="vp+jwt")
    good = _verify(token, options=CheckOptions(challenge="n-1", domain="hr.example"))
    assert good.verdict == "valid", _statuses(good)
    bad = _verify(token, options=CheckOptions(challenge="n-2"))
    assert _statuses(bad)["challenge"] == "failed"


def test_an_enveloped_vc_jwt_inside_a_presentation() -> None:
    token = sign_vc_jwt(x_certificate(ORG.did, subject=LEARNER.did), ORG.pair, kid=ORG.method)
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }
    presentation = LEARNER.sign(_presentation(envelope), purpose="authentication")
    report = _verify(presentation)
    assert report.verdict == "valid", _statuses(report)


def test_grants_are_an_in_memory_lookup_here(signed: dict[str, Any]) -> None:
    from verifier.inputs import read_text
    from verifier.ports import Grant

    grants = InMemoryGrants({"ABCD-EFGH": Grant((signed,))})
    submission = read_text(" ABCD-EFGH ", grants, now=NOW)
    assert submission.source == "grant"
    assert grants.looked_up == ["ABCD-EFGH"]
    assert _verify(submission.documents[0]).verdict == "valid"


# --- the verdict, as a property ---------------------------------------------------------------

STATUS = st.sampled_from(["passed", "failed", "undetermined"])


@given(st.lists(STATUS, max_size=12))
def test_the_verdict_is_valid_only_when_every_check_passed(statuses: list[str]) -> None:
    findings = [Finding(CheckResult(f"c{i}", s)) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    verdict = verdict_of(findings)
    if "failed" in statuses:
        assert verdict == "invalid"
    elif "undetermined" in statuses or not statuses:
        assert verdict == "undetermined"
    else:
        assert verdict == "valid"
