"""Credit conversions: a learner applies to a school under one of its rules; the school approves
(issuing a signed conversion record) or rejects with a reason.

The conversion record is an Open Badges 3.0 ``OpenBadgeCredential`` using only the VC 2.0 and
OB 3.0 contexts (the 1+X context is released and has no credit-bank terms): its achievement is
the course (``achievementType`` ``Course``, ``humanCode`` the course code, ``fieldOfStudy`` the
major, ``criteria.id`` the rule applied), the subject's ``creditsEarned`` the credits granted,
a ``Result`` with value ``exempt`` an exemption, and each outcome used is an ``Evidence`` whose
``id`` is the credential's id with the ``digestSRI`` of its JCS form.

A conversion is **flagged** when any outcome it used is no longer active (revoked, suspended,
or unknown here): computed when read, so the school and the learner see it at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit, credit_rules, outcome_catalogue
from issuer.accreditation import iso
from issuer.context import IssuerContext
from issuer.issuance import issue_caller_credential
from issuer.models import CreditConversion, CreditRule, IssuedCredential, Organization
from issuer.refusals import Refused
from issuer.revocation import state_of
from issuer.templates import wording
from vc.digest import digest_sri

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
MAX_REASON_LENGTH = 500


class ConversionError(Refused):
    """A conversion step was refused; nothing was written."""

    status = 422
    title = "Conversion refused"


class ConversionNotFound(ConversionError):
    status = 404
    title = "No such conversion or rule"


class ConversionConflict(ConversionError):
    status = 409
    title = "Conversion state does not allow it"


@dataclass(frozen=True)
class SubmittedOutcome:
    credential_id: str
    digest_sri: str


def _organization(session: Session, slug: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None or org.kind != "school":
        raise ConversionNotFound(f"no school {slug!r}")
    return org


def _subject_id(document: dict[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    found = subject.get("id") if isinstance(subject, dict) else None
    return found if isinstance(found, str) else None


def _outcome_row(session: Session, credential_id: str) -> IssuedCredential | None:
    row = session.get(IssuedCredential, credential_id)
    return row if row is not None and row.format == "ldp" else None


def submit(
    session: Session,
    school_slug: str,
    rule_id: str,
    learner_did: str,
    outcomes: Sequence[SubmittedOutcome],
    *,
    now: datetime,
) -> CreditConversion:
    """Record a pending application; every outcome must be one of this service's active
    credentials bound to ``learner_did``, with the digest of its stored form, and the rule
    must apply to each."""
    school = _organization(session, school_slug)
    rule = credit_rules.rule_of(session, school, rule_id)
    if rule is None or rule.withdrawn_at is not None:
        raise ConversionNotFound(f"school {school_slug!r} has no rule {rule_id!r} in force")
    if not outcomes:
        raise ConversionError("outcomes: at least one learning outcome is needed")
    found: list[credit_rules.Outcome] = []
    recognized = outcome_catalogue.catalogue(session)
    for item in outcomes:
        row = _outcome_row(session, item.credential_id)
        document = json.loads(row.document) if row is not None else None
        if row is None or document is None or _subject_id(document) != learner_did:
            raise ConversionError(
                f"outcomes: {item.credential_id!r} is not a credential of this learner here"
            )
        if state_of(row) != "active":
            raise ConversionError(f"outcomes: {item.credential_id!r} is {state_of(row)}")
        if digest_sri(document) != item.digest_sri:
            raise ConversionError(f"outcomes: digest of {item.credential_id!r} does not match")
        found.append(credit_rules.recognize(credit_rules.outcome_of(document), recognized))
    for outcome in found:
        reason = credit_rules.why_not(rule, outcome, now)
        if reason is not None:
            raise ConversionError(f"rule {rule.id} does not apply: {reason}")
    conversion = CreditConversion(
        id=f"conv-{secrets.token_hex(8)}",
        organization_id=school.id,
        rule_id=rule.id,
        learner_did=learner_did,
        outcomes=[{"credentialId": o.credential_id, "digestSRI": o.digest_sri} for o in outcomes],
        state="pending",
        created_at=now,
    )
    session.add(conversion)
    audit.record(
        session,
        actor=f"learner:{learner_did[:120]}",
        action="credit-conversion.apply",
        subject=conversion.id,
        data={"organization": school.slug, "rule": rule.id, "outcomes": len(outcomes)},
        at=now,
    )
    session.flush()
    return conversion


def flags(session: Session, conversion: CreditConversion) -> list[dict[str, str]]:
    """The outcomes of ``conversion`` that no longer count, with their state."""
    found: list[dict[str, str]] = []
    for item in conversion.outcomes:
        row = _outcome_row(session, item["credentialId"])
        state = state_of(row) if row is not None else "unknown"
        if state != "active":
            found.append({"credentialId": item["credentialId"], "status": state})
    return found


def conversion_json(session: Session, conversion: CreditConversion) -> dict[str, Any]:
    """A conversion as shown to the school and the learner, with its flags and record."""
    rule = session.get(CreditRule, conversion.rule_id)
    school = session.get(Organization, conversion.organization_id)
    slug = school.slug if school is not None else ""
    record = session.get(IssuedCredential, conversion.credential_id or "")
    found = flags(session, conversion)
    return {
        "id": conversion.id,
        "school": slug,
        "rule": credit_rules.rule_json(rule, slug) if rule is not None else None,
        "learnerDid": conversion.learner_did,
        "outcomes": list(conversion.outcomes),
        "state": conversion.state,
        "reason": conversion.reason,
        "createdAt": iso(conversion.created_at),
        "decidedAt": iso(conversion.decided_at) if conversion.decided_at else None,
        "flagged": bool(found),
        "flags": found,
        "credentialId": conversion.credential_id,
        "credential": json.loads(record.document) if record is not None else None,
    }


def conversions_of(session: Session, organization: Organization) -> list[CreditConversion]:
    query = select(CreditConversion).where(CreditConversion.organization_id == organization.id)
    return list(session.scalars(query.order_by(CreditConversion.created_at, CreditConversion.id)))


def conversions_of_learner(session: Session, learner_did: str) -> list[CreditConversion]:
    """Every conversion applied for with ``learner_did``, at any school, oldest first."""
    query = select(CreditConversion).where(CreditConversion.learner_did == learner_did)
    return list(session.scalars(query.order_by(CreditConversion.created_at, CreditConversion.id)))


def conversion_of(
    session: Session, organization: Organization, conversion_id: str
) -> CreditConversion:
    row = session.get(CreditConversion, conversion_id)
    if row is None or row.organization_id != organization.id:
        raise ConversionNotFound(f"organization {organization.slug!r} has no {conversion_id!r}")
    return row


def _pending(conversion: CreditConversion) -> None:
    if conversion.state != "pending":
        raise ConversionConflict(f"conversion {conversion.id} is already {conversion.state}")


def reject(
    session: Session,
    organization: Organization,
    conversion_id: str,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> CreditConversion:
    conversion = conversion_of(session, organization, conversion_id)
    _pending(conversion)
    conversion.state, conversion.reason = "rejected", reason
    conversion.decided_at, conversion.decided_by = now, actor
    audit.record(
        session,
        actor=actor,
        action="credit-conversion.reject",
        subject=conversion.id,
        data={"organization": organization.slug},
        at=now,
    )
    session.flush()
    return conversion


def approve(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    conversion_id: str,
    *,
    actor: str,
    now: datetime,
) -> CreditConversion:
    """Approve a pending conversion whose outcomes all still count: issue its signed record."""
    conversion = conversion_of(session, organization, conversion_id)
    _pending(conversion)
    found = flags(session, conversion)
    if found:
        names = ", ".join(f"{f['credentialId']} ({f['status']})" for f in found)
        raise ConversionConflict(f"outcomes no longer count: {names}")
    rule = session.get(CreditRule, conversion.rule_id)
    if rule is None or rule.withdrawn_at is not None:
        raise ConversionConflict(f"rule {conversion.rule_id} is no longer in force")
    document = record_document(context, organization, rule, conversion, session)
    issued = issue_caller_credential(session, context, organization, document, actor=actor)
    conversion.state, conversion.credential_id = "approved", issued.row.id
    conversion.decided_at, conversion.decided_by = now, actor
    audit.record(
        session,
        actor=actor,
        action="credit-conversion.approve",
        subject=conversion.id,
        data={"organization": organization.slug, "credential": issued.row.id},
        at=now,
    )
    session.flush()
    return conversion


def _names(zh: str, en: str) -> list[dict[str, str]]:
    return wording.language_values((zh, en))


def rule_url(context: IssuerContext, slug: str, rule_id: str) -> str:
    return f"{context.base_url.rstrip('/')}/orgs/{slug}/credit-rules/{rule_id}"


def record_document(
    context: IssuerContext,
    organization: Organization,
    rule: CreditRule,
    conversion: CreditConversion,
    session: Session,
) -> dict[str, Any]:
    """The unsigned conversion record (OB 3.0 terms only)."""
    url = rule_url(context, organization.slug, rule.id)
    achievement: dict[str, Any] = {
        "id": f"{url}#course",
        "type": ["Achievement"],
        "achievementType": "Course",
        "humanCode": rule.course_code,
        "name": _names(rule.course_name_zh, rule.course_name_en),
        "description": _names(
            f"{rule.major_name_zh}专业课程{rule.course_name_zh}的学分转换",
            f"Credit conversion for {rule.course_name_en} ({rule.major_name_en})",
        ),
        "fieldOfStudy": f"{rule.major_code} {rule.major_name_zh} / {rule.major_name_en}",
        "criteria": {"id": url, "narrative": _narrative(rule)},
    }
    subject: dict[str, Any] = {
        "id": conversion.learner_did,
        "type": ["AchievementSubject"],
        "achievement": achievement,
    }
    if rule.credits is not None:
        credits = wording.json_number(Decimal(rule.credits))
        achievement["creditsAvailable"] = credits
        subject["creditsEarned"] = credits
    if rule.exemption:
        description = f"{url}#exemption"
        achievement["resultDescription"] = [
            {
                "id": description,
                "type": ["ResultDescription"],
                "name": "免修 / Exemption",
                "resultType": "Status",
                "allowedValue": ["exempt"],
            }
        ]
        subject["result"] = [
            {"type": ["Result"], "resultDescription": description, "value": "exempt"}
        ]
    evidence = []
    for item in conversion.outcomes:
        row = _outcome_row(session, item["credentialId"])
        name = json.loads(row.document).get("name") if row is not None else None
        entry: dict[str, Any] = {
            "id": item["credentialId"],
            "type": ["Evidence"],
            "genre": "VerifiableCredential",
            "digestSRI": item["digestSRI"],
        }
        if name:
            entry["name"] = name
        evidence.append(entry)
    return {
        "@context": list(CONTEXTS),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": organization.did,
            "type": ["Profile"],
            "name": _names(organization.name_zh, organization.name_en),
        },
        "name": _names(
            f"学分转换记录：{rule.course_name_zh}", f"Credit conversion: {rule.course_name_en}"
        ),
        "credentialSubject": subject,
        "evidence": evidence,
    }


def _narrative(rule: CreditRule) -> str:
    if rule.source_kind == "x-certificate":
        source = f"X certificate {rule.skill_domain_code}, level {rule.min_level} or above"
    else:
        source = f"diploma ({rule.education_level}, major {rule.source_major_code or 'any'})"
    grant = " and ".join(
        part
        for part in (
            f"{rule.credits} credits" if rule.credits is not None else "",
            "exemption" if rule.exemption else "",
        )
        if part
    )
    return (
        f"Rule {rule.id}: {source}, issued within {rule.validity_years} years, "
        f"converts into {grant} for course {rule.course_code}."
    )
