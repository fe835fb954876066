"""The wallet page (/wallet, /wallet/claim): phone-sized, zh-CN and en, no CDN.

The server renders the whole shell in the chosen language (every value escaped); a small
script (``/wallet/static/wallet.js``) talks to the JSON API with the session token kept in
``sessionStorage`` and writes data with ``textContent`` only. A strict Content-Security-Policy
allows scripts, styles and connections to this origin only.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from wallet_api.page_text import LANGUAGES, pick_language, strings

router = APIRouter(tags=["wallet: page"], include_in_schema=False)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC = {"wallet.js": "text/javascript", "credit.js": "text/javascript", "wallet.css": "text/css"}


def _json_block(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(language: str, claim_code: str | None) -> str:
    t = {key: html.escape(value) for key, value in strings(language).items()}
    other = "en" if language == "zh-CN" else "zh-CN"
    code = html.escape(claim_code or "")
    template = resources.files("wallet_api").joinpath("static", "wallet.html").read_text("utf-8")
    return template.format(
        lang=html.escape(language),
        other=html.escape(other),
        code=code,
        i18n=_json_block(strings(language)),
        **t,
    )


def _page(lang: str | None, accept_language: str | None, code: str | None) -> HTMLResponse:
    language = pick_language(lang, accept_language)
    return HTMLResponse(render(language, code), headers=PAGE_HEADERS)


Lang = Annotated[str | None, Query(description=f"One of {', '.join(LANGUAGES)}.")]


@router.get("/wallet", response_class=HTMLResponse)
def wallet_page(
    lang: Lang = None, accept_language: Annotated[str | None, Header()] = None
) -> HTMLResponse:
    return _page(lang, accept_language, None)


@router.get("/wallet/claim", response_class=HTMLResponse)
def claim_page(
    code: Annotated[str | None, Query(max_length=200)] = None,
    lang: Lang = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    return _page(lang, accept_language, code)


@router.get("/wallet/static/{name}")
def static_file(name: str) -> Response:
    media_type = STATIC.get(name)
    if media_type is None:
        raise HTTPException(404, f"no static file {name!r}")
    body = resources.files("wallet_api").joinpath("static", name).read_bytes()
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    return Response(body, media_type=media_type, headers=headers)
