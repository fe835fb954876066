"""Reading compact JWS (vc+jwt, vp+jwt) and enveloped credentials, before verification.

Only for routing and for showing what an invalid token claims: verification is
:func:`vc.jose.verify_vc_jwt`'s.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from vc import problems as w3c
from vc.report import Problem

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/vp+jwt,")
MAX_TOKEN = 64 * 1024


def is_compact_jws(text: str) -> bool:
    return len(text) <= MAX_TOKEN and _COMPACT.fullmatch(text) is not None


def _part(token: str, index: int) -> Any:
    try:
        piece = token.split(".")[index]
        return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    except (ValueError, IndexError, RecursionError):
        return None


def header(token: str) -> dict[str, Any]:
    found = _part(token, 0) if is_compact_jws(token) else None
    return found if isinstance(found, dict) else {}


def unverified_payload(token: str) -> Any:
    """The payload as the token states it — for display only, never trusted."""
    return _part(token, 1) if is_compact_jws(token) else None


def enveloped_token(document: dict[str, Any]) -> str | None:
    """The JWS inside an ``EnvelopedVerifiableCredential`` / ``…Presentation`` (its data: URL)."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if not {"EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"} & set(types):
        return None
    identifier = document.get("id")
    if not isinstance(identifier, str):
        return None
    for prefix in _ENVELOPE_PREFIXES:
        if identifier.startswith(prefix):
            return identifier.removeprefix(prefix)
    return None


def kid_of(token: str) -> str:
    kid = header(token).get("kid")
    return kid if isinstance(kid, str) else "?"


def typ_of(token: str) -> str:
    typ = header(token).get("typ")
    return str(typ).lower().removeprefix("application/") if typ is not None else ""


def payload_of(credential: Any) -> Any:
    """A credential as JSON: itself, or the payload of a JWS or an enveloped one (unverified)."""
    token = enveloped_token(credential) if isinstance(credential, dict) else None
    inner = token if token is not None else credential
    return unverified_payload(inner) if isinstance(inner, str) else inner


def binding_problems(
    payload: dict[str, Any], challenge: str | None, domain: str | None
) -> list[Problem]:
    """A vp+jwt carries the challenge as ``nonce`` and the domain in ``aud``."""
    found = []
    if challenge is not None and payload.get("nonce") != challenge:
        detail = f"nonce {payload.get('nonce')!r} does not match the expected challenge"
        found.append(Problem.of(w3c.INVALID_CHALLENGE_ERROR, detail, "nonce"))
    audience = payload.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if domain is not None and domain not in audiences:
        detail = f"aud {audience!r} does not include the expected domain {domain!r}"
        found.append(Problem.of(w3c.INVALID_DOMAIN_ERROR, detail, "aud"))
    return found
