"""Decentralized identifiers: verification methods, did:key, did:web.

A verifier never resolves anything by itself: it is handed a
:class:`VerificationMethodResolver`, usually :class:`vc.did.resolver.DIDResolver`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vc.keys import PublicKey

PROOF_PURPOSES = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved verification method, with the relationships its controller grants it."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    relationships: frozenset[str]


class VerificationMethodResolver(Protocol):
    """Resolves a verification method URL; raises :class:`vc.errors.DIDResolutionError`."""

    def __call__(self, verification_method: str, /) -> VerificationMethod: ...
