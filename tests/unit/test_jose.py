"""vc+jwt / vp+jwt: round trips, refusals, and a check that does not trust jwcrypto."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from vc.did.key import did_key, did_key_verification_method
from vc.did.resolver import DIDResolver
from vc.did.web import KeyRecord, build_did_web_document
from vc.errors import JoseError
from vc.jose import MAX_TOKEN_LENGTH, sign_vc_jwt, verify_vc_jwt
from vc.keys import ALGORITHMS, Algorithm, KeyPair

ORG = "did:web:example.com:orgs:abc"
RESOLVER = DIDResolver()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _json_part(value: Any) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _key(algorithm: Algorithm = "Ed25519", seed: int = 1) -> KeyPair:
    size = 48 if algorithm == "P-384" else 32
    return KeyPair.from_secret_bytes(algorithm, seed.to_bytes(size, "big"))


def _credential(issuer: str | dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6a0b7c1e-1f7b-4c2e-9a0e-3c5d2f1b8e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "name": {"zh-CN": "张三", "en": "Zhang"},
        },
        **extra,
    }


def _signed(algorithm: Algorithm = "Ed25519") -> tuple[KeyPair, str, dict[str, Any], str]:
    pair = _key(algorithm)
    kid = did_key_verification_method(pair.public)
    credential = _credential(did_key(pair.public))
    return pair, kid, credential, sign_vc_jwt(credential, pair, kid=kid)


def _forge(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    """A token with any header, signed by ``sign(signing_input) -> bytes``."""
    signing_input = f"{_json_part(header)}.{_json_part(payload)}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_round_trip(algorithm: Algorithm) -> None:
    _, kid, credential, token = _signed(algorithm)
    assert verify_vc_jwt(token, RESOLVER) == credential
    header = json.loads(_unb64(token.split(".")[0]))
    alg = {"Ed25519": "EdDSA", "P-256": "ES256", "P-384": "ES384"}[algorithm]
    assert header == {"alg": alg, "kid": kid, "typ": "vc+jwt"}


def test_round_trip_did_web_issuer_object() -> None:
    pair = _key("P-256", 5)
    document = build_did_web_document(
        ORG, [KeyRecord("key-1", pair.public, datetime(2025, 1, 1, tzinfo=UTC))]
    )
    credential = _credential({"id": ORG, "name": "评价组织"})
    token = sign_vc_jwt(credential, pair, kid=f"{ORG}#key-1")
    assert verify_vc_jwt(token, DIDResolver(documents={ORG: document})) == credential


def test_presentation_round_trip() -> None:
    holder = _key("Ed25519", 8)
    did = did_key(holder.public)
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [],
    }
    kid = did_key_verification_method(holder.public)
    token = sign_vc_jwt(presentation, holder, kid=kid, typ="vp+jwt")
    assert json.loads(_unb64(token.split(".")[0]))["typ"] == "vp+jwt"
    assert verify_vc_jwt(token, RESOLVER, expected_typ=("vp+jwt",)) == presentation
    with pytest.raises(JoseError, match="typ"):
        verify_vc_jwt(token, RESOLVER, expected_typ=("vc+jwt",))


@settings(max_examples=40, deadline=None)
@given(
    subject=st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.text(max_size=30) | st.integers(-(2**53), 2**53) | st.booleans(),
        max_size=5,
    )
)
def test_round_trip_any_subject(subject: dict[str, Any]) -> None:
    pair = _key()
    credential = _credential(did_key(pair.public), credentialSubject=subject)
    token = sign_vc_jwt(credential, pair, kid=did_key_verification_method(pair.public))
    assert verify_vc_jwt(token, RESOLVER) == credential


# --- independence: the token read and checked without jwcrypto --------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_signature_checks_out_without_jwcrypto(algorithm: Algorithm) -> None:
    pair, kid, credential, token = _signed(algorithm)
    header_part, payload_part, signature_part = token.split(".")
    assert json.loads(_unb64(payload_part).decode("utf-8")) == credential
    assert json.loads(_unb64(header_part))["kid"] == kid
    signing_input = f"{header_part}.{payload_part}".encode("ascii")
    signature = _unb64(signature_part)
    public = pair.public.key_object
    if isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(signature, signing_input)
    else:
        size = len(signature) // 2
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        digest = hashes.SHA256() if algorithm == "P-256" else hashes.SHA384()
        public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest))


def test_hand_made_token_verifies() -> None:
    pair = _key()
    kid = did_key_verification_method(pair.public)
    credential = _credential(did_key(pair.public))
    token = _forge({"typ": "vc+jwt", "alg": "EdDSA", "kid": kid}, credential, pair.sign)
    assert verify_vc_jwt(token, RESOLVER) == credential


# --- refusals --------------------------------------------------------------------------------


def test_tampered_payload() -> None:
    _, _, credential, token = _signed()
    header, _, signature = token.split(".")
    changed = _json_part({**credential, "validFrom": "2020-01-01T00:00:00Z"})
    with pytest.raises(JoseError, match="does not verify"):
        verify_vc_jwt(f"{header}.{changed}.{signature}", RESOLVER)


def test_signed_by_another_key_than_kid() -> None:
    victim, mallory = _key("Ed25519", 1), _key("Ed25519", 2)
    credential = _credential(did_key(victim.public))
    header = {"alg": "EdDSA", "kid": did_key_verification_method(victim.public), "typ": "vc+jwt"}
    with pytest.raises(JoseError, match="does not verify"):
        verify_vc_jwt(_forge(header, credential, mallory.sign), RESOLVER)


def test_unknown_kid() -> None:
    pair = _key()
    credential = _credential(did_key(pair.public))
    header = {"alg": "EdDSA", "kid": did_key(pair.public) + "#other", "typ": "vc+jwt"}
    with pytest.raises(JoseError, match="cannot be resolved"):
        verify_vc_jwt(_forge(header, credential, pair.sign), RESOLVER)


@pytest.mark.parametrize("signature", [b"", b"\x00" * 64])
def test_alg_none(signature: bytes) -> None:
    pair = _key()
    credential = _credential(did_key(pair.public))
    header = {"alg": "none", "kid": did_key_verification_method(pair.public), "typ": "vc+jwt"}
    with pytest.raises(JoseError, match=r'header\.alg "none" is not accepted'):
        verify_vc_jwt(_forge(header, credential, lambda _: signature), RESOLVER)


@pytest.mark.parametrize("alg", ["HS256", "HS384", "RS256", "ES512", "Ed25519", None])
def test_other_algorithms(alg: str | None) -> None:
    pair = _key()
    header = {"alg": alg, "kid": did_key_verification_method(pair.public), "typ": "vc+jwt"}
    token = _forge(header, _credential(did_key(pair.public)), lambda _: b"\x01" * 64)
    with pytest.raises(JoseError, match=r"header\.alg"):
        verify_vc_jwt(token, RESOLVER)


@pytest.mark.parametrize("secret", ["raw", "multibase"])
def test_hs256_with_the_public_key_as_secret(secret: str) -> None:
    pair = _key()
    key = pair.public.raw if secret == "raw" else pair.public.multibase.encode()
    header = {"alg": "HS256", "kid": did_key_verification_method(pair.public), "typ": "vc+jwt"}
    credential = _credential(did_key(pair.public))
    token = _forge(header, credential, lambda data: hmac.new(key, data, hashlib.sha256).digest())
    with pytest.raises(JoseError, match="HS256"):
        verify_vc_jwt(token, RESOLVER)


def test_hs256_through_jwcrypto_with_the_public_jwk() -> None:
    pair = _key()
    kid = did_key_verification_method(pair.public)
    public_jwk = JWK.from_pyca(pair.public.key_object).export_public()
    secret = JWK(kty="oct", k=_b64(public_jwk.encode()))
    jws = JWS(json.dumps(_credential(did_key(pair.public))).encode())
    jws.add_signature(secret, protected=json.dumps({"alg": "HS256", "kid": kid, "typ": "vc+jwt"}))
    with pytest.raises(JoseError, match="HS256"):
        verify_vc_jwt(jws.serialize(compact=True), RESOLVER)


def test_alg_that_does_not_fit_the_key() -> None:
    pair = _key("Ed25519")
    header = {"alg": "ES256", "kid": did_key_verification_method(pair.public), "typ": "vc+jwt"}
    token = _forge(header, _credential(did_key(pair.public)), pair.sign)
    with pytest.raises(JoseError, match="holds an Ed25519 key"):
        verify_vc_jwt(token, RESOLVER)


def test_issuer_mismatch() -> None:
    signer, other = _key("Ed25519", 1), _key("Ed25519", 2)
    kid = did_key_verification_method(signer.public)
    credential = _credential(did_key(other.public))
    with pytest.raises(JoseError, match="does not match the DID of kid"):
        sign_vc_jwt(credential, signer, kid=kid)
    token = _forge({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, credential, signer.sign)
    with pytest.raises(JoseError, match="does not match the DID of kid"):
        verify_vc_jwt(token, RESOLVER)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issuer": None}, "issuer must be"),
        ({"issuer": {"name": "no id"}}, "issuer must be"),
        ({"type": ["OpenBadgeCredential"]}, "must include VerifiableCredential"),
    ],
)
def test_payload_shape(change: dict[str, Any], message: str) -> None:
    pair = _key()
    kid = did_key_verification_method(pair.public)
    credential = {**_credential(did_key(pair.public)), **change}
    token = _forge({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, credential, pair.sign)
    with pytest.raises(JoseError, match=message):
        verify_vc_jwt(token, RESOLVER)


def test_key_not_authorized_for_assertion() -> None:
    pair = _key()
    record = KeyRecord(
        "login",
        pair.public,
        datetime(2025, 1, 1, tzinfo=UTC),
        relationships=frozenset({"authentication"}),
    )
    resolver = DIDResolver(documents={ORG: build_did_web_document(ORG, [record])})
    token = sign_vc_jwt(_credential(ORG), pair, kid=f"{ORG}#login")
    with pytest.raises(JoseError, match="not authorized for assertionMethod"):
        verify_vc_jwt(token, resolver)


def test_oversize() -> None:
    pair = _key()
    big = _credential(did_key(pair.public), description="x" * MAX_TOKEN_LENGTH)
    token = sign_vc_jwt(big, pair, kid=did_key_verification_method(pair.public))
    with pytest.raises(JoseError, match="limit is 65536"):
        verify_vc_jwt(token, RESOLVER)
    assert verify_vc_jwt(token, RESOLVER, max_length=len(token)) == big


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t.rsplit(".", 1)[0], "3 dot-separated parts"),
        (lambda t: t + ".x", "3 dot-separated parts"),
        (lambda t: t + "=", "not unpadded base64url"),
        (lambda t: " " + t, "not unpadded base64url"),
        (lambda t: t.replace(".", "..", 1), "3 dot-separated parts"),
        (lambda t: json.dumps({"payload": t}), "header is not unpadded base64url"),
        (lambda t: t[: t.rindex(".") + 1], "signature is not unpadded"),
    ],
)
def test_strict_compact_form(mangle: Any, message: str) -> None:
    token = _signed()[3]
    with pytest.raises(JoseError, match=message):
        verify_vc_jwt(mangle(token), RESOLVER)


def test_non_canonical_base64url_signature() -> None:
    token = _signed()[3]
    # 64 bytes → 86 characters; the last one carries 4 unused bits, which must be zero.
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(JoseError, match="canonical"):
        verify_vc_jwt(token[:-1] + twin, RESOLVER)


@pytest.mark.parametrize(
    ("header_json", "message"),
    [
        ('{"alg":"EdDSA","alg":"EdDSA","kid":"%s","typ":"vc+jwt"}', "duplicate member"),
        ('{"alg":"EdDSA","kid":"%s","typ":"JWT"}', "typ 'JWT'"),
        ('{"alg":"EdDSA","kid":"%s"}', "header.typ must be"),
        ('{"alg":"EdDSA","typ":"vc+jwt","x":"%s"}', "header.kid"),
        ('{"alg":"EdDSA","kid":"%s","typ":"vc+jwt","crit":["exp"]}', "header.crit"),
        ('["EdDSA","%s"]', "must be a JSON object"),
        ('{"alg":"EdDSA","kid":"%s","typ":"vc+jwt","n":NaN}', "not valid JSON"),
    ],
)
def test_bad_headers(header_json: str, message: str) -> None:
    pair = _key()
    header = _b64((header_json % did_key_verification_method(pair.public)).encode())
    signing_input = f"{header}.{_json_part(_credential(did_key(pair.public)))}"
    token = f"{signing_input}.{_b64(pair.sign(signing_input.encode()))}"
    with pytest.raises(JoseError, match=message):
        verify_vc_jwt(token, RESOLVER)


def test_application_media_type_typ_accepted() -> None:
    pair = _key()
    kid = did_key_verification_method(pair.public)
    credential = _credential(did_key(pair.public))
    header = {"alg": "EdDSA", "kid": kid, "typ": "application/vc+jwt"}
    assert verify_vc_jwt(_forge(header, credential, pair.sign), RESOLVER) == credential


def test_jwt_time_claims_when_now_is_given() -> None:
    pair = _key()
    kid = did_key_verification_method(pair.public)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expired = _credential(did_key(pair.public), exp=int(now.timestamp()) - 1)
    token = _forge({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, expired, pair.sign)
    assert verify_vc_jwt(token, RESOLVER)["exp"] == expired["exp"]
    with pytest.raises(JoseError, match="exp"):
        verify_vc_jwt(token, RESOLVER, now=now)
    early = _credential(did_key(pair.public), nbf=int(now.timestamp()) + 60)
    token = _forge({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, early, pair.sign)
    with pytest.raises(JoseError, match="nbf"):
        verify_vc_jwt(token, RESOLVER, now=now)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kid": "key-1"}, "kid must be a DID URL"),
        ({"typ": "JWT"}, "typ 'JWT'"),
    ],
)
def test_sign_refuses_misuse(kwargs: dict[str, Any], message: str) -> None:
    pair = _key()
    options: dict[str, Any] = {"kid": did_key_verification_method(pair.public), **kwargs}
    with pytest.raises(JoseError, match=message):
        sign_vc_jwt(_credential(did_key(pair.public)), pair, **options)


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


@settings(max_examples=200)
@given(data=st.data())
def test_any_single_character_change_is_refused(data: st.DataObject) -> None:
    token = _signed()[3]
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(_TOKEN_CHARS).filter(lambda c: c != token[index]))
    with pytest.raises(JoseError):
        verify_vc_jwt(token[:index] + replacement + token[index + 1 :], RESOLVER)
