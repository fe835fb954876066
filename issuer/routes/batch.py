"""Batch issuance: upload a file (dry run), run the job, follow it, download its report.

The upload is the raw file as the request body — CSV (``text/csv``), XLSX or JSON lines —
optionally gzip-compressed (``Content-Encoding: gzip``; the console compresses large files).
It is judged at once and stored as a ``planned`` job: nothing is issued until ``…/run``. A job
runs in the background of this server process; ``GET …/{id}`` gives its counts and progress.
"""

from __future__ import annotations

import logging
import threading
import zlib
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.batch import report as reports
from issuer.batch.columns import COLUMNS, Kind
from issuer.batch.jobs import JobBusy, JobStateError
from issuer.batch.plan import PlanError, plan_batch
from issuer.batch.reader import BatchFileError, FileFormat
from issuer.batch.runner import JobRun, claim_job
from issuer.batch.template_files import csv_template, jsonl_template, xlsx_template
from issuer.context import IssuerContext
from issuer.deps import CallerDep, ContextDep, SessionDep
from issuer.models import BatchJob, Organization
from issuer.routes.common import own_organization

router = APIRouter(tags=["batches"])
log = logging.getLogger(__name__)

MAX_UNCOMPRESSED = 64 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_FORMATS: dict[str, FileFormat] = {
    "text/csv": "csv",
    XLSX_TYPE: "xlsx",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
}
Language = Literal["en", "zh-CN"]
RowState = Literal["pending", "reserved", "issued", "offered", "failed", "skipped"]


class _Out(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )


class ColumnOut(_Out):
    """One column of a batch file."""

    name: str = Field(description="The English header (case, spaces, _ and - do not matter).")
    zh: str = Field(description="The Chinese header, accepted as well.")
    path: list[str] = Field(description="Where it goes in the issuance request (empty: none).")
    required: bool
    type: str
    example: str
    description: str


class BatchJobOut(_Out):
    """A batch job: the dry run's counts, the run's state and progress."""

    id: str
    kind: str
    state: Literal["planned", "running", "completed", "failed", "cancelled"]
    source_name: str
    source_format: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rows: int = Field(description="Data rows in the file.")
    outcomes: dict[str, int] = Field(description="Dry run: new, renewal, duplicate, invalid.")
    deliveries: dict[str, int] = Field(
        description="Of the rows to issue: signed credentials, and offers (no learner DID)."
    )
    states: dict[str, int] = Field(
        description="pending, reserved, issued, offered, failed, skipped."
    )
    to_do: int = Field(description="Rows the run issues (new and renewal).")
    done: int
    progress: float = Field(description="done / toDo, 0 to 1.")
    stalled: bool = Field(description="Running, but its runner is gone: run it again to resume.")
    error: str | None


class ProblemOut(_Out):
    field: str
    reason: str


class BatchRowOut(_Out):
    """One row of the file: the dry run's verdict and what the run did."""

    row: int = Field(description="The row's line (CSV, JSON lines) or sheet row (XLSX).")
    outcome: Literal["new", "renewal", "duplicate", "invalid"]
    state: str
    delivery: Literal["credential", "offer"]
    number: str | None
    learner_name: str | None
    credential_id: str | None
    claim_url: str | None = Field(description="The offer's one-time claim link (no DID).")
    replaces: str | None
    problems: list[ProblemOut]


class RowPage(_Out):
    total: int
    items: list[BatchRowOut]


class JobList(_Out):
    items: list[BatchJobOut]


def _job_out(summary: reports.JobSummary) -> BatchJobOut:
    return BatchJobOut(
        id=summary.id,
        kind=summary.kind,
        state=summary.state,
        source_name=summary.source_name,
        source_format=summary.source_format,
        created_at=summary.created_at,
        started_at=summary.started_at,
        finished_at=summary.finished_at,
        rows=summary.rows,
        outcomes=summary.outcomes,
        deliveries=summary.deliveries,
        states=summary.states,
        to_do=summary.to_do,
        done=summary.done,
        progress=summary.progress,
        stalled=summary.stalled,
        error=summary.error,
    )


def _own_job(session: Session, organization: Organization, job_id: str) -> BatchJob:
    job = session.get(BatchJob, job_id)
    if job is None or job.organization_id != organization.id:
        raise HTTPException(404, f"no batch job {job_id!r} of {organization.slug!r}")
    return job


# --- templates ---------------------------------------------------------------------------------


@router.get(
    "/batches/columns/{kind}",
    operation_id="batch_columns",
    response_model=list[ColumnOut],
    summary="The documented columns of a batch file of this kind.",
)
def batch_columns(kind: Kind) -> list[ColumnOut]:
    return [
        ColumnOut(
            name=c.name,
            zh=c.zh,
            path=list(c.path),
            required=c.required,
            type=c.type,
            example=c.example,
            description=c.description,
        )
        for c in COLUMNS[kind]
    ]


@router.get(
    "/batches/templates/{kind}.{extension}",
    operation_id="batch_template",
    summary="A template file (header row and one example row) for a batch of this kind.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}, "application/jsonl": {}}}},
)
def batch_template(
    kind: Kind, extension: Literal["csv", "xlsx", "jsonl"], lang: Language = "en"
) -> Response:
    name = f"onex-{kind}-batch-{lang}.{extension}"
    if extension == "csv":
        body, media = csv_template(kind, lang), "text/csv; charset=utf-8"
    elif extension == "xlsx":
        body, media = xlsx_template(kind, lang), XLSX_TYPE
    else:
        body, media = jsonl_template(kind), "application/jsonl"
    disposition = f'attachment; filename="{name}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


# --- jobs --------------------------------------------------------------------------------------


@router.post(
    "/orgs/{slug}/batches",
    operation_id="upload_batch",
    status_code=201,
    response_model=BatchJobOut,
    summary="Upload a batch file: every row is judged (dry run) and nothing is issued yet.",
    responses={
        403: {},
        413: {
            "description": "Over ONEX_MAX_UPLOAD_BYTES (16 MiB by default): compress CSV or "
            "JSON lines (Content-Encoding: gzip) or split the file."
        },
        422: {"description": "The file cannot be read as a batch of this kind."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_FORMATS
            },
        }
    },
)
async def upload_batch(
    slug: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    kind: Annotated[Kind | None, Query(description="Default: what the organization issues.")] = (
        None
    ),
    filename: Annotated[str, Query(max_length=300)] = "upload",
    format: Annotated[FileFormat | None, Query(description="Default: from type or name.")] = None,
    offer_days: Annotated[int, Query(alias="offerDays", ge=1, le=366)] = 30,
    content_type: Annotated[str | None, Header()] = None,
    content_encoding: Annotated[str | None, Header()] = None,
) -> BatchJobOut:
    organization = own_organization(session, slug, caller)
    data = _decoded(await request.body(), content_encoding)
    if not data.strip():
        raise HTTPException(422, "the body is empty: send the batch file as the request body")
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = format or MEDIA_FORMATS.get(media)
    try:
        job = plan_batch(
            session,
            context,
            organization,
            data,
            name=filename,
            actor=caller.label,
            kind=kind,
            fmt=fmt,
            options={"offerDays": offer_days},
        )
    except (BatchFileError, PlanError) as exc:
        session.rollback()
        raise HTTPException(422, {"title": "Not a batch file", "detail": str(exc)}) from exc
    session.commit()
    return _job_out(reports.summarize(session, job, context.clock()))


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding is None or encoding.strip().lower() in ("", "identity"):
        return body
    if encoding.strip().lower() != "gzip":
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported (use gzip)")
    try:
        inflater = zlib.decompressobj(wbits=31)
        data = inflater.decompress(body, MAX_UNCOMPRESSED)
    except zlib.error as exc:
        raise HTTPException(400, f"the body is not valid gzip: {exc}") from exc
    if inflater.unconsumed_tail:
        raise HTTPException(413, f"the file is larger than {MAX_UNCOMPRESSED} bytes unpacked")
    return data


@router.get(
    "/orgs/{slug}/batches",
    operation_id="list_batches",
    response_model=JobList,
    summary="The organization's batch jobs, newest first.",
)
def list_batches(
    slug: str,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JobList:
    organization = own_organization(session, slug, caller)
    jobs = session.scalars(
        select(BatchJob)
        .where(BatchJob.organization_id == organization.id)
        .order_by(BatchJob.created_at.desc())
        .limit(limit)
    )
    now = context.clock()
    return JobList(items=[_job_out(reports.summarize(session, job, now)) for job in jobs])


@router.get(
    "/orgs/{slug}/batches/{job_id}",
    operation_id="get_batch",
    response_model=BatchJobOut,
    summary="A batch job's counts, state and progress.",
)
def get_batch(
    slug: str, job_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> BatchJobOut:
    organization = own_organization(session, slug, caller)
    job = _own_job(session, organization, job_id)
    return _job_out(reports.summarize(session, job, context.clock()))


@router.get(
    "/orgs/{slug}/batches/{job_id}/rows",
    operation_id="list_batch_rows",
    response_model=RowPage,
    summary="The rows of a batch job (the dry-run table), in file order.",
)
def list_batch_rows(
    slug: str,
    job_id: str,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    outcome: Literal["new", "renewal", "duplicate", "invalid"] | None = None,
    state: RowState | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RowPage:
    organization = own_organization(session, slug, caller)
    job = _own_job(session, organization, job_id)
    rows = reports.report_rows(
        session,
        job,
        context.key_encryption_key,
        outcome=outcome,
        state=state,
        offset=offset,
        limit=limit,
    )
    total = reports.count_rows(session, job, outcome=outcome, state=state)
    items = [BatchRowOut.model_validate(row, from_attributes=True) for row in rows]
    return RowPage(total=total, items=items)


@router.post(
    "/orgs/{slug}/batches/{job_id}/run",
    operation_id="run_batch",
    status_code=202,
    response_model=BatchJobOut,
    summary="Start (or resume) issuing a planned job; it runs in the background.",
    responses={409: {"description": "Finished, cancelled, or running already."}},
)
def run_batch(
    slug: str, job_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> BatchJobOut:
    organization = own_organization(session, slug, caller)
    job = _own_job(session, organization, job_id)
    if job.state in ("completed", "cancelled"):
        raise HTTPException(409, f"batch job {job_id} is {job.state}")
    session.rollback()  # let the runner take the job's lock
    try:
        run = claim_job(context, job_id, actor=caller.label)
    except JobBusy as exc:
        raise HTTPException(409, str(exc)) from exc
    except JobStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    if run is not None:
        _start_in_background(context, run)
    session.expire_all()
    job = _own_job(session, organization, job_id)
    return _job_out(reports.summarize(session, job, context.clock()))


def _start_in_background(context: IssuerContext, run: JobRun) -> None:
    def work() -> None:
        try:
            run.run(workers=BACKGROUND_WORKERS)
        except Exception:  # recorded on the job as its error; the thread must not die loudly
            log.exception("batch job %s failed", run.job_id)

    threading.Thread(target=work, name=f"batch-{run.job_id}", daemon=True).start()


BACKGROUND_WORKERS: int | None = None
"""Signing processes of a job run by the server (None: one per core)."""


@router.post(
    "/orgs/{slug}/batches/{job_id}/cancel",
    operation_id="cancel_batch",
    response_model=BatchJobOut,
    summary="Discard a planned job that was never run.",
    responses={409: {"description": "The job has started."}},
)
def cancel_batch(
    slug: str, job_id: str, caller: CallerDep, session: SessionDep, context: ContextDep
) -> BatchJobOut:
    organization = own_organization(session, slug, caller)
    job = _own_job(session, organization, job_id)
    if job.state != "planned":
        raise HTTPException(409, f"batch job {job_id} is {job.state}; only a planned job cancels")
    job.state, job.finished_at = "cancelled", context.clock()
    session.commit()
    return _job_out(reports.summarize(session, job, context.clock()))


@router.get(
    "/orgs/{slug}/batches/{job_id}/report.csv",
    operation_id="batch_report",
    summary="The per-row report: outcome, state, credential id or claim link, problems.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def batch_report(
    slug: str,
    job_id: str,
    caller: CallerDep,
    session: SessionDep,
    context: ContextDep,
    lang: Language = "en",
) -> StreamingResponse:
    organization = own_organization(session, slug, caller)
    job = _own_job(session, organization, job_id)
    pieces = list(reports.report_csv(session, job, context.key_encryption_key, language=lang))
    name = f"{job.id}-report.csv"
    return StreamingResponse(
        iter(pieces),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
