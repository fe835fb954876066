"""ecdsa-jcs-2019: ECDSA P-256 (SHA-256) or P-384 (SHA-384) over JCS (RFC 8785).

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019
"""

from vc.cryptosuites.base import Cryptosuite
from vc.cryptosuites.eddsa_jcs_2022 import canonize_jcs

ECDSA_JCS_2019 = Cryptosuite(
    name="ecdsa-jcs-2019",
    proof_type="DataIntegrityProof",
    key_algorithms=frozenset({"P-256", "P-384"}),
    canonicalize=canonize_jcs,
    hash_names=(("P-256", "sha256"), ("P-384", "sha384")),
    verification_method_types=frozenset({"Multikey"}),
    proof_carries_context=True,
)
