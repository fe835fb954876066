"""One raw row of a batch file → a validated issuance request, or the problems that stop it.

Cells are converted by their column's type first (dates in the forms spreadsheets write them,
Chinese level words, numbers that a spreadsheet stored as numbers), then the request is checked
by the same pydantic model the API uses, so a row is accepted exactly when the API would
accept it. Each problem names the column (``field``) and says why (``reason``); a national ID
number is never repeated in a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from issuer.batch.columns import (
    COLUMNS,
    EDUCATION_LEVEL_WORDS,
    LEVEL_WORDS,
    NUMBER_COLUMN,
    REPLACES,
    Column,
    Kind,
    column_for_path,
)
from issuer.batch.reader import RawRow
from issuer.templates.requests import CHINA_STANDARD_TIME, DiplomaRequest, XCertificateRequest

TemplateRequest = XCertificateRequest | DiplomaRequest
MODELS: dict[Kind, type[XCertificateRequest] | type[DiplomaRequest]] = {
    "x-certificate": XCertificateRequest,
    "diploma": DiplomaRequest,
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NAIVE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
_EXACT_FLOAT_DIGITS = 15
_SECRET_COLUMNS = frozenset({"national_id_number"})


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be issued: the column (``row`` for the row as a whole) and the reason."""

    field: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class ParsedRow:
    """A row read and checked: ``request`` when valid, else ``problems``."""

    number: int
    request: TemplateRequest | None
    problems: tuple[Problem, ...]
    certificate_number: str | None
    learner_name: str | None
    replaces: str | None


class _CellError(ValueError):
    pass


def parse_row(kind: Kind, raw: RawRow) -> ParsedRow:
    """Convert and validate one row of a ``kind`` batch."""
    problems: list[Problem] = []
    body: dict[str, Any] = {}
    replaces: str | None = None
    for column in COLUMNS[kind]:
        if column.name not in raw.cells:
            if column.required:
                problems.append(Problem(column.name, f"is required ({column.zh})"))
            continue
        try:
            value = _convert(column, raw.cells[column.name])
        except _CellError as exc:
            problems.append(Problem(column.name, str(exc)))
            continue
        if column.name == REPLACES:
            replaces = value
        else:
            _put(body, column.path, value)
    request: TemplateRequest | None = None
    if not problems:
        try:
            request = MODELS[kind].model_validate(body)
        except ValidationError as exc:
            problems.extend(_problems(kind, exc))
    number = raw.cells.get(NUMBER_COLUMN[kind])
    name = raw.cells.get("learner_name")
    return ParsedRow(
        number=raw.number,
        request=request,
        problems=tuple(problems),
        certificate_number=_safe_text(number),
        learner_name=_safe_text(name),
        replaces=replaces,
    )


def _safe_text(value: Any) -> str | None:
    try:
        text = _digits(value) if isinstance(value, int | float) else str(value).strip()
    except _CellError:
        return None
    return text[:64] if text else None


def _put(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = body
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _problems(kind: Kind, error: ValidationError) -> list[Problem]:
    found: list[Problem] = []
    for detail in error.errors(include_input=False, include_url=False):
        field = column_for_path(kind, tuple(str(part) for part in detail["loc"]))
        message = str(detail["msg"]).removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = "is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a column of this kind"
        found.append(Problem(field, message))
    return found


# --- cells ---------------------------------------------------------------------------------


def _convert(column: Column, value: Any) -> Any:
    converters: dict[str, Callable[[Any], str]] = {
        "text": _text,
        "digits": _digits,
        "date": _date,
        "datetime": _datetime,
        "decimal": _decimal,
        "level": lambda v: _word(v, LEVEL_WORDS),
        "education-level": lambda v: _word(v, EDUCATION_LEVEL_WORDS),
    }
    try:
        return converters[column.type](value)
    except _CellError as exc:
        if column.name in _SECRET_COLUMNS:
            raise _CellError("is not well-formed") from None
        raise exc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise _CellError(f"{value!r} is not text")
    if isinstance(value, int | float):
        return _digits(value)
    if isinstance(value, datetime | date):
        raise _CellError(f"{value.isoformat()} is a date, not text")
    return str(value).strip()


def _digits(value: Any) -> str:
    """A number that a spreadsheet may have stored as a number: exact digits or a refusal."""
    if isinstance(value, bool):
        raise _CellError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**_EXACT_FLOAT_DIGITS:
            return str(int(value))
        raise _CellError(
            f"the spreadsheet stored {value!r} as a floating-point number and lost digits; "
            "format the column as text"
        )
    return str(value).strip()


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise _CellError(f"{text!r} is not a date (YYYY-MM-DD)")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError as exc:
        raise _CellError(f"{text!r} is not a date: {exc}") from None


def _datetime(value: Any) -> str:
    """A time with a zone; a date or a time without a zone is read in China time (UTC+8)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=CHINA_STANDARD_TIME)
        return moment.isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time(), CHINA_STANDARD_TIME).isoformat()
    text = str(value).strip()
    if _NAIVE_DATETIME.fullmatch(text):
        parsed = datetime.fromisoformat(text.replace(" ", "T"))
        return parsed.replace(tzinfo=CHINA_STANDARD_TIME).isoformat()
    if len(text) <= 11:
        day = date.fromisoformat(_date(text))
        return datetime.combine(day, time(), CHINA_STANDARD_TIME).isoformat()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _CellError(f"{text!r} is not a date or a time (YYYY-MM-DDTHH:MM:SS+08:00)") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_STANDARD_TIME)).isoformat()


def _decimal(value: Any) -> str:
    if isinstance(value, bool):
        raise _CellError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return str(value).strip()


def _word(value: Any, words: dict[str, str]) -> str:
    text = str(value).strip()
    return words.get(text, text.lower())
