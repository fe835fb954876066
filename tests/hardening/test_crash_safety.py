"""SIGKILL during single issuance and revocation, in a real subprocess running the app.

The child issues X certificates one by one through the API and revokes every second one, as
fast as it can; the parent kills it with SIGKILL midway. Then: every stored credential has its
two status allocations and exactly one issue entry in the audit log; a credential is marked
revoked exactly when the audit log says it was revoked; the audit chain is intact; and a fresh
app on the same database issues and revokes again. (The batch crash test is
tests/unit/test_batch_crash.py.)
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit import check_database
from issuer.auth import create_api_key
from issuer.models import AuditEntry, IssuedCredential, StatusAllocation, Supervisor
from service.app import create_app
from service.db import create_database_engine, create_session_factory
from service.schema import METADATA
from service.settings import Settings
from tests.support.orgs import Org, evaluation_org, x_certificate_request
from tests.support.service import Clock, Service

REVOKE = {"reasonCode": "misconduct", "reason": "cheating confirmed at inspection"}
BASE = "http://127.0.0.1:8000"

CHILD = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path
    from fastapi.testclient import TestClient
    from service.app import create_app
    from service.settings import Settings
    from tests.support.orgs import x_certificate_request

    data_dir, key, base_url, revoke = sys.argv[1:5]
    app = create_app(Settings(data_dir=Path(data_dir), base_url=base_url))
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        for n in range(100000):
            r = client.post("/orgs/crash/credentials/x-certificates",
                            json=x_certificate_request(f"2024{n:012d}"), headers=headers)
            assert r.status_code == 201, r.text
            if n % 2 == 0:
                r = client.post(f"/orgs/crash/credentials/{r.json()['id']}/revoke",
                                json=json.loads(revoke), headers=headers)
                assert r.status_code == 200, r.text
    """
)


def _prepare(data_dir: Path) -> Org:
    settings = Settings(data_dir=data_dir, base_url=BASE)
    engine = create_database_engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)
    clock = Clock(datetime.now(UTC))
    with create_session_factory(engine)() as session:
        supervisor = Supervisor(name="Ministry (crash test)", created_at=clock())
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(
            session, role="supervisor", supervisor_id=supervisor.id, now=clock()
        )
        session.commit()
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        org = evaluation_org(Service(app, client, engine, clock, key), "crash")
    engine.dispose()
    return org


def _count(data_dir: Path) -> int:
    path = data_dir / "onex.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM issued_credentials").fetchone()[0])


def test_a_kill_during_issuance_and_revocation_leaves_a_consistent_database(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    org = _prepare(data_dir)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), org.key, BASE, json.dumps(REVOKE)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while _count(data_dir) < 25:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child made no progress"
        time.sleep(0.02)
    time.sleep(0.013)  # land somewhere inside a request, not between two
    os.killpg(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    settings = Settings(data_dir=data_dir, base_url=BASE)
    engine = create_database_engine(settings)
    with Session(engine) as session:
        credentials = {c.id: c for c in session.scalars(select(IssuedCredential))}
        allocations = Counter(a.credential_id for a in session.scalars(select(StatusAllocation)))
        entries = list(session.execute(select(AuditEntry.action, AuditEntry.subject)))
        issued = Counter(subject for action, subject in entries if action == "credential.issue")
        revoked = Counter(subject for action, subject in entries if action == "credential.revoke")
        assert len(credentials) >= 25
        assert set(allocations) <= set(credentials), "allocations for a credential not stored"
        assert all(allocations[cid] == 2 for cid in credentials), allocations
        assert issued == Counter(set(credentials)), "one issue entry per stored credential"
        assert set(revoked) == {cid for cid, c in credentials.items() if c.revoked}
        assert all(count == 1 for count in revoked.values())
        assert check_database(session).intact
    # the service starts again on the same database and carries on
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        again = client.post(
            "/orgs/crash/credentials/x-certificates",
            json=x_certificate_request("2024999999999999"),
            headers=org.headers,
        )
        assert again.status_code == 201, again.text
        revoke = client.post(
            f"/orgs/crash/credentials/{again.json()['id']}/revoke", json=REVOKE, headers=org.headers
        )
        assert revoke.status_code == 200, revoke.text
    with Session(engine) as session:
        assert check_database(session).intact
    engine.dispose()
