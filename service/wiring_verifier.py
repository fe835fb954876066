"""Wiring of the verifier into the app: its context on ``app.state.verifier``, its routes.

Our own organizations are judged from the issuer's data in process — no HTTP at all: their
registry entries (the same JSON as ``GET /registry``, read per organization and kept until the
audit head moves: every registry change is audited), their status lists (bits read straight
from the database, kept until the list's ``version`` changes) and the state of each credential
(why it was revoked, which one superseded it). Anything else — organizations of the registries
in ``ONEX_VERIFIER_REGISTRIES``, their DID documents and status lists — goes through the
verifier's fetcher: only to hosts those registries vouch for, with time and size limits,
cached in memory and in the ``verifier_fetch_cache`` table.

Verification requests are rate limited per client address, in memory per process
(:func:`verification_limiter`, ``ONEX_VERIFY_RATE`` and ``ONEX_VERIFY_BURST``).

The wallet plugs its grants in with :func:`set_grant_lookup`.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from issuer.models import IssuedCredential, Organization, StatusList
from issuer.revocation import public_status
from issuer.routes.registry import registry_organization
from service.settings import Settings
from vc.cryptosuites import ALL_SUITES, Cryptosuite, suite_by_name
from vc.did import VerificationMethod, VerificationMethodResolver
from vc.errors import DIDResolutionError
from vc.jsonld import DocumentLoader
from vc.report import Problem
from vc.types import JsonObject
from vc.verify import VerifyOptions, verify_credential
from verifier import page, routes
from verifier.cache import LayeredCache, MemoryCache, SqlCache
from verifier.challenges import ChallengeStore
from verifier.context import VerifierContext
from verifier.fetch import Fetcher, HostPolicy, HttpClient, HttpxClient
from verifier.pipeline import Verifier, VerifierConfig
from verifier.ports import CredentialState, GrantLookup, SourceUnavailable, StatusListView
from verifier.ratelimit import TokenBuckets, token_buckets
from verifier.registry import (
    ChainedDirectory,
    DirectoryEntry,
    OrganizationDirectory,
    RegistryTrust,
    did_host,
)
from verifier.remote import (
    CacheLog,
    DirectoryResolver,
    FetchedStatusLists,
    FetchingResolver,
    RemoteCredentialStates,
    RemoteRegistryDirectory,
    issuer_service_base,
)

logger = logging.getLogger("onex.verifier")
UNREADABLE = "the registry's database cannot be read"
STATIC = Path(__file__).resolve().parent.parent / "verifier" / "static"


# --- our own organizations, in process ---------------------------------------------------------

TOKEN_SQL = (
    "SELECT (SELECT sequence FROM audit_head WHERE id = 1), "
    "(SELECT COALESCE(SUM(version), 0) FROM status_lists)"
)


class Freshness:
    """One cheap read per verification decides whether the in-process views still hold: the
    audit head (every registry change, issuance and revocation is audited) and the sum of the
    status lists' versions (every bit change bumps one). When either moved, every view is
    dropped and read again on demand."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._token: tuple[Any, ...] | None = None
        self._views: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def view(self) -> dict[str, Any]:
        """A cache dropped whenever the data moves."""
        found: dict[str, Any] = {}
        self._views.append(found)
        return found

    def refresh(self) -> None:
        engine = self._sessions.kw["bind"]
        try:
            with engine.connect() as connection:
                token: tuple[Any, ...] | None = tuple(connection.exec_driver_sql(TOKEN_SQL).one())
        except SQLAlchemyError as exc:  # the reads that follow fail as "undetermined"
            logger.warning("verifier: cannot read the freshness token: %s", exc)
            token = None
        with self._lock:
            if token is None or token != self._token:
                for cache in self._views:
                    cache.clear()
                self._token = token


class LocalDirectory:
    """Registry entries of our own organizations (the ``GET /registry`` JSON, per DID)."""

    def __init__(self, sessions: sessionmaker[Session], base_url: str, fresh: Freshness) -> None:
        self._sessions = sessions
        self._host = urlsplit(base_url).netloc.lower()
        self._entries = fresh.view()

    def hosts(self) -> frozenset[str]:
        return frozenset({self._host})

    def entry(self, did: str) -> DirectoryEntry | None:
        if did in self._entries:
            cached: DirectoryEntry | None = self._entries[did]
            return cached
        try:
            with self._sessions() as session:
                organization = session.scalar(select(Organization).where(Organization.did == did))
                found = None
                if organization is not None:
                    data = registry_organization(session, organization)
                    found = DirectoryEntry(data.model_dump(mode="json", by_alias=True))
        except SQLAlchemyError as exc:
            raise SourceUnavailable(f"the registry database cannot be read: {exc}") from exc
        if len(self._entries) > 4096:
            self._entries.clear()
        self._entries[did] = found
        return found


class LocalStatusLists:
    """Our status lists read from the database (``{base}/status/{slug}/{purpose}/{n}``);
    other URLs go to ``fallback``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        base_url: str,
        fresh: Freshness,
        fallback: Any | None = None,
    ) -> None:
        self._sessions = sessions
        self._prefix = base_url.rstrip("/") + "/status/"
        self._fallback = fallback
        self._views = fresh.view()

    def status_list(self, url: str) -> StatusListView:
        parts = url.removeprefix(self._prefix).split("/") if url.startswith(self._prefix) else []
        if len(parts) != 3 or not parts[2].isdigit():
            if self._fallback is None:
                raise SourceUnavailable(f"{url} is not a status list of this service")
            view: StatusListView = self._fallback.status_list(url)
            return view
        cached: StatusListView | None = self._views.get(url)
        if cached is not None:
            return cached
        slug, purpose, sequence = parts[0], parts[1], int(parts[2])
        query = (
            select(StatusList.bits, Organization.did)
            .join(Organization, Organization.id == StatusList.organization_id)
            .where(
                Organization.slug == slug,
                StatusList.purpose == purpose,
                StatusList.sequence == sequence,
            )
        )
        try:
            with self._sessions() as session:
                row = session.execute(query).first()
        except SQLAlchemyError as exc:
            raise SourceUnavailable(f"the status list database cannot be read: {exc}") from exc
        if row is None:
            raise SourceUnavailable(f"no status list at {url}")
        found = StatusListView(url, row[1], (purpose,), bytes(row[0]))
        if len(self._views) > 4096:
            self._views.clear()
        self._views[url] = found
        return found


class LocalCredentialStates:
    """The issuer's public word on our own credentials (as ``GET /credentials/{id}/status``:
    the reason code, never the private free-text reason); others go to ``fallback``."""

    def __init__(
        self, sessions: sessionmaker[Session], base_url: str, fallback: Any | None = None
    ) -> None:
        self._sessions = sessions
        self._base = base_url.rstrip("/")
        self._fallback = fallback

    def credential_state(self, credential_id: str, issuer: str) -> CredentialState | None:
        try:
            with self._sessions() as session:
                found = public_status(session, credential_id)
                row = session.get(IssuedCredential, credential_id) if found is not None else None
                did = None
                if row is not None:
                    did = session.scalar(
                        select(Organization.did).where(Organization.id == row.organization_id)
                    )
        except SQLAlchemyError as exc:
            raise SourceUnavailable(f"the credential database cannot be read: {exc}") from exc
        if found is None or did != issuer:
            if self._fallback is None or issuer_service_base(issuer) == self._base:
                return None
            remote: CredentialState | None = self._fallback.credential_state(credential_id, issuer)
            return remote
        return CredentialState(found.status, found.reason, found.superseded_by)


# --- assembling --------------------------------------------------------------------------------


def reading_sessions(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for the verifier's reads. On a SQLite file, a second engine whose transactions
    begin DEFERRED and read only: the service's engine begins every transaction IMMEDIATE
    (taking the write lock), which would queue every verification behind every other; in WAL
    mode, readers need no lock at all. Other databases share the service's sessions."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return sessions
    if engine.url.database in (None, "", ":memory:"):
        return sessions
    reader = create_engine(engine.url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(reader, "connect", _read_only_pragmas)
    return sessionmaker(reader, expire_on_commit=False)


def _read_only_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _suites(names: Sequence[str]) -> tuple[Cryptosuite, ...]:
    return tuple(suite_by_name(name, ALL_SUITES) for name in names)


def build_verifier(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    *,
    loader: DocumentLoader | None = None,
    client: HttpClient | None = None,
    persistent_cache: bool = True,
    readers: sessionmaker[Session] | None = None,
) -> Verifier:
    """The verification pipeline over our own data in process, and fetched data otherwise.

    ``readers`` (default: :func:`reading_sessions`) serve the in-process reads; ``sessions``
    the verifier's own writes (the fetch cache)."""
    base = settings.base_url
    readers = readers or reading_sessions(sessions)
    store = SqlCache(sessions, on_error=lambda exc: logger.warning("fetch cache: %s", exc))
    policy = HostPolicy(
        lambda: trust.hosts(),
        extra_hosts=settings.verifier_trusted_hosts,
        own_hosts={urlsplit(base).netloc},
        allow_private=settings.verifier_allow_private_hosts,
    )
    fetcher = Fetcher(
        client or HttpxClient(),
        policy,
        LayeredCache(MemoryCache(), store if persistent_cache else None),
        clock,
        max_stale=float(settings.verifier_max_stale),
    )
    fresh = Freshness(readers)
    local = LocalDirectory(readers, base, fresh)
    directories: list[OrganizationDirectory] = [local]
    if settings.verifier_registries:
        directories.append(RemoteRegistryDirectory(fetcher, settings.verifier_registries))
    trust = RegistryTrust(ChainedDirectory(directories))
    loader = loader or DocumentLoader.bundled()
    config = VerifierConfig(
        _suites(settings.verifier_suites), timedelta(seconds=settings.verifier_clock_skew)
    )

    own_host = urlsplit(base).netloc.lower()

    def resolvers(log: CacheLog) -> VerificationMethodResolver:
        fetching = FetchingResolver(fetcher, log)

        def elsewhere(method: str) -> VerificationMethod:
            if did_host(method.partition("#")[0]) == own_host:
                if method in log.unavailable:
                    raise DIDResolutionError(f"{method} cannot be resolved now: {UNREADABLE}")
                raise DIDResolutionError(f"{method!r} is not a key of one of our organizations")
            return fetching(method)

        return DirectoryResolver(local, fallback=elsewhere, log=log)

    def verify_list(document: JsonObject) -> Sequence[Problem]:
        options = VerifyOptions(
            resolver=FetchingResolver(fetcher), loader=loader, now=clock(), suites=config.suites
        )
        return verify_credential(document, options).problems

    return Verifier(
        loader=loader,
        resolvers=resolvers,
        trust=trust,
        status=LocalStatusLists(readers, base, fresh, FetchedStatusLists(fetcher, verify_list)),
        supersession=LocalCredentialStates(readers, base, RemoteCredentialStates(fetcher)),
        clock=clock,
        config=config,
        refresh=fresh.refresh,
    )


def verification_limiter(settings: Settings, clock: Callable[[], datetime]) -> TokenBuckets | None:
    """Token buckets per client for the verification routes, on the service's clock (so that
    tests move it by hand); None when ``ONEX_VERIFY_RATE`` or ``ONEX_VERIFY_BURST`` is 0."""
    return token_buckets(settings.verify_rate, settings.verify_burst, lambda: clock().timestamp())


def install(
    app: FastAPI,
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
) -> None:
    """Set up the verifier's context on ``app.state.verifier`` and mount its routes."""
    issuer = getattr(app.state, "issuer", None)
    readers = reading_sessions(sessions)
    if readers is not sessions:
        weakref.finalize(app, readers.kw["bind"].dispose)
    verifier = build_verifier(
        settings,
        sessions,
        clock,
        loader=issuer.loader if issuer is not None else None,
        readers=readers,
    )
    challenges = ChallengeStore(sessions, clock)
    limiter = verification_limiter(settings, clock)
    app.state.verifier = VerifierContext(verifier, challenges, clock, limiter=limiter)
    app.include_router(routes.router)
    app.include_router(
        page.router, dependencies=[Depends(routes.within_rate)], responses=routes.LIMITED
    )
    app.mount("/verify/static", StaticFiles(directory=STATIC), name="verify-static")


def set_grant_lookup(app: FastAPI, grants: GrantLookup) -> None:
    """Let the verifier redeem grant URLs and codes (called by the wallet's wiring)."""
    context: VerifierContext = app.state.verifier
    app.state.verifier = replace(context, grants=grants)
