"""The FastAPI application: ``create_app(settings)`` wires the issuer, verifier and wallet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from issuer.context import IssuerContext
from issuer.routes import create_router as issuer_router
from service import wiring_verifier, wiring_wallet
from service.db import create_database_engine, create_session_factory
from service.limits import RequestLimits
from service.problems import install_problem_handlers
from service.settings import Settings
from vc.jsonld import DocumentLoader

DESCRIPTION = """Verifiable credentials for China's 1+X certificate system.

Evaluation organizations issue vocational skill certificates ("X") and schools issue diplomas
("1") as W3C Verifiable Credentials (Open Badges 3.0, VC Data Model 2.0, Data Integrity
eddsa-rdfc-2022). Every error is an RFC 9457 problem details object.
"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_issuer_context(
    settings: Settings, sessions: sessionmaker[Session], clock: Callable[[], datetime] = _utc_now
) -> IssuerContext:
    """What the issuer needs, from the settings."""
    return IssuerContext(
        sessions=sessions,
        base_url=settings.base_url,
        key_encryption_key=settings.load_key_encryption_key(),
        clock=clock,
        loader=DocumentLoader.bundled(),
        status_max_age=settings.status_max_age,
    )


def create_app(
    settings: Settings, *, engine: Engine | None = None, clock: Callable[[], datetime] = _utc_now
) -> FastAPI:
    """Build the application for ``settings`` (the database must already be migrated)."""
    settings.check_production()
    engine = engine or create_database_engine(settings)
    sessions = create_session_factory(engine)
    app = FastAPI(title="onex", version="0.1.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine
    app.state.issuer = build_issuer_context(settings, sessions, clock)
    install_problem_handlers(app)
    app.add_middleware(
        RequestLimits,
        max_body=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
        max_upload=settings.max_upload_bytes,
    )

    @app.get(
        "/health",
        tags=["service"],
        operation_id="health",
        summary="Liveness: the service answers and reaches its database.",
    )
    def health() -> dict[str, str]:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    app.include_router(issuer_router())
    wiring_verifier.install(app, settings, sessions, clock)
    wiring_wallet.install(app, settings, sessions, clock)
    return app
