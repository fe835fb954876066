"""eddsa-rdfc-2022: Ed25519 over RDFC-1.0 canonical N-Quads, SHA-256.

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022
"""

from vc.cryptosuites.base import Cryptosuite
from vc.jsonld import DocumentLoader, canonize
from vc.keys import Algorithm
from vc.types import JsonObject


def canonize_rdfc(document: JsonObject, loader: DocumentLoader, algorithm: Algorithm) -> str:
    """RDFC-1.0 with its default SHA-256 internal hash."""
    return canonize(document, loader)


EDDSA_RDFC_2022 = Cryptosuite(
    name="eddsa-rdfc-2022",
    proof_type="DataIntegrityProof",
    key_algorithms=frozenset({"Ed25519"}),
    canonicalize=canonize_rdfc,
    hash_names=(("Ed25519", "sha256"),),
    verification_method_types=frozenset({"Multikey", "Ed25519VerificationKey2020"}),
)
