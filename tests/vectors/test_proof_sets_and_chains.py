"""Proof sets and chains: W3C vc-di-eddsa proof-set-chain vectors and the W3C Data Integrity
assertion suite inputs (w3c-ccg/data-integrity-test-suite-assertion), read in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.paths import VECTORS, vectors_dir
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, verify_proofs
from vc.did.key import resolve_did_key
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair


def _loader() -> DocumentLoader:
    return DocumentLoader.bundled().with_directory(vectors_dir("contexts"))


def _load(path: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(path.read_text("utf-8"))
    return result


def _assertion_inputs(kind: str) -> list[str]:
    folder = VECTORS / "eddsa" / "di-assertion-inputs"
    return sorted(p.name for p in folder.glob(f"*{kind}-*.json")) if folder.exists() else []


@pytest.mark.parametrize(
    "name",
    [
        "signedProofSet1.json",
        "signedProofSet2.json",
        "signedProofChain1.json",
        "signedProofChain2.json",
    ],
)
def test_published_proof_sets_and_chains_verify(name: str) -> None:
    document = _load(vectors_dir("eddsa", "proof-set-chain") / name)
    result = verify_proofs(
        document, suites=[EDDSA_RDFC_2022], resolver=resolve_did_key, loader=_loader()
    )
    assert result.verified, result.all_problems()
    proofs = document["proof"]
    assert len(result.results) == (len(proofs) if isinstance(proofs, list) else 1)


@pytest.mark.parametrize("stem", ["ProofSet", "ProofChain"])
def test_proof_set_and_chain_reproduce_byte_for_byte(stem: str) -> None:
    folder = vectors_dir("eddsa", "proof-set-chain")
    keys = _load(folder / "multiKeyPairs.json")
    document = _load(folder / "unsigned.json")
    expected = _load(folder / f"signed{stem}2.json")
    for index, proof in enumerate(expected["proof"]):  # type: ignore[arg-type]
        pair = keys[f"keyPair{index + 1}"]
        key = KeyPair.from_multibase(pair["privateKeyMultibase"])  # type: ignore[index]
        options = ProofOptions(
            verification_method=proof["verificationMethod"],
            proof_purpose=proof["proofPurpose"],
            created=proof["created"],
            id=proof.get("id"),
            previous_proof=proof.get("previousProof"),
        )
        document = add_proof(
            document, suite=EDDSA_RDFC_2022, key=key, options=options, loader=_loader()
        )
    assert document == expected


@pytest.mark.parametrize("name", _assertion_inputs("Ok"))
def test_assertion_suite_ok_chains_verify(name: str) -> None:
    document = _load(vectors_dir("eddsa", "di-assertion-inputs") / name)
    result = verify_proofs(
        document, suites=[EDDSA_RDFC_2022], resolver=resolve_did_key, loader=_loader()
    )
    assert result.verified, result.all_problems()


@pytest.mark.parametrize("name", _assertion_inputs("Fail"))
def test_assertion_suite_fail_chains_are_refused(name: str) -> None:
    document = _load(vectors_dir("eddsa", "di-assertion-inputs") / name)
    result = verify_proofs(
        document, suites=[EDDSA_RDFC_2022], resolver=resolve_did_key, loader=_loader()
    )
    assert not result.verified
    assert result.all_problems()


def test_assertion_inputs_present() -> None:
    vectors_dir("eddsa", "di-assertion-inputs")
    assert len(_assertion_inputs("Ok")) == 4
    assert len(_assertion_inputs("Fail")) == 8
