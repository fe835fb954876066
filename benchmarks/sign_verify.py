"""Sign and verify an X certificate and a diploma with eddsa-rdfc-2022: onex vs the reference.

Run: ``.venv/bin/python benchmarks/sign_verify.py [--iterations N]`` (needs ``npm ci`` in
tests/interop). Both sides run in one process each, on this machine, after a warm-up, with
the same key, documents and ``created``; medians in ms per operation. The floor is the crypto
alone: Ed25519 sign (or verify) plus the two SHA-256 hashes. Target: onex ≤ 0.5× reference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof, verify_proofs
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader, canonize
from vc.keys import KeyPair

REPO = Path(__file__).resolve().parent.parent
CREATED = "2026-09-01T08:00:00Z"


def median_ms(action: Callable[[], object], iterations: int, warmup: int) -> float:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def documents(pair: KeyPair) -> list[tuple[str, dict[str, Any]]]:
    result = []
    for name in ("x-certificate", "diploma"):
        document = json.loads((REPO / "tests" / "data" / f"{name}.json").read_text("utf-8"))
        document["issuer"]["id"] = did_key(pair.public)
        result.append((name, document))
    return result


def onex_figures(pair: KeyPair, document: dict[str, Any], iterations: int) -> dict[str, float]:
    loader = DocumentLoader.bundled()
    options = ProofOptions(
        verification_method=did_key_verification_method(pair.public), created=CREATED
    )

    def sign() -> dict[str, Any]:
        return add_proof(document, suite=EDDSA_RDFC_2022, key=pair, options=options, loader=loader)

    signed = sign()

    def verify() -> None:
        result = verify_proofs(
            signed, suites=[EDDSA_RDFC_2022], resolver=resolve_did_key, loader=loader
        )
        if not result.verified:
            raise RuntimeError(f"benchmark credential did not verify: {result.all_problems()}")

    canonical = canonize({k: v for k, v in document.items() if k != "proof"}, loader)
    data = hashlib.sha256(canonical.encode()).digest() * 2
    signature = pair.sign(data)
    warmup = max(5, iterations // 10)
    return {
        "sign": median_ms(sign, iterations, warmup),
        "verify": median_ms(verify, iterations, warmup),
        "floor_sign": median_ms(
            lambda: (hashlib.sha256(canonical.encode()).digest(), pair.sign(data)),
            iterations,
            warmup,
        ),
        "floor_verify": median_ms(
            lambda: (
                hashlib.sha256(canonical.encode()).digest(),
                pair.public.verify(signature, data),
            ),
            iterations,
            warmup,
        ),
        "nquads": float(canonical.count("\n")),
    }


def reference_figures(
    pair: KeyPair, docs: list[tuple[str, dict[str, Any]]], iterations: int
) -> dict[str, dict[str, float]]:
    request = {
        "documents": [{"name": n, "document": d} for n, d in docs],
        "iterations": iterations,
        "created": CREATED,
        "key": {
            "publicKeyMultibase": pair.public.multibase,
            "secretKeyMultibase": pair.secret_multibase,
        },
    }
    done = subprocess.run(
        ["node", str(REPO / "tests" / "interop" / "refbench.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(done.stdout)
    return {
        r["name"]: {"sign": r["sign_ms_median"], "verify": r["verify_ms_median"]}
        for r in answer["results"]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    pair = KeyPair.generate("Ed25519")
    docs = documents(pair)
    reference = reference_figures(pair, docs, args.iterations)
    print(
        f"{'document':<14}{'op':<8}{'onex ms':>9}{'ref ms':>9}{'ratio':>8}{'floor ms':>10}"
        f"{'N-Quads':>9}"
    )
    for name, document in docs:
        ours = onex_figures(pair, document, args.iterations)
        for op in ("sign", "verify"):
            ratio = ours[op] / reference[name][op]
            print(
                f"{name:<14}{op:<8}{ours[op]:>9.3f}{reference[name][op]:>9.3f}{ratio:>8.2f}"
                f"{ours['floor_' + op]:>10.3f}{int(ours['nquads']):>9}"
            )


if __name__ == "__main__":
    main()
