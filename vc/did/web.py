"""did:web (https://w3c-ccg.github.io/did-method-web/): DIDs of organizations, their documents.

``did:web:example.com`` is served at ``https://example.com/.well-known/did.json``;
``did:web:example.com:orgs:abc`` at ``https://example.com/orgs/abc/did.json``; a port is
written ``%3A`` (``did:web:example.com%3A8443``). The DID must not name an IP address; for
development only, ``allow_http=True`` lets ``localhost`` and ``127.0.0.1`` be served over
plain ``http://``.

Key rotation: :func:`build_did_web_document` lists every key of an organization, active and
retired, and grants each its relationships (``assertionMethod`` and ``authentication`` by
default) whether or not it is retired, so that credentials signed before a rotation still
verify. The document says nothing about dates: no property outside the DID and Multikey
contexts is added. Whether a key was in service when a credential was issued is for the
issuer's key history and the verifier's trust registry to decide, not for this document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from vc import problems
from vc.did import PROOF_PURPOSES
from vc.did.document import parse_did_document
from vc.did.key import DID_CONTEXTS
from vc.errors import DIDResolutionError
from vc.keys import PublicKey
from vc.types import JsonObject

__all__ = [
    "DEFAULT_RELATIONSHIPS",
    "DEVELOPMENT_HOSTS",
    "KeyRecord",
    "build_did_web_document",
    "did_web_from_url",
    "did_web_to_url",
    "parse_did_document",
]

PREFIX = "did:web:"
DEVELOPMENT_HOSTS = frozenset({"localhost", "127.0.0.1"})
SIGNING_RELATIONSHIPS = frozenset(p for p in PROOF_PURPOSES if p != "keyAgreement")
DEFAULT_RELATIONSHIPS = frozenset({"assertionMethod", "authentication"})
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_PORT = re.compile(r"%3a([0-9]{1,5})", re.IGNORECASE)
_DEFAULT_PORTS = {"https": 443, "http": 80}


def _bad_did(message: str) -> DIDResolutionError:
    return DIDResolutionError(
        message, problem_type=problems.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID
    )


def did_web_to_url(did: str, *, allow_http: bool = False) -> str:
    """The URL of the DID document of ``did`` (a DID, not a DID URL)."""
    if not isinstance(did, str) or not did.startswith(PREFIX):
        raise _bad_did(f"not a did:web DID: {did!r}")
    if any(char in did for char in "/?#"):
        raise _bad_did(f"{did!r} is a DID URL; a did:web DID has no path, query or fragment")
    authority, *segments = did.removeprefix(PREFIX).split(":")
    host, _, port_text = authority.partition("%")
    port = _parse_port("%" + port_text, did) if port_text else None
    _check_host(host, did, allow_http=allow_http)
    for segment in segments:
        _check_segment(segment, did)
    scheme = "http" if allow_http and host in DEVELOPMENT_HOSTS else "https"
    netloc = host if port is None else f"{host}:{port}"
    path = "/".join(segments) + "/did.json" if segments else ".well-known/did.json"
    return f"{scheme}://{netloc}/{path}"


def did_web_from_url(base_url: str, path: str | None = None, *, allow_http: bool = False) -> str:
    """The did:web DID of an organization served at ``base_url`` (+ ``path``).

    ``did_web_from_url("https://example.com:8443", "orgs/abc")`` is
    ``did:web:example.com%3A8443:orgs:abc``. A default port is dropped.
    """
    parts = urlsplit(base_url)
    http_ok = allow_http and parts.hostname in DEVELOPMENT_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and http_ok):
        raise _bad_did(
            f"base URL {base_url!r} must be https:// (http:// only for localhost in development)"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise _bad_did(f"base URL {base_url!r} must not have user info, a query or a fragment")
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError as exc:
        raise _bad_did(f"base URL {base_url!r} has an invalid port") from exc
    label = f"base URL {base_url!r}"
    _check_host(host, label, allow_http=allow_http)
    segments = _split_path(parts.path, label) + _split_path(path or "", f"path {path!r}")
    for segment in segments:
        _check_segment(segment, label)
    if port == 0:
        raise _bad_did(f"{label} has port 0")
    authority = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}%3A{port}"
    return ":".join([PREFIX + authority, *segments])


def _split_path(path: str, label: str) -> list[str]:
    stripped = path.strip("/")
    if not stripped:
        return []
    segments = stripped.split("/")
    if "" in segments:
        raise _bad_did(f"{label} has an empty path segment")
    return segments


def _parse_port(text: str, did: str) -> int:
    match = _PORT.fullmatch(text)
    port = int(match.group(1)) if match else 0
    if not 0 < port < 65536:
        raise _bad_did(f"{did!r}: the port must be written %3A followed by 1–65535, got {text!r}")
    return port


def _check_host(host: str, label: str, *, allow_http: bool) -> None:
    if allow_http and host in DEVELOPMENT_HOSTS:
        return
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(part) for part in labels):
        raise _bad_did(f"{label}: {host!r} is not a valid lower-case domain name")
    if labels[-1].isdigit():
        raise _bad_did(f"{label}: {host!r} is an IP address; did:web needs a domain name")


def _check_segment(segment: str, label: str) -> None:
    decoded = unquote(segment)
    if not _SEGMENT.fullmatch(segment) or decoded in (".", "..") or set(decoded) & {"/", "\\"}:
        raise _bad_did(f"{label}: path segment {segment!r} is not allowed")


@dataclass(frozen=True)
class KeyRecord:
    """One key of an organization's history, as its DID document shows it.

    ``fragment`` is the verification method's fragment (``key-1`` → ``<did>#key-1``). A key is
    retired once ``retired_at`` is set; it stays in the document (see the module docstring).
    """

    fragment: str
    public_key: PublicKey
    active_from: datetime
    retired_at: datetime | None = None
    relationships: frozenset[str] = field(default=DEFAULT_RELATIONSHIPS)

    def __post_init__(self) -> None:
        if not _FRAGMENT.fullmatch(self.fragment):
            raise ValueError(f"KeyRecord.fragment {self.fragment!r} must match [A-Za-z0-9._~-]+")
        if self.active_from.tzinfo is None:
            raise ValueError("KeyRecord.active_from must carry a time zone")
        if self.retired_at is not None:
            if self.retired_at.tzinfo is None:
                raise ValueError("KeyRecord.retired_at must carry a time zone")
            if self.retired_at < self.active_from:
                raise ValueError(
                    f"KeyRecord {self.fragment!r}: retired_at {self.retired_at.isoformat()} is "
                    f"before active_from {self.active_from.isoformat()}"
                )
        unknown = set(self.relationships) - SIGNING_RELATIONSHIPS
        if not self.relationships or unknown:
            raise ValueError(
                f"KeyRecord {self.fragment!r}: relationships must be a non-empty subset of "
                f"{sorted(SIGNING_RELATIONSHIPS)}, got {sorted(self.relationships)}"
            )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def active_at(self, moment: datetime) -> bool:
        """Whether the key was in service at ``moment`` (from ``active_from``, until retired)."""
        return self.active_from <= moment and (self.retired_at is None or moment < self.retired_at)


def build_did_web_document(did: str, keys: Sequence[KeyRecord]) -> JsonObject:
    """The DID document of ``did`` listing every key of ``keys``, active and retired.

    Order: keys not retired first, then retired ones, each newest ``active_from`` first.
    Every key is granted its ``relationships``, retired or not.
    """
    did_web_to_url(did, allow_http=True)
    fragments = [key.fragment for key in keys]
    duplicates = sorted({f for f in fragments if fragments.count(f) > 1})
    if duplicates:
        raise ValueError(f"duplicate key fragments: {duplicates}")
    ordered = sorted(keys, key=lambda k: (k.retired, -k.active_from.timestamp(), k.fragment))
    document: JsonObject = {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#{key.fragment}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.multibase,
            }
            for key in ordered
        ],
    }
    for purpose in PROOF_PURPOSES:
        granted = [f"{did}#{key.fragment}" for key in ordered if purpose in key.relationships]
        if granted:
            document[purpose] = granted
    return document
