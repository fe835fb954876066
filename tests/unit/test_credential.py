"""VC Data Model checks: table-driven valid and invalid documents, dates, presentations.

The W3C Data Integrity vectors in ``../shared/w3c-vectors/eddsa/`` must pass the shape checks.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc import problems
from vc.credential import (
    V1_CONTEXT,
    V2_CONTEXT,
    check_credential,
    check_presentation,
    issuer_id,
    parse_datetime_stamp,
)

EDDSA_VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "w3c-vectors" / "eddsa"
MALFORMED, RANGE, PARSING = (
    problems.MALFORMED_VALUE_ERROR,
    problems.RANGE_ERROR,
    problems.PARSING_ERROR,
)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
SKEW = timedelta(minutes=5)
DELETE = object()

STATUS_ENTRY = {
    "id": "https://status.example/lists/3#94567",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "94567",
    "statusListCredential": "https://status.example/lists/3",
}
V2_CREDENTIAL: dict[str, Any] = {
    "@context": [V2_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "did:web:org.example", "name": "Example Evaluation Organization"},
    "validFrom": "2024-07-01T08:00:00+08:00",
    "validUntil": "2027-07-01T00:00:00Z",
    "name": {"zh-CN": "Web前端开发职业技能等级证书", "en": "Web Front-End Development"},
    "description": "An X certificate.",
    "credentialSubject": {"id": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E"},
    "credentialSchema": {"id": "https://onex.example/schemas/x.json", "type": "JsonSchema"},
    "credentialStatus": [STATUS_ENTRY, {**STATUS_ENTRY, "statusPurpose": "suspension"}],
}
V1_CREDENTIAL: dict[str, Any] = {
    "@context": [V1_CONTEXT, "https://w3id.org/security/data-integrity/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "issuer": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E",
    "issuanceDate": "2023-01-01T00:00:00Z",
    "expirationDate": "2030-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}


def _with(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(base)
    for key, value in changes.items():
        if value is DELETE:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def v2(**changes: Any) -> dict[str, Any]:
    return _with(V2_CREDENTIAL, {k.replace("context", "@context"): v for k, v in changes.items()})


def v1(**changes: Any) -> dict[str, Any]:
    return _with(V1_CREDENTIAL, {k.replace("context", "@context"): v for k, v in changes.items()})


def _check(document: Any, **options: Any) -> list[tuple[str, str | None]]:
    found = check_credential(document, now=NOW, **options)
    for problem in found:
        assert problem.detail.startswith(problem.property or ""), problem
        assert problem.title
    return [(p.type, p.property) for p in found]


# --- valid documents ---------------------------------------------------------------------------

VALID = {
    "v2-full": v2(),
    "v2-minimal": v2(id=DELETE, validFrom=DELETE, validUntil=DELETE, name=DELETE,
                     description=DELETE, credentialSchema=DELETE, credentialStatus=DELETE),
    "v2-issuer-string": v2(issuer="https://org.example/issuers/1"),
    "v2-type-string": v2(type="VerifiableCredential"),
    "v2-context-object": v2(context=[V2_CONTEXT, {"@vocab": "https://onex.example/vocab#"}]),
    "v2-subject-array": v2(credentialSubject=[{"id": "did:example:1"}, {"name": "B"}]),
    "v2-subject-without-id": v2(credentialSubject={"name": "Someone"}),
    "v2-status-object": v2(credentialStatus=STATUS_ENTRY),
    "v2-status-other-type": v2(credentialStatus={"type": "CredentialStatusList2017"}),
    "v2-schema-array": v2(credentialSchema=[{"id": "urn:x:1", "type": "JsonSchema"}] * 2),
    "v2-name-value-object": v2(name={"@value": "证书", "@language": "zh-CN"}),
    "v2-name-value-object-direction": v2(name={"@value": "شهادة", "@language": "ar",
                                               "@direction": "rtl"}),
    "v2-name-array": v2(name=["Certificate", {"@value": "证书", "@language": "zh-Hans-CN"}]),
    "v2-description-map": v2(description={"en": "A certificate", "zh": ["证书", "技能证书"]}),
    "v2-proof": v2(proof={"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}),
    "v2-proof-set": v2(proof=[{"type": "DataIntegrityProof"}, {"type": "Ed25519Signature2020"}]),
    "v2-evidence-terms-refresh": v2(
        evidence={"type": ["Evidence"]},
        termsOfUse=[{"type": "TrustFramework"}],
        refreshService={"type": "VerifiableCredentialRefreshService2021"},
    ),
    "v2-fractional-seconds-offset": v2(validFrom="2024-07-01T08:00:00.123456789-05:30"),
    "v2-end-of-day-24h": v2(validUntil="2026-12-31T24:00:00Z"),
    "v2-max-offset": v2(validFrom="2024-07-01T08:00:00+14:00"),
    "v2-same-from-until": v2(validFrom="2025-01-01T00:00:00Z", validUntil="2025-01-01T00:00:00Z"),
    "v1-full": v1(),
    "v1-no-expiration": v1(expirationDate=DELETE),
    "v1-issuer-object": v1(issuer={"id": "did:example:issuer", "name": "Issuer"}),
}  # fmt: skip


@pytest.mark.parametrize("document", VALID.values(), ids=VALID.keys())
def test_valid_documents_have_no_problems(document: dict[str, Any]) -> None:
    snapshot = copy.deepcopy(document)
    assert _check(document) == []
    assert document == snapshot


# --- invalid documents: (document, problem type, property) -------------------------------------

BAD_STATUS = {**STATUS_ENTRY, "statusListIndex": -1}
INVALID = {
    "context-missing": (v2(context=DELETE), MALFORMED, "@context"),
    "context-string": (v2(context=V2_CONTEXT), MALFORMED, "@context"),
    "context-empty": (v2(context=[]), MALFORMED, "@context"),
    "context-first-other": (v2(context=["https://example.com/ctx", V2_CONTEXT]), MALFORMED,
                            "@context[0]"),
    "context-item-number": (v2(context=[V2_CONTEXT, 5]), MALFORMED, "@context[1]"),
    "type-missing": (v2(type=DELETE), MALFORMED, "type"),
    "type-without-vc": (v2(type=["OpenBadgeCredential"]), MALFORMED, "type"),
    "type-not-strings": (v2(type=["VerifiableCredential", 3]), MALFORMED, "type"),
    "id-not-url": (v2(id="58172aac-d8ba"), MALFORMED, "id"),
    "id-number": (v2(id=42), MALFORMED, "id"),
    "issuer-missing": (v2(issuer=DELETE), MALFORMED, "issuer"),
    "issuer-not-url": (v2(issuer="Example Org"), MALFORMED, "issuer"),
    "issuer-array": (v2(issuer=["did:example:1"]), MALFORMED, "issuer"),
    "issuer-object-without-id": (v2(issuer={"name": "Org"}), MALFORMED, "issuer.id"),
    "issuer-object-bad-id": (v2(issuer={"id": "org"}), MALFORMED, "issuer.id"),
    "issuer-bad-name": (v2(issuer={"id": "did:example:1", "name": 7}), MALFORMED, "issuer.name"),
    "subject-missing": (v2(credentialSubject=DELETE), MALFORMED, "credentialSubject"),
    "subject-string": (v2(credentialSubject="did:example:1"), MALFORMED, "credentialSubject"),
    "subject-empty-array": (v2(credentialSubject=[]), MALFORMED, "credentialSubject"),
    "subject-empty-object": (v2(credentialSubject={}), MALFORMED, "credentialSubject"),
    "subject-array-item": (v2(credentialSubject=[{"id": "did:example:1"}, "x"]), MALFORMED,
                           "credentialSubject[1]"),
    "subject-bad-id": (v2(credentialSubject={"id": "learner 1"}), MALFORMED,
                       "credentialSubject.id"),
    "valid-from-no-zone": (v2(validFrom="2024-07-01T08:00:00"), MALFORMED, "validFrom"),
    "valid-from-date-only": (v2(validFrom="2024-07-01"), MALFORMED, "validFrom"),
    "valid-from-lowercase-z": (v2(validFrom="2024-07-01t08:00:00z"), MALFORMED, "validFrom"),
    "valid-from-no-seconds": (v2(validFrom="2024-07-01T08:00Z"), MALFORMED, "validFrom"),
    "valid-from-offset-too-big": (v2(validFrom="2024-07-01T08:00:00+14:30"), MALFORMED,
                                  "validFrom"),
    "valid-from-bad-day": (v2(validFrom="2023-02-29T00:00:00Z"), MALFORMED, "validFrom"),
    "valid-from-leap-second": (v2(validFrom="2016-12-31T23:59:60Z"), MALFORMED, "validFrom"),
    "valid-from-number": (v2(validFrom=1719792000), MALFORMED, "validFrom"),
    "valid-until-no-zone": (v2(validUntil="2027-07-01T00:00:00.5"), MALFORMED, "validUntil"),
    "valid-until-before-from": (v2(validFrom="2025-01-01T00:04:00Z",
                                   validUntil="2024-12-31T23:56:00Z"), RANGE, "validUntil"),
    "not-yet-valid": (v2(validFrom="2025-06-01T00:00:00Z"), RANGE, "validFrom"),
    "expired": (v2(validUntil="2024-12-01T00:00:00Z"), RANGE, "validUntil"),
    "name-number": (v2(name=12), MALFORMED, "name"),
    "name-map-bad-tag": (v2(name={"english": "x", "zh-CN": "证书"}), MALFORMED, "name"),
    "name-map-underscore-tag": (v2(name={"en_US": "x"}), MALFORMED, "name"),
    "name-plain-object": (v2(name={"title": "x"}), MALFORMED, "name"),
    "name-map-number": (v2(name={"en": 1}), MALFORMED, "name"),
    "name-empty-map": (v2(name={}), MALFORMED, "name"),
    "name-value-object-extra": (v2(name={"@value": "x", "@type": "xsd:string"}), MALFORMED, "name"),
    "name-value-object-bad-tag": (v2(name={"@value": "x", "@language": "en_US"}), MALFORMED,
                                  "name"),
    "name-value-object-bad-direction": (v2(name={"@value": "x", "@direction": "up"}), MALFORMED,
                                        "name"),
    "description-nested-array": (v2(description=[["x"]]), MALFORMED, "description"),
    "status-string": (v2(credentialStatus="https://status.example/1"), MALFORMED,
                      "credentialStatus"),
    "status-empty-array": (v2(credentialStatus=[]), MALFORMED, "credentialStatus"),
    "status-item-not-object": (v2(credentialStatus=[STATUS_ENTRY, 1]), MALFORMED,
                               "credentialStatus[1]"),
    "status-without-type": (v2(credentialStatus={"id": "urn:x:1"}), MALFORMED,
                            "credentialStatus.type"),
    "status-bad-id": (v2(credentialStatus={"type": "X", "id": "x"}), MALFORMED,
                      "credentialStatus.id"),
    "status-index-number": (v2(credentialStatus=[STATUS_ENTRY, BAD_STATUS]), MALFORMED,
                            "credentialStatus[1].statusListIndex"),
    "status-no-purpose": (v2(credentialStatus=_with(STATUS_ENTRY, {"statusPurpose": DELETE})),
                          MALFORMED, "credentialStatus.statusPurpose"),
    "status-no-list": (v2(credentialStatus=[_with(STATUS_ENTRY, {"statusListCredential": DELETE})]),
                       MALFORMED, "credentialStatus[0].statusListCredential"),
    "schema-without-id": (v2(credentialSchema={"type": "JsonSchema"}), MALFORMED,
                          "credentialSchema.id"),
    "schema-without-type": (v2(credentialSchema=[{"id": "urn:x:1"}]), MALFORMED,
                            "credentialSchema[0].type"),
    "schema-string": (v2(credentialSchema="https://x.example/s.json"), MALFORMED,
                      "credentialSchema"),
    "proof-without-type": (v2(proof={"proofValue": "z1"}), MALFORMED, "proof.type"),
    "proof-string": (v2(proof="eyJhbGciOi"), MALFORMED, "proof"),
    "proof-set-item": (v2(proof=[{"type": "DataIntegrityProof"}, {"type": ""}]), MALFORMED,
                       "proof[1].type"),
    "evidence-without-type": (v2(evidence=[{"id": "urn:x:1"}]), MALFORMED, "evidence[0].type"),
    "v1-no-issuance-date": (v1(issuanceDate=DELETE), MALFORMED, "issuanceDate"),
    "v1-issuance-date-no-zone": (v1(issuanceDate="2023-01-01T00:00:00"), MALFORMED, "issuanceDate"),
    "v1-expired": (v1(expirationDate="2024-01-01T00:00:00Z"), RANGE, "expirationDate"),
    "v1-not-yet-valid": (v1(issuanceDate="2026-01-01T00:00:00Z"), RANGE, "issuanceDate"),
    "v1-expiration-before-issuance": (v1(issuanceDate="2025-01-01T00:04:00Z",
                                         expirationDate="2024-12-31T23:56:00Z"), RANGE,
                                      "expirationDate"),
}  # fmt: skip


@pytest.mark.parametrize(("document", "problem_type", "prop"), INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_have_exactly_the_expected_problem(
    document: dict[str, Any], problem_type: str, prop: str
) -> None:
    assert _check(document) == [(problem_type, prop)]


def test_problem_detail_names_the_property_and_the_value() -> None:
    [problem] = check_credential(v2(credentialStatus=[STATUS_ENTRY, BAD_STATUS]), now=NOW)
    assert problem.detail.startswith("credentialStatus[1].statusListIndex must be")
    assert problem.detail.endswith("not -1")
    assert problem.title == "Malformed value error"
    [long] = check_credential(v2(id="x" * 500), now=NOW)
    assert '"xxxx' in long.detail and long.detail.endswith("…") and len(long.detail) < 150


def test_several_problems_are_all_reported() -> None:
    found = _check(v2(type=DELETE, issuer=DELETE, validFrom="soon"))
    assert found == [(MALFORMED, "type"), (MALFORMED, "issuer"), (MALFORMED, "validFrom")]


@pytest.mark.parametrize("document", [None, [], "{}", 3, True], ids=repr)
def test_a_non_object_is_a_parsing_error(document: Any) -> None:
    assert _check(document) == [(PARSING, None)]
    assert check_presentation(document, now=NOW)[0].type == PARSING


def test_vc_1_1_can_be_refused() -> None:
    assert _check(v1(), allow_v1=False) == [(MALFORMED, "@context[0]")]
    assert _check(v2(), allow_v1=False) == []


# --- validity period and clock skew ------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


SECOND = timedelta(seconds=1)
EDGES = {
    "valid-from-at-edge": (v2(validFrom=_stamp(NOW + SKEW)), []),
    "valid-from-beyond": (v2(validFrom=_stamp(NOW + SKEW + SECOND)), [(RANGE, "validFrom")]),
    "valid-until-at-edge": (v2(validUntil=_stamp(NOW - SKEW)), []),
    "valid-until-beyond": (v2(validUntil=_stamp(NOW - SKEW - SECOND)), [(RANGE, "validUntil")]),
    "issuance-at-edge": (v1(issuanceDate=_stamp(NOW + SKEW)), []),
    "issuance-beyond": (v1(issuanceDate=_stamp(NOW + SKEW + SECOND)), [(RANGE, "issuanceDate")]),
    "expiration-at-edge": (v1(expirationDate=_stamp(NOW - SKEW)), []),
    "expiration-beyond": (v1(expirationDate=_stamp(NOW - SKEW - SECOND)),
                          [(RANGE, "expirationDate")]),
    "other-zone-at-edge": (v2(validFrom="2025-01-01T08:05:00+08:00"), []),
    "other-zone-beyond": (v2(validFrom="2025-01-01T08:05:01+08:00"), [(RANGE, "validFrom")]),
}  # fmt: skip


@pytest.mark.parametrize(("document", "expected"), EDGES.values(), ids=EDGES.keys())
def test_clock_skew_edges(document: dict[str, Any], expected: list[Any]) -> None:
    assert _check(document, clock_skew=SKEW) == expected


def test_zero_skew_and_a_different_now() -> None:
    document = v2(validFrom=_stamp(NOW + SECOND))
    assert _check(document, clock_skew=timedelta(0)) == [(RANGE, "validFrom")]
    later = check_credential(document, now=NOW + 2 * SECOND, clock_skew=timedelta(0))
    assert later == []
    in_shanghai = NOW.astimezone(timezone(timedelta(hours=8)))
    assert check_credential(document, now=in_shanghai, clock_skew=timedelta(0)) != []


def test_range_problem_says_what_and_when() -> None:
    [problem] = check_credential(v2(validUntil="2024-12-01T00:00:00Z"), now=NOW)
    assert "2024-12-01T00:00:00Z" in problem.detail and "2025-01-01T00:00:00Z" in problem.detail


@pytest.mark.parametrize(
    ("now", "skew"),
    [(datetime(2025, 1, 1), SKEW), ("2025-01-01T00:00:00Z", SKEW), (NOW, -SECOND), (NOW, 300)],
    ids=["naive", "string", "negative-skew", "int-skew"],
)
def test_misuse_raises(now: Any, skew: Any) -> None:
    with pytest.raises(ValueError):
        check_credential(v2(), now=now, clock_skew=skew)
    with pytest.raises(ValueError):
        check_presentation({}, now=now, clock_skew=skew)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30)),
                                               timezone(timedelta(hours=14))])))  # fmt: skip
def test_datetime_stamp_round_trip(moment: datetime) -> None:
    text = moment.isoformat()
    assert parse_datetime_stamp(text) == moment
    assert parse_datetime_stamp(text.replace("+00:00", "Z")) == moment
    assert parse_datetime_stamp(moment.replace(tzinfo=None).isoformat()) is None


def test_datetime_stamp_edge_forms() -> None:
    assert parse_datetime_stamp("2024-12-31T24:00:00Z") == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_datetime_stamp("2024-12-31T24:00:01Z") is None
    assert parse_datetime_stamp("2024-01-01T00:00:00.1234567Z") == datetime(
        2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC
    )
    assert parse_datetime_stamp("0000-01-01T00:00:00Z") is None
    assert parse_datetime_stamp("2024-01-01T00:00:00Z\n") is None
    assert parse_datetime_stamp(None) is None


# --- presentations -----------------------------------------------------------------------------

PRESENTATION: dict[str, Any] = {
    "@context": [V2_CONTEXT],
    "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
    "type": ["VerifiablePresentation"],
    "holder": "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E",
    "verifiableCredential": [V2_CREDENTIAL],
    "proof": {"type": "DataIntegrityProof", "proofPurpose": "authentication"},
}
ENVELOPED = {
    "@context": [V2_CONTEXT],
    "id": "data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln",
    "type": "EnvelopedVerifiableCredential",
}


def vp(**changes: Any) -> dict[str, Any]:
    return _with(PRESENTATION, {k.replace("context", "@context"): v for k, v in changes.items()})


PRESENTATIONS = {
    "full": (vp(), []),
    "minimal": (vp(id=DELETE, holder=DELETE, verifiableCredential=DELETE, proof=DELETE), []),
    "holder-object": (vp(holder={"id": "did:example:holder"}), []),
    "single-credential": (vp(verifiableCredential=V2_CREDENTIAL), []),
    "v1-inside-v2": (vp(verifiableCredential=[V2_CREDENTIAL, V1_CREDENTIAL]), []),
    "enveloped": (vp(verifiableCredential=[ENVELOPED]), []),
    "v1-presentation": (vp(context=[V1_CONTEXT], verifiableCredential=V1_CREDENTIAL), []),
    "no-type": (vp(type=DELETE), [(MALFORMED, "type")]),
    "credential-type": (vp(type=["VerifiableCredential"]), [(MALFORMED, "type")]),
    "bad-context": (vp(context=[V1_CONTEXT[:-1]]), [(MALFORMED, "@context[0]")]),
    "holder-not-url": (vp(holder="me"), [(MALFORMED, "holder")]),
    "holder-object-no-id": (vp(holder={"name": "Me"}), [(MALFORMED, "holder.id")]),
    "id-not-url": (vp(id="presentation-1"), [(MALFORMED, "id")]),
    "proof-no-type": (vp(proof=[{"proofValue": "z1"}]), [(MALFORMED, "proof[0].type")]),
    "credentials-string": (vp(verifiableCredential="eyJ0eXAi"),
                           [(MALFORMED, "verifiableCredential")]),
    "credential-item-string": (vp(verifiableCredential=[V2_CREDENTIAL, "eyJ0eXAi"]),
                               [(MALFORMED, "verifiableCredential[1]")]),
    "embedded-expired": (vp(verifiableCredential=[v2(validUntil="2024-12-01T00:00:00Z")]),
                         [(RANGE, "verifiableCredential[0].validUntil")]),
    "embedded-single-bad-status": (vp(verifiableCredential=v2(credentialStatus=BAD_STATUS)),
                                   [(MALFORMED, "verifiableCredential.credentialStatus"
                                                ".statusListIndex")]),
    "embedded-second-no-issuer": (vp(verifiableCredential=[V2_CREDENTIAL, v2(issuer=DELETE)]),
                                  [(MALFORMED, "verifiableCredential[1].issuer")]),
    "enveloped-not-data-url": (vp(verifiableCredential=[{**ENVELOPED, "id": "https://x/1"}]),
                               [(MALFORMED, "verifiableCredential[0].id")]),
}  # fmt: skip


@pytest.mark.parametrize(("document", "expected"), PRESENTATIONS.values(), ids=PRESENTATIONS.keys())
def test_presentations(document: dict[str, Any], expected: list[Any]) -> None:
    found = check_presentation(document, now=NOW)
    assert [(p.type, p.property) for p in found] == expected
    for problem in found:
        assert problem.detail.startswith(problem.property or "")


def test_embedded_vc_1_1_can_be_refused() -> None:
    document = vp(verifiableCredential=V1_CREDENTIAL)
    found = check_presentation(document, now=NOW, allow_v1=False)
    assert [(p.type, p.property) for p in found] == [
        (MALFORMED, "verifiableCredential.@context[0]")
    ]


def test_embedded_problem_detail_is_prefixed() -> None:
    document = vp(verifiableCredential=[V2_CREDENTIAL, v2(issuer="Example Org")])
    [problem] = check_presentation(document, now=NOW)
    assert (
        problem.detail
        == 'verifiableCredential[1].issuer must be a URL or an object with an id, not "Example Org"'
    )


# --- issuer_id ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (v2(), "did:web:org.example"),
        (v1(), "did:key:z6MkhWqdDBPojHA7cprTGTt5yHv5yUi1B8cnXn8ReLumkw6E"),
        (v2(issuer={"name": "no id"}), None),
        (v2(issuer={"id": 5}), None),
        (v2(issuer=DELETE), None),
        ([], None),
    ],
)
def test_issuer_id(document: Any, expected: str | None) -> None:
    assert issuer_id(document) == expected


# --- W3C vectors -------------------------------------------------------------------------------


def _vector_credentials() -> list[Any]:
    if not EDDSA_VECTORS.is_dir():
        reason = f"W3C vectors not found at {EDDSA_VECTORS} (CI has ../shared beside the repo)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="missing")]
    found = []
    for path in sorted(EDDSA_VECTORS.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and "VerifiableCredential" in document.get("type", []):
            found.append(pytest.param(document, id=str(path.relative_to(EDDSA_VECTORS))))
    assert len(found) >= 10, f"expected the eddsa vectors' credentials in {EDDSA_VECTORS}"
    return found


@pytest.mark.vectors
@pytest.mark.parametrize("document", _vector_credentials())
def test_w3c_vector_credentials_pass_the_shape_checks(document: dict[str, Any]) -> None:
    assert check_credential(document, now=datetime(2024, 6, 1, tzinfo=UTC)) == []
