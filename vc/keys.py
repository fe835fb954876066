"""Multikey key pairs: Ed25519, P-256 and P-384, encoded as the Controlled Identifiers spec says.

A public key in Multikey form is ``z`` + base58btc(multicodec header ‖ key bytes); ECDSA public
keys are compressed points. A secret key in Multikey form is the same over the private key
bytes (the 32-byte Ed25519 seed; the ECDSA scalar).

Signatures are raw: Ed25519's 64 bytes, and ECDSA's r‖s (IEEE P1363), made deterministically
(RFC 6979), never DER.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vc.errors import KeyFormatError, ProofVerificationError
from vc.multibase import decode_base58btc, encode_base58btc

Algorithm: TypeAlias = Literal["Ed25519", "P-256", "P-384"]
ALGORITHMS: tuple[Algorithm, ...] = ("Ed25519", "P-256", "P-384")

_PUBLIC_HEADERS: dict[Algorithm, bytes] = {
    "Ed25519": b"\xed\x01",
    "P-256": b"\x80\x24",
    "P-384": b"\x81\x24",
}
_SECRET_HEADERS: dict[Algorithm, bytes] = {
    "Ed25519": b"\x80\x26",
    "P-256": b"\x86\x26",
    "P-384": b"\x87\x26",
}
_PUBLIC_LENGTHS: dict[Algorithm, int] = {"Ed25519": 32, "P-256": 33, "P-384": 49}
_SECRET_LENGTHS: dict[Algorithm, int] = {"Ed25519": 32, "P-256": 32, "P-384": 48}
_CURVES: dict[Algorithm, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}
_ECDSA_HASHES: dict[Algorithm, type[hashes.HashAlgorithm]] = {
    "P-256": hashes.SHA256,
    "P-384": hashes.SHA384,
}

PublicKeyObject: TypeAlias = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKeyObject: TypeAlias = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def parse_algorithm(name: str) -> Algorithm:
    """Accept ``Ed25519``/``ed25519``, ``P-256``/``p-256``, ``P-384``/``p-384``."""
    for algorithm in ALGORITHMS:
        if name.lower() == algorithm.lower():
            return algorithm
    raise KeyFormatError(f"unsupported key type {name!r}; expected one of {', '.join(ALGORITHMS)}")


def _split_multicodec(
    data: bytes, headers: dict[Algorithm, bytes], lengths: dict[Algorithm, int], what: str
) -> tuple[Algorithm, bytes]:
    for algorithm, header in headers.items():
        if data.startswith(header):
            body = data[len(header) :]
            if len(body) != lengths[algorithm]:
                expected = lengths[algorithm]
                raise KeyFormatError(
                    f"{what}: an {algorithm} key must be {expected} bytes, got {len(body)}"
                )
            return algorithm, body
    raise KeyFormatError(f"{what}: unsupported multicodec header {data[:2].hex()!r}")


@dataclass(frozen=True)
class PublicKey:
    """A public verification key; ``raw`` is the key (Ed25519) or compressed point (ECDSA)."""

    algorithm: Algorithm
    raw: bytes
    _key: PublicKeyObject = field(compare=False, repr=False)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """Parse a ``publicKeyMultibase`` value."""
        data = decode_base58btc(value, what="publicKeyMultibase")
        algorithm, body = _split_multicodec(
            data, _PUBLIC_HEADERS, _PUBLIC_LENGTHS, "publicKeyMultibase"
        )
        return cls.from_raw(algorithm, body)

    @classmethod
    def from_raw(cls, algorithm: Algorithm, raw: bytes) -> PublicKey:
        """Build from raw bytes (a 32-byte Ed25519 key or an SEC1 compressed/uncompressed point)."""
        try:
            key: PublicKeyObject
            if algorithm == "Ed25519":
                key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
            else:
                key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[algorithm], raw)
        except ValueError as exc:
            raise KeyFormatError(f"not a valid {algorithm} public key: {exc}") from exc
        return cls(algorithm, _compressed(key), key)

    @classmethod
    def from_object(cls, key: PublicKeyObject) -> PublicKey:
        """Wrap a ``cryptography`` public key object."""
        if isinstance(key, ed25519.Ed25519PublicKey):
            return cls("Ed25519", _compressed(key), key)
        algorithm = _curve_algorithm(key.curve)
        return cls(algorithm, _compressed(key), key)

    @property
    def multibase(self) -> str:
        """The ``publicKeyMultibase`` value."""
        return encode_base58btc(_PUBLIC_HEADERS[self.algorithm] + self.raw)

    @property
    def key_object(self) -> PublicKeyObject:
        """The ``cryptography`` key object."""
        return self._key

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`ProofVerificationError` unless ``signature`` is valid over ``data``."""
        try:
            if isinstance(self._key, ed25519.Ed25519PublicKey):
                self._key.verify(signature, data)
            else:
                der = _raw_to_der(signature, _SECRET_LENGTHS[self.algorithm])
                self._key.verify(der, data, ec.ECDSA(_ECDSA_HASHES[self.algorithm]()))
        except InvalidSignature as exc:
            raise ProofVerificationError("signature does not verify") from exc


@dataclass(frozen=True)
class KeyPair:
    """A signing key pair. ``sign`` returns raw signatures (Ed25519, or ECDSA r‖s)."""

    public: PublicKey
    _private: PrivateKeyObject = field(compare=False, repr=False)

    @property
    def algorithm(self) -> Algorithm:
        return self.public.algorithm

    @classmethod
    def generate(cls, algorithm: Algorithm = "Ed25519") -> KeyPair:
        """A fresh random key pair."""
        private: PrivateKeyObject
        if algorithm == "Ed25519":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            private = ec.generate_private_key(_CURVES[algorithm])
        return cls.from_private_object(private)

    @classmethod
    def from_private_object(cls, private: PrivateKeyObject) -> KeyPair:
        """Wrap a ``cryptography`` private key object."""
        return cls(PublicKey.from_object(private.public_key()), private)

    @classmethod
    def from_secret_bytes(cls, algorithm: Algorithm, secret: bytes) -> KeyPair:
        """From the Ed25519 32-byte seed or the ECDSA private scalar (big-endian)."""
        if len(secret) != _SECRET_LENGTHS[algorithm]:
            raise KeyFormatError(
                f"an {algorithm} secret key must be {_SECRET_LENGTHS[algorithm]} bytes, "
                f"got {len(secret)}"
            )
        private: PrivateKeyObject
        try:
            if algorithm == "Ed25519":
                private = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
            else:
                scalar = int.from_bytes(secret, "big")
                private = ec.derive_private_key(scalar, _CURVES[algorithm])
        except ValueError as exc:
            raise KeyFormatError(f"not a valid {algorithm} secret key: {exc}") from exc
        return cls.from_private_object(private)

    @classmethod
    def from_multibase(cls, secret_key_multibase: str) -> KeyPair:
        """Parse a ``secretKeyMultibase`` (or the vectors' ``privateKeyMultibase``) value.

        A 64-byte Ed25519 secret (seed ‖ public key, as some JavaScript libraries export) is
        accepted too; its public half must match the seed.
        """
        data = decode_base58btc(secret_key_multibase, what="secretKeyMultibase")
        if data.startswith(_SECRET_HEADERS["Ed25519"]) and len(data) == 2 + 64:
            pair = cls.from_secret_bytes("Ed25519", data[2:34])
            if pair.public.raw != data[34:]:
                raise KeyFormatError("secretKeyMultibase: the public half does not match the seed")
            return pair
        algorithm, body = _split_multicodec(
            data, _SECRET_HEADERS, _SECRET_LENGTHS, "secretKeyMultibase"
        )
        return cls.from_secret_bytes(algorithm, body)

    @property
    def secret_bytes(self) -> bytes:
        """The Ed25519 seed or the ECDSA private scalar."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

            return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        value = self._private.private_numbers().private_value
        return value.to_bytes(_SECRET_LENGTHS[self.algorithm], "big")

    @property
    def secret_multibase(self) -> str:
        """The ``secretKeyMultibase`` value."""
        return encode_base58btc(_SECRET_HEADERS[self.algorithm] + self.secret_bytes)

    @property
    def private_key_object(self) -> PrivateKeyObject:
        return self._private

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: Ed25519, or deterministic ECDSA (RFC 6979) returned as raw r‖s."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        algorithm = ec.ECDSA(_ECDSA_HASHES[self.algorithm](), deterministic_signing=True)
        r, s = decode_dss_signature(self._private.sign(data, algorithm))
        size = _SECRET_LENGTHS[self.algorithm]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _compressed(key: PublicKeyObject) -> bytes:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def _curve_algorithm(curve: ec.EllipticCurve) -> Algorithm:
    for algorithm, known in _CURVES.items():
        if known.name == curve.name:
            return algorithm
    raise KeyFormatError(f"unsupported elliptic curve {curve.name!r}")


def _raw_to_der(signature: bytes, size: int) -> bytes:
    if len(signature) != 2 * size:
        raise ProofVerificationError(
            f"an ECDSA signature must be {2 * size} bytes (r‖s), got {len(signature)}"
        )
    r = int.from_bytes(signature[:size], "big")
    s = int.from_bytes(signature[size:], "big")
    return encode_dss_signature(r, s)
