"""The bundled JSON-LD contexts, their index, the 1+X context and the sample credentials.

A released context is never edited: its sha256 is pinned here, so an edit fails this test. A new
version of the vocabulary gets a new URL and a new file (see ``contexts/README.md``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld  # type: ignore[import-untyped]

from vc.jsonld import DocumentLoader, canonize

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
CONTEXTS = REPO / "contexts"
INDEX: dict[str, dict[str, str]] = json.loads((CONTEXTS / "index.json").read_text("utf-8"))

ONEX_V1 = "https://onex.cn/ns/1x/v1"
ONEX_NS = "https://onex.cn/ns/1x#"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STACK = [CREDENTIALS_V2, OB_3_0_3, ONEX_V1]

# Our released contexts: file → sha256 of its bytes. Never change a value here; add a new
# context (new URL, new file) instead.
RELEASED: dict[str, str] = {
    "onex-1x-v1.jsonld": "74a7d3ef4561c359657a542ea67499430754f5a1dcaa00bdf27830645b9f91e9",
}

SAMPLES = ["x-certificate.json", "diploma.json"]
NPM_SOURCE = re.compile(r"^npm:(@[a-z0-9-]+/)?[a-z0-9-]+@\d+\.\d+\.\d+/\S+$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _context_of(url: str) -> dict[str, Any]:
    context: dict[str, Any] = json.loads((CONTEXTS / INDEX[url]["file"]).read_text("utf-8"))[
        "@context"
    ]
    return context


def _sample(name: str) -> dict[str, Any]:
    sample: dict[str, Any] = json.loads((DATA / name).read_text("utf-8"))
    return sample


def _walk(value: Any) -> Iterator[Any]:
    """Every value in a JSON tree, keys included, depth first."""
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _term_names(context: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every (term, definition) of a context, scoped contexts included."""
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        yield term, definition
        if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
            yield from _term_names(definition["@context"])


def _expand(document: dict[str, Any]) -> list[Any]:
    expanded: list[Any] = jsonld.expand(
        copy.deepcopy(document), {"documentLoader": DocumentLoader.bundled(), "base": None}
    )
    return expanded


def _normalize(document: dict[str, Any]) -> str:
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": DocumentLoader.bundled(),
        "base": None,
    }
    nquads: str = jsonld.normalize(copy.deepcopy(document), options)
    return nquads


def _undefined_iris(document: dict[str, Any]) -> set[str]:
    probe = {**document, "@context": [{"@vocab": "urn:undefined:"}, *document["@context"]]}
    return {
        item
        for item in _walk(_expand(probe))
        if isinstance(item, str) and item.startswith("urn:undefined:")
    }


# (a) hashes --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", sorted(INDEX))
def test_index_sha256_matches_file(url: str) -> None:
    entry = INDEX[url]
    assert _sha256(CONTEXTS / entry["file"]) == entry["sha256"], url


@pytest.mark.parametrize(("file", "sha256"), sorted(RELEASED.items()))
def test_released_context_is_unchanged(file: str, sha256: str) -> None:
    assert _sha256(CONTEXTS / file) == sha256, f"{file} is released and must never be edited"
    [entry] = [entry for entry in INDEX.values() if entry["file"] == file]
    assert entry["sha256"] == sha256
    assert entry["source"] == "onex"


def test_every_own_context_is_pinned() -> None:
    own = {entry["file"] for entry in INDEX.values() if entry["source"] == "onex"}
    assert own == set(RELEASED)


# (b) index shape -----------------------------------------------------------------------------


def test_index_is_sorted_by_url() -> None:
    assert list(INDEX) == sorted(INDEX)


def test_every_context_file_is_indexed_once() -> None:
    files = [entry["file"] for entry in INDEX.values()]
    assert len(files) == len(set(files))
    assert {path.name for path in CONTEXTS.glob("*.jsonld")} == set(files)


@pytest.mark.parametrize("url", sorted(INDEX))
def test_index_entry_is_a_json_ld_context(url: str) -> None:
    entry = INDEX[url]
    assert set(entry) <= {"file", "sha256", "source", "note"}, url
    assert entry["source"] == "onex" or NPM_SOURCE.match(entry["source"]), entry["source"]
    document = json.loads((CONTEXTS / entry["file"]).read_text("utf-8"))
    assert isinstance(document, dict)
    assert isinstance(document.get("@context"), dict | list), url


def test_the_real_loader_serves_every_indexed_url() -> None:
    loader = DocumentLoader.bundled()
    assert set(INDEX) <= loader.urls
    for url in INDEX:
        assert loader(url)["document"] == json.loads((CONTEXTS / INDEX[url]["file"]).read_text())


# (c) the sample credentials --------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_uses_our_context_stack(name: str) -> None:
    sample = _sample(name)
    assert sample["@context"] == STACK
    assert "OpenBadgeCredential" in sample["type"]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_has_no_undefined_term(name: str) -> None:
    assert _undefined_iris(_sample(name)) == set()


def test_undefined_term_detection_can_fail() -> None:
    sample = _sample("x-certificate.json")
    sample["credentialSubject"]["favouriteColour"] = "blue"
    sample["credentialSubject"]["achievement"]["type"].append("MadeUpType")
    assert _undefined_iris(sample) == {"urn:undefined:favouriteColour", "urn:undefined:MadeUpType"}


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_canonicalizes(name: str) -> None:
    sample = _sample(name)
    nquads = _normalize(sample)
    lines = nquads.splitlines()
    assert len(lines) > 20
    assert all(line.endswith(" .") for line in lines)
    assert lines == sorted(lines)
    # the undefined-term probe changes nothing when every term is defined
    assert canonize(sample, DocumentLoader.bundled()) == nquads


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_uses_our_terms(name: str) -> None:
    nquads = _normalize(_sample(name))
    assert f"<{ONEX_NS}code>" in nquads
    assert f"<{ONEX_NS}label>" in nquads
    assert re.search(r'"[^"]+"@zh-cn \.$', nquads, re.MULTILINE)
    assert re.search(r'"[^"]+"@en \.$', nquads, re.MULTILINE)


def test_x_certificate_terms() -> None:
    nquads = _normalize(_sample("x-certificate.json"))
    assert f"<{ONEX_NS}VocationalSkillCertificate>" in nquads
    assert f'<{ONEX_NS}skillLevel> "intermediate" .' in nquads
    assert f'<{ONEX_NS}assessmentDate> "2024-06-22"^^<http://www.w3.org/2001/XMLSchema#date>' in (
        nquads
    )


def test_diploma_terms() -> None:
    nquads = _normalize(_sample("diploma.json"))
    assert f"<{ONEX_NS}EducationDiploma>" in nquads
    assert f'<{ONEX_NS}educationLevel> "higher-vocational" .' in nquads
    assert re.search(rf'<{ONEX_NS}diplomaNumber> "\d{{18}}" \.', nquads)
    assert f'<{ONEX_NS}graduationDate> "2025-06-30"^^<http://www.w3.org/2001/XMLSchema#date>' in (
        nquads
    )


def test_replaces_is_an_iri() -> None:
    document = {
        "@context": STACK,
        "id": "urn:uuid:00000000-0000-4000-8000-000000000002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "replaces": "urn:uuid:00000000-0000-4000-8000-000000000001",
    }
    nquads = _normalize(document)
    assert f"<{ONEX_NS}replaces> <urn:uuid:00000000-0000-4000-8000-000000000001> ." in nquads


@pytest.mark.parametrize("name", SAMPLES)
def test_no_node_has_two_types_with_scoped_contexts(name: str) -> None:
    """Such a node sends every credential to the slow path (PERFORMANCE-NOTES.md)."""
    sample = _sample(name)
    definitions: dict[str, Any] = {}
    for url in sample["@context"]:
        definitions.update(_context_of(url))
    for node in _walk(sample):
        if isinstance(node, dict) and "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            scoped = [t for t in types if "@context" in (definitions.get(t) or {})]
            assert len(scoped) <= 1, (name, node.get("id"), scoped)


# our context: protected, no clash with earlier contexts, no @list --------------------------------


def test_own_context_defines_only_onex_iris() -> None:
    context = _context_of(ONEX_V1)
    assert context["@protected"] is True
    for term, definition in _term_names(context):
        if term in ("id", "type"):
            continue
        assert isinstance(definition, dict), term
        assert definition["@id"].startswith(ONEX_NS), term
        assert "@context" not in definition, f"{term} must not carry a scoped context"


def test_own_context_has_no_list_container() -> None:  # (d)
    assert not any(item == "@list" for item in _walk(_context_of(ONEX_V1)))


@pytest.mark.parametrize(
    "url", [CREDENTIALS_V2, OB_3_0_3, "https://www.w3.org/ns/credentials/status/v1"]
)
def test_own_terms_are_not_defined_by_earlier_contexts(url: str) -> None:
    """Not at the top, nor in a type-scoped context: either would be a protected-term clash."""
    ours = {term for term, _ in _term_names(_context_of(ONEX_V1))} - {"id", "type"}
    theirs = {term for term, _ in _term_names(_context_of(url))}
    assert ours & theirs == set()


@pytest.mark.parametrize(
    "type_name",
    sorted(
        term
        for url in (CREDENTIALS_V2, OB_3_0_3)
        for term, definition in _context_of(url).items()
        if term[:1].isupper() and isinstance(definition, dict) and "@context" in definition
    ),
)
def test_every_type_scoped_context_works_with_ours(type_name: str) -> None:
    document = {
        "@context": STACK,
        "id": "urn:uuid:00000000-0000-4000-8000-000000000003",
        "type": type_name,
        "skillLevel": "senior",
    }
    [node] = _expand(document)
    assert node[f"{ONEX_NS}skillLevel"] == [{"@value": "senior"}]


@pytest.mark.parametrize("term", ["skillLevel", "label", "VocationalSkillCertificate"])
def test_own_terms_are_protected(term: str) -> None:
    document = {
        "@context": [*STACK, {term: "http://example.org/redefined"}],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000004",
    }
    with pytest.raises(jsonld.JsonLdError) as caught:
        _expand(document)
    assert caught.value.code == "protected term redefinition"


def test_redefining_an_earlier_protected_term_raises() -> None:
    """What would happen had our context redefined a term of OB 3.0.3 (here: ``name``)."""
    document = {
        "@context": [
            *STACK,
            {"name": {"@id": f"{ONEX_NS}name", "@container": "@language"}},
        ],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000005",
    }
    with pytest.raises(jsonld.JsonLdError) as caught:
        _expand(document)
    assert caught.value.code == "protected term redefinition"
