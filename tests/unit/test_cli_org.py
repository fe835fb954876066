"""``onex admin create`` and ``onex org create|accredit|list`` on a database in a temp folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit import check_database
from issuer.auth import authenticate
from issuer.models import AuditEntry
from service.app import create_app
from service.cli import main
from service.db import create_database_engine
from service.settings import Settings

WEB = "0402:Web前端开发:Web Front-End Development"
MAJOR = "510201:计算机应用技术:Computer Applications Technology"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ONEX_DATABASE_URL", "ONEX_KEY_ENCRYPTION_KEY", "ONEX_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ONEX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ONEX_BASE_URL", "http://127.0.0.1:8000")
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def ok_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _session() -> Session:
    return Session(create_database_engine(Settings()))


def create_school(slug: str = "hz-vtc") -> Any:
    return ok_json(
        "org",
        "create",
        "--slug",
        slug,
        "--kind",
        "school",
        "--name-zh",
        "杭州职业技术学院",
        "--name-en",
        "Hangzhou VTC",
    )


def create_evaluation(slug: str = "webedu", *extra: str) -> Any:
    return ok_json(
        "org",
        "create",
        "--slug",
        slug,
        "--kind",
        "evaluation-organization",
        "--name-zh",
        "某某教育科技",
        "--name-en",
        "Someone Education",
        *extra,
    )


def test_admin_create_prints_a_working_key_once(data_dir: Path) -> None:
    result = run("admin", "create", "--name", "教育部职业教育与成人教育司")
    assert result.exit_code == 0, result.output
    assert "shown once" in result.output
    key = result.output.strip().rsplit(" ", 1)[-1]
    assert (data_dir / "onex.db").exists()
    with _session() as session:
        caller = authenticate(session, key)
        assert caller is not None and caller.role == "supervisor"
        assert session.scalar(select(AuditEntry.action)) == "supervisor.create"
    second = ok_json("admin", "create", "--name", "浙江省教育厅")
    assert second["id"] == 2 and second["apiKey"] != key


def test_admin_create_needs_a_name() -> None:
    assert run("admin", "create", "--name", "  ").exit_code == 1
    assert run("admin", "create").exit_code == 2


def test_org_create_web_and_key(data_dir: Path) -> None:
    web = create_evaluation()
    assert web["did"] == "did:web:127.0.0.1%3A8000:orgs:webedu"
    other = create_evaluation("keyorg", "--did-method", "key", "--key-algorithm", "P-256")
    assert other["did"].startswith("did:key:zDn")  # a P-256 Multikey
    with _session() as session:
        caller = authenticate(session, web["apiKey"])
        assert caller is not None and caller.role == "organization"
        assert check_database(session).intact
    text = run(
        "org",
        "create",
        "--slug",
        "third",
        "--kind",
        "school",
        "--name-zh",
        "学校",
        "--name-en",
        "School",
    )
    assert text.exit_code == 0 and "DID: did:web:" in text.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--slug", "webedu"], "already exists"),
        (["--slug", "Bad_Slug"], "slug"),
    ],
)
def test_org_create_refusals(args: list[str], message: str) -> None:
    create_evaluation()
    result = run(
        "org", "create", "--kind", "school", "--name-zh", "学校", "--name-en", "School", *args
    )
    assert result.exit_code == 1 and message in result.output


def test_accredit_an_evaluation_organization() -> None:
    create_evaluation()
    body = ok_json(
        "org",
        "accredit",
        "webedu",
        "--skill-domain",
        WEB,
        "--level",
        "junior",
        "--level",
        "senior",
        "--from",
        "2026-01-01",
        "--until",
        "2099-12-31",
    )
    assert body["organization"] == "webedu" and body["status"] == "active"
    assert body["validFrom"] == "2026-01-01T00:00:00Z"
    assert body["validUntil"] == "2099-12-31T23:59:59Z"
    assert body["scope"] == {
        "skillDomains": [
            {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
        ],
        "levels": ["junior", "senior"],
    }


def test_accredit_a_school_with_timestamps() -> None:
    create_school()
    body = ok_json(
        "org",
        "accredit",
        "hz-vtc",
        "--education-level",
        "higher-vocational",
        "--major",
        MAJOR,
        "--from",
        "2026-01-01T08:00:00+08:00",
        "--until",
        "2099-06-30T00:00:00Z",
    )
    assert body["validFrom"] == "2026-01-01T00:00:00Z"
    assert body["scope"]["majors"][0]["code"] == "510201"


@pytest.mark.parametrize(
    "slug,args,code,message",
    [
        ("webedu", ["--education-level", "bachelor", "--major", MAJOR], 2, "--skill-domain"),
        ("hz-vtc", ["--skill-domain", WEB, "--level", "junior"], 2, "--education-level"),
        ("webedu", ["--skill-domain", "0402-only", "--level", "junior"], 2, "CODE:中文名:English"),
        ("webedu", ["--skill-domain", WEB], 1, "levels"),
        ("webedu", ["--skill-domain", WEB, "--level", "expert"], 2, "expert"),
        ("nobody", ["--skill-domain", WEB, "--level", "junior"], 1, "no organization"),
    ],
)
def test_accredit_refusals(slug: str, args: list[str], code: int, message: str) -> None:
    create_evaluation()
    create_school()
    result = run("org", "accredit", slug, *args, "--from", "2026-01-01", "--until", "2099-12-31")
    assert result.exit_code == code, result.output
    assert message in result.output


@pytest.mark.parametrize(
    "start,until,code,message",
    [
        ("2026-01-01T00:00:00", "2099-12-31", 2, "no time zone"),
        ("soon", "2099-12-31", 2, "not a date"),
        ("2099-12-31", "2026-01-01", 1, "must be after"),
        ("2020-01-01", "2021-01-01", 1, "has passed"),
    ],
)
def test_accredit_period_refusals(start: str, until: str, code: int, message: str) -> None:
    create_evaluation()
    result = run(
        "org",
        "accredit",
        "webedu",
        "--skill-domain",
        WEB,
        "--level",
        "junior",
        "--from",
        start,
        "--until",
        until,
    )
    assert result.exit_code == code, result.output
    assert message in result.output
    listed = ok_json("org", "list")
    assert listed[0]["accreditations"] == []


def test_list() -> None:
    assert run("org", "list").output.strip() == "no organization is registered"
    create_evaluation()
    create_school()
    ok_json(
        "org",
        "accredit",
        "webedu",
        "--skill-domain",
        WEB,
        "--level",
        "junior",
        "--from",
        "2026-01-01",
        "--until",
        "2099-12-31",
    )
    listed = ok_json("org", "list")
    assert [item["slug"] for item in listed] == ["hz-vtc", "webedu"]
    assert listed[1]["accreditations"][0]["status"] == "active"
    text = run("org", "list").output
    assert "webedu\tevaluation-organization" in text and "active 2026-01-01T00:00:00Z" in text


def test_what_the_cli_made_is_served() -> None:
    create_evaluation()
    ok_json(
        "org",
        "accredit",
        "webedu",
        "--skill-domain",
        WEB,
        "--level",
        "junior",
        "--from",
        "2026-01-01",
        "--until",
        "2099-12-31",
    )
    with TestClient(create_app(Settings())) as client:
        registry = client.get("/registry").json()
        assert registry["organizations"][0]["accreditations"][0]["status"] == "active"
        assert registry["auditHead"]["sequence"] >= 3
        assert client.get("/orgs/webedu/did.json").status_code == 200
