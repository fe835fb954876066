"""Two real ``onex serve`` processes on one PostgreSQL database, many clients at once.

1,000 issuances and 300 status changes (150 revocations, 100 suspensions, 50 of them lifted
again) are interleaved across both servers by 16 client threads, each change made through the
other server than the issuance, while a reader keeps fetching the published lists from both.
Then:

- no (list, index) was allocated twice — in the database and in the issued credentials;
- the published lists, fetched from either server, verify (signed by the organization's key)
  and their bits are exactly the revoked and the suspended credentials: no lost update;
- every fetch that started after a change had been answered already shows it;
- the audit chain is intact and holds one entry per operation.
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from issuer.audit import check_database
from issuer.models import AuditEntry, IssuedCredential, StatusAllocation
from service.migrate import alembic_config
from service.schema import METADATA
from tests.support.orgs import WEB_FRONTEND, x_certificate_request
from vc.did.resolver import DIDResolver
from vc.jsonld import DocumentLoader
from vc.status_list import StatusList, status_entries
from vc.verify import VerifyOptions, verify_document

ISSUANCES = 1000
REVOCATIONS = 150
SUSPENSIONS = 100
UNSUSPENSIONS = 50  # of the suspended ones: 300 status changes in all
CLIENT_THREADS = 16
ONEX = [sys.executable, "-c", "from service.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Cluster:
    urls: list[str]
    supervisor_key: str
    database_url: str
    logs: list[Path]

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs
        )


@pytest.fixture
def cluster(fresh_database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    ports = [_free_port(), _free_port()]
    kek = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    env = {
        **os.environ,
        "ONEX_DATABASE_URL": fresh_database_url,
        "ONEX_DATA_DIR": str(tmp_path / "data"),
        "ONEX_KEY_ENCRYPTION_KEY": kek,
        "ONEX_BASE_URL": f"http://127.0.0.1:{ports[0]}",
    }
    _create_schema(fresh_database_url)
    made = subprocess.run(
        [*ONEX, "admin", "create", "--name", "教育部（并发测试）", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    supervisor_key = json.loads(made.stdout)["apiKey"]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    processes = []
    try:
        for port, log in zip(ports, logs, strict=True):
            with log.open("wb") as sink:
                processes.append(
                    subprocess.Popen(
                        [*ONEX, "serve", "--port", str(port), "--log-level", "warning"],
                        env=env,
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        _wait_healthy(urls, processes, logs)
        yield Cluster(urls, supervisor_key, fresh_database_url, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _create_schema(url: str) -> None:
    """The tables of the current models, stamped as migrated (as the ``service`` fixture makes
    them), so that ``onex serve`` finds nothing to migrate."""
    engine = create_engine(url)
    try:
        for metadata in METADATA:
            metadata.create_all(engine)
        with engine.begin() as connection:
            config = alembic_config(engine)
            config.attributes["connection"] = connection
            command.stamp(config, "head")
    finally:
        engine.dispose()


def _wait_healthy(urls: list[str], processes: list[Any], logs: list[Path]) -> None:
    deadline = time.monotonic() + 60
    for url, process, log in zip(urls, processes, logs, strict=True):
        while True:
            if process.poll() is not None:
                pytest.fail(f"onex serve exited early:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"onex serve at {url} did not start:\n{log.read_text()}")
            time.sleep(0.2)


# --- the run -------------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients did, and when each credential's last change was answered."""

    issued: dict[str, dict[str, Any]] = field(default_factory=dict)
    final: dict[str, tuple[str, int, float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    fetches: list[tuple[float, str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _setup_organization(cluster: Cluster) -> tuple[str, dict[str, str]]:
    supervisor = {"Authorization": f"Bearer {cluster.supervisor_key}"}
    with httpx.Client(base_url=cluster.urls[1], timeout=30) as client:
        made = client.post(
            "/admin/organizations",
            json={
                "slug": "bingfa",
                "kind": "evaluation-organization",
                "nameZh": "并发评价组织",
                "nameEn": "Concurrency Evaluation Org",
                "code": "BINGFA",
            },
            headers=supervisor,
        )
        assert made.status_code == 201, made.text
        accredited = client.post(
            "/admin/organizations/bingfa/accreditations",
            json={
                "scope": {"skillDomains": [WEB_FRONTEND], "levels": ["intermediate"]},
                "validFrom": "2020-01-01T00:00:00Z",
                "validUntil": "2099-01-01T00:00:00Z",
            },
            headers=supervisor,
        )
        assert accredited.status_code == 201, accredited.text
    return made.json()["organization"]["did"], {
        "Authorization": f"Bearer {made.json()['apiKey']['key']}"
    }


def _plan(rng: random.Random) -> list[str | None]:
    """For each issuance, the status changes that follow it (None: none)."""
    plan: list[str | None] = (
        ["revoke"] * REVOCATIONS
        + ["suspend+unsuspend"] * UNSUSPENSIONS
        + ["suspend"] * (SUSPENSIONS - UNSUSPENSIONS)
    )
    plan += [None] * (ISSUANCES - len(plan))
    rng.shuffle(plan)
    return plan


BODIES = {
    "revoke": {"reasonCode": "misconduct", "reason": "concurrency test"},
    "suspend": {"reasonCode": "inspection", "reason": "concurrency test"},
    "unsuspend": {"reasonCode": "cleared", "reason": "concurrency test"},
}
FINAL = {"revoke": ("revocation", 1), "suspend": ("suspension", 1), "unsuspend": ("suspension", 0)}


def _work(
    n: int,
    changes: str | None,
    clients: list[httpx.Client],
    headers: dict[str, str],
    ledger: Ledger,
) -> None:
    issuer, changer = clients[n % 2], clients[(n + 1) % 2]
    body = x_certificate_request(number=f"{2026_000_000_000 + n}")
    response = issuer.post("/orgs/bingfa/credentials/x-certificates", json=body, headers=headers)
    if response.status_code != 201:
        with ledger.lock:
            ledger.failures.append(f"issue {n}: {response.status_code} {response.text[:300]}")
        return
    credential = response.json()["verifiableCredential"]
    with ledger.lock:
        ledger.issued[credential["id"]] = credential
    for action in (changes or "").split("+") if changes else []:
        url = f"/orgs/bingfa/credentials/{credential['id']}/{action}"
        answer = changer.post(url, json=BODIES[action], headers=headers)
        done = time.monotonic()
        with ledger.lock:
            if answer.status_code != 200:
                ledger.failures.append(f"{action} {n}: {answer.status_code} {answer.text[:300]}")
                return
            purpose, value = FINAL[action]
            ledger.final[credential["id"]] = (purpose, value, done)


def _read_lists(clients: list[httpx.Client], stop: threading.Event, ledger: Ledger) -> None:
    """Keep fetching both lists from both servers while the work runs (re-sign on read)."""
    turn = 0
    while not stop.is_set():
        client = clients[turn % 2]
        purpose = ("revocation", "suspension")[(turn // 2) % 2]
        turn += 1
        started = time.monotonic()
        response = client.get(f"/status/bingfa/{purpose}/1")
        if response.status_code == 200:
            encoded = response.json()["credentialSubject"]["encodedList"]
            with ledger.lock:
                ledger.fetches.append((started, purpose, StatusList.decode(encoded).bits))
        elif response.status_code != 404:  # 404: no list yet
            with ledger.lock:
                ledger.failures.append(f"fetch {purpose}: {response.status_code}")
        stop.wait(0.05)


def test_two_servers_many_clients_no_double_allocation_no_lost_update(cluster: Cluster) -> None:
    did, headers = _setup_organization(cluster)
    ledger = Ledger()
    plan = _plan(random.Random(20261128))
    limits = httpx.Limits(max_connections=CLIENT_THREADS, max_keepalive_connections=CLIENT_THREADS)
    clients = [httpx.Client(base_url=url, timeout=60, limits=limits) for url in cluster.urls]
    stop = threading.Event()
    reader = threading.Thread(target=_read_lists, args=(clients, stop, ledger), daemon=True)
    started = time.monotonic()
    try:
        reader.start()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            for future in [
                pool.submit(_work, n, changes, clients, headers, ledger)
                for n, changes in enumerate(plan)
            ]:
                future.result()
        stop.set()
        reader.join(timeout=30)
        elapsed = time.monotonic() - started
        assert not ledger.failures, (ledger.failures[:10], cluster.log_tails())
        assert len(ledger.issued) == ISSUANCES
        print(f"\n{ISSUANCES} issuances + 300 changes on 2 servers: {elapsed:.1f} s")

        entries = _entries(ledger)
        _check_allocations(cluster, entries)
        expected = _expected_bits(ledger, entries)
        resolver = DIDResolver(
            documents={did: clients[0].get("/orgs/bingfa/did.json").json()}, allow_http=True
        )
        for client in clients:
            for purpose in ("revocation", "suspension"):
                assert _published_bits(client, purpose, resolver) == expected[purpose], purpose
        _check_fetches_saw_changes(ledger, entries)
        _check_database(cluster)
    finally:
        stop.set()
        for client in clients:
            client.close()


def _entries(ledger: Ledger) -> dict[str, dict[str, tuple[str, int]]]:
    """credential id → purpose → (status list URL, index), from the issued credentials."""
    return {
        credential_id: {
            e.status_purpose: (e.status_list_credential, e.status_list_index)
            for e in status_entries(credential)
        }
        for credential_id, credential in ledger.issued.items()
    }


def _check_allocations(cluster: Cluster, entries: dict[str, dict[str, tuple[str, int]]]) -> None:
    pairs = [pair for per_purpose in entries.values() for pair in per_purpose.values()]
    assert len(pairs) == 2 * ISSUANCES and len(set(pairs)) == len(pairs), "an index taken twice"
    engine = create_engine(cluster.database_url)
    try:
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(StatusAllocation)) == 2000
            duplicates = session.execute(
                select(StatusAllocation.list_id, StatusAllocation.index)
                .group_by(StatusAllocation.list_id, StatusAllocation.index)
                .having(func.count() > 1)
            ).all()
            assert duplicates == []
            for list_column, index_column in (
                (IssuedCredential.revocation_list_id, IssuedCredential.revocation_index),
                (IssuedCredential.suspension_list_id, IssuedCredential.suspension_index),
            ):
                distinct = session.execute(select(list_column, index_column).distinct()).all()
                assert len(distinct) == ISSUANCES
    finally:
        engine.dispose()


def _expected_bits(
    ledger: Ledger, entries: dict[str, dict[str, tuple[str, int]]]
) -> dict[str, set[int]]:
    expected: dict[str, set[int]] = {"revocation": set(), "suspension": set()}
    for credential_id, (purpose, value, _) in ledger.final.items():
        if value:
            expected[purpose].add(entries[credential_id][purpose][1])
    assert len(expected["revocation"]) == REVOCATIONS
    assert len(expected["suspension"]) == SUSPENSIONS - UNSUSPENSIONS
    return expected


def _published_bits(client: httpx.Client, purpose: str, resolver: DIDResolver) -> set[int]:
    response = client.get(f"/status/bingfa/{purpose}/1")
    assert response.status_code == 200, response.text
    assert client.get(f"/status/bingfa/{purpose}/2").status_code == 404  # one list each
    document = response.json()
    options = VerifyOptions(
        resolver=resolver, loader=DocumentLoader.bundled(), now=datetime.now(UTC)
    )
    report = verify_document(document, options)
    assert report.verified, report.to_json()
    bits = StatusList.decode(document["credentialSubject"]["encodedList"])
    return _set_indexes(bits.bits)


def _set_indexes(bits: bytes) -> set[int]:
    found = set()
    for byte_index, byte in enumerate(bits):
        if byte:
            for bit in range(8):
                if byte & (0x80 >> bit):
                    found.add(byte_index * 8 + bit)
    return found


def _check_fetches_saw_changes(
    ledger: Ledger, entries: dict[str, dict[str, tuple[str, int]]]
) -> None:
    """A fetch that started after a change was answered must show it (its final value)."""
    checked = 0
    for credential_id, (purpose, value, done) in ledger.final.items():
        index = entries[credential_id][purpose][1]
        for started, fetched_purpose, bits in ledger.fetches:
            if fetched_purpose == purpose and started > done:
                seen = (bits[index // 8] >> (7 - index % 8)) & 1
                assert seen == value, (credential_id, purpose, value, started - done)
                checked += 1
    assert checked > 0, "the reader fetched nothing after a change"


def _check_database(cluster: Cluster) -> None:
    engine = create_engine(cluster.database_url)
    try:
        with Session(engine) as session:
            chain = check_database(session)
            assert chain.intact, chain.reason
            actions = dict(
                session.execute(
                    select(AuditEntry.action, func.count()).group_by(AuditEntry.action)
                ).all()
            )
            assert actions["credential.issue"] == ISSUANCES
            assert actions["credential.revoke"] == REVOCATIONS
            assert actions["credential.suspend"] == SUSPENSIONS
            assert actions["credential.unsuspend"] == UNSUSPENSIONS
            revoked = session.scalar(select(func.count()).where(IssuedCredential.revoked.is_(True)))
            assert revoked == REVOCATIONS
    finally:
        engine.dispose()
