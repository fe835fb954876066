"""Helpers for the wallet's browser tests: a live server and Debian's Chromium via Playwright.

(Named ``conftest_wallet`` so it does not clash with a shared ``conftest.py``; tests import it.)
The server is the real app on uvicorn in a thread, on a free loopback port, with an empty
SQLite database in a temporary folder and a supervisor API key, like the ``service`` fixture.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from issuer.auth import create_api_key
from issuer.models import Supervisor
from service.app import create_app
from service.db import create_database_engine, create_session_factory
from service.schema import METADATA
from service.settings import Settings
from tests.requirements import missing

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(frozen=True)
class LiveService:
    base_url: str
    supervisor_key: str

    def as_supervisor(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.supervisor_key}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_service(data_dir: Path) -> Iterator[LiveService]:
    """The app served on 127.0.0.1:<free port> until the block ends."""
    try:
        import uvicorn
    except ImportError:
        missing("uvicorn is not installed")
    port = _free_port()
    settings = Settings(data_dir=data_dir, base_url=f"http://127.0.0.1:{port}")
    engine = create_database_engine(settings)
    for metadata in METADATA:
        metadata.create_all(engine)
    with create_session_factory(engine)() as session:
        supervisor = Supervisor(name="Ministry (browser test)", created_at=_now())
        session.add(supervisor)
        session.flush()
        _, key = create_api_key(session, role="supervisor", supervisor_id=supervisor.id, now=_now())
        session.commit()
    app = create_app(settings, engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveService(settings.base_url, key)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (never Playwright's own browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install playwright; never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
