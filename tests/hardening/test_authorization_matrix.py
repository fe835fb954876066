"""Every route of the app × every caller: only the callers the table allows get through.

The routes come from the app's OpenAPI document (made from ``app.routes``), so a route added
without a rule in RULES fails ``test_every_route_has_a_rule``. A refusal (401, 403 or 404 for
another owner's resource) must write nothing: the rows of every table are counted before and
after.

Callers: anonymous; learners A and B (wallet session tokens); organizations A and B (API keys);
the supervisor. Every resource in a path belongs to A (organization A's slug, credential, offer,
accreditation, spare API key; learner A's wallet entry and grant).
"""

from __future__ import annotations

import re
from typing import Any

from tests.hardening.world import World, build_world, row_counts
from tests.support.credit_bank import rule_body
from tests.support.orgs import x_certificate_request
from tests.support.service import Service
from tests.support.verifier_service import DIPLOMA_REQUEST
from tests.support.wallet import offer_request

CALLERS = ("anonymous", "learner_a", "learner_b", "org_a", "org_b", "supervisor")

PUBLIC = frozenset(CALLERS)
SUPERVISOR = frozenset({"supervisor"})
ORG_A = frozenset({"org_a"})
LEARNER_A = frozenset({"learner_a"})
ANY_LEARNER = frozenset({"learner_a", "learner_b"})
ANY_API_KEY = frozenset({"org_a", "org_b", "supervisor"})

RULES: dict[str, frozenset[str]] = {
    "GET /health": PUBLIC,
    "GET /admin/organizations": SUPERVISOR,
    "POST /admin/organizations": SUPERVISOR,
    "GET /admin/organizations/{slug}": SUPERVISOR,
    "POST /admin/organizations/{slug}/accreditations": SUPERVISOR,
    "POST /admin/accreditations/{accreditation_id}/suspend": SUPERVISOR,
    "POST /admin/accreditations/{accreditation_id}/reinstate": SUPERVISOR,
    "POST /admin/accreditations/{accreditation_id}/end": SUPERVISOR,
    "POST /admin/organizations/{slug}/api-keys": SUPERVISOR,
    "DELETE /admin/api-keys/{prefix}": SUPERVISOR,
    "GET /registry": PUBLIC,
    "GET /registry.html": PUBLIC,
    "GET /registry/{slug}": PUBLIC,
    "GET /orgs/{slug}/did.json": PUBLIC,
    "GET /orgs/{slug}/keys": PUBLIC,
    "POST /orgs/{slug}/keys/rotate": ORG_A | SUPERVISOR,
    "POST /orgs/{slug}/credentials/x-certificates": ORG_A,
    "POST /orgs/{slug}/credentials/diplomas": ORG_A,
    "GET /orgs/{slug}/credentials": ORG_A,
    "GET /orgs/{slug}/credentials/{credential_id}": ORG_A,
    "POST /orgs/{slug}/credentials/issue": ORG_A,
    "GET /status/{slug}/{purpose}/{sequence}": PUBLIC,
    "GET /schemas/{kind}/v1.json": PUBLIC,
    "POST /orgs/{slug}/offers/x-certificates": ORG_A,
    "POST /orgs/{slug}/offers/diplomas": ORG_A,
    "POST /orgs/{slug}/offers/x-certificates/batch": ORG_A,
    "POST /orgs/{slug}/offers/diplomas/batch": ORG_A,
    "GET /orgs/{slug}/offers": ORG_A,
    "GET /orgs/{slug}/offers/{offer_id}": ORG_A,
    "POST /orgs/{slug}/offers/{offer_id}/withdraw": ORG_A,
    "POST /orgs/{slug}/credentials/{credential_id}/revoke": ORG_A,
    "POST /orgs/{slug}/credentials/{credential_id}/suspend": ORG_A,
    "POST /orgs/{slug}/credentials/{credential_id}/unsuspend": ORG_A,
    "POST /orgs/{slug}/credentials/{credential_id}/reissue": ORG_A,
    "POST /orgs/{slug}/credentials/status": ORG_A,
    "GET /credentials/{credential_id}/status": PUBLIC,
    "GET /batches/columns/{kind}": PUBLIC,
    "GET /batches/templates/{kind}.{extension}": PUBLIC,
    "POST /orgs/{slug}/batches": ORG_A,
    "GET /orgs/{slug}/batches": ORG_A,
    "GET /orgs/{slug}/batches/{job_id}": ORG_A,
    "GET /orgs/{slug}/batches/{job_id}/rows": ORG_A,
    "POST /orgs/{slug}/batches/{job_id}/run": ORG_A,
    "POST /orgs/{slug}/batches/{job_id}/cancel": ORG_A,
    "GET /orgs/{slug}/batches/{job_id}/report.csv": ORG_A,
    "GET /console/whoami": ANY_API_KEY,
    "POST /credentials/verify": PUBLIC,
    "POST /presentations/verify": PUBLIC,
    "POST /challenges": PUBLIC,
    "POST /verify/upload": PUBLIC,
    "GET /verify": PUBLIC,
    "POST /verify": PUBLIC,
    "POST /wallet/account/register": PUBLIC,
    "POST /wallet/account/login": PUBLIC,
    "POST /wallet/account/logout": ANY_LEARNER,
    "GET /wallet/account": ANY_LEARNER,
    "GET /wallet/credentials": ANY_LEARNER,
    "POST /wallet/credentials/refresh": ANY_LEARNER,
    "GET /wallet/credentials/{entry_id}": LEARNER_A,
    "DELETE /wallet/credentials/{entry_id}": LEARNER_A,
    "POST /wallet/credentials/claim": ANY_LEARNER,
    "POST /wallet/credentials/import": ANY_LEARNER,
    "GET /wallet/export": ANY_LEARNER,
    "POST /wallet/presentations": ANY_LEARNER,
    "GET /wallet/grants": ANY_LEARNER,
    "POST /wallet/grants": ANY_LEARNER,
    "GET /wallet/grants/{grant_id}": LEARNER_A,
    "POST /wallet/grants/{grant_id}/extend": LEARNER_A,
    "POST /wallet/grants/{grant_id}/close": LEARNER_A,
    "GET /wallet/grants/{grant_id}/accesses": LEARNER_A,
    "GET /wallet/grants/{grant_id}/qr.png": LEARNER_A,
    "GET /wallet/grants/{grant_id}/qr.svg": LEARNER_A,
    "PUT /wallet/grants/{grant_id}/presentation": LEARNER_A,
    "GET /grants/{token}": PUBLIC,
    "POST /grants/lookup": PUBLIC,
    "GET /wallet/claim/qr.png": PUBLIC,
    "GET /wallet/claim/qr.svg": PUBLIC,
    "GET /orgs/{slug}/conversions": ORG_A,
    "GET /orgs/{slug}/conversions/{conversion_id}": ORG_A,
    "POST /orgs/{slug}/conversions/{conversion_id}/approve": ORG_A,
    "POST /orgs/{slug}/conversions/{conversion_id}/reject": ORG_A,
    "GET /orgs/{slug}/credit-rules": PUBLIC,
    "POST /orgs/{slug}/credit-rules": ORG_A,
    "GET /orgs/{slug}/credit-rules/{rule_id}": PUBLIC,
    "POST /orgs/{slug}/credit-rules/{rule_id}/withdraw": ORG_A,
    "POST /admin/outcome-catalogue": SUPERVISOR,
    "POST /admin/outcome-catalogue/{outcome_id}/withdraw": SUPERVISOR,
    "GET /outcome-catalogue": PUBLIC,
    "GET /outcome-catalogue/{outcome_id}": PUBLIC,
    "GET /wallet/credit-bank": ANY_LEARNER,
    "GET /wallet/credit-bank/applications": ANY_LEARNER,
    "POST /wallet/credit-bank/applications": ANY_LEARNER,
    "GET /wallet/credit-bank/applications/{application_id}": ANY_LEARNER,
    "GET /wallet/credit-bank/evaluation": ANY_LEARNER,
    "POST /wallet/credit-bank/deposits": ANY_LEARNER,
    "POST /wallet/credit-bank/deposits/all": ANY_LEARNER,
}

DESTRUCTIVE_LAST = (
    "DELETE /admin/api-keys/{prefix}",
    "DELETE /wallet/credentials/{entry_id}",
    "POST /wallet/account/logout",
)
"""Operations whose allowed call would spoil later ones: run after everything else."""

REFUSED = frozenset({401, 403, 404})


def _operations(service: Service) -> list[str]:
    paths: dict[str, dict[str, Any]] = service.app.openapi()["paths"]
    return [f"{method.upper()} {path}" for path, ops in paths.items() for method in ops]


def test_every_route_has_a_rule(service: Service) -> None:
    operations = _operations(service)
    assert len(operations) >= 80
    missing = sorted(set(operations) - set(RULES))
    stale = sorted(set(RULES) - set(operations))
    assert not missing, f"routes without an authorization rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


def _headers(world: World, service: Service, caller: str) -> dict[str, str]:
    return {
        "anonymous": {},
        "learner_a": world.learner_a.headers,
        "learner_b": world.learner_b.headers,
        "org_a": world.org_a.headers,
        "org_b": world.org_b.headers,
        "supervisor": service.as_supervisor(),
    }[caller]


def _path(template: str, world: World) -> str:
    token = re.search(r"grant=([A-Za-z0-9_-]+)", world.grant_a["url"])
    assert token
    values = {
        "slug": world.org_a.slug,
        "credential_id": world.credential_a["id"],
        "offer_id": world.offer_a["id"],
        "accreditation_id": str(world.accreditation_a["accreditations"][0]["id"]),
        "prefix": world.spare_key["prefix"],
        "entry_id": world.entry_a["id"],
        "grant_id": world.grant_a["id"],
        "token": token.group(1),
        "job_id": "1",
        "conversion_id": "1",
        "rule_id": "1",
        "outcome_id": "lo-1",
        "application_id": "1",
        "kind": "x-certificate",
        "purpose": "revocation",
        "sequence": "0",
        "extension": "csv",
    }
    return re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], template)


REVOKE = {"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"}


def _valid_bodies(world: World) -> dict[str, Any]:
    """Bodies that pass input validation, so a refused caller reaches the ownership check
    (validation runs before the route body); anything not here gets ``{}``."""
    return {
        "POST /orgs/{slug}/credentials/x-certificates": x_certificate_request("2024110101029001"),
        "POST /orgs/{slug}/credentials/diplomas": DIPLOMA_REQUEST,
        "POST /orgs/{slug}/credentials/issue": {
            "credential": world.credential_a["verifiableCredential"]
        },
        "POST /orgs/{slug}/offers/x-certificates": offer_request("2024110101029002"),
        "POST /orgs/{slug}/offers/diplomas": DIPLOMA_REQUEST,
        "POST /orgs/{slug}/offers/x-certificates/batch": {
            "requests": [offer_request("2024110101029003")]
        },
        "POST /orgs/{slug}/offers/diplomas/batch": {"requests": [DIPLOMA_REQUEST]},
        "POST /orgs/{slug}/credentials/{credential_id}/revoke": REVOKE,
        "POST /orgs/{slug}/credentials/{credential_id}/suspend": {
            "reasonCode": "under-investigation",
            "reason": "inspection pending",
        },
        "POST /orgs/{slug}/credentials/{credential_id}/unsuspend": {
            "reasonCode": "cleared",
            "reason": "inspection found nothing",
        },
        "POST /orgs/{slug}/credentials/status": {
            "credentialId": world.credential_a["id"],
            "credentialStatus": [
                {"type": "BitstringStatusListEntry", "status": True, "statusPurpose": "revocation"}
            ],
        },
        "POST /orgs/{slug}/credit-rules": rule_body("C001"),
        "POST /admin/outcome-catalogue": {
            "outcome": {"kind": "x-certificate", "skillDomainCode": "0402", "level": "senior"},
            "nameZh": "Web前端开发（高级）",
            "nameEn": "Web front-end (senior)",
            "credits": 3,
        },
        "POST /orgs/{slug}/conversions/{conversion_id}/reject": {"reason": "no"},
        "POST /wallet/grants/{grant_id}/extend": {"validDays": 10},
        "PUT /wallet/grants/{grant_id}/presentation": {
            "verifiablePresentation": {"type": ["VerifiablePresentation"]}
        },
    }


def _request(service: Service, world: World, operation: str, caller: str, *, valid: bool) -> Any:
    """An allowed caller sends ``{}`` (refused as input by every route that needs a body, so
    the call changes little); a refused caller sends a valid body."""
    method, template = operation.split(" ", 1)
    kwargs: dict[str, Any] = {"headers": _headers(world, service, caller)}
    if method in ("POST", "PUT"):
        kwargs["json"] = _valid_bodies(world).get(operation, {}) if valid else {}
    return service.client.request(method, _path(template, world), **kwargs)


def test_only_the_allowed_callers_get_through(service: Service) -> None:
    world = build_world(service)
    operations = sorted(
        _operations(service),
        key=lambda op: DESTRUCTIVE_LAST.index(op) + 1 if op in DESTRUCTIVE_LAST else 0,
    )
    checked = 0
    failures: list[str] = []
    for operation in operations:
        allowed = RULES[operation]
        for caller in CALLERS:
            if caller in allowed:
                continue
            before = row_counts(service.engine)
            response = _request(service, world, operation, caller, valid=True)
            after = row_counts(service.engine)
            checked += 1
            if response.status_code not in REFUSED:
                failures.append(f"{operation} as {caller}: {response.status_code} (not refused)")
            elif before != after:
                changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                failures.append(f"{operation} as {caller}: refused but wrote {changed}")
        for caller in sorted(allowed):
            if caller == "anonymous" and len(allowed) > 1:
                continue  # a public route: the other callers prove the same
            response = _request(service, world, operation, caller, valid=False)
            if response.status_code in (401, 403):
                failures.append(f"{operation} as {caller}: {response.status_code} (allowed)")
    print(f"authorization matrix: {len(operations)} operations, {checked} refusals checked")
    assert checked > 200
    assert not failures, "\n".join(failures)
