"""One error shape for every 4xx and 5xx: RFC 9457 problem details (application/problem+json).

Routes raise ``fastapi.HTTPException`` with ``detail`` either a string or a dict with ``type``,
``title``, ``detail`` and optional ``errors``; request validation errors list each bad field;
unexpected errors answer 500 without internals.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("onex")


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if isinstance(detail, dict):
        body = {
            "type": detail.get("type", "about:blank"),
            "title": detail.get("title", _title(exc.status_code)),
            "status": exc.status_code,
            "detail": detail.get("detail", ""),
            "instance": request.url.path,
        }
        body.update({k: v for k, v in detail.items() if k not in body})
    else:
        body = {
            "type": "about:blank",
            "title": _title(exc.status_code),
            "status": exc.status_code,
            "detail": str(detail),
            "instance": request.url.path,
        }
    return JSONResponse(
        body,
        status_code=exc.status_code,
        media_type=PROBLEM_JSON,
        headers=getattr(exc, "headers", None),
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "pointer": "/" + "/".join(str(part) for part in error.get("loc", ())[1:]),
            "detail": error.get("msg", "invalid"),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"pointer": "", "detail": "invalid request"}
    detail = f"{first['pointer'] or 'request'}: {first['detail']}"
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    body = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": detail,
        "instance": request.url.path,
        "errors": errors,
    }
    return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    """A value the database cannot store (a NUL byte, an out-of-range number): bad input."""
    body = {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "a value in the request cannot be stored (out of range or not text)",
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=400, media_type=PROBLEM_JSON)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    body = {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "an unexpected error occurred; nothing was changed",
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
