"""Secrets kept out of the access log: grant tokens and codes, claim codes.

A grant link carries its token in the URL (``/verify?grant=<token>``, ``GET /grants/<token>``),
the verification page takes a grant URL or code as ``ref=`` or ``code=``, and a claim link its
one-time code as ``code=``. uvicorn's access log writes each request's path and query, so
``onex serve`` installs :class:`SecretPathFilter` on the ``uvicorn.access`` logger
(:func:`uvicorn_log_config`): each such value keeps its first four characters, enough to tell
two requests apart, and the rest becomes ``…``.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

KEPT = 4
"""Characters of a secret left in the log line."""
SECRET_PARAMETERS = frozenset({"grant", "code", "ref"})
"""Query parameters whose value may be a grant token, a grant or claim code, or a grant URL."""
_GRANT_PATH = re.compile(r"^(/grants/)(?!lookup(?:$|[/?]))([^/?]+)")
"""``/grants/<token>`` (the JSON grant link); ``/grants/lookup`` is the typed-code route."""


def _shortened(secret: str) -> str:
    return secret[:KEPT] + "…"


def redact_path(full_path: str) -> str:
    """``full_path`` (a path and its query, as uvicorn logs it) with every secret shortened."""
    path, mark, query = full_path.partition("?")
    path = _GRANT_PATH.sub(lambda m: m.group(1) + _shortened(m.group(2)), path)
    if not mark:
        return path
    return path + "?" + "&".join(_redacted_pair(pair) for pair in query.split("&"))


def _redacted_pair(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if equals and value and name.lower() in SECRET_PARAMETERS:
        return f"{name}={_shortened(value)}"
    return pair


class SecretPathFilter(logging.Filter):
    """Shortens secrets in uvicorn's access records, whose ``args`` are ``(client_addr,
    method, full_path, http_version, status_code)``. Other records pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with :class:`SecretPathFilter` on its access
    logger. (A configuration rather than a filter added in place: each worker process of
    ``onex serve --workers N`` configures its logging afresh from it.)"""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {
        "()": f"{__name__}.{SecretPathFilter.__name__}"
    }
    access = config["loggers"].setdefault("uvicorn.access", {})
    access["filters"] = [*access.get("filters", []), "redact_secrets"]
    return config
