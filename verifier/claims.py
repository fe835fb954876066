"""Reading what a credential claims: its 1+X scope, its start, the keys that signed it.

Plain JSON reading, no JSON-LD: the proof check has already tied these values to the signed
data, and these functions only ever read them after it passed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vc.credential import issuer_id, parse_datetime_stamp
from verifier.ports import CredentialClaim

ONEX_CONTEXT = "https://onex.cn/ns/1x/v1"
X_CERTIFICATE_TYPE = "VocationalSkillCertificate"
DIPLOMA_TYPE = "EducationDiploma"

__all__ = ["credential_claim", "issuer_id", "signing_methods", "subject_ids", "valid_from"]


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def credential_claim(credential: dict[str, Any]) -> CredentialClaim:
    """The kind of credential and the scope it claims (``generic`` without 1+X terms)."""
    types = as_list(credential.get("type"))
    uses_ours = ONEX_CONTEXT in as_list(credential.get("@context"))
    achievement = _achievement(credential)
    if X_CERTIFICATE_TYPE in types or (uses_ours and "skillDomain" in achievement):
        return CredentialClaim(
            "x-certificate",
            skill_domain_code=_code(achievement.get("skillDomain")),
            level=_text(achievement.get("skillLevel")),
        )
    if DIPLOMA_TYPE in types or (uses_ours and "educationLevel" in achievement):
        return CredentialClaim(
            "diploma",
            education_level=_text(achievement.get("educationLevel")),
            major_code=_code(achievement.get("major")),
        )
    if uses_ours:
        return CredentialClaim("x-certificate")
    return CredentialClaim("generic")


def valid_from(credential: dict[str, Any]) -> datetime | None:
    """``validFrom`` (VC 2.0) or ``issuanceDate`` (VC 1.1) as an aware datetime."""
    value = credential.get("validFrom", credential.get("issuanceDate"))
    return parse_datetime_stamp(value)


def signing_methods(document: dict[str, Any]) -> list[str]:
    """The verification methods named by the document's proofs, in order, without repeats."""
    found: list[str] = []
    for proof in as_list(document.get("proof")):
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if isinstance(method, str) and method not in found:
            found.append(method)
    return found


def subject_ids(credential: dict[str, Any]) -> list[str | None]:
    """The ``id`` of each ``credentialSubject`` (``None`` for a subject without one)."""
    return [
        subject.get("id") if isinstance(subject, dict) and isinstance(subject.get("id"), str)
        else None
        for subject in as_list(credential.get("credentialSubject"))
    ]  # fmt: skip


def credential_id(credential: dict[str, Any]) -> str | None:
    value = credential.get("id")
    return value if isinstance(value, str) else None


def _achievement(credential: dict[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def _code(value: Any) -> str | None:
    return _text(value.get("code")) if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
