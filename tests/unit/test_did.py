"""did:key, did:web, DID documents and the resolver (offline: StaticTransport, no network)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwcrypto.jwk import JWK

from tests.paths import vectors_dir
from vc import problems
from vc.did import VerificationMethod
from vc.did.key import did_key, did_key_document, did_key_verification_method
from vc.did.resolver import DIDResolver, HttpTransport, StaticTransport
from vc.did.web import (
    KeyRecord,
    build_did_web_document,
    did_web_from_url,
    did_web_to_url,
    parse_did_document,
)
from vc.errors import DIDResolutionError, UndefinedTermError
from vc.jsonld import DocumentLoader, canonize
from vc.keys import ALGORITHMS, Algorithm, KeyPair, PublicKey

DOC_ERROR = problems.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT
DOC_ID_ERROR = problems.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID
ORG = "did:web:example.com:orgs:abc"
ORG_URL = "https://example.com/orgs/abc/did.json"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2025, 6, 1, tzinfo=UTC)


def _key(algorithm: Algorithm = "Ed25519", seed: int = 1) -> KeyPair:
    size = 48 if algorithm == "P-384" else 32
    return KeyPair.from_secret_bytes(algorithm, seed.to_bytes(size, "big"))


# --- did:key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_did_key_round_trip(algorithm: Algorithm) -> None:
    public = KeyPair.generate(algorithm).public
    resolver = DIDResolver()
    method = resolver(did_key_verification_method(public))
    assert method.public_key == public
    assert method.controller == did_key(public)
    document = resolver.resolve(did_key(public))
    parsed = parse_did_document(document, did_key(public))
    assert parsed[method.id].public_key == public
    assert "assertionMethod" in parsed[method.id].relationships


VECTOR_KEYS = [
    ("eddsa", "keyPair.json", "privateKeyMultibase", "Ed25519", "z6Mk"),
    ("ecdsa", "p256KeyPair.json", "secretKeyMultibase", "P-256", "zDna"),
    ("ecdsa", "p384KeyPair.json", "secretKeyMultibase", "P-384", "z82L"),
]


@pytest.mark.vectors
@pytest.mark.parametrize(("folder", "name", "secret_name", "algorithm", "prefix"), VECTOR_KEYS)
def test_did_key_w3c_vector_keys(
    folder: str, name: str, secret_name: str, algorithm: str, prefix: str
) -> None:
    data = json.loads((vectors_dir(folder) / name).read_text())
    pair = KeyPair.from_multibase(data[secret_name])
    assert pair.public.multibase == data["publicKeyMultibase"]
    assert pair.algorithm == algorithm
    did = did_key(pair.public)
    assert did == "did:key:" + data["publicKeyMultibase"]
    assert did.startswith("did:key:" + prefix)
    method = DIDResolver()(f"{did}#{data['publicKeyMultibase']}")
    assert method.public_key == PublicKey.from_multibase(data["publicKeyMultibase"])


@given(seed=st.binary(min_size=32, max_size=32))
def test_did_key_ed25519_property(seed: bytes) -> None:
    public = KeyPair.from_secret_bytes("Ed25519", seed).public
    assert DIDResolver()(did_key_verification_method(public)).public_key == public


@given(scalar=st.integers(min_value=1, max_value=2**255))
def test_did_key_p256_property(scalar: int) -> None:
    public = KeyPair.from_secret_bytes("P-256", scalar.to_bytes(32, "big")).public
    document = did_key_document(did_key(public))
    methods = parse_did_document(document, did_key(public))
    assert [m.public_key for m in methods.values()] == [public]


@pytest.mark.parametrize(
    "url",
    [
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no fragment
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other",
        "did:key:zNotAKey#zNotAKey",
        "did:example:123#key-1",
        "not-a-did#x",
        "did:web:example.com/path#key-1",
    ],
)
def test_unresolvable_urls(url: str) -> None:
    with pytest.raises(DIDResolutionError):
        DIDResolver()(url)


# --- did:web URLs ----------------------------------------------------------------------------

DID_URLS = [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ("did:web:example.com:orgs:abc", "https://example.com/orgs/abc/did.json"),
    ("did:web:xn--fiqs8s.cn:orgs:a_b-c.d", "https://xn--fiqs8s.cn/orgs/a_b-c.d/did.json"),
    ("did:web:localhost%3A8000", "https://localhost:8000/.well-known/did.json"),
]


@pytest.mark.parametrize(("did", "url"), DID_URLS)
def test_did_web_to_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_did_web_port_percent_encoding_is_case_insensitive() -> None:
    assert (
        did_web_to_url("did:web:example.com%3a3000")
        == "https://example.com:3000/.well-known/did.json"
    )


FROM_URLS = [
    ("https://example.com", None, "did:web:example.com"),
    ("https://example.com/", "", "did:web:example.com"),
    ("https://Example.COM:443", None, "did:web:example.com"),
    ("https://example.com:3000", "orgs/abc", "did:web:example.com%3A3000:orgs:abc"),
    ("https://example.com/orgs/", "/abc/", "did:web:example.com:orgs:abc"),
    ("https://w3c-ccg.github.io/user/alice", None, "did:web:w3c-ccg.github.io:user:alice"),
]


@pytest.mark.parametrize(("base", "path", "did"), FROM_URLS)
def test_did_web_from_url(base: str, path: str | None, did: str) -> None:
    assert did_web_from_url(base, path) == did


def test_did_web_http_only_for_development_hosts() -> None:
    did = did_web_from_url("http://localhost:8000", "orgs/a", allow_http=True)
    assert did == "did:web:localhost%3A8000:orgs:a"
    assert did_web_to_url(did, allow_http=True) == "http://localhost:8000/orgs/a/did.json"
    assert did_web_to_url(did) == "https://localhost:8000/orgs/a/did.json"
    local = did_web_from_url("http://127.0.0.1:8000", allow_http=True)
    assert did_web_to_url(local, allow_http=True) == "http://127.0.0.1:8000/.well-known/did.json"
    with pytest.raises(DIDResolutionError, match="IP address"):
        did_web_to_url(local)
    with pytest.raises(DIDResolutionError, match="https"):
        did_web_from_url("http://localhost:8000")
    with pytest.raises(DIDResolutionError, match="https"):
        did_web_from_url("http://example.com", allow_http=True)


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:web:",
        "did:web:example.com:",
        "did:web:example.com::a",
        "did:web:exa_mple.com",
        "did:web:Example.com",
        "did:web:-bad.com",
        "did:web:127.0.0.1",
        "did:web:10.0.0.1",
        "did:web:2130706433",
        "did:web:[::1]",
        "did:web:example.com%3A0",
        "did:web:example.com%3A99999",
        "did:web:example.com%3Aabc",
        "did:web:example.com%2F",
        "did:web:example.com:..",
        "did:web:example.com:%2e%2e",
        "did:web:example.com:a%2Fb",
        "did:web:example.com:a%5Cb",
        "did:web:example.com:a b",
        "did:web:example.com#key-1",
        "did:web:example.com/path",
        "did:web:example.com?service=x",
    ],
)
def test_invalid_did_web(did: str) -> None:
    with pytest.raises(DIDResolutionError) as info:
        did_web_to_url(did)
    assert info.value.problem_type == DOC_ID_ERROR


@pytest.mark.parametrize(
    "base",
    [
        "ftp://example.com",
        "http://example.com",
        "https://user@example.com",
        "https://example.com?x=1",
        "https://example.com#f",
        "https://exa mple.com",
        "https://example.com:0",
        "https://example.com:99999",
        "https://10.1.2.3",
        "https://example.com/a//b",
        "https://example.com/../b",
    ],
)
def test_invalid_base_url(base: str) -> None:
    with pytest.raises(DIDResolutionError):
        did_web_from_url(base)


_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_segment = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,8}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)


@given(
    labels=st.lists(_label, min_size=1, max_size=3),
    tld=st.from_regex(r"[a-z]{2,6}", fullmatch=True),
    port=st.none() | st.integers(min_value=1, max_value=65535).filter(lambda p: p != 443),
    segments=st.lists(_segment, max_size=4),
)
def test_did_web_url_round_trip(
    labels: list[str], tld: str, port: int | None, segments: list[str]
) -> None:
    host = ".".join([*labels, tld])
    base = f"https://{host}" + ("" if port is None else f":{port}")
    did = did_web_from_url(base, "/".join(segments))
    url = did_web_to_url(did)
    path = "/".join(segments) + "/did.json" if segments else ".well-known/did.json"
    assert url == f"{base}/{path}"
    assert did_web_from_url(url.removesuffix("did.json").removesuffix(".well-known/")) == did


# --- did:web documents from a key history ----------------------------------------------------


def _history() -> tuple[KeyPair, KeyPair, list[KeyRecord]]:
    old, new = _key("Ed25519", 1), _key("P-256", 2)
    records = [
        KeyRecord("key-1", old.public, active_from=T0, retired_at=T1),
        KeyRecord("key-2", new.public, active_from=T1),
    ]
    return old, new, records


def test_document_lists_active_and_retired_keys() -> None:
    old, new, records = _history()
    document = build_did_web_document(ORG, records)
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["id"] == ORG
    assert [vm["id"] for vm in document["verificationMethod"]] == [f"{ORG}#key-2", f"{ORG}#key-1"]
    assert document["assertionMethod"] == [f"{ORG}#key-2", f"{ORG}#key-1"]
    assert document["authentication"] == [f"{ORG}#key-2", f"{ORG}#key-1"]
    assert set(document) == {
        "@context",
        "id",
        "verificationMethod",
        "assertionMethod",
        "authentication",
    }
    for vm in document["verificationMethod"]:
        assert set(vm) == {"id", "type", "controller", "publicKeyMultibase"}
        assert vm["type"] == "Multikey" and vm["controller"] == ORG
    resolver = DIDResolver(documents={ORG: document})
    for fragment, pair in (("key-1", old), ("key-2", new)):
        method = resolver(f"{ORG}#{fragment}")
        assert method.public_key == pair.public
        assert method.relationships == {"assertionMethod", "authentication"}
        assert method.controller == ORG


def test_document_uses_only_terms_the_contexts_define() -> None:
    loader = DocumentLoader.bundled()
    canonize(build_did_web_document(ORG, _history()[2]), loader)
    with_custom_term = build_did_web_document(ORG, _history()[2])
    with_custom_term["verificationMethod"][1]["retiredAt"] = "2025-06-01T00:00:00Z"
    with pytest.raises(UndefinedTermError):
        canonize(with_custom_term, loader)


def test_document_relationships_follow_the_records() -> None:
    only_assert = KeyRecord(
        "sign", _key().public, active_from=T0, relationships=frozenset({"assertionMethod"})
    )
    document = build_did_web_document(ORG, [only_assert])
    assert "authentication" not in document
    method = parse_did_document(document, ORG)[f"{ORG}#sign"]
    assert method.relationships == {"assertionMethod"}


def test_key_record_active_at() -> None:
    retired = _history()[2][0]
    assert retired.active_at(datetime(2024, 6, 1, tzinfo=UTC))
    assert not retired.active_at(T1)
    assert not retired.active_at(datetime(2023, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fragment": "#key-1"},
        {"fragment": "key 1"},
        {"active_from": datetime(2024, 1, 1)},
        {"retired_at": datetime(2025, 1, 1)},
        {"retired_at": datetime(2023, 1, 1, tzinfo=UTC)},
        {"relationships": frozenset({"keyAgreement"})},
        {"relationships": frozenset()},
    ],
)
def test_invalid_key_record(kwargs: dict[str, Any]) -> None:
    values: dict[str, Any] = {"fragment": "key-1", "public_key": _key().public, "active_from": T0}
    with pytest.raises(ValueError):
        KeyRecord(**{**values, **kwargs})


def test_duplicate_fragments_refused() -> None:
    record = KeyRecord("key-1", _key().public, active_from=T0)
    with pytest.raises(ValueError, match="key-1"):
        build_did_web_document(ORG, [record, record])
    with pytest.raises(DIDResolutionError):
        build_did_web_document("did:web:example.com#x", [record])


# --- parsing documents -----------------------------------------------------------------------


def _jwk(pair: KeyPair) -> dict[str, Any]:
    exported: dict[str, Any] = JWK.from_pyca(pair.public.key_object).export_public(as_dict=True)
    return exported


def test_parse_relative_ids_embedded_methods_and_jwk_types() -> None:
    ed, p256, p384 = _key("Ed25519", 3), _key("P-256", 4), _key("P-384", 5)
    p384_jwk = _jwk(p384)
    document = {
        "id": ORG,
        "verificationMethod": [
            {"id": "#jwk-ed", "type": "JsonWebKey", "controller": ORG, "publicKeyJwk": _jwk(ed)},
            {
                "id": f"{ORG}#jwk-p256",
                "type": "JsonWebKey2020",
                "controller": ORG,
                "publicKeyJwk": {**_jwk(p256), "alg": "ES256"},
            },
            {
                "id": "#ed2020",
                "type": "Ed25519VerificationKey2020",
                "controller": ORG,
                "publicKeyMultibase": ed.public.multibase,
            },
        ],
        "assertionMethod": ["#jwk-ed", f"{ORG}#jwk-p256", "did:web:other.example#key-1"],
        "authentication": [
            {
                "id": "#jwk-p384",
                "type": "JsonWebKey",
                "controller": ORG,
                "publicKeyJwk": p384_jwk,
            },
            "#ed2020",
        ],
    }
    methods = parse_did_document(document, ORG)
    expected = {
        "jwk-ed": (ed, {"assertionMethod"}),
        "jwk-p256": (p256, {"assertionMethod"}),
        "ed2020": (ed, {"authentication"}),
        "jwk-p384": (p384, {"authentication"}),
    }
    assert set(methods) == {f"{ORG}#{fragment}" for fragment in expected}
    for fragment, (pair, relationships) in expected.items():
        method = methods[f"{ORG}#{fragment}"]
        assert method.public_key == pair.public
        assert method.relationships == relationships
    resolver = DIDResolver(documents={ORG: document})
    assert resolver.dereference(f"{ORG}#jwk-p384")["publicKeyJwk"] == p384_jwk


def _valid_document() -> dict[str, Any]:
    return build_did_web_document(ORG, _history()[2])


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``document[a][0][b]`` style paths (``a.0.b``)."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


def _append_duplicate(document: dict[str, Any]) -> None:
    document["verificationMethod"].append(dict(document["verificationMethod"][0]))


P256_MB = _key("P-256", 9).public.multibase
INVALID_DOCUMENTS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("other id", _set("id", "did:web:evil.example"), DOC_ID_ERROR, "does not match"),
    ("no id", _delete("id"), DOC_ID_ERROR, "does not match"),
    ("vm not array", _set("verificationMethod", {}), DOC_ERROR, "verificationMethod must"),
    ("vm not object", _set("verificationMethod.0", "x"), DOC_ERROR, "verificationMethod[0]"),
    ("no type", _delete("verificationMethod.0.type"), DOC_ERROR, "verificationMethod[0].type"),
    ("odd type", _set("verificationMethod.0.type", "Foo"), DOC_ERROR, '"Foo" is not one of'),
    (
        "bad multibase",
        _set("verificationMethod.0.publicKeyMultibase", "zzzz"),
        DOC_ERROR,
        "verificationMethod[0].publicKeyMultibase",
    ),
    (
        "both key forms",
        _set("verificationMethod.0.publicKeyJwk", {"kty": "OKP"}),
        DOC_ERROR,
        "publicKeyJwk",
    ),
    (
        "other DID's vm",
        _set("verificationMethod.0.id", "did:web:evil.example#key-2"),
        DOC_ERROR,
        "not a fragment of",
    ),
    (
        "relative id",
        _set("verificationMethod.0.id", "key-2"),
        DOC_ERROR,
        "verificationMethod[0].id",
    ),
    (
        "controller",
        _set("verificationMethod.0.controller", "did:web:evil.example"),
        DOC_ERROR,
        "verificationMethod[0].controller",
    ),
    ("duplicate", _append_duplicate, DOC_ERROR, "duplicate"),
    ("dangling", _set("assertionMethod.0", "#key-9"), DOC_ERROR, "assertionMethod[0] references"),
    ("not array", _set("authentication", "#key-1"), DOC_ERROR, "authentication must be an array"),
    ("number", _set("assertionMethod.1", 7), DOC_ERROR, "assertionMethod[1] must be"),
    (
        "secret",
        _set("verificationMethod.1.secretKeyMultibase", "z3u2"),
        DOC_ERROR,
        "secretKeyMultibase",
    ),
    (
        "ed2020 with P-256",
        lambda d: d["verificationMethod"][1].update(
            type="Ed25519VerificationKey2020", publicKeyMultibase=P256_MB
        ),
        DOC_ERROR,
        "holds a P-256 key",
    ),
    (
        "embedded conflict",
        lambda d: d["authentication"].append(
            {**d["verificationMethod"][0], "publicKeyMultibase": P256_MB}
        ),
        DOC_ERROR,
        "redefines",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "problem_type", "fragment"),
    [pytest.param(m, p, f, id=name) for name, m, p, f in INVALID_DOCUMENTS],
)
def test_invalid_documents_rejected(
    mutate: Callable[[dict[str, Any]], None], problem_type: str, fragment: str
) -> None:
    document = _valid_document()
    parse_did_document(copy.deepcopy(document), ORG)  # the unmodified document is fine
    mutate(document)
    with pytest.raises(DIDResolutionError) as info:
        parse_did_document(document, ORG)
    assert info.value.problem_type == problem_type
    assert fragment in info.value.message


JWK_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("private d", lambda j: j.update(d="AAAA"), "publicKeyJwk.d"),
    ("unknown curve", lambda j: j.update(crv="X25519"), "not supported"),
    ("RSA", lambda j: j.update(kty="RSA"), "not supported"),
    ("short x", lambda j: j.update(x="AAAA"), "32 bytes"),
    ("padded x", lambda j: j.update(x=j["x"] + "="), "base64url"),
    ("wrong alg", lambda j: j.update(alg="ES256"), "EdDSA"),
    ("not object", lambda j: j.clear(), "not supported"),
]


@pytest.mark.parametrize(
    ("mutate", "fragment"), [pytest.param(m, f, id=name) for name, m, f in JWK_CASES]
)
def test_invalid_jwk_rejected(mutate: Callable[[dict[str, Any]], None], fragment: str) -> None:
    jwk = _jwk(_key())
    mutate(jwk)
    vm = {"id": "#k", "type": "JsonWebKey", "controller": ORG, "publicKeyJwk": jwk}
    with pytest.raises(DIDResolutionError) as info:
        parse_did_document({"id": ORG, "verificationMethod": [vm]}, ORG)
    assert fragment in info.value.message
    assert info.value.problem_type == DOC_ERROR


def test_invalid_ec_point_rejected() -> None:
    jwk = _jwk(_key("P-256"))
    jwk["y"] = jwk["x"]  # (x, x) is not on the curve
    vm = {"id": "#k", "type": "JsonWebKey", "controller": ORG, "publicKeyJwk": jwk}
    with pytest.raises(DIDResolutionError, match="publicKeyJwk"):
        parse_did_document({"id": ORG, "verificationMethod": [vm]}, ORG)


# --- the resolver and its transports ---------------------------------------------------------


def _served(document: dict[str, Any]) -> StaticTransport:
    return StaticTransport({ORG_URL: json.dumps(document).encode()})


def test_resolver_fetches_through_the_transport_once() -> None:
    old, _, records = _history()
    transport = _served(build_did_web_document(ORG, records))
    resolver = DIDResolver(transport, allowed_hosts={"example.com"})
    assert resolver(f"{ORG}#key-1").public_key == old.public
    assert resolver.resolve(ORG)["id"] == ORG
    assert resolver(f"{ORG}#key-2").controller == ORG
    assert transport.requested == [ORG_URL]


def test_resolver_returns_copies() -> None:
    resolver = DIDResolver(documents={ORG: _valid_document()})
    resolver.resolve(ORG)["verificationMethod"].clear()
    assert len(resolver.resolve(ORG)["verificationMethod"]) == 2


def test_resolver_sees_a_replaced_preloaded_document() -> None:
    documents = {ORG: _valid_document()}
    resolver = DIDResolver(documents=documents)
    resolver(f"{ORG}#key-1")
    rotated = build_did_web_document(ORG, [KeyRecord("key-3", _key("Ed25519", 7).public, T1)])
    documents[ORG] = rotated
    assert resolver(f"{ORG}#key-3").public_key == _key("Ed25519", 7).public
    with pytest.raises(DIDResolutionError, match="key-3"):
        resolver(f"{ORG}#key-1")


def test_resolver_size_limit() -> None:
    document = _valid_document()
    document["service"] = [{"id": "#s", "type": "X", "serviceEndpoint": "x" * 2000}]
    transport = _served(document)
    with pytest.raises(DIDResolutionError, match="limit 1024"):
        DIDResolver(transport, max_bytes=1024)(f"{ORG}#key-1")
    with pytest.raises(DIDResolutionError, match="limit 1024"):
        transport.get(ORG_URL, timeout=1.0, max_bytes=1024)


def test_resolver_refuses_hosts_not_allowed() -> None:
    transport = _served(_valid_document())
    resolver = DIDResolver(transport, allowed_hosts={"example.org", "example.com:8443"})
    with pytest.raises(DIDResolutionError, match="not in the allowed hosts"):
        resolver(f"{ORG}#key-1")
    assert transport.requested == []


def test_resolver_offline_without_transport() -> None:
    with pytest.raises(DIDResolutionError, match="no transport"):
        DIDResolver()(f"{ORG}#key-1")


@pytest.mark.parametrize(
    ("body", "problem_type"),
    [
        (b"not json", DOC_ERROR),
        (b"[]", DOC_ERROR),
        (b"\xff\xfe", DOC_ERROR),
        (b"[" * 100_000, DOC_ERROR),
        (json.dumps({"id": "did:web:example.com"}).encode(), DOC_ID_ERROR),
    ],
)
def test_resolver_rejects_bad_bodies(body: bytes, problem_type: str) -> None:
    resolver = DIDResolver(StaticTransport({ORG_URL: body}))
    with pytest.raises(DIDResolutionError) as info:
        resolver(f"{ORG}#key-1")
    assert info.value.problem_type == problem_type


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (ORG, "names no verification method"),
        (f"{ORG}#", "names no verification method"),
        (f"{ORG}#key-9", "is not in the DID document"),
        ("did:example:123#k", "not supported"),
        (f"{ORG}?versionId=1#key-1", "queries"),
    ],
)
def test_resolver_dereferencing_errors(url: str, message: str) -> None:
    resolver = DIDResolver(documents={ORG: _valid_document()})
    with pytest.raises(DIDResolutionError, match=message):
        resolver(url)


def test_resolve_takes_a_did_not_a_did_url() -> None:
    with pytest.raises(DIDResolutionError, match="resolve"):
        DIDResolver(documents={ORG: _valid_document()}).resolve(f"{ORG}#key-1")


def test_resolver_is_a_verification_method_resolver() -> None:
    def use(resolve: Callable[[str], VerificationMethod]) -> str:
        return resolve(f"{ORG}#key-2").type

    assert use(DIDResolver(documents={ORG: _valid_document()})) == "Multikey"


def test_dereference_feeds_the_document_loader() -> None:
    resolver = DIDResolver(documents={ORG: _valid_document()})
    loader = DocumentLoader.bundled(resolver.dereference)
    remote = loader(f"{ORG}#key-1")
    assert remote["document"]["id"] == f"{ORG}#key-1"
    assert remote["document"]["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert loader(ORG)["document"]["id"] == ORG


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/.well-known/did.json",
        "file:///etc/passwd",
        "ftp://example.com/did.json",
        "https://user:pw@example.com/did.json",
    ],
)
def test_http_transport_refuses_before_connecting(url: str) -> None:
    with pytest.raises(DIDResolutionError, match="refusing"):
        HttpTransport().get(url, timeout=0.5, max_bytes=1024)


# HttpTransport against a server on the loopback interface (in process; nothing leaves the host).


Routes = dict[str, tuple[int, dict[str, str], bytes]]


def _handler(routes: Routes) -> type[BaseHTTPRequestHandler]:
    """Serves ``routes``: path → (status, headers, body); no Content-Length if headers say close."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if headers.get("Connection") != "close":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[str]:
    routes: Routes = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    port = httpd.server_address[1]
    document = build_did_web_document(f"did:web:127.0.0.1%3A{port}:ok", _history()[2])
    routes |= {
        "/ok/did.json": (200, {}, json.dumps(document).encode()),
        "/big": (200, {}, b"x" * 5000),
        "/big-unannounced": (200, {"Connection": "close"}, b"x" * 5000),
        "/same": (302, {"Location": "/ok/did.json"}, b""),
        "/other": (302, {"Location": f"http://localhost:{port}/ok/did.json"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
    }
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _http() -> HttpTransport:
    return HttpTransport(allow_http_hosts={"127.0.0.1"})


def test_http_transport_fetches_and_follows_same_host_redirects(server: str) -> None:
    body = _http().get(f"{server}/same", timeout=2.0, max_bytes=4096)
    assert json.loads(body)["id"].startswith("did:web:127.0.0.1%3A")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/other", "another host"),
        ("/big", "Content-Length 5000 exceeds"),
        ("/big-unannounced", "exceeds the limit of 4096"),
        ("/missing", "HTTP 404"),
        ("/loop", "HTTP 302"),
    ],
)
def test_http_transport_refusals(server: str, path: str, message: str) -> None:
    with pytest.raises(DIDResolutionError, match=message):
        _http().get(server + path, timeout=2.0, max_bytes=4096)


def test_http_transport_refuses_http_for_other_hosts(server: str) -> None:
    with pytest.raises(DIDResolutionError, match="only https"):
        HttpTransport().get(f"{server}/ok/did.json", timeout=2.0, max_bytes=4096)


def test_resolver_over_http_in_development(server: str) -> None:
    netloc = server.removeprefix("http://")
    did = f"did:web:{netloc.replace(':', '%3A')}:ok"
    resolver = DIDResolver(_http(), allow_http=True, allowed_hosts={netloc})
    assert resolver(f"{did}#key-1").public_key == _history()[0].public
