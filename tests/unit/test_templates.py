"""Credential templates: requests in, unsigned OB3 credentials out, checked every way we can.

Built X certificates and diplomas pass the data-model checks, canonicalize with no undefined
term, conform to their JSON Schemas, carry the national ID number only salted and hashed (OB3
IdentityHash), and sign and verify with eddsa-rdfc-2022. Bad requests fail naming the field.
Hypothesis builds random valid requests (CJK names, edge dates) and checks the same.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

import issuer.templates as templates
from issuer.templates import (
    CONTEXTS,
    CredentialKind,
    DiplomaRequest,
    IssuerProfile,
    TemplateError,
    XCertificateRequest,
    build_diploma,
    build_x_certificate,
    identity_hash,
    new_salt,
    schema_for,
    validate_against_schema,
)
from issuer.templates.requests import national_id_check_character
from vc.credential import check_credential, parse_datetime_stamp
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, format_datetime, verify_proofs
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader, canonize, expand
from vc.keys import KeyPair

REPO = Path(__file__).resolve().parents[2]
CST = timezone(timedelta(hours=8))
BASE = "http://127.0.0.1:8000"
LOADER = DocumentLoader.bundled()
LEARNER_DID = "did:key:z6Mkw9k7DKRXH8sf4YH9whEdM2B1V1JQ1ztqfUto1maoQXo6"
SALT = bytes(range(16))
CREDENTIAL_ID = "urn:uuid:4084fee1-59b4-57a0-a42d-0b232537c5d7"


def national_id(first17: str) -> str:
    return first17 + national_id_check_character(first17)


NATIONAL_ID = national_id("11010519491231002")
ORG = IssuerProfile(
    did="did:web:127.0.0.1%3A8000:orgs:huaxin-digital",
    slug="huaxin-digital",
    name_zh="华信数字技能评价中心",
    name_en="Huaxin Digital Skills Evaluation Centre",
    code="PJZZ-2019-0042",
)
SCHOOL = IssuerProfile(
    did="did:web:127.0.0.1%3A8000:orgs:jsit-college",
    slug="jsit-college",
    name_zh="江苏信息职业技术学院",
    name_en="Jiangsu Vocational College of Information Technology",
    code="4132014295",
)
X_REQUEST: dict[str, Any] = {
    "learner": {"name": "李晓明", "did": LEARNER_DID, "nationalIdNumber": NATIONAL_ID},
    "licenseNumber": "2024110101020345",
    "skillDomain": {
        "code": "0402",
        "name": {"zh-CN": "Web前端开发", "en": "Web Front-End Development"},
    },
    "level": "intermediate",
    "assessment": {
        "examSite": {
            "code": "KHZD-110108-007",
            "name": {"zh-CN": "北京信息职业技术学院考核站点", "en": "Beijing IT College exam site"},
        },
        "assessmentDate": "2024-06-22",
        "passMark": 60,
        "score": 86,
    },
    "credits": 4,
}
DIPLOMA_REQUEST: dict[str, Any] = {
    "learner": {
        "name": "王雨桐",
        "did": LEARNER_DID,
        "nationalIdNumber": national_id("32020220030412004"),
    },
    "diplomaNumber": "142951202506000128",
    "major": {
        "code": "510201",
        "name": {"zh-CN": "计算机应用技术", "en": "Computer Application Technology"},
    },
    "educationLevel": "higher-vocational",
    "studyStartDate": "2022-09-01",
    "studyEndDate": "2025-06-30",
    "graduationDate": "2025-06-30",
    "credits": "152.5",
}
X_FULL = {
    **X_REQUEST,
    "skillDomain": {
        **X_REQUEST["skillDomain"],
        "description": {"zh-CN": "能开发响应式网页。", "en": "Builds responsive pages."},
    },
    "assessment": {**X_REQUEST["assessment"], "score": "92.5", "passMark": "59.5"},
    "credits": "0.5",
    "validFrom": "2024-07-01T00:00:00+08:00",
    "validUntil": "2027-06-30T23:59:59+08:00",
}
DIPLOMA_FULL = {
    **DIPLOMA_REQUEST,
    "major": {
        **DIPLOMA_REQUEST["major"],
        "category": "电子与信息大类",
        "description": {"zh-CN": "培养技术技能人才。", "en": "Trains technicians."},
    },
    "creditsRequired": 150,
    "gradePointAverage": {"value": "3.42"},
    "validFrom": "2025-06-30T10:00:00+08:00",
}
WHEN = {
    "x-certificate": datetime(2024, 7, 15, 9, tzinfo=CST),
    "diploma": datetime(2025, 7, 1, 9, tzinfo=CST),
}
REQUESTS = {"x-certificate": (X_REQUEST, X_FULL), "diploma": (DIPLOMA_REQUEST, DIPLOMA_FULL)}
KINDS: list[CredentialKind] = ["x-certificate", "diploma"]
VARIANTS = [(kind, full) for kind in KINDS for full in (False, True)]


def status_entries(slug: str = "huaxin-digital") -> list[dict[str, Any]]:
    return [
        {
            "id": f"{BASE}/status/{slug}/{purpose}/1#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": f"{BASE}/status/{slug}/{purpose}/1",
        }
        for purpose, index in (("revocation", 94567), ("suspension", 23011))
    ]


def build(kind: CredentialKind, data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": CREDENTIAL_ID,
        "status_entries": status_entries(),
        "base_url": BASE,
        "valid_from": WHEN[kind],
        "salt": SALT,
        **overrides,
    }
    if kind == "x-certificate":
        return build_x_certificate(
            XCertificateRequest.model_validate(data), issuer=ORG, **arguments
        )
    return build_diploma(DiplomaRequest.model_validate(data), issuer=SCHOOL, **arguments)


def built(kind: CredentialKind, full: bool = False) -> dict[str, Any]:
    return build(kind, REQUESTS[kind][full])


def now_of(credential: dict[str, Any]) -> datetime:
    moment = parse_datetime_stamp(credential["validFrom"])
    assert moment is not None
    return moment


def walk(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for child in children:
            yield from walk(child)


def assert_sound(credential: dict[str, Any], kind: CredentialKind) -> None:
    """Data model, canonicalization (no undefined term) and JSON Schema all pass."""
    assert check_credential(credential, now=now_of(credential), allow_v1=False) == []
    assert canonize(credential, LOADER)
    assert validate_against_schema(credential, kind) == []


# --- built credentials --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "full"), VARIANTS)
def test_built_credential_is_sound(kind: CredentialKind, full: bool) -> None:
    assert_sound(built(kind, full), kind)


@pytest.mark.parametrize("kind", KINDS)
def test_built_credential_has_the_sample_shape(kind: CredentialKind) -> None:
    """Same keys at every level as ``tests/data`` (the sample may have a few more)."""
    sample = json.loads((REPO / "tests" / "data" / f"{kind}.json").read_text("utf-8"))
    credential = built(kind, full=True)
    assert credential["@context"] == list(CONTEXTS) == sample["@context"]
    assert credential["type"] == sample["type"]
    assert set(credential) <= set(sample) | {"validUntil"}
    assert set(credential["credentialSubject"]) == set(sample["credentialSubject"])
    achievement, expected = (
        credential["credentialSubject"]["achievement"],
        sample["credentialSubject"]["achievement"],
    )
    assert set(achievement) == set(expected)
    assert credential["credentialSchema"] == [
        {"id": f"{BASE}/schemas/{kind}/v1.json", "type": "JsonSchema"}
    ]


def test_x_certificate_names_and_achievement() -> None:
    credential = built("x-certificate")
    assert credential["name"] == [
        {"@value": "Web前端开发职业技能等级证书（中级）", "@language": "zh-CN"},
        {
            "@value": "Web Front-End Development Vocational Skill Level Certificate (Intermediate)",
            "@language": "en",
        },
    ]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{BASE}/orgs/huaxin-digital/achievements/x/0402/intermediate"
    assert achievement["achievementType"] == "Certification"
    assert achievement["resultDescription"][0]["requiredValue"] == "60"
    assert credential["credentialSubject"]["result"][0]["value"] == "86"
    assert credential["credentialSubject"]["creditsEarned"] == 4
    assert type(credential["credentialSubject"]["creditsEarned"]) is int


@pytest.mark.parametrize(
    ("level", "zh"), [("junior", "初级"), ("intermediate", "中级"), ("senior", "高级")]
)
def test_level_names(level: str, zh: str) -> None:
    credential = build("x-certificate", {**X_REQUEST, "level": level})
    assert credential["name"][0]["@value"].endswith(f"（{zh}）")
    assert credential["credentialSubject"]["achievement"]["skillLevel"] == level


def test_diploma_names_and_achievement() -> None:
    credential = built("diploma", full=True)
    assert credential["name"][0] == {
        "@value": "江苏信息职业技术学院 计算机应用技术专业 高职专科毕业证书",
        "@language": "zh-CN",
    }
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["id"] == (
        f"{BASE}/orgs/jsit-college/achievements/diploma/510201/higher-vocational/2022"
    )
    assert achievement["fieldOfStudy"] == "电子与信息大类"
    assert achievement["creditsAvailable"] == 150
    assert subject["creditsEarned"] == 152.5
    assert subject["result"][0]["resultDescription"] == achievement["resultDescription"][0]["id"]
    assert (subject["activityStartDate"], subject["graduationDate"]) == ("2022-09-01", "2025-06-30")


def test_building_is_deterministic_and_does_not_share_inputs() -> None:
    entries = status_entries()
    first = build("x-certificate", X_REQUEST, status_entries=entries)
    assert first == build("x-certificate", X_REQUEST, status_entries=entries)
    first["credentialStatus"][0]["statusListIndex"] = "1"
    assert entries[0]["statusListIndex"] == "94567"


@pytest.mark.parametrize(("kind", "full"), VARIANTS)
def test_no_list_and_no_node_with_two_scoped_types(kind: CredentialKind, full: bool) -> None:
    """PERFORMANCE-NOTES.md: either would send every credential to the slow path."""
    credential = built(kind, full)
    assert not any(item == "@list" for item in walk(expand(credential, LOADER)))
    scoped = {
        term
        for url in CONTEXTS
        for term, definition in json.loads(LOADER.context_text(url))["@context"].items()
        if isinstance(definition, dict) and "@context" in definition and term[:1].isupper()
    }
    assert {"VerifiableCredential", "Achievement", "Profile"} <= scoped
    for node in walk(credential):
        if isinstance(node, dict) and "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            assert len(scoped.intersection(types)) <= 1, node


def test_replaces_is_at_the_credential_level_and_signed() -> None:
    old = "urn:uuid:00000000-0000-4000-8000-000000000001"
    credential = build("diploma", DIPLOMA_REQUEST, replaces=old)
    assert credential["replaces"] == old
    assert f"<https://onex.cn/ns/1x#replaces> <{old}>" in canonize(credential, LOADER)
    assert validate_against_schema(credential, "diploma") == []


def test_subject_without_did_and_did_bound_later() -> None:
    learner = {key: value for key, value in X_REQUEST["learner"].items() if key != "did"}
    request = {**X_REQUEST, "learner": learner}
    unbound = build("x-certificate", request)
    assert "id" not in unbound["credentialSubject"]
    assert_sound(unbound, "x-certificate")
    other = did_key(KeyPair.generate().public)
    bound = build("x-certificate", request, subject_did=other)
    assert bound["credentialSubject"]["id"] == other
    assert_sound(bound, "x-certificate")


# --- the national ID number ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "full"), VARIANTS)
def test_national_id_never_in_clear(kind: CredentialKind, full: bool) -> None:
    data = REQUESTS[kind][full]
    number = data["learner"]["nationalIdNumber"]
    credential = built(kind, full)
    texts = [
        json.dumps(credential, ensure_ascii=False),
        json.dumps(credential),
        canonize(credential, LOADER),
    ]
    for text in texts:
        assert number not in text
        assert number[:17] not in text
        assert number[6:14] not in text  # the date of birth


def test_national_id_is_hashed_as_ob3_says() -> None:
    lower = NATIONAL_ID[:17] + NATIONAL_ID[17].lower()
    request = {**X_REQUEST, "learner": {**X_REQUEST["learner"], "nationalIdNumber": lower}}
    hashed = build("x-certificate", request)["credentialSubject"]["identifier"][1]
    salt_text = base64.urlsafe_b64encode(SALT).decode().rstrip("=")
    digest = hashlib.sha256((NATIONAL_ID + salt_text).encode("utf-8")).hexdigest()
    assert hashed == {
        "type": "IdentityObject",
        "identityType": "nationalIdentityNumber",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt_text,
    }
    assert identity_hash(NATIONAL_ID, salt_text) == f"sha256${digest}"


def test_name_identity_and_no_id_object_without_a_number() -> None:
    learner = {"name": "李晓明"}
    credential = build("x-certificate", {**X_REQUEST, "learner": learner})
    assert credential["credentialSubject"]["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "李晓明",
        }
    ]


def test_salts_differ_and_change_the_hash() -> None:
    draws = iter([bytes(16), b"\x01" * 16])
    first, second = (new_salt(lambda n: next(draws)) for _ in range(2))
    hashes = {
        build("x-certificate", X_REQUEST, salt=salt)["credentialSubject"]["identifier"][1][
            "identityHash"
        ]
        for salt in (first, second)
    }
    assert len(hashes) == 2


def test_national_id_stays_out_of_repr_and_error_text() -> None:
    request = XCertificateRequest.model_validate(X_REQUEST)
    assert NATIONAL_ID not in repr(request)
    bad = NATIONAL_ID[:17] + ("0" if NATIONAL_ID[17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        XCertificateRequest.model_validate(
            {**X_REQUEST, "learner": {"name": "李", "nationalIdNumber": bad}}
        )
    assert bad not in str(caught.value)


# --- signing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "full"), VARIANTS)
def test_sign_and_verify_eddsa_rdfc_2022(kind: CredentialKind, full: bool) -> None:
    key = KeyPair.generate("Ed25519")
    profile = IssuerProfile(did_key(key.public), "test-org", "测试机构", "Test Org", "T-1")
    request = REQUESTS[kind][full]
    model = XCertificateRequest if kind == "x-certificate" else DiplomaRequest
    builder: Callable[..., dict[str, Any]] = (
        build_x_certificate if kind == "x-certificate" else build_diploma
    )
    credential = builder(
        model.model_validate(request),
        issuer=profile,
        credential_id=CREDENTIAL_ID,
        status_entries=status_entries("test-org"),
        base_url=BASE,
        valid_from=WHEN[kind],
        salt=SALT,
    )
    options = ProofOptions(
        verification_method=did_key_verification_method(key.public),
        created=format_datetime(WHEN[kind]),
    )
    signed = add_proof(credential, suite=EDDSA_RDFC_2022, key=key, options=options, loader=LOADER)
    assert validate_against_schema(signed, kind) == []

    def verified(document: dict[str, Any]) -> bool:
        result = verify_proofs(
            document, suites=[EDDSA_RDFC_2022], resolver=resolve_did_key, loader=LOADER
        )
        return result.verified

    assert verified(signed)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "张三"
    assert not verified(tampered)


# --- invalid requests ---------------------------------------------------------------------------


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[last] = value
    return changed


BAD_NUMBER = NATIONAL_ID[:17] + ("0" if NATIONAL_ID[17] != "0" else "1")
INVALID: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("diploma", "diplomaNumber", "14295120250600012", ("diplomaNumber",)),
    ("diploma", "diplomaNumber", "14295120250600012A", ("diplomaNumber",)),
    ("diploma", "graduationDate", "2024-06-30", ("graduationDate",)),  # not the number's year
    ("diploma", "studyEndDate", "2022-08-31", ("studyEndDate",)),
    ("diploma", "studyStartDate", "2025-07-01", ("studyEndDate",)),
    ("diploma", "educationLevel", "doctorate", ("educationLevel",)),
    ("diploma", "credits", "152.125", ("credits",)),
    ("diploma", "credits", -1, ("credits",)),
    ("diploma", "gradePointAverage", {"value": "4.5"}, ("gradePointAverage", "value")),
    ("diploma", "major.code", "51 02", ("major", "code")),
    ("diploma", "validFrom", "2025-06-29T23:00:00+08:00", ("validFrom",)),
    ("diploma", "validUntil", "2030-01-01T00:00:00Z", ("validUntil",)),  # diplomas never expire
    ("x-certificate", "level", "expert", ("level",)),
    ("x-certificate", "nickname", "小明", ("nickname",)),
    ("x-certificate", "learner.nationalId", NATIONAL_ID, ("learner", "nationalId")),
    ("x-certificate", "assessment.score", 101, ("assessment", "score")),
    ("x-certificate", "assessment.score", -0.5, ("assessment", "score")),
    ("x-certificate", "assessment.score", "NaN", ("assessment", "score")),
    ("x-certificate", "assessment.score", 59, ("assessment", "score")),  # below the pass mark
    ("x-certificate", "assessment.passMark", 100.5, ("assessment", "passMark")),
    ("x-certificate", "assessment.assessmentDate", "2024-02-30", ("assessment", "assessmentDate")),
    ("x-certificate", "credits", 20.5, ("credits",)),
    ("x-certificate", "licenseNumber", "202411", ("licenseNumber",)),
    ("x-certificate", "licenseNumber", "20241101010203450000000001", ("licenseNumber",)),
    ("x-certificate", "learner.nationalIdNumber", BAD_NUMBER, ("learner", "nationalIdNumber")),
    (
        "x-certificate",
        "learner.nationalIdNumber",
        "1101051949123100",
        ("learner", "nationalIdNumber"),
    ),
    ("x-certificate", "learner.did", "did:example:123", ("learner", "did")),
    ("x-certificate", "learner.did", "did:key:z6MkInvalid", ("learner", "did")),
    ("x-certificate", "learner.did", LEARNER_DID + "#key-1", ("learner", "did")),
    ("x-certificate", "learner.name", "李\n晓明", ("learner", "name")),
    ("x-certificate", "learner.name", "   ", ("learner", "name")),
    ("x-certificate", "skillDomain.name.zh-CN", "", ("skillDomain", "name", "zh-CN")),
    ("x-certificate", "skillDomain.name.fr", "Web", ("skillDomain", "name", "fr")),
    ("x-certificate", "validFrom", "2024-07-15T09:00:00", ("validFrom",)),  # no time zone
    ("x-certificate", "validFrom", "2024-06-21T23:00:00+08:00", ("validFrom",)),
    ("x-certificate", "validUntil", "2024-06-01T00:00:00Z", ("validUntil",)),
]


@pytest.mark.parametrize(("kind", "path", "value", "loc"), INVALID)
def test_invalid_request_names_the_field(
    kind: CredentialKind, path: str, value: Any, loc: tuple[str, ...]
) -> None:
    base = {
        "x-certificate": {**X_REQUEST, "validFrom": "2024-07-01T00:00:00+08:00"},
        "diploma": DIPLOMA_REQUEST,
    }[kind]
    data = _set(base, path, value)
    model = XCertificateRequest if kind == "x-certificate" else DiplomaRequest
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    locations = [error["loc"] for error in caught.value.errors()]
    assert loc in locations, locations


def test_cross_field_messages_name_both_fields() -> None:
    with pytest.raises(ValidationError, match=r"studyEndDate 2022-08-31 is before studyStartDate"):
        DiplomaRequest.model_validate({**DIPLOMA_REQUEST, "studyEndDate": "2022-08-31"})
    with pytest.raises(ValidationError, match=r"score 59 is below passMark 60"):
        XCertificateRequest.model_validate(_set(X_REQUEST, "assessment.score", 59))


def test_python_names_are_accepted_too() -> None:
    data = {**X_REQUEST, "license_number": X_REQUEST["licenseNumber"]}
    del data["licenseNumber"]
    assert XCertificateRequest.model_validate(data).license_number == "2024110101020345"


def _all_models() -> list[type[BaseModel]]:
    found = [
        value
        for value in vars(templates).values()
        if isinstance(value, type) and issubclass(value, BaseModel)
    ]
    return sorted(found, key=lambda model: model.__name__)


@pytest.mark.parametrize("model", _all_models(), ids=lambda model: model.__name__)
def test_every_request_field_is_described(model: type[BaseModel]) -> None:
    """They show in the OpenAPI document."""
    assert model.__doc__
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no description"
    schema = model.model_json_schema()
    assert schema.get("additionalProperties") is False


# --- build-time errors --------------------------------------------------------------------------


BUILD_ERRORS: list[tuple[dict[str, Any], str]] = [
    ({"credential_id": "4084fee1-59b4-57a0-a42d-0b232537c5d7"}, "credential_id"),
    ({"credential_id": "https://example.org/credentials/1"}, "credential_id"),
    ({"status_entries": status_entries()[:1]}, "suspension"),
    (
        {"status_entries": [{**status_entries()[0], "statusListIndex": 7}, status_entries()[1]]},
        "statusListIndex",
    ),
    ({"valid_from": datetime(2024, 7, 15, 9)}, "valid_from"),
    ({"valid_from": datetime(2024, 6, 21, 15, 59, tzinfo=UTC)}, "assessment.assessmentDate"),
    ({"salt": b"short"}, "salt"),
    ({"subject_did": "did:example:1"}, "subject_did"),
    ({"base_url": "ftp://example.org"}, "base_url"),
    ({"replaces": CREDENTIAL_ID}, "replaces"),
]


@pytest.mark.parametrize(("overrides", "named"), BUILD_ERRORS)
def test_build_refuses_bad_inputs(overrides: dict[str, Any], named: str) -> None:
    with pytest.raises(TemplateError, match=named.replace(".", r"\.")):
        build("x-certificate", X_REQUEST, **overrides)


def test_issuer_profile_is_checked() -> None:
    with pytest.raises(TemplateError, match=r"issuer\.slug"):
        IssuerProfile("did:web:example.org", "Bad Slug", "名", "Name", "1")
    with pytest.raises(TemplateError, match=r"issuer\.did"):
        IssuerProfile("example.org", "org", "名", "Name", "1")


def test_validity_end_must_follow_the_default_start() -> None:
    request = {**X_REQUEST, "validUntil": "2024-07-01T00:00:00+08:00"}
    with pytest.raises(TemplateError, match="validUntil"):
        build("x-certificate", request)  # the default start, 2024-07-15, is later


def test_start_at_midnight_china_time_of_the_assessment_day_is_accepted() -> None:
    start = datetime.combine(date(2024, 6, 22), time(), CST).astimezone(UTC)
    credential = build("x-certificate", X_REQUEST, valid_from=start)
    assert credential["validFrom"] == "2024-06-21T16:00:00Z"


# --- JSON Schemas -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_schema_ids(kind: CredentialKind) -> None:
    assert schema_for(kind)["$id"] == f"urn:onex:schemas:{kind}:v1"
    served = schema_for(kind, base_url=BASE + "/")
    assert served["$id"] == built(kind)["credentialSchema"][0]["id"]
    assert served["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_for(kind)["$id"] == f"urn:onex:schemas:{kind}:v1"  # the copy was a copy


@pytest.mark.parametrize("kind", KINDS)
def test_samples_conform_to_the_schemas(kind: CredentialKind) -> None:
    sample = json.loads((REPO / "tests" / "data" / f"{kind}.json").read_text("utf-8"))
    assert validate_against_schema(sample, kind) == []


def _plain_id(credential: dict[str, Any]) -> None:
    identity = credential["credentialSubject"]["identifier"][1]
    identity.update(hashed=False, identityHash=NATIONAL_ID)
    del identity["salt"]


SCHEMA_BREAKS: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "x-certificate",
        lambda c: c["credentialSubject"].pop("licenseNumber"),
        "$.credentialSubject",
    ),
    ("x-certificate", _plain_id, "$.credentialSubject.identifier[1]"),
    (
        "x-certificate",
        lambda c: c["credentialSubject"]["achievement"].update(skillLevel="expert"),
        "$.credentialSubject.achievement.skillLevel",
    ),
    ("x-certificate", lambda c: c["credentialStatus"].pop(), "$.credentialStatus"),
    ("x-certificate", lambda c: c["@context"].reverse(), "$['@context'][0]"),
    ("x-certificate", lambda c: c["name"].pop(), "$.name"),
    ("x-certificate", lambda c: c.update(validFrom="2024-07-15"), "$.validFrom"),
    (
        "x-certificate",
        lambda c: c["credentialSubject"].update(nickname="明"),
        "$.credentialSubject",
    ),
    (
        "diploma",
        lambda c: c["credentialSubject"].update(diplomaNumber="1"),
        "$.credentialSubject.diplomaNumber",
    ),
    (
        "diploma",
        lambda c: c["credentialSubject"].update(graduationDate="2025-02-30"),
        "$.credentialSubject.graduationDate",
    ),
    ("diploma", lambda c: c["type"].remove("EducationDiploma"), "$.type"),
    (
        "diploma",
        lambda c: c["credentialSubject"]["achievement"].update(achievementType="Certification"),
        "$.credentialSubject.achievement.achievementType",
    ),
]


@pytest.mark.parametrize(("kind", "damage", "path"), SCHEMA_BREAKS)
def test_schema_rejects_what_we_never_issue(
    kind: CredentialKind, damage: Callable[[dict[str, Any]], Any], path: str
) -> None:
    credential = built(kind, full=True)
    damage(credential)
    errors = validate_against_schema(credential, kind)
    assert any(error.startswith(f"{path}: ") for error in errors), errors


def test_schema_of_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        schema_for("transcript")  # type: ignore[arg-type]


def test_package_exports_match_all() -> None:
    public = {name for name in vars(templates) if not name.startswith("_")}
    modules = {"build", "identity", "requests", "validation", "wording"}
    assert set(templates.__all__) == public - modules


# --- property tests -----------------------------------------------------------------------------

CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12)
ANY_TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), min_size=1, max_size=30
)
NAMES = st.one_of(CJK, ANY_TEXT)
CODES = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")
DATES = st.dates(min_value=date(1949, 10, 1), max_value=date(2199, 12, 31))
DIDS = st.sampled_from([None, LEARNER_DID, "did:web:learners.example.cn:u:42"])
NATIONAL_IDS = st.one_of(st.none(), st.from_regex(r"\A[0-9]{17}\Z").map(national_id))


def _names(draw: st.DrawFn) -> dict[str, str]:
    return {"zh-CN": draw(CJK), "en": draw(NAMES)}


def _learner(draw: st.DrawFn) -> dict[str, Any]:
    learner = {"name": draw(NAMES), "did": draw(DIDS), "nationalIdNumber": draw(NATIONAL_IDS)}
    return {key: value for key, value in learner.items() if value is not None}


def _start(draw: st.DrawFn, day: date) -> datetime:
    return datetime.combine(day, time(), CST) + timedelta(minutes=draw(st.integers(0, 3000)))


def _decimal(draw: st.DrawFn, low: Decimal, high: Decimal, places: int) -> str:
    return str(draw(st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False)))


@st.composite
def x_inputs(draw: st.DrawFn) -> tuple[dict[str, Any], datetime]:
    day = draw(DATES)
    pass_mark = _decimal(draw, Decimal(0), Decimal(100), 1)
    data: dict[str, Any] = {
        "learner": _learner(draw),
        "licenseNumber": draw(st.from_regex(r"\A[0-9]{10,24}\Z")),
        "skillDomain": {"code": draw(CODES), "name": _names(draw)},
        "level": draw(st.sampled_from(["junior", "intermediate", "senior"])),
        "assessment": {
            "examSite": {"code": draw(CODES), "name": _names(draw)},
            "assessmentDate": day.isoformat(),
            "passMark": pass_mark,
            "score": _decimal(draw, Decimal(pass_mark), Decimal(100), 1),
        },
        "credits": _decimal(draw, Decimal(0), Decimal(20), 2),
    }
    start = _start(draw, day)
    if draw(st.booleans()):
        data["validUntil"] = (start + timedelta(days=draw(st.integers(1, 3650)))).isoformat()
    return data, start


@st.composite
def diploma_inputs(draw: st.DrawFn) -> tuple[dict[str, Any], datetime]:
    start_day = draw(DATES)
    end_day = start_day + timedelta(days=draw(st.integers(0, 2000)))
    graduation = end_day + timedelta(days=draw(st.integers(0, 60)))
    number = draw(st.from_regex(r"\A[0-9]{6}\Z")) + f"{graduation.year:04d}"
    data: dict[str, Any] = {
        "learner": _learner(draw),
        "diplomaNumber": number + draw(st.from_regex(r"\A[0-9]{8}\Z")),
        "major": {"code": draw(CODES), "name": _names(draw)},
        "educationLevel": draw(
            st.sampled_from(
                ["secondary-vocational", "higher-vocational", "vocational-bachelor", "bachelor"]
            )
        ),
        "studyStartDate": start_day.isoformat(),
        "studyEndDate": end_day.isoformat(),
        "graduationDate": graduation.isoformat(),
        "credits": _decimal(draw, Decimal(0), Decimal(500), 2),
    }
    if draw(st.booleans()):
        data["gradePointAverage"] = {"value": _decimal(draw, Decimal(0), Decimal(4), 2)}
        data["major"]["category"] = draw(NAMES)
    return data, _start(draw, graduation)


def assert_id_hidden(data: dict[str, Any], credential: dict[str, Any]) -> None:
    number = data["learner"].get("nationalIdNumber")
    others = json.dumps({key: value for key, value in data.items() if key != "learner"})
    if number is not None and number not in others:
        assert number not in json.dumps(credential, ensure_ascii=False)


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(x_inputs())
def test_random_x_requests_build_sound_credentials(inputs: tuple[dict[str, Any], datetime]) -> None:
    data, start = inputs
    credential = build("x-certificate", data, valid_from=start)
    assert_sound(credential, "x-certificate")
    assert_id_hidden(data, credential)


@PROPERTY_SETTINGS
@given(diploma_inputs())
def test_random_diploma_requests_build_sound_credentials(
    inputs: tuple[dict[str, Any], datetime],
) -> None:
    data, start = inputs
    credential = build("diploma", data, valid_from=start)
    assert_sound(credential, "diploma")
    assert_id_hidden(data, credential)
