"""Exceptions raised by the core library.

Primitives raise; verification returns a report. Catch at the level you care about::

    VCError                          anything this library raises on bad input
    ├── DocumentLoaderError          a URL the loader does not serve (never fetched)
    ├── JsonLdError                  JSON-LD processing failed (expansion, canonicalization)
    │   └── UndefinedTermError       a term or type that the contexts do not define
    ├── KeyFormatError               malformed multibase / multicodec, wrong key type
    ├── DIDResolutionError           a DID or DID URL that cannot be resolved
    ├── ProofError                   Data Integrity
    │   ├── ProofGenerationError     a proof cannot be made (bad options, unsupported key)
    │   └── ProofVerificationError   a proof does not verify
    ├── CredentialFormatError        the VC data model is violated
    ├── StatusListError              a status list cannot be decoded or used
    │   └── StatusListLengthError    a list shorter than 131,072 entries
    └── JoseError                    a vc+jwt cannot be made or does not verify

Each class carries ``problem_type``: the W3C problem-type URL (see :mod:`vc.problems`).
"""

from __future__ import annotations

from vc import problems


class VCError(Exception):
    """Base class of every error this library raises on bad input."""

    problem_type: str = problems.MALFORMED_VALUE_ERROR

    def __init__(self, message: str, *, problem_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if problem_type is not None:
            self.problem_type = problem_type


class DocumentLoaderError(VCError):
    """The document loader was asked for a URL it does not serve."""

    problem_type = problems.PARSING_ERROR


class JsonLdError(VCError):
    """JSON-LD processing (expansion, conversion to RDF, canonicalization) failed."""

    problem_type = problems.PARSING_ERROR


class UndefinedTermError(JsonLdError):
    """The document uses a term or type the contexts do not define (it would be dropped)."""

    problem_type = problems.MALFORMED_VALUE_ERROR


class KeyFormatError(VCError):
    """A key is malformed, of an unsupported type, or of the wrong type for the operation."""

    problem_type = problems.INVALID_VERIFICATION_METHOD


class DIDResolutionError(VCError):
    """A DID or DID URL cannot be resolved to a document or verification method."""

    problem_type = problems.INVALID_VERIFICATION_METHOD


class ProofError(VCError):
    """Base class of Data Integrity proof errors."""

    problem_type = problems.PROOF_VERIFICATION_ERROR


class ProofGenerationError(ProofError):
    """A proof cannot be created."""

    problem_type = problems.PROOF_GENERATION_ERROR


class ProofVerificationError(ProofError):
    """A proof is malformed or its signature does not verify."""

    problem_type = problems.PROOF_VERIFICATION_ERROR


class CredentialFormatError(VCError):
    """A credential or presentation violates the VC data model."""

    problem_type = problems.MALFORMED_VALUE_ERROR


class StatusListError(VCError):
    """A Bitstring Status List cannot be decoded or used."""

    problem_type = problems.STATUS_VERIFICATION_ERROR


class StatusListLengthError(StatusListError):
    """A status list is shorter than the 131,072 entries the specification requires."""

    problem_type = problems.STATUS_LIST_LENGTH_ERROR


class JoseError(VCError):
    """A vc+jwt cannot be created or does not verify."""

    problem_type = problems.CRYPTOGRAPHIC_SECURITY_ERROR
