"""Credentials made by the caller (VC-API ``/credentials/issue``), checked strictly before signing.

The issuer fills in what is its to give — ``issuer``, ``id``, ``validFrom`` when absent, and the
status entries — and refuses what is not the caller's to set. VC 1.1 input gets the Data
Integrity v2 context appended, as the VC-API test suites expect.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vc.credential import check_credential, issuer_id, parse_datetime_stamp
from vc.data_integrity import format_datetime
from vc.report import Problem

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
ONEX_CONTEXT = "https://onex.cn/ns/1x/v1"


class CallerCredentialError(ValueError):
    """The caller's credential cannot be issued; ``problems`` says why, property by property."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class OneXTerms:
    """The 1+X facts a caller-made credential claims, for the accreditation scope check."""

    kind: str
    skill_domain_code: str | None = None
    level: str | None = None
    education_level: str | None = None
    major_code: str | None = None


def prepare(document: Any, *, issuer_did: str, now: datetime) -> dict[str, Any]:
    """A copy of ``document`` completed and checked for issuing by ``issuer_did``."""
    if not isinstance(document, dict):
        raise CallerCredentialError("credential must be a JSON object")
    if "proof" in document:
        raise CallerCredentialError("credential already has a proof; send it unsigned")
    if "credentialStatus" in document:
        raise CallerCredentialError("credentialStatus is assigned by the issuer; leave it out")
    prepared = dict(document)
    contexts = prepared.get("@context")
    is_v1 = isinstance(contexts, list) and contexts[:1] == [V1]
    if isinstance(contexts, list) and is_v1 and DATA_INTEGRITY_V2 not in contexts:
        prepared["@context"] = [*contexts, DATA_INTEGRITY_V2]
    _set_issuer(prepared, issuer_did)
    prepared.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    prepared.setdefault("issuanceDate" if is_v1 else "validFrom", format_datetime(now))
    start = parse_datetime_stamp(prepared.get("issuanceDate" if is_v1 else "validFrom")) or now
    problems = check_credential(prepared, now=start)
    if problems:
        first = problems[0]
        where = f"{first.property}: " if first.property else ""
        raise CallerCredentialError(f"{where}{first.detail}", problems)
    return prepared


def _set_issuer(document: dict[str, Any], issuer_did: str) -> None:
    if "issuer" not in document:
        document["issuer"] = issuer_did
        return
    claimed = issuer_id(document)
    if claimed != issuer_did:
        raise CallerCredentialError(
            f"issuer is {claimed!r} but this organization issues as {issuer_did!r}"
        )


def onex_terms(document: dict[str, Any]) -> OneXTerms:
    """What 1+X scope the credential claims: ``generic`` when it uses none of our terms."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    contexts = document.get("@context")
    uses_ours = isinstance(contexts, list) and ONEX_CONTEXT in contexts
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    if "VocationalSkillCertificate" in types or (uses_ours and "skillDomain" in achievement):
        domain = achievement.get("skillDomain")
        return OneXTerms(
            "x-certificate",
            skill_domain_code=_code(domain),
            level=_text(achievement.get("skillLevel")),
        )
    if "EducationDiploma" in types or (uses_ours and "educationLevel" in achievement):
        return OneXTerms(
            "diploma",
            education_level=_text(achievement.get("educationLevel")),
            major_code=_code(achievement.get("major")),
        )
    if uses_ours:
        return OneXTerms("x-certificate")
    return OneXTerms("generic")


def _code(value: Any) -> str | None:
    return _text(value.get("code")) if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
