"""Supervision routes: organizations, accreditations, API keys; a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import ApiKey, AuditEntry, Organization
from service.schema import METADATA
from tests.support.service import Service

WEB_DOMAIN = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
EVALUATION_SCOPE = {"skillDomains": [WEB_DOMAIN], "levels": ["junior", "intermediate", "senior"]}
SCHOOL_SCOPE = {
    "educationLevels": ["higher-vocational"],
    "majors": [{"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"}],
}
PERIOD = {"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2030-12-31T23:59:59Z"}


def counts(service: Service) -> dict[str, int]:
    """Rows in every table."""
    with Session(service.engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for metadata in METADATA
            for table in metadata.sorted_tables
        }


@contextmanager
def writes_nothing(service: Service) -> Iterator[None]:
    before = counts(service)
    yield
    assert counts(service) == before


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def create(service: Service, slug: str = "webedu", **extra: Any) -> dict[str, Any]:
    body = {
        "slug": slug,
        "kind": "evaluation-organization",
        "nameZh": "某某教育科技",
        "nameEn": "Someone Education Technology",
        **extra,
    }
    response = service.client.post(
        "/admin/organizations", json=body, headers=service.as_supervisor()
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def org_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def accredit(
    service: Service, slug: str, scope: dict[str, Any] = EVALUATION_SCOPE, **period: str
) -> dict[str, Any]:
    response = service.client.post(
        f"/admin/organizations/{slug}/accreditations",
        json={"scope": scope, **PERIOD, **period},
        headers=service.as_supervisor(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- organizations -------------------------------------------------------------------------


def test_register_a_did_web_organization(service: Service) -> None:
    before = counts(service)
    created = create(service, code="ETO-001")
    organization = created["organization"]
    assert organization["did"] == "did:web:127.0.0.1%3A8000:orgs:webedu"
    assert organization["didMethod"] == "web"
    assert organization["kind"] == "evaluation-organization"
    assert organization["code"] == "ETO-001"
    assert organization["accreditations"] == []
    key = created["apiKey"]
    assert key["key"].startswith(f"onex_{key['prefix']}_")
    after = counts(service)
    assert after["organizations"] == before["organizations"] + 1
    assert after["signing_keys"] == before["signing_keys"] + 1
    assert after["api_keys"] == before["api_keys"] + 1
    with Session(service.engine) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence)))
        actors = set(session.scalars(select(AuditEntry.actor)))
    assert "organization.register" in actions and "api-key.create" in actions
    assert actors == {"supervisor:1"}
    # the organization's key works: it is recognised (403, not 401) on a supervisor route
    response = service.client.get("/admin/organizations", headers=org_headers(key["key"]))
    problem(response, 403)


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256"])
def test_register_a_did_key_organization(service: Service, algorithm: str) -> None:
    created = create(service, didMethod="key", keyAlgorithm=algorithm)
    did = created["organization"]["did"]
    assert did.startswith("did:key:z")
    registry = service.client.get("/registry/webedu").json()["organization"]
    assert registry["keys"][0]["algorithm"] == algorithm
    assert did == "did:key:" + registry["keys"][0]["publicKeyMultibase"]


def test_a_school(service: Service) -> None:
    created = create(
        service,
        "hz-vtc",
        kind="school",
        nameZh="杭州职业技术学院",
        nameEn="Hangzhou Vocational & Technical College",
    )
    assert created["organization"]["kind"] == "school"


def test_list_and_get(service: Service) -> None:
    create(service, "bbb-org")
    create(service, "aaa-org")
    listed = service.client.get("/admin/organizations", headers=service.as_supervisor()).json()
    assert [o["slug"] for o in listed] == ["aaa-org", "bbb-org"]
    detail = service.client.get(
        "/admin/organizations/aaa-org", headers=service.as_supervisor()
    ).json()
    assert detail["slug"] == "aaa-org"
    assert len(detail["apiKeys"]) == 1
    assert "key" not in detail["apiKeys"][0] and "secretHash" not in detail["apiKeys"][0]


BAD_ORGANIZATIONS = [
    pytest.param({"slug": "ab"}, id="slug-too-short"),
    pytest.param({"slug": "Upper"}, id="slug-upper-case"),
    pytest.param({"slug": "a_b_c"}, id="slug-underscore"),
    pytest.param({"slug": "x" * 65}, id="slug-too-long"),
    pytest.param({"kind": "company"}, id="kind"),
    pytest.param({"nameZh": ""}, id="empty-name"),
    pytest.param({"didMethod": "ion"}, id="did-method"),
    pytest.param({"keyAlgorithm": "RSA"}, id="key-algorithm"),
    pytest.param({"extra": 1}, id="unknown-field"),
]


@pytest.mark.parametrize("change", BAD_ORGANIZATIONS)
def test_bad_organization_is_422_and_writes_nothing(
    service: Service, change: dict[str, Any]
) -> None:
    body = {"slug": "okay-org", "kind": "school", "nameZh": "学校", "nameEn": "School", **change}
    with writes_nothing(service):
        response = service.client.post(
            "/admin/organizations", json=body, headers=service.as_supervisor()
        )
        problem(response, 422)


def test_duplicate_slug_is_409_and_writes_nothing(service: Service) -> None:
    create(service)
    with writes_nothing(service):
        body = problem(
            service.client.post(
                "/admin/organizations",
                headers=service.as_supervisor(),
                json={"slug": "webedu", "kind": "school", "nameZh": "学校", "nameEn": "School"},
            ),
            409,
        )
    assert "webedu" in body["detail"]


def _routes(slug: str, accreditation_id: int, prefix: str) -> list[tuple[str, str, Any]]:
    return [
        (
            "POST",
            "/admin/organizations",
            {"slug": "new-org", "kind": "school", "nameZh": "学校", "nameEn": "School"},
        ),
        ("GET", "/admin/organizations", None),
        ("GET", f"/admin/organizations/{slug}", None),
        (
            "POST",
            f"/admin/organizations/{slug}/accreditations",
            {"scope": EVALUATION_SCOPE, **PERIOD},
        ),
        ("POST", f"/admin/accreditations/{accreditation_id}/suspend", {"reason": "inspection"}),
        ("POST", f"/admin/accreditations/{accreditation_id}/reinstate", {"reason": "ok"}),
        ("POST", f"/admin/accreditations/{accreditation_id}/end", {"reason": "closed"}),
        ("POST", f"/admin/organizations/{slug}/api-keys", {"label": "x"}),
        ("DELETE", f"/admin/api-keys/{prefix}", None),
    ]


@pytest.mark.parametrize("who", ["nobody", "malformed", "unknown", "organization"])
def test_only_a_supervisor_may_call(service: Service, who: str) -> None:
    created = create(service)
    accreditation = accredit(service, "webedu")
    headers = {
        "nobody": {},
        "malformed": {"Authorization": "Bearer not-a-key"},
        "unknown": {"Authorization": "Bearer onex_000000000000_nope"},
        "organization": org_headers(created["apiKey"]["key"]),
    }[who]
    status = 403 if who == "organization" else 401
    for method, path, body in _routes("webedu", accreditation["id"], created["apiKey"]["prefix"]):
        with writes_nothing(service):
            response = service.client.request(method, path, json=body, headers=headers)
            problem(response, status)
            if status == 401:
                assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_supervisor_key_is_401(service: Service) -> None:
    with Session(service.engine) as session:
        prefix = session.scalar(select(ApiKey.prefix).where(ApiKey.role == "supervisor"))
    assert (
        service.client.delete(
            f"/admin/api-keys/{prefix}", headers=service.as_supervisor()
        ).status_code
        == 204
    )
    problem(service.client.get("/admin/organizations", headers=service.as_supervisor()), 401)


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/admin/organizations/no-such-org", None),
        (
            "POST",
            "/admin/organizations/no-such-org/accreditations",
            {"scope": EVALUATION_SCOPE, **PERIOD},
        ),
        ("POST", "/admin/accreditations/999/suspend", {"reason": "x"}),
        ("POST", "/admin/accreditations/999/reinstate", {}),
        ("POST", "/admin/accreditations/999/end", {"reason": "x"}),
        ("POST", "/admin/organizations/no-such-org/api-keys", {}),
        ("DELETE", "/admin/api-keys/abcdef012345", None),
    ],
)
def test_unknown_things_are_404(service: Service, method: str, path: str, body: Any) -> None:
    create(service)
    with writes_nothing(service):
        problem(
            service.client.request(method, path, json=body, headers=service.as_supervisor()), 404
        )


# --- accreditations ------------------------------------------------------------------------


def test_accredit_an_evaluation_organization(service: Service) -> None:
    create(service)
    body = accredit(service, "webedu")
    assert body["organization"] == "webedu"
    assert body["scope"] == EVALUATION_SCOPE
    assert body["validFrom"] == "2026-01-01T00:00:00Z"
    assert body["validUntil"] == "2030-12-31T23:59:59Z"
    assert body["status"] == "active" and body["statusReason"] is None
    detail = service.client.get(
        "/admin/organizations/webedu", headers=service.as_supervisor()
    ).json()
    assert [a["id"] for a in detail["accreditations"]] == [body["id"]]


def test_accredit_a_school(service: Service) -> None:
    create(service, "hz-vtc", kind="school")
    assert accredit(service, "hz-vtc", SCHOOL_SCOPE)["scope"] == SCHOOL_SCOPE


BAD_ACCREDITATIONS = [
    pytest.param("webedu", {"scope": SCHOOL_SCOPE}, id="school-scope-for-evaluation-org"),
    pytest.param("a-school", {"scope": EVALUATION_SCOPE}, id="evaluation-scope-for-school"),
    pytest.param("webedu", {"validUntil": "2025-12-31T00:00:00Z"}, id="until-before-from"),
    pytest.param("webedu", {"validUntil": "2026-01-01T00:00:00Z"}, id="empty-period"),
    pytest.param(
        "webedu",
        {"validFrom": "2020-01-01T00:00:00Z", "validUntil": "2026-11-28T08:59:59Z"},
        id="already-over",
    ),
    pytest.param("webedu", {"validFrom": "2026-01-01T00:00:00"}, id="naive-time"),
    pytest.param("webedu", {"validFrom": "yesterday"}, id="not-a-time"),
    pytest.param("webedu", {"scope": {**EVALUATION_SCOPE, "levels": []}}, id="no-levels"),
    pytest.param(
        "webedu", {"scope": {**EVALUATION_SCOPE, "levels": ["master"]}}, id="unknown-level"
    ),
    pytest.param(
        "webedu",
        {"scope": {**EVALUATION_SCOPE, "levels": ["junior", "junior"]}},
        id="repeated-level",
    ),
    pytest.param(
        "webedu",
        {"scope": {**EVALUATION_SCOPE, "skillDomains": [WEB_DOMAIN, WEB_DOMAIN]}},
        id="repeated-domain",
    ),
    pytest.param(
        "webedu",
        {"scope": {**EVALUATION_SCOPE, "skillDomains": [{**WEB_DOMAIN, "code": "04 02"}]}},
        id="bad-code",
    ),
    pytest.param(
        "webedu",
        {"scope": {**EVALUATION_SCOPE, "skillDomains": [{**WEB_DOMAIN, "nameEn": ""}]}},
        id="empty-name",
    ),
    pytest.param(
        "a-school",
        {"scope": {**SCHOOL_SCOPE, "educationLevels": ["doctorate"]}},
        id="unknown-education-level",
    ),
    pytest.param("a-school", {"scope": {**SCHOOL_SCOPE, "extra": True}}, id="unknown-field"),
    pytest.param("webedu", {"scope": None}, id="no-scope"),
]


@pytest.mark.parametrize("slug,change", BAD_ACCREDITATIONS)
def test_bad_accreditation_is_422_and_writes_nothing(
    service: Service, slug: str, change: dict[str, Any]
) -> None:
    create(service)
    create(service, "a-school", kind="school")
    body = {"scope": EVALUATION_SCOPE if slug == "webedu" else SCHOOL_SCOPE, **PERIOD, **change}
    with writes_nothing(service):
        problem(
            service.client.post(
                f"/admin/organizations/{slug}/accreditations",
                json=body,
                headers=service.as_supervisor(),
            ),
            422,
        )


def _change(service: Service, accreditation_id: int, verb: str, body: Any = None) -> Any:
    return service.client.post(
        f"/admin/accreditations/{accreditation_id}/{verb}",
        json=body,
        headers=service.as_supervisor(),
    )


def test_suspend_reinstate_end(service: Service) -> None:
    create(service)
    accreditation_id = accredit(service, "webedu")["id"]
    service.clock.advance(days=1)
    suspended = _change(service, accreditation_id, "suspend", {"reason": "考核作弊调查 cheating"})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["statusReason"] == "考核作弊调查 cheating"
    assert suspended.json()["updatedAt"] == "2026-11-29T09:00:00Z"
    reinstated = _change(service, accreditation_id, "reinstate")
    assert reinstated.status_code == 200, reinstated.text
    assert reinstated.json()["status"] == "active"
    assert reinstated.json()["statusReason"] is None
    ended = _change(service, accreditation_id, "end", {"reason": "organization dissolved"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    with Session(service.engine) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence)))
    assert actions[-4:] == [
        "accreditation.grant",
        "accreditation.suspend",
        "accreditation.reinstate",
        "accreditation.end",
    ]


@pytest.mark.parametrize(
    "setup,verb,body,status",
    [
        ([], "suspend", {}, 422),
        ([], "suspend", {"reason": "   "}, 422),
        ([], "suspend", None, 422),
        ([], "end", {}, 422),
        ([], "suspend", {"reason": "x" * 1001}, 422),
        ([], "reinstate", {}, 409),
        (["suspend"], "suspend", {"reason": "again"}, 409),
        (["end"], "suspend", {"reason": "x"}, 409),
        (["end"], "reinstate", {}, 409),
        (["end"], "end", {"reason": "again"}, 409),
        (["suspend", "end"], "reinstate", {"reason": "please"}, 409),
    ],
)
def test_bad_changes_are_refused_and_write_nothing(
    service: Service, setup: list[str], verb: str, body: Any, status: int
) -> None:
    create(service)
    accreditation_id = accredit(service, "webedu")["id"]
    for step in setup:
        assert _change(service, accreditation_id, step, {"reason": "set up"}).status_code == 200
    with writes_nothing(service):
        detail = problem(_change(service, accreditation_id, verb, body), status)["detail"]
    if status == 409:
        assert str(accreditation_id) in detail
    if setup[-1:] == ["end"]:
        assert "final" in detail


# --- API keys ------------------------------------------------------------------------------


def test_api_keys_are_shown_once_and_revocable(service: Service) -> None:
    create(service)
    response = service.client.post(
        "/admin/organizations/webedu/api-keys",
        json={"label": "batch job"},
        headers=service.as_supervisor(),
    )
    assert response.status_code == 201, response.text
    key = response.json()
    assert key["label"] == "batch job" and key["revokedAt"] is None
    problem(service.client.get("/admin/organizations", headers=org_headers(key["key"])), 403)
    detail = service.client.get("/admin/organizations/webedu", headers=service.as_supervisor()).text
    assert key["key"] not in detail and key["key"].split("_", 2)[2] not in detail
    response = service.client.delete(
        f"/admin/api-keys/{key['prefix']}", headers=service.as_supervisor()
    )
    assert response.status_code == 204 and response.content == b""
    problem(service.client.get("/admin/organizations", headers=org_headers(key["key"])), 401)
    with writes_nothing(service):
        problem(
            service.client.delete(
                f"/admin/api-keys/{key['prefix']}", headers=service.as_supervisor()
            ),
            409,
        )
    with Session(service.engine) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.prefix == key["prefix"]))
        assert row is not None and row.revoked_at is not None
        assert (
            session.scalar(select(AuditEntry.action).order_by(AuditEntry.sequence.desc()).limit(1))
            == "api-key.revoke"
        )


def test_api_key_without_a_body(service: Service) -> None:
    create(service)
    response = service.client.post(
        "/admin/organizations/webedu/api-keys", headers=service.as_supervisor()
    )
    assert response.status_code == 201, response.text
    assert response.json()["label"] == ""


def test_bad_prefix_is_422(service: Service) -> None:
    with writes_nothing(service):
        problem(
            service.client.delete("/admin/api-keys/NOT-HEX", headers=service.as_supervisor()), 422
        )


def test_no_secret_in_any_output_model(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        properties = schema.get("properties", {})
        assert "secretHash" not in properties and "secretCiphertext" not in properties, name
    assert set(schemas["ApiKeyOut"]["properties"]) == {"prefix", "label", "createdAt", "revokedAt"}
    tags = {
        op["tags"][0]
        for path, ops in spec["paths"].items()
        if path.startswith("/admin")
        for op in ops.values()
    }
    assert tags == {"supervision"}


def test_organizations_table_holds_what_was_sent(service: Service) -> None:
    create(service, nameZh="  某某教育科技  ")
    with Session(service.engine) as session:
        row = session.scalar(select(Organization))
        assert row is not None and row.name_zh == "某某教育科技"
