"""Fast RDFC-1.0: pyoxigraph's JSON-LD parser over pruned, inlined contexts.

pyld spends nearly all of a canonicalization in context processing and conversion to RDF.
pyoxigraph does both in Rust, but cannot load contexts, so they are inlined into the document:
each one pruned to the term definitions the document can reach (its keys and strings, the
prefixes of compact IRIs, and whatever the kept definitions use, scoped contexts included),
which leaves expansion unchanged and makes the parse cheap. The pruning is cached per
(contexts, terms used), and the output of small documents (proof configurations) per text, so
repeated credentials of one template pay only for the parse and the canonicalization.

Undefined terms are found in the same parse, as in :func:`vc.jsonld.canonize_pyld`: the caller
passes the ``@vocab`` that goes first in the context and looks for it in the output. RDFC-1.0
runs with SHA-256 or SHA-384 as its internal hash.

Exactness comes before coverage: :func:`canonize_fast` returns None, and the caller uses pyld,
for every shape where pyoxigraph is known or suspected to differ from pyld:

* a node with two or more types that each carry a type-scoped context: pyoxigraph 0.5.13 gets
  its content wrong (it applies only one of the contexts, or loses nested nodes);
* a scoped context that is null: it also resets the undefined-term ``@vocab``, so what it hides
  is dropped silently, and only pyld's own check refuses that;
* JSON-LD beyond what is checked here: ``@list``, ``@json``, ``@base``, ``@import``,
  ``@propagate``, ``@direction``, ``@reverse``, ``@nest``, ``@graph``/``@included`` in the
  document, index, id and type maps, embedded or remote scoped contexts, null term
  definitions, keyword aliases other than ``@id`` and ``@type``, contexts given as anything but
  URLs of the loader or plain objects;
* values the two write differently: control characters other than tab, newline and carriage
  return, U+FFFE and U+FFFF (pyld writes them raw, pyoxigraph escapes them), doubles whose
  shortest form is not pyld's 16-digit form, integers of 2^53 or more, ``xsd:double``
  coercion, language tags pyoxigraph would drop;
* relative IRIs, and IRIs that pyoxigraph would reject or silently drop;
* anything pyoxigraph refuses.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import pyoxigraph as ox
from pyld import jsonld

from vc.errors import VCError
from vc.types import JsonObject

MAX_CACHED_TEXT = 2048
"""Documents whose JSON text is at most this long have their output cached (proof configs)."""

_SAFE_INTEGER = 2**53
_SIMPLE_TERM = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_BLANK_NODE = re.compile(r"_:[A-Za-z0-9_]+\Z")
_CANONICAL_LABEL = re.compile(r"_:c14n[0-9]+")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[!#$&-;=?-\[\]_a-z~]|%[0-9A-Fa-f]{2})*\Z")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTEXT_KEYWORDS = frozenset({"@version", "@protected", "@vocab", "@language"})
_DEFINITION_KEYS = frozenset({"@id", "@type", "@container", "@context", "@protected", "@prefix"})
_CONTAINERS = frozenset({"@set", "@language", "@graph"})
_VALUE_KEYS = frozenset({"@value", "@type", "@language"})
_SELF_CONTAINED_KEYS = frozenset({"@id", "@type", "@container", "@protected"})
_ALGORITHMS = {
    "sha256": ox.CanonicalizationAlgorithm.RDFC_1_0,
    "sha384": ox.CanonicalizationAlgorithm.RDFC_1_0_SHA_384,
}


class ContextSource(Protocol):
    """Serves the JSON text of a context by URL (:class:`vc.jsonld.DocumentLoader` does)."""

    def context_text(self, url: str) -> str: ...


class Unsupported(Exception):
    """The fast path does not handle a document; the message says why."""


def canonize_fast(
    document: JsonObject,
    contexts: ContextSource,
    undefined_vocab: str,
    *,
    hash_name: str = "sha256",
) -> str | None:
    """RDFC-1.0 canonical N-Quads of ``document``, or None when pyld must do it.

    ``undefined_vocab`` goes first in the context as ``@vocab``: an undefined term shows in the
    output as an IRI starting with it, which the caller refuses. No other check is made here.
    ``hash_name`` is RDFC-1.0's internal hash, ``sha256`` or ``sha384``.
    """
    try:
        return _canonize(document, contexts, undefined_vocab, hash_name)
    except Unsupported:
        return None


def fallback_reason(
    document: JsonObject,
    contexts: ContextSource,
    undefined_vocab: str,
    *,
    hash_name: str = "sha256",
) -> str | None:
    """Why :func:`canonize_fast` leaves ``document`` to pyld, or None if it handles it."""
    try:
        _canonize(document, contexts, undefined_vocab, hash_name)
    except Unsupported as exc:
        return str(exc)
    return None


def clear_caches() -> None:
    """Forget every cached context analysis, pruning and output (for tests and benchmarks)."""
    _universe.cache_clear()
    _prune.cache_clear()
    _language_tag_ok.cache_clear()
    _RESULTS.clear()


def _canonize(
    document: JsonObject, contexts: ContextSource, undefined_vocab: str, hash_name: str
) -> str:
    algorithm = _ALGORITHMS.get(hash_name)
    if algorithm is None:
        raise Unsupported(f"RDFC-1.0 with {hash_name!r}")
    key = _context_key(document.get("@context"), contexts)
    body = {name: value for name, value in document.items() if name != "@context"}
    try:
        body_text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise Unsupported(f"not plain JSON: {exc}") from exc
    cache_key = (
        (key, undefined_vocab, hash_name, body_text) if len(body_text) <= MAX_CACHED_TEXT else None
    )
    if cache_key is not None and (cached := _RESULTS.get(cache_key)) is not None:
        return cached
    universe = _universe(key, undefined_vocab)
    walk = _Walk(universe)
    walk.node(body)
    context_text = _pruned_context(
        universe, frozenset(walk.names & universe.terms), undefined_vocab
    )
    nquads = _canonical_nquads(context_text, body_text, algorithm)
    if cache_key is not None:
        _RESULTS.put(cache_key, nquads)
    return nquads


def _canonical_nquads(
    context_text: str, body_text: str, algorithm: ox.CanonicalizationAlgorithm
) -> str:
    rest = "," + body_text[1:] if len(body_text) > 2 else "}"
    text = '{"@context":' + context_text + rest
    try:
        dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError) as exc:
        raise Unsupported(f"pyoxigraph refused the document: {exc}") from exc
    dataset.canonicalize(algorithm)
    written = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    lines = written.decode("utf-8").split("\n")
    lines.pop()  # the text ends with a newline (or is empty)
    for line in lines:
        if "_:c14n" in line and (reason := _unsafe_quad(line)):
            raise Unsupported(f"{reason}: {line}")
    lines.sort()
    return "".join(line + "\n" for line in lines)


def _unsafe_quad(line: str) -> str | None:
    """Why a canonical quad shows a shape where pyld and pyoxigraph label blank nodes apart.

    * one blank node twice in a quad: pyld 3.3.0 counts the quad twice for it, unlike the
      RDFC-1.0 reference (rdf-canonize) and pyoxigraph;
    * a blank-node graph name: pyoxigraph 0.5.13 labels some such datasets unlike pyld and
      rdf-canonize.
    """
    subject, _, rest = line.partition(" ")
    rest = rest.partition(" ")[2][:-2]  # the object and graph name, without " ."
    if rest.startswith('"'):  # a literal, perhaps followed by a graph name
        obj, graph = "", rest.rpartition(" ")[2]
    else:
        obj, _, graph = rest.partition(" ")
    if _CANONICAL_LABEL.fullmatch(graph):
        return "a blank node as graph name"
    if subject == obj and _CANONICAL_LABEL.fullmatch(subject):
        return "a blank node twice in one quad"
    return None


# --- contexts --------------------------------------------------------------------------------

ContextKey = tuple[tuple[str, str], ...]
"""(URL, JSON text) per context of a document; the URL is empty for an inline context."""


def _context_key(context: Any, contexts: ContextSource) -> ContextKey:
    entries = context if isinstance(context, list) else ([] if context is None else [context])
    key: list[tuple[str, str]] = []
    for entry in entries:
        if isinstance(entry, str):
            try:
                key.append((entry, contexts.context_text(entry)))
            except VCError as exc:
                raise Unsupported(f"context {entry!r} is not served: {exc}") from exc
        elif isinstance(entry, dict):
            key.append(("", json.dumps(entry, sort_keys=True)))
        else:
            raise Unsupported(f"@context entry {entry!r} is neither a URL nor an object")
    return tuple(key)


@dataclass(frozen=True, eq=False)
class _Universe:
    """What every context of one context list defines, scoped contexts included."""

    contexts: tuple[JsonObject, ...]
    reason: str | None
    terms: frozenset[str]
    conflicting: frozenset[str]
    """Terms defined differently in two places: always kept, so that a protected-term
    redefinition fails (or not) exactly as in pyld."""
    id_keys: frozenset[str]
    type_keys: frozenset[str]
    ambiguous: frozenset[str]
    """Keyword aliases somewhere that are something else elsewhere, or carry a context."""
    language_maps: frozenset[str]
    graphs: frozenset[str]
    """Terms with a ``@graph`` container somewhere: their values must be node objects."""
    iri_valued: dict[str, bool]
    """Terms with ``@type: @id`` (False) or only ``@type: @vocab`` (True) somewhere."""
    scoped: frozenset[str]
    prefix_iris: dict[str, str]
    """Terms usable as prefixes everywhere they are defined, with one absolute IRI, for
    expanding compact IRIs (pyoxigraph would expand with any term)."""

    def check_iri(self, value: str, *, vocab: bool) -> None:
        """Raise Unsupported unless ``value`` expands to an IRI both libraries keep alike."""
        if vocab and _SIMPLE_TERM.match(value):
            if value in self.id_keys or value in self.type_keys:
                raise Unsupported(f"{value!r} names a keyword")
            return  # a term (checked when its definition is kept), or @vocab + a plain name
        prefix, colon, suffix = value.partition(":")
        if not colon:
            raise Unsupported(f"relative IRI {value!r}")
        if prefix in self.terms and not suffix.startswith("//"):
            base = self.prefix_iris.get(prefix)
            if base is None or not _valid_iri(base + suffix):
                raise Unsupported(f"compact IRI {value!r} with an unusable prefix")
        if not _valid_iri(value):
            raise Unsupported(f"IRI {value!r} is not one pyoxigraph keeps")


@lru_cache(maxsize=64)
def _universe(key: ContextKey, undefined_vocab: str) -> _Universe:
    contexts: list[JsonObject] = []
    reason = _pyld_refusal(key, undefined_vocab)
    for url, text in key:
        parsed = json.loads(text)
        value = parsed.get("@context") if url and isinstance(parsed, dict) else parsed
        for item in _as_list(value):
            if isinstance(item, dict):
                contexts.append(item)
            else:
                reason = f"context {url or text[:60]!r} is not made of plain objects"
    return _analyse(tuple(contexts), reason)


def _pyld_refusal(key: ContextKey, undefined_vocab: str) -> str | None:
    """Why pyld refuses the contexts themselves, or None.

    pyld processes every definition, used or not, and refuses a document whose contexts hold an
    invalid one; pruning would hide that. Checked once per context list.
    """
    texts = {url: text for url, text in key if url}

    def load(url: str, _options: Any = None) -> dict[str, Any]:
        if url not in texts:
            raise Unsupported(f"a context refers to {url!r}, which is not in the list")
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(texts[url])}

    contexts = [url or json.loads(text) for url, text in key]
    document = {"@context": [{"@vocab": undefined_vocab}, *contexts]}
    try:
        jsonld.expand(document, {"documentLoader": load, "base": None})
    except Exception as exc:  # noqa: BLE001 - pyld raises many kinds; all mean "leave it to pyld"
        return f"pyld refuses the contexts: {str(exc).splitlines()[0][:200]}"
    return None


def _analyse(contexts: tuple[JsonObject, ...], reason: str | None) -> _Universe:
    definitions: dict[str, list[Any]] = {}
    iris: dict[str, set[str | None]] = {}
    id_keys, type_keys, language_maps, graphs, scoped = {"@id"}, {"@type"}, set(), set(), set()
    iri_valued: dict[str, bool] = {}
    for context in contexts:
        for term, definition in _all_definitions(context):
            definitions.setdefault(term, []).append(definition)
            entry = definition if isinstance(definition, dict) else {"@id": definition}
            iri = entry.get("@id")
            iris.setdefault(term, set()).add(iri if isinstance(iri, str) else None)
            if iri == "@id":
                id_keys.add(term)
            elif iri == "@type":
                type_keys.add(term)
            containers = _as_list(entry.get("@container"))
            if "@language" in containers:
                language_maps.add(term)
            if "@graph" in containers:
                graphs.add(term)
            if entry.get("@type") in ("@id", "@vocab"):
                iri_valued[term] = iri_valued.get(term, True) and entry["@type"] == "@vocab"
            if "@context" in entry:
                scoped.add(term)
    ambiguous = {
        term
        for term in (id_keys | type_keys) - {"@id", "@type"}
        if len(iris[term]) > 1 or any(_scoped_alias(d) for d in definitions[term])
    }
    prefix_iris = {
        term: iri
        for term, found in iris.items()
        if len(found) == 1
        and isinstance(iri := next(iter(found)), str)
        and _valid_iri(iri)
        and all(_is_prefix(term, definition) for definition in definitions[term])
    }
    return _Universe(
        contexts=contexts,
        reason=reason,
        terms=frozenset(definitions),
        conflicting=_conflicting(definitions),
        id_keys=frozenset(id_keys),
        type_keys=frozenset(type_keys),
        ambiguous=frozenset(ambiguous),
        language_maps=frozenset(language_maps),
        graphs=frozenset(graphs),
        iri_valued=iri_valued,
        scoped=frozenset(scoped),
        prefix_iris=prefix_iris,
    )


def _is_prefix(term: str, definition: Any) -> bool:
    """pyld's prefix flag: a plain string definition ending in a gen-delim, or ``@prefix``."""
    if isinstance(definition, dict):
        return definition.get("@prefix") is True
    return ":" not in term and isinstance(definition, str) and definition[-1:] in ":/?#[]@"


def _scoped_alias(definition: Any) -> bool:
    return isinstance(definition, dict) and "@context" in definition


def _all_definitions(context: JsonObject) -> Iterator[tuple[str, Any]]:
    """Every (term, definition) of a context and of the scoped contexts inside it."""
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        yield term, definition
        if isinstance(definition, dict):
            for local in _as_list(definition.get("@context")):
                if isinstance(local, dict):
                    yield from _all_definitions(local)


def _conflicting(definitions: dict[str, list[Any]]) -> frozenset[str]:
    """Terms defined more than once, unless always by the same self-contained definition.

    Only such a term can make a protected-term redefinition fail, so pruning keeps it.
    """
    terms = frozenset(definitions)
    return frozenset(
        term
        for term, found in definitions.items()
        if len(found) > 1
        and (
            len({_bare(_expanded(definition)) for definition in found}) > 1
            or not all(_self_contained(definition, terms) for definition in found)
        )
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- pruning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pruned:
    text: str | None
    reason: str | None


def _pruned_context(universe: _Universe, used: frozenset[str], undefined_vocab: str) -> str:
    pruned = _prune(universe, used, undefined_vocab)
    if pruned.text is None:
        raise Unsupported(pruned.reason)
    return pruned.text


@lru_cache(maxsize=256)
def _prune(universe: _Universe, used: frozenset[str], undefined_vocab: str) -> _Pruned:
    """The JSON text of the document's context list, pruned to what ``used`` reaches."""
    if universe.reason is not None:
        return _Pruned(None, universe.reason)
    pruner = _Pruner(universe, set(used))
    try:
        while True:
            size = len(pruner.needed)
            kept = [pruner.context(context) for context in universe.contexts]
            if len(pruner.needed) == size:
                break
    except Unsupported as exc:
        return _Pruned(None, str(exc))
    kept = [_without_repeats(context, universe) for context in kept]
    text = json.dumps([{"@vocab": undefined_vocab}, *kept], ensure_ascii=False)
    return _Pruned(text, None)


def _without_repeats(context: JsonObject, universe: _Universe) -> JsonObject:
    """``context`` whose scoped contexts no longer repeat what the top level defines.

    Nearly every scoped context repeats ``"id": "@id", "type": "@type"``; dropping such a
    repeat leaves expansion unchanged when the term has one definition everywhere (else it is
    ``conflicting``) and the definition depends on no other term or ``@vocab``: the top-level
    one is then always in force (a null scoped context, which would clear it, is never kept).
    It makes pyoxigraph's parse ~15% faster.
    """
    top = {
        term: _bare(_expanded(definition))
        for top_context in universe.contexts
        for term, definition in top_context.items()
        if not term.startswith("@")
    }

    def scoped(local: JsonObject) -> JsonObject:
        return {
            term: inner(definition)
            for term, definition in local.items()
            if term.startswith("@")
            or term in universe.conflicting
            or top.get(term) != _bare(_expanded(definition))
            or not _self_contained(definition, universe.terms)
        }

    def inner(definition: Any) -> Any:
        if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
            return {**definition, "@context": scoped(definition["@context"])}
        return definition

    return {term: inner(definition) for term, definition in context.items()}


def _expanded(definition: Any) -> Any:
    """A string definition as the object it stands for, when that is all it differs by.

    A string ending in a gen-delim character also makes its term usable as a prefix, so it
    stays as it is.
    """
    if isinstance(definition, str) and definition[-1:] not in ":/?#[]@":
        return definition if definition.startswith("@") else {"@id": definition}
    return definition


def _bare(definition: Any) -> str:
    """A definition as JSON text, ``@protected`` left out (it matters only for errors)."""
    if isinstance(definition, dict):
        definition = {k: v for k, v in definition.items() if k != "@protected"}
    return json.dumps(definition, sort_keys=True)


def _self_contained(definition: Any, terms: frozenset[str]) -> bool:
    """True for a keyword alias, or a definition by absolute IRIs that name no term (and
    perhaps a plain container): its meaning does not depend on the active context."""

    def plain(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        prefix, _, suffix = value.partition(":")
        return (
            _valid_iri(value)
            and value not in terms
            and (prefix not in terms or suffix.startswith("//"))
        )

    if definition in ("@id", "@type"):
        return True
    if isinstance(definition, str):
        return plain(definition)
    if not isinstance(definition, dict) or not definition.keys() <= _SELF_CONTAINED_KEYS:
        return False
    iri, datatype = definition.get("@id"), definition.get("@type")
    container = definition.get("@container", "@set")
    return (
        (iri in ("@id", "@type") or plain(iri))
        and (datatype is None or datatype in ("@id", "@vocab") or plain(datatype))
        and isinstance(container, str | list)
        and set(_as_list(container)) <= _CONTAINERS
    )


class _Pruner:
    """Keeps the definitions of needed terms, adding to ``needed`` what they refer to."""

    def __init__(self, universe: _Universe, needed: set[str]) -> None:
        self.universe = universe
        self.needed = needed

    def context(self, context: JsonObject) -> JsonObject:
        kept: JsonObject = {}
        for key, value in context.items():
            if key.startswith("@"):
                self._keyword(key, value)
                kept[key] = value
            elif key in self.needed or key in self.universe.conflicting:
                kept[key] = self._definition(key, value)
        return kept

    def _keyword(self, key: str, value: Any) -> None:
        if key not in _CONTEXT_KEYWORDS:
            raise Unsupported(f"context keyword {key!r}")
        if key == "@version" and value != 1.1:
            raise Unsupported(f"@version {value!r}")
        if key == "@protected" and not isinstance(value, bool):
            raise Unsupported(f"@protected {value!r}")
        if key == "@vocab":
            if not isinstance(value, str) or value[-1:] not in ("/", "#", ":"):
                raise Unsupported(f"@vocab {value!r}")  # a plain name appended must stay an IRI
            self.universe.check_iri(value, vocab=True)
            self._refer(value)
        if key == "@language" and not (isinstance(value, str) and _language_tag_ok(value)):
            raise Unsupported(f"default @language {value!r}")

    def _definition(self, term: str, definition: Any) -> Any:
        if isinstance(definition, str):
            self._iri(term, definition)
            return definition
        if not isinstance(definition, dict):
            raise Unsupported(f"term {term!r} has definition {definition!r}")
        unknown = definition.keys() - _DEFINITION_KEYS
        if unknown:
            raise Unsupported(f"term {term!r} uses {sorted(unknown)}")
        if "@id" in definition:
            self._iri(term, definition["@id"])
        elif ":" in term:
            self.universe.check_iri(term, vocab=False)
        elif not _SIMPLE_TERM.match(term):
            raise Unsupported(f"term {term!r} has no @id and is not a plain name")
        self._refer(term)
        kept = dict(definition)
        for key, value in definition.items():
            if key == "@type":
                self._type(term, value)
            elif key == "@container":
                if not (set(_as_list(value)) <= _CONTAINERS):
                    raise Unsupported(f"term {term!r} has @container {value!r}")
            elif key == "@context":
                kept[key] = self._scoped(term, value)
            elif key != "@id" and not isinstance(value, bool):
                raise Unsupported(f"term {term!r} has {key} {value!r}")
        return kept

    def _iri(self, term: str, value: Any) -> None:
        if value in ("@id", "@type"):
            return
        if not isinstance(value, str) or value.startswith("@"):
            raise Unsupported(f"term {term!r} maps to {value!r}")
        self.universe.check_iri(value, vocab=True)
        self._refer(value)

    def _type(self, term: str, value: Any) -> None:
        if value in ("@id", "@vocab"):
            return
        if not isinstance(value, str) or value.startswith("@") or "double" in value.lower():
            raise Unsupported(f"term {term!r} has @type {value!r}")
        self.universe.check_iri(value, vocab=True)
        self._refer(value)

    def _scoped(self, term: str, value: Any) -> Any:
        # A null context would also reset the undefined-term @vocab: what it hides is dropped
        # silently, and only pyld's own check refuses that.
        if isinstance(value, dict):
            return self.context(value)
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            return [self.context(item) for item in value]
        raise Unsupported(f"term {term!r} has scoped context {value!r}")

    def _refer(self, value: str) -> None:
        self.needed.add(value)
        prefix, colon, _ = value.partition(":")
        if colon:
            self.needed.add(prefix)


# --- the document ----------------------------------------------------------------------------


class _Walk:
    """One pass over the document: the names it uses, and every check of its shape."""

    def __init__(self, universe: _Universe) -> None:
        self.universe = universe
        self.names: set[str] = set()

    def node(self, node: JsonObject) -> None:
        universe = self.universe
        scoped_types = 0
        for key, value in node.items():
            self.string(key)
            if key in universe.ambiguous:
                raise Unsupported(f"{key!r} is a keyword alias in one place only")
            if key in universe.id_keys:
                self._id(value)
            elif key in universe.type_keys:
                scoped_types += self._types(value)
            elif key.startswith("@"):
                raise Unsupported(f"keyword {key!r} in a node")
            else:
                universe.check_iri(key, vocab=True)
                self._property(key, value)
        if scoped_types >= 2:
            raise Unsupported(
                "a node with two or more types that carry type-scoped contexts "
                "(pyoxigraph gets such a node wrong)"
            )

    def string(self, value: str) -> None:
        if _BAD_CHARS.search(value):
            raise Unsupported(f"control or non-character code point in {value!r}")
        self.names.add(value)
        prefix, colon, _ = value.partition(":")
        if colon:
            self.names.add(prefix)

    def _id(self, value: Any) -> None:
        if not isinstance(value, str):
            raise Unsupported(f"@id {value!r} is not a string")
        self.string(value)
        if value.startswith("_:"):
            if not _BLANK_NODE.match(value):
                raise Unsupported(f"blank node identifier {value!r}")
        else:
            self.universe.check_iri(value, vocab=False)

    def _types(self, value: Any) -> int:
        scoped = 0
        for item in _as_list(value):
            if not isinstance(item, str):
                raise Unsupported(f"type {item!r} is not a string")
            self.string(item)
            self.universe.check_iri(item, vocab=True)
            scoped += item in self.universe.scoped
        return scoped

    def _property(self, key: str, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                if isinstance(item, list):
                    raise Unsupported(f"nested array under {key!r}")
                self._value(key, item)
        else:
            self._value(key, value)

    def _value(self, key: str, value: Any) -> None:
        if isinstance(value, dict):
            if key in self.universe.language_maps:
                self._language_map(key, value)
            elif "@value" in value:
                self._value_object(value)
            else:
                self.node(value)
        elif value is not None and key in self.universe.graphs:
            raise Unsupported(f"{key!r} is a graph container holding {value!r}")
        elif isinstance(value, str):
            self.string(value)
            vocab = self.universe.iri_valued.get(key)
            if vocab is not None and (vocab or not _BLANK_NODE.match(value)):
                self.universe.check_iri(value, vocab=vocab)
        elif value is not None:
            _check_scalar(value)

    def _value_object(self, value: JsonObject) -> None:
        if not value.keys() <= _VALUE_KEYS or ("@type" in value and "@language" in value):
            raise Unsupported(f"value object with keys {sorted(value)}")
        literal = value["@value"]
        if isinstance(literal, str):
            self.string(literal)
        else:
            _check_scalar(literal)
        datatype = value.get("@type")
        if datatype is not None:
            if not isinstance(datatype, str) or datatype.startswith("@"):
                raise Unsupported(f"value @type {datatype!r}")
            if "double" in datatype.lower():
                raise Unsupported(f"value @type {datatype!r} (pyld rewrites doubles)")
            self.string(datatype)
            self.universe.check_iri(datatype, vocab=True)
        if "@language" in value:
            self._language(value["@language"])

    def _language_map(self, key: str, value: JsonObject) -> None:
        for tag, texts in value.items():
            self._language(tag)
            for text in _as_list(texts):
                if text is None:
                    continue
                if not isinstance(text, str):
                    raise Unsupported(f"language map {key!r} holds {text!r}")
                self.string(text)

    def _language(self, tag: Any) -> None:
        if not isinstance(tag, str) or not _language_tag_ok(tag):
            raise Unsupported(f"language tag {tag!r}")


def _check_scalar(value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) >= _SAFE_INTEGER:
            raise Unsupported(f"integer {value} beyond 2^53")
        return
    if not isinstance(value, float) or not math.isfinite(value):
        raise Unsupported(f"value {value!r}")
    if value.is_integer():
        if abs(value) >= _SAFE_INTEGER:
            raise Unsupported(f"number {value!r} beyond 2^53")
        return
    if _pyld_double(value) != _shortest_double(value):
        raise Unsupported(f"double {value!r} needs more digits than pyld writes")


def _pyld_double(value: float) -> str:
    """pyld's canonical xsd:double (``_canonicalize_double`` in pyld 3.3.0): 16 significant
    digits, trailing zeros removed."""
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")


def _shortest_double(value: float) -> str:
    """The shortest round-trip form as pyoxigraph writes it, e.g. ``1.525E2``."""
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    if not isinstance(exponent, int):
        raise Unsupported(f"double {value!r}")
    text = "".join(map(str, digits))
    power = len(text) + exponent - 1
    text = text.rstrip("0") or "0"
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


@lru_cache(maxsize=4096)
def _valid_iri(value: str) -> bool:
    if not _IRI.match(value):
        return False
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def _language_tag_ok(tag: str) -> bool:
    """True when pyoxigraph keeps ``tag`` and writes it as pyld does (lower-cased)."""
    if _BAD_CHARS.search(tag):
        return False
    probe = {"@context": {"@vocab": "urn:probe:"}, "p": {"@value": "v", "@language": tag}}
    try:
        quads = list(ox.parse(json.dumps(probe), format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError):
        return False
    if len(quads) != 1 or not isinstance(quads[0].object, ox.Literal):
        return False
    return quads[0].object.language == tag.lower()


class _LRU:
    """A small, thread-safe, least-recently-used map of canonical outputs."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Any, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: str) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_RESULTS = _LRU(512)
