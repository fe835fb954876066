"""``onex catalogue``: add, list, refuse a second entry for the same outcome, withdraw."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from service.cli import main

SENIOR = ["--x-certificate", "0402", "--level", "senior", "--name-zh", "高级", "--name-en", "S"]


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_add_list_conflict_and_withdraw(tmp_path: Path) -> None:
    env = {"ONEX_DATA_DIR": str(tmp_path / "var")}
    code, output = _run(env, "catalogue", "add", *SENIOR, "--credits", "6", "--json")
    assert code == 0, output
    entry = json.loads(output)
    assert (entry["outcome"]["level"], entry["credits"]) == ("senior", 6.0)
    code, output = _run(env, "catalogue", "add", *SENIOR, "--credits", "5")
    assert code == 1 and "already recognizes" in output
    code, output = _run(
        env,
        "catalogue",
        "add",
        *SENIOR[:4],
        "--diploma",
        "bachelor",
        "--credits",
        "5",
        "--name-zh",
        "x",
        "--name-en",
        "x",
    )
    assert code == 2 and "either" in output
    code, output = _run(env, "catalogue", "add", *SENIOR, "--credits", "zero")
    assert code == 2 and "not a number" in output
    code, output = _run(env, "catalogue", "list")
    assert code == 0 and entry["id"] in output and "6.0 credits" in output
    code, output = _run(env, "catalogue", "withdraw", entry["id"])
    assert code == 0 and "withdrew" in output
    code, output = _run(env, "catalogue", "withdraw", entry["id"])
    assert code == 1 and "was withdrawn" in output
    assert _run(env, "catalogue", "list", "--json")[1].strip().startswith('{\n  "entries": []')
    code, output = _run(env, "catalogue", "list", "--all")
    assert code == 0 and "withdrawn" in output
