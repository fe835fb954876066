"""``onex admin create`` and ``onex org create|accredit|list``: the supervisor's side, scripted.

Each command works on the configured database (``ONEX_*`` settings; it is migrated first),
writes its change and its audit entry in one transaction, and prints what it made — with
``--json``, as one JSON object for scripts. API keys are printed once and never again.

Dates: ``2026-01-01`` means that whole day in UTC (``--from`` its first second, ``--until``
its last); a full timestamp needs a zone (``2026-01-01T08:00:00+08:00``).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.orm import Session

from issuer import accreditation as acc
from issuer import organizations as orgs
from issuer.audit import record
from issuer.auth import create_api_key
from issuer.context import IssuerContext
from issuer.models import Organization, Supervisor
from service.app import build_issuer_context
from service.cli_admin import admin, org
from service.db import create_database_engine, create_session_factory
from service.migrate import upgrade
from service.settings import Settings

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _now() -> datetime:
    return datetime.now(UTC)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


@contextmanager
def issuer_context() -> Iterator[IssuerContext]:
    """The issuer's context over the configured, migrated database."""
    settings = Settings()
    try:
        settings.check_production()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    engine = create_database_engine(settings)
    try:
        upgrade(engine)
        yield build_issuer_context(settings, create_session_factory(engine), _now)
    finally:
        engine.dispose()


def _fail(exc: Exception) -> click.ClickException:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "scope"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return click.ClickException(f"{where}: {first['msg']}{more}")
    return click.ClickException(str(exc))


def _emit(as_json: bool, data: dict[str, Any], lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(lines))


@admin.command(name="create")
@click.option(
    "--name", required=True, help="The supervising body, e.g. 教育部职业教育与成人教育司."
)
@JSON_OPTION
def create_supervisor(name: str, as_json: bool) -> None:
    """Create a supervisor account and print its API key (shown once)."""
    if not name.strip():
        raise click.ClickException("--name must not be empty")
    with issuer_context() as context, context.sessions() as session:
        now = context.clock()
        supervisor = Supervisor(name=name.strip(), created_at=now)
        session.add(supervisor)
        session.flush()
        key, text = create_api_key(
            session,
            role="supervisor",
            supervisor_id=supervisor.id,
            label="created by onex admin create",
            now=now,
        )
        record(
            session,
            actor=_actor(),
            action="supervisor.create",
            subject=f"supervisor:{supervisor.id}",
            data={"name": supervisor.name, "apiKeyPrefix": key.prefix},
            at=now,
        )
        session.commit()
    _emit(
        as_json,
        {"id": supervisor.id, "name": supervisor.name, "apiKey": text},
        [
            f"supervisor {supervisor.id} ({supervisor.name}) created",
            f"API key (shown once, keep it safe): {text}",
        ],
    )


@org.command(name="create")
@click.option("--slug", required=True, help="3–64 of a–z, 0–9, '-'; used in URLs and the DID.")
@click.option("--kind", required=True, type=click.Choice(orgs.KINDS))
@click.option("--name-zh", required=True, help="The name in Chinese.")
@click.option("--name-en", required=True, help="The name in English.")
@click.option("--code", default=None, help="The ministry's code for the organization.")
@click.option("--did-method", type=click.Choice(orgs.DID_METHODS), default="web", show_default=True)
@click.option(
    "--key-algorithm", type=click.Choice(orgs.KEY_ALGORITHMS), default="Ed25519", show_default=True
)
@JSON_OPTION
def create_organization(
    slug: str,
    kind: str,
    name_zh: str,
    name_en: str,
    code: str | None,
    did_method: str,
    key_algorithm: str,
    as_json: bool,
) -> None:
    """Register an organization with its first signing key; print its DID and API key (once)."""
    with issuer_context() as context, context.sessions() as session:
        now, actor = context.clock(), _actor()
        try:
            organization = orgs.register_organization(
                session,
                context=context,
                slug=slug,
                kind=kind,
                name_zh=name_zh,
                name_en=name_en,
                code=code,
                did_method=did_method,
                key_algorithm=key_algorithm,
                actor=actor,
                now=now,
            )
        except (ValueError, orgs.OrganizationConflictError) as exc:
            raise _fail(exc) from exc
        _, text = orgs.issue_api_key(session, organization, actor=actor, now=now, label="first key")
        session.commit()
        did = organization.did
    _emit(
        as_json,
        {"slug": slug, "kind": kind, "did": did, "apiKey": text},
        [
            f"organization {slug} ({kind}) registered",
            f"DID: {did}",
            f"API key (shown once, keep it safe): {text}",
        ],
    )


def _parse_named(values: tuple[str, ...], option: str) -> list[dict[str, str]]:
    named = []
    for value in values:
        parts = value.split(":", 2)
        if len(parts) != 3 or not all(part.strip() for part in parts):
            raise click.BadParameter(
                f"{value!r} is not CODE:中文名:English name", param_hint=option
            )
        named.append({"code": parts[0].strip(), "nameZh": parts[1], "nameEn": parts[2]})
    return named


def _parse_moment(value: str, option: str, *, end_of_day: bool) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not a date or an ISO 8601 timestamp", param_hint=option
        ) from exc
    if moment.utcoffset() is None:
        raise click.BadParameter(f"{value!r} has no time zone (add Z or +08:00)", param_hint=option)
    return moment


def _scope(
    kind: str,
    domains: tuple[str, ...],
    levels: tuple[str, ...],
    education_levels: tuple[str, ...],
    majors: tuple[str, ...],
) -> dict[str, Any]:
    if kind == "evaluation-organization":
        if education_levels or majors:
            raise click.UsageError(
                "an evaluation organization is accredited with "
                "--skill-domain and --level, not --education-level/--major"
            )
        return {"skillDomains": _parse_named(domains, "--skill-domain"), "levels": list(levels)}
    if domains or levels:
        raise click.UsageError(
            "a school is accredited with --education-level and --major, not --skill-domain/--level"
        )
    return {"educationLevels": list(education_levels), "majors": _parse_named(majors, "--major")}


@org.command(name="accredit")
@click.argument("slug")
@click.option(
    "--skill-domain",
    "domains",
    multiple=True,
    metavar="CODE:ZH:EN",
    help="A skill domain (evaluation organization); repeatable.",
)
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.Choice(acc.LEVELS),
    help="A level (evaluation organization); repeatable.",
)
@click.option(
    "--education-level",
    "education_levels",
    multiple=True,
    type=click.Choice(acc.EDUCATION_LEVELS),
    help="An education level (school); repeatable.",
)
@click.option(
    "--major", "majors", multiple=True, metavar="CODE:ZH:EN", help="A major (school); repeatable."
)
@click.option(
    "--from",
    "valid_from",
    required=True,
    metavar="DATE",
    help="Start: a date (that day, UTC) or a timestamp with a zone.",
)
@click.option(
    "--until",
    "valid_until",
    required=True,
    metavar="DATE",
    help="End, included: a date (through that day, UTC) or a timestamp with a zone.",
)
@JSON_OPTION
def accredit_organization(
    slug: str,
    domains: tuple[str, ...],
    levels: tuple[str, ...],
    education_levels: tuple[str, ...],
    majors: tuple[str, ...],
    valid_from: str,
    valid_until: str,
    as_json: bool,
) -> None:
    """Accredit organization SLUG for a scope and period."""
    start = _parse_moment(valid_from, "--from", end_of_day=False)
    until = _parse_moment(valid_until, "--until", end_of_day=True)
    with issuer_context() as context, context.sessions() as session:
        organization = orgs.get_organization(session, slug)
        if organization is None:
            raise click.ClickException(f"no organization with slug {slug!r}")
        scope = _scope(organization.kind, domains, levels, education_levels, majors)
        try:
            row = acc.accredit(
                session, organization, scope, start, until, _actor(), context.clock()
            )
        except ValueError as exc:
            raise _fail(exc) from exc
        view = acc.AccreditationView.of(row, organization)
        session.commit()
    data = view.model_dump(mode="json", by_alias=True)
    _emit(
        as_json,
        {"organization": slug, **data},
        [
            f"accreditation {view.id} of {slug}: {data['validFrom']} – {data['validUntil']}",
            f"scope: {json.dumps(data['scope'], ensure_ascii=False)}",
        ],
    )


@org.command(name="list")
@JSON_OPTION
def list_organizations(as_json: bool) -> None:
    """Every organization with its DID and accreditations."""
    with issuer_context() as context, context.sessions() as session:
        listed = [
            _summary(session, organization) for organization in orgs.list_organizations(session)
        ]
    if as_json:
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    if not listed:
        click.echo("no organization is registered")
    for item in listed:
        click.echo(
            f"{item['slug']}\t{item['kind']}\t{item['nameZh']} / {item['nameEn']}\t{item['did']}"
        )
        for view in item["accreditations"]:
            click.echo(
                f"    #{view['id']} {view['status']} {view['validFrom']} – {view['validUntil']}"
            )


def _summary(session: Session, organization: Organization) -> dict[str, Any]:
    views = [
        acc.AccreditationView.of(row, organization).model_dump(mode="json", by_alias=True)
        for row in acc.accreditations_of(session, organization)
    ]
    return {
        "slug": organization.slug,
        "kind": organization.kind,
        "nameZh": organization.name_zh,
        "nameEn": organization.name_en,
        "did": organization.did,
        "didMethod": organization.did_method,
        "accreditations": views,
    }
