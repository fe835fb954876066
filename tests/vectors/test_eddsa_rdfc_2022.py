"""eddsa-rdfc-2022, Ed25519Signature2020 and eddsa-jcs-2022 W3C vectors: every step reproduced.

Source: w3c/vc-di-eddsa, TestVectors/ (read in place from ../shared/w3c-vectors/eddsa).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import vectors_dir
from vc.cryptosuites import (
    ED25519_SIGNATURE_2020,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    Cryptosuite,
)
from vc.data_integrity import ProofOptions, add_proof, verify_proofs
from vc.did.key import resolve_did_key
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair


@dataclass(frozen=True)
class StepVectors:
    """One folder of step-by-step vectors: file suffix and the suite it exercises."""

    folder: str
    suffix: str
    suite: Cryptosuite
    unsigned: str


CASES = [
    StepVectors("eddsa-rdfc-2022", "DataInt", EDDSA_RDFC_2022, "unsigned.json"),
    StepVectors("eddsa-rdfc-2022/employ", "DataInt", EDDSA_RDFC_2022, "employmentAuth.json"),
    StepVectors("Ed25519Signature2020", "EdSig", ED25519_SIGNATURE_2020, "unsigned.json"),
    StepVectors("eddsa-jcs-2022", "JCS", EDDSA_JCS_2022, "unsigned.json"),
]
IDS = [case.folder for case in CASES]


def _loader() -> DocumentLoader:
    return DocumentLoader.bundled().with_directory(vectors_dir("contexts"))


def _read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def _unsigned(case: StepVectors) -> dict[str, object]:
    document = json.loads(_read(vectors_dir("eddsa"), case.unsigned))
    if case.suite is ED25519_SIGNATURE_2020:
        document["@context"] = json.loads(
            _read(vectors_dir("eddsa", case.folder), f"proofConfig{case.suffix}.json")
        )["@context"]
    return document


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_canonical_document_and_hashes(case: StepVectors) -> None:
    folder = vectors_dir("eddsa", case.folder)
    loader = _loader()
    canonical = case.suite.canonicalize(_unsigned(case), loader, "Ed25519")
    assert canonical == _read(folder, f"canonDoc{case.suffix}.txt")
    doc_hash = hashlib.sha256(canonical.encode()).hexdigest()
    assert doc_hash == _read(folder, f"docHash{case.suffix}.txt").strip()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_canonical_proof_configuration_and_hash(case: StepVectors) -> None:
    folder = vectors_dir("eddsa", case.folder)
    config = json.loads(_read(folder, f"proofConfig{case.suffix}.json"))
    canonical = case.suite.canonicalize(config, _loader(), "Ed25519")
    assert canonical == _read(folder, f"proofCanon{case.suffix}.txt")
    proof_hash = hashlib.sha256(canonical.encode()).hexdigest()
    assert proof_hash == _read(folder, f"proofHash{case.suffix}.txt").strip()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signature_reproduces_byte_for_byte(case: StepVectors) -> None:
    folder = vectors_dir("eddsa", case.folder)
    key = KeyPair.from_multibase(
        json.loads(_read(vectors_dir("eddsa"), "keyPair.json"))["privateKeyMultibase"]
    )
    config = json.loads(_read(folder, f"proofConfig{case.suffix}.json"))
    options = ProofOptions(
        verification_method=config["verificationMethod"],
        proof_purpose=config["proofPurpose"],
        created=config["created"],
    )
    signed = add_proof(
        _unsigned(case), suite=case.suite, key=key, options=options, loader=_loader()
    )
    expected = json.loads(_read(folder, f"signed{case.suffix}.json"))
    assert signed["proof"]["proofValue"] == _read(folder, f"sigBTC58{case.suffix}.txt").strip()
    assert signed == expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_vector_verifies_and_tampering_fails(case: StepVectors) -> None:
    folder = vectors_dir("eddsa", case.folder)
    signed = json.loads(_read(folder, f"signed{case.suffix}.json"))
    result = verify_proofs(signed, suites=[case.suite], resolver=resolve_did_key, loader=_loader())
    assert result.verified, result.all_problems()
    signed["validFrom"] = "2024-01-01T00:00:00Z"
    tampered = verify_proofs(
        signed, suites=[case.suite], resolver=resolve_did_key, loader=_loader()
    )
    assert not tampered.verified
