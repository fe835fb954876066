"""The verify endpoint under concurrent load: ``onex serve --workers 2`` on loopback.

Run: ``.venv/bin/python benchmarks/verify_load.py [--seconds 20] [--concurrency 8]
[--client raw] [--verify-rate N]``.

It measures verification, not the per-client rate limit: every request comes from one loopback
address, so ``onex serve`` runs with ``ONEX_VERIFY_RATE=0`` (the limit off) unless
``--verify-rate N`` (N > 0) turns it on at N per second with a burst of N — set N above the
throughput to measure the limiter's own cost on the hot path.

Set-up (not timed): a fresh SQLite database in a temporary folder (made from the models and
stamped as migrated), one accredited evaluation organization, ``--credentials`` distinct X
certificates issued through the API (eddsa-rdfc-2022). Then ``onex serve --workers 2`` starts
on a free loopback port and is warmed up (status lists and registry entries cached). A load
generator — a separate process on asyncio, ``--concurrency`` connections each replaced after
25 requests, bounded by ``--seconds`` and ``--max-requests``, loopback only — POSTs the
certificates round-robin to ``/credentials/verify``; every answer must be 200 and verified.

The generator's client is httpx (``--client httpx``, the default) or a minimal HTTP/1.1 client
on asyncio streams (``--client raw``) that leaves the two cores to the server: httpx spends
about 1.5 ms of CPU per request, the raw client about 0.15 ms.

(``onex serve`` with several workers listens on a socket made with ``IPPROTO_TCP``, so
TCP_NODELAY is on: uvicorn's own multi-worker socket left it off, and every response waited
~40 ms for the client's delayed ACK.)

Reports throughput (verifications per second), p50 and p99 latency, the CPU time the server
and the generator spent per request, and what that CPU cost allows on this machine's cores
when nothing else runs (``capacity_per_s_if_alone``): other jobs on a shared machine lower the
measured figures, so the load average before the run is reported too.

Target (DESIGN §7): at least 500 per second with p99 under 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.support: the sample X certificate request
ONEX = REPO / ".venv" / "bin" / "onex"
ENDPOINT = "/credentials/verify"
PER_CONNECTION = 25
"""Requests per connection: each generator connection is replaced after this many, as new
clients would come, so that the kernel spreads them over the workers (a handful of
connections held for the whole run can all land on one worker)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(data_dir: Path, port: int, verify_rate: int = 0) -> dict[str, str]:
    """The server's settings; ``verify_rate`` 0 turns the per-client rate limit off."""
    return {
        **os.environ,
        "ONEX_DATA_DIR": str(data_dir),
        "ONEX_BASE_URL": f"http://127.0.0.1:{port}",
        "ONEX_ENVIRONMENT": "development",
        "ONEX_VERIFY_RATE": str(verify_rate),
        "ONEX_VERIFY_BURST": str(verify_rate),
    }


def prepare(data_dir: Path, port: int, count: int) -> list[dict[str, Any]]:
    """Migrate, add the verifier's tables, register and accredit an organization, issue."""
    from datetime import UTC, datetime

    from alembic import command
    from fastapi.testclient import TestClient

    from issuer.auth import create_api_key
    from issuer.models import Supervisor
    from service.app import create_app
    from service.db import create_database_engine, create_session_factory
    from service.migrate import alembic_config
    from service.schema import METADATA
    from service.settings import Settings
    from tests.support.orgs import x_certificate_request

    env = _environment(data_dir, port)
    settings = Settings(data_dir=data_dir, base_url=env["ONEX_BASE_URL"])
    engine = create_database_engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)  # the current models, whatever the migration has caught up
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, "head")  # so that `onex serve` finds nothing to migrate
    now = datetime.now(UTC)
    with create_session_factory(engine)() as session:
        supervisor = Supervisor(name="benchmark", created_at=now)
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(session, role="supervisor", supervisor_id=supervisor.id, now=now)
        session.commit()
    admin = {"Authorization": f"Bearer {key}"}
    credentials = []
    with TestClient(create_app(settings, engine=engine)) as client:
        made = client.post(
            "/admin/organizations",
            json={"slug": "bench", "kind": "evaluation-organization", "nameZh": "基准",
                  "nameEn": "Benchmark", "code": "BENCH-1"},
            headers=admin,
        )  # fmt: skip
        made.raise_for_status()
        org_key = {"Authorization": f"Bearer {made.json()['apiKey']['key']}"}
        web = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
        scope = {"skillDomains": [web], "levels": ["junior", "intermediate", "senior"]}
        accredit = {"scope": scope, "validFrom": "2020-01-01T00:00:00Z",
                    "validUntil": "2099-01-01T00:00:00Z"}  # fmt: skip
        client.post(
            "/admin/organizations/bench/accreditations", json=accredit, headers=admin
        ).raise_for_status()
        for index in range(count):
            request = x_certificate_request(number=f"{2024110101000000 + index}")
            issued = client.post(
                "/orgs/bench/credentials/x-certificates", json=request, headers=org_key
            )
            issued.raise_for_status()
            credentials.append(issued.json()["verifiableCredential"])
    engine.dispose()
    return credentials


def start_server(
    data_dir: Path, port: int, workers: int, verify_rate: int = 0
) -> subprocess.Popen[bytes]:
    command = [str(ONEX), "serve", "--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning"]
    server = subprocess.Popen(
        command,
        env=_environment(data_dir, port, verify_rate),
        start_new_session=True,
        cwd=REPO,
    )
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("onex serve did not start within 60 s")


def group_cpu_seconds(leader: int) -> float:
    """CPU seconds used so far by the processes of ``leader``'s group (Linux /proc)."""
    group, total, tick = os.getpgid(leader), 0, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- the load generator (a separate process) -----------------------------------------------------


async def _generate(
    url: str, bodies: list[bytes], concurrency: int, seconds: float, limit: int
) -> dict[str, Any]:
    import httpx

    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit("the load generator only targets loopback")
    latencies: list[float] = []
    codes: dict[str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal sent
            on_this = 0
            while time.perf_counter() < deadline and sent < limit:
                body = bodies[sent % len(bodies)]
                sent += 1
                on_this += 1
                start = time.perf_counter()
                closing = on_this % PER_CONNECTION == 0  # new clients come and go
                extra = {"Connection": "close"} if closing else {}
                response = await client.post(url, content=body, headers={**headers, **extra})
                latencies.append(time.perf_counter() - start)
                ok = response.status_code == 200 and b'"verified":true' in response.content
                key = str(response.status_code) + ("" if ok else " (not verified)")
                if not ok and key not in codes:
                    print(response.text[:3000], file=sys.stderr)
                codes[key] = codes.get(key, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return _summary(latencies, codes, elapsed)


async def _generate_raw(
    url: str, bodies: list[bytes], concurrency: int, seconds: float, limit: int
) -> dict[str, Any]:
    """The same load from a minimal HTTP/1.1 keep-alive client on asyncio streams: about a
    tenth of httpx's CPU per request, so that the generator leaves the cores to the server."""
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise SystemExit("the load generator only targets loopback")
    requests = [
        (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    latencies: list[float] = []
    codes: dict[str, int] = {}
    sent = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        on_this = 0
        try:
            while time.perf_counter() < deadline and sent < limit:
                if on_this == PER_CONNECTION:  # new clients come and go: spread over workers
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    on_this = 0
                on_this += 1
                request = requests[sent % len(requests)]
                sent += 1
                start = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                status = status_line.split(b" ", 2)[1].decode()
                ok = status == "200" and b'"verified":true' in body
                key = status + ("" if ok else " (not verified)")
                codes[key] = codes.get(key, 0) + 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return _summary(latencies, codes, time.perf_counter() - began)


def _summary(latencies: list[float], codes: dict[str, int], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "seconds": elapsed,
        "throughput": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
        "max_ms": ordered[-1] * 1000,
        "codes": codes,
    }


def generator_main(arguments: argparse.Namespace) -> None:
    bodies = [
        json.dumps({"verifiableCredential": c}, ensure_ascii=False).encode()
        for c in json.loads(Path(arguments.bodies).read_text("utf-8"))
    ]
    generate = _generate_raw if arguments.client == "raw" else _generate
    result = asyncio.run(
        generate(
            arguments.url, bodies, arguments.concurrency, arguments.seconds, arguments.max_requests
        )
    )
    print(json.dumps(result))


def run_generator(
    url: str,
    bodies_file: Path,
    concurrency: int,
    seconds: float,
    limit: int,
    client: str = "httpx",
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--generate", "--url", url, "--bodies", str(bodies_file)]
    command += ["--concurrency", str(concurrency), "--seconds", str(seconds)]
    command += ["--max-requests", str(limit), "--client", client]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
    if done.stderr:
        print(done.stderr, file=sys.stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    spent = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result["generator_cpu_ms_per_request"] = spent * 1000 / max(result["requests"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=["httpx", "raw"],
        default="httpx",
        help="the load generator's HTTP client: httpx (AsyncClient) or a minimal asyncio one",
    )
    parser.add_argument(
        "--verify-rate",
        type=int,
        default=0,
        help="ONEX_VERIFY_RATE and ONEX_VERIFY_BURST of the server (default 0: the per-client "
        "rate limit off, since every request comes from one address); set it above the "
        "throughput to include the limiter's cost",
    )
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log-level", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.generate:
        generator_main(arguments)
        return
    with tempfile.TemporaryDirectory(prefix="onex-verify-load-") as folder:
        data_dir = Path(folder)
        port = _free_port()
        print(f"preparing {arguments.credentials} credentials …", file=sys.stderr)
        credentials = prepare(data_dir, port, arguments.credentials)
        bodies_file = data_dir / "bodies.json"
        bodies_file.write_text(json.dumps(credentials, ensure_ascii=False), "utf-8")
        server = start_server(data_dir, port, arguments.workers, arguments.verify_rate)
        url = f"http://127.0.0.1:{port}{ENDPOINT}"
        try:
            print("warming up …", file=sys.stderr)
            run_generator(
                url, bodies_file, arguments.concurrency, arguments.warmup, 100_000, arguments.client
            )
            print(f"measuring for {arguments.seconds} s …", file=sys.stderr)
            load_before = os.getloadavg()[0]
            cpu_before = group_cpu_seconds(server.pid)
            result = run_generator(
                url,
                bodies_file,
                arguments.concurrency,
                arguments.seconds,
                arguments.max_requests,
                arguments.client,
            )
            server_cpu = group_cpu_seconds(server.pid) - cpu_before
        finally:
            stop_server(server)
    result.update(
        workers=arguments.workers,
        concurrency=arguments.concurrency,
        cpus=os.cpu_count(),
        server="onex serve",
        client=arguments.client,
        verify_rate_limit=arguments.verify_rate or "off",
        load_average_before=load_before,
        server_cpu_ms_per_request=server_cpu * 1000 / max(result["requests"], 1),
    )
    per_request = result["server_cpu_ms_per_request"] + result["generator_cpu_ms_per_request"]
    result["capacity_per_s_if_alone"] = (os.cpu_count() or 1) * 1000 / per_request
    print(json.dumps(result, indent=2))
    verdict = "meets" if result["throughput"] >= 500 and result["p99_ms"] < 50 else "misses"
    limit = (
        f"rate limit on at {arguments.verify_rate}/s, burst {arguments.verify_rate}"
        if arguments.verify_rate
        else "rate limit off (ONEX_VERIFY_RATE=0)"
    )
    print(
        f"verify under load ({limit}): {result['throughput']:.0f}/s, "
        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms — {verdict} the target "
        "(≥ 500/s, p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
