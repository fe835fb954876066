"""RDFC-1.0 on a blank node that points to itself: pyld 3.3 counted such a quad twice for that
node, giving other labels than the reference implementation (rdf-canonize) and pyoxigraph. Our
pyld path is corrected; both paths must agree with pyoxigraph's independent canonicalization."""

from __future__ import annotations

from typing import Any

import pyoxigraph
import pytest

from vc.jsonld import DocumentLoader, canonize, canonize_pyld

EX = "http://example.org/"
CONTEXT = {
    "knows": {"@id": EX + "knows", "@type": "@id"},
    "name": EX + "name",
    "Person": EX + "Person",
    "p": {"@id": EX + "p", "@type": "@id"},
    "q": {"@id": EX + "q", "@type": "@id"},
    "n": EX + "n",
}

DOCUMENTS: list[dict[str, Any]] = [
    # found by a random search: pyld 3.3 alone labels this one differently
    {
        "@context": CONTEXT,
        "@graph": [
            {"@id": "_:b0", "n": "a", "p": "_:b0", "q": "_:b1"},
            {"@id": "_:b1", "n": "b"},
        ],
    },
    {"@context": CONTEXT, "@id": "_:a", "@type": "Person", "knows": "_:a", "name": "自己"},
    {
        "@context": CONTEXT,
        "@graph": [
            {"@id": "_:a", "knows": ["_:a", "_:b"], "name": "A"},
            {"@id": "_:b", "knows": ["_:b", "_:a"], "name": "A"},
            {"@id": "_:c", "knows": "_:c", "name": "A"},
        ],
    },
]


def _oxigraph(nquads: str, algorithm: Any) -> str:
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(algorithm)
    lines = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return "".join(sorted(line + "\n" for line in lines.splitlines() if line))


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize(
    ("hash_name", "algorithm"),
    [
        ("sha256", pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0),
        ("sha384", pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0_SHA_384),
    ],
)
def test_self_reference_labels_match_an_independent_implementation(
    document: dict[str, Any], hash_name: str, algorithm: Any
) -> None:
    loader = DocumentLoader.bundled()
    ours = canonize_pyld(document, loader, hash_name=hash_name)
    assert ours == _oxigraph(ours, algorithm)
    assert canonize(document, loader, hash_name=hash_name) == ours
