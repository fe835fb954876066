"""The crash test: a real `onex batch` killed with SIGKILL midway, then resumed.

Every row must end up issued exactly once: one credential per row, two status allocations per
credential (the ones reserved before the kill are reused, none lost or doubled), one audit entry
per credential in an intact chain, and a complete report.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.accreditation import accredit
from issuer.audit import check_database
from issuer.keystore import did_document
from issuer.models import (
    AuditEntry,
    BatchJob,
    BatchRow,
    IssuedCredential,
    Organization,
    StatusAllocation,
)
from issuer.organizations import register_organization
from service.app import build_issuer_context
from service.db import create_database_engine, create_session_factory
from service.migrate import alembic_config
from service.schema import METADATA
from service.settings import Settings
from tests.support.batch_files import diplomas_csv
from vc.cryptosuites import EDDSA_RDFC_2022
from vc.data_integrity import verify_proofs
from vc.did.resolver import DIDResolver
from vc.jsonld import DocumentLoader

ROWS = 2400
CHUNK = 200
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MAJOR = {"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"}


def _prepare(data_dir: Path) -> Settings:
    settings = Settings(data_dir=data_dir)
    engine = create_database_engine(settings)
    for metadata in METADATA:  # the models as they are now, then marked as migrated
        metadata.create_all(engine)
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.stamp(config, "head")
    context = build_issuer_context(settings, create_session_factory(engine), lambda: NOW)
    with context.sessions() as session:
        school = register_organization(
            session,
            context=context,
            slug="bjit",
            kind="school",
            name_zh="北京信息职业技术学院",
            name_en="Beijing Information Technology College",
            code="14295",
            actor="test",
            now=NOW,
        )
        accredit(
            session,
            school,
            {"educationLevels": ["higher-vocational"], "majors": [MAJOR]},
            datetime(2020, 1, 1, tzinfo=UTC),
            datetime(2030, 1, 1, tzinfo=UTC),
            "test",
            NOW,
        )
        session.commit()
    engine.dispose()
    return settings


def _onex(*arguments: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def _issued(settings: Settings) -> int:
    """Credentials stored so far, read without taking SQLite's write lock."""
    path = settings.data_dir / "onex.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM issued_credentials").fetchone()[0])


@pytest.mark.slow
def test_a_killed_batch_resumes_and_issues_every_row_exactly_once(tmp_path: Path) -> None:
    settings = _prepare(tmp_path / "data")
    source = tmp_path / "class-of-2025.csv"
    source.write_bytes(diplomas_csv(ROWS))
    env = {**os.environ, "ONEX_DATA_DIR": str(settings.data_dir)}
    engine = create_database_engine(settings)
    first = _onex(
        "batch", str(source), "--org", "bjit", "--workers", "2", "--chunk-size", str(CHUNK),
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while _issued(settings) < 2 * CHUNK:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)  # reap it and close its pipes
    assert first.returncode == -signal.SIGKILL

    with Session(engine) as session:
        job = session.scalars(select(BatchJob)).one()
        issued_at_kill = _issued(settings)
        assert job.state == "running"
        assert 0 < issued_at_kill < ROWS, "the kill must land midway"

    second = _onex("batch", "--org", "bjit", "--resume", job.id, "--workers", "2", env=env)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert f"job {job.id} (diploma): completed" in out

    with Session(engine) as session:
        _check_exactly_once(session, job.id)
        _check_signatures(session)
    report = tmp_path / "report.csv"
    third = _onex("batch", "--org", "bjit", "--resume", job.id, "--report", str(report), env=env)
    out, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    lines = list(csv.DictReader(io.StringIO(report.read_text("utf-8-sig"))))
    assert len(lines) == ROWS
    assert all(line["state"] == "issued" and line["credential_id"] for line in lines)
    engine.dispose()


def _check_exactly_once(session: Session, job_id: str) -> None:
    rows = list(session.scalars(select(BatchRow).where(BatchRow.job_id == job_id)))
    credentials = {c.id: c for c in session.scalars(select(IssuedCredential))}
    assert len(rows) == ROWS and len(credentials) == ROWS
    assert {row.state for row in rows} == {"issued"}
    assert {row.credential_id for row in rows} == set(credentials)
    assert len({c.number for c in credentials.values()}) == ROWS
    for row in rows:
        credential = credentials[row.credential_id or ""]
        assert credential.number == row.number
        assert credential.idempotency_key == f"batch:{job_id}:{row.row}"
        assert (credential.revocation_list_id, credential.revocation_index) == (
            row.revocation_list_id,
            row.revocation_index,
        )
    allocations = list(session.scalars(select(StatusAllocation)))
    assert len(allocations) == 2 * ROWS
    assert {a.credential_id for a in allocations} == set(credentials)
    issue_entries = list(
        session.scalars(select(AuditEntry.subject).where(AuditEntry.action == "credential.issue"))
    )
    assert sorted(issue_entries) == sorted(credentials)
    assert check_database(session).intact


def _check_signatures(session: Session) -> None:
    organization = session.scalars(select(Organization)).one()
    resolver = DIDResolver(
        documents={organization.did: did_document(session, organization)}, allow_http=True
    )
    sample = session.scalars(select(IssuedCredential).limit(3)).all()
    for credential in sample:
        result = verify_proofs(
            json.loads(credential.document),
            suites=[EDDSA_RDFC_2022],
            resolver=resolver,
            loader=DocumentLoader.bundled(),
        )
        assert result.verified, result.all_problems()
