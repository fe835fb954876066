"""The JSON Schemas (draft 2020-12) that onex's credentials conform to, and validation.

The schema files in ``schemas/`` carry a URN ``$id`` (``urn:onex:schemas:<kind>:v1``) because
the service's base URL is not known when they are written. The VC JSON Schema specification
requires an ``$id`` and recommends that it equal the ``credentialSchema.id`` of the credentials:
``schema_for(kind, base_url=...)`` gives the copy to serve, whose ``$id`` is that URL.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from issuer.templates.build import CREDENTIAL_KINDS, CredentialKind, schema_url

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILES: dict[CredentialKind, str] = {
    "x-certificate": "x-certificate-v1.json",
    "diploma": "diploma-v1.json",
}
_MAX_MESSAGE = 300


@cache
def _schema(kind: CredentialKind) -> dict[str, Any]:
    if kind not in CREDENTIAL_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CREDENTIAL_KINDS)}, not {kind!r}")
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _validator(kind: CredentialKind) -> Draft202012Validator:
    return Draft202012Validator(_schema(kind), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_for(kind: CredentialKind, base_url: str | None = None) -> dict[str, Any]:
    """A copy of the JSON Schema of ``kind``; with ``base_url``, its ``$id`` is the served URL."""
    schema = copy.deepcopy(_schema(kind))
    if base_url is not None:
        schema["$id"] = schema_url(base_url, kind)
    return schema


def validate_against_schema(credential: object, kind: CredentialKind) -> list[str]:
    """Every way ``credential`` breaks the schema of ``kind``, as ``"$.json.path: message"``.

    An empty list means it conforms. Sorted by path; messages are cut at 300 characters.
    """
    errors = _validator(kind).iter_errors(credential)
    found = sorted(errors, key=lambda error: (list(map(str, error.absolute_path)), error.message))
    return [f"{error.json_path}: {_short(error.message)}" for error in found]


def _short(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
