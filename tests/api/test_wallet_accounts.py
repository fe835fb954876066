"""Learner accounts: register, sign in and out, sessions, keys held encrypted, rate limits."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.service import Service
from tests.support.wallet import PASSWORD, login, register
from vc.did.key import did_key
from wallet_api import accounts
from wallet_api.models import Learner, WalletSession
from wallet_api.sealing import SealError

OWN_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _learners(service: Service) -> int:
    with Session(service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Learner)) or 0)


def test_register_gives_a_did_key_held_encrypted(service: Service) -> None:
    learner = register(service, "li.xiaoming")
    me = service.client.get("/wallet/account", headers=learner.headers).json()
    assert me["did"] == learner.did and learner.did.startswith("did:key:z6Mk")
    assert me["keyHeldByWallet"] is True
    assert set(me) == {"username", "displayName", "did", "keyHeldByWallet", "createdAt"}
    context = service.app.state.wallet
    with Session(service.engine) as session:
        row = session.scalar(select(Learner).where(Learner.username == "li.xiaoming"))
        assert row is not None
        assert row.password_hash.startswith("$argon2id$")
        pair, method = accounts.learner_key(context, row)
        assert did_key(pair.public) == learner.did
        assert method.startswith(learner.did + "#")
        assert pair.secret_bytes not in (row.secret_ciphertext or b"")
        wrong = dataclasses.replace(context, key_encryption_key=b"\x01" * 32)
        with pytest.raises(SealError):
            accounts.learner_key(wrong, row)


def test_register_with_own_did(service: Service) -> None:
    learner = register(service, "self.custody", did=OWN_DID)
    assert learner.did == OWN_DID
    me = service.client.get("/wallet/account", headers=learner.headers).json()
    assert me["keyHeldByWallet"] is False


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": "ab", "password": PASSWORD}, 422),
        ({"username": "bad name", "password": PASSWORD}, 422),
        ({"username": "short.pw", "password": "123"}, 422),
        ({"username": "bad.did", "password": PASSWORD, "did": "did:example:1"}, 422),
        ({"username": "extra", "password": PASSWORD, "admin": True}, 422),
    ],
)
def test_bad_registrations_write_nothing(
    service: Service, body: dict[str, Any], status: int
) -> None:
    response = service.client.post("/wallet/account/register", json=body)
    assert response.status_code == status, response.text
    assert _learners(service) == 0


def test_taken_username_and_did(service: Service) -> None:
    register(service, "taken", did=OWN_DID)
    again = {"username": "TAKEN", "password": PASSWORD}
    assert service.client.post("/wallet/account/register", json=again).status_code == 409
    same_did = {"username": "other", "password": PASSWORD, "did": OWN_DID}
    assert service.client.post("/wallet/account/register", json=same_did).status_code == 409
    assert _learners(service) == 1


def test_login_logout_and_session_tokens_stored_hashed(service: Service) -> None:
    learner = register(service, "zhang.san")
    with Session(service.engine) as session:
        hashes = set(session.scalars(select(WalletSession.token_hash)))
    assert hashlib.sha256(learner.token.encode()).hexdigest() in hashes
    assert learner.token not in hashes
    wrong = service.client.post(
        "/wallet/account/login", json={"username": "zhang.san", "password": "wrong password"}
    )
    unknown = service.client.post(
        "/wallet/account/login", json={"username": "nobody", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    out = service.client.post("/wallet/account/logout", headers=learner.headers)
    assert out.status_code == 204
    assert service.client.get("/wallet/account", headers=learner.headers).status_code == 401


def test_session_expires(service: Service) -> None:
    learner = register(service, "expiring")
    ttl_hours = service.app.state.wallet.session_ttl.total_seconds() / 3600
    service.clock.advance(hours=ttl_hours - 0.01)
    assert service.client.get("/wallet/account", headers=learner.headers).status_code == 200
    service.clock.advance(hours=0.02)
    answer = service.client.get("/wallet/account", headers=learner.headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


def test_login_checks_a_hash_even_for_unknown_users(service: Service) -> None:
    hasher = CountingHasher()
    context = dataclasses.replace(service.app.state.wallet, password_hasher=hasher)
    with context.sessions() as session:
        assert accounts.login(session, context, "nobody-here", "whatever pass") is None
        assert accounts.login(session, context, "not a valid name!", "whatever pass") is None
    assert hasher.verified == 2


def test_login_failures_are_rate_limited_per_client(service: Service) -> None:
    register(service, "target")
    limit = service.app.state.wallet.limits.login_failures.hits
    body = {"username": "target", "password": "not the password"}
    codes = [
        service.client.post("/wallet/account/login", json=body).status_code for _ in range(limit)
    ]
    assert codes == [401] * limit
    refused = service.client.post(
        "/wallet/account/login", json={"username": "target", "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    service.clock.advance(minutes=15)
    assert login(service, "target").token


def test_registrations_are_rate_limited_per_client(service: Service) -> None:
    limit = service.app.state.wallet.limits.registrations.hits
    weak = {"password": "x"}  # refused as 422, but counted
    for i in range(limit):
        assert (
            service.client.post(
                "/wallet/account/register", json={"username": f"user{i}", **weak}
            ).status_code
            == 422
        )
    answer = service.client.post(
        "/wallet/account/register", json={"username": "one.more", "password": PASSWORD}
    )
    assert answer.status_code == 429
    assert _learners(service) == 0
