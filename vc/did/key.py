"""did:key for Ed25519, P-256 and P-384 Multikeys (https://w3c-ccg.github.io/did-key-spec/)."""

from __future__ import annotations

from vc.did import PROOF_PURPOSES, VerificationMethod
from vc.errors import DIDResolutionError, KeyFormatError
from vc.keys import PublicKey
from vc.types import JsonObject

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
_KEY_AGREEMENT_FREE = tuple(p for p in PROOF_PURPOSES if p != "keyAgreement")


def did_key(public_key: PublicKey) -> str:
    """The did:key DID of ``public_key``."""
    return "did:key:" + public_key.multibase


def did_key_verification_method(public_key: PublicKey) -> str:
    """The verification method URL: ``did:key:<mb>#<mb>``."""
    return f"{did_key(public_key)}#{public_key.multibase}"


def resolve_did_key(url: str) -> VerificationMethod:
    """Resolve a did:key DID or verification method URL to its single verification method."""
    did, _, fragment = url.partition("#")
    if not did.startswith("did:key:"):
        raise DIDResolutionError(f"not a did:key DID: {url!r}")
    encoded = did.removeprefix("did:key:")
    if fragment and fragment != encoded:
        raise DIDResolutionError(f"did:key URL {url!r} names an unknown verification method")
    try:
        public_key = PublicKey.from_multibase(encoded)
    except KeyFormatError as exc:
        raise DIDResolutionError(f"invalid did:key {did!r}: {exc.message}") from exc
    return VerificationMethod(
        id=f"{did}#{encoded}",
        type="Multikey",
        controller=did,
        public_key=public_key,
        relationships=frozenset(_KEY_AGREEMENT_FREE),
    )


def did_key_document(did: str) -> JsonObject:
    """The DID document of a did:key DID (Multikey form)."""
    method = resolve_did_key(did)
    vm_id = method.id
    return {
        "@context": DID_CONTEXTS,
        "id": method.controller,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": method.controller,
                "publicKeyMultibase": method.public_key.multibase,
            }
        ],
        **{purpose: [vm_id] for purpose in _KEY_AGREEMENT_FREE},
    }
