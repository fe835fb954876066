"""Authorization: for every wallet route, anonymous callers and another learner are refused.

A learner never sees, shares or deletes another's credentials or grants: the other's wallet
entries and grants answer 404 (as if absent, so their existence is not revealed), lists and
exports show only one's own, and refused requests change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.support.service import Service
from tests.support.wallet import LearnerAccount, create_grant, learner_with_credential, register

# Every route of the learner's API: (method, path) → JSON body (None: no body).
# "{entry}" and "{grant}" are filled with the victim's wallet entry and grant.
LEARNER_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/wallet/account"): None,
    ("POST", "/wallet/account/logout"): None,
    ("GET", "/wallet/credentials"): None,
    ("POST", "/wallet/credentials/refresh"): None,
    ("GET", "/wallet/credentials/{entry_id}"): None,
    ("DELETE", "/wallet/credentials/{entry_id}"): None,
    ("POST", "/wallet/credentials/claim"): {"code": "A" * 43},
    ("POST", "/wallet/credentials/import"): {"verifiableCredential": {"id": "urn:x"}},
    ("GET", "/wallet/export"): None,
    ("POST", "/wallet/presentations"): {"credentialIds": ["{entry}"]},
    ("POST", "/wallet/grants"): {"credentialIds": ["{entry}"], "validDays": 3},
    ("GET", "/wallet/grants"): None,
    ("GET", "/wallet/grants/{grant_id}"): None,
    ("POST", "/wallet/grants/{grant_id}/extend"): {"validDays": 3},
    ("POST", "/wallet/grants/{grant_id}/close"): None,
    ("GET", "/wallet/grants/{grant_id}/accesses"): None,
    ("GET", "/wallet/grants/{grant_id}/qr.png"): None,
    ("GET", "/wallet/grants/{grant_id}/qr.svg"): None,
    ("PUT", "/wallet/grants/{grant_id}/presentation"): {"verifiablePresentation": {"holder": "x"}},
    # the credit bank (wallet_api/routes/credit_bank.py)
    ("GET", "/wallet/credit-bank"): None,
    ("POST", "/wallet/credit-bank/deposits"): {"entryId": "{entry}"},
    ("POST", "/wallet/credit-bank/deposits/all"): None,
    ("GET", "/wallet/credit-bank/evaluation"): None,
    ("POST", "/wallet/credit-bank/applications"): {"school": "bjit", "ruleId": "rule-x"},
    ("GET", "/wallet/credit-bank/applications"): None,
    ("GET", "/wallet/credit-bank/applications/{application_id}"): None,
}
# Public on purpose: signing up and in, the page, claim-link QR codes, grant lookups.
PUBLIC_ROUTES = {
    ("POST", "/wallet/account/register"),
    ("POST", "/wallet/account/login"),
    ("GET", "/wallet"),
    ("GET", "/wallet/claim"),
    ("GET", "/wallet/static/{name}"),
    ("GET", "/wallet/claim/qr.png"),
    ("GET", "/wallet/claim/qr.svg"),
    ("GET", "/grants/{token}"),
    ("POST", "/grants/lookup"),
}
# Routes that name another learner's entry or grant (or share it) must answer 404.
NAMES_A_RESOURCE = {
    key for key, body in LEARNER_ROUTES.items() if "{" in key[1] or "{entry}" in str(body)
}


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI ≥ 0.165 keeps them nested; the
    routers included here add no prefix of their own)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def _wallet_routes(service: Service) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in _api_routes(service.app.routes):
        if route.path.startswith(("/wallet", "/grants")):
            found.update((method, route.path) for method in (route.methods or set()) - {"HEAD"})
    return found


def test_the_tables_cover_every_wallet_route(service: Service) -> None:
    assert _wallet_routes(service) == set(LEARNER_ROUTES) | PUBLIC_ROUTES


def _fill(value: Any, entry: str, grant: str) -> Any:
    if isinstance(value, str):
        return (
            value.replace("{entry}", entry)
            .replace("{entry_id}", entry)
            .replace("{grant_id}", grant)
        )
    if isinstance(value, list):
        return [_fill(v, entry, grant) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, entry, grant) for k, v in value.items()}
    return value


def _call(
    service: Service, key: tuple[str, str], entry: str, grant: str, headers: dict[str, str]
) -> Any:
    method, path = key
    body = LEARNER_ROUTES[key]
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = _fill(body, entry, grant)
    return service.client.request(method, _fill(path, entry, grant), **kwargs)


@pytest.fixture
def victim(service: Service) -> tuple[LearnerAccount, str, str]:
    learner, entry = learner_with_credential(service, "victim")
    grant = create_grant(service, learner, [entry["id"]])
    return learner, entry["id"], grant["id"]


def _victim_intact(service: Service, victim: tuple[LearnerAccount, str, str]) -> None:
    learner, entry, grant = victim
    got = service.client.get(f"/wallet/credentials/{entry}", headers=learner.headers)
    assert got.status_code == 200
    state = service.client.get(f"/wallet/grants/{grant}", headers=learner.headers).json()
    assert state["state"] == "open" and state["expiresAt"][:10] == "2026-12-28"
    log = service.client.get(f"/wallet/grants/{grant}/accesses", headers=learner.headers).json()
    assert log["total"] == 0


@pytest.mark.parametrize("key", sorted(LEARNER_ROUTES))
def test_anonymous_and_non_learner_callers_are_refused(
    service: Service, victim: tuple[LearnerAccount, str, str], key: tuple[str, str]
) -> None:
    _, entry, grant = victim
    for headers in (
        {},
        {"Authorization": "Bearer onexw_not-a-real-session"},
        {"Authorization": "Bearer onex_abc_def"},  # an organization-style API key
        service.as_supervisor(),
        {"Authorization": "Basic dmljdGltOnBhc3N3b3Jk"},
    ):
        answer = _call(service, key, entry, grant, headers)
        assert answer.status_code == 401, (key, headers, answer.text)
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    _victim_intact(service, victim)


@pytest.mark.parametrize("key", sorted(NAMES_A_RESOURCE))
def test_another_learner_cannot_touch_the_victims_entries_or_grants(
    service: Service, victim: tuple[LearnerAccount, str, str], key: tuple[str, str]
) -> None:
    victim_learner, entry, grant = victim
    intruder = register(service, "intruder")
    answer = _call(service, key, entry, grant, intruder.headers)
    assert answer.status_code == 404, (key, answer.text)
    assert victim_learner.did not in answer.text
    assert "verifiableCredential" not in answer.text and "code" not in answer.json()
    _victim_intact(service, victim)


def test_another_learners_lists_and_export_show_only_their_own(
    service: Service, victim: tuple[LearnerAccount, str, str]
) -> None:
    victim_learner, _, _ = victim
    intruder = register(service, "intruder")
    for path in ("/wallet/credentials", "/wallet/grants"):
        assert service.client.get(path, headers=intruder.headers).json() == {
            "total": 0,
            "items": [],
        }
    export = service.client.get("/wallet/export", headers=intruder.headers).json()
    assert export["credentials"] == [] and export["grants"] == []
    assert victim_learner.did not in str(export)
    me = service.client.get("/wallet/account", headers=intruder.headers).json()
    assert me["did"] != victim_learner.did
    service.client.post("/wallet/account/logout", headers=intruder.headers)
    _victim_intact(service, victim)
