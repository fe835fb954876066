"""Accreditation: scope models, status changes, and the scope check issuance asks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from issuer import accreditation as acc
from issuer.models import Accreditation, AuditEntry, Organization
from service.schema import METADATA

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
START = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2028, 12, 31, 23, 59, 59, tzinfo=UTC)
SECOND = timedelta(seconds=1)
WEB = {"code": "0402", "nameZh": "Web前端开发", "nameEn": "Web Front-End Development"}
ROBOTS = {"code": "0531", "nameZh": "工业机器人应用编程", "nameEn": "Industrial Robot Programming"}
EVALUATION = {"skillDomains": [WEB, ROBOTS], "levels": ["junior", "intermediate"]}
SCHOOL = {
    "educationLevels": ["higher-vocational"],
    "majors": [{"code": "510201", "nameZh": "计算机应用技术", "nameEn": "Computer Applications"}],
}


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    for metadata in METADATA:
        metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def organization(session: Session, slug: str, kind: str) -> Organization:
    row = Organization(
        slug=slug,
        kind=kind,
        name_zh=slug,
        name_en=slug,
        code=None,
        did=f"did:web:example.com:orgs:{slug}",
        did_method="web",
        created_at=NOW,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def evaluation(session: Session) -> Organization:
    return organization(session, "webedu", "evaluation-organization")


@pytest.fixture
def school(session: Session) -> Organization:
    return organization(session, "hz-vtc", "school")


def grant(
    session: Session,
    org: Organization,
    scope: dict[str, Any] | None = None,
    start: datetime = START,
    until: datetime = UNTIL,
) -> Accreditation:
    if scope is None:
        scope = EVALUATION if org.kind == "evaluation-organization" else SCHOOL
    return acc.accredit(session, org, scope, start, until, "supervisor:1", NOW)


# --- scope models --------------------------------------------------------------------------


def test_scopes_round_trip_in_camel_case() -> None:
    scope = acc.EvaluationScope.model_validate(EVALUATION)
    assert scope.skill_domains[0].name_zh == "Web前端开发"
    assert scope.model_dump(mode="json", by_alias=True) == EVALUATION
    assert acc.SchoolScope.model_validate(SCHOOL).model_dump(by_alias=True) == SCHOOL


@pytest.mark.parametrize(
    "model,data",
    [
        (acc.EvaluationScope, {**EVALUATION, "levels": []}),
        (acc.EvaluationScope, {**EVALUATION, "skillDomains": []}),
        (acc.EvaluationScope, {**EVALUATION, "levels": ["expert"]}),
        (acc.EvaluationScope, {**EVALUATION, "levels": ["junior", "junior"]}),
        (acc.EvaluationScope, {**EVALUATION, "skillDomains": [WEB, WEB]}),
        (acc.EvaluationScope, {**EVALUATION, "skillDomains": [{**WEB, "code": ""}]}),
        (acc.EvaluationScope, {**EVALUATION, "skillDomains": [{**WEB, "nameZh": " "}]}),
        (acc.EvaluationScope, {**EVALUATION, "extra": 1}),
        (acc.EvaluationScope, SCHOOL),
        (acc.SchoolScope, {**SCHOOL, "educationLevels": ["doctorate"]}),
        (acc.SchoolScope, {**SCHOOL, "majors": []}),
        (acc.SchoolScope, EVALUATION),
    ],
)
def test_bad_scopes_are_refused(
    model: type[acc.EvaluationScope | acc.SchoolScope], data: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)


# --- granting and changing -----------------------------------------------------------------


def _audit(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.sequence)))


def test_accredit_stores_and_audits(session: Session, evaluation: Organization) -> None:
    row = grant(session, evaluation)
    assert row.status == "active" and row.scope == EVALUATION
    assert _audit(session) == ["accreditation.grant"]


@pytest.mark.parametrize(
    "scope,start,until,message",
    [
        (SCHOOL, START, UNTIL, "skillDomains"),
        (EVALUATION, UNTIL, START, "must be after"),
        (EVALUATION, START, START, "must be after"),
        (EVALUATION, START, NOW - SECOND, "has passed"),
        (EVALUATION, START.replace(tzinfo=None), UNTIL, "time zone"),
    ],
)
def test_accredit_refuses(
    session: Session,
    evaluation: Organization,
    scope: dict[str, Any],
    start: datetime,
    until: datetime,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        acc.accredit(session, evaluation, scope, start, until, "supervisor:1", NOW)
    assert session.scalar(select(func.count()).select_from(Accreditation)) == 0
    assert _audit(session) == []


def test_a_scope_model_of_the_wrong_kind_is_refused(session: Session, school: Organization) -> None:
    with pytest.raises(ValueError, match="SchoolScope"):
        grant(session, school, acc.EvaluationScope.model_validate(EVALUATION))  # type: ignore[arg-type]


def test_times_are_kept_in_utc(session: Session, evaluation: Organization) -> None:
    beijing = timezone(timedelta(hours=8))
    row = acc.accredit(
        session,
        evaluation,
        EVALUATION,
        datetime(2026, 1, 1, 8, tzinfo=beijing),
        UNTIL,
        "supervisor:1",
        NOW,
    )
    assert acc.as_utc(row.valid_from) == datetime(2026, 1, 1, 0, tzinfo=UTC)


def test_status_changes(session: Session, evaluation: Organization) -> None:
    row = grant(session, evaluation)
    acc.suspend(session, row, " inspection ", "supervisor:1", NOW)
    assert (row.status, row.status_reason) == ("suspended", "inspection")
    acc.reinstate(session, row, None, "supervisor:1", NOW)
    assert (row.status, row.status_reason) == ("active", None)
    acc.end(session, row, "dissolved", "supervisor:1", NOW)
    assert row.status == "ended"
    assert _audit(session)[1:] == [
        "accreditation.suspend",
        "accreditation.reinstate",
        "accreditation.end",
    ]
    for change in (acc.suspend, acc.end):
        with pytest.raises(acc.AccreditationStateError, match="final"):
            change(session, row, "again", "supervisor:1", NOW)
    with pytest.raises(acc.AccreditationStateError, match="final"):
        acc.reinstate(session, row, None, "supervisor:1", NOW)
    assert len(_audit(session)) == 4


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_suspend_and_end_need_a_reason(
    session: Session, evaluation: Organization, reason: str
) -> None:
    row = grant(session, evaluation)
    for change in (acc.suspend, acc.end):
        with pytest.raises(ValueError, match="reason"):
            change(session, row, reason, "supervisor:1", NOW)
    assert row.status == "active" and len(_audit(session)) == 1


# --- the scope check -----------------------------------------------------------------------

X = {"kind": "x-certificate", "skill_domain_code": "0402", "level": "junior"}
DIPLOMA = {"kind": "diploma", "education_level": "higher-vocational", "major_code": "510201"}
GENERIC = {"kind": "generic"}

# (name, organization, state, request, at, expected reason fragment or None for allowed)
CASES: list[tuple[str, str, str, dict[str, Any], datetime, str | None]] = [
    ("x-in-scope", "evaluation", "active", X, NOW, None),
    ("x-at-start", "evaluation", "active", X, START, None),
    ("x-at-end", "evaluation", "active", X, UNTIL, None),
    ("x-before-start", "evaluation", "active", X, START - SECOND, "not yet valid"),
    ("x-after-end", "evaluation", "active", X, UNTIL + SECOND, "expired"),
    (
        "x-other-domain",
        "evaluation",
        "active",
        {**X, "skill_domain_code": "9999"},
        NOW,
        "skill domain '9999' is not in the scope",
    ),
    (
        "x-other-level",
        "evaluation",
        "active",
        {**X, "level": "senior"},
        NOW,
        "level 'senior' is not in the scope",
    ),
    ("x-no-level", "evaluation", "active", {**X, "level": None}, NOW, "level is not given"),
    ("x-second-domain", "evaluation", "active", {**X, "skill_domain_code": "0531"}, NOW, None),
    ("x-suspended", "evaluation", "suspended", X, NOW, "suspended since"),
    ("x-ended", "evaluation", "ended", X, NOW, "ended"),
    ("x-none", "evaluation", "none", X, NOW, "has no accreditation"),
    ("x-from-school", "school", "active", X, NOW, "an X certificate is issued by an evaluation"),
    ("diploma-in-scope", "school", "active", DIPLOMA, NOW, None),
    ("diploma-at-end", "school", "active", DIPLOMA, UNTIL, None),
    ("diploma-after-end", "school", "active", DIPLOMA, UNTIL + SECOND, "expired"),
    (
        "diploma-other-level",
        "school",
        "active",
        {**DIPLOMA, "education_level": "bachelor"},
        NOW,
        "education level 'bachelor' is not in the scope",
    ),
    (
        "diploma-other-major",
        "school",
        "active",
        {**DIPLOMA, "major_code": "510202"},
        NOW,
        "major '510202' is not in the scope",
    ),
    (
        "diploma-from-evaluation",
        "evaluation",
        "active",
        DIPLOMA,
        NOW,
        "a diploma is issued by a school",
    ),
    ("diploma-suspended", "school", "suspended", DIPLOMA, NOW, "suspended"),
    ("generic-evaluation", "evaluation", "active", GENERIC, NOW, None),
    ("generic-school", "school", "active", GENERIC, NOW, None),
    ("generic-before-start", "school", "active", GENERIC, START - SECOND, "not yet valid"),
    ("generic-after-end", "evaluation", "active", GENERIC, UNTIL + SECOND, "expired"),
    ("generic-suspended", "evaluation", "suspended", GENERIC, NOW, "suspended"),
    ("generic-ended", "school", "ended", GENERIC, NOW, "ended"),
    ("generic-none", "school", "none", GENERIC, NOW, "has no accreditation"),
]


@pytest.mark.parametrize(
    "name,which,state,request_,at,expected", CASES, ids=[case[0] for case in CASES]
)
def test_check_scope(
    session: Session,
    evaluation: Organization,
    school: Organization,
    name: str,
    which: str,
    state: str,
    request_: dict[str, Any],
    at: datetime,
    expected: str | None,
) -> None:
    org = evaluation if which == "evaluation" else school
    row = None if state == "none" else grant(session, org)
    if row is not None and state == "suspended":
        acc.suspend(session, row, "cheating under inspection", "supervisor:1", NOW)
    if row is not None and state == "ended":
        acc.end(session, row, "withdrawn", "supervisor:1", NOW)
    session.commit()
    session.expire_all()  # read back from the database (SQLite hands back naive times)
    if expected is None:
        assert acc.check_scope(session, org, at=at, **request_) is row
        return
    with pytest.raises(acc.ScopeError) as caught:
        acc.check_scope(session, org, at=at, **request_)
    assert expected in caught.value.reason
    assert isinstance(caught.value, ValueError)
    if state == "suspended":
        assert "cheating under inspection" in caught.value.reason


def test_the_covering_accreditation_is_found_among_several(
    session: Session, evaluation: Organization
) -> None:
    junior = grant(session, evaluation, {"skillDomains": [WEB], "levels": ["junior"]})
    senior = grant(session, evaluation, {"skillDomains": [WEB], "levels": ["senior"]})
    assert acc.check_scope(session, evaluation, at=NOW, **{**X, "level": "senior"}) is senior
    assert acc.check_scope(session, evaluation, at=NOW, **X) is junior


def test_the_reason_is_that_of_the_closest_accreditation(
    session: Session, evaluation: Organization
) -> None:
    later = grant(session, evaluation, start=UNTIL - timedelta(days=30))
    current = grant(session, evaluation)
    acc.suspend(session, current, "under inspection", "supervisor:1", NOW)
    with pytest.raises(acc.ScopeError, match="suspended") as caught:
        acc.check_scope(session, evaluation, at=NOW, **X)
    assert f"accreditation {current.id} of webedu" in caught.value.reason
    assert acc.check_scope(session, evaluation, at=UNTIL, **X) is later


def test_check_scope_refuses_misuse(session: Session, evaluation: Organization) -> None:
    with pytest.raises(ValueError, match="kind"):
        acc.check_scope(session, evaluation, kind="badge", at=NOW)
    with pytest.raises(ValueError, match="time zone"):
        acc.check_scope(session, evaluation, kind="generic", at=NOW.replace(tzinfo=None))


def test_accreditation_at(session: Session, evaluation: Organization) -> None:
    row = grant(session, evaluation)
    assert acc.accreditation_at(session, evaluation, START) == [row]
    assert acc.accreditation_at(session, evaluation, UNTIL) == [row]
    assert acc.accreditation_at(session, evaluation, START - SECOND) == []
    assert acc.accreditation_at(session, evaluation, UNTIL + SECOND) == []
    acc.suspend(session, row, "inspection", "supervisor:1", NOW + timedelta(days=1))
    assert acc.accreditation_at(session, evaluation, NOW) == [row]  # before the suspension
    assert acc.accreditation_at(session, evaluation, NOW + timedelta(days=2)) == []


def test_accreditation_at_follows_every_change(session: Session, evaluation: Organization) -> None:
    row = grant(session, evaluation)
    day = timedelta(days=1)
    acc.suspend(session, row, "inspection", "supervisor:1", NOW + day)
    acc.reinstate(session, row, "cleared", "supervisor:1", NOW + 3 * day)
    acc.suspend(session, row, "inspection again", "supervisor:1", NOW + 5 * day)
    held = {n: acc.accreditation_at(session, evaluation, NOW + n * day) == [row] for n in range(7)}
    assert held == {0: True, 1: False, 2: False, 3: True, 4: True, 5: False, 6: False}
    assert [(c.status, c.reason) for c in row.changes] == [
        ("suspended", "inspection"),
        ("active", "cleared"),
        ("suspended", "inspection again"),
    ]
