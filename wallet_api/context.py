"""What the wallet needs from the service that hosts it, handed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from vc.jsonld import DocumentLoader
from wallet_api.interfaces import CredentialOffers, CredentialStatusLookup, CredentialVerifier
from wallet_api.ratelimit import Limit


@dataclass(frozen=True)
class WalletLimits:
    """Rate limits: per client address for public and sign-in routes, per learner for claims."""

    grant_lookups: Limit = field(
        default_factory=lambda: Limit("grant-lookup", 30, timedelta(minutes=1))
    )
    grant_lookup_failures: Limit = field(
        default_factory=lambda: Limit("grant-lookup-failure", 20, timedelta(hours=1))
    )
    login_failures: Limit = field(
        default_factory=lambda: Limit("login-failure", 10, timedelta(minutes=15))
    )
    registrations: Limit = field(default_factory=lambda: Limit("register", 20, timedelta(hours=1)))
    claim_failures: Limit = field(
        default_factory=lambda: Limit("claim-failure", 10, timedelta(hours=1))
    )


@dataclass(frozen=True)
class WalletContext:
    """The wallet's dependencies: sessions, base URL, KEK, clock, loader and its Protocols."""

    sessions: sessionmaker[Session]
    base_url: str
    key_encryption_key: bytes
    clock: Callable[[], datetime]
    loader: DocumentLoader
    offers: CredentialOffers
    verifier: CredentialVerifier
    statuses: CredentialStatusLookup
    session_ttl: timedelta = timedelta(hours=12)
    status_refresh: timedelta = timedelta(minutes=1)
    limits: WalletLimits = field(default_factory=WalletLimits)
    password_hasher: PasswordHasher = field(default_factory=PasswordHasher)
