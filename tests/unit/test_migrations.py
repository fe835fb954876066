"""Migrations and models agree, and upgrading an empty database works: SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from service.migrate import upgrade
from service.schema import METADATA
from tests.requirements import missing

POSTGRES_ADMIN_URL = os.environ.get(
    "ONEX_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, METADATA))


def test_sqlite_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'onex.db'}")
    upgrade(engine)
    assert _differences(engine) == []
    upgrade(engine)  # a second run is a no-op


@pytest.fixture
def postgres_database() -> Iterator[Engine]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"onex_migrations_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means no usable server
        admin.dispose()
        missing(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    engine = create_engine(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgres_upgrade_from_empty_matches_models(postgres_database: Engine) -> None:
    upgrade(postgres_database)
    assert _differences(postgres_database) == []


def _suspended_accreditation_at_first_revision(engine: Engine) -> None:
    upgrade(engine, "d8a6fe95de44")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organizations (id, slug, kind, name_zh, name_en, did, did_method, "
                "created_at) VALUES (1, 'huaxin', 'evaluation-organization', '华信', 'Huaxin', "
                "'did:web:example.org:orgs:huaxin', 'web', '2026-01-01 00:00:00')"
            )
        )
        for ident, status in ((1, "suspended"), (2, "active")):
            connection.execute(
                text(
                    "INSERT INTO accreditations (id, organization_id, scope, valid_from, "
                    "valid_until, status, status_reason, created_at, updated_at) VALUES "
                    f"({ident}, 1, '{{}}', '2026-01-01 00:00:00', '2028-01-01 00:00:00', "
                    f"'{status}', 'inspection', '2026-01-01 00:00:00', '2026-06-01 00:00:00')"
                )
            )


def test_upgrading_gives_a_suspended_accreditation_its_change(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'onex.db'}")
    _suspended_accreditation_at_first_revision(engine)
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT accreditation_id, status, reason FROM accreditation_changes")
        ).all()
    assert [tuple(row) for row in rows] == [(1, "suspended", "inspection")]


def test_upgrading_postgres_gives_a_suspended_accreditation_its_change(
    postgres_database: Engine,
) -> None:
    _suspended_accreditation_at_first_revision(postgres_database)
    upgrade(postgres_database)
    with postgres_database.connect() as connection:
        rows = connection.execute(
            text("SELECT accreditation_id, status, reason FROM accreditation_changes")
        ).all()
    assert [tuple(row) for row in rows] == [(1, "suspended", "inspection")]
