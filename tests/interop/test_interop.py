"""Interop both ways with the reference implementation (@digitalbazaar/vc and cryptosuites).

For an X certificate and a diploma, with eddsa-rdfc-2022 and ecdsa-rdfc-2019: signed by onex →
verified by the reference; signed by the reference → verified by onex (full checks); with the
same Ed25519 key and ``created``, both proofValues are identical.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.interop.conftest import Reference
from tests.paths import DATA
from vc.cryptosuites import ECDSA_RDFC_2019, EDDSA_RDFC_2022, Cryptosuite
from vc.data_integrity import ProofOptions, add_proof
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader
from vc.keys import Algorithm, KeyPair
from vc.verify import VerifyOptions, verify_document

CREATED = "2026-09-01T08:00:00Z"
SAMPLES = ["x-certificate.json", "diploma.json"]
SUITES: list[tuple[Cryptosuite, Algorithm]] = [
    (EDDSA_RDFC_2022, "Ed25519"),
    (ECDSA_RDFC_2019, "P-256"),
]
SUITE_IDS = [suite.name for suite, _ in SUITES]


def _key_json(pair: KeyPair) -> dict[str, str]:
    return {
        "publicKeyMultibase": pair.public.multibase,
        "secretKeyMultibase": pair.secret_multibase,
    }


def _credential(name: str, pair: KeyPair) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text("utf-8"))
    document["issuer"]["id"] = did_key(pair.public)
    return document


def _onex_sign(document: dict[str, Any], suite: Cryptosuite, pair: KeyPair) -> dict[str, Any]:
    options = ProofOptions(
        verification_method=did_key_verification_method(pair.public), created=CREATED
    )
    return add_proof(
        document, suite=suite, key=pair, options=options, loader=DocumentLoader.bundled()
    )


def _onex_verify(document: dict[str, Any]) -> Any:
    options = VerifyOptions(
        resolver=resolve_did_key,
        loader=DocumentLoader.bundled(),
        now=datetime(2026, 11, 28, tzinfo=UTC),
    )
    return verify_document(document, options)


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize(("suite", "algorithm"), SUITES, ids=SUITE_IDS)
def test_signed_by_onex_verifies_in_reference(
    reference: Reference, name: str, suite: Cryptosuite, algorithm: Algorithm
) -> None:
    pair = KeyPair.generate(algorithm)
    signed = _onex_sign(_credential(name, pair), suite, pair)
    answer = reference("verify", {"document": signed, "now": "2026-11-28T00:00:00Z"})
    assert answer["verified"] is True, answer
    assert [p["verified"] for p in answer["proofs"]] == [True]


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize(("suite", "algorithm"), SUITES, ids=SUITE_IDS)
def test_tampered_onex_credential_fails_in_reference(
    reference: Reference, name: str, suite: Cryptosuite, algorithm: Algorithm
) -> None:
    pair = KeyPair.generate(algorithm)
    signed = _onex_sign(_credential(name, pair), suite, pair)
    signed["credentialSubject"]["achievement"]["creditsAvailable"] = 99
    answer = reference("verify", {"document": signed, "now": "2026-11-28T00:00:00Z"})
    assert answer["verified"] is False


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize(("suite", "algorithm"), SUITES, ids=SUITE_IDS)
def test_signed_by_reference_verifies_in_onex(
    reference: Reference, name: str, suite: Cryptosuite, algorithm: Algorithm
) -> None:
    pair = KeyPair.generate(algorithm)
    answer = reference(
        "sign",
        {
            "document": _credential(name, pair),
            "key": _key_json(pair),
            "suite": suite.name,
            "created": CREATED,
        },
    )
    assert "signed" in answer, answer
    report = _onex_verify(answer["signed"])
    assert report.verified, report.to_json()
    tampered = copy.deepcopy(answer["signed"])
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    assert not _onex_verify(tampered).verified


@pytest.mark.parametrize("name", SAMPLES)
def test_same_key_and_created_give_identical_proof_values(reference: Reference, name: str) -> None:
    pair = KeyPair.generate("Ed25519")
    document = _credential(name, pair)
    ours = _onex_sign(copy.deepcopy(document), EDDSA_RDFC_2022, pair)
    answer = reference(
        "sign",
        {
            "document": document,
            "key": _key_json(pair),
            "suite": "eddsa-rdfc-2022",
            "created": CREATED,
        },
    )
    assert answer["signed"]["proof"]["proofValue"] == ours["proof"]["proofValue"]
    assert answer["signed"] == ours


def test_reference_keys_work_in_onex(reference: Reference) -> None:
    for key_type in ("Ed25519", "P-256"):
        key = reference("keygen", {"type": key_type})["key"]
        pair = KeyPair.from_multibase(key["secretKeyMultibase"])
        assert pair.public.multibase == key["publicKeyMultibase"]
        assert did_key_verification_method(pair.public) == key["id"]


def test_reference_refuses_undefined_term_as_onex_does(reference: Reference) -> None:
    pair = KeyPair.generate("Ed25519")
    document = _credential("x-certificate.json", pair)
    document["credentialSubject"]["nickname"] = "小明"
    answer = reference("sign", {"document": document, "key": _key_json(pair), "created": CREATED})
    assert "error" in answer
    with pytest.raises(Exception, match="nickname"):
        _onex_sign(document, EDDSA_RDFC_2022, pair)
