"""PostgreSQL tests: each gets a fresh database with a random name, dropped afterwards.

Other test runs may use the server's ``test`` database at the same time, so these tests never
touch it beyond creating and dropping their own. Skipped (failed under ``ONEX_REQUIRE_ALL=1``)
when PostgreSQL is not reachable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from tests.requirements import missing

POSTGRES_ADMIN_URL = os.environ.get(
    "ONEX_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped, with its connections, after)."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"onex_pg_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
