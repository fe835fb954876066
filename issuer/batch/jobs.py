"""Batch jobs in the database: the runner's lease, and the queries the runner and the
routes share."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from issuer.batch import bulk
from issuer.models import BatchJob, BatchRow, Organization

STALE_AFTER = timedelta(seconds=60)
"""A runner whose heartbeat is older than this is taken for dead (another may resume)."""


class JobStateError(ValueError):
    """The job cannot run: it is finished, cancelled, or another live runner holds it."""


class JobBusy(JobStateError):
    """Another live runner holds the job."""


def new_runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def runner_alive(runner: str | None, heartbeat: datetime | None, now: datetime) -> bool:
    """Whether the runner that holds a job may still be working on it."""
    if runner is None or heartbeat is None:
        return False
    host, _, rest = runner.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit():
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    return now - aware(heartbeat) < STALE_AFTER


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def locked_job(session: Session, job_id: str) -> BatchJob:
    job = session.scalar(
        select(BatchJob)
        .where(BatchJob.id == job_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # a session may hold a copy from before
    )
    if job is None:
        raise JobStateError(f"no batch job {job_id!r}")
    return job


def pending_rows(session: Session, job_id: str, delivery: str, limit: int) -> list[BatchRow]:
    return list(
        session.scalars(
            select(BatchRow)
            .where(
                BatchRow.job_id == job_id,
                BatchRow.state == "pending",
                BatchRow.delivery == delivery,
            )
            .order_by(BatchRow.row)
            .limit(limit)
        )
    )


def count_rows(session: Session, job_id: str, state: str, delivery: str) -> int:
    found = session.scalar(
        select(func.count())
        .select_from(BatchRow)
        .where(BatchRow.job_id == job_id, BatchRow.state == state, BatchRow.delivery == delivery)
    )
    return int(found or 0)


def state_counts(session: Session, job_id: str) -> dict[str, int]:
    rows = session.execute(
        select(BatchRow.state, func.count())
        .where(BatchRow.job_id == job_id)
        .group_by(BatchRow.state)
    )
    return {state: int(count) for state, count in rows}


def workload(session: Session, job_id: str) -> tuple[int, int]:
    """(rows the run handles, rows handled already): the dry run's new and renewal rows, and
    rows that a run found to be duplicates (a dry run's duplicates and invalid rows are not)."""
    work = or_(BatchRow.outcome.in_(("new", "renewal")), BatchRow.done_at.is_not(None))
    total = session.scalar(
        select(func.count()).select_from(BatchRow).where(BatchRow.job_id == job_id, work)
    )
    todo = session.scalar(
        select(func.count())
        .select_from(BatchRow)
        .where(BatchRow.job_id == job_id, BatchRow.state.in_(("pending", "reserved")))
    )
    return int(total or 0), int(total or 0) - int(todo or 0)


def numbers_in_other_jobs(
    session: Session, organization: Organization, job_id: str, numbers: list[str]
) -> dict[str, list[str]]:
    """Numbers reserved (not yet stored) by another job of the organization."""
    if not numbers:
        return {}
    found: dict[str, list[str]] = {}
    bulk.custom_plans(session)  # the lookup takes an array (see there)
    rows = session.execute(
        select(BatchRow.number, BatchRow.job_id, BatchRow.row)
        .join(BatchJob, BatchJob.id == BatchRow.job_id)
        .where(
            BatchJob.organization_id == organization.id,
            BatchRow.job_id != job_id,
            BatchRow.state == "reserved",
            bulk.one_of(session, BatchRow.number, numbers),
        )
    )
    for number, other, row in rows:
        found.setdefault(number or "", []).append(f"row {row} of {other}")
    return found


def update_rows(session: Session, changes: list[dict[str, Any]]) -> None:
    """Set the same columns of many batch rows, by primary key, in one statement
    (:func:`issuer.batch.bulk.update_many`).

    Every change has ``job_id``, ``row`` and the same other keys. (Core, not the ORM's bulk
    update: a chunk's bookkeeping should cost little next to its signatures.)
    """
    bulk.update_many(session, cast(Table, BatchRow.__table__), ("job_id", "row"), changes)
