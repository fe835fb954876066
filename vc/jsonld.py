"""JSON-LD over bundled contexts only: the document loader and RDFC-1.0 canonicalization.

The loader serves the contexts of ``contexts/`` (an ``index.json`` of URL → file) and nothing
else: any other URL is a :class:`DocumentLoaderError` naming it, never a network request. DID
URLs go to an injected resolver. Each call hands out a fresh copy, tagged ``static`` so pyld
keeps the processed context between calls (pyld caches by URL, process-wide: one URL always
means one content, so a second definition of a URL with other content is refused).

:func:`canonize` is RDFC-1.0 (pyld's URDNA2015, N-Quads, no base IRI). It refuses a document
with a term or type that the contexts do not define, which pyld would otherwise silently drop
from the signed data: the document is processed with ``{"@vocab": "urn:undefined:"}`` put first
in its context, which changes nothing unless such a term exists, and then shows it. What
that marker cannot show is refused too: a key that expansion drops (a term a later context
maps to null or hides with ``"@vocab": null``, a key shaped like a keyword such as ``@foo``)
and a relative IRI as ``@id`` or ``@type`` or a blank-node property (``"@vocab": "_:"``), which
RDF conversion skips. Without this, such data could be changed after signing and the proof
would still verify.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

from vc.errors import DocumentLoaderError, JsonLdError, UndefinedTermError, VCError
from vc.rdfc_fast import canonize_fast
from vc.types import JsonObject, RemoteDocument

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "contexts"
UNDEFINED_PREFIX = "urn:undefined:"
_UNDEFINED_IRI = re.compile(r"<urn:undefined:([^>]*)>")

DIDResolverFn = Callable[[str], JsonObject]
"""Resolves a DID or DID URL to a JSON document; raises DIDResolutionError."""


def read_context_directory(directory: Path) -> dict[str, str]:
    """Read ``directory/index.json`` (URL → file, or URL → {"file", "sha256", ...}).

    Returns URL → the file's JSON text. A recorded sha256 that does not match is an error.
    """
    index_path = directory / "index.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentLoaderError(f"cannot read context index {index_path}: {exc}") from exc
    if not isinstance(index, dict):
        raise DocumentLoaderError(f"{index_path} must be a JSON object of URL → file")
    return {url: _read_context_file(directory, url, entry) for url, entry in index.items()}


def _read_context_file(directory: Path, url: str, entry: Any) -> str:
    name = entry.get("file") if isinstance(entry, dict) else entry
    if not isinstance(name, str):
        raise DocumentLoaderError(f"context index entry for {url} names no file")
    path = directory / name
    try:
        data = path.read_bytes()
        json.loads(data)
    except (OSError, ValueError) as exc:
        raise DocumentLoaderError(f"context file {path} for {url} is unreadable: {exc}") from exc
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise DocumentLoaderError(f"context file {path} for {url} does not match its sha256")
    return data.decode("utf-8")


@cache
def _bundled_contexts() -> Mapping[str, str]:
    return read_context_directory(CONTEXTS_DIR)


class DocumentLoader:
    """A pyld document loader over a fixed set of contexts, with an optional DID resolver."""

    def __init__(
        self,
        contexts: Mapping[str, str],
        did_resolver: DIDResolverFn | None = None,
    ) -> None:
        self._contexts = dict(contexts)
        self._did_resolver = did_resolver

    @classmethod
    def bundled(cls, did_resolver: DIDResolverFn | None = None) -> DocumentLoader:
        """The loader over the project's ``contexts/``."""
        return cls(_bundled_contexts(), did_resolver)

    def with_contexts(self, extra: Mapping[str, str]) -> DocumentLoader:
        """A loader that also serves ``extra`` (URL → JSON text).

        A URL already served with other content is refused: pyld caches by URL process-wide.
        """
        for url, text in extra.items():
            known = self._contexts.get(url)
            if known is not None and json.loads(known) != json.loads(text):
                raise DocumentLoaderError(f"context {url} is already defined with other content")
        return DocumentLoader({**self._contexts, **extra}, self._did_resolver)

    def with_directory(self, directory: Path) -> DocumentLoader:
        """A loader that also serves the contexts of ``directory`` (its ``index.json``)."""
        return self.with_contexts(read_context_directory(directory))

    def with_did_resolver(self, did_resolver: DIDResolverFn) -> DocumentLoader:
        return DocumentLoader(self._contexts, did_resolver)

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._contexts)

    def context_text(self, url: str) -> str:
        """The JSON text of a bundled context; raises DocumentLoaderError if not served."""
        try:
            return self._contexts[url]
        except KeyError:
            raise DocumentLoaderError(
                f"context {url!r} is not bundled; contexts are never fetched from the network"
            ) from None

    def __call__(self, url: str, options: Any = None) -> RemoteDocument:
        if url.startswith("did:") and self._did_resolver is not None:
            document: Any = self._did_resolver(url)
        else:
            document = json.loads(self.context_text(url))
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


def with_undefined_vocab(document: JsonObject) -> JsonObject:
    """A shallow copy of ``document`` whose context starts with ``{"@vocab": "urn:undefined:"}``."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else ([] if context is None else [context])
    return {**document, "@context": [{"@vocab": UNDEFINED_PREFIX}, *contexts]}


def undefined_terms(nquads: str) -> list[str]:
    """The undefined terms or types that show as ``urn:undefined:`` IRIs in ``nquads``."""
    found: list[str] = []
    for line in nquads.splitlines():
        if UNDEFINED_PREFIX in line:
            found.extend(_iri_terms(line))
    return sorted(set(found))


def _iri_terms(line: str) -> Iterator[str]:
    # Only IRIs outside literals count: cut the literal out first.
    quote = line.find('"')
    if quote != -1:
        end = line.rfind('"')
        line = line[:quote] + line[end + 1 :]
    for match in _UNDEFINED_IRI.finditer(line):
        yield match.group(1)


def canonize_pyld(
    document: JsonObject, loader: DocumentLoader, *, hash_name: str = "sha256"
) -> str:
    """RDFC-1.0 canonical N-Quads through pyld, undefined terms refused.

    ``hash_name`` is RDFC-1.0's internal hash: SHA-256, or SHA-384 as ecdsa-rdfc-2019 uses
    with P-384 keys.
    """
    marked = with_undefined_vocab(document)
    nquads = _normalize(marked, loader, hash_name)
    _refuse_undefined(nquads)
    return nquads


def canonize(
    document: JsonObject, loader: DocumentLoader, *, hash_name: str = "sha256", fast: bool = True
) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``; undefined terms raise UndefinedTermError.

    With ``fast`` (the default) :func:`vc.rdfc_fast.canonize_fast` does the work when it can,
    with output byte-identical to pyld's; every shape it does not handle goes to
    :func:`canonize_pyld`, which also makes every refusal.
    """
    if fast:
        nquads = canonize_fast(document, loader, UNDEFINED_PREFIX, hash_name=hash_name)
        if nquads is not None:
            _refuse_undefined(nquads)
            return nquads
    return canonize_pyld(document, loader, hash_name=hash_name)


def expand(document: JsonObject, loader: DocumentLoader) -> list[JsonObject]:
    """JSON-LD expansion over the loader's contexts, pyld errors turned into JsonLdError."""
    try:
        result: list[JsonObject] = jsonld.expand(document, {"documentLoader": loader, "base": None})
    except Exception as exc:
        raise _as_vc_error(exc) from exc
    return result


def _refuse_undefined(nquads: str) -> None:
    terms = undefined_terms(nquads)
    if terms:
        raise UndefinedTermError(
            "the document uses terms or types that its contexts do not define: "
            + ", ".join(repr(term) for term in terms)
        )


_ABSOLUTE_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*|_):\S*")  # pyld's own test


class _CheckingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, refusing whatever it would silently leave out of the RDF."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._property_dropped)
        self._dropped: list[str] = []

    def _property_dropped(self, expanded_property: str | None) -> None:
        self._dropped.append(
            "a key that a context maps to null or that is shaped like a keyword"
            if expanded_property is None
            else repr(expanded_property)
        )

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        if self._dropped:
            raise UndefinedTermError(
                "the document has keys that JSON-LD would drop from the signed data: "
                + ", ".join(sorted(set(self._dropped)))
            )
        unconvertible = sorted(set(_unconvertible_iris(expanded)))
        if unconvertible:
            raise JsonLdError(
                "the document uses relative IRIs as id or type, or blank-node properties, "
                "which RDF leaves out of the signed data: "
                + ", ".join(repr(iri) for iri in unconvertible[:5])
            )
        return expanded


def _unconvertible_iris(node: Any) -> Iterator[str]:
    """What RDF conversion would skip in expanded JSON-LD: relative ``@id``/``@type`` values
    and blank-node properties (``"@vocab": "_:"`` makes every undefined term one)."""
    if isinstance(node, list):
        for item in node:
            yield from _unconvertible_iris(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("@id", "@type"):
            for iri in value if isinstance(value, list) else [value]:
                if isinstance(iri, str) and iri != "@json" and not _ABSOLUTE_IRI.fullmatch(iri):
                    yield iri
        elif key != "@value":
            if key.startswith("_:"):
                yield key
            yield from _unconvertible_iris(value)


class _RDFC10(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 with two corrections.

    - The internal hash is a parameter (SHA-384 for ecdsa-rdfc-2019 with P-384 keys).
    - A quad that holds the same blank node twice (a node that points to itself) is one
      reference in that node's quad list, as RDFC-1.0 §4.4.3 step 2 and the reference
      implementation (rdf-canonize) count it; pyld 3.3 counts it twice, which changes the
      first-degree hash and so the labels.
    """

    def __init__(self, hash_name: str) -> None:
        super().__init__()
        self._hash_name = hash_name

    def create_hash(self) -> Any:
        return hashlib.new(self._hash_name)

    def hash_first_degree_quads(self, id_: str) -> Any:
        info = self.blank_node_info[id_]
        info["quads"] = list({id(quad): quad for quad in info["quads"]}.values())
        return super().hash_first_degree_quads(id_)


def _normalize(document: JsonObject, loader: DocumentLoader, hash_name: str) -> str:
    try:
        options = {"documentLoader": loader, "base": None}
        dataset = _CheckingProcessor().to_rdf(document, options)
        result: str = _RDFC10(hash_name).main(dataset, {"format": "application/n-quads"})
    except Exception as exc:
        raise _as_vc_error(exc) from exc
    return result


def _as_vc_error(exc: BaseException) -> VCError:
    """Find our own error in pyld's cause chain, or describe pyld's."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, VCError):
            return seen
        seen = seen.__cause__ or getattr(seen, "cause", None) or seen.__context__
    return JsonLdError(f"JSON-LD processing failed: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    exc = _innermost(exc)
    if isinstance(exc, jsonld.JsonLdError) and exc.args:
        message = str(exc.args[0])  # pyld's str() is a tuple repr plus its type
    else:  # a pyld bug such as a KeyError on {"@language": null}: say what broke
        message = f"{type(exc).__name__} {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    details = getattr(exc, "details", None)
    if isinstance(details, dict):
        hint = details.get("code") or details.get("term") or details.get("url")
        if hint:
            message += f" ({hint})"
    return message[:300]


def _innermost(exc: BaseException) -> BaseException:
    """The root cause: pyld wraps the real problem in "could not expand/convert" errors."""
    seen = {id(exc)}
    cause = exc.__cause__ or getattr(exc, "cause", None)
    while isinstance(cause, BaseException) and id(cause) not in seen:
        seen.add(id(cause))
        exc = cause
        cause = exc.__cause__ or getattr(exc, "cause", None)
    return exc
