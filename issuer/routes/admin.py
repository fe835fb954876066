"""Supervision: register organizations, accredit them, manage their API keys. Supervisors only.

Every change is audited in the transaction that makes it; a refused request writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer import accreditation as acc
from issuer import organizations as orgs
from issuer.deps import ContextDep, SessionDep, SupervisorDep
from issuer.models import Accreditation, ApiKey, Organization

router = APIRouter(prefix="/admin", tags=["supervision"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one.", **PROBLEM},
    403: {"description": "The API key is not a supervisor's.", **PROBLEM},
    422: {"description": "The request is malformed.", **PROBLEM},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such thing.", **PROBLEM}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "It conflicts with the current state.", **PROBLEM}
}

Slug = Annotated[str, Path(pattern=orgs.SLUG_PATTERN, description="The organization's slug.")]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class OrganizationCreate(_Model):
    """A new organization."""

    slug: str = Field(pattern=orgs.SLUG_PATTERN, description="Used in URLs and the did:web DID.")
    kind: Literal["evaluation-organization", "school"]
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=64, description="The ministry's code, if any.")
    did_method: Literal["web", "key"] = "web"
    key_algorithm: Literal["Ed25519", "P-256"] = "Ed25519"


class ApiKeyOut(_Model):
    """An API key without its secret."""

    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            prefix=key.prefix,
            label=key.label,
            created_at=acc.as_utc(key.created_at),
            revoked_at=acc.as_utc(key.revoked_at) if key.revoked_at else None,
        )


class ApiKeyCreated(ApiKeyOut):
    """A new API key: ``key`` is shown this once and never again."""

    key: str


class OrganizationOut(_Model):
    """An organization with its accreditations."""

    slug: str
    kind: str
    name_zh: str
    name_en: str
    code: str | None
    did: str
    did_method: str
    created_at: datetime
    accreditations: list[acc.AccreditationView]


class OrganizationDetail(OrganizationOut):
    """An organization with its accreditations and API keys (without secrets)."""

    api_keys: list[ApiKeyOut]


class OrganizationCreated(_Model):
    """The new organization and its first API key (shown once)."""

    organization: OrganizationOut
    api_key: ApiKeyCreated


class AccreditationCreate(_Model):
    """A scope and period: an EvaluationScope for an evaluation organization, a SchoolScope for
    a school."""

    scope: acc.EvaluationScope | acc.SchoolScope
    valid_from: AwareDatetime
    valid_until: AwareDatetime


class AccreditationOut(acc.AccreditationView):
    """An accreditation and the organization it belongs to."""

    organization: str


class ReasonIn(_Model):
    """Why (required to suspend or end; optional to reinstate)."""

    reason: str | None = Field(None, max_length=acc.MAX_REASON)


class ApiKeyCreate(_Model):
    label: str = Field("", max_length=200)


def _organization(session: Session, slug: str) -> Organization:
    organization = orgs.get_organization(session, slug)
    if organization is None:
        raise HTTPException(404, f"no organization with slug {slug!r}")
    return organization


def _accreditation(session: Session, accreditation_id: int) -> Accreditation:
    accreditation = acc.get_accreditation(session, accreditation_id)
    if accreditation is None:
        raise HTTPException(404, f"no accreditation {accreditation_id}")
    return accreditation


def _out(session: Session, organization: Organization) -> OrganizationOut:
    views = [
        acc.AccreditationView.of(a, organization)
        for a in acc.accreditations_of(session, organization)
    ]
    return OrganizationOut(
        slug=organization.slug,
        kind=organization.kind,
        name_zh=organization.name_zh,
        name_en=organization.name_en,
        code=organization.code,
        did=organization.did,
        did_method=organization.did_method,
        created_at=acc.as_utc(organization.created_at),
        accreditations=views,
    )


def _commit(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent request took the slug first
        session.rollback()
        raise HTTPException(409, f"{what} conflicts with a concurrent change") from exc


@router.post(
    "/organizations",
    status_code=201,
    response_model=OrganizationCreated,
    operation_id="create_organization",
    responses={**ERRORS, **CONFLICT},
    summary="Register an organization; answers with its first API key, shown once.",
)
def create_organization(
    body: OrganizationCreate, session: SessionDep, context: ContextDep, caller: SupervisorDep
) -> OrganizationCreated:
    now = context.clock()
    try:
        organization = orgs.register_organization(
            session,
            context=context,
            slug=body.slug,
            kind=body.kind,
            name_zh=body.name_zh,
            name_en=body.name_en,
            code=body.code,
            did_method=body.did_method,
            key_algorithm=body.key_algorithm,
            actor=caller.label,
            now=now,
        )
    except orgs.OrganizationConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    key, text = orgs.issue_api_key(
        session, organization, actor=caller.label, now=now, label="first key"
    )
    created = OrganizationCreated(
        organization=_out(session, organization),
        api_key=ApiKeyCreated(**ApiKeyOut.of(key).model_dump(), key=text),
    )
    _commit(session, f"organization {body.slug!r}")
    return created


@router.get(
    "/organizations",
    response_model=list[OrganizationOut],
    responses=ERRORS,
    operation_id="list_organizations",
    summary="Every organization, by slug.",
)
def list_organizations(session: SessionDep, caller: SupervisorDep) -> list[OrganizationOut]:
    return [_out(session, organization) for organization in orgs.list_organizations(session)]


@router.get(
    "/organizations/{slug}",
    response_model=OrganizationDetail,
    responses={**ERRORS, **NOT_FOUND},
    operation_id="get_organization",
    summary="One organization with its accreditations and API keys (no secrets).",
)
def get_organization(slug: Slug, session: SessionDep, caller: SupervisorDep) -> OrganizationDetail:
    organization = _organization(session, slug)
    keys = [ApiKeyOut.of(key) for key in orgs.api_keys_of(session, organization)]
    return OrganizationDetail(**_out(session, organization).model_dump(), api_keys=keys)


@router.post(
    "/organizations/{slug}/accreditations",
    status_code=201,
    response_model=AccreditationOut,
    responses={**ERRORS, **NOT_FOUND},
    operation_id="accredit_organization",
    summary="Accredit an organization for a scope and period.",
)
def accredit_organization(
    slug: Slug,
    body: AccreditationCreate,
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
) -> AccreditationOut:
    organization = _organization(session, slug)
    try:
        accreditation = acc.accredit(
            session,
            organization,
            body.scope,
            body.valid_from,
            body.valid_until,
            caller.label,
            context.clock(),
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    out = AccreditationOut(
        **acc.AccreditationView.of(accreditation, organization).model_dump(),
        organization=organization.slug,
    )
    _commit(session, "the accreditation")
    return out


Change = Literal["suspend", "reinstate", "end"]


def _change_accreditation(
    change: Change,
    accreditation_id: int,
    body: ReasonIn | None,
    session: Session,
    context: ContextDep,
    actor: str,
) -> AccreditationOut:
    accreditation = _accreditation(session, accreditation_id)
    organization = session.get(Organization, accreditation.organization_id)
    if organization is None:  # pragma: no cover - the foreign key forbids it
        raise HTTPException(404, f"accreditation {accreditation_id} has no organization")
    reason = body.reason if body is not None else None
    try:
        if change == "reinstate":
            acc.reinstate(session, accreditation, reason, actor, context.clock())
        else:
            operation = acc.suspend if change == "suspend" else acc.end
            operation(session, accreditation, reason or "", actor, context.clock())
    except acc.AccreditationStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    out = AccreditationOut(
        **acc.AccreditationView.of(accreditation, organization).model_dump(),
        organization=organization.slug,
    )
    _commit(session, f"accreditation {accreditation_id}")
    return out


AccreditationId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The accreditation's id.")
]  # the upper bound: PostgreSQL's INTEGER (a larger id was a 500 there)
OptionalReason = Annotated[ReasonIn | None, Body()]
RequiredReason = Annotated[ReasonIn, Body()]


@router.post(
    "/accreditations/{accreditation_id}/suspend",
    response_model=AccreditationOut,
    responses={**ERRORS, **NOT_FOUND, **CONFLICT},
    operation_id="suspend_accreditation",
    summary="Suspend an active accreditation (a reason is required).",
)
def suspend_accreditation(
    accreditation_id: AccreditationId,
    body: RequiredReason,
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
) -> AccreditationOut:
    return _change_accreditation("suspend", accreditation_id, body, session, context, caller.label)


@router.post(
    "/accreditations/{accreditation_id}/reinstate",
    response_model=AccreditationOut,
    responses={**ERRORS, **NOT_FOUND, **CONFLICT},
    operation_id="reinstate_accreditation",
    summary="Lift a suspension (a reason is optional).",
)
def reinstate_accreditation(
    accreditation_id: AccreditationId,
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
    body: OptionalReason = None,
) -> AccreditationOut:
    return _change_accreditation(
        "reinstate", accreditation_id, body, session, context, caller.label
    )


@router.post(
    "/accreditations/{accreditation_id}/end",
    response_model=AccreditationOut,
    responses={**ERRORS, **NOT_FOUND, **CONFLICT},
    operation_id="end_accreditation",
    summary="End an accreditation for good (a reason is required).",
)
def end_accreditation(
    accreditation_id: AccreditationId,
    body: RequiredReason,
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
) -> AccreditationOut:
    return _change_accreditation("end", accreditation_id, body, session, context, caller.label)


@router.post(
    "/organizations/{slug}/api-keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses={**ERRORS, **NOT_FOUND},
    operation_id="create_organization_api_key",
    summary="A new API key for an organization, shown this once.",
)
def create_organization_api_key(
    slug: Slug,
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
    body: Annotated[ApiKeyCreate | None, Body()] = None,
) -> ApiKeyCreated:
    organization = _organization(session, slug)
    label = body.label if body is not None else ""
    key, text = orgs.issue_api_key(
        session, organization, actor=caller.label, now=context.clock(), label=label
    )
    created = ApiKeyCreated(**ApiKeyOut.of(key).model_dump(), key=text)
    _commit(session, "the API key")
    return created


@router.delete(
    "/api-keys/{prefix}",
    status_code=204,
    response_class=Response,
    responses={**ERRORS, **NOT_FOUND, **CONFLICT},
    operation_id="revoke_api_key",
    summary="Revoke an API key (it stops working at once).",
)
def revoke_api_key(
    prefix: Annotated[str, Path(pattern=r"^[0-9a-f]{1,16}$")],
    session: SessionDep,
    context: ContextDep,
    caller: SupervisorDep,
) -> Response:
    key = orgs.find_api_key(session, prefix)
    if key is None:
        raise HTTPException(404, f"no API key with prefix {prefix!r}")
    try:
        orgs.revoke_api_key(session, key, actor=caller.label, now=context.clock())
    except orgs.ApiKeyStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    _commit(session, f"API key {prefix}")
    return Response(status_code=204)
