"""Setting up organizations through the real API, for API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.service import Service

WEB_FRONTEND = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
SOFTWARE_MAJOR = {"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"}


@dataclass(frozen=True)
class Org:
    slug: str
    did: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def create_org(
    service: Service, slug: str, kind: str = "evaluation-organization", **extra: Any
) -> Org:
    body = {
        "slug": slug,
        "kind": kind,
        "nameZh": f"{slug} 评价组织",
        "nameEn": f"{slug} org",
        "code": f"CODE-{slug}",
        **extra,
    }
    response = service.client.post(
        "/admin/organizations", json=body, headers=service.as_supervisor()
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    return Org(slug, answer["organization"]["did"], answer["apiKey"]["key"])


def accredit(
    service: Service,
    org: Org,
    scope: dict[str, Any],
    valid_from: str = "2026-01-01T00:00:00Z",
    valid_until: str = "2028-01-01T00:00:00Z",
) -> dict[str, Any]:
    body = {"scope": scope, "validFrom": valid_from, "validUntil": valid_until}
    response = service.client.post(
        f"/admin/organizations/{org.slug}/accreditations",
        json=body,
        headers=service.as_supervisor(),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def evaluation_org(service: Service, slug: str = "huaxin") -> Org:
    org = create_org(service, slug)
    accredit(
        service,
        org,
        {"skillDomains": [WEB_FRONTEND], "levels": ["junior", "intermediate", "senior"]},
    )
    return org


def school(service: Service, slug: str = "bjit") -> Org:
    org = create_org(service, slug, kind="school")
    accredit(service, org, {"educationLevels": ["higher-vocational"], "majors": [SOFTWARE_MAJOR]})
    return org


def x_certificate_request(
    number: str = "2024110101020345",
    level: str = "intermediate",
    domain: dict[str, str] | None = None,
) -> dict[str, Any]:
    domain = domain or WEB_FRONTEND
    return {
        "learner": {
            "name": "李晓明",
            "did": "did:key:z6Mkw9k7DKRXH8sf4YH9whEdM2B1V1JQ1ztqfUto1maoQXo6",
        },
        "licenseNumber": number,
        "skillDomain": {
            "code": domain["code"],
            "name": {"zh-CN": domain["nameZh"], "en": domain["nameEn"]},
        },
        "level": level,
        "assessment": {
            "examSite": {
                "code": "KHZD-110108-007",
                "name": {"zh-CN": "北京信息职业技术学院考核站点", "en": "BJIT exam site"},
            },
            "assessmentDate": "2026-10-22",
            "score": 86,
            "passMark": 60,
        },
        "credits": 4,
    }
