"""``onex batch FILE --org ORG``: issue a whole class or exam session from one file.

The file is judged first (the dry run: every row new, renewal, duplicate or invalid); with
``--dry-run`` nothing more happens and the planned job can be run later with ``--resume``.
Otherwise the valid rows are issued with a progress bar, using every core, and a summary is
printed. Running the same file again for the same organization picks up the job it made
(resuming it if it was interrupted) instead of issuing anything twice; ``--resume JOB`` resumes
a job by its id, e.g. after the process was killed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from issuer.batch.columns import KINDS
from issuer.batch.jobs import JobStateError
from issuer.batch.plan import PlanError, expected_kind, plan_batch
from issuer.batch.reader import BatchFileError
from issuer.batch.report import JobSummary, report_csv, report_rows, summarize
from issuer.batch.runner import run_job
from issuer.context import IssuerContext
from issuer.models import BatchJob, Organization
from issuer.organizations import get_organization
from service.cli_org import _actor, issuer_context

_SHOWN_PROBLEMS = 20


@click.command(name="batch")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--org", "slug", required=True, help="The issuing organization's slug.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="The credential kind [default: what the organization issues].",
)
@click.option("--dry-run", is_flag=True, help="Judge every row and plan the job; issue nothing.")
@click.option("--resume", "job_id", help="Resume (or start) the job with this id.")
@click.option(
    "--workers", type=click.IntRange(min=0), help="Signing processes [default: one per core]."
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1, max=5000),
    default=500,
    show_default=True,
    help="Rows reserved, signed and committed together.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the per-row report (CSV) here at the end.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def batch(
    file: Path | None,
    slug: str,
    kind: str | None,
    dry_run: bool,
    job_id: str | None,
    workers: int | None,
    chunk_size: int,
    report_path: Path | None,
    as_json: bool,
) -> None:
    """Issue the credentials of FILE (CSV, XLSX or JSON lines) for organization ORG.

    Columns: see GET /batches/templates/{kind}.csv (headers in English or Chinese).
    """
    if file is None and job_id is None:
        raise click.UsageError("give a FILE, or --resume JOB")
    actor = _actor()
    with issuer_context() as context:
        with context.sessions() as session:
            organization = get_organization(session, slug)
            if organization is None:
                raise click.ClickException(f"no organization {slug!r}")
            if job_id is None and file is not None:
                job_id = _plan_or_find(session, context, organization, file, kind, actor, dry_run)
            else:
                _own_job(session, organization, job_id or "")
        if not dry_run:
            _run(context, job_id or "", actor, workers, chunk_size, quiet=as_json)
        with context.sessions() as session:
            job = _own_job(session, organization, job_id or "")
            summary = summarize(session, job, context.clock())
            kek = context.key_encryption_key
            not_issued = [
                *report_rows(session, job, kek, state="skipped"),
                *report_rows(session, job, kek, state="failed"),
            ]
            problems = sorted((r for r in not_issued if r.problems), key=lambda r: r.row)
            if report_path is not None:
                with report_path.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(report_csv(session, job, kek))
    _print_summary(summary, problems, as_json, report_path)


def _plan_or_find(
    session: Session,
    context: IssuerContext,
    organization: Organization,
    file: Path,
    kind: str | None,
    actor: str,
    dry_run: bool,
) -> str:
    """The job of this file: an unfinished or finished one for the same bytes, or a new plan."""
    data = file.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    wanted = kind or expected_kind(organization)
    earlier = session.scalar(
        select(BatchJob)
        .where(
            BatchJob.organization_id == organization.id,
            BatchJob.kind == wanted,
            BatchJob.source_sha256 == digest,
            BatchJob.state != "cancelled",
        )
        .order_by(BatchJob.created_at.desc())
    )
    if earlier is not None and not (dry_run and earlier.state == "planned"):
        click.echo(f"{file.name} was uploaded before as {earlier.id} ({earlier.state})", err=True)
        return earlier.id
    try:
        job = plan_batch(
            session,
            context,
            organization,
            data,
            name=file.name,
            actor=actor,
            kind=wanted,  # type: ignore[arg-type]
        )
    except (BatchFileError, PlanError) as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    return job.id


def _own_job(session: Session, organization: Organization, job_id: str) -> BatchJob:
    job = session.get(BatchJob, job_id)
    if job is None or job.organization_id != organization.id:
        raise click.ClickException(f"no batch job {job_id!r} of {organization.slug!r}")
    return job


def _run(
    context: IssuerContext,
    job_id: str,
    actor: str,
    workers: int | None,
    chunk_size: int,
    *,
    quiet: bool,
) -> None:
    bar = tqdm(total=0, unit="row", desc="issuing", disable=quiet, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        run_job(
            context,
            job_id,
            actor=actor,
            workers=workers,
            chunk_size=chunk_size,
            progress=progress,
        )
    except JobStateError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        bar.close()


def _print_summary(
    summary: JobSummary, problems: list[Any], as_json: bool, report_path: Path | None
) -> None:
    data = {
        "job": summary.id,
        "kind": summary.kind,
        "state": summary.state,
        "rows": summary.rows,
        "outcomes": summary.outcomes,
        "deliveries": summary.deliveries,
        "states": summary.states,
        "problems": [{"row": p.row, "number": p.number, "problems": p.problems} for p in problems],
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    outcomes = ", ".join(f"{count} {name}" for name, count in summary.outcomes.items())
    states = summary.states
    lines = [
        f"job {summary.id} ({summary.kind}): {summary.state}",
        f"  dry run: {summary.rows} rows — {outcomes}",
        f"  issued {states['issued']}, offered {states['offered']}, failed {states['failed']}, "
        f"skipped {states['skipped']}, waiting {states['pending'] + states['reserved']}",
    ]
    for item in problems[:_SHOWN_PROBLEMS]:
        text = "; ".join(f"{p['field']}: {p['reason']}" for p in item.problems)
        lines.append(f"  row {item.row}: {text}")
    if len(problems) > _SHOWN_PROBLEMS:
        lines.append(f"  … and {len(problems) - _SHOWN_PROBLEMS} more rows not issued")
    if summary.state == "planned":
        lines.append(f"  nothing issued; run it with: onex batch --org … --resume {summary.id}")
    if report_path is not None:
        lines.append(f"  report: {report_path}")
    click.echo("\n".join(lines))
