"""Median times of RDFC-1.0 canonicalization and eddsa-rdfc-2022 sign/verify: pyld vs fast path.

    .venv/bin/python benchmarks/canonize.py [--iterations N]

Not a test: prints a table. "fast" is :func:`vc.jsonld.canonize` (pyoxigraph over pruned,
inlined contexts, see :mod:`vc.rdfc_fast`); "pyld" is :func:`vc.jsonld.canonize_pyld`. Each
signature gets a fresh ``created``, so the cache of small outputs does not hide the cost of the
proof configuration when signing; verifying one credential again and again does hit it, as a
verifier seeing the same credential would.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vc.cryptosuites import EDDSA_RDFC_2022, Cryptosuite
from vc.data_integrity import ProofOptions, add_proof, format_datetime, verify_proofs
from vc.did.key import did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader, canonize, canonize_pyld
from vc.keys import KeyPair
from vc.types import JsonObject

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SAMPLES = ("x-certificate", "diploma")
PYLD_SUITE = dataclasses.replace(
    EDDSA_RDFC_2022,
    canonicalize=lambda document, loader, _algorithm: canonize_pyld(document, loader),
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def median_ms(run: Callable[[int], Any], iterations: int) -> float:
    """Median wall time of ``run(i)`` in milliseconds, after a short warm-up."""
    for i in range(max(5, iterations // 10)):
        run(-1 - i)
    times = []
    for i in range(iterations):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def operations(
    document: JsonObject, suite: Cryptosuite, key: KeyPair, loader: DocumentLoader
) -> dict[str, Callable[[int], Any]]:
    """canonize, sign and verify ``document`` with ``suite``, each as ``run(i)``."""
    method = did_key_verification_method(key.public)

    def sign(i: int) -> JsonObject:
        created = format_datetime(START + timedelta(seconds=i))
        options = ProofOptions(verification_method=method, created=created)
        return add_proof(document, suite=suite, key=key, options=options, loader=loader)

    signed = sign(0)

    def verify(_i: int) -> None:
        result = verify_proofs(signed, suites=[suite], resolver=resolve_did_key, loader=loader)
        if not result.verified:
            raise SystemExit(f"{suite.name} does not verify its own proof: {result}")

    fast = suite is EDDSA_RDFC_2022
    return {
        "canonize": lambda _i: canonize(document, loader, fast=fast),
        "sign": sign,
        "verify": verify,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="pyld vs fast path, median milliseconds")
    parser.add_argument("--iterations", type=int, default=300)
    iterations = parser.parse_args().iterations
    loader = DocumentLoader.bundled()
    key = KeyPair.generate("Ed25519")
    print(f"median ms, {iterations} runs     pyld     fast  fast/pyld")
    for name in SAMPLES:
        document = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        slow = operations(document, PYLD_SUITE, key, loader)
        fast = operations(document, EDDSA_RDFC_2022, key, loader)
        for label in slow:
            slow_ms = median_ms(slow[label], iterations)
            fast_ms = median_ms(fast[label], iterations)
            print(f"{name:14} {label:9} {slow_ms:8.3f} {fast_ms:8.3f}  {fast_ms / slow_ms:9.2f}")


if __name__ == "__main__":
    main()
