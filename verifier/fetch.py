"""Fetching what verification needs from other hosts: SSRF-safe, bounded, cached.

:class:`Fetcher` GETs a URL through an injected :class:`HttpClient`, only when the
:class:`HostPolicy` allows it (the URL's host is one the trust registry vouches for, or one
configured; never a private, loopback or link-local address unless configured), within a time
limit and a size cap, and caches the body by ``Cache-Control: max-age`` (``no-store`` is never
cached), revalidating with ``ETag``/``If-None-Match``. A body may declare a shorter lifetime
(the ``ttl`` of a status list): pass ``body_ttl``.

When a fetch fails, a cached copy no older than ``max_stale`` seconds is used and flagged
stale (offline verification); without one, :class:`~verifier.ports.SourceUnavailable`.
Every answer says how old its data is.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from verifier.cache import CacheEntry, CacheStore
from verifier.ports import CacheUse, SourceUnavailable

__all__ = [
    "FetchError",
    "FetchRefused",
    "Fetched",
    "Fetcher",
    "HostPolicy",
    "HttpClient",
    "HttpResponse",
    "HttpxClient",
    "StaticClient",
]

DEFAULT_MAX_AGE = 60.0
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?([0-9]+)\"?", re.IGNORECASE)


class FetchError(Exception):
    """The HTTP client could not get an answer (network, time limit, size cap)."""


class FetchRefused(SourceUnavailable):
    """The host policy refused the URL: not fetched at all."""


@dataclass(frozen=True)
class HttpResponse:
    """An answer: status, headers (names in lower case) and the body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpClient(Protocol):
    """GETs one URL without following redirects; raises :class:`FetchError` on failure or when
    the body exceeds ``max_bytes``."""

    def get(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse: ...


class HttpxClient:
    """:class:`HttpClient` over ``httpx``: no redirects, streamed with a size cap."""

    def __init__(self, user_agent: str = "onex-verifier/1") -> None:
        self._user_agent = user_agent
        self._client: Any = None  # made on first use: most verifications fetch nothing
        self._lock = threading.Lock()

    def _http(self) -> Any:
        import httpx

        with self._lock:
            if self._client is None:
                headers = {"User-Agent": self._user_agent}
                self._client = httpx.Client(follow_redirects=False, headers=headers)
            return self._client

    def get(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        import httpx

        client = self._http()
        try:
            with client.stream("GET", url, headers=dict(headers), timeout=timeout) as answer:
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"{url}: Content-Length {declared} exceeds {max_bytes} bytes")
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchError(f"{url}: the body exceeds {max_bytes} bytes")
                found = {name.lower(): value for name, value in answer.headers.items()}
                return HttpResponse(answer.status_code, found, bytes(body))
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class StaticClient:
    """An :class:`HttpClient` over a dict of URL → response (or exception), for tests and
    offline use. ``requested`` lists every URL asked for."""

    def __init__(self, responses: Mapping[str, HttpResponse | Exception] | None = None) -> None:
        self.responses: dict[str, HttpResponse | Exception] = dict(responses or {})
        self.requested: list[str] = []

    def get(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        self.requested.append(url)
        found = self.responses.get(url)
        if found is None:
            raise FetchError(f"cannot fetch {url}: connection refused")
        if isinstance(found, Exception):
            raise FetchError(f"cannot fetch {url}: {found}") from found
        if len(found.body) > max_bytes:
            raise FetchError(f"{url}: the body exceeds {max_bytes} bytes")
        etag = found.headers.get("etag")
        if etag is not None and headers.get("If-None-Match") == etag:
            return HttpResponse(304, found.headers, b"")
        return found


Resolve = Callable[[str], list[str]]


def resolve_addresses(host: str) -> list[str]:
    """Every address ``host`` resolves to (for the private-address guard)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchRefused(f"cannot resolve {host!r}: {exc}") from exc
    return [str(info[4][0]) for info in infos]


class HostPolicy:
    """Which URLs may be fetched.

    ``hosts`` returns the hosts (``host[:port]``, lower case) the trust registry vouches for;
    ``extra_hosts`` are configured ones; ``own_hosts`` (the service's own base URL host) may be
    private or loopback and may use ``http://``. Every other host needs ``https://`` and must
    not be, or resolve to, a private, loopback, link-local or reserved address unless
    ``allow_private`` is set.
    """

    def __init__(
        self,
        hosts: Callable[[], Collection[str]],
        *,
        extra_hosts: Collection[str] = (),
        own_hosts: Collection[str] = (),
        allow_private: bool = False,
        resolve: Resolve = resolve_addresses,
    ) -> None:
        self._hosts = hosts
        self._extra = frozenset(h.lower() for h in extra_hosts)
        self._own = frozenset(h.lower() for h in own_hosts)
        self._allow_private = allow_private
        self._resolve = resolve

    def allowed_hosts(self) -> frozenset[str]:
        return frozenset(h.lower() for h in self._hosts()) | self._extra | self._own

    def check(self, url: str) -> None:
        """Raise :class:`FetchRefused` unless ``url`` may be fetched."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        netloc = parts.netloc.lower()
        if not host or parts.username is not None or parts.password is not None:
            raise FetchRefused(f"not fetching {url!r}: no host, or user info in the URL")
        own = netloc in self._own
        if parts.scheme != "https" and not (parts.scheme == "http" and own):
            raise FetchRefused(f"not fetching {url!r}: only https:// is fetched")
        if netloc not in self.allowed_hosts():
            raise FetchRefused(
                f"not fetching {url!r}: host {netloc!r} is not in the trust registry"
            )
        if own or self._allow_private:
            return
        for address in _addresses(host, self._resolve):
            if not ipaddress.ip_address(address).is_global:
                raise FetchRefused(
                    f"not fetching {url!r}: {host!r} is a private or local address ({address})"
                )


def _addresses(host: str, resolve: Resolve) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        return [a.split("%", 1)[0] for a in resolve(host)]


@dataclass(frozen=True)
class Fetched:
    """A body and how old it is (0 when just fetched); ``stale`` when past its lifetime."""

    url: str
    body: bytes
    age_seconds: float
    stale: bool = False

    @property
    def cache_use(self) -> CacheUse:
        return CacheUse(self.url, self.age_seconds, self.stale)


class Fetcher:
    """Cached, policy-checked GETs; see the module docstring."""

    def __init__(
        self,
        client: HttpClient,
        policy: HostPolicy,
        cache: CacheStore,
        clock: Callable[[], datetime],
        *,
        timeout: float = 5.0,
        max_bytes: int = 1024 * 1024,
        max_stale: float = 86_400.0,
        default_max_age: float = DEFAULT_MAX_AGE,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0 or max_stale < 0:
            raise ValueError("timeout and max_bytes must be positive, max_stale not negative")
        self.client = client
        self.policy = policy
        self.cache = cache
        self._clock = clock
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_stale = max_stale
        self._default_max_age = default_max_age

    def get(self, url: str, *, body_ttl: Callable[[bytes], float | None] | None = None) -> Fetched:
        """The body at ``url``: from the cache while fresh, else fetched (or stale if offline)."""
        now = self._clock()
        entry = self.cache.get(url)
        if entry is not None and entry.age(now) <= entry.max_age:
            return Fetched(url, entry.body, entry.age(now))
        self.policy.check(url)
        headers = {"Accept": "application/json, application/*+json;q=0.9"}
        if entry is not None and entry.etag:
            headers["If-None-Match"] = entry.etag
        try:
            answer = self.client.get(
                url, headers=headers, timeout=self._timeout, max_bytes=self._max_bytes
            )
        except FetchError as exc:
            return self._offline(url, entry, now, str(exc))
        if answer.status == 304 and entry is not None:
            lifetime = self._lifetime(answer.headers, entry.body, body_ttl)
            self.cache.put(replace(entry, fetched_at=now, max_age=lifetime or 0.0))
            return Fetched(url, entry.body, 0.0)
        if answer.status != 200:
            return self._offline(url, entry, now, f"{url} answered HTTP {answer.status}")
        lifetime = self._lifetime(answer.headers, answer.body, body_ttl)
        if lifetime is not None:
            etag = answer.headers.get("etag")
            self.cache.put(CacheEntry(url, answer.body, etag, now, lifetime))
        return Fetched(url, answer.body, 0.0)

    def _offline(self, url: str, entry: CacheEntry | None, now: datetime, why: str) -> Fetched:
        if entry is not None and entry.age(now) <= entry.max_age + self._max_stale:
            return Fetched(url, entry.body, entry.age(now), stale=True)
        raise SourceUnavailable(f"{why}; no cached copy" + (" recent enough" if entry else ""))

    def _lifetime(
        self,
        headers: Mapping[str, str],
        body: bytes,
        body_ttl: Callable[[bytes], float | None] | None,
    ) -> float | None:
        """Seconds to keep the body fresh; ``None`` for ``no-store``."""
        control = headers.get("cache-control", "").lower()
        if "no-store" in control:
            return None
        if "no-cache" in control:
            lifetime = 0.0
        else:
            match = _MAX_AGE.search(control)
            lifetime = float(match.group(1)) if match else self._default_max_age
        declared = body_ttl(body) if body_ttl is not None else None
        return lifetime if declared is None else min(lifetime, max(declared, 0.0))
