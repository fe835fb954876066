"""The issuer's routes, one module per resource."""

from fastapi import APIRouter

from issuer.routes import admin, credentials, dids, keys, registry, schemas, status, vc_api


def create_router() -> APIRouter:
    """Every issuer route (handlers read their IssuerContext from ``app.state.issuer``)."""
    router = APIRouter()
    for module in (admin, registry, dids, keys, credentials, vc_api, status, schemas):
        router.include_router(module.router)
    return router
