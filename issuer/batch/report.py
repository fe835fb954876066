"""What a batch job looks like from outside: its counts and progress, its rows, its report.

The per-row report (CSV, UTF-8 with a byte-order mark so that spreadsheet programs read the
Chinese right) has one line per row of the uploaded file: what the dry run said, what the run
did, the credential id or the offer's claim link, and the problems.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.batch import claims
from issuer.batch.jobs import runner_alive
from issuer.batch.plan import OUTCOMES
from issuer.models import BatchJob, BatchRow

STATES = ("pending", "reserved", "issued", "offered", "failed", "skipped")
Language = Literal["en", "zh-CN"]
REPORT_HEADERS: dict[str, tuple[str, str]] = {
    "row": ("row", "行号"),
    "outcome": ("outcome", "预检结果"),
    "state": ("state", "处理状态"),
    "delivery": ("delivery", "发放方式"),
    "number": ("number", "证书编号"),
    "learner_name": ("learner_name", "姓名"),
    "credential_id": ("credential_id", "凭证ID"),
    "claim_url": ("claim_url", "领取链接"),
    "replaces": ("replaces", "替换的凭证"),
    "problems": ("problems", "问题"),
}


@dataclass(frozen=True)
class JobSummary:
    """A job's state, its dry-run counts, and the run's progress."""

    id: str
    kind: str
    state: str
    source_name: str
    source_format: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rows: int
    outcomes: dict[str, int]
    deliveries: dict[str, int]
    states: dict[str, int]
    to_do: int
    done: int
    stalled: bool
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        return 1.0 if self.to_do == 0 else round(self.done / self.to_do, 4)


def summarize(session: Session, job: BatchJob, now: datetime) -> JobSummary:
    """The job's counts, read in one query."""
    grouped = session.execute(
        select(
            BatchRow.outcome,
            BatchRow.state,
            BatchRow.delivery,
            BatchRow.done_at.is_(None),
            func.count(),
        )
        .where(BatchRow.job_id == job.id)
        .group_by(BatchRow.outcome, BatchRow.state, BatchRow.delivery, BatchRow.done_at.is_(None))
    )
    outcomes = dict.fromkeys(OUTCOMES, 0)
    states = dict.fromkeys(STATES, 0)
    deliveries = {"credential": 0, "offer": 0}
    rows = to_do = waiting = 0
    for outcome, state, delivery, not_done, count in grouped:
        rows += count
        outcomes[outcome] = outcomes.get(outcome, 0) + count
        states[state] = states.get(state, 0) + count
        if outcome in ("new", "renewal"):
            deliveries[delivery] = deliveries.get(delivery, 0) + count
        if outcome in ("new", "renewal") or not not_done:
            to_do += count
        if state in ("pending", "reserved"):
            waiting += count
    stalled = job.state == "running" and not runner_alive(job.runner, job.heartbeat_at, now)
    return JobSummary(
        id=job.id,
        kind=job.kind,
        state=job.state,
        source_name=job.source_name,
        source_format=job.source_format,
        created_at=_aware(job.created_at) or now,
        started_at=_aware(job.started_at),
        finished_at=_aware(job.finished_at),
        rows=rows,
        outcomes=outcomes,
        deliveries=deliveries,
        states=states,
        to_do=to_do,
        done=to_do - waiting,
        stalled=stalled,
        error=job.error,
    )


@dataclass(frozen=True)
class ReportRow:
    """One row of the report."""

    row: int
    outcome: str
    state: str
    delivery: str
    number: str | None
    learner_name: str | None
    credential_id: str | None
    claim_url: str | None
    replaces: str | None
    problems: list[dict[str, str]]


def report_rows(
    session: Session,
    job: BatchJob,
    kek: bytes,
    *,
    outcome: str | None = None,
    state: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[ReportRow]:
    """The job's rows in file order, optionally only those of one outcome or state."""
    query = select(BatchRow).where(BatchRow.job_id == job.id)
    if outcome is not None:
        query = query.where(BatchRow.outcome == outcome)
    if state is not None:
        query = query.where(BatchRow.state == state)
    query = query.order_by(BatchRow.row).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_report_row(job, row, kek) for row in session.scalars(query)]


def count_rows(
    session: Session, job: BatchJob, *, outcome: str | None = None, state: str | None = None
) -> int:
    query = select(func.count()).select_from(BatchRow).where(BatchRow.job_id == job.id)
    if outcome is not None:
        query = query.where(BatchRow.outcome == outcome)
    if state is not None:
        query = query.where(BatchRow.state == state)
    return int(session.scalar(query) or 0)


def _report_row(job: BatchJob, row: BatchRow, kek: bytes) -> ReportRow:
    link = None
    if row.claim_sealed is not None:
        try:
            link = claims.unseal(kek, job.id, row.row, bytes(row.claim_sealed))
        except claims.SealError:
            link = None
    return ReportRow(
        row=row.row,
        outcome=row.outcome,
        state=row.state,
        delivery=row.delivery,
        number=row.number,
        learner_name=row.learner_name,
        credential_id=row.credential_id if row.state == "issued" else None,
        claim_url=link,
        replaces=row.replaces,
        problems=list(row.problems or []),
    )


def report_csv(
    session: Session, job: BatchJob, kek: bytes, *, language: Language = "en"
) -> Iterator[str]:
    """The report as CSV text, in pieces (a byte-order mark first)."""
    which = 0 if language == "en" else 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([names[which] for names in REPORT_HEADERS.values()])
    yield "\ufeff" + _drain(buffer)
    offset, page = 0, 1000
    while True:
        rows = report_rows(session, job, kek, offset=offset, limit=page)
        for item in rows:
            writer.writerow(
                [
                    item.row,
                    item.outcome,
                    item.state,
                    item.delivery,
                    item.number or "",
                    item.learner_name or "",
                    item.credential_id or "",
                    item.claim_url or "",
                    item.replaces or "",
                    "; ".join(f"{p['field']}: {p['reason']}" for p in item.problems),
                ]
            )
        yield _drain(buffer)
        if len(rows) < page:
            return
        offset += page


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
