"""``onex catalogue list|add|withdraw``: the supervisor's outcome catalogue, scripted.

Same rules as ``/admin/outcome-catalogue``: one entry in force per outcome, credits above 0,
each change audited in the transaction that makes it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from issuer import outcome_catalogue as catalogue_
from service.cli_org import JSON_OPTION, _actor, _emit, issuer_context


@click.group(name="catalogue")
def catalogue() -> None:
    """The credit bank's outcome catalogue: recognized learning outcomes and their credits."""


def _line(entry: dict[str, object]) -> str:
    outcome = entry["outcome"]
    assert isinstance(outcome, dict)
    what = (
        f"X certificate {outcome['skillDomainCode']} {outcome['level']}"
        if outcome["kind"] == "x-certificate"
        else f"diploma {outcome['educationLevel']} (major {outcome['majorCode'] or 'any'})"
    )
    withdrawn = f"  withdrawn {entry['withdrawnAt']}" if entry["withdrawnAt"] else ""
    return f"{entry['id']}  {what}  {entry['credits']} credits  {entry['nameZh']}{withdrawn}"


@catalogue.command(name="list")
@click.option("--all", "include_withdrawn", is_flag=True, help="Also list withdrawn entries.")
@JSON_OPTION
def list_entries(include_withdrawn: bool, as_json: bool) -> None:
    """Print the entries in force (with --all, withdrawn ones too)."""
    with issuer_context() as context, context.sessions() as session:
        rows = catalogue_.entries(session, include_withdrawn=include_withdrawn)
        found = [catalogue_.entry_json(row) for row in rows]
    _emit(as_json, {"entries": found}, [_line(e) for e in found] or ["(no entries)"])


def _credits(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise click.BadParameter(f"{value!r} is not a number", param_hint="--credits") from exc


@catalogue.command(name="add")
@click.option("--x-certificate", "domain", metavar="DOMAIN", help="Skill domain code.")
@click.option("--level", type=click.Choice(["junior", "intermediate", "senior"]))
@click.option("--diploma", "education_level", metavar="EDUCATION_LEVEL", help="e.g. bachelor.")
@click.option("--major", default=None, help="A diploma's major code (default: any major).")
@click.option("--credits", "credits_text", required=True, help="Credit value, above 0.")
@click.option("--name-zh", required=True, help="The outcome's name in Chinese.")
@click.option("--name-en", required=True, help="The outcome's name in English.")
@JSON_OPTION
def add(
    domain: str | None,
    level: str | None,
    education_level: str | None,
    major: str | None,
    credits_text: str,
    name_zh: str,
    name_en: str,
    as_json: bool,
) -> None:
    """Recognize an X certificate (--x-certificate DOMAIN --level L) or a diploma
    (--diploma EDUCATION_LEVEL [--major CODE]) as a learning outcome worth --credits."""
    if (domain is None) == (education_level is None):
        raise click.UsageError("give either --x-certificate DOMAIN or --diploma EDUCATION_LEVEL")
    new = catalogue_.NewEntry(
        kind="x-certificate" if domain is not None else "diploma",
        name_zh=name_zh,
        name_en=name_en,
        credits=_credits(credits_text),
        skill_domain_code=domain,
        level=level,
        education_level=education_level,
        major_code=major,
    )
    with issuer_context() as context, context.sessions() as session:
        try:
            row = catalogue_.add_entry(session, new, actor=_actor(), now=context.clock())
        except catalogue_.CatalogueError as exc:
            raise click.ClickException(str(exc)) from exc
        found = catalogue_.entry_json(row)
        session.commit()
    _emit(as_json, found, [f"added {_line(found)}"])


@catalogue.command(name="withdraw")
@click.argument("entry_id")
@JSON_OPTION
def withdraw(entry_id: str, as_json: bool) -> None:
    """Stop recognizing ENTRY_ID's outcome (outcomes it recognized stop counting)."""
    with issuer_context() as context, context.sessions() as session:
        try:
            row = catalogue_.withdraw_entry(session, entry_id, actor=_actor(), now=context.clock())
        except catalogue_.CatalogueError as exc:
            raise click.ClickException(str(exc)) from exc
        found = catalogue_.entry_json(row)
        session.commit()
    _emit(as_json, found, [f"withdrew {_line(found)}"])
