"""Grant tokens and codes kept out of uvicorn's access log (service/log_redaction.py)."""

from __future__ import annotations

import io
import logging
import logging.config
import secrets

import pytest
from uvicorn.logging import AccessFormatter

from service.log_redaction import SecretPathFilter, redact_path, uvicorn_log_config

TOKEN = secrets.token_urlsafe(32)
CODE = "K7QM-2XRT-9PLD-4HWE"


def _access_record(full_path: str) -> logging.LogRecord:
    """A record shaped as uvicorn's HTTP protocols log each request."""
    return logging.LogRecord(
        name="uvicorn.access",
        level=logging.INFO,
        pathname=__file__,
        lineno=1,
        msg='%s - "%s %s HTTP/%s" %d',
        args=("203.0.113.9:51234", "GET", full_path, "1.1", 200),
        exc_info=None,
    )


def _formatted(full_path: str) -> str:
    record = _access_record(full_path)
    assert SecretPathFilter().filter(record) is True, "the filter never drops a line"
    return AccessFormatter(fmt='%(client_addr)s - "%(request_line)s" %(status_code)s').format(
        record
    )


@pytest.mark.parametrize(
    ("full_path", "secret", "kept"),
    [
        (f"/grants/{TOKEN}", TOKEN, f"/grants/{TOKEN[:4]}…"),
        (f"/verify?grant={TOKEN}", TOKEN, f"/verify?grant={TOKEN[:4]}…"),
        (f"/verify?lang=en&grant={TOKEN}", TOKEN, f"/verify?lang=en&grant={TOKEN[:4]}…"),
        (f"/verify?code={CODE}&lang=zh-CN", CODE, "/verify?code=K7QM…&lang=zh-CN"),
        (
            f"/verify?ref=http%3A%2F%2F127.0.0.1%3A8000%2Fverify%3Fgrant%3D{TOKEN}",
            TOKEN,
            "/verify?ref=http…",
        ),
        (f"/wallet/claim?code={TOKEN}", TOKEN, f"/wallet/claim?code={TOKEN[:4]}…"),
        (f"/wallet/claim/qr.png?code={TOKEN}", TOKEN, f"/wallet/claim/qr.png?code={TOKEN[:4]}…"),
    ],
)
def test_secrets_in_access_lines_keep_four_characters(
    full_path: str, secret: str, kept: str
) -> None:
    line = _formatted(full_path)
    assert secret not in line
    assert secret[4:12] not in line
    assert f'"GET {kept} HTTP/1.1" 200' in line, line
    assert line.startswith("203.0.113.9:51234 - ")


@pytest.mark.parametrize(
    "full_path",
    [
        "/grants/lookup",
        "/wallet/grants/42/qr.png",
        "/verify?lang=en",
        "/verify",
        "/credentials/verify",
        "/orgs/huaxin/credentials?limit=10&cursor=abc",
        "/verify?grant=",
    ],
)
def test_other_paths_are_logged_as_they_are(full_path: str) -> None:
    assert redact_path(full_path) == full_path
    assert f"GET {full_path} HTTP/1.1" in _formatted(full_path)


def test_records_of_another_shape_pass_unchanged() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("x",), None)
    assert SecretPathFilter().filter(record) is True
    assert record.args == ("x",)


def test_the_logging_configuration_of_onex_serve_puts_the_filter_on_the_access_logger() -> None:
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg.handlers[:], lg.filters[:], lg.level, lg.propagate) for lg in loggers]
    stream = io.StringIO()
    config = uvicorn_log_config()
    config["handlers"]["access"]["stream"] = stream
    try:
        logging.config.dictConfig(config)
        access = logging.getLogger("uvicorn.access")
        assert any(isinstance(f, SecretPathFilter) for f in access.filters)
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/grants/{TOKEN}", "1.1", 404
        )
    finally:
        for logger, (handlers, filters, level, propagate) in zip(loggers, saved, strict=True):
            logger.handlers[:], logger.filters[:] = handlers, filters
            logger.setLevel(level)
            logger.propagate = propagate
    line = stream.getvalue()
    assert TOKEN not in line
    assert f"/grants/{TOKEN[:4]}…" in line, line
