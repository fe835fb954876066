"""Browser tests: Debian's Chromium driven by Playwright against the real app served by
uvicorn on a loopback port. Without Chromium or Playwright they skip (fail in CI)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.auth import create_api_key
from issuer.models import Supervisor
from service.app import create_app
from service.db import create_database_engine, create_session_factory
from service.schema import METADATA
from service.settings import Settings
from tests.requirements import missing
from tests.support.service import Clock, Service

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        missing("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright is not installed (pip install playwright; never `playwright install`)")
    return path


@dataclass
class Live:
    """The app served on ``url``, and the in-process handle on the same app for set-up."""

    url: str
    service: Service


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    import uvicorn

    chromium_path()
    settings = Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000")
    engine = create_database_engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    with create_session_factory(engine)() as session:
        supervisor = Supervisor(name="Ministry of Education (browser test)", created_at=clock())
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(
            session, role="supervisor", supervisor_id=supervisor.id, now=clock()
        )
        session.commit()
    app = create_app(settings, engine=engine, clock=clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    with TestClient(app) as client:
        yield Live(f"http://127.0.0.1:{port}", Service(app, client, engine, clock, key))
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def browser_args() -> list[str]:
    return list(CHROMIUM_ARGS)


@pytest.fixture
def launch() -> Iterator[Any]:
    """``launch(extra_args)`` → a headless Chromium page; closed after the test."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        browsers: list[Any] = []

        def open_page(extra: list[str] | None = None) -> Any:
            browser = playwright.chromium.launch(
                executable_path=path, headless=True, args=CHROMIUM_ARGS + (extra or [])
            )
            browsers.append(browser)
            return browser.new_page()

        yield open_page
        for browser in browsers:
            browser.close()
