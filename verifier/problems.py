"""Problem types of the verifier's own checks (trust registry, status, holder binding).

The W3C specifications name no problem type for "the issuer is not accredited" or "the
credential was revoked"; these are the project's, under ``https://onex.cn/problems#``. Where a
W3C type fits (a key that is not a valid verification method, a status list that cannot be
retrieved, a wrong challenge), the W3C type from :mod:`vc.problems` is used instead.
"""

from __future__ import annotations

_ONEX = "https://onex.cn/problems#"

ISSUER_UNKNOWN = _ONEX + "ISSUER_UNKNOWN"
ISSUER_NOT_ACCREDITED = _ONEX + "ISSUER_NOT_ACCREDITED"
KEY_NOT_ACTIVE = _ONEX + "KEY_NOT_ACTIVE"
CREDENTIAL_REVOKED = _ONEX + "CREDENTIAL_REVOKED"
CREDENTIAL_SUSPENDED = _ONEX + "CREDENTIAL_SUSPENDED"
CREDENTIAL_SUPERSEDED = _ONEX + "CREDENTIAL_SUPERSEDED"
HOLDER_MISMATCH = _ONEX + "HOLDER_MISMATCH"
NOT_CHECKED = _ONEX + "NOT_CHECKED"
SOURCE_UNAVAILABLE = _ONEX + "SOURCE_UNAVAILABLE"
INTERNAL_ERROR = _ONEX + "INTERNAL_ERROR"
