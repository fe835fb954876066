"""Credit-bank routes of schools: their conversion rules (published as JSON, anyone may read
them) and the conversions learners applied for (the school's own key: list, approve, reject).

Every refusal is a problem details object and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from issuer import conversions, credit_rules, outcome_catalogue
from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.routes.common import (
    CAMEL,
    Code,
    Name,
    issuance_errors,
    organization_or_404,
    own_organization,
    refusals,
)

router = APIRouter(tags=["credit-bank"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown API key"},
    403: {"description": "Not this school's key"},
    404: {"description": "No such school, rule or conversion"},
    409: {"description": "The rule's or the conversion's state does not allow it"},
    422: {"description": "Invalid input"},
}


class CodedName(BaseModel):
    model_config = CAMEL
    code: Code
    name_zh: Name
    name_en: Name


class RuleSource(BaseModel):
    """What converts: an X certificate (skill domain, minimum level) or a diploma."""

    model_config = CAMEL
    kind: Literal["x-certificate", "diploma"]
    skill_domain_code: Code | None = None
    min_level: Literal["junior", "intermediate", "senior"] | None = None
    education_level: Code | None = None
    major_code: Code | None = None


class RuleInput(BaseModel):
    """A conversion rule for one course of one of the school's majors."""

    model_config = CAMEL
    major: CodedName
    course: CodedName
    source: RuleSource
    credits: Decimal | None = Field(default=None, gt=0, le=100, max_digits=6, decimal_places=2)
    exemption: bool = False
    validity_years: int = Field(ge=1, le=50, description="The outcome must be this recent.")


class Rule(BaseModel):
    model_config = CAMEL
    id: str
    school: str
    major: dict[str, str]
    course: dict[str, str]
    source: dict[str, Any]
    credits: float | None
    exemption: bool
    validity_years: int
    created_at: str
    withdrawn_at: str | None


class RuleList(BaseModel):
    model_config = CAMEL
    rules: list[Rule]


class Conversion(BaseModel):
    model_config = CAMEL
    id: str
    school: str
    rule: Rule | None
    learner_did: str
    outcomes: list[dict[str, str]]
    state: str
    reason: str | None
    created_at: str
    decided_at: str | None
    flagged: bool
    flags: list[dict[str, str]]
    credential_id: str | None
    credential: dict[str, Any] | None


class ConversionList(BaseModel):
    model_config = CAMEL
    conversions: list[Conversion]


class Rejection(BaseModel):
    model_config = CAMEL
    reason: str = Field(min_length=1, max_length=conversions.MAX_REASON_LENGTH)


@router.post(
    "/orgs/{slug}/credit-rules",
    status_code=201,
    operation_id="createCreditRule",
    summary="Declare a conversion rule for one course of one of the school's majors",
    description="The major must be in the school's accreditation, and the source an outcome "
    "the supervisor's outcome catalogue recognizes (`GET /outcome-catalogue`).",
    response_model=Rule,
    responses=REFUSALS,
)
def create_rule(
    slug: str, body: RuleInput, caller: CallerDep, session: SessionDep, context: ContextDep
) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    if organization.kind != "school":
        raise HTTPException(403, f"organization {slug!r} is not a school; only schools set rules")
    new = credit_rules.NewRule(
        major_code=body.major.code,
        major_name_zh=body.major.name_zh,
        major_name_en=body.major.name_en,
        course_code=body.course.code,
        course_name_zh=body.course.name_zh,
        course_name_en=body.course.name_en,
        source_kind=body.source.kind,
        validity_years=body.validity_years,
        skill_domain_code=body.source.skill_domain_code,
        min_level=body.source.min_level,
        education_level=body.source.education_level,
        source_major_code=body.source.major_code,
        credits=body.credits,
        exemption=body.exemption,
    )
    with refusals():
        row = credit_rules.create_rule(
            session,
            organization,
            new,
            outcome_catalogue.catalogue(session),
            actor=caller.label,
            now=context.clock(),
        )
    result = credit_rules.rule_json(row, slug)
    session.commit()
    return result


@router.get(
    "/orgs/{slug}/credit-rules",
    operation_id="listCreditRules",
    summary="A school's conversion rules in force (public)",
    response_model=RuleList,
    responses={404: REFUSALS[404]},
)
def list_rules(
    slug: str, session: SessionDep, major: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    organization = organization_or_404(session, slug)
    rows = credit_rules.rules_of(session, organization, major)
    return {"rules": [credit_rules.rule_json(row, slug) for row in rows]}


@router.get(
    "/orgs/{slug}/credit-rules/{rule_id}",
    operation_id="getCreditRule",
    summary="One conversion rule, in force or withdrawn (public)",
    response_model=Rule,
    responses={404: REFUSALS[404]},
)
def get_rule(slug: str, rule_id: str, session: SessionDep) -> dict[str, Any]:
    organization = organization_or_404(session, slug)
    row = credit_rules.rule_of(session, organization, rule_id)
    if row is None:
        raise HTTPException(404, f"school {slug!r} has no rule {rule_id!r}")
    return credit_rules.rule_json(row, slug)


@router.post(
    "/orgs/{slug}/credit-rules/{rule_id}/withdraw",
    operation_id="withdrawCreditRule",
    summary="Withdraw a rule: no new applications or approvals under it (it stays readable)",
    response_model=Rule,
    responses=REFUSALS,
)
def withdraw_rule(
    slug: str, rule_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    with refusals():
        row = credit_rules.withdraw_rule(
            session, organization, rule_id, actor=caller.label, now=context.clock()
        )
    result = credit_rules.rule_json(row, slug)
    session.commit()
    return result


@router.get(
    "/orgs/{slug}/conversions",
    operation_id="listCreditConversions",
    summary="The conversions learners applied for at this school, flagged ones marked",
    response_model=ConversionList,
    responses=REFUSALS,
)
def list_conversions(slug: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    rows = conversions.conversions_of(session, organization)
    return {"conversions": [conversions.conversion_json(session, row) for row in rows]}


@router.get(
    "/orgs/{slug}/conversions/{conversion_id}",
    operation_id="getCreditConversion",
    summary="One conversion, with its flags and signed record",
    response_model=Conversion,
    responses=REFUSALS,
)
def get_conversion(
    slug: str, conversion_id: str, caller: CallerDep, session: SessionDep
) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    with refusals():
        row = conversions.conversion_of(session, organization, conversion_id)
    return conversions.conversion_json(session, row)


@router.post(
    "/orgs/{slug}/conversions/{conversion_id}/approve",
    operation_id="approveCreditConversion",
    summary="Approve a conversion: issue its signed conversion record",
    response_model=Conversion,
    responses=REFUSALS,
)
def approve(
    slug: str, conversion_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    with refusals(), issuance_errors(session):
        row = conversions.approve(
            session, context, organization, conversion_id, actor=caller.label, now=context.clock()
        )
    result = conversions.conversion_json(session, row)
    session.commit()
    return result


@router.post(
    "/orgs/{slug}/conversions/{conversion_id}/reject",
    operation_id="rejectCreditConversion",
    summary="Reject a conversion, with the reason the learner sees",
    response_model=Conversion,
    responses=REFUSALS,
)
def reject(
    slug: str,
    conversion_id: str,
    body: Rejection,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
) -> dict[str, Any]:
    organization = own_organization(session, slug, caller)
    with refusals():
        row = conversions.reject(
            session,
            organization,
            conversion_id,
            body.reason,
            actor=caller.label,
            now=context.clock(),
        )
    result = conversions.conversion_json(session, row)
    session.commit()
    return result
