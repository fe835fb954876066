"""Reading a DID document: its verification methods and the relationships that grant them.

https://www.w3.org/TR/did-1.0/ §5.2–5.3 and https://www.w3.org/TR/cid-1.0/ §2.2–2.3. Accepted
verification method types: ``Multikey`` and ``Ed25519VerificationKey2020`` (``publicKeyMultibase``),
``JsonWebKey`` and ``JsonWebKey2020`` (``publicKeyJwk``: OKP Ed25519, EC P-256 or P-384).

A method's ``controller`` must be the document's DID and its ``id`` a fragment of that DID
(``#key-1`` or ``did:web:example.com#key-1``), as the Controlled Identifiers algorithm to
retrieve a verification method requires. A relationship entry that references another DID's
method grants nothing here and is skipped; a reference to a fragment of this DID that the
document does not define is an error. ``@context`` is not checked (plain JSON is allowed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from vc import problems
from vc.did import PROOF_PURPOSES, VerificationMethod
from vc.errors import DIDResolutionError, KeyFormatError
from vc.keys import Algorithm, PublicKey
from vc.multibase import decode_base64url
from vc.report import show_value
from vc.types import JsonObject

MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
_PRIVATE_MATERIAL = (
    "secretKeyMultibase",
    "privateKeyMultibase",
    "privateKeyJwk",
    "privateKeyBase58",
)
_JWK_CURVES: dict[tuple[str, str], tuple[Algorithm, int, str]] = {
    ("OKP", "Ed25519"): ("Ed25519", 32, "EdDSA"),
    ("EC", "P-256"): ("P-256", 32, "ES256"),
    ("EC", "P-384"): ("P-384", 48, "ES384"),
}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def invalid_document(message: str) -> DIDResolutionError:
    """A DIDResolutionError of type INVALID_CONTROLLED_IDENTIFIER_DOCUMENT."""
    return DIDResolutionError(message, problem_type=problems.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT)


def parse_did_document(document: JsonObject, did: str) -> dict[str, VerificationMethod]:
    """The verification methods of ``document`` (the DID document of ``did``) by absolute id.

    Each method's ``relationships`` are the verification relationships that list it, by
    reference or embedded. Raises DIDResolutionError naming the offending property.
    """
    if not isinstance(document, dict):
        raise invalid_document(f"a DID document must be a JSON object, got {show_value(document)}")
    if document.get("id") != did:
        raise DIDResolutionError(
            f"DID document id {show_value(document.get('id'))} does not match the DID {did!r}",
            problem_type=problems.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
        )
    methods: dict[str, VerificationMethod] = {}
    for index, entry in enumerate(_array(document, "verificationMethod")):
        method = parse_verification_method(entry, did, f"verificationMethod[{index}]")
        if method.id in methods:
            raise invalid_document(f"verificationMethod[{index}].id {method.id!r} is a duplicate")
        methods[method.id] = method
    grants: dict[str, set[str]] = {vm_id: set() for vm_id in methods}
    for purpose in PROOF_PURPOSES:
        for index, entry in enumerate(_array(document, purpose)):
            vm_id = _granted_method(entry, did, f"{purpose}[{index}]", methods)
            if vm_id is not None:
                grants.setdefault(vm_id, set()).add(purpose)
    return {
        vm_id: replace(m, relationships=frozenset(grants[vm_id])) for vm_id, m in methods.items()
    }


def _array(document: JsonObject, name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise invalid_document(f"{name} must be an array, got {show_value(value)}")
    return value


def _granted_method(
    entry: Any, did: str, where: str, methods: dict[str, VerificationMethod]
) -> str | None:
    """The id of the method a relationship entry grants (embedded ones are added to ``methods``)."""
    if isinstance(entry, str):
        vm_id = absolute_id(entry, did, where)
        if vm_id in methods:
            return vm_id
        if vm_id.startswith(did + "#"):
            raise invalid_document(
                f"{where} references {vm_id!r}, which the document does not define"
            )
        return None
    if isinstance(entry, dict):
        method = parse_verification_method(entry, did, where)
        known = methods.get(method.id)
        if known is not None and (known.type, known.public_key) != (method.type, method.public_key):
            raise invalid_document(f"{where} redefines {method.id!r} with another key or type")
        methods.setdefault(method.id, method)
        return method.id
    raise invalid_document(f"{where} must be a string or an object, got {show_value(entry)}")


def absolute_id(value: Any, did: str, where: str) -> str:
    """``#frag`` → ``did#frag``; an absolute DID URL is returned as it is."""
    if not isinstance(value, str) or not value:
        raise invalid_document(f"{where} must be a non-empty string, got {show_value(value)}")
    if value.startswith("#") and len(value) > 1:
        return did + value
    if value.startswith("did:") and "#" in value and not value.endswith("#"):
        return value
    raise invalid_document(f"{where} must be '#fragment' or an absolute DID URL, got {value!r}")


def parse_verification_method(entry: Any, did: str, where: str) -> VerificationMethod:
    """One verification method object of the DID document of ``did``."""
    if not isinstance(entry, dict):
        raise invalid_document(f"{where} must be an object, got {show_value(entry)}")
    vm_id = absolute_id(entry.get("id"), did, f"{where}.id")
    if not vm_id.startswith(did + "#"):
        raise invalid_document(f"{where}.id {vm_id!r} is not a fragment of {did!r}")
    controller = entry.get("controller")
    if controller != did:
        raise invalid_document(
            f"{where}.controller must be the document's DID {did!r}, got {show_value(controller)}"
        )
    for name in _PRIVATE_MATERIAL:
        if name in entry:
            raise invalid_document(f"{where}.{name}: a DID document must not hold private keys")
    vm_type = entry.get("type")
    if vm_type in MULTIBASE_TYPES:
        key = _multibase_key(entry, str(vm_type), where)
    elif vm_type in JWK_TYPES:
        key = _jwk_key(entry, where)
    else:
        accepted = ", ".join(sorted(MULTIBASE_TYPES | JWK_TYPES))
        raise invalid_document(f"{where}.type {show_value(vm_type)} is not one of {accepted}")
    return VerificationMethod(vm_id, str(vm_type), did, key, frozenset())


def _multibase_key(entry: JsonObject, vm_type: str, where: str) -> PublicKey:
    if "publicKeyJwk" in entry:
        raise invalid_document(f"{where}: a {vm_type} must not carry publicKeyJwk")
    try:
        key = PublicKey.from_multibase(entry.get("publicKeyMultibase"))  # type: ignore[arg-type]
    except KeyFormatError as exc:
        raise invalid_document(f"{where}.publicKeyMultibase: {exc.message}") from exc
    if vm_type == "Ed25519VerificationKey2020" and key.algorithm != "Ed25519":
        raise invalid_document(
            f"{where}: an Ed25519VerificationKey2020 holds a {key.algorithm} key"
        )
    return key


def _jwk_key(entry: JsonObject, where: str) -> PublicKey:
    jwk = entry.get("publicKeyJwk")
    if "publicKeyMultibase" in entry:
        raise invalid_document(f"{where}: a {entry['type']} must not carry publicKeyMultibase")
    if not isinstance(jwk, dict):
        raise invalid_document(f"{where}.publicKeyJwk must be an object, got {show_value(jwk)}")
    if "d" in jwk:
        raise invalid_document(f"{where}.publicKeyJwk.d: a DID document must not hold private keys")
    curve = _JWK_CURVES.get((str(jwk.get("kty")), str(jwk.get("crv"))))
    if curve is None:
        raise invalid_document(
            f"{where}.publicKeyJwk: kty {show_value(jwk.get('kty'))} with crv "
            f"{show_value(jwk.get('crv'))} is not supported (OKP Ed25519, EC P-256, EC P-384)"
        )
    algorithm, size, jose_alg = curve
    if "alg" in jwk and jwk["alg"] != jose_alg:
        raise invalid_document(
            f"{where}.publicKeyJwk.alg {show_value(jwk['alg'])} is not {jose_alg}"
        )
    raw = _coordinate(jwk, "x", size, where)
    if algorithm != "Ed25519":
        raw = b"\x04" + raw + _coordinate(jwk, "y", size, where)
    try:
        return PublicKey.from_raw(algorithm, raw)
    except KeyFormatError as exc:
        raise invalid_document(f"{where}.publicKeyJwk: {exc.message}") from exc


def _coordinate(jwk: JsonObject, name: str, size: int, where: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        raise invalid_document(
            f"{where}.publicKeyJwk.{name} must be base64url, got {show_value(value)}"
        )
    data = decode_base64url(value, what=f"{where}.publicKeyJwk.{name}")
    if len(data) != size:
        raise invalid_document(f"{where}.publicKeyJwk.{name} must be {size} bytes, got {len(data)}")
    return data


def find_method_object(document: JsonObject, did: str, vm_id: str) -> JsonObject | None:
    """The JSON object of verification method ``vm_id`` as the (already parsed) document has it."""
    candidates = [document.get("verificationMethod", [])]
    candidates += [document.get(purpose, []) for purpose in PROOF_PURPOSES]
    for entries in candidates:
        for entry in entries:
            if isinstance(entry, dict) and absolute_id(entry.get("id"), did, "id") == vm_id:
                return entry
    return None
