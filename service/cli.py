"""The ``onex`` command line."""

from __future__ import annotations

import click

from service.cli_admin import admin, audit, org
from service.cli_batch import batch
from service.cli_catalogue import catalogue
from service.cli_issue import issue
from service.cli_serve import demo, migrate, serve, show_settings
from service.cli_vc import keygen, sign, verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="onex")
def main() -> None:
    """onex: verifiable credentials for the 1+X certificate system."""


for command in (
    serve,
    migrate,
    demo,
    show_settings,
    keygen,
    sign,
    verify,
    admin,
    org,
    issue,
    audit,
    batch,
    catalogue,
):
    main.add_command(command)
