"""The README stays true: every setting and every CLI command is documented there."""

from __future__ import annotations

import click

from service.cli import main
from service.settings import Settings
from tests.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    missing = [
        f"ONEX_{name.upper()}"
        for name in Settings.model_fields
        if f"`ONEX_{name.upper()}`" not in README
    ]
    assert missing == []


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_every_command_is_in_the_readme_and_has_help() -> None:
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None and command.help, name
        assert f"onex {name}" in README, f"`onex {name}` is not documented in README.md"
