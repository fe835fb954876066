"""The `service` fixture: an app on a real, empty database per test.

SQLite in a temporary folder by default, or the PostgreSQL named by ONEX_TEST_DATABASE_URL
(its tables dropped and created at the first test of a process, then emptied — rows deleted,
sequences restarted — before each later one).

The app has the default settings, rate limits included. A test that posts more verifications
than one client's burst and is not about the limit asks for a service without it::

    @pytest.mark.parametrize("service", [NO_VERIFY_LIMIT], indirect=True)
    def test_many_verifications(service: Service) -> None: ...

(any settings can be given that way: the parameter is a dict of ``Settings`` fields)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from issuer.auth import create_api_key
from issuer.models import Supervisor
from service.app import create_app
from service.db import create_database_engine, create_session_factory
from service.schema import METADATA
from service.settings import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Service:
    app: FastAPI
    client: TestClient
    engine: Engine
    clock: Clock
    supervisor_key: str

    def as_supervisor(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.supervisor_key}"}


NO_VERIFY_LIMIT: dict[str, Any] = {"verify_rate": 0}
"""Settings of a service whose verification routes have no rate limit."""

_PREPARED_URLS: set[str] = set()
"""PostgreSQL databases whose tables this process has already dropped and created afresh."""


def _engine(settings: Settings) -> Engine:
    url = os.environ.get("ONEX_TEST_DATABASE_URL")
    if not url:
        return create_database_engine(settings)
    engine = create_engine(url)
    if url in _PREPARED_URLS:
        _empty(engine)
        return engine
    for metadata in METADATA:
        metadata.drop_all(engine)
    _PREPARED_URLS.add(url)
    return engine


def _empty(engine: Engine) -> None:
    """Delete every row and restart every sequence: what dropping and creating the tables
    again would leave, in a tenth of the time (small tables; TRUNCATE costs more there)."""
    tables = [table for metadata in METADATA for table in metadata.sorted_tables]
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        sequences = connection.exec_driver_sql(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
        ).scalars()
        for sequence in list(sequences):
            connection.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')


@pytest.fixture
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    extra: dict[str, Any] = getattr(request, "param", {})
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000", **extra)
    engine = _engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    with create_session_factory(engine)() as session:
        supervisor = Supervisor(name="Ministry of Education (test)", created_at=clock())
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(
            session, role="supervisor", supervisor_id=supervisor.id, now=clock()
        )
        session.commit()
    app = create_app(settings, engine=engine, clock=clock)
    with TestClient(app) as client:
        yield Service(app, client, engine, clock, key)
    engine.dispose()
