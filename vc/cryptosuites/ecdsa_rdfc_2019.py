"""ecdsa-rdfc-2019: ECDSA P-256 (SHA-256) or P-384 (SHA-384) over RDFC-1.0 N-Quads.

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019 — with a P-384 key, RDFC-1.0 itself runs
with SHA-384 as its internal hash (it shows when the document has blank nodes).
"""

from vc.cryptosuites.base import Cryptosuite
from vc.jsonld import DocumentLoader, canonize
from vc.keys import Algorithm
from vc.types import JsonObject

_HASHES: tuple[tuple[Algorithm, str], ...] = (("P-256", "sha256"), ("P-384", "sha384"))


def canonize_rdfc_ecdsa(document: JsonObject, loader: DocumentLoader, algorithm: Algorithm) -> str:
    """RDFC-1.0 with the internal hash that matches the curve."""
    return canonize(document, loader, hash_name=dict(_HASHES)[algorithm])


ECDSA_RDFC_2019 = Cryptosuite(
    name="ecdsa-rdfc-2019",
    proof_type="DataIntegrityProof",
    key_algorithms=frozenset({"P-256", "P-384"}),
    canonicalize=canonize_rdfc_ecdsa,
    hash_names=_HASHES,
    verification_method_types=frozenset({"Multikey"}),
)
