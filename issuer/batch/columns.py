"""The documented columns of a batch file, per credential kind, with zh-CN and en headers.

A batch file is a table with one header row. Each header is matched to a column by its English
name (``diploma_number``; case, spaces, ``_`` and ``-`` do not matter, so ``Diploma Number`` and
the API's ``diplomaNumber`` match too), its Chinese header (``证书编号``) or a listed alias. A
column maps to one field of the issuance request (:mod:`issuer.templates.requests`), given by
its path in the request's JSON; ``replaces`` is the one column that is not part of the request:
it names the earlier credential (its number or ``urn:uuid:`` id) that a row renews.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Kind = Literal["x-certificate", "diploma"]
KINDS: tuple[Kind, ...] = ("x-certificate", "diploma")
ValueType = Literal["text", "digits", "date", "datetime", "decimal", "level", "education-level"]

REPLACES = "replaces"


@dataclass(frozen=True)
class Column:
    """One column: its names, where it goes in the request, and what it holds."""

    name: str
    zh: str
    path: tuple[str, ...]
    required: bool
    type: ValueType
    example: str
    description: str
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.zh, *self.aliases)


def _learner() -> list[Column]:
    return [
        Column(
            "learner_name",
            "姓名",
            ("learner", "name"),
            True,
            "text",
            "王雨桐",
            "The learner's name as on their identity document.",
            ("学生姓名", "name"),
        ),
        Column(
            "learner_did",
            "学习者DID",
            ("learner", "did"),
            False,
            "text",
            "did:key:z6Mkt1BLQacQT7o7sV7dapRHhi2goB2RZnUgszbSp44XT8zL",
            "The learner's DID. Leave it empty to give the learner a claim link instead (an "
            "offer they claim into their wallet).",
            ("did",),
        ),
        Column(
            "national_id_number",
            "身份证号",
            ("learner", "nationalIdNumber"),
            False,
            "text",
            "",
            "The 18-character resident identity number; only its salted hash enters the "
            "credential.",
            ("身份证号码",),
        ),
    ]


_REPLACES = Column(
    REPLACES,
    "原证书编号",
    (),
    False,
    "text",
    "",
    "For a renewal or a corrected reissue: the number (or urn:uuid id) of the earlier "
    "credential, which is then revoked as superseded.",
    ("原证书", "replaces_number"),
)

_VALID_FROM = Column(
    "valid_from",
    "生效时间",
    ("validFrom",),
    False,
    "datetime",
    "",
    "When the credential becomes valid (a date means 00:00 China time); the issuance time if "
    "empty.",
)

DIPLOMA: tuple[Column, ...] = (
    *_learner(),
    Column(
        "diploma_number",
        "证书编号",
        ("diplomaNumber",),
        True,
        "digits",
        "142951202506000128",
        "The 18-digit national diploma number (毕业证书编号).",
        ("毕业证书编号", "number"),
    ),
    Column(
        "major_code", "专业代码", ("major", "code"), True, "text", "510201", "The major's code."
    ),
    Column(
        "major_name_zh",
        "专业名称",
        ("major", "name", "zh-CN"),
        True,
        "text",
        "计算机应用技术",
        "The major's name in Chinese.",
    ),
    Column(
        "major_name_en",
        "专业英文名称",
        ("major", "name", "en"),
        True,
        "text",
        "Computer Applications",
        "The major's name in English.",
    ),
    Column(
        "major_category",
        "专业大类",
        ("major", "category"),
        False,
        "text",
        "电子与信息大类",
        "The major's category.",
    ),
    Column(
        "education_level",
        "学历层次",
        ("educationLevel",),
        True,
        "education-level",
        "higher-vocational",
        "secondary-vocational (中职), higher-vocational (高职专科), vocational-bachelor "
        "(职业本科) or bachelor (本科); the Chinese words are accepted.",
    ),
    Column(
        "study_start_date",
        "入学日期",
        ("studyStartDate",),
        True,
        "date",
        "2022-09-01",
        "The first day of study.",
    ),
    Column(
        "study_end_date",
        "学习结束日期",
        ("studyEndDate",),
        True,
        "date",
        "2025-06-30",
        "The last day of study.",
        ("结业日期",),
    ),
    Column(
        "graduation_date",
        "毕业日期",
        ("graduationDate",),
        True,
        "date",
        "2025-06-30",
        "The graduation date, in the year the diploma number carries.",
    ),
    Column("credits", "获得学分", ("credits",), True, "decimal", "152.5", "Credits earned, 0-500."),
    Column(
        "credits_required",
        "应修学分",
        ("creditsRequired",),
        False,
        "decimal",
        "150",
        "Credits the programme requires.",
    ),
    Column(
        "gpa",
        "平均学分绩点",
        ("gradePointAverage", "value"),
        False,
        "decimal",
        "3.42",
        "The grade point average.",
    ),
    Column(
        "gpa_maximum",
        "绩点满分",
        ("gradePointAverage", "maximum"),
        False,
        "decimal",
        "4",
        "The top of the grade point scale (4 if empty).",
    ),
    _VALID_FROM,
    _REPLACES,
)

X_CERTIFICATE: tuple[Column, ...] = (
    *_learner(),
    Column(
        "license_number",
        "证书编号",
        ("licenseNumber",),
        True,
        "digits",
        "2024110101020345",
        "The certificate number: 10 to 24 digits.",
        ("number",),
    ),
    Column(
        "skill_domain_code",
        "职业技能领域代码",
        ("skillDomain", "code"),
        True,
        "text",
        "0402",
        "The skill domain's code.",
    ),
    Column(
        "skill_domain_name_zh",
        "职业技能领域名称",
        ("skillDomain", "name", "zh-CN"),
        True,
        "text",
        "Web前端开发",
        "The skill domain's name in Chinese.",
    ),
    Column(
        "skill_domain_name_en",
        "职业技能领域英文名称",
        ("skillDomain", "name", "en"),
        True,
        "text",
        "Web Front-End Development",
        "The skill domain's name in English.",
    ),
    Column(
        "level",
        "等级",
        ("level",),
        True,
        "level",
        "intermediate",
        "junior (初级), intermediate (中级) or senior (高级); the Chinese words are accepted.",
        ("证书等级",),
    ),
    Column(
        "exam_site_code",
        "考核站点代码",
        ("assessment", "examSite", "code"),
        True,
        "text",
        "KHZD-110108-007",
        "The exam site's code.",
    ),
    Column(
        "exam_site_name_zh",
        "考核站点名称",
        ("assessment", "examSite", "name", "zh-CN"),
        True,
        "text",
        "北京信息职业技术学院考核站点",
        "The exam site's name in Chinese.",
    ),
    Column(
        "exam_site_name_en",
        "考核站点英文名称",
        ("assessment", "examSite", "name", "en"),
        True,
        "text",
        "BJIT exam site",
        "The exam site's name in English.",
    ),
    Column(
        "assessment_date",
        "考核日期",
        ("assessment", "assessmentDate"),
        True,
        "date",
        "2026-10-22",
        "The assessment's date.",
    ),
    Column(
        "score",
        "考核成绩",
        ("assessment", "score"),
        True,
        "decimal",
        "86",
        "The overall score, 0-100, at least the pass mark.",
    ),
    Column(
        "pass_mark",
        "合格分数线",
        ("assessment", "passMark"),
        True,
        "decimal",
        "60",
        "The lowest passing score, 0-100.",
    ),
    Column("credits", "学分", ("credits",), True, "decimal", "4", "Credits earned, 0-20."),
    _VALID_FROM,
    Column(
        "valid_until",
        "有效期至",
        ("validUntil",),
        False,
        "datetime",
        "",
        "When the certificate expires (a date means 00:00 China time); never if empty.",
    ),
    _REPLACES,
)

COLUMNS: dict[Kind, tuple[Column, ...]] = {"x-certificate": X_CERTIFICATE, "diploma": DIPLOMA}
NUMBER_COLUMN: dict[Kind, str] = {"x-certificate": "license_number", "diploma": "diploma_number"}

LEVEL_WORDS = {"初级": "junior", "中级": "intermediate", "高级": "senior"}
EDUCATION_LEVEL_WORDS = {
    "中职": "secondary-vocational",
    "中等职业教育": "secondary-vocational",
    "高职": "higher-vocational",
    "高职专科": "higher-vocational",
    "专科": "higher-vocational",
    "职业本科": "vocational-bachelor",
    "本科": "bachelor",
}

_IGNORED = re.compile(r"[\s_\-.·:：()（）*]+")


def normalize_header(text: str) -> str:
    """A header reduced for matching: NFKC, lower case, no spaces, ``_``, ``-`` or brackets."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def header_index(kind: Kind) -> dict[str, Column]:
    """Every accepted header of ``kind`` (normalized) → its column; dotted API paths too."""
    index: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (*column.headers(), ".".join(column.path)):
            if name:
                index.setdefault(normalize_header(name), column)
    return index


def column_named(kind: Kind, name: str) -> Column:
    for column in COLUMNS[kind]:
        if column.name == name:
            return column
    raise KeyError(f"no column {name!r} for {kind}")


def column_for_path(kind: Kind, path: tuple[str, ...]) -> str:
    """The column of a request field (its JSON path); the closest enclosing one, else ``row``."""
    best, best_length = "row", 0
    for column in COLUMNS[kind]:
        shared = _common_prefix(column.path, path)
        if shared == len(column.path) and shared > best_length:
            best, best_length = column.name, shared
    if best_length == 0:
        for column in COLUMNS[kind]:
            if column.path and column.path[: len(path)] == path:
                return column.name
    return best


def _common_prefix(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    count = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        count += 1
    return count
