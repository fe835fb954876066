"""Credit-bank set-up through the real API: schools' rules, certificates issued at chosen
dates and levels into a learner's wallet, deposits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.orgs import (
    SOFTWARE_MAJOR,
    WEB_FRONTEND,
    Org,
    accredit,
    create_org,
    x_certificate_request,
)
from tests.support.service import Service
from tests.support.wallet import LearnerAccount

BIG_DATA = {"code": "0501", "nameZh": "大数据分析", "nameEn": "Big Data Analysis"}
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LONG_AGO = datetime(2019, 1, 1, tzinfo=UTC)


def evaluation_org_since(service: Service, slug: str = "huaxin") -> Org:
    """An evaluation organization accredited for Web front-end and big data since 2019."""
    org = create_org(service, slug)
    accredit(
        service,
        org,
        {"skillDomains": [WEB_FRONTEND, BIG_DATA], "levels": ["junior", "intermediate", "senior"]},
        valid_from="2019-01-01T00:00:00Z",
        valid_until="2030-01-01T00:00:00Z",
    )
    return org


def school_since(service: Service, slug: str = "bjit") -> Org:
    org = create_org(service, slug, kind="school")
    accredit(
        service,
        org,
        {"educationLevels": ["higher-vocational"], "majors": [SOFTWARE_MAJOR]},
        valid_from="2019-01-01T00:00:00Z",
        valid_until="2030-01-01T00:00:00Z",
    )
    return org


def recognize(
    service: Service,
    *,
    domain: str | None = WEB_FRONTEND["code"],
    level: str | None = None,
    education_level: str | None = None,
    major: str | None = None,
    credits: float = 2,
) -> dict[str, Any]:
    """A supervisor's outcome-catalogue entry (an X certificate when ``level`` is given, else a
    diploma of ``education_level``), through the admin API."""
    outcome: dict[str, Any]
    if level is not None:
        outcome = {"kind": "x-certificate", "skillDomainCode": domain, "level": level}
    else:
        outcome = {"kind": "diploma", "educationLevel": education_level, "majorCode": major}
    response = service.client.post(
        "/admin/outcome-catalogue",
        json={
            "outcome": outcome,
            "nameZh": "认可的学习成果",
            "nameEn": "Recognized learning outcome",
            "credits": credits,
        },
        headers=service.as_supervisor(),
    )
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()
    return entry


def recognize_all(service: Service, credits: float = 2) -> None:
    """Recognize every level of Web front-end and big data, and higher-vocational diplomas."""
    for domain in (WEB_FRONTEND["code"], BIG_DATA["code"]):
        for level in ("junior", "intermediate", "senior"):
            recognize(service, domain=domain, level=level, credits=credits)
    recognize(service, education_level="higher-vocational", credits=credits)


def rule_body(
    course: str,
    *,
    domain: str = WEB_FRONTEND["code"],
    min_level: str = "intermediate",
    credits: float | None = 4,
    exemption: bool = False,
    years: int = 3,
    kind: str = "x-certificate",
) -> dict[str, Any]:
    source: dict[str, Any] = {"kind": kind}
    if kind == "x-certificate":
        source.update(skillDomainCode=domain, minLevel=min_level)
    else:
        source.update(educationLevel="higher-vocational")
    body: dict[str, Any] = {
        "major": {"code": SOFTWARE_MAJOR["code"], "nameZh": "计算机应用技术", "nameEn": "CA"},
        "course": {"code": course, "nameZh": f"课程{course}", "nameEn": f"Course {course}"},
        "source": source,
        "exemption": exemption,
        "validityYears": years,
    }
    if credits is not None:
        body["credits"] = credits
    return body


def create_rule(service: Service, school: Org, body: dict[str, Any]) -> dict[str, Any]:
    response = service.client.post(
        f"/orgs/{school.slug}/credit-rules", json=body, headers=school.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def issue_into_wallet(
    service: Service,
    org: Org,
    learner: LearnerAccount,
    *,
    at: datetime,
    level: str,
    number: str,
    domain: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Issue an X certificate to ``learner`` at ``at`` (the clock moved there and back) and
    import it into the wallet; the wallet entry."""
    back = service.clock.now
    service.clock.now = at
    body = x_certificate_request(number, level=level, domain=domain)
    body["learner"]["did"] = learner.did
    body["assessment"]["assessmentDate"] = (at - timedelta(days=1)).date().isoformat()
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates", json=body, headers=org.headers
    )
    service.clock.now = back
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    imported = service.client.post(
        "/wallet/credentials/import",
        json={"verifiableCredential": credential},
        headers=learner.headers,
    )
    assert imported.status_code == 201, imported.text
    entry: dict[str, Any] = imported.json()
    return entry


def deposit(service: Service, learner: LearnerAccount, entry_id: str) -> Any:
    return service.client.post(
        "/wallet/credit-bank/deposits", json={"entryId": entry_id}, headers=learner.headers
    )
