"""VC-API verification (``POST /credentials/verify``, ``POST /presentations/verify``,
``POST /challenges``) and ``POST /verify/upload``.

Public: no account, never 401. The answer is the report: 200 when verified, 400 when a check
failed (``verdict: invalid``), 422 when a check could not be done (``verdict:
undetermined``). A request the verifier cannot make sense of (an unknown ``options.checks``
name) is a 400 problem; nothing a document contains makes a 500.

Every route here (and the verification page, wired by ``service/``) first takes a token from
the client address's bucket (:mod:`verifier.ratelimit`, ``ONEX_VERIFY_RATE`` and
``ONEX_VERIFY_BURST``): a client over its rate gets a 429 problem with ``Retry-After`` and no
work is done for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vc import problems as w3c
from vc.report import CheckResult, Problem
from vc.verify import is_presentation
from verifier.checks import Finding
from verifier.claims import as_list
from verifier.context import VerifierContext, VerifierDep, verifier_context
from verifier.inputs import InputError, Submission, read_text, read_upload
from verifier.pipeline import CheckOptions, parse_checks
from verifier.ratelimit import RateExceeded
from verifier.report import Kind, Report, combined_json

LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many verification requests from this client; see Retry-After.",
        "content": {"application/problem+json": {}},
    },
}
MAX_PRESENTED = 100
"""Credentials a JSON presentation may hold; one with more is refused before any is verified
(the body cap alone would let about 250 through, each verified in full)."""
REFERENCE_PARAMETERS = ("ref", "code", "grant")
"""Query parameters with which ``GET /verify`` verifies (a grant URL or code, a JWT)."""


def too_many(exc: RateExceeded) -> HTTPException:
    """The 429 problem for a client over its rate."""
    seconds = exc.retry_after_seconds
    return HTTPException(
        429,
        {
            "title": "Too Many Requests",
            "detail": f"too many verification requests from this client; retry in {seconds} s",
        },
        headers={"Retry-After": str(seconds)},
    )


async def within_rate(request: Request) -> None:
    """Take a token for the client's address, or refuse with 429 before any work is done.

    (``async``: a plain function would run in the thread pool, a needless hop on the hot path.)
    A ``GET`` counts only when it asks for a verification (:data:`REFERENCE_PARAMETERS`).
    """
    context = await verifier_context(request)
    if context.limiter is None:
        return
    if request.method == "GET" and not any(
        name in request.query_params for name in REFERENCE_PARAMETERS
    ):
        return
    client = request.client.host if request.client is not None else "unknown"
    try:
        context.limiter.take(client)
    except RateExceeded as exc:
        raise too_many(exc) from None


router = APIRouter(dependencies=[Depends(within_rate)], responses=LIMITED)

STATUS_CODES = {"valid": 200, "invalid": 400, "undetermined": 422}
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Verified: every check passed."},
    400: {"description": "Not verified: a check failed (the report says which and why)."},
    422: {"description": "Not verified: a check could not be done (the report says why)."},
}


class VerifyOptions(BaseModel):
    """VC-API verification options."""

    model_config = ConfigDict(extra="allow")

    checks: list[str] | None = Field(
        None,
        description='Only these checks (e.g. `["proof"]` checks the Data Integrity proof '
        "alone); names: well-formed, proof, issuer-key, issuer-accredited, key-active, "
        "validity-period, status, holder-binding, challenge, subject-binding.",
    )
    challenge: str | None = Field(None, max_length=256, description="Expected proof challenge.")
    domain: str | None = Field(None, max_length=256, description="Expected proof domain.")


class VerifyCredentialRequest(BaseModel):
    verifiableCredential: Any = Field(
        None, description="A credential: JSON with a Data Integrity proof, or a vc+jwt string."
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class VerifyPresentationRequest(BaseModel):
    verifiablePresentation: Any = Field(
        None, description="A presentation: JSON with a Data Integrity proof, or a vp+jwt string."
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class VerificationResponse(BaseModel):
    """The report (see the verifier's documentation for every field)."""

    model_config = ConfigDict(extra="allow")

    verified: bool
    verdict: str
    checks: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class ChallengeResponse(BaseModel):
    challenge: str
    expires: str


def answer(reports: Sequence[Report]) -> JSONResponse:
    """The report(s) as JSON with the status code of the verdict."""
    body = combined_json(reports)
    body["errors"] = [p.to_json() for r in reports for p in r.problems]
    body["warnings"] = [
        {"type": "https://onex.cn/problems#STALE_CACHE", "title": "Stale cache", "detail":
         f"{use.url} was used from a cache {use.age_seconds:.0f} s old (past its lifetime)"}
        for r in reports for use in r.cache if use.stale
    ]  # fmt: skip
    return JSONResponse(body, status_code=STATUS_CODES[body["verdict"]])


def refusal(context: VerifierContext, name: str, message: str, kind: Kind) -> Report:
    """A report with one failed check (the input itself was unusable)."""
    problem = Problem.of(w3c.PARSING_ERROR, message)
    finding = Finding(CheckResult(name, "failed", (problem,)), message)
    return Report(kind, (finding,), (), (), context.clock())


def _options(options: VerifyOptions, state: str | None = None) -> CheckOptions:
    try:
        checks = parse_checks(options.checks)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return CheckOptions(checks, options.challenge, options.domain, state)


@router.post(
    "/credentials/verify",
    tags=["vc-api"],
    operation_id="vc_api_verify_credential",
    summary="VC-API: verify a credential (JSON or vc+jwt): every check, one verdict.",
    response_model=VerificationResponse,
    responses=REPORT_RESPONSES,
)
def verify_credential(body: VerifyCredentialRequest, context: VerifierDep) -> JSONResponse:
    options = _options(body.options)
    document = body.verifiableCredential
    if document is None:
        message = "verifiableCredential is required"
        return answer([refusal(context, "well-formed", message, "credential")])
    if is_presentation(document):
        message = "this is a presentation: send it to /presentations/verify"
        return answer([refusal(context, "well-formed", message, "credential")])
    return answer([context.verifier.verify(document, options)])


@router.post(
    "/presentations/verify",
    tags=["vc-api"],
    operation_id="vc_api_verify_presentation",
    summary="VC-API: verify a presentation (JSON or vp+jwt), its challenge and domain, and "
    "every credential in it.",
    response_model=VerificationResponse,
    responses=REPORT_RESPONSES,
)
def verify_presentation(body: VerifyPresentationRequest, context: VerifierDep) -> JSONResponse:
    document = body.verifiablePresentation
    if isinstance(document, dict):
        held = len(as_list(document.get("verifiableCredential")))
        if held > MAX_PRESENTED:
            message = (
                f"the presentation holds {held} credentials; at most {MAX_PRESENTED} are verified"
            )
            return answer([refusal(context, "well-formed", message, "presentation")])
    challenge = body.options.challenge
    state = context.challenges.spend(challenge) if challenge is not None else None
    options = _options(body.options, state)
    if document is None:
        message = "verifiablePresentation is required"
        return answer([refusal(context, "well-formed", message, "presentation")])
    if isinstance(document, dict) and not is_presentation(document):
        message = "this is not a VerifiablePresentation: send a credential to /credentials/verify"
        return answer([refusal(context, "well-formed", message, "presentation")])
    return answer([context.verifier.verify(document, options)])


@router.post(
    "/challenges",
    tags=["vc-api"],
    operation_id="vc_api_create_challenge",
    status_code=201,
    response_model=ChallengeResponse,
    summary="VC-API: a challenge for a presentation (single use, expiring).",
)
def create_challenge(context: VerifierDep) -> ChallengeResponse:
    issued = context.challenges.issue()
    return ChallengeResponse(
        challenge=issued.challenge, expires=issued.expires.isoformat().replace("+00:00", "Z")
    )


def verify_submission(context: VerifierContext, submission: Submission) -> list[Report]:
    """Verify every document of a submission (a grant may share several)."""
    state = None
    if submission.challenge is not None:
        state = context.challenges.spend(submission.challenge)
    options = CheckOptions(None, submission.challenge, submission.domain, state)
    return [context.verifier.verify(document, options) for document in submission.documents]


async def read_input(
    context: VerifierContext, file: UploadFile | None, text: str | None
) -> Submission:
    """The submission from an uploaded file or a text field; :class:`InputError` otherwise."""
    now = context.clock()
    if file is not None and file.filename:
        data = await file.read()
        if data:
            return read_upload(data, context.grants, now=now)
    if text is not None and text.strip():
        return read_text(text, context.grants, now=now)
    raise InputError("send a file (a QR code image, or a JSON or JWT file) or a text")


@router.post(
    "/verify/upload",
    tags=["verify"],
    operation_id="verify_upload",
    summary="Verify an uploaded QR code image (PNG/JPEG), a JSON or JWT file, or a text "
    "(credential, presentation, JWT, grant URL or code).",
    response_model=VerificationResponse,
    responses=REPORT_RESPONSES,
)
async def verify_upload(
    context: VerifierDep,
    file: Annotated[UploadFile | None, File(description="An image or a file.")] = None,
    text: Annotated[str | None, Form(max_length=262144)] = None,
) -> JSONResponse:
    try:
        submission = await read_input(context, file, text)
    except InputError as exc:
        return answer([refusal(context, "well-formed", exc.message, "credential")])
    reports = await run_in_threadpool(verify_submission, context, submission)
    return answer(reports)
