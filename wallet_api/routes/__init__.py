"""The wallet's routes: the learner's API under /wallet, the public grant lookups, the page."""

from fastapi import APIRouter

from wallet_api.routes import accounts, credentials, grants, page, public


def create_router() -> APIRouter:
    """Every wallet route (handlers read their WalletContext from ``app.state.wallet``)."""
    router = APIRouter()
    for module in (accounts, credentials, grants, public, page):
        router.include_router(module.router)
    return router
