"""Sources read over HTTP through a :class:`~verifier.fetch.Fetcher`: DID documents, status
lists, registries and the issuer's word on one credential.

Each is also the pattern for an in-process source: ``service/`` answers the same Protocols
from the issuer's own data, with no HTTP at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit

from vc.did import VerificationMethod
from vc.did.document import parse_did_document
from vc.did.key import resolve_did_key
from vc.did.web import DEFAULT_RELATIONSHIPS, did_web_to_url
from vc.errors import DIDResolutionError, KeyFormatError, StatusListError, VCError
from vc.keys import PublicKey
from vc.report import Problem
from vc.status_list import LIST_CREDENTIAL_TYPE, LIST_TYPE, StatusList
from vc.types import JsonObject
from verifier.fetch import Fetcher
from verifier.ports import CacheUse, CredentialState, SourceUnavailable, StatusListView
from verifier.registry import DirectoryEntry, OrganizationDirectory, did_host

__all__ = [
    "CacheLog",
    "DirectoryResolver",
    "FetchedStatusLists",
    "FetchingResolver",
    "RemoteCredentialStates",
    "RemoteRegistryDirectory",
]

K = TypeVar("K")
V = TypeVar("V")


class CacheLog:
    """Collects the cached data one verification used (for the report's ``cache``)."""

    def __init__(self) -> None:
        self.uses: list[CacheUse] = []
        self.unavailable: list[str] = []

    def add(self, use: CacheUse | None) -> None:
        if use is not None and use not in self.uses:
            self.uses.append(use)


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _json_object(body: bytes, url: str) -> JsonObject:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise SourceUnavailable(f"{url} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise SourceUnavailable(f"{url} is not a JSON object")
    return value


# --- DID documents -----------------------------------------------------------------------------


class FetchingResolver:
    """Resolves did:key locally and did:web through the fetcher (so: only allowed hosts, with
    the cache's lifetime), logging the age of each document used."""

    _parsed: _Lru[str, dict[str, VerificationMethod]] = _Lru(256)

    def __init__(self, fetcher: Fetcher, log: CacheLog | None = None) -> None:
        self._fetcher = fetcher
        self._log = log

    def __call__(self, verification_method: str, /) -> VerificationMethod:
        did, _, fragment = verification_method.partition("#")
        if did.startswith("did:key:"):
            return resolve_did_key(verification_method)
        if not did.startswith("did:web:") or not fragment:
            raise DIDResolutionError(f"cannot resolve {verification_method!r}: not a did:web URL")
        url = did_web_to_url(did, allow_http=True)
        try:
            fetched = self._fetcher.get(url)
        except SourceUnavailable as exc:
            if self._log is not None:
                self._log.unavailable.append(verification_method)
            raise DIDResolutionError(f"cannot resolve {did}: {exc.message}") from exc
        if self._log is not None:
            self._log.add(fetched.cache_use)
        key = f"{did} {_digest(fetched.body)}"
        methods = self._parsed.get(key)
        if methods is None:
            methods = parse_did_document(_did_document(fetched.body, url), did)
            self._parsed.put(key, methods)
        found = methods.get(verification_method)
        if found is None:
            raise DIDResolutionError(f"{verification_method!r} is not in the DID document of {did}")
        return found


def _did_document(body: bytes, url: str) -> JsonObject:
    try:
        return _json_object(body, url)
    except SourceUnavailable as exc:
        raise DIDResolutionError(exc.message) from exc


class DirectoryResolver:
    """Resolves the keys a registry lists (``keys[].id``, ``publicKeyMultibase``) — for an
    in-process registry, whose keys are the DID documents' own; other DIDs go to ``fallback``."""

    def __init__(
        self,
        directory: OrganizationDirectory,
        fallback: Callable[[str], VerificationMethod] | None = None,
        log: CacheLog | None = None,
    ) -> None:
        self._directory = directory
        self._fallback = fallback
        self._log = log

    def __call__(self, verification_method: str, /) -> VerificationMethod:
        did = verification_method.partition("#")[0]
        if did.startswith("did:key:"):
            return resolve_did_key(verification_method)
        try:
            entry = self._directory.entry(did)
        except SourceUnavailable as exc:
            if self._log is not None:
                self._log.unavailable.append(verification_method)
            if self._fallback is not None:
                return self._fallback(verification_method)
            raise DIDResolutionError(f"cannot resolve {did}: {exc.message}") from exc
        key = _listed_key(entry, verification_method)
        if key is None:
            if self._fallback is not None:
                return self._fallback(verification_method)
            raise DIDResolutionError(f"{verification_method!r} is not a key in the registry")
        try:
            public_key = PublicKey.from_multibase(str(key.get("publicKeyMultibase")))
        except KeyFormatError as exc:
            raise DIDResolutionError(f"{verification_method}: {exc.message}") from exc
        return VerificationMethod(
            verification_method, "Multikey", did, public_key, DEFAULT_RELATIONSHIPS
        )


def _listed_key(entry: DirectoryEntry | None, method: str) -> dict[str, Any] | None:
    if entry is None:
        return None
    keys = entry.organization.get("keys")
    for key in keys if isinstance(keys, list) else ():
        if isinstance(key, dict) and key.get("id") == method:
            return key
    return None


# --- status lists ------------------------------------------------------------------------------

ListVerifier = Callable[[JsonObject], Sequence[Problem]]
"""Verifies a status list credential (proof, issuer key, validity); returns its problems."""


class FetchedStatusLists:
    """:class:`~verifier.ports.StatusSource` over fetched ``BitstringStatusListCredential``s.

    Each list body is verified once (``verify``) and decoded once, then kept by its digest;
    the ``ttl`` it declares bounds how long it is cached."""

    def __init__(self, fetcher: Fetcher, verify: ListVerifier, *, cache_size: int = 256) -> None:
        self._fetcher = fetcher
        self._verify = verify
        self._views: _Lru[str, StatusListView] = _Lru(cache_size)

    def status_list(self, url: str) -> StatusListView:
        fetched = self._fetcher.get(url, body_ttl=_declared_ttl)
        key = f"{url} {_digest(fetched.body)}"
        view = self._views.get(key)
        if view is None:
            view = self._read(url, fetched.body)
            self._views.put(key, view)
        return StatusListView(view.url, view.issuer, view.purposes, view.bits, fetched.cache_use)

    def _read(self, url: str, body: bytes) -> StatusListView:
        try:
            document = _json_object(body, url)
        except SourceUnavailable as exc:
            raise StatusListError(exc.message) from exc
        found = self._verify(document)
        if found:
            raise StatusListError(f"the status list {url} does not verify: {found[0].detail}")
        types = document.get("type")
        subject = document.get("credentialSubject")
        if not isinstance(types, list) or LIST_CREDENTIAL_TYPE not in types:
            raise StatusListError(f"{url} is not a {LIST_CREDENTIAL_TYPE}")
        if not isinstance(subject, dict) or subject.get("type") != LIST_TYPE:
            raise StatusListError(f"{url}: credentialSubject is not a {LIST_TYPE}")
        purposes = subject.get("statusPurpose")
        purposes = purposes if isinstance(purposes, list) else [purposes]
        bits = StatusList.decode(subject.get("encodedList"), 1).bits  # type: ignore[arg-type]
        issuer = document.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        return StatusListView(
            url, str(issuer), tuple(p for p in purposes if isinstance(p, str)), bits
        )


def _declared_ttl(body: bytes) -> float | None:
    """A status list's ``ttl`` (milliseconds) in seconds, if it declares one."""
    try:
        subject = json.loads(body).get("credentialSubject")
        ttl = subject.get("ttl") if isinstance(subject, dict) else None
    except (ValueError, AttributeError, RecursionError):
        return None
    return ttl / 1000 if isinstance(ttl, int | float) and not isinstance(ttl, bool) else None


# --- registries --------------------------------------------------------------------------------


class RemoteRegistryDirectory:
    """Organizations of remote registries (``GET /registry`` JSON), by DID."""

    def __init__(self, fetcher: Fetcher, registry_urls: Sequence[str]) -> None:
        self._fetcher = fetcher
        self._urls = tuple(registry_urls)
        self._indexes: _Lru[str, dict[str, JsonObject]] = _Lru(max(len(self._urls), 1) * 2)
        self._known_hosts: set[str] = {urlsplit(u).netloc.lower() for u in self._urls}

    def entry(self, did: str) -> DirectoryEntry | None:
        problems: list[str] = []
        for url in self._urls:
            try:
                fetched = self._fetcher.get(url)
            except SourceUnavailable as exc:
                problems.append(exc.message)
                continue
            index = self._index(url, fetched.body)
            if did in index:
                return DirectoryEntry(index[did], fetched.cache_use)
        if problems:
            raise SourceUnavailable("; ".join(problems))
        return None

    def hosts(self) -> frozenset[str]:
        return frozenset(self._known_hosts)

    def _index(self, url: str, body: bytes) -> dict[str, JsonObject]:
        key = f"{url} {_digest(body)}"
        index = self._indexes.get(key)
        if index is None:
            document = _json_object(body, url)
            organizations = document.get("organizations")
            index = {
                str(o.get("did")): o
                for o in (organizations if isinstance(organizations, list) else [])
                if isinstance(o, dict) and isinstance(o.get("did"), str)
            }
            self._indexes.put(key, index)
            self._known_hosts.update(h for d in index if (h := did_host(d)) is not None)
        return index


# --- the issuer's word on one credential -------------------------------------------------------


class RemoteCredentialStates:
    """:class:`~verifier.ports.SupersessionLookup` over the issuer's public
    ``GET {base}/credentials/{id}/status`` (``{"id","status","reason","supersededBy"}``), where
    ``base`` is where the issuer's did:web document is served from, before ``/orgs/``."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def credential_state(self, credential_id: str, issuer: str) -> CredentialState | None:
        base = issuer_service_base(issuer)
        if base is None:
            return None
        url = f"{base}/credentials/{quote(credential_id, safe='')}/status"
        fetched = self._fetcher.get(url)
        document = _json_object(fetched.body, url)
        if document.get("id") not in (None, credential_id):
            raise SourceUnavailable(f"{url} answered for another credential")
        status, reason, successor = (document.get(k) for k in ("status", "reason", "supersededBy"))
        return CredentialState(
            status=status if isinstance(status, str) else "unknown",
            reason=reason if isinstance(reason, str) else None,
            superseded_by=successor if isinstance(successor, str) else None,
            cache=fetched.cache_use,
        )


def issuer_service_base(issuer: str) -> str | None:
    """``did:web:host%3A8000:orgs:slug`` → ``http(s)://host:8000`` (the service's base URL)."""
    if not issuer.startswith("did:web:"):
        return None
    try:
        url = did_web_to_url(issuer, allow_http=True)
    except VCError:
        return None
    base, found, _ = url.partition("/orgs/")
    return base if found else url.removesuffix("/.well-known/did.json")
