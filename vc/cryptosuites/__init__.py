"""Data Integrity cryptosuites, one module each; callers name the ones they accept."""

from vc.cryptosuites.base import Cryptosuite
from vc.cryptosuites.ecdsa_jcs_2019 import ECDSA_JCS_2019
from vc.cryptosuites.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from vc.cryptosuites.ed25519_signature_2020 import ED25519_SIGNATURE_2020
from vc.cryptosuites.eddsa_jcs_2022 import EDDSA_JCS_2022
from vc.cryptosuites.eddsa_rdfc_2022 import EDDSA_RDFC_2022
from vc.errors import ProofError

__all__ = [
    "ALL_SUITES",
    "ECDSA_JCS_2019",
    "ECDSA_RDFC_2019",
    "ED25519_SIGNATURE_2020",
    "EDDSA_JCS_2022",
    "EDDSA_RDFC_2022",
    "SIGNING_SUITES",
    "Cryptosuite",
    "suite_by_name",
]

ALL_SUITES: tuple[Cryptosuite, ...] = (
    EDDSA_RDFC_2022,
    ECDSA_RDFC_2019,
    EDDSA_JCS_2022,
    ECDSA_JCS_2019,
    ED25519_SIGNATURE_2020,
)
"""Every suite onex can verify."""

SIGNING_SUITES: tuple[Cryptosuite, ...] = (
    EDDSA_RDFC_2022,
    ECDSA_RDFC_2019,
    EDDSA_JCS_2022,
    ECDSA_JCS_2019,
)
"""The suites onex signs with (Ed25519Signature2020 is verify-only)."""


def suite_by_name(name: str, suites: tuple[Cryptosuite, ...] = ALL_SUITES) -> Cryptosuite:
    """Find a suite by its name; an unknown name is a ProofError listing the known ones."""
    for suite in suites:
        if suite.name == name:
            return suite
    known = ", ".join(suite.name for suite in suites)
    raise ProofError(f"unknown cryptosuite {name!r}; known: {known}")
