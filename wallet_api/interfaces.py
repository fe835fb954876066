"""What the wallet needs from the rest of the system, as small Protocols wired in ``service/``.

- :class:`CredentialOffers` — redeem a claim code for a credential signed to the learner's DID
  (as an OpenID4VCI wallet calls an issuer's credential endpoint with a pre-authorized code);
- :class:`CredentialVerifier` — check a credential before it is imported;
- :class:`CredentialStatusLookup` — the issuer's current word on a credential (active, revoked,
  suspended, superseded by …) and, for the holder, the credential that superseded it.

Implementations raise :class:`OfferRefused` (with a one-word ``reason``) when a code cannot be
redeemed; the wiring translates the issuer's own errors into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

OfferRefusal = Literal["unknown", "withdrawn", "expired", "used", "invalid-holder", "out-of-scope"]
IssuerStatus = Literal["active", "revoked", "suspended"]


class OfferRefused(Exception):
    """A claim code cannot be redeemed; ``reason`` says why in one word."""

    def __init__(self, reason: OfferRefusal, message: str) -> None:
        super().__init__(message)
        self.reason: OfferRefusal = reason
        self.message = message


class RedeemedCredential(Protocol):
    """A signed credential obtained with a claim code."""

    @property
    def credential(self) -> dict[str, Any]: ...

    @property
    def credential_id(self) -> str: ...


class CredentialOffers(Protocol):
    """The issuer's side of claiming."""

    def redeem(self, code: str, holder_did: str, /) -> RedeemedCredential:
        """Sign the offered credential with ``credentialSubject.id = holder_did``, exactly once.

        Raises :class:`OfferRefused` for an unknown, withdrawn, expired or used code.
        """
        ...


@dataclass(frozen=True)
class ImportCheck:
    """The verdict on a credential to import: ``reasons`` is empty when it verified."""

    verified: bool
    reasons: tuple[str, ...] = ()
    report: dict[str, Any] | None = None


class CredentialVerifier(Protocol):
    """Verifies a credential (proof, issuer key, validity period, …) before it is imported."""

    def __call__(self, credential: Any, /) -> ImportCheck: ...


@dataclass(frozen=True)
class CredentialState:
    """The issuer's current word on one of its credentials."""

    status: IssuerStatus
    reason: str | None = None
    superseded_by: str | None = None


class CredentialStatusLookup(Protocol):
    """Status of credentials issued by this service's organizations (None for others)."""

    def status(self, credential_id: str, /) -> CredentialState | None: ...

    def successor(self, credential_id: str, holder_did: str, /) -> dict[str, Any] | None:
        """The credential that reissued ``credential_id``, if it is bound to ``holder_did``."""
        ...
