"""The floors of DESIGN §4: contexts/ and vc/; issuer/ and verifier/; wallet_api/; service/.
No import runs back up, and vc/ pulls in neither the web nor the database."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import vc
from tests.paths import REPO

FLOORS = {"vc": 0, "issuer": 1, "verifier": 1, "wallet_api": 2, "service": 3}
FORBIDDEN_IN_VC = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "httpx")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_no_import_runs_back_up(package: str) -> None:
    floor = FLOORS[package]
    for path in sorted((REPO / package).rglob("*.py")):
        for name in _imports(path):
            if name in FLOORS and name != package:
                other = FLOORS[name]
                allowed = other < floor
                assert allowed, f"{path.relative_to(REPO)} imports {name} (floor {other} ≥ {floor})"


def test_importing_vc_pulls_in_no_web_or_database() -> None:
    modules = [m.name for m in pkgutil.walk_packages(vc.__path__, "vc.")]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + (f"print(','.join(sorted(m for m in {FORBIDDEN_IN_VC!r} if m in sys.modules)))")
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "", f"vc imports {done.stdout.strip()}"
    assert len(modules) >= 15


def test_cryptosuites_all_matches_exports() -> None:
    import vc.cryptosuites as suites

    public = {
        name
        for name in vars(suites)
        if not name.startswith("_")
        and getattr(getattr(suites, name), "__module__", "vc.cryptosuites") != "builtins"
    }
    exported = set(suites.__all__)
    assert exported <= public
    assert {"EDDSA_RDFC_2022", "ECDSA_RDFC_2019", "Cryptosuite", "ALL_SUITES"} <= exported
