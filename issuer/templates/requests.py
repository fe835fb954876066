"""What an issuance request carries: the issuer's public API input (pydantic v2 models).

JSON field names are camelCase (``licenseNumber``, ``assessmentDate``); Python attributes are
snake_case and are accepted too. Every model refuses unknown fields. Bilingual names are
``{"zh-CN": ..., "en": ...}`` objects, as the credentials' label maps spell them.

The school or organization (its code and names) is never part of a request: it comes from the
authenticated organization. The learner's national ID number is only ever hashed into a
credential (see :mod:`issuer.templates.identity`); it is kept out of ``repr`` so that it does not
end up in logs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from vc.did.key import resolve_did_key
from vc.errors import DIDResolutionError

SkillLevel = Literal["junior", "intermediate", "senior"]
EducationLevel = Literal[
    "secondary-vocational", "higher-vocational", "vocational-bachelor", "bachelor"
]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
"""Dates of the 1+X system (assessment, graduation) are calendar dates in China (UTC+8)."""

_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_DID_KEY = re.compile(r"did:key:z[1-9A-HJ-NP-Za-km-z]+")
_DID_WEB = re.compile(r"did:web:[A-Za-z0-9.-]+(?:%3[Aa][0-9]{1,5})?(?::[A-Za-z0-9._~%-]+)*")
_NATIONAL_ID = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _plain_text(value: str) -> str:
    """Refuse control characters, line/paragraph separators and lone surrogates."""
    for char in value:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise ValueError(f"must not contain the control character U+{ord(char):04X}")
    return value


def _code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a code: 1-40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def check_learner_did(value: str) -> str:
    """``value`` if it is a did:key (a valid key) or did:web DID, else ValueError."""
    if value.startswith("did:key:"):
        if not _DID_KEY.fullmatch(value):
            raise ValueError(f"{value!r} is not a did:key DID (a DID URL is not accepted)")
        try:
            resolve_did_key(value)
        except DIDResolutionError as exc:
            raise ValueError(f"{value!r} is not a valid did:key DID: {exc.message}") from None
        return value
    if value.startswith("did:web:"):
        if not _DID_WEB.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid did:web DID")
        return value
    raise ValueError(f"{value!r} is not a did:key or did:web DID")


def national_id_check_character(first17: str) -> str:
    """The GB 11643-1999 (ISO 7064 MOD 11-2) check character of a resident ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _national_id(value: str) -> str:
    value = value.upper()
    if not _NATIONAL_ID.fullmatch(value):
        raise ValueError(
            "must be an 18-character resident identity number: 17 digits, then a digit or X"
        )
    if national_id_check_character(value[:17]) != value[17]:
        raise ValueError("has a wrong check character (GB 11643-1999)")
    return value


def _text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length)


Code = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_code)]
Name = Annotated[str, _text(200), AfterValidator(_plain_text)]
LongText = Annotated[str, _text(1000), AfterValidator(_plain_text)]
Credits = Annotated[Decimal, Field(ge=0, decimal_places=2)]


class RequestModel(BaseModel):
    """Base of the request models: camelCase JSON, unknown fields refused, immutable.

    Inputs are left out of a ValidationError's text (``hide_input_in_errors``), so that a
    national ID number does not reach a log; ``errors()`` still carries them.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        str_strip_whitespace=True,
        hide_input_in_errors=True,
    )


class LocalizedName(RequestModel):
    """A name in Simplified Chinese and in English."""

    zh_cn: Name = Field(alias="zh-CN", description="The name in Simplified Chinese.")
    en: Name = Field(description="The name in English.")


class LocalizedText(RequestModel):
    """A text (up to 1,000 characters) in Simplified Chinese and in English."""

    zh_cn: LongText = Field(alias="zh-CN", description="The text in Simplified Chinese.")
    en: LongText = Field(description="The text in English.")


class Learner(RequestModel):
    """The person who earned the credential."""

    name: Annotated[str, _text(100), AfterValidator(_plain_text)] = Field(
        description="The learner's name as on their identity document; shown in the credential "
        "(an OB3 IdentityObject of type `name`, not hashed).",
        examples=["李晓明"],
    )
    did: Annotated[str, Field(max_length=2048), AfterValidator(check_learner_did)] | None = Field(
        default=None,
        description="The learner's DID (`did:key:z…` or `did:web:…`), which becomes "
        "`credentialSubject.id`. Leave it out when the learner will claim the credential "
        "into a wallet later.",
        examples=["did:key:z6Mkw9k7DKRXH8sf4YH9whEdM2B1V1JQ1ztqfUto1maoQXo6"],
    )
    national_id_number: (
        Annotated[str, Field(pattern=r"^[0-9]{17}[0-9Xx]$"), AfterValidator(_national_id)] | None
    ) = Field(
        default=None,
        repr=False,
        description="The 18-character resident identity number (checked against its check "
        "character; a lower-case x is read as X). Never placed in a credential in clear: the "
        "credential carries `sha256$<hex>` of the number followed by a random salt, as an "
        "OB3 IdentityObject with `hashed: true`. Note that such a hash can be reversed by "
        "trying every plausible number, so send it only when the credential needs it.",
    )


class SkillDomain(RequestModel):
    """The skill domain (职业技能领域) of an X certificate."""

    code: Code = Field(description="The skill domain's code.", examples=["0402"])
    name: LocalizedName = Field(description="The skill domain's name.")
    description: LocalizedText | None = Field(
        default=None,
        description="What a holder of the certificate can do; a generic sentence if left out.",
    )


class ExamSite(RequestModel):
    """The exam site (考核站点) where the assessment took place."""

    code: Code = Field(description="The exam site's code.", examples=["KHZD-110108-007"])
    name: LocalizedName = Field(description="The exam site's name.")


Score = Annotated[Decimal, Field(ge=0, le=100, decimal_places=1)]


class Assessment(RequestModel):
    """The assessment (考核) that the learner passed."""

    exam_site: ExamSite = Field(description="Where the assessment took place.")
    assessment_date: date = Field(
        description="The assessment's date (YYYY-MM-DD).", examples=["2024-06-22"]
    )
    pass_mark: Score = Field(
        description="The lowest passing overall score, 0-100 (at most one decimal place).",
        examples=[60],
    )
    score: Score = Field(
        description="The learner's overall score, 0-100 (at most one decimal place); "
        "at least the pass mark, since only a pass earns a certificate.",
        examples=[86],
    )

    @field_validator("score")
    @classmethod
    def _passed(cls, score: Decimal, info: ValidationInfo) -> Decimal:
        pass_mark = info.data.get("pass_mark")
        if pass_mark is not None and score < pass_mark:
            raise ValueError(
                f"score {score} is below passMark {pass_mark}: only a pass earns a certificate"
            )
        return score


class XCertificateRequest(RequestModel):
    """A request to issue one 1+X vocational skill level certificate (X 证书)."""

    learner: Learner = Field(description="Who earned the certificate.")
    license_number: Annotated[str, Field(pattern=r"^[0-9]{10,24}$")] = Field(
        description="The certificate number (证书编号): 10 to 24 digits.",
        examples=["2024110101020345"],
    )
    skill_domain: SkillDomain = Field(description="The certificate's skill domain.")
    level: SkillLevel = Field(
        description="The level: `junior` (初级), `intermediate` (中级) or `senior` (高级).",
        examples=["intermediate"],
    )
    assessment: Assessment = Field(description="The assessment the learner passed.")
    credits: Annotated[Credits, Field(le=20)] = Field(
        description="Credits earned for the credit bank (学分银行), 0-20, "
        "at most two decimal places.",
        examples=[4],
    )
    valid_from: AwareDatetime | None = Field(
        default=None,
        description="When the certificate becomes valid, with a time zone; the issuance time if "
        "left out. Not before the assessment date (China time).",
    )
    valid_until: AwareDatetime | None = Field(
        default=None,
        description="When the certificate expires, with a time zone; it does not if left out.",
    )

    @field_validator("valid_from")
    @classmethod
    def _after_assessment(cls, valid_from: Any, info: ValidationInfo) -> Any:
        assessment = info.data.get("assessment")
        if valid_from is not None and assessment is not None:
            day = valid_from.astimezone(CHINA_STANDARD_TIME).date()
            if day < assessment.assessment_date:
                raise ValueError(
                    f"validFrom {valid_from.isoformat()} is before the assessment date "
                    f"{assessment.assessment_date.isoformat()}"
                )
        return valid_from

    @field_validator("valid_until")
    @classmethod
    def _after_valid_from(cls, valid_until: Any, info: ValidationInfo) -> Any:
        valid_from = info.data.get("valid_from")
        if valid_until is not None and valid_from is not None and valid_until <= valid_from:
            raise ValueError(
                f"validUntil {valid_until.isoformat()} is not after validFrom "
                f"{valid_from.isoformat()}"
            )
        return valid_until


class Major(RequestModel):
    """The major (专业) of a diploma."""

    code: Code = Field(
        description="The major's code in the national catalogue.", examples=["510201"]
    )
    name: LocalizedName = Field(description="The major's name.")
    category: Name | None = Field(
        default=None,
        description="The major's category (专业大类), shown as the achievement's field of study.",
        examples=["电子与信息大类"],
    )
    description: LocalizedText | None = Field(
        default=None,
        description="What the programme trains for; a generic sentence if left out.",
    )


class GradePointAverage(RequestModel):
    """A grade point average and the scale it is on."""

    maximum: Annotated[Decimal, Field(ge=1, le=5, decimal_places=2)] = Field(
        default=Decimal(4), description="The top of the scale (4 if left out)."
    )
    value: Annotated[Decimal, Field(ge=0, le=5, decimal_places=2)] = Field(
        description="The grade point average, at most two decimal places.", examples=["3.42"]
    )

    @field_validator("value")
    @classmethod
    def _on_scale(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        maximum = info.data.get("maximum")
        if maximum is not None and value > maximum:
            raise ValueError(f"value {value} is above the scale's maximum {maximum}")
        return value


class DiplomaRequest(RequestModel):
    """A request to issue one diploma (学历证书, the "1" of 1+X)."""

    learner: Learner = Field(description="Who graduated.")
    diploma_number: Annotated[str, Field(pattern=r"^[0-9]{18}$")] = Field(
        description="The 18-digit diploma number (证书编号) of the national format: school code "
        "(5), type (1), graduation year (4), level (2), sequence (6).",
        examples=["142951202506000128"],
    )
    major: Major = Field(description="The major studied.")
    education_level: EducationLevel = Field(
        description="`secondary-vocational` (中职), `higher-vocational` (高职专科), "
        "`vocational-bachelor` (职业本科) or `bachelor` (本科).",
        examples=["higher-vocational"],
    )
    study_start_date: date = Field(
        description="The first day of study (YYYY-MM-DD).", examples=["2022-09-01"]
    )
    study_end_date: date = Field(
        description="The last day of study (YYYY-MM-DD), not before the start.",
        examples=["2025-06-30"],
    )
    graduation_date: date = Field(
        description="The graduation date (YYYY-MM-DD), not before the start of study and in the "
        "year that the diploma number carries.",
        examples=["2025-06-30"],
    )
    credits: Annotated[Credits, Field(le=500)] = Field(
        description="Credits earned, 0-500, at most two decimal places.", examples=["152.5"]
    )
    credits_required: Annotated[Credits, Field(le=500)] | None = Field(
        default=None, description="Credits the programme requires to graduate, if stated."
    )
    grade_point_average: GradePointAverage | None = Field(
        default=None, description="The grade point average, if the school states one."
    )
    valid_from: AwareDatetime | None = Field(
        default=None,
        description="When the diploma becomes valid, with a time zone; the issuance time if "
        "left out. Not before the graduation date (China time).",
    )

    @field_validator("study_end_date")
    @classmethod
    def _end_after_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("study_start_date")
        if start is not None and end < start:
            raise ValueError(f"studyEndDate {end} is before studyStartDate {start}")
        return end

    @field_validator("graduation_date")
    @classmethod
    def _graduation(cls, graduation: date, info: ValidationInfo) -> date:
        start = info.data.get("study_start_date")
        if start is not None and graduation < start:
            raise ValueError(f"graduationDate {graduation} is before studyStartDate {start}")
        number = info.data.get("diploma_number")
        if number is not None and number[6:10] != f"{graduation.year:04d}":
            raise ValueError(
                f"graduationDate {graduation} is not in {number[6:10]}, the graduation year "
                f"that diplomaNumber {number} carries (digits 7-10)"
            )
        return graduation

    @field_validator("valid_from")
    @classmethod
    def _after_graduation(cls, valid_from: Any, info: ValidationInfo) -> Any:
        graduation = info.data.get("graduation_date")
        if (
            valid_from is not None
            and graduation is not None
            and valid_from.astimezone(CHINA_STANDARD_TIME).date() < graduation
        ):
            raise ValueError(
                f"validFrom {valid_from.isoformat()} is before graduationDate {graduation}"
            )
        return valid_from
