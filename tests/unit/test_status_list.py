"""Bitstring Status List v1.0: the value type, entries, and reading a status list credential.

Vectors: ``../shared/w3c-vectors/status/`` (see its README): the specification's examples and
``decoded-bits.json`` (cross-checked with the reference JavaScript decoder).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc import problems
from vc.errors import StatusListError, StatusListLengthError
from vc.status_list import (
    MAX_DECOMPRESSED_BYTES,
    MIN_ENTRIES,
    StatusEntry,
    StatusList,
    StatusMessage,
    entry_problems,
    lookup_status,
    status_entries,
)

STATUS_VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "w3c-vectors" / "status"
MISSING = f"W3C status vectors not found at {STATUS_VECTORS} (CI has ../shared beside the repo)"

LIST_URL = "https://example.com/credentials/status/3"


def _vector(name: str) -> Any:
    path = STATUS_VECTORS / name
    if not path.is_file():
        pytest.skip(MISSING)
    return json.loads(path.read_text(encoding="utf-8"))


def _decoded_bits_cases() -> list[Any]:
    path = STATUS_VECTORS / "decoded-bits.json"
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="missing")]
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return [
        pytest.param(case, id=f"case{i}-{case['bitLength']}bits") for i, case in enumerate(cases)
    ]


def _set_indices(status_list: StatusList) -> list[int]:
    """Indices of the 1 bits, found by scanning bytes (independent of ``get``)."""
    found = []
    for byte_index, byte in enumerate(status_list.bits):
        for bit in range(8):
            if byte & (0x80 >> bit):
                found.append(byte_index * 8 + bit)
    return found


def _entry(**changes: Any) -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not DELETE}


def _list_credential(encoded: str, purpose: Any = "revocation", **changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345",
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
    credential.update(changes)
    return credential


DELETE = object()
EMPTY_LIST = StatusList.new()


# --- W3C vectors -------------------------------------------------------------------------------


@pytest.mark.vectors
@pytest.mark.parametrize("case", _decoded_bits_cases())
def test_decoded_bits_vector(case: dict[str, Any]) -> None:
    if case.get("expectError") == "STATUS_LIST_LENGTH_ERROR":
        with pytest.raises(StatusListLengthError) as caught:
            StatusList.decode(case["encodedList"])
        assert caught.value.problem_type == problems.STATUS_LIST_LENGTH_ERROR
        assert str(case["bitLength"]) in caught.value.message
        status_list = StatusList.decode(case["encodedList"], min_length=case["bitLength"])
    else:
        status_list = StatusList.decode(case["encodedList"])
    assert status_list.length == case["bitLength"]
    assert _set_indices(status_list) == case["setIndices"]
    assert [i for i in case["setIndices"] if status_list.get(i) != 1] == []
    if "firstTwoBytesHex" in case:
        assert status_list.bits[:2].hex() == case["firstTwoBytesHex"]


@pytest.mark.vectors
def test_spec_example_revocable_credential_entry() -> None:
    credential = _vector("spec-example-revocable-credential.json")
    entry = StatusEntry.from_json(credential["credentialStatus"])
    assert entry == StatusEntry(
        status_purpose="revocation",
        status_list_index=94567,
        status_list_credential=LIST_URL,
        id=f"{LIST_URL}#94567",
    )
    assert status_entries(credential) == (entry,)


@pytest.mark.vectors
def test_spec_example_two_status_entries() -> None:
    credential = _vector("spec-example-credential-two-status-entries.json")
    entries = status_entries(credential)
    assert [(e.status_purpose, e.status_list_index) for e in entries] == [
        ("revocation", 94567),
        ("suspension", 23452),
    ]
    assert entries[1].status_list_credential == "https://example.com/credentials/status/4"


@pytest.mark.vectors
def test_spec_example_status_list_credential() -> None:
    list_credential = _vector("spec-example-status-list-credential.json")
    revocable = _vector("spec-example-revocable-credential.json")
    entry = StatusEntry.from_json(revocable["credentialStatus"])
    assert lookup_status(list_credential, entry) == 0
    decoded = StatusList.decode(list_credential["credentialSubject"]["encodedList"])
    assert decoded == EMPTY_LIST


@pytest.mark.vectors
def test_spec_example_purpose_mismatch_is_a_status_verification_error() -> None:
    list_credential = _vector("spec-example-status-list-credential.json")
    entry = StatusEntry.from_json(_entry(statusPurpose="suspension"))
    with pytest.raises(StatusListError) as caught:
        lookup_status(list_credential, entry)
    assert caught.value.problem_type == problems.STATUS_VERIFICATION_ERROR
    assert '"suspension"' in caught.value.message and '"revocation"' in caught.value.message


# --- the bitstring: properties -----------------------------------------------------------------

INDEX = st.integers(min_value=0, max_value=MIN_ENTRIES - 1)


@given(st.sets(INDEX, max_size=40))
def test_encode_decode_round_trip(indices: set[int]) -> None:
    status_list = EMPTY_LIST
    for index in indices:
        status_list = status_list.with_status(index, 1)
    decoded = StatusList.decode(status_list.encode())
    assert decoded == status_list
    assert _set_indices(decoded) == sorted(indices)


@given(st.sets(INDEX, max_size=10), INDEX)
def test_setting_one_index_changes_exactly_that_bit(indices: set[int], index: int) -> None:
    before = EMPTY_LIST
    for i in indices:
        before = before.with_status(i, 1)
    after = before.with_status(index, 1 - before.get(index))
    flipped = int.from_bytes(before.bits, "big") ^ int.from_bytes(after.bits, "big")
    assert flipped == 1 << (before.length - 1 - index)
    assert before.get(index) != after.get(index)
    assert before.with_status(index, before.get(index)) == before


@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.integers(min_value=0, max_value=MIN_ENTRIES - 1),
            st.integers(min_value=0, max_value=(1 << size) - 1),
        )
    )
)
def test_multi_bit_entries_keep_their_neighbours(case: tuple[int, int, int]) -> None:
    size, index, value = case
    ones = StatusList(b"\xff" * (MIN_ENTRIES * size // 8), size)
    zeros = StatusList.new(status_size=size)
    for base, neighbour in ((zeros, 0), (ones, (1 << size) - 1)):
        changed = base.with_status(index, value)
        assert changed.get(index) == value
        for other in (index - 1, index + 1):
            if 0 <= other < base.entries:
                assert changed.get(other) == neighbour
        assert StatusList.decode(changed.encode(), status_size=size) == changed


def test_index_zero_is_the_left_most_bit() -> None:
    hand_built = StatusList(bytes([0b1000_0000, 0b0000_0001, 0b0100_0000]) + bytes(16_381))
    assert [hand_built.get(i) for i in range(24)] == [1] + [0] * 14 + [1, 0, 1] + [0] * 6
    assert EMPTY_LIST.with_status(0, 1).bits[:2] == b"\x80\x00"
    assert EMPTY_LIST.with_status(9, 1).bits[:2] == b"\x00\x40"
    assert EMPTY_LIST.with_status(MIN_ENTRIES - 1, 1).bits[-1] == 0x01


def test_multi_bit_entries_are_read_most_significant_bit_first() -> None:
    two_bits = StatusList(bytes([0b01_10_11_00]) + bytes(32_767), status_size=2)
    assert [two_bits.get(i) for i in range(5)] == [1, 2, 3, 0, 0]
    three_bits = StatusList.new(status_size=3).with_status(2, 0b101)  # bits 6..8: across bytes
    assert three_bits.bits[:2] == bytes([0b0000_0010, 0b1000_0000])
    assert three_bits.get(2) == 5 and three_bits.get(1) == three_bits.get(3) == 0


def test_default_list_size_and_reproducible_encoding() -> None:
    assert (EMPTY_LIST.length, EMPTY_LIST.entries, len(EMPTY_LIST.bits)) == (
        131_072,
        131_072,
        16_384,
    )
    assert StatusList.new(status_size=4).length == 4 * 131_072
    encoded = EMPTY_LIST.with_status(7, 1).encode()
    assert encoded == EMPTY_LIST.with_status(7, 1).encode()
    assert encoded.startswith("u") and "=" not in encoded
    header = base64.urlsafe_b64decode(encoded[1:] + "==")[:8]
    assert header[:3] == b"\x1f\x8b\x08" and header[4:8] == b"\x00\x00\x00\x00"  # mtime 0


def test_repr_does_not_dump_the_bits() -> None:
    assert repr(EMPTY_LIST) == "StatusList(status_size=1)"


# --- the bitstring: decoding leniency and refusals ---------------------------------------------

ENCODED = EMPTY_LIST.with_status(12_345, 1).encode()


@pytest.mark.parametrize(
    "variant",
    [ENCODED, ENCODED + "=" * (-(len(ENCODED) - 1) % 4), ENCODED[1:]],
    ids=["multibase", "padded", "no-prefix"],
)
def test_decode_is_lenient_about_prefix_and_padding(variant: str) -> None:
    assert _set_indices(StatusList.decode(variant)) == [12_345]


def _gzip(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(data, mtime=0)).decode().rstrip("=")


GZIPPED = gzip.compress(bytes(16_384), mtime=0)


@pytest.mark.parametrize(
    ("encoded", "names"),
    [
        (12, "must be a string"),
        ("", "not GZIP"),
        ("u", "not GZIP"),
        ("u!!!!", "not multibase base64url"),
        ("uAB CD", "not multibase base64url"),
        ("uA", "not multibase base64url"),
        ("zH4sIAAAA", "not multibase base64url"),
        ("u" + base64.urlsafe_b64encode(bytes(32)).decode(), "not GZIP"),
        ("u" + base64.urlsafe_b64encode(GZIPPED[:-12]).decode(), "truncated"),
        ("u" + base64.urlsafe_b64encode(GZIPPED + b"junk").decode(), "after the end"),
        ("u" + base64.urlsafe_b64encode(GZIPPED[:10] + b"\xff" * 20).decode(), "corrupt"),
        ("u" + "A" * (30 * 1024 * 1024), "too long"),
    ],
    ids=["number", "empty", "prefix-only", "alphabet", "space", "length", "base58", "not-gzip",
         "truncated", "trailing", "corrupt", "huge"],
)  # fmt: skip
def test_decode_rejects_garbage_saying_what_was_wrong(encoded: Any, names: str) -> None:
    with pytest.raises(StatusListError) as caught:
        StatusList.decode(encoded)
    assert not isinstance(caught.value, StatusListLengthError)
    assert names in caught.value.message


def test_decode_refuses_a_gzip_bomb() -> None:
    bomb = _gzip(bytes(MAX_DECOMPRESSED_BYTES + 1))
    assert len(bomb) < 40_000
    with pytest.raises(StatusListError, match="decompresses to more than"):
        StatusList.decode(bomb)


def test_decode_minimum_counts_entries_not_bits() -> None:
    one_bit_list = EMPTY_LIST.encode()
    with pytest.raises(StatusListLengthError, match="65536 entries"):
        StatusList.decode(one_bit_list, status_size=2)
    assert StatusList.decode(one_bit_list, status_size=2, min_length=65_536).entries == 65_536
    with pytest.raises(StatusListLengthError):
        StatusList.decode(_gzip(b""), min_length=0)


@pytest.mark.parametrize(
    ("call", "error", "problem_type", "names"),
    [
        (lambda: EMPTY_LIST.get(MIN_ENTRIES), StatusListError, problems.RANGE_ERROR, "131072"),
        (lambda: EMPTY_LIST.get(-1), StatusListError, problems.RANGE_ERROR, "-1"),
        (lambda: EMPTY_LIST.get(True), StatusListError, None, "true"),
        (lambda: EMPTY_LIST.with_status(0, 2), StatusListError, problems.RANGE_ERROR, "2"),
        (lambda: EMPTY_LIST.with_status(0, -1), StatusListError, problems.RANGE_ERROR, "-1"),
        (lambda: EMPTY_LIST.with_status(0, "1"), StatusListError, None, '"1"'),
        (lambda: StatusList.new(131_064), StatusListLengthError, None, "131064"),
        (lambda: StatusList.new(131_073), StatusListError, None, "131073"),
        (lambda: StatusList.new(status_size=0), StatusListError, None, "statusSize"),
        (lambda: StatusList.new(status_size=17), StatusListError, None, "17"),
        (lambda: StatusList(b""), StatusListError, None, "non-empty"),
    ],
    ids=["index-past-end", "negative-index", "bool-index", "value-too-big", "negative-value",
         "string-value", "too-short", "not-whole-bytes", "size-zero", "size-too-big", "empty"],
)  # fmt: skip
def test_misuse_raises_narrow_errors(
    call: Any, error: type[StatusListError], problem_type: str | None, names: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert names in caught.value.message
    if problem_type is not None:
        assert caught.value.problem_type == problem_type


# --- entries -----------------------------------------------------------------------------------

FOUR_MESSAGES = [
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "suspended"},
    {"status": "0x2", "message": "revoked"},
    {"status": "0x3", "message": "superseded"},
]


def test_entry_with_status_size_and_messages() -> None:
    entry = StatusEntry.from_json(
        _entry(statusPurpose="message", statusSize=2, statusMessage=FOUR_MESSAGES, id=DELETE)
    )
    assert entry.status_size == 2 and entry.id is None
    assert entry.status_messages[3] == StatusMessage(3, "superseded")
    assert [entry.message_for(v) for v in (0, 2)] == ["valid", "revoked"]
    plain = StatusEntry.from_json(_entry())
    assert [plain.message_for(v) for v in (0, 1)] == ["unset", "set"]


@pytest.mark.parametrize(
    ("entry", "prop", "value"),
    [
        ("not an object", None, '"not an object"'),
        (_entry(type="StatusList2021Entry"), "type", '"StatusList2021Entry"'),
        (_entry(id="no scheme"), "id", '"no scheme"'),
        (_entry(statusPurpose=DELETE), "statusPurpose", "null"),
        (_entry(statusPurpose=["revocation"]), "statusPurpose", '["revocation"]'),
        (_entry(statusListIndex=94567), "statusListIndex", "94567"),
        (_entry(statusListIndex="-1"), "statusListIndex", '"-1"'),
        (_entry(statusListIndex="1.5"), "statusListIndex", '"1.5"'),
        (_entry(statusListIndex=" 7"), "statusListIndex", '" 7"'),
        (_entry(statusListIndex="9" * 19), "statusListIndex", "9" * 19),
        (_entry(statusListCredential=DELETE), "statusListCredential", "null"),
        (_entry(statusListCredential="/status/3"), "statusListCredential", '"/status/3"'),
        (_entry(statusSize=0), "statusSize", "0"),
        (_entry(statusSize="2"), "statusSize", '"2"'),
        (_entry(statusSize=2), "statusMessage", "statusSize is 2"),
        (_entry(statusSize=2, statusMessage=FOUR_MESSAGES[:3]), "statusMessage", "4 items"),
        (_entry(statusSize=2, statusMessage=[*FOUR_MESSAGES[:3], {"status": "0x4", "message": ""}]),
         "statusMessage[3]", '"0x4"'),
        (_entry(statusSize=2, statusMessage=[*FOUR_MESSAGES[:3], {"status": "3", "message": ""}]),
         "statusMessage[3]", '"3"'),
        (_entry(statusMessage=[{"status": "0x0"}, {"status": "0x1", "message": "x"}]),
         "statusMessage[0]", '"0x0"'),
    ],
)  # fmt: skip
def test_invalid_entries_name_the_property_and_value(
    entry: Any, prop: str | None, value: str
) -> None:
    faults = entry_problems(entry)
    assert [p for p, _ in faults] == [prop]
    with pytest.raises(StatusListError) as caught:
        StatusEntry.from_json(entry)
    assert caught.value.problem_type == problems.MALFORMED_VALUE_ERROR
    assert (prop or "credentialStatus") in caught.value.message
    assert value in caught.value.message


def test_status_entries_skips_other_status_types() -> None:
    credential = {
        "credentialStatus": [{"type": "CredentialStatusList2017", "id": "urn:x"}, _entry()]
    }
    assert [e.status_list_index for e in status_entries(credential)] == [94567]
    assert status_entries({"credentialStatus": _entry()})[0].status_purpose == "revocation"
    assert status_entries({}) == () and status_entries("nope") == ()


# --- reading a status list credential ----------------------------------------------------------


def test_lookup_reads_the_entry_value() -> None:
    entry = StatusEntry.from_json(_entry())
    revoked = EMPTY_LIST.with_status(94_567, 1).encode()
    assert lookup_status(_list_credential(revoked), entry) == 1
    assert lookup_status(_list_credential(revoked, ["suspension", "revocation"]), entry) == 1
    sized = StatusEntry.from_json(_entry(statusSize=2, statusMessage=FOUR_MESSAGES))
    two_bit = StatusList.new(status_size=2).with_status(94_567, 3).encode()
    assert lookup_status(_list_credential(two_bit), sized) == 3


ENTRY = StatusEntry.from_json(_entry())
SUBJECT = _list_credential(ENCODED)["credentialSubject"]


@pytest.mark.parametrize(
    ("list_credential", "problem_type", "names"),
    [
        ([], problems.STATUS_VERIFICATION_ERROR, "must be an object"),
        (_list_credential(ENCODED, type=["VerifiableCredential"]),
         problems.STATUS_VERIFICATION_ERROR, "BitstringStatusListCredential"),
        (_list_credential(ENCODED, id="https://example.com/credentials/status/4"),
         problems.STATUS_VERIFICATION_ERROR, "status/4"),
        (_list_credential(ENCODED, credentialSubject=[SUBJECT]),
         problems.STATUS_VERIFICATION_ERROR, "credentialSubject"),
        (_list_credential(ENCODED, "suspension"), problems.STATUS_VERIFICATION_ERROR, "suspension"),
        (_list_credential(ENCODED, credentialSubject={**SUBJECT, "encodedList": None}),
         problems.STATUS_VERIFICATION_ERROR, "encodedList"),
        (_list_credential(_gzip(bytes(16_383))), problems.STATUS_LIST_LENGTH_ERROR, "131064"),
    ],
    ids=["not-object", "wrong-type", "other-list", "subject-array", "purpose", "no-list", "short"],
)  # fmt: skip
def test_lookup_refusals(list_credential: Any, problem_type: str, names: str) -> None:
    with pytest.raises(StatusListError) as caught:
        lookup_status(list_credential, ENTRY)
    assert caught.value.problem_type == problem_type
    assert names in caught.value.message


def test_lookup_index_outside_a_lower_bound_list_is_a_range_error() -> None:
    small = _list_credential(_gzip(bytes(1024)))
    with pytest.raises(StatusListError) as caught:
        lookup_status(small, ENTRY, min_length=8192)
    assert caught.value.problem_type == problems.RANGE_ERROR


def test_lookup_does_not_modify_its_inputs() -> None:
    credential = _list_credential(ENCODED)
    snapshot = copy.deepcopy(credential)
    lookup_status(credential, ENTRY)
    assert credential == snapshot
