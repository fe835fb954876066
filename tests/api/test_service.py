"""The service shell: health, the one error shape, request limits."""

from __future__ import annotations

from tests.support.service import Service


def test_health(service: Service) -> None:
    response = service.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_a_problem_detail(service: Service) -> None:
    response = service.client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"


def test_oversized_body_is_refused(service: Service) -> None:
    response = service.client.post(
        "/health", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("the request body exceeds")


def test_deeply_nested_json_is_refused(service: Service) -> None:
    response = service.client.post(
        "/health", content=b"[" * 40 + b"]" * 40, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


def test_openapi_describes_every_route(service: Service) -> None:
    spec = service.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), (method, path)
