"""The issuer's routes, one module per resource."""

from fastapi import APIRouter

from issuer.routes import (
    admin,
    batch,
    console,
    credentials,
    credit_rules,
    dids,
    keys,
    offers,
    outcome_catalogue,
    registry,
    revocation,
    schemas,
    status,
    vc_api,
)


def create_router() -> APIRouter:
    """Every issuer route (handlers read their IssuerContext from ``app.state.issuer``)."""
    router = APIRouter()
    modules = (admin, registry, dids, keys, credentials, vc_api, status, schemas, offers)
    for module in (*modules, revocation, batch, console, credit_rules, outcome_catalogue):
        router.include_router(module.router)
    return router
