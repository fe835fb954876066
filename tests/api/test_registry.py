"""The public registry: JSON a verifier can cache, and a plain page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from issuer import keystore
from issuer import organizations as orgs
from issuer.audit import GENESIS
from issuer.models import AuditHead
from tests.api.test_admin import EVALUATION_SCOPE, SCHOOL_SCOPE, accredit, create, problem
from tests.support.service import Service


def _registry(service: Service, path: str = "/registry", **headers: str) -> Any:
    return service.client.get(path, headers=headers)


def _head(service: Service) -> dict[str, Any]:
    with Session(service.engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        return {"sequence": head.sequence, "hash": head.hash}


def test_empty_registry(service: Service) -> None:
    response = _registry(service)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"organizations": [], "auditHead": {"sequence": 0, "hash": GENESIS}}


def test_registry_lists_organizations_accreditations_keys_and_head(service: Service) -> None:
    create(service, "webedu", code="ETO-001")
    create(service, "hz-vtc", kind="school", nameZh="杭州职业技术学院", nameEn="HZ VTC")
    granted = accredit(service, "webedu")
    accredit(service, "hz-vtc", SCHOOL_SCOPE)
    service.client.post(
        f"/admin/accreditations/{granted['id']}/suspend",
        json={"reason": "inspection"},
        headers=service.as_supervisor(),
    )
    body = _registry(service).json()
    assert [o["slug"] for o in body["organizations"]] == ["hz-vtc", "webedu"]
    school, evaluation = body["organizations"]
    assert school["kind"] == "school" and school["nameZh"] == "杭州职业技术学院"
    assert evaluation["did"] == "did:web:127.0.0.1%3A8000:orgs:webedu"
    assert evaluation["code"] == "ETO-001"
    [accreditation] = evaluation["accreditations"]
    assert accreditation["scope"] == EVALUATION_SCOPE
    assert accreditation["validFrom"] == "2026-01-01T00:00:00Z"
    assert accreditation["status"] == "suspended"
    assert accreditation["statusReason"] == "inspection"
    [key] = evaluation["keys"]
    assert key["id"] == evaluation["did"] + "#key-1"
    assert key["fragment"] == "key-1" and key["algorithm"] == "Ed25519"
    assert key["publicKeyMultibase"].startswith("z6Mk")
    assert key["activeFrom"] == "2026-11-28T09:00:00Z" and key["retiredAt"] is None
    assert body["auditHead"] == _head(service)
    assert body["auditHead"]["sequence"] > 0


def test_rotation_shows_in_the_key_history(service: Service) -> None:
    create(service)
    service.clock.advance(days=30)
    context = service.app.state.issuer
    with context.sessions() as session:
        organization = orgs.get_organization(session, "webedu")
        assert organization is not None
        keystore.rotate_key(
            session, organization, context=context, now=service.clock(), actor="test"
        )
        session.commit()
    keys = _registry(service, "/registry/webedu").json()["organization"]["keys"]
    by_fragment = {key["fragment"]: key for key in keys}
    assert by_fragment["key-1"]["retiredAt"] == "2026-12-28T09:00:00Z"
    assert by_fragment["key-2"]["activeFrom"] == "2026-12-28T09:00:00Z"
    assert by_fragment["key-2"]["retiredAt"] is None
    document = service.client.get("/orgs/webedu/did.json").json()
    published = {vm["publicKeyMultibase"] for vm in document["verificationMethod"]}
    assert published == {key["publicKeyMultibase"] for key in keys}


def test_did_key_organization_key_id(service: Service) -> None:
    did = create(service, didMethod="key")["organization"]["did"]
    [key] = _registry(service, "/registry/webedu").json()["organization"]["keys"]
    assert key["id"] == f"{did}#{key['publicKeyMultibase']}"


def test_caching_headers_and_304(service: Service) -> None:
    create(service)
    first = _registry(service)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=300"
    assert _registry(service).headers["etag"] == etag  # stable while nothing changes
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = _registry(service, **{"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert _registry(service, **{"If-None-Match": '"other"'}).status_code == 200
    service.clock.advance(hours=1)
    assert _registry(service).headers["etag"] == etag  # the body holds no clock reading
    accredit(service, "webedu")
    changed = _registry(service, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_one_organization(service: Service) -> None:
    create(service)
    response = _registry(service, "/registry/webedu")
    assert response.status_code == 200
    body = response.json()
    assert body["organization"]["slug"] == "webedu"
    assert body["auditHead"] == _head(service)
    etag = response.headers["etag"]
    assert response.headers["cache-control"] == "public, max-age=300"
    assert _registry(service, "/registry/webedu", **{"If-None-Match": etag}).status_code == 304
    assert body["organization"] == _registry(service).json()["organizations"][0]


def test_unknown_organization_is_404(service: Service) -> None:
    problem(_registry(service, "/registry/nobody"), 404)


def test_registry_needs_no_key_and_ignores_one(service: Service) -> None:
    created = create(service)
    response = _registry(service, Authorization=f"Bearer {created['apiKey']['key']}")
    assert response.status_code == 200


def test_page_is_plain_escaped_bilingual(service: Service) -> None:
    create(service, "webedu", nameZh="<script>alert(1)</script>某某", nameEn='A & "B"')
    accredit(service, "webedu")
    response = _registry(service, "/registry.html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;某某" in page
    assert "A &amp; &quot;B&quot;" in page
    for label in (
        "认定机构名录",
        "Registry of accredited organizations",
        "Web前端开发",
        "初级 / junior",
        "有效 / active",
        "did:web:127.0.0.1%3A8000:orgs:webedu",
    ):
        assert label in page, label
    etag = response.headers["etag"]
    assert _registry(service, "/registry.html", **{"If-None-Match": etag}).status_code == 304


def test_empty_page(service: Service) -> None:
    assert "No organization is registered" in _registry(service, "/registry.html").text


def test_registry_routes_are_documented(service: Service) -> None:
    paths = service.client.get("/openapi.json").json()["paths"]
    for path in ("/registry", "/registry/{slug}", "/registry.html"):
        assert paths[path]["get"]["tags"] == ["registry"]
    schema = paths["/registry"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/Registry")
