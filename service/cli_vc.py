"""``onex keygen``, ``onex sign`` and ``onex verify``: the core library from the shell.

Exit codes: 0 success (all verified); 1 an input was bad or did not verify; 2 a usage error.
Every error is one line naming the input and what was wrong, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from vc.cryptosuites import ALL_SUITES, SIGNING_SUITES, Cryptosuite, suite_by_name
from vc.data_integrity import ProofOptions, add_proof, format_datetime
from vc.did.key import did_key, did_key_verification_method
from vc.did.resolver import DIDResolver
from vc.errors import VCError
from vc.jsonld import DocumentLoader
from vc.keys import KeyPair, parse_algorithm
from vc.verify import VerifyOptions, verify_document

_DEFAULT_SUITES = {
    "Ed25519": "eddsa-rdfc-2022",
    "P-256": "ecdsa-rdfc-2019",
    "P-384": "ecdsa-rdfc-2019",
}
_CONTEXTS_HELP = "Also serve the contexts of DIR (files plus an index.json of URL → file)."


def _loader(contexts: Path | None) -> DocumentLoader:
    loader = DocumentLoader.bundled()
    if contexts is None:
        return loader
    try:
        return loader.with_directory(contexts)
    except VCError as exc:
        raise click.UsageError(f"--contexts {contexts}: {exc.message}") from exc


def _read_inputs(files: tuple[str, ...]) -> Iterator[tuple[str, Any, str | None]]:
    """Yield (name, parsed JSON or None, error) for each input; '-' is standard input."""
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield name, None, f"cannot read {name}: {exc}"
            continue
        try:
            yield name, json.loads(text), None
        except ValueError as exc:
            yield name, None, f"{name} is not JSON: {exc}"
        except RecursionError:
            yield name, None, f"{name} is nested too deeply to read as JSON"


@click.command()
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["ed25519", "p-256", "p-384"], case_sensitive=False),
    default="ed25519",
    show_default=True,
    help="The key algorithm.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the key pair here (mode 0600) instead of standard output.",
)
def keygen(key_type: str, out: Path | None) -> None:
    """Write a new Multikey key pair as JSON (id and controller as did:key)."""
    pair = KeyPair.generate(parse_algorithm(key_type))
    document = {
        "type": "Multikey",
        "id": did_key_verification_method(pair.public),
        "controller": did_key(pair.public),
        "publicKeyMultibase": pair.public.multibase,
        "secretKeyMultibase": pair.secret_multibase,
    }
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that already exists
    except OSError as exc:
        raise click.UsageError(f"--out {out}: cannot write the key pair: {exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote {pair.algorithm} key {document['id']} to {out}", err=True)


def _load_key(path: Path) -> tuple[KeyPair, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"--key {path}: cannot read a key-pair JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise click.UsageError(f"--key {path}: a key pair must be a JSON object")
    secret = data.get("secretKeyMultibase") or data.get("privateKeyMultibase")
    if not isinstance(secret, str):
        raise click.UsageError(f"--key {path}: no secretKeyMultibase or privateKeyMultibase")
    try:
        pair = KeyPair.from_multibase(secret)
    except VCError as exc:
        raise click.UsageError(f"--key {path}: {exc.message}") from exc
    public = data.get("publicKeyMultibase")
    if public is not None and public != pair.public.multibase:
        raise click.UsageError(f"--key {path}: publicKeyMultibase does not match the secret key")
    return pair, data


def _created(value: str | None) -> str:
    if value is None:
        return format_datetime(datetime.now(UTC))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.UsageError(f"--created {value!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise click.UsageError(f"--created {value!r} needs a time zone (e.g. Z)")
    return value


@click.command()
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Multikey key-pair JSON (secretKeyMultibase or privateKeyMultibase).",
)
@click.option(
    "--suite",
    type=click.Choice([s.name for s in SIGNING_SUITES]),
    help="The cryptosuite [default: eddsa-rdfc-2022 for Ed25519, ecdsa-rdfc-2019 for P-256/P-384].",
)
@click.option(
    "--verification-method",
    help="The verification method URL [default: the key file's id, else the key's did:key method].",
)
@click.option("--created", help="The proof's created date-time [default: now].")
@click.option("--purpose", default="assertionMethod", show_default=True, help="The proof purpose.")
@click.option("--challenge", help="A challenge to bind the proof to.")
@click.option("--domain", help="A domain to bind the proof to.")
@click.option(
    "--contexts", type=click.Path(file_okay=False, exists=True, path_type=Path), help=_CONTEXTS_HELP
)
@click.argument("files", nargs=-1, required=True)
def sign(
    key_path: Path,
    suite: str | None,
    verification_method: str | None,
    created: str | None,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    contexts: Path | None,
    files: tuple[str, ...],
) -> None:
    """Add a Data Integrity proof to each JSON-LD document in FILES ('-' = stdin).

    Prints the signed document; with several inputs, one JSON line per input.
    """
    pair, key_json = _load_key(key_path)
    chosen = _signing_suite(suite, pair)
    options = ProofOptions(
        verification_method=verification_method
        or key_json.get("id")
        or did_key_verification_method(pair.public),
        proof_purpose=purpose,
        created=_created(created),
        challenge=challenge,
        domain=domain,
    )
    loader = _loader(contexts)
    failed = False
    for name, document, error in _read_inputs(files):
        if error is None and not isinstance(document, dict):
            error = f"{name}: a JSON-LD document must be a JSON object"
        if error is None:
            try:
                signed = add_proof(document, suite=chosen, key=pair, options=options, loader=loader)
            except VCError as exc:
                error = f"{name}: cannot sign: {exc.message}"
        if error is not None:
            click.echo(f"error: {error}", err=True)
            failed = True
            continue
        click.echo(json.dumps(signed, ensure_ascii=False, indent=None if len(files) > 1 else 2))
    sys.exit(1 if failed else 0)


def _signing_suite(name: str | None, pair: KeyPair) -> Cryptosuite:
    chosen = suite_by_name(name or _DEFAULT_SUITES[pair.algorithm], SIGNING_SUITES)
    if pair.algorithm not in chosen.key_algorithms:
        raise click.UsageError(f"--suite {chosen.name} cannot sign with an {pair.algorithm} key")
    return chosen


@click.command()
@click.option(
    "--proof-only",
    is_flag=True,
    help="Check the Data Integrity proofs alone (as the W3C suites do).",
)
@click.option("--challenge", help="The challenge a presentation's proof must carry.")
@click.option("--domain", help="The domain a presentation's proof must carry.")
@click.option(
    "--suite",
    "suites",
    multiple=True,
    type=click.Choice([s.name for s in ALL_SUITES]),
    help="Accept only these cryptosuites (repeatable) [default: all].",
)
@click.option(
    "--contexts", type=click.Path(file_okay=False, exists=True, path_type=Path), help=_CONTEXTS_HELP
)
@click.option(
    "--did-document",
    "did_documents",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A DID document (JSON) to resolve its DID from, e.g. an organization's did:web "
    "document (repeatable). did:key needs none; nothing is fetched from the network.",
)
@click.argument("files", nargs=-1, required=True)
def verify(
    proof_only: bool,
    challenge: str | None,
    domain: str | None,
    suites: tuple[str, ...],
    contexts: Path | None,
    did_documents: tuple[Path, ...],
    files: tuple[str, ...],
) -> None:
    """Verify each credential or presentation in FILES ('-' = stdin), in one process.

    Prints one JSON line per input: {"input", "verified", "checks": [...]}; each failed check
    lists its problems with W3C problem types. Exit 0 when all verified, 1 when any did not.
    """
    options = VerifyOptions(
        resolver=_resolver(did_documents),
        loader=_loader(contexts),
        now=datetime.now(UTC),
        suites=tuple(suite_by_name(name) for name in suites) or ALL_SUITES,
        proof_only=proof_only,
        challenge=challenge,
        domain=domain,
    )
    all_verified = True
    for name, document, error in _read_inputs(files):
        line = _verify_line(name, document, error, options)
        all_verified &= bool(line["verified"])
        click.echo(json.dumps(line, ensure_ascii=False))
    sys.exit(0 if all_verified else 1)


def _resolver(paths: tuple[Path, ...]) -> DIDResolver:
    documents: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.UsageError(f"--did-document {path}: not a JSON document: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise click.UsageError(f"--did-document {path}: a DID document needs an id")
        documents[document["id"]] = document
    return DIDResolver(documents=documents, allow_http=True)


def _verify_line(
    name: str, document: Any, error: str | None, options: VerifyOptions
) -> dict[str, Any]:
    if error is not None:
        problem = {
            "type": "https://www.w3.org/TR/vc-data-model#PARSING_ERROR",
            "title": "Parsing error",
            "detail": error,
            "property": None,
        }
        return {
            "input": name,
            "verified": False,
            "checks": [{"name": "readable", "status": "failed", "problems": [problem]}],
        }
    return {"input": name, **verify_document(document, options).to_json()}


__all__ = ["keygen", "sign", "verify"]
