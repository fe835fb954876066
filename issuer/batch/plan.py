"""The dry run: read a batch file, judge every row, store the plan — and issue nothing.

Each row gets an ``outcome``:

- ``new`` — valid, and its certificate number is not in use;
- ``renewal`` — valid, and its ``replaces`` column names an earlier credential of this
  organization (by number or id) that is still in force: the run issues the new one and
  revokes the earlier one as superseded;
- ``duplicate`` — its number is already used by a credential (or an unclaimed offer) of this
  organization, or by another row of the same file (then every such row is a duplicate, since
  the file cannot say which one is right);
- ``invalid`` — with the problems (column and reason): a missing or malformed field, a bad
  date, a skill domain, level, major or education level outside the accreditation, a credential
  that cannot be built (e.g. valid before its graduation date), an unknown ``replaces``.

and a ``delivery``: ``credential`` (signed to the learner's DID) or ``offer`` (no DID: the
learner gets a claim link). The plan is stored as a :class:`~issuer.models.BatchJob` in state
``planned`` with one :class:`~issuer.models.BatchRow` per row; running it issues exactly those
rows (:mod:`issuer.batch.runner`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from issuer.accreditation import ScopeError, check_scope
from issuer.batch import bulk
from issuer.batch.columns import COLUMNS, NUMBER_COLUMN, Kind
from issuer.batch.reader import FileFormat, detect_format, read_table
from issuer.batch.rows import ParsedRow, Problem, TemplateRequest, parse_row
from issuer.context import IssuerContext
from issuer.issuance import profile
from issuer.models import BatchJob, BatchRow, CredentialOffer, IssuedCredential, Organization
from issuer.templates.build import TemplateError, build_diploma, build_x_certificate
from issuer.templates.requests import XCertificateRequest

OUTCOMES = ("new", "renewal", "duplicate", "invalid")
_IN_CHUNK = 500
_PLACEHOLDER_ID = "urn:uuid:00000000-0000-4000-8000-000000000000"
_SCOPE_FIELDS = (
    ("skill domain", "skill_domain_code"),
    ("level", "level"),
    ("education level", "education_level"),
    ("major", "major_code"),
)


class PlanError(ValueError):
    """The batch cannot be planned at all (wrong kind for the organization, …)."""


@dataclass(frozen=True)
class PlannedRow:
    """A row as the dry run judged it."""

    number: int
    outcome: str
    delivery: str
    certificate_number: str | None
    learner_name: str | None
    request: dict[str, Any] | None
    problems: tuple[Problem, ...]
    replaces: str | None


def expected_kind(organization: Organization) -> Kind:
    return "x-certificate" if organization.kind == "evaluation-organization" else "diploma"


def plan_batch(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    data: bytes,
    *,
    name: str,
    actor: str,
    kind: Kind | None = None,
    fmt: FileFormat | None = None,
    options: dict[str, Any] | None = None,
) -> BatchJob:
    """Judge every row of ``data`` and store the plan (nothing is issued); flushes, no commit.

    Raises :class:`~issuer.batch.reader.BatchFileError` for a file that cannot be read as a
    batch, :class:`PlanError` for a kind the organization does not issue.
    """
    kind = kind or expected_kind(organization)
    if kind != expected_kind(organization):
        raise PlanError(
            f"{organization.slug} is a {organization.kind}: it issues "
            f"{expected_kind(organization)} credentials, not {kind}"
        )
    fmt = fmt or detect_format(data, name)
    table = read_table(data, kind, fmt)
    now = context.clock()
    parsed = [parse_row(kind, raw) for raw in table.rows]
    planned = judge(session, context, organization, kind, parsed, now)
    job = BatchJob(
        id=new_job_id(),
        organization_id=organization.id,
        kind=kind,
        state="planned",
        source_name=name[:300],
        source_format=fmt,
        source_sha256=hashlib.sha256(data).hexdigest(),
        options=dict(options or {}),
        created_by=actor,
        created_at=now,
    )
    session.add(job)
    session.flush()
    _store_rows(session, job.id, planned)
    return job


def new_job_id() -> str:
    return "batch-" + secrets.token_hex(8)


def judge(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    kind: Kind,
    rows: Sequence[ParsedRow],
    now: datetime,
) -> list[PlannedRow]:
    """The outcome of every row (see the module's docstring)."""
    scope = ScopeMemo(session, organization, now)
    builder = _TrialBuild(context, organization, now)
    problems: dict[int, list[Problem]] = {row.number: list(row.problems) for row in rows}
    for row in rows:
        if row.request is not None:
            problems[row.number].extend(scope.problems(row.request))
        if row.request is not None and not problems[row.number]:
            problems[row.number].extend(builder.problems(kind, row.request))
    valid = [row for row in rows if not problems[row.number]]
    earlier = _replaced(session, organization, kind, valid, problems)
    replaced = {number: credential.id for number, credential in earlier.items()}
    valid = [row for row in valid if not problems[row.number]]
    duplicates = _duplicates(session, organization, kind, valid, replaced)
    return [
        _planned(row, problems[row.number], duplicates, earlier.get(row.number)) for row in rows
    ]


def _planned(
    row: ParsedRow,
    problems: list[Problem],
    duplicates: dict[int, Problem],
    earlier: IssuedCredential | None,
) -> PlannedRow:
    request = row.request
    if request is not None and earlier is not None and request.learner.did is None:
        # A renewal goes to the learner who holds the credential it replaces.
        learner = request.learner.model_copy(update={"did": earlier.learner_did})
        request = request.model_copy(update={"learner": learner})
    if problems or request is None:
        outcome = "invalid"
    elif row.number in duplicates:
        outcome, problems = "duplicate", [duplicates[row.number]]
    else:
        outcome = "renewal" if earlier is not None else "new"
    return PlannedRow(
        number=row.number,
        outcome=outcome,
        delivery="credential" if request is None or request.learner.did else "offer",
        certificate_number=row.certificate_number,
        learner_name=row.learner_name,
        request=None if request is None else request.model_dump(mode="json", exclude_none=True),
        problems=tuple(problems),
        replaces=None if earlier is None else earlier.id,
    )


class ScopeMemo:
    """``check_scope`` once per distinct (domain, level) or (education level, major)."""

    def __init__(self, session: Session, organization: Organization, now: datetime) -> None:
        self._session, self._organization, self._now = session, organization, now
        self._seen: dict[tuple[str, ...], list[Problem]] = {}

    def problems(self, request: TemplateRequest) -> list[Problem]:
        if isinstance(request, XCertificateRequest):
            return self._key(("x", request.skill_domain.code, request.level))
        return self._key(("d", request.education_level, request.major.code))

    def stored_problems(self, kind: str, body: dict[str, Any]) -> list[Problem]:
        """The same for a stored request (its JSON), without validating it again."""
        if kind == "x-certificate":
            return self._key(("x", body["skillDomain"]["code"], body["level"]))
        return self._key(("d", body["educationLevel"], body["major"]["code"]))

    def _key(self, key: tuple[str, ...]) -> list[Problem]:
        if key not in self._seen:
            self._seen[key] = self._check(key)
        return self._seen[key]

    def _check(self, key: tuple[str, ...]) -> list[Problem]:
        try:
            if key[0] == "x":
                check_scope(
                    self._session,
                    self._organization,
                    kind="x-certificate",
                    at=self._now,
                    skill_domain_code=key[1],
                    level=key[2],
                )
            else:
                check_scope(
                    self._session,
                    self._organization,
                    kind="diploma",
                    at=self._now,
                    education_level=key[1],
                    major_code=key[2],
                )
        except ScopeError as exc:
            return [Problem(_scope_field(exc.reason), f"outside the accreditation: {exc.reason}")]
        return []


def _scope_field(reason: str) -> str:
    for prefix, field in _SCOPE_FIELDS:
        if reason.startswith(prefix + " "):
            return field
    return "row"


class _TrialBuild:
    """Builds each credential once, unsigned, so that the dry run refuses what the run would."""

    def __init__(self, context: IssuerContext, organization: Organization, now: datetime) -> None:
        self._issuer = profile(organization)
        self._base_url = context.base_url
        self._now = now
        base = f"{context.base_url}/status/{organization.slug}"
        self._entries = [
            {
                "id": f"{base}/{purpose}/1#0",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": "0",
                "statusListCredential": f"{base}/{purpose}/1",
            }
            for purpose in ("revocation", "suspension")
        ]

    def problems(self, kind: Kind, request: TemplateRequest) -> list[Problem]:
        arguments: dict[str, Any] = {
            "issuer": self._issuer,
            "credential_id": _PLACEHOLDER_ID,
            "status_entries": self._entries,
            "base_url": self._base_url,
            "valid_from": self._now,
            "salt": bytes(16),
        }
        try:
            if isinstance(request, XCertificateRequest):
                build_x_certificate(request, **arguments)
            else:
                build_diploma(request, **arguments)
        except TemplateError as exc:
            return [Problem(_field_named_in(kind, str(exc)), str(exc))]
        return []


def _field_named_in(kind: Kind, message: str) -> str:
    for column in COLUMNS[kind]:
        if column.path and message.startswith(column.path[-1]):
            return column.name
    for column in COLUMNS[kind]:
        if column.path and f".{column.path[-1]} " in message:
            return column.name
    return "row"


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _replaced(
    session: Session,
    organization: Organization,
    kind: Kind,
    rows: Sequence[ParsedRow],
    problems: dict[int, list[Problem]],
) -> dict[int, IssuedCredential]:
    """Row number → the earlier credential it renews; unknown ones become problems."""
    found: dict[int, IssuedCredential] = {}
    claimed: dict[str, int] = {}
    for row in rows:
        if row.replaces is None:
            continue
        earlier = find_earlier(session, organization, kind, row.replaces)
        if isinstance(earlier, str):
            problems[row.number].append(Problem("replaces", earlier))
        elif earlier.id in claimed:
            problems[row.number].append(
                Problem("replaces", f"row {claimed[earlier.id]} already renews {row.replaces}")
            )
        else:
            claimed[earlier.id] = row.number
            found[row.number] = earlier
    return found


def find_earlier(
    session: Session, organization: Organization, kind: Kind, reference: str
) -> IssuedCredential | str:
    """The credential in force that ``reference`` (an id or a number) names, or why not."""
    query = select(IssuedCredential).where(
        IssuedCredential.organization_id == organization.id, IssuedCredential.kind == kind
    )
    if reference.startswith("urn:uuid:"):
        query = query.where(IssuedCredential.id == reference)
    else:
        query = query.where(IssuedCredential.number == reference)
    candidates = list(session.scalars(query))
    if not candidates:
        return f"{organization.slug} issued no {kind} {reference!r}"
    in_force = [c for c in candidates if not c.revoked and c.superseded_by is None]
    if not in_force:
        return f"{reference} is revoked or superseded already; it cannot be renewed"
    return in_force[0]


def _duplicates(
    session: Session,
    organization: Organization,
    kind: Kind,
    rows: Sequence[ParsedRow],
    replaced: dict[int, str],
) -> dict[int, Problem]:
    """Row number → why it is a duplicate (in the file, or of an existing number)."""
    by_number: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.certificate_number is not None:
            by_number[row.certificate_number].append(row.number)
    found: dict[int, Problem] = {}
    field = NUMBER_COLUMN[kind]
    for text, numbers in by_number.items():
        if len(numbers) > 1:
            for row_number in numbers:
                others = ", ".join(str(n) for n in numbers if n != row_number)
                found[row_number] = Problem(field, f"number {text} is also on row {others}")
    existing = existing_numbers(session, organization, kind, list(by_number))
    for row in rows:
        number = row.certificate_number
        if row.number in found or number is None or number not in existing:
            continue
        holders = [h for h in existing[number] if h != replaced.get(row.number)]
        if holders:
            found[row.number] = Problem(field, f"number {number} is already used by {holders[0]}")
    return found


def existing_numbers(
    session: Session, organization: Organization, kind: Kind, numbers: Sequence[str]
) -> dict[str, list[str]]:
    """Number → ids of this organization's credentials and pending offers that hold it.

    A credential reissued under the same number no longer holds it (its successor does); one
    reissued under a new number still does: a number is never given to another learner.
    """
    found: dict[str, list[str]] = defaultdict(list)
    if numbers:
        bulk.custom_plans(session)  # the lookups below take an array (see there)
    for part in _chunks(numbers):
        credentials = list(
            session.execute(
                select(
                    IssuedCredential.number, IssuedCredential.id, IssuedCredential.superseded_by
                ).where(
                    IssuedCredential.organization_id == organization.id,
                    IssuedCredential.kind == kind,
                    bulk.one_of(session, IssuedCredential.number, part),
                )
            )
        )
        ids = {identifier for _, identifier, _ in credentials}
        for number, identifier, successor in credentials:
            if successor is None or successor not in ids:
                found[number or ""].append(identifier)
        offers = session.execute(
            select(CredentialOffer.number, CredentialOffer.id).where(
                CredentialOffer.organization_id == organization.id,
                CredentialOffer.kind == kind,
                bulk.one_of(session, CredentialOffer.number, part),
                CredentialOffer.redeemed_at.is_(None),
                CredentialOffer.withdrawn_at.is_(None),
            )
        )
        for number, identifier in offers:
            found[number or ""].append(identifier)
    return found


def _store_rows(session: Session, job_id: str, rows: Sequence[PlannedRow]) -> None:
    values = [
        {
            "job_id": job_id,
            "row": row.number,
            "outcome": row.outcome,
            "state": "pending" if row.outcome in ("new", "renewal") else "skipped",
            "delivery": row.delivery,
            "number": row.certificate_number,
            "learner_name": (row.learner_name or "")[:200] or None,
            "request": row.request,
            "problems": [p.as_json() for p in row.problems],
            "replaces": row.replaces,
        }
        for row in rows
    ]
    bulk.insert_many(session, cast(Table, BatchRow.__table__), values)
    session.flush()


def outcome_counts(rows: Iterable[PlannedRow]) -> dict[str, int]:
    counts = Counter(row.outcome for row in rows)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


def fresh_credential_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
