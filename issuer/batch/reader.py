"""Reading a batch file: CSV, XLSX or JSON lines, into rows of raw cell values by column.

- **CSV**: UTF-8 (a byte-order mark is fine) or, failing that, GB18030 (what Excel writes on a
  Chinese Windows), comma-separated, one header row. Row numbers are the file's line numbers.
- **XLSX**: the first worksheet, one header row; row numbers are the sheet's.
- **JSON lines**: one object per line, with the columns as keys, or the API's request body
  (nested objects, camelCase) plus an optional ``replaces``. Row numbers are line numbers.

Whole-file faults (unreadable, unknown or repeated columns, a required column missing, too many
rows) raise :class:`BatchFileError`; faults of single rows are left to :mod:`issuer.batch.rows`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from issuer.batch.columns import COLUMNS, Column, Kind, header_index, normalize_header

FileFormat = Literal["csv", "xlsx", "jsonl"]
FORMATS: tuple[FileFormat, ...] = ("csv", "xlsx", "jsonl")
MAX_ROWS = 100_000
MAX_CELL = 2_000
_XLSX_MAGIC = b"PK\x03\x04"


class BatchFileError(ValueError):
    """The file as a whole cannot be read as a batch of ``kind``; the message says why."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its number in the file and its non-empty cells by column name."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A read batch file: its format, the columns its headers matched, and its rows."""

    format: FileFormat
    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]


def detect_format(data: bytes, name: str | None = None) -> FileFormat:
    """The format by file name (``.csv``, ``.xlsx``, ``.jsonl``/``.ndjson``), else by content."""
    lowered = (name or "").lower()
    for suffix, fmt in ((".xlsx", "xlsx"), (".csv", "csv"), (".jsonl", "jsonl")):
        if lowered.endswith(suffix):
            return fmt  # type: ignore[return-value]
    if lowered.endswith(".ndjson"):
        return "jsonl"
    if data.startswith(_XLSX_MAGIC):
        return "xlsx"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def read_table(data: bytes, kind: Kind, fmt: FileFormat) -> Table:
    """Read ``data`` as a batch of ``kind`` in format ``fmt``."""
    if fmt == "csv":
        header, body = _csv_rows(data)
        return _tabulate(fmt, kind, header, body)
    if fmt == "xlsx":
        header, body = _xlsx_rows(data)
        return _tabulate(fmt, kind, header, body)
    if fmt == "jsonl":
        return _jsonl_table(data, kind)
    raise BatchFileError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _tabulate(
    fmt: FileFormat, kind: Kind, header: list[Any], body: Iterator[tuple[int, list[Any]]]
) -> Table:
    columns = _match_headers(kind, [_header_text(cell) for cell in header])
    rows: list[RawRow] = []
    for number, values in body:
        if len(values) > len(columns) and any(_present(v) for v in values[len(columns) :]):
            raise BatchFileError(
                f"row {number} has {len(values)} cells but the header has {len(columns)} columns"
            )
        cells = {
            column.name: value
            for column, value in zip(columns, values, strict=False)
            if column is not None and _present(value)
        }
        if cells:
            rows.append(RawRow(number, cells))
            _check_size(rows)
    _check_required(kind, [c.name for c in columns if c is not None])
    return Table(fmt, tuple(c.name for c in columns if c is not None), tuple(rows))


def _match_headers(kind: Kind, headers: list[str]) -> list[Column | None]:
    index = header_index(kind)
    matched: list[Column | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for text in headers:
        if not text:
            matched.append(None)
            continue
        column = index.get(normalize_header(text))
        if column is None:
            unknown.append(text)
        elif column.name in seen:
            raise BatchFileError(
                f"columns {seen[column.name]!r} and {text!r} are both {column.name!r}"
            )
        else:
            seen[column.name] = text
        matched.append(column)
    if unknown:
        raise BatchFileError(
            f"unknown column{'s' if len(unknown) > 1 else ''} for a {kind} batch: "
            f"{', '.join(repr(u) for u in unknown)} (see the template's headers)"
        )
    return matched


def _check_required(kind: Kind, present: list[str]) -> None:
    missing = [c for c in COLUMNS[kind] if c.required and c.name not in present]
    if missing:
        names = ", ".join(f"{c.name} ({c.zh})" for c in missing)
        raise BatchFileError(f"the file has no column for: {names}")


def _check_size(rows: list[RawRow]) -> None:
    if len(rows) > MAX_ROWS:
        raise BatchFileError(f"a batch holds at most {MAX_ROWS:,} rows")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _header_text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


# --- CSV ---------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise BatchFileError("the CSV file is neither UTF-8 nor GB18030 text") from exc


def _csv_rows(data: bytes) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    text = _decode(data)
    if "\x00" in text:
        raise BatchFileError("the CSV file contains NUL characters (is it really CSV?)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BatchFileError("the file is empty: it needs a header row") from None
    except csv.Error as exc:
        raise BatchFileError(f"line 1 is not CSV: {exc}") from exc

    def body() -> Iterator[tuple[int, list[Any]]]:
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BatchFileError(f"line {start} is not CSV: {exc}") from exc
            yield start, [_cell(v) for v in values]

    return header, body()


def _cell(value: str) -> str:
    if len(value) > MAX_CELL:
        raise BatchFileError(f"a cell is longer than {MAX_CELL} characters")
    return value


# --- XLSX --------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BatchFileError(f"the file is not a readable XLSX workbook: {exc}") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = list(next(rows))
    except StopIteration:
        raise BatchFileError("the first worksheet is empty: it needs a header row") from None

    def body() -> Iterator[tuple[int, list[Any]]]:
        for offset, values in enumerate(rows, start=2):
            yield offset, list(values)
        book.close()

    return header, body()


# --- JSON lines --------------------------------------------------------------------------------


def _jsonl_table(data: bytes, kind: Kind) -> Table:
    text = _decode(data)
    objects: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BatchFileError(f"line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(value, dict):
            raise BatchFileError(f"line {number} is not a JSON object")
        objects.append((number, dict(_flatten(value))))
        if len(objects) > MAX_ROWS:
            raise BatchFileError(f"a batch holds at most {MAX_ROWS:,} rows")
    if not objects:
        raise BatchFileError("the file holds no JSON objects")
    keys: list[str] = []
    for _, obj in objects:
        keys.extend(key for key in obj if key not in keys)
    columns = _match_headers(kind, keys)
    names = {key: column.name for key, column in zip(keys, columns, strict=True) if column}
    rows = tuple(
        RawRow(number, {names[k]: v for k, v in obj.items() if _present(v)})
        for number, obj in objects
    )
    _check_required(kind, list(names.values()))
    return Table("jsonl", tuple(dict.fromkeys(names.values())), rows)


def _flatten(value: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict):
            yield from _flatten(item, path)
        elif isinstance(item, list):
            raise BatchFileError(f"{path}: a list is not a column value")
        else:
            yield path, item
