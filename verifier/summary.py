"""What a credential says, for people: the display summary of a verification report.

Read from plain JSON, never trusted on its own — the report's checks say whether it is true.
Texts come as ``{"zh": ..., "en": ...}``: language maps (``[{"@value", "@language"}]``),
label maps (``{"zh-CN": ..., "en": ...}``) and plain strings are all accepted.
"""

from __future__ import annotations

from typing import Any

from verifier.claims import as_list, credential_claim

LEVELS: dict[str, tuple[str, str]] = {
    "junior": ("初级", "Junior"),
    "intermediate": ("中级", "Intermediate"),
    "senior": ("高级", "Senior"),
    "secondary-vocational": ("中职", "Secondary vocational"),
    "higher-vocational": ("高职专科", "Higher vocational"),
    "vocational-bachelor": ("职业本科", "Vocational bachelor"),
    "bachelor": ("本科", "Bachelor"),
}
KINDS: dict[str, tuple[str, str]] = {
    "x-certificate": ("职业技能等级证书", "Vocational skill level certificate"),
    "diploma": ("毕业证书", "Diploma"),
    "generic": ("可验证凭证", "Verifiable credential"),
}
Text = dict[str, str | None]


def text(value: Any) -> Text:
    """``{"zh": ..., "en": ...}`` from a language map, a label map or a plain string."""
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, dict) and "@value" in value:
        value = [value]
    if isinstance(value, list):
        by_language = {
            str(item.get("@language", "")).lower(): item.get("@value")
            for item in value
            if isinstance(item, dict) and isinstance(item.get("@value"), str)
        }
        plain = next((item for item in value if isinstance(item, str)), None)
        return _pick(by_language, plain)
    if isinstance(value, dict):
        labels = {str(k).lower(): v for k, v in value.items() if isinstance(v, str)}
        return _pick(labels, None)
    return {"zh": None, "en": None}


def _pick(by_language: dict[str, Any], plain: str | None) -> Text:
    zh = next((v for k, v in by_language.items() if k.startswith("zh")), None)
    en = next((v for k, v in by_language.items() if k.startswith("en")), None)
    return {"zh": zh or en or plain, "en": en or zh or plain}


def summarize(credential: Any) -> dict[str, Any] | None:
    """The display summary of a credential (``None`` for something that is not an object)."""
    if not isinstance(credential, dict):
        return None
    subject = _first(credential.get("credentialSubject"))
    achievement = _dict(subject.get("achievement"))
    issuer = credential.get("issuer")
    issuer_obj = issuer if isinstance(issuer, dict) else {"id": issuer}
    claim = credential_claim(credential)
    kind_zh, kind_en = KINDS[claim.kind]
    level = achievement.get("skillLevel") or achievement.get("educationLevel")
    level_names = LEVELS.get(level, (level, level)) if isinstance(level, str) else None
    return {
        "id": _str(credential.get("id")),
        "type": [t for t in as_list(credential.get("type")) if isinstance(t, str)],
        "kind": claim.kind,
        "kindName": {"zh": kind_zh, "en": kind_en},
        "name": text(credential.get("name")),
        "holderName": _holder_name(subject),
        "holderId": _str(subject.get("id")),
        "achievementName": text(achievement.get("name")),
        "issuer": {"id": _str(issuer_obj.get("id")), "name": text(issuer_obj.get("name"))},
        "number": _str(subject.get("licenseNumber") or subject.get("diplomaNumber")),
        "skillDomain": _coded(achievement.get("skillDomain")),
        "major": _coded(achievement.get("major")),
        "level": {"code": level, "zh": level_names[0], "en": level_names[1]}
        if level_names
        else None,
        "validFrom": _str(credential.get("validFrom") or credential.get("issuanceDate")),
        "validUntil": _str(credential.get("validUntil") or credential.get("expirationDate")),
        "date": _str(_dict(subject.get("assessment")).get("assessmentDate"))
        or _str(subject.get("graduationDate")),
        "credits": subject.get("creditsEarned")
        if isinstance(subject.get("creditsEarned"), int | float)
        else None,
        "replaces": _str(credential.get("replaces")),
    }


def _holder_name(subject: dict[str, Any]) -> str | None:
    for item in as_list(subject.get("identifier")):
        if (
            isinstance(item, dict)
            and item.get("identityType") == "name"
            and item.get("hashed") is False
            and isinstance(item.get("identityHash"), str)
        ):
            return str(item["identityHash"])
    name = text(subject.get("name"))
    return name["zh"]


def _coded(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    label = text(value.get("label") or value.get("name"))
    return {"code": _str(value.get("code")), "zh": label["zh"], "en": label["en"]}


def _first(value: Any) -> dict[str, Any]:
    return _dict(value[0] if isinstance(value, list) and value else value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
