"""Fetching for the verifier: the host policy (SSRF), limits, caching by Cache-Control, ETag and
``ttl``, offline use of stale copies, and the persistent cache surviving a restart."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from verifier.cache import CacheEntry, LayeredCache, MemoryCache, SqlCache
from verifier.fetch import (
    Fetcher,
    FetchError,
    FetchRefused,
    HostPolicy,
    HttpResponse,
    HttpxClient,
    StaticClient,
)
from verifier.models import Base
from verifier.ports import SourceUnavailable

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
URL = "https://status.example/lists/revocation/1"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _public(host: str) -> list[str]:
    return ["93.184.215.14"] if host != "intranet.example" else ["10.1.2.3"]


def _policy(**kwargs: object) -> HostPolicy:
    hosts = {"status.example", "intranet.example", "10.0.0.5", "[::1]:8443"}
    return HostPolicy(lambda: hosts, resolve=_public, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://elsewhere.example/x", "not in the trust registry"),
        ("http://status.example/x", "only https://"),
        ("ftp://status.example/x", "only https://"),
        ("https://user:pw@status.example/x", "user info"),
        ("https://intranet.example/x", "private or local address (10.1.2.3)"),
        ("https://10.0.0.5/x", "private or local address"),
        ("https://[::1]:8443/x", "private or local address"),
        ("https://status.example:444/x", "not in the trust registry"),
    ],
)
def test_the_host_policy_refuses(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _policy().check(url)


def test_the_host_policy_allows_trusted_public_hosts_and_our_own() -> None:
    _policy().check(URL)
    own = _policy(own_hosts={"127.0.0.1:8000"})
    own.check("http://127.0.0.1:8000/status/huaxin/revocation/1")
    _policy(allow_private=True).check("https://intranet.example/x")
    _policy(extra_hosts={"mirror.example"}).check("https://mirror.example/x")


def _fetcher(client: StaticClient, clock: Clock, **kwargs: float) -> Fetcher:
    return Fetcher(client, _policy(), MemoryCache(), clock, **kwargs)  # type: ignore[arg-type]


def _ok(body: bytes = b'{"a":1}', **headers: str) -> HttpResponse:
    return HttpResponse(200, {k.replace("_", "-"): v for k, v in headers.items()}, body)


def test_a_fresh_copy_is_served_from_the_cache_with_its_age() -> None:
    clock = Clock()
    client = StaticClient({URL: _ok(cache_control="public, max-age=300")})
    fetcher = _fetcher(client, clock)
    assert fetcher.get(URL).age_seconds == 0
    clock.now += timedelta(seconds=120)
    again = fetcher.get(URL)
    assert (again.age_seconds, again.stale) == (120, False)
    assert client.requested == [URL]


def test_an_expired_copy_is_revalidated_with_its_etag() -> None:
    clock = Clock()
    client = StaticClient({URL: _ok(cache_control="max-age=60", etag='"v1"')})
    fetcher = _fetcher(client, clock)
    fetcher.get(URL)
    clock.now += timedelta(seconds=61)
    assert fetcher.get(URL).age_seconds == 0
    assert client.requested == [URL, URL]
    assert fetcher.cache.get(URL) is not None
    assert fetcher.cache.get(URL).fetched_at == clock.now  # type: ignore[union-attr]


def test_no_store_is_never_cached_and_ttl_shortens_the_lifetime() -> None:
    clock = Clock()
    client = StaticClient({URL: _ok(cache_control="no-store")})
    fetcher = _fetcher(client, clock)
    fetcher.get(URL)
    fetcher.get(URL)
    assert len(client.requested) == 2
    other = "https://status.example/lists/suspension/1"
    client.responses[other] = _ok(cache_control="max-age=300")
    fetcher.get(other, body_ttl=lambda body: 10.0)
    clock.now += timedelta(seconds=11)
    fetcher.get(other, body_ttl=lambda body: 10.0)
    assert client.requested.count(other) == 2


def test_offline_a_stale_copy_is_used_and_flagged_within_max_stale() -> None:
    clock = Clock()
    client = StaticClient({URL: _ok(cache_control="max-age=60")})
    fetcher = _fetcher(client, clock, max_stale=3600)
    fetcher.get(URL)
    client.responses.clear()
    clock.now += timedelta(seconds=1000)
    stale = fetcher.get(URL)
    assert (stale.age_seconds, stale.stale) == (1000, True)
    assert stale.cache_use.to_json() == {"url": URL, "age_seconds": 1000, "stale": True}
    clock.now += timedelta(hours=2)
    with pytest.raises(SourceUnavailable, match="no cached copy recent enough"):
        fetcher.get(URL)


@pytest.mark.parametrize("answer", [HttpResponse(404, {}, b""), HttpResponse(500, {}, b"x")])
def test_an_error_answer_without_a_copy_is_unavailable(answer: HttpResponse) -> None:
    fetcher = _fetcher(StaticClient({URL: answer}), Clock())
    with pytest.raises(SourceUnavailable, match=f"answered HTTP {answer.status}"):
        fetcher.get(URL)


def test_bodies_over_the_size_cap_are_refused() -> None:
    fetcher = _fetcher(StaticClient({URL: _ok(b"x" * 2000)}), Clock(), max_bytes=1000)
    with pytest.raises(SourceUnavailable, match="exceeds 1000 bytes"):
        fetcher.get(URL)


def test_a_refused_host_is_never_asked() -> None:
    client = StaticClient()
    with pytest.raises(FetchRefused):
        _fetcher(client, Clock()).get("https://evil.example/list")
    assert client.requested == []


def test_the_database_cache_survives_a_restart(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine)
    clock = Clock()
    client = StaticClient({URL: _ok(cache_control="max-age=60", etag='"v1"')})
    first = Fetcher(client, _policy(), LayeredCache(MemoryCache(), SqlCache(sessions)), clock)
    first.get(URL)
    clock.now += timedelta(seconds=600)
    offline = StaticClient()
    second = Fetcher(offline, _policy(), LayeredCache(MemoryCache(), SqlCache(sessions)), clock)
    found = second.get(URL)
    assert (found.body, found.age_seconds, found.stale) == (b'{"a":1}', 600, True)
    assert offline.requested == [URL]
    engine.dispose()


def test_a_broken_database_cache_is_an_empty_one(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'none.db'}")
    errors: list[Exception] = []
    store = SqlCache(sessionmaker(engine), on_error=errors.append)
    store.put(CacheEntry(URL, b"x", None, T0, 60))
    assert store.get(URL) is None
    assert len(errors) == 2
    engine.dispose()


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.binary(max_size=40)), max_size=60))
def test_the_memory_cache_keeps_its_bounds_and_the_latest_entry(
    puts: list[tuple[str, bytes]],
) -> None:
    cache = MemoryCache(max_entries=4, max_bytes=100)
    for name, body in puts:
        cache.put(CacheEntry(name, body, None, T0, 1.0))
        latest = cache.get(name)
        assert latest is not None and latest.body == body
    kept = [cache.get(name) for name in "abcdefgh"]
    present = [entry for entry in kept if entry is not None]
    assert len(present) <= 4
    assert sum(len(entry.body) for entry in present) <= 100


# --- the httpx client, against a loopback server ---------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/list":
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Cache-Control", "public, max-age=30")
            self.send_header("ETag", '"abc"')
        elif self.path == "/big":
            body = b"x" * 5000
            self.send_response(200)
        elif self.path == "/moved":
            body = b""
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
        else:
            body = b"no"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_httpx_client_reads_with_limits_and_never_follows_redirects(loopback: str) -> None:
    client = HttpxClient()
    try:
        found = client.get(f"{loopback}/list", headers={}, timeout=5, max_bytes=1000)
        assert (found.status, found.body) == (200, b'{"ok": true}')
        assert found.headers["cache-control"] == "public, max-age=30"
        assert found.headers["etag"] == '"abc"'
        assert client.get(f"{loopback}/nothing", headers={}, timeout=5, max_bytes=100).status == 404
        moved = client.get(f"{loopback}/moved", headers={}, timeout=5, max_bytes=100)
        assert moved.status == 302
        with pytest.raises(FetchError, match="exceeds 1000 bytes"):
            client.get(f"{loopback}/big", headers={}, timeout=5, max_bytes=1000)
    finally:
        client.close()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(FetchError, match="cannot fetch"):
        HttpxClient().get(f"http://127.0.0.1:{port}/x", headers={}, timeout=2, max_bytes=100)
