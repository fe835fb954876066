"""Credit-bank conversion rules (学分银行): a school says which learning outcome converts into
credits for, or an exemption from, which course of one of its majors.

A rule's source is either an X certificate (skill domain code and a minimum level: junior <
intermediate < senior) or a diploma (education level, optionally a major code). An outcome
counts for a rule when it is of that kind and scope, is recognized by the supervisor's outcome
catalogue (``issuer.outcome_catalogue``), and was issued within ``validity_years`` before the
evaluation time (the boundary itself counts: issued exactly N years ago is in).

A rule is for a major the school is accredited for, and its source must be something the
catalogue recognizes; a withdrawn rule stays readable (conversion records point at it).

The evaluation (:func:`outcome_of`, :func:`why_not`, :func:`evaluate`) is pure; the table
operations work in the caller's transaction and record an audit entry.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit
from issuer.accreditation import iso, majors_at
from issuer.models import CreditRule, Organization
from issuer.outcome_catalogue import Catalogue
from issuer.refusals import Refused
from vc.credential import parse_datetime_stamp

LEVELS = ("junior", "intermediate", "senior")
SourceKind = Literal["x-certificate", "diploma"]


class CreditRuleError(Refused):
    """A rule cannot be created or changed; nothing was written."""

    status = 422
    title = "Invalid rule"


class CreditRuleNotFound(CreditRuleError):
    status = 404
    title = "No such rule"


class CreditRuleConflict(CreditRuleError):
    status = 409
    title = "Rule state does not allow it"


@dataclass(frozen=True)
class Outcome:
    """What a credential contributes as a learning outcome (read from its JSON).

    ``credits`` is the credential's own ``creditsEarned`` until :func:`recognize` puts the
    catalogue's value and entry id (``catalogue_id``) in."""

    credential_id: str
    kind: str
    issued_at: datetime | None
    skill_domain_code: str | None = None
    level: str | None = None
    education_level: str | None = None
    major_code: str | None = None
    credits: Decimal | None = None
    catalogue_id: str | None = None


@dataclass(frozen=True)
class Finding:
    """Whether a rule applies to a learner's outcomes, with the outcomes used or the reasons."""

    rule_id: str
    applies: bool
    outcome_ids: tuple[str, ...]
    reasons: tuple[Reason, ...]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _code(value: Any) -> str | None:
    return _text(value.get("code")) if isinstance(value, dict) else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def outcome_of(document: dict[str, Any]) -> Outcome:
    """The learning outcome a credential stands for (kind ``other`` when neither kind)."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issued = parse_datetime_stamp(document.get("validFrom") or document.get("issuanceDate"))
    identifier = str(document.get("id", ""))
    credits = _decimal(subject.get("creditsEarned"))
    if "VocationalSkillCertificate" in types:
        return Outcome(
            identifier,
            "x-certificate",
            issued,
            skill_domain_code=_code(achievement.get("skillDomain")),
            level=_text(achievement.get("skillLevel")),
            credits=credits,
        )
    if "EducationDiploma" in types:
        return Outcome(
            identifier,
            "diploma",
            issued,
            education_level=_text(achievement.get("educationLevel")),
            major_code=_code(achievement.get("major")),
            credits=credits,
        )
    return Outcome(identifier, "other", issued, credits=credits)


def recognize(outcome: Outcome, catalogue: Catalogue) -> Outcome:
    """``outcome`` with the catalogue entry recognizing it and its credit value (unchanged, with
    no entry, when the catalogue does not recognize it)."""
    entry = catalogue.entry_for(
        outcome.kind,
        skill_domain_code=outcome.skill_domain_code,
        level=outcome.level,
        education_level=outcome.education_level,
        major_code=outcome.major_code,
    )
    if entry is None:
        return outcome
    return replace(outcome, catalogue_id=entry.id, credits=Decimal(entry.credits))


def years_before(moment: datetime, years: int) -> datetime:
    """``moment`` minus whole calendar years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class Reason:
    """Why an outcome does not count for a rule, in English and in Chinese."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en


LEVEL_ZH = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
KIND_ZH = {"x-certificate": "职业技能等级证书", "diploma": "学历证书", "other": "其他凭证"}


def _level_zh(level: str | None) -> str:
    return LEVEL_ZH.get(level or "", repr(level))


def why_not(rule: CreditRule, outcome: Outcome, at: datetime) -> Reason | None:
    """Why ``outcome`` does not count for ``rule`` at ``at``, or None when it does."""
    found = _scope_reason(rule, outcome) or _recognition_reason(outcome)
    return found or _period_reason(rule, outcome, at)


def _scope_reason(rule: CreditRule, outcome: Outcome) -> Reason | None:
    cid = outcome.credential_id
    if outcome.kind != rule.source_kind:
        return Reason(
            f"{cid}: a {outcome.kind}, the rule needs a {rule.source_kind}",
            f"{cid}：是{KIND_ZH.get(outcome.kind, outcome.kind)}，规则要求"
            f"{KIND_ZH.get(rule.source_kind, rule.source_kind)}",
        )
    if rule.source_kind == "x-certificate":
        if outcome.skill_domain_code != rule.skill_domain_code:
            return Reason(
                f"{cid}: skill domain {outcome.skill_domain_code!r}, "
                f"the rule needs {rule.skill_domain_code!r}",
                f"{cid}：技能领域为 {outcome.skill_domain_code}，规则要求 {rule.skill_domain_code}",
            )
        if outcome.level not in LEVELS or LEVELS.index(outcome.level) < LEVELS.index(
            str(rule.min_level)
        ):
            return Reason(
                f"{cid}: level {outcome.level!r} is below the rule's minimum {rule.min_level!r}",
                f"{cid}：等级{_level_zh(outcome.level)}低于规则要求的最低等级"
                f"{_level_zh(rule.min_level)}",
            )
        return None
    if rule.education_level is not None and outcome.education_level != rule.education_level:
        return Reason(
            f"{cid}: education level {outcome.education_level!r}, "
            f"the rule needs {rule.education_level!r}",
            f"{cid}：学历层次为 {outcome.education_level}，规则要求 {rule.education_level}",
        )
    if rule.source_major_code is not None and outcome.major_code != rule.source_major_code:
        return Reason(
            f"{cid}: major {outcome.major_code!r}, the rule needs {rule.source_major_code!r}",
            f"{cid}：专业为 {outcome.major_code}，规则要求 {rule.source_major_code}",
        )
    return None


def _recognition_reason(outcome: Outcome) -> Reason | None:
    if outcome.catalogue_id is not None:
        return None
    cid = outcome.credential_id
    return Reason(
        f"{cid}: not a learning outcome recognized by the catalogue",
        f"{cid}：不是学习成果目录认定的学习成果",
    )


def _period_reason(rule: CreditRule, outcome: Outcome, at: datetime) -> Reason | None:
    cid = outcome.credential_id
    if outcome.issued_at is None:
        return Reason(f"{cid}: no issuance date", f"{cid}：没有颁发日期")
    if outcome.issued_at < years_before(at, rule.validity_years):
        return Reason(
            f"{cid}: issued {outcome.issued_at.isoformat()}, more than "
            f"{rule.validity_years} years before {at.isoformat()}",
            f"{cid}：颁发于 {outcome.issued_at.date().isoformat()}，"
            f"超过规则要求的 {rule.validity_years} 年有效期",
        )
    if outcome.issued_at > at:
        return Reason(
            f"{cid}: issued after {at.isoformat()}", f"{cid}：颁发日期晚于 {at.date().isoformat()}"
        )
    return None


WITHDRAWN = Reason("the rule was withdrawn", "该规则已撤回")
NOTHING_COUNTS = Reason("no counting learning outcome", "没有计入的学习成果")


def evaluate(rule: CreditRule, outcomes: Sequence[Outcome], at: datetime) -> Finding:
    """Which of ``outcomes`` make ``rule`` apply at ``at`` (each reason when none does)."""
    used: list[str] = []
    reasons: list[Reason] = []
    if rule.withdrawn_at is not None:
        return Finding(rule.id, False, (), (WITHDRAWN,))
    for outcome in outcomes:
        reason = why_not(rule, outcome, at)
        if reason is None:
            used.append(outcome.credential_id)
        else:
            reasons.append(reason)
    if not outcomes:
        reasons.append(NOTHING_COUNTS)
    return Finding(rule.id, bool(used), tuple(used), () if used else tuple(reasons))


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRule:
    """A rule as a school declares it (validated by the route's input model)."""

    major_code: str
    major_name_zh: str
    major_name_en: str
    course_code: str
    course_name_zh: str
    course_name_en: str
    source_kind: SourceKind
    validity_years: int
    skill_domain_code: str | None = None
    min_level: str | None = None
    education_level: str | None = None
    source_major_code: str | None = None
    credits: Decimal | None = None
    exemption: bool = False


def _check_recognized(new: NewRule, catalogue: Catalogue) -> None:
    """Refuse a rule whose source no catalogue entry in force recognizes."""
    if new.source_kind == "x-certificate":
        levels = LEVELS[LEVELS.index(str(new.min_level)) :]
        found = [
            catalogue.entry_for(new.source_kind, skill_domain_code=new.skill_domain_code, level=lv)
            for lv in levels
        ]
        what = (
            f"an X certificate of skill domain {new.skill_domain_code} at {new.min_level} or above"
        )
    else:
        found = [
            catalogue.entry_for(
                new.source_kind,
                education_level=new.education_level,
                major_code=new.source_major_code,
            )
        ]
        what = f"{new.education_level} diploma (major {new.source_major_code or 'any'})"
    if not any(found):
        raise CreditRuleError(f"the outcome catalogue recognizes no {what}")


def create_rule(
    session: Session,
    organization: Organization,
    new: NewRule,
    catalogue: Catalogue,
    *,
    actor: str,
    now: datetime,
) -> CreditRule:
    """Store a school's rule; :class:`CreditRuleError` when it is inconsistent, for a major
    outside the school's accreditation, or for a source the catalogue does not recognize."""
    if organization.kind != "school":
        raise CreditRuleError(f"organization {organization.slug!r} is not a school")
    majors = majors_at(session, organization, now)
    if new.major_code not in majors:
        raise CreditRuleError(
            f"major {new.major_code!r} is not in {organization.slug}'s accreditation "
            f"(only {', '.join(majors) or 'none held now'})"
        )
    if new.source_kind == "x-certificate" and (
        new.skill_domain_code is None or new.min_level not in LEVELS
    ):
        raise CreditRuleError(
            "an x-certificate rule needs skillDomainCode and minLevel "
            f"(one of {', '.join(LEVELS)}), not {new.min_level!r}"
        )
    if new.source_kind == "diploma" and new.education_level is None:
        raise CreditRuleError("a diploma rule needs educationLevel")
    if (new.credits is None or new.credits <= 0) and not new.exemption:
        raise CreditRuleError("a rule grants credits (> 0), an exemption, or both")
    _check_recognized(new, catalogue)
    row = CreditRule(
        id=f"rule-{secrets.token_hex(8)}",
        organization_id=organization.id,
        major_code=new.major_code,
        major_name_zh=new.major_name_zh,
        major_name_en=new.major_name_en,
        course_code=new.course_code,
        course_name_zh=new.course_name_zh,
        course_name_en=new.course_name_en,
        source_kind=new.source_kind,
        skill_domain_code=new.skill_domain_code if new.source_kind == "x-certificate" else None,
        min_level=new.min_level if new.source_kind == "x-certificate" else None,
        education_level=new.education_level if new.source_kind == "diploma" else None,
        source_major_code=new.source_major_code if new.source_kind == "diploma" else None,
        credits=None if new.credits is None else str(new.credits),
        exemption=new.exemption,
        validity_years=new.validity_years,
        created_at=now,
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="credit-rule.create",
        subject=row.id,
        data={
            "organization": organization.slug,
            "major": new.major_code,
            "course": new.course_code,
        },
        at=now,
    )
    session.flush()
    return row


def withdraw_rule(
    session: Session, organization: Organization, rule_id: str, *, actor: str, now: datetime
) -> CreditRule:
    """Take a rule out of force from ``now``: no new application or approval under it (the
    rule stays readable, and conversions approved under it keep their records)."""
    row = rule_of(session, organization, rule_id)
    if row is None:
        raise CreditRuleNotFound(f"school {organization.slug!r} has no rule {rule_id!r}")
    if row.withdrawn_at is not None:
        raise CreditRuleConflict(f"rule {rule_id} was withdrawn at {iso(row.withdrawn_at)}")
    row.withdrawn_at = now
    audit.record(
        session,
        actor=actor,
        action="credit-rule.withdraw",
        subject=row.id,
        data={"organization": organization.slug},
        at=now,
    )
    session.flush()
    return row


def rules_of(
    session: Session, organization: Organization, major_code: str | None = None
) -> list[CreditRule]:
    """A school's rules in force, optionally for one major, by major and course code."""
    query = select(CreditRule).where(
        CreditRule.organization_id == organization.id, CreditRule.withdrawn_at.is_(None)
    )
    if major_code is not None:
        query = query.where(CreditRule.major_code == major_code)
    return list(
        session.scalars(
            query.order_by(CreditRule.major_code, CreditRule.course_code, CreditRule.id)
        )
    )


def rule_of(session: Session, organization: Organization, rule_id: str) -> CreditRule | None:
    row = session.get(CreditRule, rule_id)
    return row if row is not None and row.organization_id == organization.id else None


def rule_json(row: CreditRule, slug: str) -> dict[str, Any]:
    """The published form of a rule (camelCase JSON)."""
    source: dict[str, Any] = {"kind": row.source_kind}
    if row.source_kind == "x-certificate":
        source.update(skillDomainCode=row.skill_domain_code, minLevel=row.min_level)
    else:
        source.update(educationLevel=row.education_level, majorCode=row.source_major_code)
    return {
        "id": row.id,
        "school": slug,
        "major": {"code": row.major_code, "nameZh": row.major_name_zh, "nameEn": row.major_name_en},
        "course": {
            "code": row.course_code,
            "nameZh": row.course_name_zh,
            "nameEn": row.course_name_en,
        },
        "source": source,
        "credits": None if row.credits is None else float(Decimal(row.credits)),
        "exemption": row.exemption,
        "validityYears": row.validity_years,
        "createdAt": iso(row.created_at),
        "withdrawnAt": iso(row.withdrawn_at) if row.withdrawn_at else None,
    }
