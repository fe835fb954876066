"""Running a planned batch: every valid row issued exactly once, resumable after a kill.

A credential row goes ``pending`` → ``reserved`` → ``issued`` (or ``failed``), in chunks:

1. **reserve** (one transaction): re-check the chunk's numbers against what was issued since
   the dry run (a number now in use makes the row a ``duplicate``), then give each row its
   credential id and its two status-list indexes (:func:`issuer.status.allocate_bulk`) and
   commit them with the row's state;
2. **sign**: the worker processes, one per core, build and sign the reserved rows
   (:mod:`issuer.batch.worker`) while this process reserves the next chunk;
3. **store** (one transaction): insert the credentials, their audit entries (one
   ``credential.issue`` each, chained) and the rows' ``issued`` state together, and revoke the
   credentials that renewals supersede.

A process killed anywhere leaves each row ``pending`` (nothing decided), ``reserved`` (id and
indexes kept: the next run signs exactly these again) or ``issued``; a stored credential and
its row's state commit together, and the credential's primary key and its idempotency key
``batch:<job>:<row>`` make a second copy impossible even for two runners at once. Rows without
a learner DID get an offer (:func:`issuer.offers.create_offer`) and its claim link, in the
transaction that marks them ``offered``.

A job is run by one runner at a time: its id and heartbeat are on the job; another runner may
take over only when the first is dead (its process is gone, or its heartbeat is stale).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from issuer import keystore, status
from issuer.batch import bulk, chain, claims, plan, renewal
from issuer.batch.columns import NUMBER_COLUMN, Kind
from issuer.batch.jobs import (
    JobBusy,
    JobStateError,
    aware,
    count_rows,
    locked_job,
    new_runner_id,
    numbers_in_other_jobs,
    pending_rows,
    runner_alive,
    state_counts,
    update_rows,
    workload,
)
from issuer.batch.worker import (
    BatchSigner,
    Signed,
    SignTask,
    WorkerSetup,
    sign_in_worker,
    worker_pool,
)
from issuer.context import IssuerContext
from issuer.issuance import profile, request_hash
from issuer.models import BatchJob, BatchRow, IssuedCredential, Organization, StatusList
from issuer.offers import create_offer
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from vc.credential import parse_datetime_stamp
from vc.data_integrity import format_datetime

CHUNK = 500
POOL_MIN_ROWS = 200
OFFER_CHUNK = 200
Progress = Callable[[int, int], None]
"""Called with (rows done, rows to do) after each committed chunk."""


@dataclass(frozen=True)
class Reserved:
    """A reserved row as the store step needs it."""

    row: int
    credential_id: str
    number: str | None
    learner_name: str | None
    learner_did: str | None
    replaces: str | None
    request_digest: str
    revocation: tuple[int, int]
    suspension: tuple[int, int]


def run_job(
    context: IssuerContext,
    job_id: str,
    *,
    actor: str,
    workers: int | None = None,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    runner_id: str | None = None,
) -> str:
    """Run (or resume) ``job_id`` to the end; returns the job's final state.

    ``workers``: signing processes (None: one per core; 0: sign in this process). Raises
    :class:`JobStateError` if the job cannot run, :class:`JobBusy` if another runner is alive.
    """
    run = claim_job(context, job_id, actor=actor, runner_id=runner_id, progress=progress)
    if run is None:
        with context.sessions() as session:
            job = session.get(BatchJob, job_id)
            return "missing" if job is None else job.state
    return run.run(workers=workers, chunk_size=chunk_size)


def claim_job(
    context: IssuerContext,
    job_id: str,
    *,
    actor: str,
    runner_id: str | None = None,
    progress: Progress | None = None,
) -> JobRun | None:
    """Take the job's lease (state ``running``), or None when it is finished already.

    Raises :class:`JobStateError` for an unknown job, :class:`JobBusy` if another runner is
    alive. Call :meth:`JobRun.run` on the result, here or in another thread.
    """
    run = JobRun(context, job_id, actor, runner_id or new_runner_id(), progress)
    return run if run.acquire() else None


class JobRun:
    """One runner's work on one job (see :func:`claim_job`)."""

    def __init__(
        self,
        context: IssuerContext,
        job_id: str,
        actor: str,
        runner_id: str,
        progress: Progress | None,
    ) -> None:
        self.context, self.job_id, self.actor, self.runner_id = context, job_id, actor, runner_id
        self.progress = progress
        self.state = "planned"
        self.done = self.total = 0
        self.organization: Organization
        self.kind: Kind = "diploma"
        self.options: dict[str, Any] = {}
        self._sequences: dict[int, int] = {}

    # --- the job's lease -----------------------------------------------------------------

    def run(self, *, workers: int | None = None, chunk_size: int = CHUNK) -> str:
        """Issue every remaining row; returns the final state (``completed``)."""
        try:
            self.offer_rows()
            self.credential_rows(workers, max(1, chunk_size))
            return self.finish()
        except JobBusy:
            raise
        except BaseException as exc:
            self.fail(exc)
            raise

    def acquire(self) -> bool:
        with self.context.sessions() as session:
            now = self.context.clock()
            job = locked_job(session, self.job_id)
            self.state = job.state
            if job.state in ("completed", "cancelled"):
                return False
            held = job.state == "running" and job.runner != self.runner_id
            if held and runner_alive(job.runner, job.heartbeat_at, now):
                raise JobBusy(f"{self.job_id} is being run by {job.runner}")
            first = job.started_at is None
            job.state, job.runner, job.heartbeat_at = "running", self.runner_id, now
            job.error = None
            job.started_at = job.started_at or now
            organization = session.get(Organization, job.organization_id)
            if organization is None:  # pragma: no cover - a foreign key guarantees it
                raise JobStateError(f"the organization of {self.job_id} is gone")
            self.organization, self.kind = organization, job.kind  # type: ignore[assignment]
            self.options = dict(job.options or {})
            self.total, self.done = workload(session, self.job_id)
            chain.record_many(
                session,
                actor=self.actor,
                entries=[
                    chain.Entry(
                        "batch.start" if first else "batch.resume",
                        self.job_id,
                        {"organization": organization.slug, "kind": job.kind, "rows": self.total},
                    )
                ],
                at=now,
            )
            session.commit()
        self.state = "running"
        self._report()
        return True

    def _check_lease(self, session: Session, now: datetime) -> None:
        job = locked_job(session, self.job_id)
        if job.runner != self.runner_id:
            raise JobBusy(f"{self.job_id} was taken over by {job.runner}")
        job.heartbeat_at = now

    def finish(self) -> str:
        with self.context.sessions() as session:
            now = self.context.clock()
            self._check_lease(session, now)
            job = locked_job(session, self.job_id)
            counts = state_counts(session, self.job_id)
            job.state, job.finished_at, job.runner = "completed", now, None
            chain.record_many(
                session,
                actor=self.actor,
                entries=[chain.Entry("batch.complete", self.job_id, {"rows": counts})],
                at=now,
            )
            session.commit()
        self.state = "completed"
        return self.state

    def fail(self, exc: BaseException) -> None:
        with self.context.sessions() as session:
            job = locked_job(session, self.job_id)
            if job.runner == self.runner_id:
                job.state, job.runner = "failed", None
                job.error = (f"{type(exc).__name__}: {exc}")[:2000]
                session.commit()
        self.state = "failed"

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)

    # --- offers --------------------------------------------------------------------------

    def offer_rows(self) -> None:
        while True:
            with self.context.sessions() as session:
                rows = pending_rows(session, self.job_id, "offer", OFFER_CHUNK)
                if not rows:
                    return
                now = self.context.clock()
                self._check_lease(session, now)
                live = self._recheck(session, rows, now)
                for row in live:
                    self._offer(session, row, now)
                session.commit()
            self.done += len(rows)
            self._report()

    def _offer(self, session: Session, row: BatchRow, now: datetime) -> None:
        request = _model(self.kind).model_validate(row.request)
        days = int(self.options.get("offerDays", 30))
        new = create_offer(
            session,
            self.context,
            self.organization,
            request,
            actor=self.actor,
            expires_in=timedelta(days=days),
        )
        row.state, row.offer_id, row.done_at, row.request = "offered", new.row.id, now, None
        row.claim_sealed = claims.seal(
            self.context.key_encryption_key, self.job_id, row.row, new.claim_url
        )

    # --- credentials ---------------------------------------------------------------------

    def credential_rows(self, workers: int | None, chunk_size: int) -> None:
        with self.context.sessions() as session:
            signer = keystore.active_signer(session, self.organization, context=self.context)
            leftovers = list(
                session.scalars(
                    select(BatchRow)
                    .where(BatchRow.job_id == self.job_id, BatchRow.state == "reserved")
                    .order_by(BatchRow.row)
                )
            )
            pending = count_rows(session, self.job_id, "pending", "credential")
        setup = WorkerSetup(
            kind=self.kind,
            issuer=profile(self.organization),
            base_url=self.context.base_url,
            algorithm=signer.key_pair.algorithm,
            secret=signer.key_pair.secret_bytes,
            verification_method=signer.verification_method,
        )
        self._signing_key_id = signer.key_id
        chunks = self._chunks(leftovers, chunk_size)
        count = (os.cpu_count() or 1) if workers is None else workers
        if count <= 0 or len(leftovers) + pending < POOL_MIN_ROWS:
            local = BatchSigner(setup)
            for tasks, reserved in chunks:
                self._store(local.sign_many(tasks, self._created()), reserved)
            return
        with worker_pool(setup, count) as pool:
            self._pipeline(pool, count, chunks)

    def _pipeline(
        self,
        pool: ProcessPoolExecutor,
        count: int,
        chunks: Iterator[tuple[list[SignTask], dict[int, Reserved]]],
    ) -> None:
        in_flight: deque[tuple[list[Future[list[Signed]]], dict[int, Reserved]]] = deque()
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < 2:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                tasks, reserved = chunk
                created = self._created()
                parts = [tasks[i::count] for i in range(count) if tasks[i::count]]
                futures = [pool.submit(sign_in_worker, part, created) for part in parts]
                in_flight.append((futures, reserved))
            if not in_flight:
                return
            futures, reserved = in_flight.popleft()
            signed = [item for future in futures for item in future.result()]
            self._store(signed, reserved)

    def _created(self) -> str:
        return format_datetime(self.context.clock())

    def _chunks(
        self, leftovers: list[BatchRow], chunk_size: int
    ) -> Iterator[tuple[list[SignTask], dict[int, Reserved]]]:
        """Rows reserved by an earlier, killed run first; then fresh reservations."""
        for start in range(0, len(leftovers), chunk_size):
            yield self._resume_tasks(leftovers[start : start + chunk_size])
        while True:
            reserved = self._reserve(chunk_size)
            if reserved is None:
                return
            yield reserved

    def _reserve(self, chunk_size: int) -> tuple[list[SignTask], dict[int, Reserved]] | None:
        with self.context.sessions() as session:
            rows = pending_rows(session, self.job_id, "credential", chunk_size)
            if not rows:
                return None
            now = self.context.clock()
            self._check_lease(session, now)
            live = self._recheck(session, rows, now)
            ids = [plan.fresh_credential_id() for _ in live]
            revocations = status.allocate_bulk(
                session, self.organization, "revocation", ids, now=now, write=bulk.insert_many
            )
            suspensions = status.allocate_bulk(
                session, self.organization, "suspension", ids, now=now, write=bulk.insert_many
            )
            changes = [
                {
                    "job_id": self.job_id,
                    "row": row.row,
                    "state": "reserved",
                    "credential_id": credential_id,
                    "revocation_list_id": rev.list_id,
                    "revocation_index": rev.index,
                    "suspension_list_id": sus.list_id,
                    "suspension_index": sus.index,
                    "reserved_at": now,
                }
                for row, credential_id, rev, sus in zip(
                    live, ids, revocations, suspensions, strict=True
                )
            ]
            update_rows(session, changes)
            for allocation in (*revocations, *suspensions):
                self._sequences[allocation.list_id] = allocation.sequence
            session.commit()
            skipped = len(rows) - len(live)
        if skipped:
            self.done += skipped
            self._report()
        return self._tasks([(row, change) for row, change in zip(live, changes, strict=True)], now)

    def _resume_tasks(self, rows: list[BatchRow]) -> tuple[list[SignTask], dict[int, Reserved]]:
        missing = {
            list_id
            for row in rows
            for list_id in (row.revocation_list_id, row.suspension_list_id)
            if list_id is not None and list_id not in self._sequences
        }
        if missing:
            with self.context.sessions() as session:
                found = session.execute(
                    select(StatusList.id, StatusList.sequence).where(StatusList.id.in_(missing))
                )
                self._sequences.update({list_id: seq for list_id, seq in found})
        pairs = [
            (
                row,
                {
                    "credential_id": row.credential_id,
                    "revocation_list_id": row.revocation_list_id,
                    "revocation_index": row.revocation_index,
                    "suspension_list_id": row.suspension_list_id,
                    "suspension_index": row.suspension_index,
                    "reserved_at": aware(row.reserved_at or self.context.clock()),
                },
            )
            for row in rows
        ]
        return self._tasks(pairs, None)

    def _tasks(
        self, pairs: Sequence[tuple[BatchRow, dict[str, Any]]], now: datetime | None
    ) -> tuple[list[SignTask], dict[int, Reserved]]:
        tasks: list[SignTask] = []
        reserved: dict[int, Reserved] = {}
        with self.context.sessions() as session:
            earlier = renewal.earlier_credentials(
                session, [row.replaces for row, _ in pairs if row.replaces]
            )
        for row, change in pairs:
            request = row.request or {}
            entries = [
                status.status_entry(
                    self.context.base_url,
                    self.organization.slug,
                    status.Allocation(
                        change[f"{purpose}_list_id"],
                        self._sequences[change[f"{purpose}_list_id"]],
                        change[f"{purpose}_index"],
                        purpose,
                    ),
                )
                for purpose in status.PURPOSES
            ]
            tasks.append(
                SignTask(
                    row=row.row,
                    credential_id=change["credential_id"],
                    request=request,
                    status_entries=entries,
                    valid_from=now or change["reserved_at"],
                    replaces=row.replaces,
                    carried_identity=(
                        earlier[row.replaces].national_identity if row.replaces in earlier else None
                    ),
                )
            )
            reserved[row.row] = Reserved(
                row=row.row,
                credential_id=change["credential_id"],
                number=row.number,
                learner_name=row.learner_name,
                learner_did=request.get("learner", {}).get("did"),
                replaces=row.replaces,
                request_digest=request_hash(
                    {"request": request, "batch": self.job_id}, self.context
                ),
                revocation=(change["revocation_list_id"], change["revocation_index"]),
                suspension=(change["suspension_list_id"], change["suspension_index"]),
            )
        return tasks, reserved

    def _recheck(self, session: Session, rows: list[BatchRow], now: datetime) -> list[BatchRow]:
        """The rows still to issue. Since the dry run a number may have been issued (the row
        becomes a duplicate) or the accreditation may have changed (the row fails)."""
        numbers = [row.number for row in rows if row.number]
        taken = plan.existing_numbers(session, self.organization, self.kind, numbers)
        taken_by_jobs = numbers_in_other_jobs(session, self.organization, self.job_id, numbers)
        scope = plan.ScopeMemo(session, self.organization, now)
        field = NUMBER_COLUMN[self.kind]
        live: list[BatchRow] = []
        for row in rows:
            holders = [h for h in taken.get(row.number or "", []) if h != row.replaces]
            holders += taken_by_jobs.get(row.number or "", [])
            outside = scope.stored_problems(self.kind, row.request or {})
            if holders:
                reason = f"number {row.number} was issued meanwhile ({holders[0]})"
                row.outcome, row.state, row.done_at = "duplicate", "skipped", now
                row.problems = [{"field": field, "reason": reason}]
            elif outside:
                row.state, row.done_at = "failed", now
                row.problems = [problem.as_json() for problem in outside]
            else:
                live.append(row)
        return live

    def _store(self, signed: list[Signed], reserved: dict[int, Reserved]) -> None:
        with self.context.sessions() as session:
            now = self.context.clock()
            self._check_lease(session, now)
            errors = {s.row: s.error for s in signed if s.error is not None}
            entries: list[chain.Entry] = []
            for item in signed:  # status lists are locked before the audit head
                earlier = reserved[item.row].replaces
                if item.row in errors or earlier is None:
                    continue
                done = renewal.supersede(
                    session, self.organization, earlier, item.credential_id, now=now
                )
                if isinstance(done, str):
                    errors[item.row] = done
                else:
                    entries.append(done)
            good = [s for s in signed if s.row not in errors]
            if good:
                bulk.insert_many(
                    session,
                    cast(Table, IssuedCredential.__table__),
                    [self._credential_values(s, reserved[s.row], now) for s in good],
                )
            entries += [self._audit_entry(s, reserved[s.row]) for s in good]
            chain.record_many(session, actor=self.actor, entries=entries, at=now)
            issued: list[dict[str, Any]] = [
                {
                    "job_id": self.job_id,
                    "row": s.row,
                    "state": "issued",
                    "done_at": now,
                    "request": None,
                    "problems": [],
                }
                for s in good
            ]
            failed: list[dict[str, Any]] = [
                {
                    "job_id": self.job_id,
                    "row": row,
                    "state": "failed",
                    "done_at": now,
                    "problems": [{"field": "row", "reason": reason}],
                }
                for row, reason in errors.items()
            ]
            update_rows(session, issued)
            update_rows(session, failed)
            session.commit()
        self.done += len(signed)
        self._report()

    def _credential_values(self, item: Signed, row: Reserved, now: datetime) -> dict[str, Any]:
        return {
            "id": item.credential_id,
            "organization_id": self.organization.id,
            "kind": self.kind,
            "number": row.number,
            "learner_name": row.learner_name,
            "learner_did": row.learner_did,
            "format": "ldp",
            "document": item.document,
            "valid_from": parse_datetime_stamp(item.valid_from) or now,
            "valid_until": parse_datetime_stamp(item.valid_until),
            "issued_at": now,
            "signing_key_id": self._signing_key_id,
            "revocation_list_id": row.revocation[0],
            "revocation_index": row.revocation[1],
            "suspension_list_id": row.suspension[0],
            "suspension_index": row.suspension[1],
            "revoked": False,
            "suspended": False,
            "replaces": row.replaces,
            "idempotency_key": f"batch:{self.job_id}:{row.row}",
            "request_hash": row.request_digest,
            "template_request": item.template_request,
        }

    def _audit_entry(self, item: Signed, row: Reserved) -> chain.Entry:
        return chain.Entry(
            "credential.issue",
            item.credential_id,
            {
                "organization": self.organization.slug,
                "kind": self.kind,
                "number": row.number,
                "format": "ldp",
                "replaces": row.replaces,
                "batch": self.job_id,
                "row": row.row,
            },
        )


def _model(kind: str) -> type[XCertificateRequest] | type[DiplomaRequest]:
    return XCertificateRequest if kind == "x-certificate" else DiplomaRequest
