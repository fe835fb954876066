"""Checks of the VC Data Model over plain JSON: shape, types, dates. No JSON-LD processing.

VC Data Model 2.0 (https://www.w3.org/TR/vc-data-model-2.0/) for everything; documents whose
first context is the VC 1.1 one (https://www.w3.org/TR/vc-data-model-1.1/) are accepted for
verifying unless ``allow_v1=False``. The checks return :class:`~vc.report.Problem` values and
never raise on a bad document; they raise only when the caller misuses them (a naive ``now``).
Each problem's detail starts with the property path it names (``credentialStatus[1].type``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from vc import problems
from vc.report import Problem
from vc.report import show_value as show
from vc.status_list import ENTRY_TYPE, entry_problems

V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_DATETIME_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"
)
_LANGUAGE_TAG = re.compile(r"(?:[A-Za-z]{2,3}|[xXiI])(?:-[A-Za-z0-9]{1,8})*")
_VALUE_OBJECT_KEYS = frozenset({"@value", "@language", "@direction"})
_TYPED_OBJECTS = ("proof", "termsOfUse", "evidence", "refreshService")
_Objects = list[tuple[str, dict[str, Any]]]


def check_credential(
    document: object,
    *,
    now: datetime,
    clock_skew: timedelta = timedelta(minutes=5),
    allow_v1: bool = True,
) -> list[Problem]:
    """Every way ``document`` breaks the data model of a verifiable credential (empty: none)."""
    _check_clock(now, clock_skew)
    if not isinstance(document, dict):
        return [_parsing_problem("a verifiable credential", document)]
    return _credential_problems(document, now, clock_skew, allow_v1)


def check_presentation(
    document: object,
    *,
    now: datetime,
    clock_skew: timedelta = timedelta(minutes=5),
    allow_v1: bool = True,
) -> list[Problem]:
    """Every way ``document`` breaks the data model of a verifiable presentation.

    Each embedded ``verifiableCredential`` is checked with :func:`check_credential`; its
    problems name it (``verifiableCredential[0].validUntil``).
    """
    _check_clock(now, clock_skew)
    if not isinstance(document, dict):
        return [_parsing_problem("a verifiable presentation", document)]
    found = [
        *_context_problems(document, allow_v1),
        *_type_problems(document, "VerifiablePresentation"),
        *_url_problems(document, "id"),
        *_party_problems(document, "holder", required=False),
        *_typed_object_problems(document, "proof"),
    ]
    embedded, shape = _objects(document, "verifiableCredential", required=False)
    found.extend(shape)
    for path, credential in embedded:
        inner = _embedded_problems(credential, now, clock_skew, allow_v1)
        found.extend(_under(path, problem) for problem in inner)
    return found


def issuer_id(document: object) -> str | None:
    """The issuer's identifier: ``issuer`` if a string, else ``issuer.id``; ``None`` if neither."""
    issuer = document.get("issuer") if isinstance(document, dict) else None
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def parse_datetime_stamp(value: object) -> datetime | None:
    """An XML Schema ``dateTimeStamp`` (a time zone is required) as an aware datetime, or None.

    Years outside 0001–9999 are not supported (None); ``24:00:00`` is the next day's midnight.
    """
    match = _DATETIME_STAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "", match.group(8)
    midnight_after = hour == 24 and minute == second == 0 and not fraction.strip("0")
    try:
        parsed = datetime(
            year, month, day, 0 if midnight_after else hour, minute, second,
            int((fraction + "000000")[:6]), tzinfo=_zone(zone),
        )  # fmt: skip
    except ValueError:
        return None
    return parsed + timedelta(days=1) if midnight_after else parsed


def _credential_problems(
    doc: dict[str, Any], now: datetime, skew: timedelta, allow_v1: bool
) -> list[Problem]:
    return [
        *_context_problems(doc, allow_v1),
        *_type_problems(doc, "VerifiableCredential"),
        *_url_problems(doc, "id"),
        *_party_problems(doc, "issuer", required=True),
        *_subject_problems(doc),
        *_validity_problems(doc, _version(doc), now, skew),
        *_language_problems(doc, "name"),
        *_language_problems(doc, "description"),
        *_status_problems(doc),
        *_schema_problems(doc),
        *(p for key in _TYPED_OBJECTS for p in _typed_object_problems(doc, key)),
    ]


def _embedded_problems(
    doc: dict[str, Any], now: datetime, skew: timedelta, allow_v1: bool
) -> list[Problem]:
    if "EnvelopedVerifiableCredential" not in _as_list(doc.get("type")):
        return _credential_problems(doc, now, skew, allow_v1)
    found = list(_context_problems(doc, allow_v1))
    if not (isinstance(doc.get("id"), str) and doc["id"].startswith("data:")):
        found.append(_malformed("id", "must be a data: URL", doc.get("id")))
    return found


def _version(doc: dict[str, Any]) -> int:
    context = doc.get("@context")
    return 1 if isinstance(context, list) and context[:1] == [V1_CONTEXT] else 2


def _context_problems(doc: dict[str, Any], allow_v1: bool) -> Iterator[Problem]:
    context = doc.get("@context")
    if context is None:
        yield _missing("@context")
        return
    if not isinstance(context, list) or not context:
        yield _malformed("@context", f"must be an array starting with {V2_CONTEXT}", context)
        return
    if context[0] == V1_CONTEXT and not allow_v1:
        yield _malformed("@context[0]", f"must be {V2_CONTEXT} (VC 1.1 is refused)", V1_CONTEXT)
    elif context[0] not in (V2_CONTEXT, V1_CONTEXT):
        yield _malformed("@context[0]", f"must be {V2_CONTEXT}", context[0])
    for i, item in enumerate(context):
        if not isinstance(item, str | dict):
            yield _malformed(f"@context[{i}]", "must be a URL string or an object", item)


def _type_problems(doc: dict[str, Any], required_type: str) -> Iterator[Problem]:
    if "type" not in doc:
        yield _missing("type")
    elif not _is_type_value(doc["type"]) or required_type not in _as_list(doc["type"]):
        yield _malformed(
            "type", f"must be a string or array of strings including {required_type}", doc["type"]
        )


def _url_problems(
    doc: dict[str, Any], key: str, at: str = "", *, required: bool = False
) -> Iterator[Problem]:
    """``key`` of ``doc`` (found at path ``at``) is absent or a URL (``required``: a URL)."""
    path = f"{at}.{key}" if at else key
    if key not in doc:
        yield from [_missing(path)] if required else []
    elif not _is_url(doc[key]):
        yield _malformed(path, "must be a URL", doc[key])


def _party_problems(doc: dict[str, Any], key: str, *, required: bool) -> Iterator[Problem]:
    """``issuer`` / ``holder``: a URL, or an object whose ``id`` is a URL."""
    value = doc.get(key)
    if value is None:
        if required:
            yield _missing(key)
    elif isinstance(value, dict):
        yield from _url_problems(value, "id", key, required=True)
        yield from _language_problems(value, "name", key)
        yield from _language_problems(value, "description", key)
    elif not _is_url(value):
        yield _malformed(key, "must be a URL or an object with an id", value)


def _subject_problems(doc: dict[str, Any]) -> Iterator[Problem]:
    subjects, shape = _objects(doc, "credentialSubject", required=True)
    yield from shape
    for path, subject in subjects:
        if not subject:
            yield _malformed(path, "must have at least one property", subject)
        yield from _url_problems(subject, "id", path)


def _status_problems(doc: dict[str, Any]) -> Iterator[Problem]:
    entries, shape = _objects(doc, "credentialStatus", required=False)
    yield from shape
    for path, entry in entries:
        if ENTRY_TYPE in _as_list(entry.get("type")):
            for prop, detail in entry_problems(entry):
                where = f"{path}.{prop}" if prop else path
                yield Problem.of(problems.MALFORMED_VALUE_ERROR, f"{where} {detail}", where)
        else:
            yield from _type_value_problems(entry, path)
            yield from _url_problems(entry, "id", path)


def _schema_problems(doc: dict[str, Any]) -> Iterator[Problem]:
    schemas, shape = _objects(doc, "credentialSchema", required=False)
    yield from shape
    for path, schema in schemas:
        yield from _url_problems(schema, "id", path, required=True)
        yield from _type_value_problems(schema, path)


def _typed_object_problems(doc: dict[str, Any], key: str) -> Iterator[Problem]:
    objects, shape = _objects(doc, key, required=False)
    yield from shape
    for path, item in objects:
        yield from _type_value_problems(item, path)


def _type_value_problems(item: dict[str, Any], path: str) -> Iterator[Problem]:
    if "type" not in item:
        yield _missing(f"{path}.type")
    elif not _is_type_value(item["type"]):
        yield _malformed(f"{path}.type", "must be a string or an array of strings", item["type"])


def _validity_problems(
    doc: dict[str, Any], version: int, now: datetime, skew: timedelta
) -> Iterator[Problem]:
    start_key, end_key = (
        ("validFrom", "validUntil") if version == 2 else ("issuanceDate", "expirationDate")
    )
    if version == 1 and start_key not in doc:
        yield _missing(start_key)
    start, end = _date(doc, start_key), _date(doc, end_key)
    for key, value in ((start_key, start), (end_key, end)):
        if key in doc and value is None:
            yield _malformed(key, "must be an XML Schema dateTimeStamp with a time zone, "
                             "such as 2024-07-01T08:00:00Z", doc[key])  # fmt: skip
    if start is not None and end is not None and start > end:
        yield _range(end_key, f"{doc[end_key]} is before {start_key} {doc[start_key]}")
    if start is not None and start > now + skew:
        yield _range(start_key, f"{doc[start_key]} is in the future: not yet valid at {_iso(now)}")
    if end is not None and end < now - skew:
        yield _range(end_key, f"{doc[end_key]} has passed: expired at {_iso(now)}")


def _date(doc: dict[str, Any], key: str) -> datetime | None:
    return parse_datetime_stamp(doc[key]) if key in doc else None


def _zone(zone: str) -> timezone:
    if zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))


def _check_clock(now: datetime, skew: timedelta) -> None:
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, not {now!r}")
    if not isinstance(skew, timedelta) or skew < timedelta(0):
        raise ValueError(f"clock_skew must be a non-negative timedelta, not {skew!r}")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _language_problems(doc: dict[str, Any], key: str, at: str = "") -> Iterator[Problem]:
    if key in doc and not _is_language_value(doc[key]):
        yield _malformed(
            f"{at}.{key}" if at else key,
            "must be a string, a language value object {@value, @language}, an array of those, "
            "or a map from language tags to strings",
            doc[key],
        )


def _is_language_value(value: object) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, str) or _is_value_object(v) for v in value)
    return isinstance(value, str) or _is_value_object(value) or _is_language_map(value)


def _is_value_object(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("@value"), str):
        return False
    language, direction = value.get("@language"), value.get("@direction")
    return (
        value.keys() <= _VALUE_OBJECT_KEYS
        and (language is None or (isinstance(language, str) and _is_language_tag(language)))
        and direction in (None, "ltr", "rtl")
    )


def _is_language_map(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(_is_language_tag(k) for k in value)
        and all(isinstance(v, str) or _is_string_list(v) for v in value.values())
    )


def _is_language_tag(text: str) -> bool:
    return _LANGUAGE_TAG.fullmatch(text) is not None


def _objects(doc: dict[str, Any], key: str, *, required: bool) -> tuple[_Objects, list[Problem]]:
    """The objects of ``key`` (an object or an array of objects) with their paths, or problems."""
    value = doc.get(key)
    if value is None:
        return [], [_missing(key)] if required else []
    if isinstance(value, dict):
        return [(key, value)], []
    if not isinstance(value, list) or not value:
        return [], [_malformed(key, "must be an object or a non-empty array of objects", value)]
    found = [(f"{key}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)]
    odd = [i for i, item in enumerate(value) if not isinstance(item, dict)]
    return found, [_malformed(f"{key}[{i}]", "must be an object", value[i]) for i in odd]


def _under(path: str, problem: Problem) -> Problem:
    """A problem of an embedded document, renamed to start from the enclosing one."""
    if problem.property is None:
        return replace(problem, property=path, detail=f"{path}: {problem.detail}")
    return replace(
        problem, property=f"{path}.{problem.property}", detail=f"{path}.{problem.detail}"
    )


def _missing(path: str) -> Problem:
    return Problem.of(problems.MALFORMED_VALUE_ERROR, f"{path} is required", path)


def _malformed(path: str, expectation: str, value: object) -> Problem:
    return Problem.of(
        problems.MALFORMED_VALUE_ERROR, f"{path} {expectation}, not {show(value)}", path
    )


def _range(path: str, detail: str) -> Problem:
    return Problem.of(problems.RANGE_ERROR, f"{path} {detail}", path)


def _parsing_problem(what: str, value: object) -> Problem:
    return Problem.of(problems.PARSING_ERROR, f"{what} must be a JSON object, not {show(value)}")


def _is_url(value: object) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def _is_type_value(value: object) -> bool:
    return (isinstance(value, str) and bool(value)) or (_is_string_list(value) and bool(value))


def _is_string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
