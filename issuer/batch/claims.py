"""Claim links of a batch's offers, kept for its report: sealed under the key-encryption key.

An offer's one-time claim code is stored by :mod:`issuer.offers` as a hash only. A batch must
still hand every code to the organization in its report, which can be downloaded again (or
after a killed run resumes), so the claim link is kept with its row — encrypted with AES-256-GCM
under the KEK (as signing keys are), bound to the job and row, and opened only to write the
organization's report.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed claim link cannot be opened (wrong KEK, or moved to another row)."""


def _bound(job_id: str, row: int) -> bytes:
    return f"onex-claim:{job_id}:{row}".encode()


def seal(kek: bytes, job_id: str, row: int, link: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, link.encode("utf-8"), _bound(job_id, row))


def unseal(kek: bytes, job_id: str, row: int, blob: bytes) -> str:
    try:
        plain = AESGCM(kek).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _bound(job_id, row))
    except (InvalidTag, ValueError) as exc:
        raise SealError(f"the claim link of row {row} of {job_id} cannot be opened") from exc
    return plain.decode("utf-8")
