"""The fast RDFC-1.0 path (pyoxigraph over pruned, inlined contexts) against pyld, byte for byte.

Whenever :func:`vc.rdfc_fast.canonize_fast` gives an answer it must be pyld's answer: the same
N-Quads, or the same UndefinedTermError. Checked on the sample credentials, their proof
configurations, every W3C vector document (read in place, skipped when absent), hypothesis
variations of the samples, and the shapes that must go to pyld (the known pyoxigraph fault
first). :func:`vc.jsonld.canonize` must always equal pyld, fast path or not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.paths import DATA, vectors_dir
from vc import rdfc_fast
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import ProofOptions
from vc.errors import UndefinedTermError, VCError
from vc.jsonld import (
    UNDEFINED_PREFIX,
    DocumentLoader,
    canonize,
    canonize_pyld,
    undefined_terms,
)
from vc.types import JsonObject

LOADER = DocumentLoader.bundled()
SAMPLES = ("x-certificate", "diploma")
KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
METHOD = f"did:key:{KEY}#{KEY}"
CJK = "证书中级高级初级职业技能等级考核站点学院華為毕业한글かな"
FAULT = "two or more types that carry type-scoped contexts"

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _sample(name: str) -> JsonObject:
    document: JsonObject = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return document


def _pyld(document: JsonObject, loader: DocumentLoader, hash_name: str = "sha256") -> str:
    """pyld's answer: the N-Quads, or the error class and message."""
    try:
        return canonize_pyld(document, loader, hash_name=hash_name)
    except VCError as exc:
        return f"{type(exc).__name__}: {exc}"


def _public(document: JsonObject, loader: DocumentLoader, hash_name: str = "sha256") -> str:
    try:
        return canonize(document, loader, hash_name=hash_name)
    except VCError as exc:
        return f"{type(exc).__name__}: {exc}"


def _fast(document: JsonObject, loader: DocumentLoader, hash_name: str = "sha256") -> str | None:
    """The fast path's answer as pyld would give it, or None when it leaves it to pyld."""
    nquads = rdfc_fast.canonize_fast(document, loader, UNDEFINED_PREFIX, hash_name=hash_name)
    if nquads is None or not undefined_terms(nquads):
        return nquads
    return (
        "UndefinedTermError: the document uses terms or types that its contexts do not define: "
        + ", ".join(repr(term) for term in undefined_terms(nquads))
    )


def _check(
    document: JsonObject, loader: DocumentLoader = LOADER, hash_name: str = "sha256"
) -> bool:
    """Assert the fast path and canonize() agree with pyld; True if the fast path answered."""
    expected = _pyld(document, loader, hash_name)
    fast = _fast(document, loader, hash_name)
    if fast is not None:
        assert fast == expected
    assert _public(document, loader, hash_name) == expected
    return fast is not None


# --- the samples and their proof configurations -----------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_samples_take_the_fast_path_and_match_pyld(name: str) -> None:
    document = _sample(name)
    assert rdfc_fast.fallback_reason(document, LOADER, UNDEFINED_PREFIX) is None
    assert _check(document)
    nquads = canonize(document, LOADER)
    assert nquads.endswith(" .\n") and nquads == "".join(sorted(nquads.splitlines(True)))


@pytest.mark.parametrize("name", SAMPLES)
def test_repeated_and_uncached_calls_agree(name: str) -> None:
    document = _sample(name)
    first = canonize(document, LOADER)
    assert canonize(copy.deepcopy(document), LOADER) == first
    rdfc_fast.clear_caches()
    assert canonize(document, LOADER) == first
    assert canonize(document, LOADER, fast=False) == first


PROOF_OPTIONS = [
    ProofOptions(METHOD, created="2025-07-01T08:00:00Z"),
    ProofOptions(METHOD, created="2025-07-01T08:00:01Z", expires="2026-07-01T08:00:00Z"),
    ProofOptions(METHOD, proof_purpose="authentication", challenge="c-1", domain="example.org"),
    ProofOptions(METHOD, domain=["a.example", "b.example"], nonce='随机数\n"x"\\'),
    ProofOptions(METHOD, id="urn:uuid:1", previous_proof="urn:uuid:0"),
    ProofOptions(METHOD, previous_proof=["urn:uuid:0", "urn:uuid:2"]),
]


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("options", PROOF_OPTIONS)
def test_proof_configurations_match_pyld(name: str, options: ProofOptions) -> None:
    config = options.proof_configuration(EDDSA_RDFC_2022)
    config["@context"] = _sample(name)["@context"]
    assert _check(config)
    assert _check(config)  # from the cache of small outputs


def test_sha384_matches_pyld() -> None:
    for name in SAMPLES:
        assert _check(_sample(name), hash_name="sha384")
    assert (
        rdfc_fast.canonize_fast(_sample("diploma"), LOADER, UNDEFINED_PREFIX, hash_name="md5")
        is None
    )


# --- the W3C vectors --------------------------------------------------------------------------


def _vector_documents(folder: Path) -> Iterator[tuple[str, JsonObject]]:
    """Each JSON-LD document under ``folder``, its unsecured form and its proof configurations."""
    for path in sorted(folder.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or "@context" not in document:
            continue
        name = str(path.relative_to(folder))
        yield name, document
        proofs = document.get("proof")
        if proofs is None:
            continue
        yield f"{name} unsecured", {k: v for k, v in document.items() if k != "proof"}
        for i, proof in enumerate(proofs if isinstance(proofs, list) else [proofs]):
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            config.setdefault("@context", document["@context"])
            yield f"{name} proof {i}", config


@pytest.mark.parametrize("folder", ["eddsa", "ecdsa", "status"])
def test_w3c_vector_documents_match_pyld(folder: str) -> None:
    loader = LOADER.with_directory(vectors_dir("contexts"))
    handled = []
    for name, document in _vector_documents(vectors_dir(folder)):
        for hash_name in ("sha256", "sha384"):
            if _check(document, loader, hash_name):
                handled.append(name)
    assert handled, f"the fast path handled none of the {folder} vectors"


def test_w3c_unsigned_credential_takes_the_fast_path() -> None:
    loader = LOADER.with_directory(vectors_dir("contexts"))
    document = json.loads((vectors_dir("eddsa") / "unsigned.json").read_text(encoding="utf-8"))
    assert rdfc_fast.fallback_reason(document, loader, UNDEFINED_PREFIX) is None
    expected = (vectors_dir("eddsa", "eddsa-rdfc-2022") / "canonDocDataInt.txt").read_text("utf-8")
    assert rdfc_fast.canonize_fast(document, loader, UNDEFINED_PREFIX) == expected


# --- the known fault and the other shapes left to pyld ----------------------------------------


def _doubly_scoped() -> JsonObject:
    """The X certificate whose achievement is also a Profile: two type-scoped contexts."""
    document = _sample("x-certificate")
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "Profile"]
    return document


def _inlined(document: JsonObject) -> str:
    """``document`` with its contexts inlined in full, as pyoxigraph must get them."""
    contexts = [json.loads(LOADER.context_text(url))["@context"] for url in document["@context"]]
    return json.dumps({**document, "@context": [{"@vocab": UNDEFINED_PREFIX}, *contexts]})


def test_known_fault_still_exists_in_pyoxigraph() -> None:
    """Why the detection exists: pyoxigraph alone gets such a node wrong (here it applies one
    of the two scoped contexts only, and ``criteria`` comes out undefined). If an upgrade of
    pyoxigraph makes this fail, the fault is fixed and the detection can go."""
    document = _doubly_scoped()
    dataset = ox.Dataset(ox.parse(_inlined(document), format=ox.RdfFormat.JSON_LD))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    written = (ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b"").decode()
    expected = canonize_pyld(document, LOADER)
    assert sorted(written.splitlines()) != expected.splitlines()
    assert f"<{UNDEFINED_PREFIX}criteria>" in written and UNDEFINED_PREFIX not in expected


def test_known_fault_is_detected_and_left_to_pyld() -> None:
    document = _doubly_scoped()
    reason = rdfc_fast.fallback_reason(document, LOADER, UNDEFINED_PREFIX)
    assert reason is not None and FAULT in reason
    assert not _check(document)
    assert canonize(document, LOADER) == canonize_pyld(document, LOADER)


def test_one_scoped_type_beside_unscoped_ones_stays_fast() -> None:
    document = _sample("x-certificate")  # VerifiableCredential (scoped) + two unscoped types
    document["credentialSubject"]["achievement"]["type"] = ["Achievement", "SkillDomain"]
    assert _check(document)


def _with(path: tuple[str | int, ...], value: Any, name: str = "x-certificate") -> JsonObject:
    document = _sample(name)
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


SUBJECT = ("credentialSubject",)
ACHIEVEMENT = ("credentialSubject", "achievement")
FALLBACKS: dict[str, tuple[JsonObject, str]] = {
    "control character": (_with((*SUBJECT, "licenseNumber"), "a\x01b"), "control"),
    "non-character": (_with((*SUBJECT, "licenseNumber"), "a\uffffb"), "control"),
    "long double": (_with((*SUBJECT, "creditsEarned"), 0.1 + 0.2), "double"),
    "huge integer": (_with((*SUBJECT, "creditsEarned"), 2**60), "2^53"),
    "relative id": (_with((*ACHIEVEMENT, "id"), "achievements/1"), "relative IRI"),
    "bad IRI": (_with((*ACHIEVEMENT, "id"), "http://a b/"), "IRI"),
    "list": (_with((*SUBJECT, "licenseNumber"), {"@list": ["a"]}), "@list"),
    "json literal": (
        _with(("credentialSchema", 0, "jsonSchema"), {"type": "object"}),
        "@json",
    ),
    "direction": (
        _with((*SUBJECT, "licenseNumber"), {"@value": "a", "@language": "ar", "@direction": "rtl"}),
        "value object",
    ),
    "language tag pyoxigraph drops": (
        _with((*SUBJECT, "licenseNumber"), {"@value": "a", "@language": "en-ab-cd"}),
        "language tag",
    ),
    "language map key": (
        _with(("credentialSubject", "assessment", "examSite", "label"), {"en_US": "x"}),
        "language tag",
    ),
    "embedded context": (_with((*SUBJECT, "@context"), {"x": "urn:x"}), "@context"),
    "graph keyword": (_with(("@graph",), [{"id": "urn:x"}]), "@graph"),
    "import": (_with(("@context", 2), {"@import": "https://onex.cn/ns/1x/v1"}), "refuses"),
    "remote context in a list": (_with(("@context", 2), None), "neither a URL nor an object"),
    "unknown context": (_with(("@context", 2), "https://example.com/ctx"), "not served"),
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
def test_shapes_left_to_pyld(case: str) -> None:
    document, expected_reason = FALLBACKS[case]
    reason = rdfc_fast.fallback_reason(document, LOADER, UNDEFINED_PREFIX)
    assert reason is not None and expected_reason in reason, reason
    assert not _check(document)


def test_undefined_terms_raise_like_pyld_on_the_fast_path() -> None:
    document = _sample("diploma")
    document["credentialSubject"]["favouriteColour"] = "blue"
    document["credentialSubject"]["achievement"]["type"].append("Trophy")
    assert _check(document)  # answered by the fast path, as UndefinedTermError
    with pytest.raises(UndefinedTermError, match="'Trophy', 'favouriteColour'"):
        canonize(document, LOADER)


def test_literals_escape_like_pyld() -> None:
    text = 'line\nbreak "quoted" back\\slash\ttab\rcr 中文 \u2028 \U0001f600 \ufeff'
    document = _with((*SUBJECT, "licenseNumber"), text)
    document["credentialSubject"]["creditsEarned"] = 152.5
    document["credentialSubject"]["identifier"][0]["hashed"] = True
    document["credentialSubject"]["identifier"][0]["identityHash"] = text
    assert _check(document)


def test_null_scoped_context_is_left_to_pyld() -> None:
    """``verifiableCredential`` resets the context to null, which also drops the undefined-term
    ``@vocab``: only pyld's own check refuses the keys that are then dropped."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:key:z6Mkabc",
        "verifiableCredential": [{k: v for k, v in _sample("diploma").items() if k != "@context"}],
    }
    reason = rdfc_fast.fallback_reason(presentation, LOADER, UNDEFINED_PREFIX)
    assert reason is not None and "scoped context None" in reason
    assert not _check(presentation)
    with pytest.raises(UndefinedTermError, match="would drop"):
        canonize(presentation, LOADER)


# --- hypothesis variations of the samples -----------------------------------------------------

SAFE_TEXT = st.text(
    alphabet=st.sampled_from(list(CJK + "abcXYZ 0189-_:/#.\"'\\\n\r\t{}[]<>&%@$😀\u00e9\u2028")),
    max_size=24,
)
ANY_TEXT = st.one_of(
    SAFE_TEXT,
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
)
LEAF = st.one_of(
    ANY_TEXT,
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
TAGS = st.sampled_from(
    ["en", "zh-CN", "zh-Hans-CN", "EN-us", "de-CH-1996", "x-private", "en_US", "", "en-", "fr"]
)
TYPES = st.sampled_from(
    [
        "Achievement", "Profile", "Result", "ResultDescription", "IdentityObject", "Address",
        "Criteria", "Image", "Evidence", "Alignment", "SkillDomain", "Assessment", "ExamSite",
        "Major", "IdentifierEntry", "Related", "EndorsementSubject", "JsonSchema",
        "BitstringStatusListEntry", "DataIntegrityProof", "UndefinedThing",
    ]
)  # fmt: skip
KEYS = st.sampled_from(
    [
        "name", "description", "narrative", "code", "label", "skillLevel", "creditsEarned",
        "creditsAvailable", "achievementType", "fieldOfStudy", "graduationDate", "url", "image",
        "alignment", "evidence", "targetName", "targetUrl", "address", "addressRegion",
        "identityHash", "hashed", "value", "valueMin", "resultType", "assessmentDate",
        "statusPurpose", "replaces", "email", "phone", "undefinedKey", "id",
    ]
)  # fmt: skip


def _slots(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Paths to every member of ``value`` below the top (``@context`` left out)."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if key == "@context" and not path:
            continue
        yield (*path, key)
        if isinstance(item, dict | list):
            yield from _slots(item, (*path, key))


def _objects(document: JsonObject) -> list[tuple[str | int, ...]]:
    """Paths to the node objects (not value objects or language maps)."""
    found: list[tuple[str | int, ...]] = [()]
    for path in _slots(document):
        value = _at(document, path)
        if isinstance(value, dict) and "@value" not in value and "label" not in path:
            found.append(path)
    return found


def _at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


@st.composite
def nested_objects(draw: st.DrawFn, depth: int = 2) -> JsonObject:
    node: JsonObject = {}
    if draw(st.booleans()):
        node["type"] = draw(st.lists(TYPES, min_size=1, max_size=2))
    for key in draw(st.lists(KEYS, max_size=3)):
        if depth and draw(st.booleans()):
            node[key] = draw(nested_objects(depth - 1))
        else:
            node[key] = draw(LEAF)
    return node


@st.composite
def variations(draw: st.DrawFn) -> JsonObject:
    """A sample credential with one to four random changes."""
    document = _sample(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["leaf", "delete", "add", "language", "types", "map"]))
        if kind in ("leaf", "delete", "language"):
            path = draw(st.sampled_from(list(_slots(document))))
            parent, last = _at(document, path[:-1]), path[-1]
            if kind == "delete" and isinstance(parent, dict):
                del parent[last]
            elif kind == "language":
                parent[last] = {"@value": draw(SAFE_TEXT), "@language": draw(TAGS)}
            else:
                parent[last] = draw(LEAF)
        else:
            target = _at(document, draw(st.sampled_from(_objects(document))))
            if kind == "add":
                target[draw(KEYS)] = draw(st.one_of(LEAF, nested_objects(), st.lists(LEAF)))
            elif kind == "types":
                target["type"] = draw(st.lists(TYPES, min_size=1, max_size=2))
            else:
                target["label"] = draw(st.dictionaries(TAGS, SAFE_TEXT, max_size=3))
    return document


@PROPERTY_SETTINGS
@given(variations())
def test_variations_match_pyld(document: JsonObject) -> None:
    _check(document)


@st.composite
def literal_variations(draw: st.DrawFn) -> JsonObject:
    """A sample whose literal strings and numbers change: the fast path must take it."""
    document = _sample(draw(st.sampled_from(SAMPLES)))
    literals = [
        path
        for path in _slots(document)
        if isinstance(_at(document, path), str | int | float)
        and not isinstance(_at(document, path), bool)
        and not {"id", "type", "@language", "statusListCredential", "@context"} & set(path)
    ]
    for path in draw(st.lists(st.sampled_from(literals), min_size=1, max_size=6)):
        old = _at(document, path)
        value: Any
        if isinstance(old, str):
            value = draw(SAFE_TEXT)
        elif isinstance(old, int):
            value = draw(st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))
        else:
            value = draw(st.integers(min_value=-(10**6), max_value=10**6)) / 8
        _at(document, path[:-1])[path[-1]] = value
    return document


@PROPERTY_SETTINGS
@given(literal_variations())
def test_literal_variations_take_the_fast_path(document: JsonObject) -> None:
    assert rdfc_fast.fallback_reason(document, LOADER, UNDEFINED_PREFIX) is None
    assert _check(document)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers())
def test_numbers_match_pyld_or_fall_back(number: float) -> None:
    _check(_with((*SUBJECT, "creditsEarned"), number))


# --- shapes where pyld and pyoxigraph part, found by fuzzing inline contexts --------------------

VOCAB = "http://ex.org/v/"
PARTING: dict[str, tuple[JsonObject, str]] = {
    # pyld 3.3.0 counts a quad twice for a blank node in it twice, and labels unlike
    # rdf-canonize (the reference) and pyoxigraph
    "blank node twice in a quad": (
        {
            "@context": {"@vocab": VOCAB},
            "@id": "_:a",
            "a": [{"@id": "_:a"}, {"en": "hello"}],
            "b": {"en": "hello"},
        },
        "a blank node twice in one quad",
    ),
    # pyoxigraph 0.5.13 labels this unlike pyld and rdf-canonize
    "blank-node graph names": (
        {
            "@context": {"@vocab": VOCAB, "a": {"@container": "@graph"}},
            "a": {"en": "hello", "zh-CN": "你好"},
            "c": {"a": {"en": "hello", "zh-CN": "你好"}},
        },
        "a blank node as graph name",
    ),
    # pyld keeps "ex:" as it is (a term defined as an object is no prefix), pyoxigraph expands it
    "term that is no prefix": (
        {
            "@context": [{"ex": {"@id": "http://ex.org/#"}}, {"@vocab": "ex:"}],
            "lbl": "x",
        },
        "unusable prefix",
    ),
    # pyld makes an empty graph, pyoxigraph a literal
    "graph container holding a string": (
        {"@context": {"@vocab": VOCAB, "b": {"@container": "@graph"}}, "b": "x"},
        "graph container",
    ),
    # an alias of @id in a scoped context only: pyld fails, pyoxigraph reads a property
    "keyword alias in one place only": (
        {
            "@context": {"@vocab": VOCAB, "id": {"@context": {"id": "@id"}}},
            "id": "http://ex.org/n1",
            "x": "y",
        },
        "keyword alias in one place only",
    ),
    # a type that names a keyword
    "type naming a keyword": (
        {"@context": {"@vocab": VOCAB, "T": {"@id": "@id"}}, "@type": ["T"], "a": "x"},
        "names a keyword",
    ),
    # pyld refuses an invalid definition even when nothing uses it; pruning would hide it
    "invalid unused definition": (
        {"@context": {"ex:q": {"@prefix": False, "@container": "@set"}}},
        "pyld refuses the contexts",
    ),
}


@pytest.mark.parametrize("case", sorted(PARTING))
def test_parting_shapes_are_left_to_pyld(case: str) -> None:
    document, expected_reason = PARTING[case]
    reason = rdfc_fast.fallback_reason(document, LOADER, UNDEFINED_PREFIX)
    assert reason is not None and expected_reason in reason, reason
    assert not _check(document)


NAMES = ["a", "b", "c", "T", "U", "ex", "ex:q", "http://ex.org/z", "id", "type", "lbl", "g"]
IRIS = ["http://ex.org/a", "http://ex.org/", "ex:a", "a", "T", "@id", "@type", "urn:x:", "urn:y"]
DATATYPES = ["@id", "@vocab", "http://www.w3.org/2001/XMLSchema#dateTime", "ex:dt"]
CONTAINERS: list[Any] = ["@set", "@language", "@graph", ["@graph", "@set"]]
FUZZ_LEAVES = st.one_of(
    st.sampled_from(["x", "http://ex.org/r", "ex:r", "_:b1", "T", "a", "2020-01-01T00:00:00Z"]),
    st.integers(-5, 5),
    st.booleans(),
    st.sampled_from([1.5, 0.25]),
)


@st.composite
def definitions(draw: st.DrawFn, depth: int = 1) -> Any:
    if draw(st.booleans()):
        return draw(st.sampled_from(IRIS))
    definition: JsonObject = {}
    if draw(st.booleans()):
        definition["@id"] = draw(st.sampled_from(IRIS))
    if draw(st.booleans()):
        definition["@type"] = draw(st.sampled_from(DATATYPES))
    if draw(st.integers(0, 4)) == 0:
        definition["@container"] = draw(st.sampled_from(CONTAINERS))
    if draw(st.integers(0, 3)) == 0:
        definition["@protected"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        definition["@prefix"] = draw(st.booleans())
    if depth and draw(st.integers(0, 2)) == 0:
        definition["@context"] = draw(inline_contexts(depth - 1))
    return definition


@st.composite
def inline_contexts(draw: st.DrawFn, depth: int = 1) -> JsonObject:
    context: JsonObject = {}
    if draw(st.integers(0, 2)) == 0:
        context["@vocab"] = draw(st.sampled_from([VOCAB, "urn:v:", "ex:", "http://ex.org/v#"]))
    if draw(st.booleans()):
        context["@protected"] = True
    if draw(st.integers(0, 5)) == 0:
        context["@language"] = draw(st.sampled_from(["en", "zh-CN"]))
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=5, unique=True)):
        context[name] = draw(definitions(depth))
    return context


@st.composite
def fuzz_nodes(draw: st.DrawFn, depth: int = 2) -> JsonObject:
    node: JsonObject = {}
    for key in draw(st.lists(st.sampled_from([*NAMES, "@id", "@type", "zz"]), max_size=4)):
        if key in ("@id", "id"):
            node[key] = draw(st.sampled_from(["http://ex.org/n1", "_:n2", "ex:n3", "urn:n4"]))
        elif key in ("@type", "type"):
            node[key] = draw(st.lists(st.sampled_from(["T", "U", "a", "ex:T"]), min_size=1))
        elif depth and draw(st.booleans()):
            node[key] = draw(st.one_of(fuzz_nodes(depth - 1), st.lists(fuzz_nodes(depth - 1))))
        elif draw(st.integers(0, 4)) == 0:
            node[key] = {"en": "hello", "zh-CN": "你好"}
        else:
            node[key] = draw(st.one_of(FUZZ_LEAVES, st.lists(FUZZ_LEAVES, max_size=2)))
    return node


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(inline_contexts(), min_size=1, max_size=2), fuzz_nodes())
def test_inline_context_fuzz_matches_pyld(contexts: list[JsonObject], node: JsonObject) -> None:
    _check({"@context": contexts, **node})
