"""A small world built through the real API, for the hardening tests: two accredited
organizations (A, B), two learners (A, B) holding one credential each, a grant, an offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from service.schema import METADATA
from tests.support.orgs import Org, evaluation_org, x_certificate_request
from tests.support.service import Service
from tests.support.wallet import (
    LearnerAccount,
    claim,
    create_grant,
    make_offer,
    register,
)


@dataclass(frozen=True)
class World:
    org_a: Org
    org_b: Org
    learner_a: LearnerAccount
    learner_b: LearnerAccount
    entry_a: dict[str, Any]
    grant_a: dict[str, Any]
    credential_a: dict[str, Any]
    offer_a: dict[str, Any]
    spare_key: dict[str, Any]
    """Organization A's second API key as created (its ``prefix`` names it)."""
    accreditation_a: dict[str, Any]


def build_world(service: Service) -> World:
    org_a = evaluation_org(service, "org-a")
    org_b = evaluation_org(service, "org-b")
    learner_a = register(service, "learner-a")
    learner_b = register(service, "learner-b")
    entry_a = claim(service, learner_a, make_offer(service, org_a, "2024110101020001")["claimCode"])
    entry_b = claim(service, learner_b, make_offer(service, org_b, "2024110101020002")["claimCode"])
    assert entry_b["id"] != entry_a["id"]
    grant_a = create_grant(service, learner_a, [entry_a["id"]])
    issued = service.client.post(
        f"/orgs/{org_a.slug}/credentials/x-certificates",
        json=x_certificate_request("2024110101020003"),
        headers=org_a.headers,
    )
    assert issued.status_code == 201, issued.text
    offer_a = make_offer(service, org_a, "2024110101020004")
    spare = service.client.post(
        f"/admin/organizations/{org_a.slug}/api-keys", json={}, headers=service.as_supervisor()
    )
    assert spare.status_code == 201, spare.text
    organization = service.client.get(
        f"/admin/organizations/{org_a.slug}", headers=service.as_supervisor()
    ).json()
    return World(
        org_a,
        org_b,
        learner_a,
        learner_b,
        entry_a,
        grant_a,
        issued.json(),
        offer_a,
        spare.json(),
        organization,
    )


def row_counts(engine: Engine) -> dict[str, int]:
    """The number of rows in every table of every package."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for metadata in METADATA
            for table in metadata.sorted_tables
        }
