"""Batch files for tests and benchmarks: diplomas and X certificates as CSV rows."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable

from vc.did.key import did_key
from vc.keys import KeyPair

DIPLOMA_HEADER = [
    "learner_name",
    "learner_did",
    "diploma_number",
    "major_code",
    "major_name_zh",
    "major_name_en",
    "education_level",
    "study_start_date",
    "study_end_date",
    "graduation_date",
    "credits",
]
X_HEADER = [
    "learner_name",
    "learner_did",
    "license_number",
    "skill_domain_code",
    "skill_domain_name_zh",
    "skill_domain_name_en",
    "level",
    "exam_site_code",
    "exam_site_name_zh",
    "exam_site_name_en",
    "assessment_date",
    "score",
    "pass_mark",
    "credits",
]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"


def learner_did(seed: int) -> str:
    """A distinct, valid did:key for learner ``seed``."""
    secret = hashlib.sha256(f"onex-test-learner-{seed}".encode()).digest()
    return did_key(KeyPair.from_secret_bytes("Ed25519", secret).public)


def learner_name(seed: int) -> str:
    return (
        _SURNAMES[seed % len(_SURNAMES)]
        + _GIVEN[(seed // 7) % len(_GIVEN)]
        + _GIVEN[(seed // 3) % len(_GIVEN)]
    )


def diploma_number(sequence: int, year: int = 2025) -> str:
    return f"142951{year:04d}06{sequence:06d}"


def diploma_row(sequence: int, *, with_did: bool = True) -> list[str]:
    return [
        learner_name(sequence),
        learner_did(sequence) if with_did else "",
        diploma_number(sequence),
        "510201",
        "计算机应用技术",
        "Computer Applications",
        "higher-vocational",
        "2022-09-01",
        "2025-06-30",
        "2025-06-30",
        "152.5",
    ]


def x_row(sequence: int, *, level: str = "intermediate", with_did: bool = True) -> list[str]:
    return [
        learner_name(sequence),
        learner_did(sequence) if with_did else "",
        f"2024110101{sequence:06d}",
        "0402",
        "Web前端开发",
        "Web Front-End Development",
        level,
        "KHZD-110108-007",
        "北京信息职业技术学院考核站点",
        "BJIT exam site",
        "2026-10-22",
        "86",
        "60",
        "4",
    ]


def csv_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def diplomas_csv(count: int, *, start: int = 1, with_did: bool = True) -> bytes:
    return csv_bytes(
        DIPLOMA_HEADER, (diploma_row(i, with_did=with_did) for i in range(start, start + count))
    )
