"""The audit chain detects an edited, deleted or reordered entry, and names the first one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from issuer.audit import GENESIS, check_database, record
from issuer.models import AuditEntry, AuditHead
from service.cli import main
from service.db import create_database_engine
from service.migrate import upgrade
from service.settings import Settings

START = datetime(2026, 11, 28, 8, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    engine = create_database_engine(settings)
    upgrade(engine)
    with Session(engine) as session:
        for number in range(1, 6):
            record(
                session,
                actor="supervisor:1",
                action="test.step",
                subject=f"thing-{number}",
                data={"n": number, "名": "值"},
                at=START + timedelta(minutes=number),
            )
        session.commit()
        yield session
    engine.dispose()


def test_intact_chain(session: Session) -> None:
    check = check_database(session)
    assert check.intact and check.entries == 5
    assert check.head_hash == session.get(AuditHead, 1).hash  # type: ignore[union-attr]
    assert check.head_hash != GENESIS


def test_edited_entry_is_named(session: Session) -> None:
    session.execute(update(AuditEntry).where(AuditEntry.sequence == 3).values(data='{"n":33}'))
    session.commit()
    check = check_database(session)
    assert (check.broken_at, check.reason) == (3, "its content does not match its hash")


def test_edited_and_rehashed_entry_breaks_the_next_link(session: Session) -> None:
    from issuer.audit import entry_hash

    entry = session.get(AuditEntry, 2)
    assert entry is not None
    entry.actor = "someone-else"
    entry.hash = entry_hash(
        entry.previous_hash,
        2,
        entry.at.replace(tzinfo=UTC),
        entry.actor,
        entry.action,
        entry.subject,
        entry.data,
    )
    session.commit()
    check = check_database(session)
    assert check.broken_at == 3
    assert "previous_hash" in (check.reason or "")


def test_deleted_entry_is_named(session: Session) -> None:
    session.execute(delete(AuditEntry).where(AuditEntry.sequence == 4))
    session.commit()
    check = check_database(session)
    assert check.broken_at == 4 and "missing" in (check.reason or "")


def test_deleted_last_entry_is_caught_by_the_head(session: Session) -> None:
    session.execute(delete(AuditEntry).where(AuditEntry.sequence == 5))
    session.commit()
    check = check_database(session)
    assert check.broken_at == 5 and "deleted" in (check.reason or "")


def test_reordered_entries_are_named(session: Session) -> None:
    first, second = session.get(AuditEntry, 2), session.get(AuditEntry, 3)
    assert first is not None and second is not None
    swapped = {k: getattr(first, k) for k in ("at", "actor", "action", "subject", "data")}
    for key in swapped:
        setattr(first, key, getattr(second, key))
        setattr(second, key, swapped[key])
    session.commit()
    check = check_database(session)
    assert check.broken_at == 2


def test_cli_reports_intact_and_broken(session: Session, settings: Settings) -> None:
    env = {"ONEX_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert "intact: 5 entries" in result.output
    session.execute(update(AuditEntry).where(AuditEntry.sequence == 2).values(subject="x"))
    session.commit()
    result = CliRunner().invoke(main, ["audit", "verify", "--json"], env=env)
    assert result.exit_code == 1
    assert '"brokenAt": 2' in result.output
