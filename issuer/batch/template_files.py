"""Downloadable template files for a batch: CSV, XLSX or JSON lines, headers in en or zh-CN.

Each has the header row and one example row; the XLSX also has a second sheet describing every
column, and keeps number and date columns as text so that a spreadsheet does not round an
18-digit number or reformat a date.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

from issuer.batch.columns import COLUMNS, Column, Kind

Language = Literal["en", "zh-CN"]
_TEXT_TYPES = frozenset({"digits", "date", "datetime", "text"})


def header(column: Column, language: Language) -> str:
    return column.zh if language == "zh-CN" else column.name


def csv_template(kind: Kind, language: Language = "en") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header(c, language) for c in COLUMNS[kind]])
    writer.writerow([c.example for c in COLUMNS[kind]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def jsonl_template(kind: Kind) -> bytes:
    example = {c.name: c.example for c in COLUMNS[kind] if c.example}
    return (json.dumps(example, ensure_ascii=False) + "\n").encode("utf-8")


def xlsx_template(kind: Kind, language: Language = "en") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "批量发证" if language == "zh-CN" else "batch"
    columns = COLUMNS[kind]
    sheet.append([header(c, language) for c in columns])
    sheet.append([c.example for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=column.required)
        if column.type in _TEXT_TYPES:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(header(column, language)) + 4)
    notes = book.create_sheet("说明" if language == "zh-CN" else "columns")
    notes.append(["column", "中文列名", "required", "description"])
    for column in columns:
        notes.append([column.name, column.zh, "yes" if column.required else "", column.description])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
