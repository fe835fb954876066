"""eddsa-jcs-2022: Ed25519 over the JSON Canonicalization Scheme (RFC 8785), SHA-256.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022
"""

import rfc8785

from vc.cryptosuites.base import Cryptosuite
from vc.errors import ProofError
from vc.jsonld import DocumentLoader
from vc.keys import Algorithm
from vc.types import JsonObject


def canonize_jcs(document: JsonObject, loader: DocumentLoader, algorithm: Algorithm) -> str:
    """RFC 8785 canonical JSON of ``document`` (neither loader nor key algorithm matter)."""
    try:
        return rfc8785.dumps(document).decode("utf-8")
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ProofError(f"document cannot be canonicalized with JCS: {exc}") from exc


EDDSA_JCS_2022 = Cryptosuite(
    name="eddsa-jcs-2022",
    proof_type="DataIntegrityProof",
    key_algorithms=frozenset({"Ed25519"}),
    canonicalize=canonize_jcs,
    hash_names=(("Ed25519", "sha256"),),
    verification_method_types=frozenset({"Multikey"}),
    proof_carries_context=True,
)
