"""Credential templates: issuance requests in, unsigned OB3 credentials out, and their schemas.

- :mod:`~issuer.templates.requests` — the pydantic models of an issuance request (API input);
- :mod:`~issuer.templates.build` — ``build_x_certificate`` / ``build_diploma``, pure functions;
- :mod:`~issuer.templates.identity` — salts and OB3 identity hashes of the national ID number;
- :mod:`~issuer.templates.wording` — display names and descriptions in zh-CN and en;
- :mod:`~issuer.templates.validation` — the JSON Schemas the credentials conform to.
"""

from issuer.templates.build import (
    CONTEXTS,
    CREDENTIAL_KINDS,
    CredentialKind,
    IssuerProfile,
    TemplateError,
    build_diploma,
    build_x_certificate,
    schema_url,
)
from issuer.templates.identity import identity_hash, new_salt, salt_text
from issuer.templates.requests import (
    Assessment,
    DiplomaRequest,
    EducationLevel,
    ExamSite,
    GradePointAverage,
    Learner,
    LocalizedName,
    LocalizedText,
    Major,
    SkillDomain,
    SkillLevel,
    XCertificateRequest,
)
from issuer.templates.validation import schema_for, validate_against_schema

__all__ = [
    "CONTEXTS",
    "CREDENTIAL_KINDS",
    "Assessment",
    "CredentialKind",
    "DiplomaRequest",
    "EducationLevel",
    "ExamSite",
    "GradePointAverage",
    "IssuerProfile",
    "Learner",
    "LocalizedName",
    "LocalizedText",
    "Major",
    "SkillDomain",
    "SkillLevel",
    "TemplateError",
    "XCertificateRequest",
    "build_diploma",
    "build_x_certificate",
    "identity_hash",
    "new_salt",
    "salt_text",
    "schema_for",
    "schema_url",
    "validate_against_schema",
]
