"""The cryptosuite value: what differs between Data Integrity suites, and nothing more.

The envelope (proof options, purposes, challenge and domain, proof sets and chains, multibase)
lives in :mod:`vc.data_integrity` and takes a suite as a parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from vc.jsonld import DocumentLoader
from vc.keys import Algorithm
from vc.types import JsonObject

Canonicalizer = Callable[[JsonObject, DocumentLoader, Algorithm], str]
"""Turns a document (or proof configuration) into canonical text for a key algorithm."""


@dataclass(frozen=True)
class Cryptosuite:
    """A Data Integrity cryptosuite.

    ``name`` is the ``cryptosuite`` value of a ``DataIntegrityProof`` (or, for a legacy suite,
    the proof ``type``); ``canonicalize`` turns the document and the proof configuration into
    text; ``hash_name`` maps a key algorithm to the hash applied to that text.
    """

    name: str
    proof_type: str
    key_algorithms: frozenset[Algorithm]
    canonicalize: Canonicalizer
    hash_names: tuple[tuple[Algorithm, str], ...]
    verification_method_types: frozenset[str]
    proof_carries_context: bool = False
    """True when the proof itself keeps the document's ``@context`` (the JCS suites)."""

    @property
    def cryptosuite(self) -> str | None:
        """The ``cryptosuite`` property the proof carries (None for legacy proof types)."""
        return self.name if self.proof_type == "DataIntegrityProof" else None

    def hash(self, text: str, algorithm: Algorithm) -> bytes:
        """Hash canonical text with the hash this suite uses for ``algorithm``."""
        name = dict(self.hash_names)[algorithm]
        return hashlib.new(name, text.encode("utf-8")).digest()
