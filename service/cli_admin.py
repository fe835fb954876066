"""``onex admin …``, ``onex org …``, ``onex audit …``: operating the service from the shell."""

from __future__ import annotations

import click


@click.group()
def admin() -> None:
    """Supervisor accounts."""


@click.group()
def org() -> None:
    """Organizations, accreditations and keys (for scripting)."""


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


from service import (  # noqa: E402
    cli_audit,  # noqa: F401  (registers `onex audit verify`)
    cli_org,  # noqa: F401  (registers its commands on these groups)
)
