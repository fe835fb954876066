"""``onex demo``: demo accounts and credentials so a new user can try every flow at once.

Creates a supervisor, an evaluation organization accredited for Web前端开发 at all three
levels, a school accredited for higher vocational diplomas, two learners (did:key holders),
the outcome catalogue (every Web前端开发 level, higher vocational diplomas) and the school's
conversion rules, and issues a few credentials; writes what it made to
``DATA_DIR/demo-accounts.json``. Run again, it reuses what it made (API keys are stored
hashed, so the file is their only copy).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from issuer.accreditation import accredit
from issuer.auth import create_api_key
from issuer.context import IssuerContext
from issuer.credit_rules import NewRule, create_rule
from issuer.issuance import issue_from_template
from issuer.models import Supervisor
from issuer.organizations import get_organization, issue_api_key, register_organization
from issuer.outcome_catalogue import NewEntry, add_entry, catalogue
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from vc.did.key import did_key
from vc.keys import KeyPair

ACTOR = "onex-demo"
EVALUATION_ORG = "huaxin-digital"
SCHOOL = "bjit"
WEB_FRONTEND = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
MAJORS = [
    {"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"},
    {"code": "510203", "nameZh": "软件技术", "nameEn": "Software Technology"},
]
LEARNERS = [("李晓明", "lixiaoming"), ("王芳", "wangfang")]


def demo_file(data_dir: Path) -> Path:
    return data_dir / "demo-accounts.json"


def seed_demo(session: Session, context: IssuerContext, data_dir: Path) -> dict[str, Any]:
    """Create the demo data (or return what an earlier run made) and write the accounts file."""
    path = demo_file(data_dir)
    if path.exists() and get_organization(session, EVALUATION_ORG) is not None:
        existing: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return existing
    now = context.clock()
    accounts: dict[str, Any] = {
        "baseUrl": context.base_url,
        "createdAt": now.isoformat(),
        "accounts": [],
    }
    accounts["accounts"].append(_supervisor(session, now))
    learners = [_learner(name, handle) for name, handle in LEARNERS]
    for kind, slug in (("evaluation-organization", EVALUATION_ORG), ("school", SCHOOL)):
        accounts["accounts"].append(_organization(session, context, kind, slug, now))
    accounts["accounts"].extend(learners)
    accounts["credentials"] = _issue(session, context, learners)
    accounts["creditBank"] = _credit_bank(session, now)
    session.commit()
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(accounts, handle, ensure_ascii=False, indent=2)
    return accounts


def _supervisor(session: Session, now: datetime) -> dict[str, Any]:
    supervisor = Supervisor(name="教育部职业教育与成人教育司（演示）", created_at=now)
    session.add(supervisor)
    session.flush()
    _, key = create_api_key(
        session, role="supervisor", supervisor_id=supervisor.id, now=now, label="demo"
    )
    return {"kind": "supervisor", "id": supervisor.id, "name": supervisor.name, "apiKey": key}


def _organization(
    session: Session, context: IssuerContext, kind: str, slug: str, now: datetime
) -> dict[str, Any]:
    names = {
        EVALUATION_ORG: ("华信数字技能评价中心", "Huaxin Digital Skills Evaluation Centre"),
        SCHOOL: ("北京信息职业技术学院", "Beijing Information Technology College"),
    }[slug]
    organization = register_organization(
        session,
        context=context,
        slug=slug,
        kind=kind,
        name_zh=names[0],
        name_en=names[1],
        code={EVALUATION_ORG: "PJZZ-2019-0042", SCHOOL: "14295"}[slug],
        actor=ACTOR,
        now=now,
    )
    scope: dict[str, Any] = (
        {"skillDomains": [WEB_FRONTEND], "levels": ["junior", "intermediate", "senior"]}
        if kind == "evaluation-organization"
        else {"educationLevels": ["higher-vocational"], "majors": MAJORS}
    )
    accredit(
        session,
        organization,
        scope,
        now - timedelta(days=365),
        now + timedelta(days=3 * 365),
        ACTOR,
        now,
    )
    _, key = issue_api_key(session, organization, actor=ACTOR, now=now, label="demo")
    base = context.base_url
    return {
        "kind": kind,
        "id": slug,
        "did": organization.did,
        "name": names[0],
        "apiKey": key,
        "endpoints": {
            "issue": f"{base}/orgs/{slug}/credentials/issue",
            "status": f"{base}/orgs/{slug}/credentials/status",
            "didDocument": f"{base}/orgs/{slug}/did.json",
        },
    }


# (level, credits) of the catalogue, and the school's rules: (course, name zh, name en,
# minimum level, credits, exemption).
CATALOGUE_LEVELS = (("junior", "2"), ("intermediate", "4"), ("senior", "6"))
RULES = (
    ("WEB101", "网页设计基础", "Web Design Basics", "junior", "2", False),
    ("WEB201", "前端框架开发", "Front-End Framework Development", "intermediate", "4", True),
)


def _credit_bank(session: Session, now: datetime) -> dict[str, Any]:
    """The outcome catalogue and the demo school's conversion rules."""
    entries = [
        add_entry(
            session,
            NewEntry(
                kind="x-certificate",
                name_zh=f"Web前端开发职业技能等级证书（{level}）",
                name_en=f"Web Front-End Development certificate ({level})",
                credits=Decimal(credits),
                skill_domain_code=WEB_FRONTEND["code"],
                level=level,
            ),
            actor=ACTOR,
            now=now,
        )
        for level, credits in CATALOGUE_LEVELS
    ]
    entries.append(
        add_entry(
            session,
            NewEntry(
                kind="diploma",
                name_zh="高职专科毕业证书",
                name_en="Higher vocational diploma",
                credits=Decimal(120),
                education_level="higher-vocational",
            ),
            actor=ACTOR,
            now=now,
        )
    )
    school = get_organization(session, SCHOOL)
    assert school is not None
    major = MAJORS[1]
    rules = [
        create_rule(
            session,
            school,
            NewRule(
                major_code=major["code"],
                major_name_zh=major["nameZh"],
                major_name_en=major["nameEn"],
                course_code=code,
                course_name_zh=name_zh,
                course_name_en=name_en,
                source_kind="x-certificate",
                validity_years=3,
                skill_domain_code=WEB_FRONTEND["code"],
                min_level=level,
                credits=Decimal(credits),
                exemption=exemption,
            ),
            catalogue(session),
            actor=ACTOR,
            now=now,
        )
        for code, name_zh, name_en, level, credits, exemption in RULES
    ]
    return {"catalogue": [e.id for e in entries], "rules": [r.id for r in rules]}


def _learner(name: str, handle: str) -> dict[str, Any]:
    pair = KeyPair.generate("Ed25519")
    return {
        "kind": "learner",
        "id": handle,
        "name": name,
        "did": did_key(pair.public),
        "secretKeyMultibase": pair.secret_multibase,
        "publicKeyMultibase": pair.public.multibase,
    }


def _issue(
    session: Session, context: IssuerContext, learners: list[dict[str, Any]]
) -> list[dict[str, str]]:
    evaluation = get_organization(session, EVALUATION_ORG)
    school = get_organization(session, SCHOOL)
    if evaluation is None or school is None:
        raise LookupError("the demo organizations were not created")
    made = []
    for index, (learner, level) in enumerate(
        zip(learners, ("intermediate", "junior"), strict=True)
    ):
        request = XCertificateRequest.model_validate(_x_request(learner, level, index))
        issued = issue_from_template(session, context, evaluation, request, actor=ACTOR)
        made.append({"id": issued.row.id, "kind": "x-certificate", "learner": learner["id"]})
    diploma = DiplomaRequest.model_validate(_diploma_request(learners[0], context.clock()))
    issued = issue_from_template(session, context, school, diploma, actor=ACTOR)
    made.append({"id": issued.row.id, "kind": "diploma", "learner": learners[0]["id"]})
    return made


def _x_request(learner: dict[str, Any], level: str, index: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "learner": {"name": learner["name"], "did": learner["did"]},
        "licenseNumber": f"20261101010203{45 + index:02d}",
        "skillDomain": {
            "code": WEB_FRONTEND["code"],
            "name": {"zh-CN": WEB_FRONTEND["nameZh"], "en": WEB_FRONTEND["nameEn"]},
        },
        "level": level,
        "assessment": {
            "examSite": {
                "code": "KHZD-110108-007",
                "name": {"zh-CN": "北京信息职业技术学院考核站点", "en": "BJIT exam site"},
            },
            "assessmentDate": (today - timedelta(days=30)).isoformat(),
            "score": 86 - 10 * index,
            "passMark": 60,
        },
        "credits": 4 - index,
    }


def _diploma_request(learner: dict[str, Any], now: datetime) -> dict[str, Any]:
    year = now.year if now.month >= 7 else now.year - 1
    return {
        "learner": {"name": learner["name"], "did": learner["did"]},
        "diplomaNumber": f"142956{year}060001{28:02d}",
        "major": {
            "code": MAJORS[0]["code"],
            "name": {"zh-CN": MAJORS[0]["nameZh"], "en": MAJORS[0]["nameEn"]},
        },
        "educationLevel": "higher-vocational",
        "studyStartDate": f"{year - 3}-09-01",
        "studyEndDate": f"{year}-06-30",
        "graduationDate": f"{year}-06-30",
        "credits": 150,
    }
