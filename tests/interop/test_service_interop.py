"""A credential issued by the service verifies in the reference implementation (its did:web
document handed over from the service) and with `onex verify`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from service.cli import main
from tests.interop.conftest import Reference
from tests.support.credit_bank import (
    LONG_AGO,
    NOW,
    create_rule,
    deposit,
    evaluation_org_since,
    issue_into_wallet,
    recognize,
    rule_body,
    school_since,
)
from tests.support.orgs import evaluation_org, school, x_certificate_request
from tests.support.service import Service
from tests.support.wallet import register


def _diploma_request() -> dict[str, object]:
    return {
        "learner": {"name": "王芳"},
        "diplomaNumber": "142956202606000128",
        "major": {
            "code": "510201",
            "name": {"zh-CN": "计算机应用技术", "en": "Computer Applications"},
        },
        "educationLevel": "higher-vocational",
        "studyStartDate": "2023-09-01",
        "studyEndDate": "2026-06-30",
        "graduationDate": "2026-06-30",
        "credits": 150,
    }


def test_issued_credentials_verify_in_the_reference(service: Service, reference: Reference) -> None:
    org, college = evaluation_org(service), school(service)
    issued = [
        (
            org,
            service.client.post(
                f"/orgs/{org.slug}/credentials/x-certificates",
                json=x_certificate_request(),
                headers=org.headers,
            ),
        ),
        (
            college,
            service.client.post(
                f"/orgs/{college.slug}/credentials/diplomas",
                json=_diploma_request(),
                headers=college.headers,
            ),
        ),
    ]
    for issuer, response in issued:
        assert response.status_code == 201, response.text
        credential = response.json()["verifiableCredential"]
        did_document = service.client.get(f"/orgs/{issuer.slug}/did.json").json()
        answer = reference(
            "verify",
            {
                "document": credential,
                "now": "2026-11-28T12:00:00Z",
                "didDocuments": {issuer.did: did_document},
            },
        )
        assert answer["verified"] is True, answer
        credential["credentialSubject"]["achievement"]["name"][0]["@value"] = "伪造"
        answer = reference(
            "verify",
            {
                "document": credential,
                "now": "2026-11-28T12:00:00Z",
                "didDocuments": {issuer.did: did_document},
            },
        )
        assert answer["verified"] is False


def test_issued_credential_verifies_with_onex_verify(service: Service, tmp_path: Path) -> None:
    org = evaluation_org(service)
    response = service.client.post(
        f"/orgs/{org.slug}/credentials/x-certificates",
        json=x_certificate_request(),
        headers=org.headers,
    )
    credential_file = tmp_path / "credential.json"
    credential_file.write_text(json.dumps(response.json()["verifiableCredential"]), "utf-8")
    did_file = tmp_path / "did.json"
    did_file.write_text(json.dumps(service.client.get(f"/orgs/{org.slug}/did.json").json()))
    result = CliRunner().invoke(
        main, ["verify", "--did-document", str(did_file), str(credential_file)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verified"] is True


def test_a_conversion_record_verifies_in_the_reference(
    service: Service, reference: Reference
) -> None:
    """Any verifier can check a credit-bank conversion record: the reference verifies the
    school's signed OB 3.0 record, and refuses it once the credits are changed."""
    service.clock.now = LONG_AGO
    evaluator, college = evaluation_org_since(service), school_since(service)
    service.clock.now = NOW
    recognize(service, level="senior", credits=3)
    learner = register(service, "li.xiaoming")
    entry = issue_into_wallet(
        service, evaluator, learner, at=NOW, level="senior", number="2024110101020401"
    )
    assert deposit(service, learner, entry["id"]).status_code == 201
    rule = create_rule(service, college, rule_body("C01", min_level="senior", credits=2))
    applied = service.client.post(
        "/wallet/credit-bank/applications",
        json={"school": college.slug, "ruleId": rule["id"]},
        headers=learner.headers,
    )
    assert applied.status_code == 201, applied.text
    approved = service.client.post(
        f"/orgs/{college.slug}/conversions/{applied.json()['conversion']['id']}/approve",
        headers=college.headers,
    )
    assert approved.status_code == 200, approved.text
    record = approved.json()["credential"]
    payload = {
        "document": record,
        "now": "2026-11-28T12:00:00Z",
        "didDocuments": {college.did: service.client.get(f"/orgs/{college.slug}/did.json").json()},
    }
    answer = reference("verify", payload)
    assert answer["verified"] is True, answer
    record["credentialSubject"]["creditsEarned"] = 20
    assert reference("verify", payload)["verified"] is False
