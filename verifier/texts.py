"""The employer page's words, in Chinese (zh-CN) and English (en)."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("证书验证", "Verify a credential"),
    "intro": (
        "扫描学习者出示的二维码，输入验证码，或上传证书文件或二维码图片。无需注册。",
        "Scan the QR code the learner shows, type the code, or upload a credential file or "
        "a picture of the QR code. No account needed.",
    ),
    "scan": ("扫描二维码", "Scan a QR code"),
    "stop": ("停止扫描", "Stop scanning"),
    "scan_help": ("将二维码对准摄像头。", "Hold the QR code in front of the camera."),
    "camera_error": ("无法打开摄像头：", "The camera cannot be opened: "),
    "code_label": ("验证码、链接或凭证文本", "Code, link or credential text"),
    "code_hint": (
        "验证码、分享链接、vc+jwt，或凭证 JSON",
        "A verification code, a share link, a vc+jwt, or credential JSON",
    ),
    "file_label": (
        "上传文件（二维码图片或凭证文件）",
        "Upload a file (QR code picture or credential file)",
    ),
    "verify": ("验证", "Verify"),
    "valid": ("有效", "Valid"),
    "valid_long": (
        "证书真实有效：签名正确，签发机构在签发时具备相应资质，未被撤销或暂停。",
        "Genuine and in force: the signature is correct, the issuer was accredited for it when "
        "it was issued, and it is neither revoked nor suspended.",
    ),
    "invalid": ("无效", "Not valid"),
    "undetermined": ("无法确定", "Could not be determined"),
    "undetermined_long": (
        "部分检查无法完成（例如无法获取撤销列表），因此不能确认该证书有效。",
        "Some checks could not be done (for example a revocation list could not be read), so "
        "the credential cannot be confirmed as valid.",
    ),
    "revoked": ("已撤销", "Revoked"),
    "suspended": ("已暂停", "Suspended"),
    "superseded": ("已被新证书取代", "Superseded"),
    "superseded_by": ("取代它的证书：", "Replaced by: "),
    "holder": ("持有人", "Holder"),
    "credential": ("证书", "Credential"),
    "kind": ("类别", "Kind"),
    "skill_domain": ("技能领域", "Skill domain"),
    "major": ("专业", "Major"),
    "level": ("等级", "Level"),
    "number": ("证书编号", "Number"),
    "assessment_date": ("考核日期", "Assessed on"),
    "graduation_date": ("毕业日期", "Graduated on"),
    "valid_from": ("生效日期", "Valid from"),
    "valid_until": ("失效日期", "Valid until"),
    "issuer": ("签发机构", "Issuer"),
    "accreditation": ("认定资质", "Accreditation"),
    "accreditation_none": ("未在认定名录中找到", "Not found in the registry"),
    "period": ("有效期", "Period"),
    "checks": ("检查项目", "Checks"),
    "cache": ("使用了缓存数据：", "Cached data used: "),
    "seconds_old": ("秒前获取", "s old"),
    "stale": ("（已过期）", " (stale)"),
    "error": ("无法读取输入", "The input cannot be read"),
    "other_language": ("English", "中文"),
    "registry": ("认定机构名录", "Registry of accredited organizations"),
    "passed": ("通过", "passed"),
    "failed": ("未通过", "failed"),
    "undetermined_check": ("无法确定", "could not be determined"),
    "document": ("文件", "Document"),
}

CHECK_NAMES: dict[str, tuple[str, str]] = {
    "well-formed": ("格式", "Format"),
    "proof": ("数字签名", "Digital signature"),
    "issuer-key": ("签发机构的密钥", "Issuer's key"),
    "issuer-accredited": ("签发机构资质", "Issuer accreditation"),
    "key-active": ("签名密钥在用", "Signing key in service"),
    "validity-period": ("有效期", "Validity period"),
    "status": ("撤销与暂停", "Revocation and suspension"),
    "holder-binding": ("持有人签名", "Holder's signature"),
    "challenge": ("挑战码", "Challenge"),
    "subject-binding": ("持有人即证书主体", "Holder is the subject"),
}


def t(key: str, language: Language) -> str:
    zh, en = _TEXTS[key]
    return zh if language == "zh-CN" else en


def check_name(name: str, language: Language) -> str:
    prefix, _, last = name.rpartition(".")
    zh, en = CHECK_NAMES.get(last, (last, last))
    label = zh if language == "zh-CN" else en
    return f"{prefix} · {label}" if prefix else label


def choose_language(requested: str | None, accept: str | None) -> Language:
    """``lang`` if given, else the first of Accept-Language we speak, else zh-CN."""
    if requested == "en":
        return "en"
    if requested == "zh-CN":
        return "zh-CN"
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-CN"
    return "zh-CN"
