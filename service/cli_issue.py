"""``onex issue x-certificate|diploma``: issue from the shell, for scripting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click
from pydantic import ValidationError

from issuer.accreditation import ScopeError
from issuer.issuance import issue_from_template
from issuer.organizations import get_organization
from issuer.templates.build import TemplateError
from issuer.templates.requests import DiplomaRequest, XCertificateRequest
from service.cli_org import _fail, issuer_context
from vc.errors import VCError

MODELS: dict[str, type[XCertificateRequest] | type[DiplomaRequest]] = {
    "x-certificate": XCertificateRequest,
    "diploma": DiplomaRequest,
}


@click.command(name="issue")
@click.argument("kind", type=click.Choice(sorted(MODELS)))
@click.argument("request_file", type=click.File("r", encoding="utf-8"))
@click.option("--org", "slug", required=True, help="The issuing organization's slug.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ldp", "jwt"]),
    default="ldp",
    show_default=True,
    help="Data Integrity JSON-LD, or application/vc+jwt.",
)
@click.option("--idempotency-key", help="Issue at most once under this key.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the credential here instead of standard output.",
)
def issue(
    kind: str,
    request_file: TextIO,
    slug: str,
    fmt: str,
    idempotency_key: str | None,
    out: Path | None,
) -> None:
    """Issue one credential of KIND from REQUEST_FILE ('-' = stdin).

    REQUEST_FILE is the JSON body the API takes (POST /orgs/{slug}/credentials/x-certificates or
    /diplomas; see the OpenAPI description). Prints the signed credential.
    """
    try:
        request = MODELS[kind].model_validate(json.loads(request_file.read()))
    except (ValueError, ValidationError) as exc:
        raise _fail(exc) from exc
    with issuer_context() as context, context.sessions() as session:
        organization = get_organization(session, slug)
        if organization is None:
            raise click.ClickException(f"no organization {slug!r}")
        try:
            issued = issue_from_template(
                session,
                context,
                organization,
                request,
                actor="cli",
                fmt="jwt" if fmt == "jwt" else "ldp",
                idempotency_key=idempotency_key,
            )
        except (ScopeError, TemplateError, VCError, ValueError) as exc:
            raise _fail(exc) from exc
        session.commit()
    text = (
        json.dumps(issued.credential, ensure_ascii=False, indent=2)
        if fmt == "ldp"
        else issued.credential
    )
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"issued {issued.row.id} to {out}", err=True)
