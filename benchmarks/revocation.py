"""Revoke 1,000 credentials, then verify all 1,000 with a fresh, cache-honouring verifier.

Run: ``.venv/bin/python benchmarks/revocation.py [--count 1000] [--database-url URL]``
(default: SQLite in a temporary folder; pass a PostgreSQL URL of an empty database to measure
that instead). The app runs in-process (FastAPI TestClient: real routes, real database, no
sockets).

1. Set-up (timed for the record): an accredited organization, ``--count`` X certificates
   issued through the issuance code path (signed, stored, two status entries each).
2. Revoke every one through ``POST /orgs/{slug}/credentials/{id}/revoke``, one transaction per
   request.
3. A fresh verifier verifies every credential: its Data Integrity proof
   (``vc.data_integrity.verify_proofs``, the organization's DID document fetched once), then
   each status entry: the list is fetched when the verifier has no fresh copy (honouring
   ``Cache-Control: max-age``, revalidating with ``If-None-Match``), its own proof verified
   once per fetch, and the bit read with ``vc.status_list.lookup_status``. Every credential
   must come out revoked and not suspended. Reports the total time and the list fetches.
4. Publishing strategies compared on the same work: re-sign the list inside every change's
   transaction ("on change") versus re-sign on the first read after a change ("on read", what
   the service does), with a reader fetching the list after every 1, 10 and 100 changes.
5. Staleness: an app serving with ``max-age=--short-max-age`` seconds and a verifier that
   honours it, fed a revocation just after its fetch; how long it keeps seeing "unrevoked"
   (must be at most max-age) — measured in real time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.support: the sample X certificate request

from issuer import revocation, status  # noqa: E402
from issuer.auth import create_api_key  # noqa: E402
from issuer.context import IssuerContext  # noqa: E402
from issuer.issuance import issue_from_template  # noqa: E402
from issuer.models import IssuedCredential, Organization, Supervisor  # noqa: E402
from issuer.signing import OrganizationSigner  # noqa: E402
from issuer.templates.requests import XCertificateRequest  # noqa: E402
from service.app import create_app  # noqa: E402
from service.db import create_database_engine  # noqa: E402
from service.schema import METADATA  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.support.orgs import WEB_FRONTEND, x_certificate_request  # noqa: E402
from vc.cryptosuites import ALL_SUITES  # noqa: E402
from vc.data_integrity import verify_proofs  # noqa: E402
from vc.did.resolver import DIDResolver  # noqa: E402
from vc.jsonld import DocumentLoader  # noqa: E402
from vc.status_list import StatusEntry, lookup_status, status_entries  # noqa: E402

BASE_URL = "http://127.0.0.1:8000"
REVOKE = {"reasonCode": "misconduct", "reason": "benchmark"}


# --- a verifier that honours Cache-Control --------------------------------------------------------


@dataclass
class CachedList:
    document: dict[str, Any]
    etag: str | None
    fresh_until: float


@dataclass
class CachingVerifier:
    """Fetches each status list only when its cached copy is no longer fresh (max-age)."""

    client: TestClient
    resolver: DIDResolver
    clock: Callable[[], float] = time.monotonic
    loader: DocumentLoader = field(default_factory=DocumentLoader.bundled)
    cache: dict[str, CachedList] = field(default_factory=dict)
    fetches: int = 0
    not_modified: int = 0
    list_proofs_checked: int = 0

    def status_list(self, url: str) -> dict[str, Any]:
        now = self.clock()
        cached = self.cache.get(url)
        if cached is not None and now < cached.fresh_until:
            return cached.document
        headers = {"If-None-Match": cached.etag} if cached and cached.etag else {}
        response = self.client.get(url, headers=headers)
        self.fetches += 1
        max_age = _max_age(response.headers.get("cache-control", ""))
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            cached.fresh_until = now + max_age
            return cached.document
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]}")
        document: dict[str, Any] = response.json()
        checked = verify_proofs(
            document, suites=ALL_SUITES, resolver=self.resolver, loader=self.loader
        )
        self.list_proofs_checked += 1
        if not checked.verified:
            raise RuntimeError(f"status list {url} does not verify: {checked.all_problems()}")
        self.cache[url] = CachedList(document, response.headers.get("etag"), now + max_age)
        return document

    def verify(self, credential: dict[str, Any]) -> dict[str, int]:
        proofs = verify_proofs(
            credential, suites=ALL_SUITES, resolver=self.resolver, loader=self.loader
        )
        if not proofs.verified:
            raise RuntimeError(f"credential {credential['id']} does not verify")
        return {entry.status_purpose: self.status_of(entry) for entry in status_entries(credential)}

    def status_of(self, entry: StatusEntry) -> int:
        return lookup_status(self.status_list(entry.status_list_credential), entry)


def _max_age(cache_control: str) -> float:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return float(value)
    return 0.0


# --- set-up ------------------------------------------------------------------------------------


@dataclass
class Bench:
    client: TestClient
    engine: Engine
    context: IssuerContext
    supervisor: dict[str, str]


@contextmanager
def bench_app(data_dir: Path, database_url: str | None, max_age: int = 300) -> Iterator[Bench]:
    settings = Settings(
        data_dir=data_dir, base_url=BASE_URL, database_url=database_url, status_max_age=max_age
    )
    engine = create_database_engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)
    with Session(engine) as session:
        supervisor = Supervisor(name="benchmark", created_at=datetime.now(UTC))
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(
            session, role="supervisor", supervisor_id=supervisor.id, now=datetime.now(UTC)
        )
        session.commit()
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url=BASE_URL) as client:
        yield Bench(client, engine, app.state.issuer, {"Authorization": f"Bearer {key}"})
    engine.dispose()


def make_org(bench: Bench, slug: str) -> tuple[str, dict[str, str]]:
    made = bench.client.post(
        "/admin/organizations",
        json={
            "slug": slug,
            "kind": "evaluation-organization",
            "nameZh": f"{slug} 评价组织",
            "nameEn": f"{slug} org",
        },
        headers=bench.supervisor,
    )
    assert made.status_code == 201, made.text
    accredited = bench.client.post(
        f"/admin/organizations/{slug}/accreditations",
        json={
            "scope": {"skillDomains": [WEB_FRONTEND], "levels": ["intermediate"]},
            "validFrom": "2020-01-01T00:00:00Z",
            "validUntil": "2099-01-01T00:00:00Z",
        },
        headers=bench.supervisor,
    )
    assert accredited.status_code == 201, accredited.text
    return made.json()["organization"]["did"], {
        "Authorization": f"Bearer {made.json()['apiKey']['key']}"
    }


def issue_many(bench: Bench, slug: str, count: int) -> list[dict[str, Any]]:
    """``count`` X certificates through the issuance code path, committed every 100."""
    issued = []
    with Session(bench.engine) as session:
        organization = session.scalar(select(Organization).where(Organization.slug == slug))
        assert organization is not None
        for n in range(count):
            request = XCertificateRequest.model_validate(
                x_certificate_request(number=f"{2026_000_000_000 + n}")
            )
            result = issue_from_template(
                session, bench.context, organization, request, actor="benchmark"
            )
            issued.append(result.credential)
            if n % 100 == 99:
                session.commit()
        session.commit()
    return issued


# --- the phases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """Wall-clock and CPU seconds of this process (the app runs in it): CPU time shows the
    work even when other processes share the machine."""

    wall: float
    cpu: float

    def per(self, count: int) -> str:
        return (
            f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU "
            f"({self.wall / count * 1000:.2f} / {self.cpu / count * 1000:.2f} ms each)"
        )


@contextmanager
def timed(into: list[Timed]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Timed(time.perf_counter() - wall, time.process_time() - cpu))


def revoke_all(bench: Bench, slug: str, headers: dict[str, str], ids: list[str]) -> None:
    for credential_id in ids:
        response = bench.client.post(
            f"/orgs/{slug}/credentials/{credential_id}/revoke", json=REVOKE, headers=headers
        )
        assert response.status_code == 200, response.text


def verify_all(
    bench: Bench, did: str, slug: str, credentials: list[dict[str, Any]]
) -> CachingVerifier:
    did_document = bench.client.get(f"/orgs/{slug}/did.json").json()
    verifier = CachingVerifier(
        bench.client, DIDResolver(documents={did: did_document}, allow_http=True)
    )
    for credential in credentials:
        found = verifier.verify(credential)
        if found != {"revocation": 1, "suspension": 0}:
            raise RuntimeError(f"{credential['id']}: expected revoked, found {found}")
    return verifier


def compare_strategies(bench: Bench, changes: int) -> dict[str, dict[int, Timed]]:
    """Time of ``changes`` revocations plus a read every N changes, per strategy."""
    results: dict[str, dict[int, Timed]] = {"on change": {}, "on read": {}}
    for read_every in (1, 10, 100):
        for strategy in results:
            slug = f"cmp-{read_every}-{strategy.replace(' ', '-')}"
            make_org(bench, slug)
            credentials = issue_many(bench, slug, changes)
            spent: list[Timed] = []
            with timed(spent):
                for n, credential in enumerate(credentials):
                    _revoke_in_process(bench, slug, credential["id"], strategy == "on change")
                    if n % read_every == read_every - 1:
                        response = bench.client.get(f"/status/{slug}/revocation/1")
                        assert response.status_code == 200
            results[strategy][read_every] = spent[0]
    return results


def _revoke_in_process(bench: Bench, slug: str, credential_id: str, sign_now: bool) -> None:
    context = bench.context
    with Session(bench.engine) as session:
        organization = session.scalar(select(Organization).where(Organization.slug == slug))
        assert organization is not None
        row = revocation.revoke(
            session,
            context,
            organization,
            credential_id,
            reason_code="misconduct",
            reason="benchmark",
            actor="benchmark",
        )
        if sign_now:
            status_list = status.lock_list(session, row.revocation_list_id)
            signer = OrganizationSigner.active(session, organization, context)
            status.publish(
                session,
                status_list,
                organization,
                base_url=context.base_url,
                slug=slug,
                ttl_seconds=context.status_max_age,
                sign=lambda d: signer.sign(d, now=context.clock()),
            )
        session.commit()


def first_read_latency(bench: Bench, slug: str, credential_id: str) -> tuple[float, float]:
    """(ms) the first read after a change (it re-signs) and a read of an unchanged list."""
    url = f"/status/{slug}/revocation/1"
    _revoke_in_process(bench, slug, credential_id, sign_now=False)
    started = time.perf_counter()
    bench.client.get(url)
    first = (time.perf_counter() - started) * 1000
    again = []
    for _ in range(20):
        started = time.perf_counter()
        bench.client.get(url)
        again.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(again)


def staleness(data_dir: Path, database_url: str | None, max_age: int) -> list[float]:
    """Seconds a cache-honouring verifier keeps seeing "unrevoked" after each revocation."""
    seen_after = []
    with bench_app(data_dir, database_url, max_age=max_age) as bench:
        did, headers = make_org(bench, "stale")
        credentials = issue_many(bench, "stale", 3)
        resolver = DIDResolver(
            documents={did: bench.client.get("/orgs/stale/did.json").json()}, allow_http=True
        )
        verifier = CachingVerifier(bench.client, resolver)
        for delay, credential in zip((0.0, max_age / 2, max_age * 0.9), credentials, strict=True):
            entry = next(e for e in status_entries(credential) if e.status_purpose == "revocation")
            verifier.cache.clear()
            assert verifier.status_of(entry) == 0  # fetched and cached now
            time.sleep(delay)
            response = bench.client.post(
                f"/orgs/stale/credentials/{credential['id']}/revoke", json=REVOKE, headers=headers
            )
            assert response.status_code == 200
            revoked_at = time.monotonic()
            while verifier.status_of(entry) == 0:
                time.sleep(0.01)
            seen_after.append(time.monotonic() - revoked_at)
    return seen_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--strategy-changes", type=int, default=200)
    parser.add_argument("--short-max-age", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    count, spent = args.count, list[Timed]()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        with bench_app(data_dir / "main", args.database_url) as bench:
            did, headers = make_org(bench, "bench")
            with timed(spent):
                credentials = issue_many(bench, "bench", count)
            with timed(spent):
                revoke_all(bench, "bench", headers, [c["id"] for c in credentials])
            with timed(spent):
                verifier = verify_all(bench, did, "bench", credentials)
            first, unchanged = first_read_latency(bench, "bench", _one_more(bench, "bench"))
            strategies = compare_strategies(bench, args.strategy_changes)
            max_age = bench.context.status_max_age
        stale = staleness(data_dir / "stale", args.database_url, args.short_max_age)
    issued, revoked, verified = spent
    database = "SQLite (WAL)" if args.database_url is None else "PostgreSQL"
    print(f"database: {database}; {count} credentials; {os.cpu_count()} CPUs")
    print(f"issue {count} (set-up):  {issued.per(count)}")
    print(f"revoke {count} over HTTP:  {revoked.per(count)}")
    print(f"verify {count}, fresh verifier:  {verified.per(count)}")
    print("  every one revoked and not suspended")
    print(
        f"  list fetches: {verifier.fetches} ({verifier.not_modified} answered 304), "
        f"list proofs verified: {verifier.list_proofs_checked}, DID document fetches: 1"
    )
    print(f"read after a change (re-signs): {first:.1f} ms; unchanged list: {unchanged:.1f} ms")
    print(f"publishing: {args.strategy_changes} revocations, a list read after every N of them:")
    for read_every in (1, 10, 100):
        on_change = strategies["on change"][read_every]
        on_read = strategies["on read"][read_every]
        print(
            f"  N={read_every:>3}: re-sign on change {on_change.wall:.2f} s "
            f"({on_change.cpu:.2f} CPU), on read {on_read.wall:.2f} s ({on_read.cpu:.2f} CPU)"
        )
    print(
        f"staleness, max-age={args.short_max_age} s, revoked 0, max-age/2 and 0.9 max-age after "
        f"the verifier's fetch: seen after {', '.join(f'{s:.2f}' for s in stale)} s "
        f"(bound: max-age; served by default with max-age={max_age} s)"
    )
    if max(stale) > args.short_max_age + 0.5:
        raise SystemExit("a verifier saw the old status for longer than max-age")


def _one_more(bench: Bench, slug: str) -> str:
    credential = issue_many(bench, slug, 1)[0]
    with Session(bench.engine) as session:
        assert session.get(IssuedCredential, credential["id"]) is not None
    return str(credential["id"])


if __name__ == "__main__":
    main()
