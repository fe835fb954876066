"""Batch issuance through the API: dry run, run, progress, report, refusals."""

from __future__ import annotations

import csv
import gzip
import io
import time
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.models import (
    AuditEntry,
    BatchJob,
    BatchRow,
    CredentialOffer,
    IssuedCredential,
    StatusAllocation,
)
from tests.support.batch_files import X_HEADER, csv_bytes, learner_did, x_row
from tests.support.orgs import (
    WEB_FRONTEND,
    Org,
    accredit,
    create_org,
    school,
    x_certificate_request,
)
from tests.support.service import Service

ISSUED_NUMBER = "2024110101999999"


def _count(service: Service, model: Any) -> int:
    with Session(service.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _counts(service: Service) -> tuple[int, ...]:
    models = (IssuedCredential, StatusAllocation, AuditEntry, CredentialOffer, BatchJob)
    return tuple(_count(service, model) for model in models)


def _evaluation_org(service: Service, slug: str = "huaxin") -> Org:
    """Accredited for Web front-end development, junior and intermediate only."""
    org = create_org(service, slug)
    accredit(service, org, {"skillDomains": [WEB_FRONTEND], "levels": ["junior", "intermediate"]})
    return org


def _issue_one(service: Service, org: Org, number: str = ISSUED_NUMBER) -> dict[str, Any]:
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates",
        json=x_certificate_request(number=number),
        headers=org.headers,
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _bad_file() -> bytes:
    """One row of every kind (line numbers: the header is line 1)."""
    rows = [x_row(i) for i in range(2, 14)]
    rows[1][0] = ""  # line 3: learner_name missing
    rows[2][10] = "2026-13-01"  # line 4: a bad assessment date
    rows[3][6] = "高级"  # line 5: senior, outside the accreditation
    rows[5][2] = rows[4][2]  # lines 6 and 7: one number twice in the file
    rows[6][2] = ISSUED_NUMBER  # line 8: a number issued before
    rows[8][1] = ""  # line 10: no DID: an offer
    rows[9][3] = "9999"  # line 11: a skill domain outside the accreditation
    rows[10][11] = "50"  # line 12: below the pass mark
    header = [*X_HEADER, "replaces"]
    rows = [[*row, ""] for row in rows]
    rows[7][-1] = ISSUED_NUMBER  # line 9: renews the credential issued before
    rows[11][6] = "初级"  # line 13: junior, in Chinese
    return csv_bytes(header, rows)


def _upload(service: Service, org: Org, data: bytes, **headers: str) -> Any:
    return service.client.post(
        f"/orgs/{org.slug}/batches",
        params={"filename": "exam-2026-10.csv"},
        content=data,
        headers={**org.headers, "Content-Type": "text/csv", **headers},
    )


def _rows(service: Service, org: Org, job_id: str) -> dict[int, dict[str, Any]]:
    response = service.client.get(
        f"/orgs/{org.slug}/batches/{job_id}/rows", params={"limit": 1000}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return {item["row"]: item for item in response.json()["items"]}


def _wait(service: Service, org: Org, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = service.client.get(
            f"/orgs/{org.slug}/batches/{job_id}", headers=org.headers
        ).json()
        if job["state"] in ("completed", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_the_dry_run_finds_every_kind_of_bad_row_and_issues_nothing(service: Service) -> None:
    org = _evaluation_org(service)
    earlier = _issue_one(service, org)
    before = _counts(service)
    response = _upload(service, org, _bad_file())
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["state"] == "planned" and job["rows"] == 12
    assert job["outcomes"] == {"new": 3, "renewal": 1, "duplicate": 3, "invalid": 5}
    assert job["deliveries"] == {"credential": 3, "offer": 1}
    rows = _rows(service, org, job["id"])
    outcomes = {number: row["outcome"] for number, row in rows.items()}
    assert outcomes == {
        2: "new",
        3: "invalid",
        4: "invalid",
        5: "invalid",
        6: "duplicate",
        7: "duplicate",
        8: "duplicate",
        9: "renewal",
        10: "new",
        11: "invalid",
        12: "invalid",
        13: "new",
    }
    fields = {n: [p["field"] for p in rows[n]["problems"]] for n in rows}
    assert fields[3] == ["learner_name"]
    assert fields[4] == ["assessment_date"] and "2026-13-01" in rows[4]["problems"][0]["reason"]
    assert fields[5] == ["level"] and "senior" in rows[5]["problems"][0]["reason"]
    assert fields[6] == fields[7] == fields[8] == ["license_number"]
    assert "row 7" in rows[6]["problems"][0]["reason"]
    assert earlier["id"] in rows[8]["problems"][0]["reason"]
    assert fields[11] == ["skill_domain_code"]
    assert fields[12] == ["score"]
    assert rows[9]["replaces"] == earlier["id"]
    assert rows[10]["delivery"] == "offer"
    after = _counts(service)
    assert after[:4] == before[:4], "a dry run issues nothing, allocates nothing, audits nothing"


def test_running_the_job_issues_offers_renews_and_reports(service: Service) -> None:
    org = _evaluation_org(service)
    earlier = _issue_one(service, org)
    job = _upload(service, org, _bad_file()).json()
    started = service.client.post(f"/orgs/{org.slug}/batches/{job['id']}/run", headers=org.headers)
    assert started.status_code == 202, started.text
    finished = _wait(service, org, job["id"])
    assert finished["state"] == "completed", finished
    assert finished["states"]["issued"] == 3 and finished["states"]["offered"] == 1
    assert finished["progress"] == 1.0 and finished["done"] == finished["toDo"] == 4
    assert _count(service, IssuedCredential) == 4 and _count(service, CredentialOffer) == 1
    old = service.client.get(
        f"/orgs/{org.slug}/credentials/{earlier['id']}", headers=org.headers
    ).json()
    rows = _rows(service, org, job["id"])
    assert old["status"] == "revoked" and old["supersededBy"] == rows[9]["credentialId"]
    renewed = service.client.get(
        f"/orgs/{org.slug}/credentials/{rows[9]['credentialId']}", headers=org.headers
    ).json()
    assert renewed["replaces"] == earlier["id"]
    assert renewed["verifiableCredential"]["credentialSubject"]["id"] == learner_did(9)

    report = service.client.get(
        f"/orgs/{org.slug}/batches/{job['id']}/report.csv", headers=org.headers
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    lines = {int(r["row"]): r for r in csv.DictReader(io.StringIO(report.text.lstrip("\ufeff")))}
    assert len(lines) == 12
    assert lines[2]["state"] == "issued" and lines[2]["credential_id"].startswith("urn:uuid:")
    assert lines[10]["state"] == "offered" and "/wallet/claim?code=" in lines[10]["claim_url"]
    assert lines[4]["problems"].startswith("assessment_date: ")
    zh = service.client.get(
        f"/orgs/{org.slug}/batches/{job['id']}/report.csv?lang=zh-CN", headers=org.headers
    )
    assert zh.text.lstrip("\ufeff").startswith("行号,预检结果")

    again = service.client.post(f"/orgs/{org.slug}/batches/{job['id']}/run", headers=org.headers)
    assert again.status_code == 409
    same_file = _upload(service, org, _bad_file()).json()
    assert same_file["outcomes"]["new"] == 0, "a second upload finds the numbers issued"


def test_templates_round_trip_and_zh_headers_gzip_and_xlsx(service: Service) -> None:
    org = school(service)
    for extension in ("csv", "xlsx", "jsonl"):
        for lang in ("en", "zh-CN"):
            template = service.client.get(f"/batches/templates/diploma.{extension}?lang={lang}")
            assert template.status_code == 200, template.text
            answer = service.client.post(
                f"/orgs/{org.slug}/batches",
                params={"filename": f"template.{extension}"},
                content=gzip.compress(template.content),
                headers={**org.headers, "Content-Encoding": "gzip"},
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["outcomes"]["new"] == 1, (extension, lang, answer.json())
    book = load_workbook(
        io.BytesIO(service.client.get("/batches/templates/diploma.xlsx?lang=zh-CN").content)
    )
    assert book.worksheets[0]["D1"].value == "证书编号"
    columns = service.client.get("/batches/columns/x-certificate").json()
    assert {"name": "level", "zh": "等级"}.items() <= columns[7].items()


def test_refusals_write_nothing(service: Service) -> None:
    org = _evaluation_org(service)
    other = _evaluation_org(service, "other-org")
    data = csv_bytes(X_HEADER, [x_row(1)])
    before = _counts(service)
    assert service.client.post(f"/orgs/{org.slug}/batches", content=data).status_code == 401
    assert _upload(service, other, data).status_code == 201  # its own: fine
    job = _upload(service, org, data).json()
    before = _counts(service)
    assert _upload(service, Org(org.slug, org.did, other.key), data).status_code == 403
    supervisor = service.client.post(
        f"/orgs/{org.slug}/batches", content=data, headers=service.as_supervisor()
    )
    assert supervisor.status_code == 403
    unknown_column = csv_bytes([*X_HEADER, "shoe_size"], [[*x_row(2), "42"]])
    refused = _upload(service, org, unknown_column)
    assert refused.status_code == 422 and "shoe_size" in refused.json()["detail"]
    missing_column = csv_bytes(X_HEADER[:-1], [x_row(3)[:-1]])
    assert "credits" in _upload(service, org, missing_column).json()["detail"]
    assert _upload(service, org, b"").status_code == 422
    wrong_kind = service.client.post(
        f"/orgs/{org.slug}/batches?kind=diploma", content=data, headers=org.headers
    )
    assert wrong_kind.status_code == 422
    assert _upload(service, org, b"not gzip", **{"Content-Encoding": "gzip"}).status_code == 400
    for path in ("", "/rows", "/report.csv"):
        url = f"/orgs/{other.slug}/batches/{job['id']}{path}"
        assert service.client.get(url, headers=other.headers).status_code == 404
    run = service.client.post(f"/orgs/{other.slug}/batches/{job['id']}/run", headers=other.headers)
    assert run.status_code == 404
    assert _counts(service) == before


def test_cancel_a_planned_job(service: Service) -> None:
    org = _evaluation_org(service)
    job = _upload(service, org, csv_bytes(X_HEADER, [x_row(1)])).json()
    url = f"/orgs/{org.slug}/batches/{job['id']}"
    assert service.client.post(f"{url}/cancel", headers=org.headers).json()["state"] == "cancelled"
    assert service.client.post(f"{url}/cancel", headers=org.headers).status_code == 409
    assert service.client.post(f"{url}/run", headers=org.headers).status_code == 409
    assert _count(service, IssuedCredential) == 0


@pytest.mark.parametrize("rows", [250])
def test_a_larger_batch_signs_in_worker_processes(service: Service, rows: int) -> None:
    org = _evaluation_org(service)
    data = csv_bytes(X_HEADER, [x_row(i) for i in range(1, rows + 1)])
    job = _upload(service, org, data).json()
    service.client.post(f"/orgs/{org.slug}/batches/{job['id']}/run", headers=org.headers)
    assert _wait(service, org, job["id"])["states"]["issued"] == rows
    with Session(service.engine) as session:
        states = set(session.scalars(select(BatchRow.state)))
    assert states == {"issued"}
    assert _count(service, IssuedCredential) == rows
    assert _count(service, StatusAllocation) == 2 * rows


def test_an_accreditation_suspended_after_the_dry_run_stops_the_run(service: Service) -> None:
    org = create_org(service, "huaxin")
    granted = accredit(service, org, {"skillDomains": [WEB_FRONTEND], "levels": ["junior"]})
    data = csv_bytes(X_HEADER, [x_row(i, level="junior") for i in range(1, 4)])
    job = _upload(service, org, data).json()
    assert job["outcomes"]["new"] == 3
    accreditation = granted.get("accreditation", granted)["id"]
    suspended = service.client.post(
        f"/admin/accreditations/{accreditation}/suspend",
        json={"reason": "inspection found irregular exams"},
        headers=service.as_supervisor(),
    )
    assert suspended.status_code == 200, suspended.text
    service.client.post(f"/orgs/{org.slug}/batches/{job['id']}/run", headers=org.headers)
    finished = _wait(service, org, job["id"])
    assert finished["state"] == "completed" and finished["states"]["failed"] == 3
    assert _count(service, IssuedCredential) == 0
    rows = _rows(service, org, job["id"])
    assert all("suspended" in row["problems"][0]["reason"] for row in rows.values())
