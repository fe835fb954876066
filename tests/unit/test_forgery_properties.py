"""Forgery properties: once signed, ANY change to a credential must stop it verifying.

The X certificate and the diploma are signed once (Ed25519 with eddsa-rdfc-2022, P-256 with
ecdsa-rdfc-2019; the issuer is the signer's did:key). Hypothesis then changes them — a leaf
value, a removed or added key, the proof options, the proofValue, the ``@context`` list, and
tricks that make JSON-LD drop data silently — and ``verify_document`` must return a report
that is not verified, never raise.

Changes that are semantically neutral in RDF (the signed data) are excluded where they are
generated, each with the reason, and pinned in ``test_neutral_changes_still_verify``.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.paths import DATA
from vc.cryptosuites import ALL_SUITES, ECDSA_RDFC_2019, EDDSA_RDFC_2022, Cryptosuite
from vc.data_integrity import ProofOptions, add_proof
from vc.did.key import did_key, did_key_verification_method, resolve_did_key
from vc.jsonld import DocumentLoader, canonize
from vc.keys import KeyPair
from vc.multibase import decode_base58btc, encode_base58btc
from vc.report import VerificationReport
from vc.verify import VerifyOptions, verify_document

Path_ = tuple[str | int, ...]
Json = Any

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CREATED = "2025-07-01T08:00:00Z"
LOADER = DocumentLoader.bundled()
OPTIONS = VerifyOptions(resolver=resolve_did_key, loader=LOADER, now=NOW)

SIGNERS: dict[str, tuple[KeyPair, Cryptosuite]] = {
    "Ed25519": (KeyPair.from_secret_bytes("Ed25519", bytes(range(1, 33))), EDDSA_RDFC_2022),
    "P-256": (KeyPair.from_secret_bytes("P-256", bytes(range(33, 65))), ECDSA_RDFC_2019),
}
OTHER_KEYS = [
    KeyPair.from_secret_bytes("Ed25519", bytes(range(65, 97))),
    KeyPair.from_secret_bytes("P-256", bytes(range(97, 129))),
]
SAMPLES = ("x-certificate.json", "diploma.json")
CASES = [(sample, algorithm) for sample in SAMPLES for algorithm in SIGNERS]
CASE_IDS = [f"{sample}:{algorithm}" for sample, algorithm in CASES]

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
CJK = "证书中级高级初级职业技能等级考核站点学院華為毕业伪造한글かな"
KEYWORDS = {
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
}
# Terms the bundled contexts define (somewhere); added where they are not, they add triples.
DEFINED_TERMS = [
    "description",
    "name",
    "narrative",
    "licenseNumber",
    "code",
    "skillLevel",
    "creditsEarned",
    "achievementType",
    "fieldOfStudy",
    "graduationDate",
    "diplomaNumber",
    "replaces",
    "url",
    "image",
    "validUntil",
    "alignment",
    "evidence",
    "type",
]

TRIED: Counter[str] = Counter()
"""Mutations tried, by kind; ``test_mutations_were_tried`` checks and prints them."""
NEUTRAL: Counter[str] = Counter()
"""Generated changes skipped as semantically neutral, by kind."""
FLOOR = 300
"""At least this many mutations of each kind whose test ran."""

PROPERTY_SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- the signed credentials -------------------------------------------------------------------


def _unsigned(sample: str, key: KeyPair) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / sample).read_text(encoding="utf-8"))
    document["issuer"]["id"] = did_key(key.public)
    return document


def _sign(document: dict[str, Any], key: KeyPair, suite: Cryptosuite) -> dict[str, Any]:
    options = ProofOptions(did_key_verification_method(key.public), created=CREATED)
    return add_proof(document, suite=suite, key=key, options=options, loader=LOADER)


@pytest.fixture(scope="module")
def signed() -> dict[tuple[str, str], dict[str, Any]]:
    """Each sample signed with each key, checked to verify before anything is changed."""
    documents = {}
    for sample, algorithm in CASES:
        key, suite = SIGNERS[algorithm]
        document = _sign(_unsigned(sample, key), key, suite)
        report = verify_document(document, OPTIONS)
        assert report.verified, report.to_json()
        documents[sample, algorithm] = document
    return documents


# --- the JSON tree ----------------------------------------------------------------------------


def _walk(value: Json, path: Path_ = ()) -> Iterator[tuple[Path_, Json]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            if path or key not in ("proof", "@context"):  # content only
                yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _get(document: Json, path: Path_) -> Json:
    for step in path:
        document = document[step]
    return document


def _set(document: Json, path: Path_, value: Json) -> None:
    _get(document, path[:-1])[path[-1]] = value


def _delete(document: Json, path: Path_) -> None:
    del _get(document, path[:-1])[path[-1]]


def _leaves(document: Json) -> list[Path_]:
    return [p for p, v in _walk(document) if isinstance(v, str | int | float) and p]


def _objects(document: Json) -> list[Path_]:
    return [p for p, v in _walk(document) if isinstance(v, dict)]


def _keys(document: Json) -> list[Path_]:
    return [p for p, _ in _walk(document) if p and isinstance(p[-1], str)]


def _items(document: Json) -> list[Path_]:
    return [p for p, _ in _walk(document) if p and isinstance(p[-1], int)]


def _node_objects(document: Json) -> list[Path_]:
    """Objects that are nodes: not value objects and not language maps."""
    found = []
    for path, value in _walk(document):
        if isinstance(value, dict) and "@value" not in value and (not path or path[-1] != "label"):
            found.append(path)
    return found


# --- checking ---------------------------------------------------------------------------------


def assert_rejected(document: Json, kind: str, what: str) -> VerificationReport:
    """The changed document must be reported as not verified, with a reason, never raise."""
    TRIED[kind] += 1
    document = json.loads(json.dumps(document, ensure_ascii=False))  # real JSON only
    report = verify_document(document, OPTIONS)
    assert isinstance(report, VerificationReport)
    assert not report.verified, f"FORGERY: {kind} still verifies: {what}"
    assert report.problems, report.to_json()
    return report


def _rdf(document: dict[str, Any]) -> str | None:
    """Canonical N-Quads of the document without its proof (None when it cannot be made)."""
    try:
        return canonize({k: v for k, v in document.items() if k != "proof"}, LOADER)
    except Exception:  # noqa: BLE001 - a document that does not canonize is not neutral
        return None


def _number_lexical(value: int | float) -> str:
    """How JSON-LD writes a JSON number into RDF (JSON-LD 1.1 §8.6, as pyld does).

    Integers (and integral floats below 10^21) as digits; anything else as a canonical
    xsd:double with 16 significant digits. Two numbers with the same form are the same RDF.
    """
    try:
        number = float(value)
    except OverflowError:  # beyond a double: pyld cannot convert it either (an error)
        return f"overflow {value}"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(value))
    mantissa, exponent = f"{number:1.15E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.') or '0'}E{int(exponent)}"


# --- strategies -------------------------------------------------------------------------------

cases = st.sampled_from(CASES)
texts = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=CJK, min_size=1, max_size=12),
    st.text(alphabet="0123456789-:#/.", min_size=1, max_size=20),
)
numbers = st.one_of(
    st.integers(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1000, max_value=1000, allow_nan=False),
)
undefined_names = st.from_regex(r"[a-z][A-Za-z0-9]{0,15}", fullmatch=True)
# Values for an added key. Not null and not []: JSON-LD reads null and an empty array as "no
# value" (no triple), so `"x": null` is the same signed data — a neutral change, pinned below.
added_values = st.one_of(
    texts,
    numbers,
    st.booleans(),
    st.just({}),
    st.builds(lambda t: {"type": t}, st.sampled_from(["Profile", "Achievement", "Nope"])),
    st.lists(texts, min_size=1, max_size=3),
)


def near_strings(old: str) -> st.SearchStrategy[str]:
    """Strings unlike ``old`` and strings nearly like it (case, spacing, Unicode forms)."""
    near = [
        old.swapcase(),
        old + " ",
        " " + old,
        old[:-1],
        old + old[-1:],
        old.replace("-", "‐"),
        unicodedata.normalize("NFKD", old),
        old.replace("1", "１"),
        old + "\u200b",
    ]
    return st.one_of(texts, st.sampled_from(near))


def changed_leaf(old: Json, path: Path_) -> st.SearchStrategy[Json]:
    if isinstance(old, bool):
        return st.just(not old)
    if isinstance(old, int | float):
        # Neutral: numbers with the same RDF form (4 → 4.0, 152.5 → 152.50000000000003) are the
        # same signed value at JSON-LD's 16 significant digits; excluded.
        return numbers.filter(lambda new: _number_lexical(new) != _number_lexical(old))
    strings = near_strings(old).filter(lambda new: new != old)
    if path[-1] == "@language":
        # Neutral: language tags are case-insensitive (BCP 47) and pyld lowercases them, so
        # "zh-CN" → "ZH-cn" is the same signed data; excluded.
        return strings.filter(lambda new: new.lower() != old.lower())
    return strings


# --- (a) a changed leaf value -----------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data())
def test_changed_leaf_value_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    path = data.draw(st.sampled_from(_leaves(document)), label="path")
    old = _get(document, path)
    new = data.draw(changed_leaf(old, path), label="new value")
    _set(document, path, new)
    assert_rejected(document, "leaf", f"{case} {path}: {old!r} → {new!r}")


# --- (b) a removed key or array item ----------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data())
def test_removed_key_or_item_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    kind = data.draw(st.sampled_from(["remove-key", "remove-item"]))
    paths = _keys(document) if kind == "remove-key" else _items(document)
    path = data.draw(st.sampled_from(paths), label="path")
    _delete(document, path)
    assert_rejected(document, kind, f"{case} {path}")


# --- (c) an added key -------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data())
def test_added_key_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    path = data.draw(st.sampled_from(_objects(document)), label="object")
    target = _get(document, path)
    # Not "id": an added blank-node label ("id": "_:b0") on a blank node is neutral (labels are
    # renamed by canonicalization); a changed IRI id is a leaf change, covered above.
    names = st.one_of(st.sampled_from(DEFINED_TERMS), undefined_names)
    key = data.draw(names.filter(lambda k: k not in target and k != "id"), label="key")
    value = data.draw(added_values, label="value")
    target[key] = value
    assert_rejected(document, "add-key", f"{case} {path} + {key!r}: {value!r}")


# --- (d) changed proof options ----------------------------------------------------------------


def _datetime_forms(moment: datetime) -> list[str]:
    return [
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        moment.astimezone(UTC).isoformat(),
    ]


def proof_changes(proof: dict[str, Any]) -> st.SearchStrategy[tuple[str, Callable[[Any], None]]]:
    """(description, change) pairs for the proof options."""
    method = proof["verificationMethod"]
    did, _, fragment = method.partition("#")

    def put(key: str, value: Any) -> tuple[str, Callable[[Any], None]]:
        return f"{key} = {value!r}", lambda p: p.__setitem__(key, value)

    def drop(key: str) -> tuple[str, Callable[[Any], None]]:
        return f"no {key}", lambda p: p.pop(key)

    created = st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).flatmap(lambda moment: st.sampled_from(_datetime_forms(moment)))
    same_instant = st.sampled_from(_datetime_forms(datetime(2025, 7, 1, 8, tzinfo=UTC))[1:])
    other_methods = [did_key_verification_method(k.public) for k in OTHER_KEYS]
    suites = [s.name for s in ALL_SUITES] + ["nope", "", "EdDSA-RDFC-2022"]
    return st.one_of(
        st.one_of(created, same_instant)
        .filter(lambda c: c != proof["created"])
        .map(lambda c: put("created", c)),
        st.sampled_from([*other_methods, did, f"#{fragment}", method.upper(), method + "x"]).map(
            lambda m: put("verificationMethod", m)
        ),
        st.sampled_from(
            [
                "authentication",
                "capabilityInvocation",
                "capabilityDelegation",
                "keyAgreement",
                "assertionmethod",
                "",
            ]
        ).map(lambda p: put("proofPurpose", p)),
        st.sampled_from(suites)
        .filter(lambda s: s != proof["cryptosuite"])
        .map(lambda s: put("cryptosuite", s)),
        st.sampled_from(
            [
                "Ed25519Signature2020",
                "DataIntegrityProof2",
                "dataintegrityproof",
                "EcdsaSecp256r1Signature2019",
            ]
        ).map(lambda t: put("type", t)),
        st.tuples(
            st.sampled_from(["expires", "challenge", "domain", "nonce", "id", "previousProof"]),
            st.sampled_from(["2030-01-01T00:00:00Z", "urn:uuid:1", "example.org", "x"]),
        ).map(lambda kv: put(*kv)),
        st.sampled_from(
            ["type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"]
        ).map(drop),
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_changed_proof_options_are_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    what, change = data.draw(proof_changes(document["proof"]), label="change")
    change(document["proof"])
    assert_rejected(document, "proof-options", f"{case}: {what}")


# --- (e) a changed proofValue -----------------------------------------------------------------


def proof_value_changes(value: str) -> st.SearchStrategy[tuple[str, str]]:
    index = st.integers(0, len(value) - 1)
    chars = st.one_of(st.sampled_from(BASE58), st.characters())
    replaced = (
        st.tuples(index, chars)
        .filter(lambda ic: value[ic[0]] != ic[1])
        .map(lambda ic: ("replace", value[: ic[0]] + ic[1] + value[ic[0] + 1 :]))
    )
    return st.one_of(
        replaced,
        index.map(lambda i: ("delete", value[:i] + value[i + 1 :])),
        st.tuples(index, st.sampled_from(BASE58)).map(
            lambda ic: ("insert", value[: ic[0]] + ic[1] + value[ic[0] :])
        ),
        st.integers(0, len(value) - 1).map(lambda n: ("truncate", value[:n])),
        st.text(alphabet=BASE58, min_size=1, max_size=12).map(lambda t: ("extend", value + t)),
        index.filter(lambda i: i + 1 < len(value) and value[i] != value[i + 1]).map(
            lambda i: ("swap", value[:i] + value[i + 1] + value[i] + value[i + 2 :])
        ),
        st.sampled_from("uUmfFb").map(lambda p: ("multibase prefix", p + value[1:])),
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_changed_proof_value_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    how, new = data.draw(proof_value_changes(document["proof"]["proofValue"]), label="change")
    document["proof"]["proofValue"] = new
    assert_rejected(document, "proof-value", f"{case} {how}: {new!r}")


# --- (f) the @context list: reordered, dropped ------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_reordered_or_dropped_context_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    contexts = document["@context"]
    if data.draw(st.booleans(), label="drop"):
        index = data.draw(st.integers(0, len(contexts) - 1), label="dropped")
        document["@context"] = contexts[:index] + contexts[index + 1 :]
        assert_rejected(document, "context", f"{case} drop @context[{index}]")
        return
    order = data.draw(st.permutations(contexts).filter(lambda p: p != contexts), label="order")
    document["@context"] = order
    if order[0] == contexts[0] and _rdf(document) == _rdf(signed[case]):
        # Neutral: after the VC context, the OB 3.0 and onex contexts define disjoint terms, so
        # their order does not change one IRI: the same signed data. Only that is excused — an
        # order that changes the RDF must be rejected below.
        NEUTRAL["context order"] += 1
        return
    assert_rejected(document, "context", f"{case} order {order}")


# --- (g) data that JSON-LD would drop silently ------------------------------------------------


def hiding_contexts(name: str) -> st.SearchStrategy[Json]:
    """Context entries under which ``name`` (an undefined term) leaves no triple."""
    return st.sampled_from(
        [{"@vocab": None}, {name: None}, {name: {"@id": None}}, {"@vocab": "_:"}, {"@vocab": ""}]
    )


@PROPERTY_SETTINGS
@given(data=st.data())
def test_hidden_data_is_rejected(signed: Any, data: st.DataObject) -> None:
    case = data.draw(cases)
    document = copy.deepcopy(signed[case])
    path = data.draw(st.sampled_from(_node_objects(document)), label="node")
    node = _get(document, path)
    trick = data.draw(st.sampled_from(["context", "nested context", "keyword-like", "relative"]))
    value = data.draw(st.one_of(texts, numbers, st.booleans()), label="value")
    if trick == "keyword-like":  # JSON-LD ignores keys shaped like keywords: "@claim"
        names = st.from_regex(r"@[a-zA-Z]{1,12}", fullmatch=True)
        name = data.draw(names.filter(lambda n: n not in KEYWORDS and n not in node), label="key")
    elif trick == "relative":  # an @id-typed term with a relative IRI: RDF drops the triple
        name, value = "replaces", data.draw(st.from_regex(r"[a-z0-9/._-]{1,20}", fullmatch=True))
        assume(name not in node)
    else:
        name = data.draw(undefined_names.filter(lambda n: n not in node and n != "id"))
        hiding = data.draw(hiding_contexts(name), label="context entry")
        if trick == "context" or not path:  # the root's own @context is the list
            document["@context"].append(hiding)
        else:
            node["@context"] = hiding
    node[name] = value
    assert_rejected(document, "hidden", f"{case} {trick} {path} + {name!r}: {value!r}")


# --- neutral changes, pinned -------------------------------------------------------------------

NEUTRAL_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    # JSON-LD arrays of values are unordered sets unless declared @list.
    "reordered type array": lambda d: d.__setitem__("type", d["type"][::-1]),
    "reordered credentialStatus": lambda d: d["credentialStatus"].reverse(),
    "reordered name language values": lambda d: d["name"].reverse(),
    # A one-element array and its element are the same in JSON-LD.
    "type string for one-element array": lambda d: d["credentialSubject"].__setitem__(
        "type", "AchievementSubject"
    ),
    # null and [] mean "no value": no triple, the same signed data.
    "added key with null": lambda d: d["credentialSubject"].__setitem__("nickname", None),
    "added key with []": lambda d: d["credentialSubject"].__setitem__("nickname", []),
    # Language tags are case-insensitive (pyld lowercases them).
    "language tag case": lambda d: d["name"][0].__setitem__("@language", "ZH-cn"),
    # Blank-node labels are renamed by canonicalization.
    "blank-node label": lambda d: d["credentialSubject"]["achievement"]["criteria"].__setitem__(
        "id", "_:criteria"
    ),
    # A string and a number are the same literal under a typed term (creditsEarned: xsd:float).
    "typed number as string": lambda d: d["credentialSubject"].__setitem__(
        "creditsEarned", _number_lexical(d["credentialSubject"]["creditsEarned"])
    ),
    # The same literal under a typed term (hashed: xsd:boolean) — but a JSON reader that tests
    # truthiness would take "false" for true: displays must read values by their RDF type.
    "boolean as string": lambda d: d["credentialSubject"]["identifier"][0].__setitem__(
        "hashed", "false"
    ),
    # "@nest" only moves properties in the JSON: a naive reader no longer finds identifier
    # where it expects it, but nothing can be added or changed this way.
    "@nest relocation": lambda d: (
        d["@context"].append({"wrapper": "@nest"}),
        d["credentialSubject"].__setitem__(
            "wrapper", {"identifier": d["credentialSubject"].pop("identifier")}
        ),
    ),
    # The expanded form of a plain string is the same string.
    "value object for a string": lambda d: d["credentialSubject"]["achievement"][
        "criteria"
    ].__setitem__(
        "narrative", {"@value": d["credentialSubject"]["achievement"]["criteria"]["narrative"]}
    ),
    # A context listed twice, or "@vocab": null with nothing to hide, defines nothing new.
    "context repeated": lambda d: d["@context"].append(d["@context"][-1]),
    "@vocab null hiding nothing": lambda d: d["@context"].append({"@vocab": None}),
    # A proof set of one, as an array; a null proof option is no option.
    "proof as a one-element array": lambda d: d.__setitem__("proof", [d["proof"]]),
    "null proof option": lambda d: d["proof"].__setitem__("expires", None),
    # rdfc suites canonicalize the proof options under the document's @context.
    "proof @context": lambda d: d["proof"].__setitem__(
        "@context", "https://w3id.org/security/data-integrity/v2"
    ),
}


@pytest.mark.parametrize("change", list(NEUTRAL_CHANGES))
def test_neutral_changes_still_verify(signed: Any, change: str) -> None:
    """Changes of form that leave the signed RDF as it was; a display must not rely on form."""
    for case in CASES:
        document = copy.deepcopy(signed[case])
        NEUTRAL_CHANGES[change](document)
        assert document != signed[case]
        assert verify_document(document, OPTIONS).verified, (case, change)


def test_ecdsa_signature_malleability_is_not_a_content_change(signed: Any) -> None:
    """(r, n − s) is a second valid ECDSA signature over the same data: the content cannot change,
    but a proofValue is not a unique name for a proof (do not deduplicate on it)."""
    document = copy.deepcopy(signed["diploma.json", "P-256"])
    raw = decode_base58btc(document["proof"]["proofValue"], what="proofValue")
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    document["proof"]["proofValue"] = encode_base58btc(r + (order - s).to_bytes(32, "big"))
    assert verify_document(document, OPTIONS).verified
    document["proof"]["proofValue"] = encode_base58btc(
        r + ((order - s + 1) % order).to_bytes(32, "big")
    )
    assert not verify_document(document, OPTIONS).verified


# --- the count --------------------------------------------------------------------------------

KINDS_BY_TEST = {
    "test_changed_leaf_value_is_rejected": ["leaf"],
    "test_removed_key_or_item_is_rejected": ["remove-key", "remove-item"],
    "test_added_key_is_rejected": ["add-key"],
    "test_changed_proof_options_are_rejected": ["proof-options"],
    "test_changed_proof_value_is_rejected": ["proof-value"],
    "test_reordered_or_dropped_context_is_rejected": ["context"],
    "test_hidden_data_is_rejected": ["hidden"],
}


def test_mutations_were_tried() -> None:
    """Runs last in this module: every property test that ran tried enough mutations."""
    ran = [kinds for kinds in KINDS_BY_TEST.values() if any(TRIED[k] for k in kinds)]
    if not ran:
        pytest.skip("no property test of this module ran before this one")
    total = sum(TRIED.values())
    print(
        f"\nforgery properties: {total} mutations tried, none verified: {dict(TRIED)}; "
        f"skipped as neutral: {dict(NEUTRAL)}"
    )
    for kinds in ran:
        floor = 10 if kinds == ["context"] else FLOOR // len(kinds)
        assert sum(TRIED[k] for k in kinds) >= floor, (kinds, dict(TRIED))
