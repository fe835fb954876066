"""Batch-issue diplomas from one CSV: dry run, run, rows per second, peak memory.

Run: ``.venv/bin/python benchmarks/batch.py [--rows 10000] [--workers N] [--postgres URL]``.

Everything is real: the CSV is read and every row validated, scope-checked and built in the
dry run; the run reserves ids and status-list indexes, builds and signs every diploma
(eddsa-rdfc-2022) in worker processes, stores each one with its audit entry, and commits in
chunks. The clock starts when the planned job is run, so the run time includes starting the
worker processes. Afterwards a sample of the credentials is verified and the counts checked.
Target (DESIGN §7): at least 1,000 diplomas a second on a 2-core machine.

Memory is sampled every 100 ms over this process and all its descendants (the worker
processes), from /proc; "peak" is the largest total seen, and this process's own peak RSS.
The load average is printed too: other processes on the machine slow everything down.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from issuer.accreditation import accredit  # noqa: E402
from issuer.batch.plan import plan_batch  # noqa: E402
from issuer.batch.report import summarize  # noqa: E402
from issuer.batch.runner import run_job  # noqa: E402
from issuer.keystore import did_document  # noqa: E402
from issuer.models import BatchJob, IssuedCredential, Organization  # noqa: E402
from issuer.organizations import register_organization  # noqa: E402
from service.app import build_issuer_context  # noqa: E402
from service.db import create_database_engine, create_session_factory  # noqa: E402
from service.schema import METADATA  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.support.batch_files import diplomas_csv  # noqa: E402
from vc.cryptosuites import EDDSA_RDFC_2022  # noqa: E402
from vc.data_integrity import verify_proofs  # noqa: E402
from vc.did.resolver import DIDResolver  # noqa: E402
from vc.jsonld import DocumentLoader  # noqa: E402

MAJOR = {"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"}


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(parents.get(pid, []))
    return found


def _backend_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving this database (when the server
    runs on this machine; empty for SQLite)."""
    if engine.url.get_backend_name() != "postgresql":
        return {}
    with engine.connect() as connection:
        pids = connection.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return {pid: _cpu_seconds(pid) for pid in pids}


class MemorySampler:
    """The peak total RSS of this process and its descendants, and the CPU time each
    descendant used (seen last), sampled in a thread."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            pids = _descendants(os.getpid())
            self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))
            for pid in pids[1:]:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def database(postgres: str | None, data_dir: Path) -> Iterator[tuple[Settings, Engine]]:
    """A fresh SQLite database in ``data_dir``, or a fresh PostgreSQL database (dropped after)."""
    if postgres is None:
        settings = Settings(data_dir=data_dir)
        engine = create_database_engine(settings)
        yield settings, engine
        engine.dispose()
        return
    name = f"onex_bench_{random.randrange(16**8):08x}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(data_dir=data_dir, database_url=url)
    engine = create_database_engine(settings)
    try:
        yield settings, engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(settings: Settings, engine: Engine) -> None:
    for metadata in METADATA:
        metadata.create_all(engine)
    now = datetime.now(UTC)
    context = build_issuer_context(settings, create_session_factory(engine))
    with context.sessions() as session:
        school = register_organization(
            session,
            context=context,
            slug="bjit",
            kind="school",
            name_zh="北京信息职业技术学院",
            name_en="Beijing Information Technology College",
            code="14295",
            actor="benchmark",
            now=now,
        )
        accredit(
            session,
            school,
            {"educationLevels": ["higher-vocational"], "majors": [MAJOR]},
            datetime(2020, 1, 1, tzinfo=UTC),
            datetime(2030, 1, 1, tzinfo=UTC),
            "benchmark",
            now,
        )
        session.commit()


def verify_sample(context_sessions: object, engine: Engine, count: int) -> int:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        organization = session.scalars(select(Organization)).one()
        resolver = DIDResolver(
            documents={organization.did: did_document(session, organization)}, allow_http=True
        )
        rows = session.scalars(select(IssuedCredential).order_by(func.random()).limit(count))
        loader = DocumentLoader.bundled()
        verified = 0
        for row in rows:
            result = verify_proofs(
                json.loads(row.document), suites=[EDDSA_RDFC_2022], resolver=resolver, loader=loader
            )
            verified += int(result.verified)
        return verified


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument(
        "--postgres", help="an admin URL, e.g. postgresql+psycopg://postgres@…/test"
    )
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        database(options.postgres, Path(folder)) as (
            settings,
            engine,
        ),
    ):
        prepare(settings, engine)
        source = Path(folder) / "class-of-2025.csv"
        source.write_bytes(diplomas_csv(options.rows))
        context = build_issuer_context(settings, create_session_factory(engine))
        print(f"{options.rows} diplomas, {os.cpu_count()} cores, load {os.getloadavg()}")
        print(f"database: {engine.url.get_backend_name()}, CSV {source.stat().st_size:,} bytes")
        with MemorySampler() as memory:
            start = time.perf_counter()
            own_cpu = time.process_time()
            with context.sessions() as session:
                organization = session.scalars(select(Organization)).one()
                job = plan_batch(
                    session,
                    context,
                    organization,
                    source.read_bytes(),
                    name=source.name,
                    actor="benchmark",
                )
                session.commit()
                job_id = job.id
            planned = time.perf_counter()
            planned_cpu = time.process_time()
            backends_before = _backend_cpu(engine)
            state = run_job(
                context,
                job_id,
                actor="benchmark",
                workers=options.workers,
                chunk_size=options.chunk_size,
            )
            finished = time.perf_counter()
            run_cpu = time.process_time() - planned_cpu
            backends_after = _backend_cpu(engine)
        with context.sessions() as session:
            summary = summarize(session, session.get(BatchJob, job_id), datetime.now(UTC))  # type: ignore[arg-type]
        issued = summary.states["issued"]
        dry, run = planned - start, finished - planned
        print(
            f"dry run: {dry:.2f} s ({options.rows / dry:,.0f} rows/s), outcomes {summary.outcomes}"
        )
        print(f"run:     {run:.2f} s, {issued:,} issued, state {state}")
        print(f"rate:    {issued / run:,.0f} diplomas/s signed and stored")
        workers_cpu = sum(memory.cpu.values())
        per_row = (run_cpu + workers_cpu) / max(issued, 1) * 1000
        print(
            f"cpu:     dry run {planned_cpu - own_cpu:.2f} s; run: this process {run_cpu:.2f} s, "
            f"workers {workers_cpu:.2f} s ({per_row:.2f} ms of CPU per diploma, "
            f"so {2000 / per_row:,.0f}/s on two idle cores)"
        )
        if backends_after:
            server = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items())
            print(
                f"server:  PostgreSQL backends {server:.2f} s of CPU in the run "
                f"({server / max(issued, 1) * 1000:.2f} ms per diploma; with the above, "
                f"{2000 / (per_row + server / max(issued, 1) * 1000):,.0f}/s on two idle cores)"
            )
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {memory.peak_kib / 1024:,.0f} MiB (this process and its workers)")
        print(f"  this process alone: {own:,.0f} MiB")
        sample = min(20, issued)
        print(f"verified {verify_sample(None, engine, sample)}/{sample} sampled signatures")
        print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
