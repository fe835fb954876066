"""The ``onex`` command line."""

from __future__ import annotations

import click

from service.cli_vc import keygen, sign, verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="onex")
def main() -> None:
    """onex: verifiable credentials for the 1+X certificate system."""


main.add_command(keygen)
main.add_command(sign)
main.add_command(verify)
