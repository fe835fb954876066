"""Resolving DIDs and verification method URLs, with no surprise I/O.

:class:`DIDResolver` resolves ``did:key`` locally and ``did:web`` from documents it was handed
(``documents``: for instance our own organizations, served in process), then — only if a
:class:`Transport` is given and the host is allowed — over HTTPS. ``allowed_hosts`` is the
guard against server-side request forgery: a verifier resolving DIDs named in credentials sent
by strangers should list the hosts it trusts. Hosts are compared as ``host[:port]``.

Transports: :class:`HttpTransport` (standard library only: HTTPS, a time limit, a size limit,
no redirect to another host) and :class:`StaticTransport` (a dict of URL → bytes, for tests
and offline use).
"""

from __future__ import annotations

import copy
import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import IO, Protocol
from urllib.parse import urlsplit

from vc import problems
from vc.did import VerificationMethod
from vc.did.document import find_method_object, invalid_document, parse_did_document
from vc.did.key import did_key_document, resolve_did_key
from vc.did.web import did_web_to_url
from vc.errors import DIDResolutionError
from vc.types import JsonObject

__all__ = ["DIDResolver", "HttpTransport", "StaticTransport", "Transport"]

ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"


class Transport(Protocol):
    """Fetches a URL's body; raises DIDResolutionError on any failure or above ``max_bytes``."""

    def get(self, url: str, *, timeout: float, max_bytes: int) -> bytes: ...


class StaticTransport:
    """A transport over a fixed mapping of URL → body. ``requested`` lists the URLs asked for."""

    def __init__(self, bodies: Mapping[str, bytes]) -> None:
        self._bodies = dict(bodies)
        self.requested: list[str] = []

    def get(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.requested.append(url)
        body = self._bodies.get(url)
        if body is None:
            raise DIDResolutionError(f"no document at {url}")
        if len(body) > max_bytes:
            raise DIDResolutionError(f"{url}: the document is {len(body)} bytes; limit {max_bytes}")
        return body


class HttpTransport:
    """HTTPS GET with the standard library: time limit, size limit, 3 same-host redirects at most.

    Plain ``http://`` is refused unless the URL's host is in ``allow_http_hosts`` (development).
    """

    def __init__(
        self,
        *,
        allow_http_hosts: Collection[str] = (),
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "onex-did-resolver/1",
    ) -> None:
        self._http_hosts = frozenset(host.lower() for host in allow_http_hosts)
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._user_agent = user_agent

    def check_url(self, url: str) -> None:
        """Raise DIDResolutionError unless ``url`` may be fetched (scheme, host, no user info)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host or parts.username or parts.password:
            raise DIDResolutionError(f"refusing to fetch {url!r}: no host, or user info")
        if parts.scheme == "https" or (parts.scheme == "http" and host in self._http_hosts):
            return
        raise DIDResolutionError(f"refusing to fetch {url!r}: only https:// is allowed")

    def get(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.check_url(url)
        guard = _SameHostRedirects(self, urlsplit(url).netloc.lower())
        opener = urllib.request.build_opener(
            guard, urllib.request.HTTPSHandler(context=self._ssl_context)
        )
        request = urllib.request.Request(
            url, headers={"Accept": ACCEPT, "User-Agent": self._user_agent}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                return _read_limited(response, url, timeout=timeout, max_bytes=max_bytes)
        except DIDResolutionError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DIDResolutionError(f"{url} answered HTTP {exc.code}") from exc
        except urllib.error.URLError as exc:
            raise DIDResolutionError(f"cannot fetch {url}: {exc.reason}") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise DIDResolutionError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc


def _read_limited(
    response: http.client.HTTPResponse, url: str, *, timeout: float, max_bytes: int
) -> bytes:
    """Read at most ``max_bytes`` within ``timeout`` seconds overall, or raise."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DIDResolutionError(f"{url}: Content-Length {declared} exceeds the limit {max_bytes}")
    deadline = time.monotonic() + timeout
    body = bytearray()
    while len(body) <= max_bytes:
        chunk = response.read1(max_bytes + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
        if time.monotonic() > deadline:
            raise DIDResolutionError(f"{url}: the document took longer than {timeout} s")
    raise DIDResolutionError(f"{url}: the document exceeds the limit of {max_bytes} bytes")


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 3

    def __init__(self, transport: HttpTransport, netloc: str) -> None:
        self._transport = transport
        self._netloc = netloc

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        target = urlsplit(newurl)
        if target.netloc.lower() != self._netloc:
            fp.close()
            raise DIDResolutionError(
                f"refusing the redirect from {req.full_url} to {newurl}: another host"
            )
        self._transport.check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass(frozen=True)
class _Entry:
    document: JsonObject
    methods: Mapping[str, VerificationMethod]


class DIDResolver:
    """Resolves DIDs (:meth:`resolve`) and verification method URLs (calling it).

    Parsed documents are cached for the life of the instance; a preloaded document that is
    replaced in ``documents`` (compared by value) is parsed again.
    """

    def __init__(
        self,
        transport: Transport | None = None,
        *,
        timeout: float = 5.0,
        max_bytes: int = 256 * 1024,
        documents: Mapping[str, JsonObject] | None = None,
        allowed_hosts: Collection[str] | None = None,
        allow_http: bool = False,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self._transport = transport
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._documents: Mapping[str, JsonObject] = documents if documents is not None else {}
        self._allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        self._allow_http = allow_http
        self._cache: dict[str, _Entry] = {}

    def __call__(self, verification_method: str) -> VerificationMethod:
        did, fragment = _split_did_url(verification_method)
        if not fragment:
            raise DIDResolutionError(
                f"{verification_method!r} names no verification method (a #fragment is needed)"
            )
        if did.startswith("did:key:"):
            return resolve_did_key(verification_method)
        entry = self._entry(did)
        method = entry.methods.get(f"{did}#{fragment}")
        if method is None:
            known = ", ".join(sorted(entry.methods)) or "none"
            raise DIDResolutionError(
                f"verification method {verification_method!r} is not in the DID document of "
                f"{did} (it has: {known})"
            )
        return method

    def resolve(self, did: str) -> JsonObject:
        """The DID document of ``did`` (a copy)."""
        did_only, fragment = _split_did_url(did)
        if fragment is not None:
            raise DIDResolutionError(f"{did!r} is a DID URL; resolve() takes a DID")
        if did.startswith("did:key:"):
            return did_key_document(did)
        return copy.deepcopy(self._entry(did_only).document)

    def dereference(self, url: str) -> JsonObject:
        """A DID's document, or for ``did#fragment`` the method object with the ``@context``.

        Fits :meth:`vc.jsonld.DocumentLoader.with_did_resolver`.
        """
        did, fragment = _split_did_url(url)
        document = self.resolve(did)
        if fragment is None:
            return document
        method = self(url)
        found = find_method_object(document, did, method.id)
        if found is None:  # pragma: no cover - a parsed method is always in its document
            raise DIDResolutionError(f"verification method {url!r} not found")
        return {"@context": document.get("@context"), **found}

    def _entry(self, did: str) -> _Entry:
        preloaded = self._documents.get(did)
        cached = self._cache.get(did)
        if preloaded is not None:
            if cached is not None and cached.document == preloaded:
                return cached
            return self._store(did, copy.deepcopy(preloaded))
        if cached is not None:
            return cached
        if not did.startswith("did:web:"):
            method = did.split(":", 2)[1]
            raise DIDResolutionError(f"{did!r}: DID method {method!r} is not supported")
        return self._store(did, self._fetch(did))

    def _store(self, did: str, document: JsonObject) -> _Entry:
        entry = _Entry(document, parse_did_document(document, did))
        self._cache[did] = entry
        return entry

    def _fetch(self, did: str) -> JsonObject:
        url = did_web_to_url(did, allow_http=self._allow_http)
        netloc = urlsplit(url).netloc.lower()
        if self._allowed is not None and netloc not in self._allowed:
            raise DIDResolutionError(
                f"{did}: host {netloc!r} is not in the allowed hosts; not fetching {url}"
            )
        if self._transport is None:
            raise DIDResolutionError(f"{did} is not preloaded and no transport is configured")
        body = self._transport.get(url, timeout=self._timeout, max_bytes=self._max_bytes)
        if len(body) > self._max_bytes:
            raise DIDResolutionError(f"{url}: the document exceeds {self._max_bytes} bytes")
        return _parse_json(body, url)


def _parse_json(body: bytes, url: str) -> JsonObject:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise invalid_document(f"{url} is not a JSON document: {exc}") from exc
    if not isinstance(document, dict):
        raise invalid_document(f"{url} is not a JSON object")
    return document


def _split_did_url(url: str) -> tuple[str, str | None]:
    """``did#fragment`` → (did, fragment); ``did`` → (did, None). Paths and queries refused."""
    if not isinstance(url, str) or not url.startswith("did:") or url.count(":") < 2:
        raise DIDResolutionError(
            f"not a DID or DID URL: {url!r}", problem_type=problems.INVALID_VERIFICATION_METHOD
        )
    did, hash_sign, fragment = url.partition("#")
    if "/" in did or "?" in did:
        raise DIDResolutionError(f"{url!r}: DID URL paths and queries are not supported")
    return did, fragment if hash_sign else None
