"""Accreditation: what an organization may issue, and when.

A supervisor accredits an evaluation organization for skill domains and levels, a school for
education levels and majors, each for a period ``[valid_from, valid_until]`` (both ends
included, as a credential's ``validFrom``/``validUntil``). An accreditation is ``active``,
``suspended`` (it can be reinstated) or ``ended`` (final); suspending and ending need a reason.

Issuance asks :func:`check_scope` before signing; it answers with the accreditation that covers
the request or raises :class:`ScopeError` whose ``reason`` names what is missing. The registry
and the verifier ask :func:`accreditation_at` what held at a given time: every status change is
kept (``AccreditationChange``), so a suspension that was lifted still counts for the moments
it covered.

Every change is written to the audit log in the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.audit import record
from issuer.models import Accreditation, AccreditationChange, Organization

Level = Literal["junior", "intermediate", "senior"]
EducationLevel = Literal[
    "secondary-vocational", "higher-vocational", "vocational-bachelor", "bachelor"
]
CredentialKind = Literal["x-certificate", "diploma", "generic"]
LEVELS: tuple[str, ...] = get_args(Level)
EDUCATION_LEVELS: tuple[str, ...] = get_args(EducationLevel)
Status = Literal["active", "suspended", "ended"]
STATUSES: tuple[str, ...] = get_args(Status)
MAX_REASON = 1000

Code = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class NamedCode(_Model):
    """A skill domain or a major: its code and its names in zh-CN and en."""

    code: Code
    name_zh: Name
    name_en: Name


def _unique(values: Sequence[str], what: str) -> None:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"{what} must not repeat: {', '.join(repeated)}")


class EvaluationScope(_Model):
    """An evaluation organization's scope: the skill domains and levels it may certify."""

    skill_domains: list[NamedCode] = Field(min_length=1, max_length=500)
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_repeats(self) -> EvaluationScope:
        _unique([domain.code for domain in self.skill_domains], "skillDomains codes")
        _unique(list(self.levels), "levels")
        return self


class SchoolScope(_Model):
    """A school's scope: the education levels and majors it may award diplomas for."""

    education_levels: list[EducationLevel] = Field(min_length=1)
    majors: list[NamedCode] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _no_repeats(self) -> SchoolScope:
        _unique(list(self.education_levels), "educationLevels")
        _unique([major.code for major in self.majors], "majors codes")
        return self


Scope = EvaluationScope | SchoolScope
SCOPE_TYPES: dict[str, type[EvaluationScope] | type[SchoolScope]] = {
    "evaluation-organization": EvaluationScope,
    "school": SchoolScope,
}


class ScopeError(ValueError):
    """Issuing this is outside the organization's accreditation; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccreditationStateError(Exception):
    """The accreditation cannot change that way from its current status."""


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL, its session's zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """``2026-11-28T09:00:00Z``."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def parse_scope(organization: Organization, scope: Scope | Mapping[str, Any]) -> Scope:
    """``scope`` as the model for the organization's kind (``ValueError`` if it is the other's)."""
    expected = SCOPE_TYPES[organization.kind]
    if isinstance(scope, Mapping):
        return expected.model_validate(dict(scope))
    if not isinstance(scope, expected):
        raise ValueError(
            f"a {organization.kind} is accredited with a {expected.__name__}, "
            f"not a {type(scope).__name__}"
        )
    return scope


def stored_scope(accreditation: Accreditation, organization: Organization) -> Scope:
    return SCOPE_TYPES[organization.kind].model_validate(accreditation.scope)


def accredit(
    session: Session,
    organization: Organization,
    scope: Scope | Mapping[str, Any],
    valid_from: datetime,
    valid_until: datetime,
    actor: str,
    now: datetime,
) -> Accreditation:
    """Accredit ``organization`` for ``scope`` over ``[valid_from, valid_until]``.

    Raises ``ValueError`` for a scope of the wrong kind, naive times, an empty period or a
    period that is over already.
    """
    parsed = parse_scope(organization, scope)
    for label, moment in (("valid_from", valid_from), ("valid_until", valid_until)):
        if moment.utcoffset() is None:
            raise ValueError(f"{label} must carry a time zone, got {moment.isoformat()}")
    valid_from, valid_until = as_utc(valid_from), as_utc(valid_until)
    if valid_until <= valid_from:
        raise ValueError(
            f"valid_until {iso(valid_until)} must be after valid_from {iso(valid_from)}"
        )
    if valid_until <= as_utc(now):
        raise ValueError(f"valid_until {iso(valid_until)} has passed already ({iso(now)})")
    accreditation = Accreditation(
        organization_id=organization.id,
        scope=parsed.model_dump(mode="json", by_alias=True),
        valid_from=valid_from,
        valid_until=valid_until,
        status="active",
        status_reason=None,
        created_at=now,
        updated_at=now,
    )
    session.add(accreditation)
    session.flush()
    record(
        session,
        actor=actor,
        action="accreditation.grant",
        subject=f"accreditation:{accreditation.id}",
        data={
            "organization": organization.slug,
            "did": organization.did,
            "scope": accreditation.scope,
            "validFrom": iso(valid_from),
            "validUntil": iso(valid_until),
        },
        at=now,
    )
    return accreditation


def suspend(
    session: Session, accreditation: Accreditation, reason: str, actor: str, now: datetime
) -> Accreditation:
    """Suspend an active accreditation (it can be reinstated)."""
    return _change(
        session, accreditation, "suspend", ("active",), "suspended", _required(reason), actor, now
    )


def reinstate(
    session: Session, accreditation: Accreditation, reason: str | None, actor: str, now: datetime
) -> Accreditation:
    """Lift a suspension."""
    text = _required(reason) if reason is not None and reason.strip() else None
    return _change(session, accreditation, "reinstate", ("suspended",), "active", text, actor, now)


def end(
    session: Session, accreditation: Accreditation, reason: str, actor: str, now: datetime
) -> Accreditation:
    """End an accreditation for good (from active or suspended)."""
    return _change(
        session,
        accreditation,
        "end",
        ("active", "suspended"),
        "ended",
        _required(reason),
        actor,
        now,
    )


def _required(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValueError("reason is required")
    if len(text) > MAX_REASON:
        raise ValueError(f"reason must be at most {MAX_REASON} characters, got {len(text)}")
    return text


def _change(
    session: Session,
    accreditation: Accreditation,
    verb: str,
    sources: tuple[str, ...],
    target: str,
    reason: str | None,
    actor: str,
    now: datetime,
) -> Accreditation:
    if accreditation.status not in sources:
        final = " (ending is final)" if accreditation.status == "ended" else ""
        raise AccreditationStateError(
            f"accreditation {accreditation.id} is {accreditation.status}{final}; "
            f"only a {' or '.join(sources)} accreditation can {verb}"
        )
    previous = accreditation.status
    accreditation.status, accreditation.status_reason = target, reason
    accreditation.updated_at = now
    accreditation.changes.append(AccreditationChange(status=target, reason=reason, at=now))
    record(
        session,
        actor=actor,
        action=f"accreditation.{verb}",
        subject=f"accreditation:{accreditation.id}",
        data={
            "organizationId": accreditation.organization_id,
            "from": previous,
            "to": target,
            "reason": reason,
        },
        at=now,
    )
    session.flush()
    return accreditation


def accreditations_of(session: Session, organization: Organization) -> list[Accreditation]:
    """Every accreditation of ``organization``, oldest first."""
    return list(
        session.scalars(
            select(Accreditation)
            .where(Accreditation.organization_id == organization.id)
            .order_by(Accreditation.valid_from, Accreditation.id)
        )
    )


def get_accreditation(session: Session, accreditation_id: int) -> Accreditation | None:
    return session.get(Accreditation, accreditation_id)


def accreditation_at(
    session: Session, organization: Organization, at: datetime
) -> list[Accreditation]:
    """The accreditations that held at ``at``: within their period and active then (each
    change takes effect at its moment)."""
    return [a for a in accreditations_of(session, organization) if _held_at(a, as_utc(at))]


def status_at(accreditation: Accreditation, at: datetime) -> str:
    """The accreditation's status at ``at``: that of its last change at or before ``at``,
    ``active`` before its first change."""
    status = "active"
    for change in accreditation.changes:
        if as_utc(change.at) > at:
            break
        status = change.status
    return status


def _held_at(accreditation: Accreditation, at: datetime) -> bool:
    if not as_utc(accreditation.valid_from) <= at <= as_utc(accreditation.valid_until):
        return False
    return status_at(accreditation, at) == "active"


def majors_at(session: Session, organization: Organization, at: datetime) -> list[str]:
    """The major codes of the school accreditations that hold at ``at`` (none for others)."""
    codes: list[str] = []
    for accreditation in accreditation_at(session, organization, at):
        scope = stored_scope(accreditation, organization)
        if isinstance(scope, SchoolScope):
            codes.extend(m.code for m in scope.majors if m.code not in codes)
    return codes


def check_scope(
    session: Session,
    organization: Organization,
    *,
    kind: str,
    at: datetime,
    skill_domain_code: str | None = None,
    level: str | None = None,
    education_level: str | None = None,
    major_code: str | None = None,
) -> Accreditation:
    """The accreditation under which ``organization`` may issue this at ``at``.

    ``kind`` is ``x-certificate`` (needs the skill domain and level), ``diploma`` (the
    education level and major) or ``generic`` (a credential without 1+X terms: any active
    accreditation whose period holds ``at``). Raises :class:`ScopeError` naming what is missing;
    when several accreditations fall short, the reason is that of the one that came closest.
    """
    if kind not in get_args(CredentialKind):
        raise ValueError(f"kind must be one of {get_args(CredentialKind)}, not {kind!r}")
    if at.utcoffset() is None:
        raise ValueError(f"at must carry a time zone, got {at.isoformat()}")
    _check_issuer_kind(organization, kind)
    wanted = {
        "skill_domain_code": skill_domain_code,
        "level": level,
        "education_level": education_level,
        "major_code": major_code,
    }
    accreditations = accreditations_of(session, organization)
    if not accreditations:
        raise ScopeError(f"{organization.slug} has no accreditation")
    shortfalls: list[tuple[int, str]] = []
    for accreditation in reversed(accreditations):  # newest first
        shortfall = _shortfall(organization, accreditation, kind, as_utc(at), wanted)
        if shortfall is None:
            return accreditation
        shortfalls.append(shortfall)
    closest = max(shortfalls, key=lambda item: item[0])  # the first (newest) of the best rank
    raise ScopeError(closest[1])


def _check_issuer_kind(organization: Organization, kind: str) -> None:
    if kind == "x-certificate" and organization.kind != "evaluation-organization":
        raise ScopeError(
            f"an X certificate is issued by an evaluation organization; "
            f"{organization.slug} is a {organization.kind}"
        )
    if kind == "diploma" and organization.kind != "school":
        raise ScopeError(
            f"a diploma is issued by a school; {organization.slug} is a {organization.kind}"
        )


def _shortfall(
    organization: Organization,
    accreditation: Accreditation,
    kind: str,
    at: datetime,
    wanted: Mapping[str, str | None],
) -> tuple[int, str] | None:
    """Why ``accreditation`` does not cover the request, ranked by how far it got (scope,
    then period, then status), or None when it covers it."""
    label = f"accreditation {accreditation.id} of {organization.slug}"
    missing = _scope_shortfall(stored_scope(accreditation, organization), kind, wanted)
    if missing is not None:
        return 0, f"{missing}, in {label}"
    start, until = as_utc(accreditation.valid_from), as_utc(accreditation.valid_until)
    if at < start:
        return 1, f"{label} is not yet valid at {iso(at)}: it starts {iso(start)}"
    if at > until:
        return 1, f"{label} expired {iso(until)}, before {iso(at)}"
    if accreditation.status == "suspended":
        return 2, (
            f"{label} is suspended since {iso(accreditation.updated_at)}: "
            f"{accreditation.status_reason}"
        )
    if accreditation.status == "ended":
        return 2, (f"{label} ended {iso(accreditation.updated_at)}: {accreditation.status_reason}")
    return None


def _scope_shortfall(scope: Scope, kind: str, wanted: Mapping[str, str | None]) -> str | None:
    if isinstance(scope, EvaluationScope) and kind == "x-certificate":
        domains = [domain.code for domain in scope.skill_domains]
        return _not_in("skill domain", wanted["skill_domain_code"], domains) or _not_in(
            "level", wanted["level"], list(scope.levels)
        )
    if isinstance(scope, SchoolScope) and kind == "diploma":
        return _not_in(
            "education level", wanted["education_level"], list(scope.education_levels)
        ) or _not_in("major", wanted["major_code"], [m.code for m in scope.majors])
    return None


def _not_in(what: str, value: str | None, allowed: list[str]) -> str | None:
    if value is None:
        return f"the {what} is not given, so it cannot be checked against the scope"
    if value not in allowed:
        return f"{what} {value!r} is not in the scope (only {', '.join(allowed)})"
    return None


class StatusChange(_Model):
    """One status change of an accreditation: the new status, from when, and why."""

    status: Status
    at: datetime
    reason: str | None


class AccreditationView(_Model):
    """An accreditation as the admin API and the registry show it; ``history`` lists every
    status change (before the first it was active), so a verifier can tell what held at any
    past moment."""

    id: int
    scope: EvaluationScope | SchoolScope
    valid_from: datetime
    valid_until: datetime
    status: Status
    status_reason: str | None
    created_at: datetime
    updated_at: datetime
    history: list[StatusChange]

    @classmethod
    def of(cls, accreditation: Accreditation, organization: Organization) -> AccreditationView:
        return cls(
            id=accreditation.id,
            scope=stored_scope(accreditation, organization),
            valid_from=as_utc(accreditation.valid_from),
            valid_until=as_utc(accreditation.valid_until),
            status=cast(Status, accreditation.status),
            status_reason=accreditation.status_reason,
            created_at=as_utc(accreditation.created_at),
            updated_at=as_utc(accreditation.updated_at),
            history=[
                StatusChange(status=cast(Status, c.status), at=as_utc(c.at), reason=c.reason)
                for c in accreditation.changes
            ],
        )
