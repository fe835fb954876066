"""``onex serve`` and ``onex migrate``."""

from __future__ import annotations

import socket

import click
import uvicorn
from uvicorn.supervisors import Multiprocess

from service.db import create_database_engine
from service.log_redaction import uvicorn_log_config
from service.migrate import upgrade
from service.settings import Settings


def migrate_database(settings: Settings) -> None:
    engine = create_database_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema (ONEX_DATABASE_URL, default SQLite under var/)."""
    settings = Settings()
    migrate_database(settings)
    click.echo(f"database at {settings.resolved_database_url} is up to date")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes."
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Run the service (migrating the database first).

    Settings come from ONEX_* environment variables; see `onex settings`. The access log
    shortens grant tokens and grant and claim codes in request lines to their first 4
    characters.
    """
    settings = Settings()
    settings.check_production()
    migrate_database(settings)
    settings.load_key_encryption_key()
    click.echo(
        f"onex serving {settings.base_url} on http://{host}:{port} "
        f"({workers} worker{'s' if workers > 1 else ''}); "
        f"database {settings.resolved_database_url}",
        err=True,
    )
    config = uvicorn.Config(
        "service.asgi:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=uvicorn_log_config(),
    )
    if workers == 1:
        uvicorn.Server(config).run()
    else:
        Multiprocess(config, sockets=[_tcp_socket(host, port)]).run()


def _tcp_socket(host: str, port: int) -> socket.socket:
    """The listening socket for several workers, made with ``IPPROTO_TCP``.

    uvicorn's multi-process mode binds a socket of protocol 0, so asyncio never sets
    TCP_NODELAY on its connections and each response waits ~40 ms for the client's delayed
    ACK. Accepted sockets inherit TCP_NODELAY from this one (Linux).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@click.command(name="settings")
def show_settings() -> None:
    """Print every setting: its environment variable, current value and meaning."""
    current = Settings()
    for name, field in Settings.model_fields.items():
        value = getattr(current, name)
        if name == "key_encryption_key" and value:
            value = "(set)"
        click.echo(f"ONEX_{name.upper()}={value if value is not None else ''}")
        click.echo(f"    {field.description}")


@click.command()
def demo() -> None:
    """Create demo accounts and credentials (once) and print where they are written.

    Writes DATA_DIR/demo-accounts.json: the base URL and, for each account, its kind, id, DID,
    API key (organizations, supervisor) or key pair (learners), and the organizations'
    VC-API issue and status endpoints. Running it again reuses what it made.
    """
    from service.app import build_issuer_context
    from service.db import create_session_factory
    from service.demo import demo_file, seed_demo

    settings = Settings()
    migrate_database(settings)
    engine = create_database_engine(settings)
    try:
        sessions = create_session_factory(engine)
        with sessions() as session:
            accounts = seed_demo(
                session, build_issuer_context(settings, sessions), settings.data_dir
            )
    finally:
        engine.dispose()
    click.echo(
        f"demo data: {len(accounts['accounts'])} accounts, "
        f"{len(accounts.get('credentials', []))} credentials; "
        f"see {demo_file(settings.data_dir)}"
    )
