"""Ed25519Signature2020: the legacy Linked Data proof type many education issuers still use.

https://w3c-ccg.github.io/di-eddsa-2020/ — RDFC-1.0, SHA-256, proof type itself names the suite.
"""

from vc.cryptosuites.base import Cryptosuite
from vc.cryptosuites.eddsa_rdfc_2022 import canonize_rdfc

ED25519_SIGNATURE_2020 = Cryptosuite(
    name="Ed25519Signature2020",
    proof_type="Ed25519Signature2020",
    key_algorithms=frozenset({"Ed25519"}),
    canonicalize=canonize_rdfc,
    hash_names=(("Ed25519", "sha256"),),
    verification_method_types=frozenset({"Ed25519VerificationKey2020", "Multikey"}),
)
