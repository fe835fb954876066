"""Bitstring Status List v1.0: the bitstring value type and the entries that point into it.

https://www.w3.org/TR/vc-bitstring-status-list/ — :class:`StatusList` is the bitstring (§2.2,
§3.3-3.4): index 0 is the left-most bit, the most significant bit of the first byte, and an entry
of ``status_size`` bits is read most significant bit first; ``encodedList`` is ``"u"`` + base64url
(no padding) of GZIP of it. :class:`StatusEntry` is a ``BitstringStatusListEntry`` (§2.1);
:func:`lookup_status` is the Validate Algorithm (§3.2) after dereferencing and proof checking.
A list holds at least 131,072 entries (bits / statusSize), or :class:`StatusListLengthError`.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from vc import problems
from vc.errors import StatusListError, StatusListLengthError
from vc.report import show_value as show

MIN_ENTRIES = 131_072
"""The specification's minimum number of entries of a list (herd privacy)."""

MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
"""Decoding refuses a bitstring larger than this (16 MiB): a guard against GZIP bombs."""

MAX_STATUS_SIZE = 16
"""Largest ``statusSize`` accepted: an entry then needs 65,536 ``statusMessage`` items."""

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"

_MAX_INDEX_DIGITS = 18
_MAX_ENCODED_CHARS = (MAX_DECOMPRESSED_BYTES + 65_536) * 4 // 3 + 4
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_INDEX = re.compile(r"[0-9]{1,18}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_HEX_STATUS = re.compile(r"0x[0-9A-Fa-f]{1,8}")


# --- the bitstring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusList:
    """A bitstring of ``len(bits) * 8`` bits holding entries of ``status_size`` bits each."""

    bits: bytes = field(repr=False)
    status_size: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.bits, bytes) or not self.bits:
            raise StatusListError(
                f"a status list needs a non-empty bytes bitstring, not {type(self.bits).__name__}"
            )
        _check_status_size(self.status_size)

    @property
    def length(self) -> int:
        """The length of the bitstring in bits."""
        return len(self.bits) * 8

    @property
    def entries(self) -> int:
        """How many entries of ``status_size`` bits the bitstring holds."""
        return self.length // self.status_size

    @classmethod
    def new(cls, length: int | None = None, status_size: int = 1) -> StatusList:
        """An all-zero list of ``length`` bits (default: 131,072 entries of ``status_size``)."""
        _check_status_size(status_size)
        bits = MIN_ENTRIES * status_size if length is None else length
        if isinstance(bits, bool) or not isinstance(bits, int) or bits <= 0 or bits % 8:
            raise StatusListError(f"length must be a positive multiple of 8 bits, not {show(bits)}")
        if bits // status_size < MIN_ENTRIES:
            raise StatusListLengthError(
                f"length {bits} holds {bits // status_size} entries of {status_size} bit(s); "
                f"at least {MIN_ENTRIES} are required"
            )
        if bits > MAX_DECOMPRESSED_BYTES * 8:
            raise StatusListError(f"length {bits} exceeds {MAX_DECOMPRESSED_BYTES * 8} bits")
        return cls(bytes(bits // 8), status_size)

    def get(self, index: int) -> int:
        """The status value of entry ``index``."""
        start = self._start(index)
        first, last = start // 8, (start + self.status_size - 1) // 8
        chunk = int.from_bytes(self.bits[first : last + 1], "big")
        shift = (last + 1) * 8 - start - self.status_size
        return (chunk >> shift) & ((1 << self.status_size) - 1)

    def with_status(self, index: int, value: int) -> StatusList:
        """A copy of this list with entry ``index`` set to ``value``."""
        start = self._start(index)
        if isinstance(value, bool) or not isinstance(value, int):
            raise StatusListError(f"status value must be an integer, not {show(value)}")
        if not 0 <= value < 1 << self.status_size:
            raise StatusListError(
                f"status value {value} does not fit in {self.status_size} bit(s)",
                problem_type=problems.RANGE_ERROR,
            )
        first, last = start // 8, (start + self.status_size - 1) // 8
        width = (last - first + 1) * 8
        shift = width - (start - first * 8) - self.status_size
        mask = ((1 << self.status_size) - 1) << shift
        chunk = int.from_bytes(self.bits[first : last + 1], "big")
        chunk = (chunk & ~mask) | (value << shift)
        bits = self.bits[:first] + chunk.to_bytes(width // 8, "big") + self.bits[last + 1 :]
        return StatusList(bits, self.status_size)

    def encode(self) -> str:
        """``encodedList``: multibase base64url (no padding) of GZIP (mtime 0) of the bits."""
        compressed = gzip.compress(self.bits, compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls, encoded: str, status_size: int = 1, min_length: int = MIN_ENTRIES
    ) -> StatusList:
        """Parse ``encodedList``; ``min_length`` is the minimum number of entries.

        The multibase ``u`` prefix is expected (a bare base64url string, as older lists were
        written, is accepted too); padding is tolerated.
        """
        _check_status_size(status_size)
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 0:
            raise ValueError(f"min_length must be a non-negative integer, not {min_length!r}")
        bits = _gunzip(_base64url_decode(encoded))
        entries = len(bits) * 8 // status_size
        if entries < min_length or not bits:
            raise StatusListLengthError(
                f"encodedList holds {len(bits) * 8} bits = {entries} entries of {status_size} "
                f"bit(s); at least {min_length} entries are required"
            )
        return cls(bits, status_size)

    def _start(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError(f"status list index must be an integer, not {show(index)}")
        if not 0 <= index < self.entries:
            raise StatusListError(
                f"status list index {index} is outside the list's {self.entries} entries",
                problem_type=problems.RANGE_ERROR,
            )
        return index * self.status_size


def _check_status_size(size: object) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_STATUS_SIZE:
        raise StatusListError(
            f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}, not {show(size)}",
            problem_type=problems.MALFORMED_VALUE_ERROR,
        )


def _base64url_decode(encoded: object) -> bytes:
    if not isinstance(encoded, str):
        raise StatusListError(f"encodedList must be a string, not {show(encoded)}")
    if len(encoded) > _MAX_ENCODED_CHARS:
        raise StatusListError(f"encodedList is too long ({len(encoded)} characters)")
    body = encoded[1:] if encoded.startswith("u") else encoded
    if not _BASE64URL.fullmatch(body) or len(body.rstrip("=")) % 4 == 1:
        raise StatusListError(f"encodedList is not multibase base64url: {show(encoded)}")
    body = body.rstrip("=")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _gunzip(data: bytes) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        raise StatusListError("encodedList is not GZIP data (no GZIP magic number)")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(data, MAX_DECOMPRESSED_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is corrupt GZIP data: {exc}") from exc
    if len(bits) > MAX_DECOMPRESSED_BYTES:
        raise StatusListError(
            f"encodedList decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes"
        )
    if not inflater.eof:
        raise StatusListError("encodedList is truncated GZIP data")
    if inflater.unused_data:
        raise StatusListError("encodedList has data after the end of the GZIP stream")
    return bits


# --- credentialStatus entries ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMessage:
    """One item of ``statusMessage``: what a status value means."""

    status: int
    message: str


@dataclass(frozen=True)
class StatusEntry:
    """A validated ``BitstringStatusListEntry``."""

    status_purpose: str
    status_list_index: int
    status_list_credential: str
    status_size: int = 1
    status_messages: tuple[StatusMessage, ...] = ()
    id: str | None = None

    @classmethod
    def from_json(cls, entry: object) -> StatusEntry:
        """Read an entry; raise :class:`StatusListError` (MALFORMED_VALUE_ERROR) naming faults."""
        faults = entry_problems(entry)
        if faults or not isinstance(entry, dict):
            raise StatusListError(
                "; ".join(f"{prop or 'credentialStatus'} {detail}" for prop, detail in faults),
                problem_type=problems.MALFORMED_VALUE_ERROR,
            )
        return cls(
            status_purpose=entry["statusPurpose"],
            status_list_index=int(entry["statusListIndex"]),
            status_list_credential=entry["statusListCredential"],
            status_size=entry.get("statusSize", 1),
            status_messages=tuple(
                StatusMessage(int(m["status"], 16), m["message"])
                for m in entry.get("statusMessage", ())
            ),
            id=entry.get("id"),
        )

    def message_for(self, value: int) -> str:
        """The ``statusMessage`` of a value, or ``"set"`` / ``"unset"`` without one (§2.1)."""
        for item in self.status_messages:
            if item.status == value:
                return item.message
        return "unset" if value == 0 else "set"


def entry_problems(entry: object) -> list[tuple[str | None, str]]:
    """Every fault of a ``BitstringStatusListEntry`` as ``(property, "must ..., not <value>")``."""
    if not isinstance(entry, dict):
        return [(None, f"must be an object, not {show(entry)}")]
    index = entry.get("statusListIndex")
    rules = (
        ("type", ENTRY_TYPE in _as_list(entry.get("type")), f"must include {ENTRY_TYPE}"),
        ("id", "id" not in entry or _is_url(entry["id"]), "must be a URL"),
        ("statusPurpose", isinstance(entry.get("statusPurpose"), str), "must be a string"),
        ("statusListIndex", isinstance(index, str) and _INDEX.fullmatch(index) is not None,
         f"must be a string of a non-negative integer of at most {_MAX_INDEX_DIGITS} digits"),
        ("statusListCredential", _is_url(entry.get("statusListCredential")), "must be a URL"),
    )  # fmt: skip
    faults: list[tuple[str | None, str]] = [
        (prop, f"{expected}, not {show(entry.get(prop))}") for prop, ok, expected in rules if not ok
    ]
    return faults + _size_and_message_problems(entry)


def _size_and_message_problems(entry: dict[str, Any]) -> list[tuple[str | None, str]]:
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_STATUS_SIZE:
        return [("statusSize", f"must be an integer from 1 to {MAX_STATUS_SIZE}, not {show(size)}")]
    if "statusMessage" not in entry:
        return [("statusMessage", f"is required when statusSize is {size}")] if size > 1 else []
    messages = entry["statusMessage"]
    if not isinstance(messages, list) or len(messages) != 1 << size:
        return [("statusMessage", f"must be an array of {1 << size} items, not {show(messages)}")]
    return [
        (f"statusMessage[{i}]", f"must have a message and a 0x-hex status below {1 << size}, "
         f"not {show(item)}")
        for i, item in enumerate(messages)
        if not _is_status_message(item, size)
    ]  # fmt: skip


def _is_status_message(item: object, size: int) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("message"), str):
        return False
    status = item.get("status")
    if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
        return False
    return int(status, 16) < 1 << size


def status_entries(credential: object) -> tuple[StatusEntry, ...]:
    """Every ``BitstringStatusListEntry`` of a credential's ``credentialStatus``, validated."""
    if not isinstance(credential, dict):
        return ()
    items = _as_list(credential.get("credentialStatus"))
    return tuple(
        StatusEntry.from_json(item)
        for item in items
        if isinstance(item, dict) and ENTRY_TYPE in _as_list(item.get("type"))
    )


# --- reading a status list credential ----------------------------------------------------------


def lookup_status(
    list_credential: object, entry: StatusEntry, *, min_length: int = MIN_ENTRIES
) -> int:
    """The status value that a ``BitstringStatusListCredential`` gives ``entry``.

    The caller has already fetched the credential from ``entry.status_list_credential`` and
    verified its proofs and validity period. Raises :class:`StatusListError`:
    STATUS_VERIFICATION_ERROR when the credential is not the list the entry names or its purpose
    differs, STATUS_LIST_LENGTH_ERROR when the list is too short, RANGE_ERROR when the index is
    outside it.
    """
    subject = _list_subject(list_credential, entry)
    purposes = _as_list(subject.get("statusPurpose"))
    if entry.status_purpose not in purposes:
        raise StatusListError(
            f"statusPurpose {show(entry.status_purpose)} of the entry does not match the status "
            f"list credential's statusPurpose {show(subject.get('statusPurpose'))}"
        )
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError(
            f"credentialSubject.encodedList must be a string, not {show(encoded)}"
        )
    status_list = StatusList.decode(encoded, entry.status_size, min_length)
    return status_list.get(entry.status_list_index)


def _list_subject(list_credential: object, entry: StatusEntry) -> dict[str, Any]:
    if not isinstance(list_credential, dict):
        raise StatusListError(
            f"a status list credential must be an object, not {show(list_credential)}"
        )
    if LIST_CREDENTIAL_TYPE not in _as_list(list_credential.get("type")):
        raise StatusListError(
            f"type must include {LIST_CREDENTIAL_TYPE}, not {show(list_credential.get('type'))}"
        )
    if "id" in list_credential and list_credential["id"] != entry.status_list_credential:
        raise StatusListError(
            f"status list credential id {show(list_credential['id'])} is not the "
            f"statusListCredential {show(entry.status_list_credential)} of the entry"
        )
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or LIST_TYPE not in _as_list(subject.get("type")):
        raise StatusListError(
            f"credentialSubject must be a {LIST_TYPE} object, not {show(subject)}"
        )
    return subject


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_url(value: object) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None
