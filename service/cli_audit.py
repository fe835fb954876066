"""``onex audit verify`` and ``onex audit head``: check and publish the audit chain."""

from __future__ import annotations

import json
import sys

import click

from issuer.audit import check_database
from service.cli_admin import audit
from service.db import create_database_engine, create_session_factory
from service.settings import Settings


@audit.command(name="verify")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def verify_audit(as_json: bool) -> None:
    """Check every link of the audit chain; exit 1 and name the first broken link if any."""
    engine = create_database_engine(Settings())
    try:
        with create_session_factory(engine)() as session:
            check = check_database(session)
    finally:
        engine.dispose()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "intact": check.intact,
                    "entries": check.entries,
                    "headHash": check.head_hash,
                    "brokenAt": check.broken_at,
                    "reason": check.reason,
                }
            )
        )
    elif check.intact:
        click.echo(f"audit chain intact: {check.entries} entries, head {check.head_hash}")
    else:
        click.echo(
            f"audit chain BROKEN at entry {check.broken_at}: {check.reason} "
            f"({check.entries} entries check out before it)",
            err=True,
        )
    sys.exit(0 if check.intact else 1)
