"""`onex issue`: issuing from the shell on the configured database."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from service.cli import main
from tests.support.orgs import x_certificate_request


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_issue_from_a_request_file(tmp_path: Path) -> None:
    env = {"ONEX_DATA_DIR": str(tmp_path / "var")}
    assert _run(env, "demo")[0] == 0
    request = tmp_path / "request.json"
    request.write_text(json.dumps(x_certificate_request(number="2026000000000001")), "utf-8")
    code, output = _run(env, "issue", "x-certificate", str(request), "--org", "huaxin-digital")
    assert code == 0, output
    credential = json.loads(output)
    assert credential["credentialSubject"]["licenseNumber"] == "2026000000000001"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    code, output = _run(env, "issue", "x-certificate", str(request), "--org", "bjit")
    assert code == 1 and "bjit is a school" in output
    code, output = _run(env, "issue", "x-certificate", str(request), "--org", "nobody")
    assert code == 1 and "no organization 'nobody'" in output
    request.write_text('{"learner": {}}', "utf-8")
    code, output = _run(env, "issue", "x-certificate", str(request), "--org", "huaxin-digital")
    assert code == 1 and "learner" in output and "Traceback" not in output
