"""Build the unsigned credentials onex issues: X certificates and diplomas (OB3, VC 2.0).

Pure functions: the identifier, status entries, time and salt all come in as arguments, so the
same inputs always give the same credential. The shapes are those of ``tests/data/`` — an
``OpenBadgeCredential`` plus our own type, under the VC 2.0, OB 3.0.3 and 1+X contexts — and
they keep to two rules of PERFORMANCE-NOTES.md: no ``@list`` value, and no node with two types
that each carry a type-scoped context.

Identifiers made here (all under ``base_url``):

- ``credentialSchema``: ``{base}/schemas/x-certificate/v1.json``, ``{base}/schemas/diploma/v1.json``
- achievements: ``{base}/orgs/{slug}/achievements/x/{skill domain code}/{level}`` and
  ``{base}/orgs/{slug}/achievements/diploma/{major code}/{education level}/{start year}``
- a ``ResultDescription``: ``urn:uuid:`` + UUIDv5 of ``{credential_id}#score`` / ``#gpa``.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from issuer.templates import wording
from issuer.templates.identity import identifiers, salt_text
from issuer.templates.requests import (
    CHINA_STANDARD_TIME,
    DiplomaRequest,
    Learner,
    LocalizedName,
    LocalizedText,
    XCertificateRequest,
    check_learner_did,
)
from vc.status_list import entry_problems

CredentialKind = Literal["x-certificate", "diploma"]
CREDENTIAL_KINDS: tuple[CredentialKind, ...] = ("x-certificate", "diploma")

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://onex.cn/ns/1x/v1",
)
CREDENTIAL_TYPES: dict[CredentialKind, str] = {
    "x-certificate": "VocationalSkillCertificate",
    "diploma": "EducationDiploma",
}
REQUIRED_STATUS_PURPOSES = ("revocation", "suspension")

_URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_BASE_URL = re.compile(r"https?://[^\s/?#]+(?:/[^\s?#]*)?")
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})")
_DID = re.compile(r"did:[a-z0-9]+:\S+")


class TemplateError(ValueError):
    """These inputs cannot make a credential; the message names the property and the value."""


@dataclass(frozen=True)
class IssuerProfile:
    """The issuing organization or school as the credential names it."""

    did: str
    slug: str
    name_zh: str
    name_en: str
    code: str

    def __post_init__(self) -> None:
        if not _DID.fullmatch(self.did):
            raise TemplateError(f"issuer.did must be a DID, not {self.did!r}")
        if not _SLUG.fullmatch(self.slug):
            raise TemplateError(
                f"issuer.slug must be 1-63 lower-case letters, digits or '-', not {self.slug!r}"
            )
        for name in ("name_zh", "name_en", "code"):
            if not getattr(self, name).strip():
                raise TemplateError(f"issuer.{name} must not be empty")

    @property
    def names(self) -> wording.Pair:
        return self.name_zh, self.name_en

    def as_json(self) -> dict[str, Any]:
        """The credential's ``issuer``: an OB3 ``Profile``."""
        return {
            "id": self.did,
            "type": ["Profile"],
            "name": wording.language_values(self.names),
            "code": self.code,
        }


def schema_url(base_url: str, kind: CredentialKind) -> str:
    """Where the service serves the JSON Schema of ``kind``."""
    return f"{_base(base_url)}/schemas/{kind}/v1.json"


def build_x_certificate(
    request: XCertificateRequest,
    *,
    issuer: IssuerProfile,
    credential_id: str,
    status_entries: list[dict[str, Any]],
    base_url: str,
    valid_from: datetime,
    salt: bytes,
    replaces: str | None = None,
    subject_did: str | None = None,
) -> dict[str, Any]:
    """The unsigned X certificate that ``request`` asks for.

    ``valid_from`` is used when the request gives none (pass the issuance time); ``salt`` (at
    least 16 random bytes) salts the hashed national ID number; ``replaces`` is the id of the
    credential that this one reissues; ``subject_did`` is the learner's DID when it is bound
    after the request (at claim time) and overrides ``request.learner.did``.
    Raises :class:`TemplateError` when the inputs cannot make a valid credential.
    """
    start = _start(request.valid_from, valid_from)
    _not_before(start, request.assessment.assessment_date, "assessment.assessmentDate")
    if request.valid_until is not None and request.valid_until <= start:
        raise TemplateError(
            f"validUntil {_datetime_text(request.valid_until)} is not after validFrom "
            f"{_datetime_text(start)}"
        )
    domain = _pair(request.skill_domain.name)
    subject = {
        **_subject_head(request.learner, subject_did, salt),
        "licenseNumber": request.license_number,
        "identifier": identifiers(request.learner.name, request.learner.national_id_number, salt),
        "assessment": _assessment(request),
        "result": [
            {
                "type": ["Result"],
                "resultDescription": _derived_id(credential_id, "score"),
                "value": wording.number_text(request.assessment.score),
            }
        ],
        "creditsEarned": wording.json_number(request.credits),
        "achievement": _x_achievement(request, issuer, base_url, credential_id),
    }
    return _credential(
        "x-certificate",
        issuer=issuer,
        credential_id=credential_id,
        valid_from=start,
        valid_until=request.valid_until,
        name=wording.x_certificate_name(domain, request.level),
        description=wording.x_certificate_description(domain, request.level),
        subject=subject,
        base_url=base_url,
        status_entries=status_entries,
        replaces=replaces,
    )


def _assessment(request: XCertificateRequest) -> dict[str, Any]:
    site = request.assessment.exam_site
    return {
        "type": "Assessment",
        "examSite": {
            "type": "ExamSite",
            "code": site.code,
            "label": wording.label(_pair(site.name)),
        },
        "assessmentDate": request.assessment.assessment_date.isoformat(),
    }


def _x_achievement(
    request: XCertificateRequest, issuer: IssuerProfile, base_url: str, credential_id: str
) -> dict[str, Any]:
    domain, level = request.skill_domain, request.level
    names = _pair(domain.name)
    description = (
        _pair(domain.description)
        if domain.description is not None
        else wording.x_achievement_description(names, level)
    )
    return {
        "id": f"{_achievements(base_url, issuer)}/x/{domain.code}/{level}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": wording.language_values(wording.x_achievement_name(names, level)),
        "description": wording.language_values(description),
        "criteria": {"narrative": wording.x_criteria(request.assessment.pass_mark)},
        "skillDomain": {"type": "SkillDomain", "code": domain.code, "label": wording.label(names)},
        "skillLevel": level,
        "creditsAvailable": wording.json_number(request.credits),
        "resultDescription": [
            {
                "id": _derived_id(credential_id, "score"),
                "type": ["ResultDescription"],
                "name": wording.language_values(wording.SCORE_NAME),
                "resultType": "RawScore",
                "valueMin": "0",
                "valueMax": "100",
                "requiredValue": wording.number_text(request.assessment.pass_mark),
            }
        ],
    }


def build_diploma(
    request: DiplomaRequest,
    *,
    issuer: IssuerProfile,
    credential_id: str,
    status_entries: list[dict[str, Any]],
    base_url: str,
    valid_from: datetime,
    salt: bytes,
    replaces: str | None = None,
    subject_did: str | None = None,
) -> dict[str, Any]:
    """The unsigned diploma that ``request`` asks for; the school is ``issuer``.

    The keyword arguments mean what they mean for :func:`build_x_certificate`.
    Raises :class:`TemplateError` when the inputs cannot make a valid credential.
    """
    start = _start(request.valid_from, valid_from)
    _not_before(start, request.graduation_date, "graduationDate")
    subject: dict[str, Any] = {
        **_subject_head(request.learner, subject_did, salt),
        "diplomaNumber": request.diploma_number,
        "identifier": identifiers(request.learner.name, request.learner.national_id_number, salt),
        "activityStartDate": request.study_start_date.isoformat(),
        "activityEndDate": request.study_end_date.isoformat(),
        "graduationDate": request.graduation_date.isoformat(),
        "creditsEarned": wording.json_number(request.credits),
    }
    if request.grade_point_average is not None:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": _derived_id(credential_id, "gpa"),
                "value": wording.number_text(request.grade_point_average.value),
            }
        ]
    subject["achievement"] = _diploma_achievement(request, issuer, base_url, credential_id)
    school, major = issuer.names, _pair(request.major.name)
    level = request.education_level
    return _credential(
        "diploma",
        issuer=issuer,
        credential_id=credential_id,
        valid_from=start,
        valid_until=None,
        name=wording.diploma_name(school, major, level),
        description=wording.diploma_description(
            school,
            major,
            level,
            request.study_start_date,
            request.study_end_date,
            request.graduation_date,
        ),
        subject=subject,
        base_url=base_url,
        status_entries=status_entries,
        replaces=replaces,
    )


def _diploma_achievement(
    request: DiplomaRequest, issuer: IssuerProfile, base_url: str, credential_id: str
) -> dict[str, Any]:
    major, level = request.major, request.education_level
    names = _pair(major.name)
    description = (
        _pair(major.description)
        if major.description is not None
        else wording.diploma_achievement_description(names, level)
    )
    cohort = f"{request.study_start_date.year:04d}"
    achievement: dict[str, Any] = {
        "id": f"{_achievements(base_url, issuer)}/diploma/{major.code}/{level}/{cohort}",
        "type": ["Achievement"],
        "achievementType": "Diploma",
        "name": wording.language_values(wording.diploma_achievement_name(names, level)),
        "description": wording.language_values(description),
        "criteria": {"narrative": wording.diploma_criteria(request.credits_required)},
        "educationLevel": level,
        "major": {"type": "Major", "code": major.code, "label": wording.label(names)},
    }
    if major.category is not None:
        achievement["fieldOfStudy"] = major.category
    if request.credits_required is not None:
        achievement["creditsAvailable"] = wording.json_number(request.credits_required)
    gpa = request.grade_point_average
    if gpa is not None:
        achievement["resultDescription"] = [
            {
                "id": _derived_id(credential_id, "gpa"),
                "type": ["ResultDescription"],
                "name": wording.language_values(wording.GPA_NAME),
                "resultType": "GradePointAverage",
                "valueMin": "0",
                "valueMax": wording.number_text(gpa.maximum),
            }
        ]
    return achievement


# --- the envelope shared by both kinds ---------------------------------------------------------


def _credential(
    kind: CredentialKind,
    *,
    issuer: IssuerProfile,
    credential_id: str,
    valid_from: datetime,
    valid_until: datetime | None,
    name: wording.Pair,
    description: wording.Pair,
    subject: dict[str, Any],
    base_url: str,
    status_entries: list[dict[str, Any]],
    replaces: str | None,
) -> dict[str, Any]:
    if not _URN_UUID.fullmatch(credential_id):
        raise TemplateError(f"credential_id must be a lower-case urn:uuid, not {credential_id!r}")
    if replaces is not None and (not _URL.fullmatch(replaces) or replaces == credential_id):
        raise TemplateError(f"replaces must be the URL of another credential, not {replaces!r}")
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential", CREDENTIAL_TYPES[kind]],
        "issuer": issuer.as_json(),
        "validFrom": _datetime_text(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = _datetime_text(valid_until)
    credential.update(
        {
            "name": wording.language_values(name),
            "description": wording.language_values(description),
            "credentialSubject": subject,
            "credentialSchema": [{"id": schema_url(base_url, kind), "type": "JsonSchema"}],
            "credentialStatus": _status(status_entries),
        }
    )
    if replaces is not None:
        credential["replaces"] = replaces
    return credential


def _subject_head(learner: Learner, subject_did: str | None, salt: bytes) -> dict[str, Any]:
    try:
        salt_text(salt)
    except ValueError as exc:
        raise TemplateError(str(exc)) from None
    try:
        did = learner.did if subject_did is None else check_learner_did(subject_did)
    except ValueError as exc:
        raise TemplateError(f"subject_did: {exc}") from None
    head: dict[str, Any] = {} if did is None else {"id": did}
    head["type"] = ["AchievementSubject"]
    return head


def _status(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(entries, list):
        raise TemplateError(f"status_entries must be a list, not {type(entries).__name__}")
    for i, entry in enumerate(entries):
        faults = entry_problems(entry)
        if faults:
            prop, detail = faults[0]
            raise TemplateError(f"status_entries[{i}].{prop or ''} {detail}")
    purposes = [entry["statusPurpose"] for entry in entries]
    missing = [p for p in REQUIRED_STATUS_PURPOSES if p not in purposes]
    if missing:
        raise TemplateError(f"status_entries has no entry for {', '.join(missing)}")
    return copy.deepcopy(entries)


def _start(requested: datetime | None, default: datetime) -> datetime:
    start = requested if requested is not None else default
    if not isinstance(start, datetime) or start.utcoffset() is None:
        raise TemplateError(f"valid_from must be a timezone-aware datetime, not {start!r}")
    return start


def _not_before(start: datetime, day: date, name: str) -> None:
    if start.astimezone(CHINA_STANDARD_TIME).date() < day:
        raise TemplateError(
            f"{name} {day.isoformat()} is after validFrom {_datetime_text(start)}: "
            "a credential cannot be valid before what it attests"
        )


def _datetime_text(moment: datetime) -> str:
    """An XML Schema dateTimeStamp to the second, keeping the offset (UTC as ``Z``)."""
    if moment.utcoffset() is None:
        raise TemplateError(f"a timezone-aware datetime is required, not {moment!r}")
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if moment.utcoffset() == UTC.utcoffset(None) else text


def _base(base_url: str) -> str:
    base = base_url.rstrip("/")
    if not _BASE_URL.fullmatch(base):
        raise TemplateError(f"base_url must be an http(s) URL, not {base_url!r}")
    return base


def _achievements(base_url: str, issuer: IssuerProfile) -> str:
    return f"{_base(base_url)}/orgs/{issuer.slug}/achievements"


def _derived_id(credential_id: str, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{credential_id}#{name}')}"


def _pair(names: LocalizedName | LocalizedText) -> wording.Pair:
    return names.zh_cn, names.en
