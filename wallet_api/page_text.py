"""The wallet page's words in zh-CN and en (one table: the server renders them, the script
reads the ones it needs from a JSON block)."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "我的证书钱包", "en": "My credential wallet"},
    "switch": {"zh-CN": "English", "en": "中文"},
    "username": {"zh-CN": "用户名", "en": "User name"},
    "password": {"zh-CN": "密码", "en": "Password"},
    "display_name": {"zh-CN": "姓名", "en": "Name"},
    "sign_in": {"zh-CN": "登录", "en": "Sign in"},
    "register": {"zh-CN": "注册", "en": "Create account"},
    "need_account": {"zh-CN": "还没有账号？注册", "en": "No account yet? Create one"},
    "sign_out": {"zh-CN": "退出登录", "en": "Sign out"},
    "my_credentials": {"zh-CN": "我的证书", "en": "My credentials"},
    "empty": {"zh-CN": "钱包里还没有证书。", "en": "No credentials yet."},
    "claim_title": {"zh-CN": "领取证书", "en": "Claim a credential"},
    "claim_code": {"zh-CN": "领取码", "en": "Claim code"},
    "claim": {"zh-CN": "领取", "en": "Claim"},
    "claimed": {
        "zh-CN": "已领取，证书已存入钱包。",
        "en": "Claimed: the credential is in your wallet.",
    },
    "back": {"zh-CN": "返回", "en": "Back"},
    "issuer": {"zh-CN": "颁发机构", "en": "Issuer"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "credential_id": {"zh-CN": "证书标识", "en": "Credential id"},
    "share_title": {"zh-CN": "分享给用人单位核验", "en": "Share for verification"},
    "valid_days": {"zh-CN": "有效天数（1–180）", "en": "Valid for days (1–180)"},
    "create_grant": {"zh-CN": "生成核验码", "en": "Create verification link"},
    "grant_url": {"zh-CN": "核验链接", "en": "Verification link"},
    "grant_code": {"zh-CN": "在线验证码", "en": "Verification code"},
    "expires": {"zh-CN": "有效期至", "en": "Valid until"},
    "close_grant": {"zh-CN": "关闭核验", "en": "Close this link"},
    "my_grants": {"zh-CN": "我的核验分享", "en": "My shares"},
    "no_grants": {"zh-CN": "还没有分享。", "en": "Nothing shared yet."},
    "qr_alt": {"zh-CN": "核验二维码", "en": "Verification QR code"},
    "state_open": {"zh-CN": "有效", "en": "Open"},
    "state_expired": {"zh-CN": "已过期", "en": "Expired"},
    "state_closed": {"zh-CN": "已关闭", "en": "Closed"},
    "status_active": {"zh-CN": "有效", "en": "Valid"},
    "status_revoked": {"zh-CN": "已撤销", "en": "Revoked"},
    "status_suspended": {"zh-CN": "已暂停", "en": "Suspended"},
    "status_superseded": {"zh-CN": "已被新证书替代", "en": "Replaced by a reissued one"},
    "status_unknown": {"zh-CN": "状态未知", "en": "Status unknown"},
    "status_missing": {"zh-CN": "已不在钱包中", "en": "No longer in the wallet"},
    "credit_title": {"zh-CN": "学分银行", "en": "Credit bank"},
    "credit_total": {"zh-CN": "累计学分：", "en": "Total credits: "},
    "no_deposits": {
        "zh-CN": "还没有存入学习成果。点击证书旁的“存入学分银行”。",
        "en": "Nothing deposited yet. Use “Deposit” next to a credential.",
    },
    "deposit": {"zh-CN": "存入学分银行", "en": "Deposit"},
    "deposited": {
        "zh-CN": "已存入学分银行。",
        "en": "Deposited in the credit bank.",
    },
    "in_bank": {"zh-CN": "已存入学分银行", "en": "In the credit bank"},
    "credits": {"zh-CN": "学分", "en": "credits"},
    "counting": {"zh-CN": "计入学分", "en": "Counts"},
    "not_counting": {"zh-CN": "不计入学分", "en": "Does not count"},
    "not_recognized": {
        "zh-CN": "未被学习成果目录认定",
        "en": "not recognized by the outcome catalogue",
    },
    "recognized_as": {"zh-CN": "认定为：", "en": "Recognized as: "},
    "evaluate_title": {"zh-CN": "学分认定评估", "en": "Evaluate for a school"},
    "school_slug": {"zh-CN": "学校标识", "en": "School (its short name)"},
    "major_code": {"zh-CN": "专业代码（可选）", "en": "Major code (optional)"},
    "evaluate": {"zh-CN": "评估", "en": "Evaluate"},
    "no_findings": {
        "zh-CN": "该学校没有适用于此专业的转换规则。",
        "en": "This school has no conversion rules for that major.",
    },
    "applies": {"zh-CN": "符合", "en": "Applies"},
    "does_not_apply": {"zh-CN": "不符合", "en": "Does not apply"},
    "exemption": {"zh-CN": "免修", "en": "Exemption"},
    "validity_years": {"zh-CN": "成果有效年限：{n} 年", "en": "Outcomes valid for {n} years"},
    "uses": {"zh-CN": "使用：", "en": "Uses: "},
    "apply": {"zh-CN": "申请转换", "en": "Apply"},
    "applied": {"zh-CN": "已申请", "en": "Applied"},
    "application_sent": {
        "zh-CN": "申请已提交，等待学校审核。",
        "en": "Application sent; the school will decide.",
    },
    "my_applications": {"zh-CN": "我的学分转换申请", "en": "My applications"},
    "no_applications": {"zh-CN": "还没有申请。", "en": "No applications yet."},
    "refresh": {"zh-CN": "刷新", "en": "Refresh"},
    "state_pending": {"zh-CN": "待审核", "en": "Pending"},
    "state_approved": {"zh-CN": "已通过", "en": "Approved"},
    "state_rejected": {"zh-CN": "未通过", "en": "Rejected"},
    "rejection_reason": {"zh-CN": "原因：", "en": "Reason: "},
    "flagged": {
        "zh-CN": "注意：所用学习成果已不再有效",
        "en": "Flagged: an outcome it used no longer counts",
    },
    "keep_record": {"zh-CN": "将学分记录存入钱包", "en": "Keep the record in my wallet"},
    "record_kept": {"zh-CN": "学分记录已在钱包中", "en": "The record is in your wallet"},
    "error": {"zh-CN": "出错了：", "en": "Something went wrong: "},
    "wrong_login": {"zh-CN": "用户名或密码错误。", "en": "Wrong user name or password."},
}


def pick_language(requested: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it is one of ours, else the first of ours in Accept-Language, else zh-CN."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh-CN"
    return "zh-CN"


def strings(language: str) -> dict[str, str]:
    return {key: value[language] for key, value in TEXT.items()}
