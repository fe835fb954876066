"""The words of the credentials: display names and descriptions in zh-CN and en.

Each function returns a ``(zh, en)`` pair; :func:`language_values` turns a pair into the VC 2.0
language-value array the credentials carry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

Pair = tuple[str, str]

SKILL_LEVELS: dict[str, Pair] = {
    "junior": ("初级", "Junior"),
    "intermediate": ("中级", "Intermediate"),
    "senior": ("高级", "Senior"),
}

EDUCATION_LEVELS: dict[str, tuple[str, str, str]] = {
    # level: (short zh, long zh, en adjective)
    "secondary-vocational": ("中职", "中等职业教育", "secondary vocational"),
    "higher-vocational": ("高职专科", "高等职业教育（专科）", "higher vocational"),
    "vocational-bachelor": ("职业本科", "本科层次职业教育", "vocational bachelor's"),
    "bachelor": ("本科", "普通本科教育", "bachelor's"),
}


def language_values(pair: Pair) -> list[dict[str, str]]:
    """``[{"@value": zh, "@language": "zh-CN"}, {"@value": en, "@language": "en"}]``."""
    zh, en = pair
    return [{"@value": zh, "@language": "zh-CN"}, {"@value": en, "@language": "en"}]


def label(pair: Pair) -> dict[str, str]:
    """A language map ``{"zh-CN": zh, "en": en}`` (the 1+X context's ``label``)."""
    zh, en = pair
    return {"zh-CN": zh, "en": en}


def number_text(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros: 86, 86.5, 100."""
    return format(value.normalize(), "f")


def json_number(value: Decimal) -> int | float:
    """A decimal as a JSON number: an int when whole (4, not 4.0), else a float (152.5)."""
    return int(value) if value == value.to_integral_value() else float(value)


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- X certificates ---------------------------------------------------------------------------


def x_certificate_name(domain: Pair, level: str) -> Pair:
    zh_level, en_level = SKILL_LEVELS[level]
    return (
        f"{domain[0]}职业技能等级证书（{zh_level}）",
        f"{domain[1]} Vocational Skill Level Certificate ({en_level})",
    )


def x_certificate_description(domain: Pair, level: str) -> Pair:
    zh_level, en_level = SKILL_LEVELS[level]
    return (
        f"1+X 职业技能等级证书：{domain[0]}，{zh_level}。",
        f"1+X vocational skill level certificate: {domain[1]}, {en_level.lower()} level.",
    )


def x_achievement_name(domain: Pair, level: str) -> Pair:
    zh_level, en_level = SKILL_LEVELS[level]
    return f"{domain[0]}（{zh_level}）", f"{domain[1]} ({en_level})"


def x_achievement_description(domain: Pair, level: str) -> Pair:
    zh_level, en_level = SKILL_LEVELS[level]
    return (
        f"具备{domain[0]}职业技能等级标准（{zh_level}）所要求的职业技能。",
        f"Has the skills that the {domain[1]} vocational skill level standard requires "
        f"at the {en_level.lower()} level.",
    )


def x_criteria(pass_mark: Decimal) -> str:
    return f"考核总成绩不低于 {number_text(pass_mark)} 分（满分 100 分）。"


SCORE_NAME: Pair = ("考核总成绩", "Overall assessment score")


# --- diplomas ---------------------------------------------------------------------------------


def diploma_name(school: Pair, major: Pair, level: str) -> Pair:
    short, _, en_level = EDUCATION_LEVELS[level]
    return (
        f"{school[0]} {major[0]}专业 {short}毕业证书",
        f"{school[1]}: {_capitalized(en_level)} Diploma in {major[1]}",
    )


def diploma_description(
    school: Pair, major: Pair, level: str, start: date, end: date, graduation: date
) -> Pair:
    _, long, en_level = EDUCATION_LEVELS[level]
    return (
        f"{school[0]}{major[0]}专业{long}毕业证书。学习期间：{zh_date(start)}至{zh_date(end)}；"
        f"毕业日期：{zh_date(graduation)}。",
        f"Diploma for completing the {en_level} programme in {major[1]} at {school[1]}, "
        f"studied from {start.isoformat()} to {end.isoformat()}, "
        f"graduated on {graduation.isoformat()}.",
    )


def diploma_achievement_name(major: Pair, level: str) -> Pair:
    short, _, en_level = EDUCATION_LEVELS[level]
    return f"{major[0]}（{short}）", f"{major[1]} ({en_level})"


def diploma_achievement_description(major: Pair, level: str) -> Pair:
    _, long, en_level = EDUCATION_LEVELS[level]
    return (
        f"{major[0]}专业{long}人才培养方案。",
        f"The {en_level} programme in {major[1]}.",
    )


def diploma_criteria(credits_required: Decimal | None) -> str:
    credits = "" if credits_required is None else f" {number_text(credits_required)} "
    return f"修满专业人才培养方案规定的{credits}学分，成绩合格，准予毕业。"


GPA_NAME: Pair = ("平均学分绩点", "Grade point average")


def _capitalized(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))
