"""The signing side of a batch: build each credential from its request and sign it.

This is the CPU-bound part (JSON-LD canonicalization, about a millisecond a diploma), so the
runner hands it to worker processes, one per core; each worker keeps its own canonicalization
caches warm across the chunks it signs. Nothing here touches the database: a task carries the
credential id, status entries and times the runner decided and committed beforehand, and the
result goes back to the runner, which stores it.

The organization's decrypted key is handed to each worker once, in :class:`WorkerSetup`, over
the pipe the pool creates to its own child process; it never leaves the machine.
"""

from __future__ import annotations

import json
import multiprocessing
import secrets
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from issuer import issuance
from issuer.templates.build import (
    IssuerProfile,
    TemplateError,
    build_diploma,
    build_x_certificate,
)
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from vc.cryptosuites import ECDSA_RDFC_2019, EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions, add_proof
from vc.errors import VCError
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair

SUITES = {"Ed25519": EDDSA_RDFC_2022, "P-256": ECDSA_RDFC_2019}


@dataclass(frozen=True)
class WorkerSetup:
    """What every task of one job shares: the issuer, the key, the base URL."""

    kind: str
    issuer: IssuerProfile
    base_url: str
    algorithm: str
    secret: bytes
    verification_method: str

    def __repr__(self) -> str:  # never print the secret
        return f"WorkerSetup(kind={self.kind!r}, issuer={self.issuer.slug!r})"


@dataclass(frozen=True)
class SignTask:
    """One credential to build and sign; everything random or timed is decided already."""

    row: int
    credential_id: str
    request: dict[str, Any]
    status_entries: list[dict[str, str]]
    valid_from: datetime
    replaces: str | None
    carried_identity: dict[str, Any] | None = None


@dataclass(frozen=True)
class Signed:
    """A signed credential (JSON text) with what the runner stores beside it — or an error."""

    row: int
    credential_id: str
    document: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    template_request: str | None = None
    error: str | None = None


class BatchSigner:
    """Builds and signs the credentials of one job."""

    def __init__(self, setup: WorkerSetup) -> None:
        self._setup = setup
        self._key = KeyPair.from_secret_bytes(setup.algorithm, setup.secret)  # type: ignore[arg-type]
        self._suite = SUITES[setup.algorithm]
        self._loader = DocumentLoader.bundled()
        self._model = XCertificateRequest if setup.kind == "x-certificate" else DiplomaRequest

    def sign_many(self, tasks: list[SignTask], created: str) -> list[Signed]:
        options = ProofOptions(verification_method=self._setup.verification_method, created=created)
        return [self._sign(task, options) for task in tasks]

    def _sign(self, task: SignTask, options: ProofOptions) -> Signed:
        try:
            request = self._model.model_validate(task.request)
            document = self._build(request, task)
            if task.carried_identity is not None and request.learner.national_id_number is None:
                document["credentialSubject"]["identifier"].append(dict(task.carried_identity))
            signed = add_proof(
                document, suite=self._suite, key=self._key, options=options, loader=self._loader
            )
        except (TemplateError, VCError, ValueError) as exc:
            return Signed(task.row, task.credential_id, error=str(exc))
        return Signed(
            task.row,
            task.credential_id,
            document=json.dumps(signed, ensure_ascii=False),
            valid_from=signed["validFrom"],
            valid_until=signed.get("validUntil"),
            template_request=issuance.stored_request(self._setup.kind, request, document),
        )

    def _build(self, request: XCertificateRequest | DiplomaRequest, task: SignTask) -> Any:
        arguments: dict[str, Any] = {
            "issuer": self._setup.issuer,
            "credential_id": task.credential_id,
            "status_entries": task.status_entries,
            "base_url": self._setup.base_url,
            "valid_from": task.valid_from,
            "salt": secrets.token_bytes(16),
            "replaces": task.replaces,
        }
        if isinstance(request, XCertificateRequest):
            return build_x_certificate(request, **arguments)
        return build_diploma(request, **arguments)


_SIGNER: BatchSigner | None = None


def init_worker(setup: WorkerSetup) -> None:
    """Pool initializer: the worker's signer for the whole job."""
    global _SIGNER
    _SIGNER = BatchSigner(setup)


def sign_in_worker(tasks: list[SignTask], created: str) -> list[Signed]:
    """Pool task: sign ``tasks`` with the worker's signer."""
    if _SIGNER is None:
        raise RuntimeError("the batch worker was not initialized")
    return _SIGNER.sign_many(tasks, created)


@contextmanager
def worker_pool(setup: WorkerSetup, count: int) -> Iterator[ProcessPoolExecutor]:
    """``count`` worker processes for one job (forked from a fresh forkserver that has
    imported this module: quick to start, no inherited database connections or threads)."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    mp_context = multiprocessing.get_context(method)
    if method == "forkserver":
        mp_context.set_forkserver_preload(["issuer.batch.worker"])
    pool = ProcessPoolExecutor(
        max_workers=count, mp_context=mp_context, initializer=init_worker, initargs=(setup,)
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
