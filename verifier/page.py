"""The employer's page at ``/verify``: scan, type or upload, and read a clear verdict.

Server-rendered HTML (zh-CN and en, phone-sized), every value escaped; a small script
(``static/verify.js``) adds camera scanning with the bundled QR reader and submits what it
reads. ``GET /verify?ref=…`` (also ``code=`` or ``grant=``) verifies a grant URL or code
straight away, so a grant URL can open the page; ``POST /verify`` takes the form.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from verifier.context import VerifierContext, VerifierDep
from verifier.inputs import InputError, read_text
from verifier.report import combined_json
from verifier.routes import read_input, verify_submission
from verifier.texts import LANGUAGES, Language, check_name, choose_language, t

router = APIRouter(tags=["verify"])

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The page, with the verdict if asked."}
}


def _page(body: str, language: Language, status: int = 200) -> HTMLResponse:
    other = "en" if language == "zh-CN" else "zh-CN"
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t('title', language))} · onex</title>"
        '<link rel="stylesheet" href="/verify/static/verify.css">'
        '<script src="/verify/static/jsQR.js" defer></script>'
        '<script src="/verify/static/verify.js" defer></script></head><body>'
        f"<header><h1>{escape(t('title', language))}</h1>"
        f'<a class="lang" href="/verify?lang={other}" hreflang="{other}">'
        f"{escape(t('other_language', language))}</a></header><main>{body}</main>"
        f'<footer><a href="/registry.html">{escape(t("registry", language))}</a></footer>'
        "</body></html>"
    )
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status, headers=headers)


def _form(language: Language, text: str = "") -> str:
    return (
        f'<section class="input"><p>{escape(t("intro", language))}</p>'
        f'<div id="scanner" data-stop="{escape(t("stop", language))}" '
        f'data-scan="{escape(t("scan", language))}" '
        f'data-error="{escape(t("camera_error", language))}">'
        f'<button type="button" id="scan-button" hidden>{escape(t("scan", language))}</button>'
        f'<video id="scan-video" playsinline muted hidden></video>'
        f'<p id="scan-help" hidden>{escape(t("scan_help", language))}</p>'
        '<p id="scan-error" role="alert" hidden></p></div>'
        '<form id="verify-form" method="post" action="/verify" enctype="multipart/form-data">'
        f'<input type="hidden" name="lang" value="{language}">'
        f'<label for="text">{escape(t("code_label", language))}</label>'
        f'<textarea id="text" name="text" rows="2" placeholder="{escape(t("code_hint", language))}"'
        f' autocomplete="off" spellcheck="false">{escape(text)}</textarea>'
        f'<label for="file">{escape(t("file_label", language))}</label>'
        '<input id="file" type="file" name="file" '
        'accept="image/png,image/jpeg,application/json,.json,.jwt,.txt">'
        f'<button type="submit" id="verify-button">{escape(t("verify", language))}</button>'
        "</form></section>"
    )


# --- the verdict ---------------------------------------------------------------------------------


def _pick(value: Any, language: Language) -> str:
    if isinstance(value, dict):
        first, second = ("zh", "en") if language == "zh-CN" else ("en", "zh")
        return str(value.get(first) or value.get(second) or "")
    return "" if value is None else str(value)


def _headline(report: dict[str, Any], language: Language) -> tuple[str, str]:
    verdict = report["verdict"]
    if verdict == "valid":
        return t("valid", language), t("valid_long", language)
    if verdict == "undetermined":
        return t("undetermined", language), t("undetermined_long", language)
    status = (report.get("credential") or {}).get("status") or {}
    failed = [c for c in report["checks"] if c["status"] == "failed"]
    kinds = {p["type"].rsplit("#", 1)[-1] for c in failed for p in c["problems"]}
    reasons = "; ".join(c["note"] for c in failed if c["note"])
    if "CREDENTIAL_SUPERSEDED" in kinds:
        successor = status.get("supersededBy") or ""
        return t("superseded", language), f"{t('superseded_by', language)}{successor}"
    for kind, key in (("CREDENTIAL_REVOKED", "revoked"), ("CREDENTIAL_SUSPENDED", "suspended")):
        if kind in kinds:
            return t(key, language), reasons
    return t("invalid", language), reasons


def _row(label: str, value: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" if value else ""


def _accreditation(issuer: dict[str, Any], language: Language) -> str:
    accreditation = issuer.get("accreditation")
    if not accreditation:
        return t("accreditation_none", language) if issuer.get("registry") is None else ""
    scope = [
        _pick({"zh": d["nameZh"], "en": d["nameEn"]}, language)
        for d in accreditation["skillDomains"] + accreditation["majors"]
    ]
    levels = accreditation["levels"] + accreditation["educationLevels"]
    period = f"{accreditation['validFrom'][:10]} – {accreditation['validUntil'][:10]}"
    return f"#{accreditation['id']} · {', '.join(scope)} · {', '.join(levels)} · {period}"


def _date_label(credential: dict[str, Any]) -> str:
    return "graduation_date" if credential.get("kind") == "diploma" else "assessment_date"


def _credential(credential: dict[str, Any] | None, language: Language) -> str:
    if not credential:
        return ""
    issuer = credential.get("issuer") or {}
    registry = issuer.get("registry") or {}
    issuer_name = _pick(issuer.get("name"), language) or _pick(
        {"zh": registry.get("nameZh"), "en": registry.get("nameEn")}, language
    )
    rows = [
        _row(t("holder", language), credential.get("holderName") or ""),
        _row(t("credential", language), _pick(credential.get("achievementName"), language)
             or _pick(credential.get("name"), language)),
        _row(t("kind", language), _pick(credential.get("kindName"), language)),
        _row(t("skill_domain", language), _pick(credential.get("skillDomain"), language)),
        _row(t("major", language), _pick(credential.get("major"), language)),
        _row(t("level", language), _pick(credential.get("level"), language)),
        _row(t("number", language), credential.get("number") or ""),
        _row(t(_date_label(credential), language), credential.get("date") or ""),
        _row(t("valid_from", language), credential.get("validFrom") or ""),
        _row(t("valid_until", language), credential.get("validUntil") or ""),
        _row(t("issuer", language), issuer_name),
        _row(t("accreditation", language), _accreditation(issuer, language)),
    ]  # fmt: skip
    return f'<table class="facts">{"".join(rows)}</table>'


def _checks(report: dict[str, Any], language: Language) -> str:
    labels = {"passed": "passed", "failed": "failed", "undetermined": "undetermined_check"}
    items = "".join(
        f'<li class="check {escape(c["status"])}" data-check="{escape(c["name"])}">'
        '<span class="mark" aria-hidden="true"></span>'
        f"<strong>{escape(check_name(c['name'], language))}</strong> "
        f"<em>{escape(t(labels[c['status']], language))}</em>"
        f"<br><small>{escape(c['note'] or '')}</small></li>"
        for c in report["checks"]
    )
    return f'<h3>{escape(t("checks", language))}</h3><ul class="checks">{items}</ul>'


def _cache(report: dict[str, Any], language: Language) -> str:
    uses = report.get("cache") or []
    if not uses:
        return ""
    items = ", ".join(
        f"{escape(u['url'])} ({u['age_seconds']:.0f} {escape(t('seconds_old', language))}"
        f"{escape(t('stale', language)) if u['stale'] else ''})"
        for u in uses
    )
    return f'<p class="cache">{escape(t("cache", language))}{items}</p>'


def render_report(report: dict[str, Any], language: Language) -> str:
    """One report: the verdict banner, what the credential says, every check."""
    headline, detail = _headline(report, language)
    verdict = escape(report["verdict"])
    credentials = report.get("credentials") or [report.get("credential")]
    facts = "".join(_credential(c, language) for c in credentials)
    return (
        f'<section class="result {verdict}" data-verdict="{verdict}">'
        f'<h2 class="verdict">{escape(headline)}</h2><p class="detail">{escape(detail)}</p>'
        f"{facts}{_checks(report, language)}{_cache(report, language)}</section>"
    )


def render_result(body: dict[str, Any], language: Language) -> str:
    reports = body.get("reports") or [body]
    return '<div id="verdict">' + "".join(render_report(r, language) for r in reports) + "</div>"


def render_error(message: str, language: Language) -> str:
    return (
        '<div id="verdict"><section class="result invalid error" data-verdict="error">'
        f'<h2 class="verdict">{escape(t("error", language))}</h2>'
        f'<p class="detail">{escape(message)}</p></section></div>'
    )


# --- routes --------------------------------------------------------------------------------------


async def _verify_text(context: VerifierContext, text: str, language: Language) -> str:
    try:
        submission = read_text(text, context.grants, now=context.clock())
    except InputError as exc:
        return render_error(exc.message, language)
    reports = await run_in_threadpool(verify_submission, context, submission)
    return render_result(combined_json(reports), language)


@router.get(
    "/verify",
    operation_id="verify_page",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    summary="The employer's verification page (zh-CN / en); `ref` verifies a grant URL or "
    "code straight away.",
)
async def verify_page(
    request: Request,
    context: VerifierDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    ref: Annotated[str | None, Query(max_length=4096)] = None,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    grant: Annotated[str | None, Query(max_length=4096)] = None,
) -> HTMLResponse:
    language = choose_language(lang, request.headers.get("accept-language"))
    reference = ref or code or grant
    result = await _verify_text(context, reference, language) if reference else ""
    return _page(result + _form(language), language)


@router.post(
    "/verify",
    operation_id="verify_page_submit",
    response_class=HTMLResponse,
    responses=PAGE_RESPONSES,
    summary="The page's form: verify an uploaded file or a text, answer with the page.",
)
async def verify_page_submit(
    request: Request,
    context: VerifierDep,
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str | None, Form(max_length=262144)] = None,
    lang: Annotated[str | None, Form(max_length=8)] = None,
) -> HTMLResponse:
    language = choose_language(lang, request.headers.get("accept-language"))
    try:
        submission = await read_input(context, file, text)
    except InputError as exc:
        return _page(render_error(exc.message, language) + _form(language), language)
    reports = await run_in_threadpool(verify_submission, context, submission)
    return _page(render_result(combined_json(reports), language) + _form(language), language)


__all__ = ["LANGUAGES", "render_report", "router"]
