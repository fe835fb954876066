"""Reading batch files and turning rows into requests: headers, encodings, cells, problems."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from issuer.batch.columns import COLUMNS, KINDS, header_index, normalize_header
from issuer.batch.reader import BatchFileError, RawRow, detect_format, read_table
from issuer.batch.rows import parse_row
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from tests.support.batch_files import DIPLOMA_HEADER, X_HEADER, csv_bytes, diploma_row, x_row

ZH_DIPLOMA = [next(c.zh for c in COLUMNS["diploma"] if c.name == name) for name in DIPLOMA_HEADER]


def _diploma(**cells: object) -> RawRow:
    return RawRow(2, {**dict(zip(DIPLOMA_HEADER, diploma_row(1), strict=True)), **cells})


def test_english_chinese_and_api_headers_are_all_accepted() -> None:
    english = read_table(csv_bytes(DIPLOMA_HEADER, [diploma_row(1)]), "diploma", "csv")
    chinese = read_table(csv_bytes(ZH_DIPLOMA, [diploma_row(1)]), "diploma", "csv")
    camel = ["learnerName", "Learner DID", *DIPLOMA_HEADER[2:]]
    api = read_table(csv_bytes(camel, [diploma_row(1)]), "diploma", "csv")
    assert english.rows == chinese.rows == api.rows
    assert isinstance(parse_row("diploma", english.rows[0]).request, DiplomaRequest)


@given(st.sampled_from(KINDS), st.data())
def test_headers_match_whatever_the_case_and_separators(kind: str, data: st.DataObject) -> None:
    column = data.draw(st.sampled_from(COLUMNS[kind]))  # type: ignore[index]
    noisy = "".join(
        data.draw(st.sampled_from([ch.upper(), ch.lower(), f" {ch}", f"{ch}_"]))
        for ch in column.name
    )
    assert header_index(kind)[normalize_header(noisy)] is column  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([*DIPLOMA_HEADER, "shoe_size"], "unknown column"),
        ([*DIPLOMA_HEADER[:-1], "获得学分", "credits"], "are both 'credits'"),
        (DIPLOMA_HEADER[:-1], "no column for: credits"),
    ],
)
def test_whole_file_faults(header: list[str], message: str) -> None:
    row = diploma_row(1)[: len(header)] + [""] * max(0, len(header) - len(DIPLOMA_HEADER))
    with pytest.raises(BatchFileError, match=message):
        read_table(csv_bytes(header, [row]), "diploma", "csv")


def test_gb18030_csv_from_a_chinese_spreadsheet() -> None:
    text = csv_bytes(ZH_DIPLOMA, [diploma_row(1)]).decode("utf-8")
    table = read_table(text.encode("gb18030"), "diploma", "csv")
    assert table.rows[0].cells["learner_name"] == diploma_row(1)[0]


def test_json_lines_in_the_api_shape_with_replaces() -> None:
    body = {
        "learner": {"name": "李晓明"},
        "licenseNumber": "2024110101020345",
        "skillDomain": {"code": "0402", "name": {"zh-CN": "Web前端开发", "en": "Web"}},
        "level": "intermediate",
        "assessment": {
            "examSite": {"code": "K1", "name": {"zh-CN": "站点", "en": "Site"}},
            "assessmentDate": "2026-10-22",
            "score": 86,
            "passMark": 60,
        },
        "credits": 4,
        "replaces": "2024110101020001",
    }
    data = (json.dumps(body, ensure_ascii=False) + "\n\n").encode()
    assert detect_format(data) == "jsonl"
    parsed = parse_row("x-certificate", read_table(data, "x-certificate", "jsonl").rows[0])
    assert isinstance(parsed.request, XCertificateRequest) and not parsed.problems
    assert parsed.replaces == "2024110101020001"


def test_xlsx_with_number_and_date_cells() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(DIPLOMA_HEADER)
    row: list[object] = list(diploma_row(1))
    row[3] = 510201  # a short code stored as a number: exact
    row[7:10] = [datetime(2022, 9, 1), date(2025, 6, 30), "2025年6月30日"]
    row[10] = 152.5
    sheet.append(row)
    lost = list(row)
    lost[2] = int(row[2])  # 18 digits stored as a number: a spreadsheet keeps 15 of them
    sheet.append(lost)
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "diploma", detect_format(buffer.getvalue()))
    good, bad = (parse_row("diploma", raw) for raw in table.rows)
    assert good.request is not None and good.request.diploma_number == diploma_row(1)[2]
    assert [p.field for p in bad.problems] == ["diploma_number"]
    assert "format the column as text" in bad.problems[0].reason


@pytest.mark.parametrize(
    ("cells", "field", "words"),
    [
        ({"graduation_date": "2025-02-30"}, "graduation_date", "day is out of range"),
        ({"graduation_date": "30/06/2025"}, "graduation_date", "not a date"),
        ({"learner_name": None}, "learner_name", "required"),
        ({"education_level": "doctorate"}, "education_level", "Input should be"),
        ({"diploma_number": "12345"}, "diploma_number", "pattern"),
        ({"graduation_date": "2024-06-30"}, "graduation_date", "graduation year"),
        ({"learner_did": "did:example:123"}, "learner_did", "not a did:key or did:web"),
        ({"credits": "lots"}, "credits", "decimal"),
    ],
)
def test_row_problems_name_the_column(cells: dict[str, object], field: str, words: str) -> None:
    raw = _diploma(**cells)
    raw = RawRow(raw.number, {k: v for k, v in raw.cells.items() if v is not None})
    parsed = parse_row("diploma", raw)
    assert parsed.request is None
    assert [p.field for p in parsed.problems] == [field]
    assert words in parsed.problems[0].reason


def test_dates_and_chinese_words_as_spreadsheets_write_them() -> None:
    parsed = parse_row(
        "diploma",
        _diploma(
            study_start_date="2022/9/1",
            graduation_date="2025年6月30日",
            study_end_date="20250630",
            education_level="高职专科",
            valid_from="2025-07-01 09:00",
        ),
    )
    assert parsed.request is not None, parsed.problems
    assert parsed.request.study_start_date == date(2022, 9, 1)
    assert parsed.request.education_level == "higher-vocational"
    assert parsed.request.valid_from is not None
    assert parsed.request.valid_from.isoformat() == "2025-07-01T09:00:00+08:00"
    cells = dict(zip(X_HEADER, x_row(1), strict=True))
    level = parse_row("x-certificate", RawRow(2, {**cells, "level": "高级"}))
    assert level.request is not None and level.request.level == "senior"


def test_a_bad_national_id_number_is_never_repeated() -> None:
    parsed = parse_row("diploma", _diploma(national_id_number="11010519491231002Y"))
    assert [p.field for p in parsed.problems] == ["national_id_number"]
    assert "11010519491231002" not in parsed.problems[0].reason
