"""ecdsa-rdfc-2019 and ecdsa-jcs-2019 W3C vectors (P-256, P-384).

Source: w3c/vc-di-ecdsa, TestVectors/ (read in place from ../shared/w3c-vectors/ecdsa).
ECDSA signatures are randomized in the vectors, so: canonical forms and hashes reproduce, every
signed vector verifies, our own deterministic signature verifies, and tampering fails.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pytest

from tests.paths import vectors_dir
from vc.cryptosuites import ECDSA_JCS_2019, ECDSA_RDFC_2019, Cryptosuite
from vc.data_integrity import ProofOptions, add_proof, verify_proofs
from vc.did.key import resolve_did_key
from vc.jsonld import DocumentLoader
from vc.keys import Algorithm, KeyPair


@dataclass(frozen=True)
class Case:
    folder: str
    suffix: str
    suite: Cryptosuite
    key_file: str
    unsigned: str
    hash_name: str

    @property
    def algorithm(self) -> Algorithm:
        return "P-384" if self.hash_name == "sha384" else "P-256"


CASES = [
    Case(
        "ecdsa-rdfc-2019-p256",
        "ECDSAP256",
        ECDSA_RDFC_2019,
        "p256KeyPair.json",
        "unsigned.json",
        "sha256",
    ),
    Case(
        "ecdsa-rdfc-2019-p256/employ",
        "ECDSAP256",
        ECDSA_RDFC_2019,
        "p256KeyPair.json",
        "employmentAuth.json",
        "sha256",
    ),
    Case(
        "ecdsa-rdfc-2019-p384",
        "ECDSAP384",
        ECDSA_RDFC_2019,
        "p384KeyPair.json",
        "unsigned.json",
        "sha384",
    ),
    Case(
        "ecdsa-rdfc-2019-p384/employ",
        "ECDSAP384",
        ECDSA_RDFC_2019,
        "p384KeyPair.json",
        "employmentAuth.json",
        "sha384",
    ),
    Case(
        "ecdsa-jcs-2019-p256",
        "JCSECDSAP256",
        ECDSA_JCS_2019,
        "p256KeyPair.json",
        "unsigned.json",
        "sha256",
    ),
    Case(
        "ecdsa-jcs-2019-p384",
        "JCSECDSAP384",
        ECDSA_JCS_2019,
        "p384KeyPair.json",
        "unsigned.json",
        "sha384",
    ),
]
IDS = [case.folder for case in CASES]


def _loader() -> DocumentLoader:
    return DocumentLoader.bundled().with_directory(vectors_dir("contexts"))


def _text(case: Case, stem: str) -> str:
    return (vectors_dir("ecdsa", case.folder) / f"{stem}{case.suffix}.txt").read_text("utf-8")


def _json(case: Case, stem: str) -> dict[str, object]:
    path = vectors_dir("ecdsa", case.folder) / f"{stem}{case.suffix}.json"
    result: dict[str, object] = json.loads(path.read_text("utf-8"))
    return result


def _unsigned(case: Case) -> dict[str, object]:
    result: dict[str, object] = json.loads(
        (vectors_dir("ecdsa") / case.unsigned).read_text("utf-8")
    )
    return result


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_canonical_forms_and_hashes_reproduce(case: Case) -> None:
    loader = _loader()
    canonical_doc = case.suite.canonicalize(_unsigned(case), loader, case.algorithm)
    assert canonical_doc == _text(case, "canonDoc")
    doc_hash = hashlib.new(case.hash_name, canonical_doc.encode()).hexdigest()
    assert doc_hash == _text(case, "docHash").strip()
    canonical_proof = case.suite.canonicalize(_json(case, "proofConfig"), loader, case.algorithm)
    assert canonical_proof == _text(case, "proofCanon")
    proof_hash = hashlib.new(case.hash_name, canonical_proof.encode()).hexdigest()
    assert proof_hash == _text(case, "proofHash").strip()
    assert proof_hash + doc_hash == _text(case, "combinedHash").strip()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_vector_verifies(case: Case) -> None:
    result = verify_proofs(
        _json(case, "signed"), suites=[case.suite], resolver=resolve_did_key, loader=_loader()
    )
    assert result.verified, result.all_problems()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_our_signature_is_deterministic_and_verifies(case: Case) -> None:
    key_json = json.loads((vectors_dir("ecdsa") / case.key_file).read_text("utf-8"))
    key = KeyPair.from_multibase(key_json["secretKeyMultibase"])
    config = _json(case, "proofConfig")
    options = ProofOptions(
        verification_method=str(config["verificationMethod"]), created=str(config["created"])
    )
    first = add_proof(_unsigned(case), suite=case.suite, key=key, options=options, loader=_loader())
    second = add_proof(
        _unsigned(case), suite=case.suite, key=key, options=options, loader=_loader()
    )
    assert first == second
    assert verify_proofs(
        first, suites=[case.suite], resolver=resolve_did_key, loader=_loader()
    ).verified


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tampered_vector_fails(case: Case) -> None:
    signed = _json(case, "signed")
    signed["id"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    result = verify_proofs(signed, suites=[case.suite], resolver=resolve_did_key, loader=_loader())
    assert not result.verified
