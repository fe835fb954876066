"""Learners, offers and claimed credentials through the real API, for wallet tests."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tests.support.orgs import Org, evaluation_org, x_certificate_request
from tests.support.service import Service

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class LearnerAccount:
    username: str
    did: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register(service: Service, username: str, **extra: Any) -> LearnerAccount:
    body = {"username": username, "password": PASSWORD, "displayName": username.title(), **extra}
    response = service.client.post("/wallet/account/register", json=body)
    assert response.status_code == 201, response.text
    return login(service, username)


def login(service: Service, username: str, password: str = PASSWORD) -> LearnerAccount:
    response = service.client.post(
        "/wallet/account/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    return LearnerAccount(username, answer["account"]["did"], answer["token"])


def offer_request(number: str = "2024110101020345") -> dict[str, Any]:
    """An X certificate request without a learner DID (so it becomes an offer)."""
    request = copy.deepcopy(x_certificate_request(number))
    del request["learner"]["did"]
    return request


def make_offer(
    service: Service, org: Org, number: str = "2024110101020345", days: int = 30
) -> dict[str, Any]:
    response = service.client.post(
        f"/orgs/{org.slug}/offers/x-certificates?expiresInDays={days}",
        json=offer_request(number),
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def claim(service: Service, learner: LearnerAccount, code: str) -> dict[str, Any]:
    response = service.client.post(
        "/wallet/credentials/claim", json={"code": code}, headers=learner.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def learner_with_credential(
    service: Service, username: str, org: Org | None = None, number: str = "2024110101020345"
) -> tuple[LearnerAccount, dict[str, Any]]:
    """A registered learner holding one claimed X certificate (the wallet entry)."""
    org = org or evaluation_org(service)
    learner = register(service, username)
    entry = claim(service, learner, make_offer(service, org, number)["claimCode"])
    return learner, entry


def create_grant(
    service: Service, learner: LearnerAccount, entry_ids: list[str], days: int = 30
) -> dict[str, Any]:
    response = service.client.post(
        "/wallet/grants",
        json={"credentialIds": entry_ids, "validDays": days},
        headers=learner.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
