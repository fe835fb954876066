"""VC-JOSE-COSE: credentials and presentations secured as compact JWS.

https://www.w3.org/TR/vc-jose-cose/ §3.1: the JWS payload IS the credential (``vc+jwt``) or
presentation (``vp+jwt``), VC Data Model 2.0 JSON as it is; the protected header is
``{"alg", "kid", "typ"}``. Algorithms: EdDSA (Ed25519), ES256 (P-256) and ES384 (P-384) only —
never ``none``, never HMAC, whatever the header says.

Verification resolves ``kid`` through the injected resolver and requires that the key be
authorized by its controller for ``assertionMethod`` (credentials) or ``authentication``
(presentations), and that the ``kid``'s DID be the credential's ``issuer`` (or the
presentation's ``holder``). Validity dates of the credential are the data model checks' job;
JWT ``exp``/``nbf`` claims, when present, are checked if ``now`` is given.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from vc.did import VerificationMethod, VerificationMethodResolver
from vc.errors import JoseError, VCError
from vc.keys import Algorithm, KeyPair
from vc.report import show_value
from vc.types import JsonObject

__all__ = ["JWS_ALGORITHMS", "MAX_TOKEN_LENGTH", "sign_vc_jwt", "verify_vc_jwt"]

MAX_TOKEN_LENGTH = 64 * 1024
JWS_ALGORITHMS: dict[Algorithm, str] = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}
_SIGNATURE_LENGTHS = {"EdDSA": 64, "ES256": 64, "ES384": 96}
_PART = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class _Profile:
    typ: str
    type_name: str
    signer: str
    relationship: str


_PROFILES = {
    "vc+jwt": _Profile("vc+jwt", "VerifiableCredential", "issuer", "assertionMethod"),
    "vp+jwt": _Profile("vp+jwt", "VerifiablePresentation", "holder", "authentication"),
}


def sign_vc_jwt(credential: JsonObject, key: KeyPair, *, kid: str, typ: str = "vc+jwt") -> str:
    """The compact JWS of ``credential`` (or a presentation with ``typ="vp+jwt"``) by ``key``.

    ``kid`` is the verification method URL; its DID must be the issuer (holder).
    """
    profile = _profile(typ)
    if not isinstance(credential, dict):
        raise JoseError(f"the {profile.typ} payload must be a JSON object")
    if not kid.startswith("did:") or "#" not in kid:
        raise JoseError(f"kid must be a DID URL with a #fragment, got {kid!r}")
    _check_payload(credential, kid, profile)
    alg = JWS_ALGORITHMS[key.algorithm]
    header = json.dumps({"alg": alg, "kid": kid, "typ": profile.typ}, separators=(",", ":"))
    try:
        payload = json.dumps(
            credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise JoseError(f"the {profile.typ} payload is not JSON: {exc}") from exc
    jws = JWS(payload)
    jws.allowed_algs = [alg]
    jws.add_signature(JWK.from_pyca(key.private_key_object), protected=header)
    return str(jws.serialize(compact=True))


def verify_vc_jwt(
    token: str,
    resolver: VerificationMethodResolver,
    *,
    expected_typ: Sequence[str] = ("vc+jwt", "vp+jwt"),
    now: datetime | None = None,
    max_length: int = MAX_TOKEN_LENGTH,
) -> JsonObject:
    """The payload of ``token`` once every check passed; JoseError naming the first that failed."""
    header_part, payload_part, signature_part = _split_compact(token, max_length)
    header = _decode_json(header_part, "header")
    alg = _check_alg(header)
    profile = _check_typ(header, expected_typ)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JoseError(f"header.kid must be a non-empty string, got {show_value(kid)}")
    if "crit" in header:
        raise JoseError(f"header.crit {show_value(header['crit'])}: no extension is understood")
    payload = _decode_json(payload_part, "payload")
    signature = _decode_part(signature_part, "signature")
    if len(signature) != _SIGNATURE_LENGTHS[alg]:
        raise JoseError(
            f"an {alg} signature has {_SIGNATURE_LENGTHS[alg]} bytes, got {len(signature)}"
        )
    method = _resolve(kid, resolver, alg, profile)
    _verify_signature(token, method, alg, kid)
    _check_payload(payload, kid, profile)
    if method.controller != kid.partition("#")[0]:
        raise JoseError(f"kid {kid!r} resolved to a method controlled by {method.controller!r}")
    if now is not None:
        _check_claim_times(payload, now)
    return payload


def _profile(typ: str) -> _Profile:
    profile = _PROFILES.get(typ.lower().removeprefix("application/"))
    if profile is None:
        raise JoseError(f"typ {typ!r} is not one of {', '.join(_PROFILES)}")
    return profile


def _split_compact(token: Any, max_length: int) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise JoseError(f"a compact JWS must be a string, got {type(token).__name__}")
    if len(token) > max_length:
        raise JoseError(f"the token is {len(token)} characters; the limit is {max_length}")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError(f"a compact JWS has 3 dot-separated parts, this one has {len(parts)}")
    return parts[0], parts[1], parts[2]


def _decode_part(part: str, what: str) -> bytes:
    """Strict base64url: the alphabet only, no padding, canonical (no stray trailing bits)."""
    if not _PART.fullmatch(part) or len(part) % 4 == 1:
        raise JoseError(f"the {what} is not unpadded base64url: {show_value(part, 40)}")
    data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != part:
        raise JoseError(f"the {what} is not canonical base64url")
    return data


def _decode_json(part: str, what: str) -> JsonObject:
    data = _decode_part(part, what)
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (ValueError, RecursionError) as exc:
        raise JoseError(f"the {what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise JoseError(f"the {what} must be a JSON object, got {show_value(value)}")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> JsonObject:
    result: JsonObject = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate member {name!r}")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_alg(header: JsonObject) -> str:
    alg = header.get("alg")
    if alg not in _SIGNATURE_LENGTHS:
        accepted = ", ".join(_SIGNATURE_LENGTHS)
        raise JoseError(f"header.alg {show_value(alg)} is not accepted (only {accepted})")
    return str(alg)


def _check_typ(header: JsonObject, expected: Sequence[str]) -> _Profile:
    typ = header.get("typ")
    if not isinstance(typ, str):
        raise JoseError(f"header.typ must be a string, got {show_value(typ)}")
    profile = _profile(typ)
    if profile.typ not in [_profile(t).typ for t in expected]:
        raise JoseError(f"header.typ {typ!r} is not expected here ({', '.join(expected)})")
    return profile


def _resolve(
    kid: str, resolver: VerificationMethodResolver, alg: str, profile: _Profile
) -> VerificationMethod:
    try:
        method = resolver(kid)
    except VCError as exc:
        raise JoseError(f"header.kid {kid!r} cannot be resolved: {exc.message}") from exc
    key_alg = JWS_ALGORITHMS[method.public_key.algorithm]
    if key_alg != alg:
        raise JoseError(
            f"header.alg is {alg} but kid {kid!r} holds an "
            f"{method.public_key.algorithm} key ({key_alg})"
        )
    if profile.relationship not in method.relationships:
        raise JoseError(
            f"kid {kid!r} is not authorized for {profile.relationship} by {method.controller}"
        )
    return method


def _verify_signature(token: str, method: VerificationMethod, alg: str, kid: str) -> None:
    jws = JWS()
    jws.allowed_algs = [alg]
    try:
        jws.deserialize(token, key=JWK.from_pyca(method.public_key.key_object), alg=alg)
    except (JWException, ValueError, TypeError) as exc:
        raise JoseError(f"the {alg} signature does not verify with kid {kid!r}") from exc


def _check_payload(payload: JsonObject, kid: str, profile: _Profile) -> None:
    types = payload.get("type")
    type_list = types if isinstance(types, list) else [types]
    if profile.type_name not in type_list:
        raise JoseError(
            f"a {profile.typ} payload's type must include {profile.type_name}, "
            f"got {show_value(types)}"
        )
    value = payload.get(profile.signer)
    signer = value.get("id") if isinstance(value, dict) else value
    if not isinstance(signer, str):
        raise JoseError(
            f"{profile.signer} must be a URL or an object with an id, got {show_value(value)}"
        )
    kid_did = kid.partition("#")[0]
    if signer != kid_did:
        raise JoseError(f"{profile.signer} {signer!r} does not match the DID of kid {kid!r}")


def _check_claim_times(payload: JsonObject, now: datetime) -> None:
    moment = now.timestamp()
    for claim, must_be_after in (("exp", False), ("nbf", True)):
        value = payload.get(claim)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise JoseError(f"{claim} must be a NumericDate, got {show_value(value)}")
        if must_be_after and moment < value:
            raise JoseError(f"nbf {value} is in the future")
        if not must_be_after and moment >= value:
            raise JoseError(f"exp {value} has passed")
