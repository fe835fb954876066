"""Request limits enforced before any route runs: body size and JSON nesting depth.

Batch file uploads (``POST /orgs/{slug}/batches`` carrying an ``Authorization`` header) may be
larger than other bodies: a class list of thousands as XLSX does not fit the general cap.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.problems import PROBLEM_JSON


def too_deep(text: bytes, limit: int) -> bool:
    """Whether JSON text nests deeper than ``limit``, found without parsing.

    The depth can be no more than the number of ``[`` and ``{`` bytes, which C code counts
    quickly: most bodies (a credential has a few dozen objects) never need the byte scan.
    """
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    return _json_depth(text, limit) > limit


def _json_depth(text: bytes, limit: int) -> int:
    """The nesting depth of JSON text, counted byte by byte; stops once past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


UPLOAD_PATH = re.compile(r"^/orgs/[^/]+/batches$")


def _has_credentials(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope.get("headers", []))


class RequestLimits:
    """ASGI middleware: 413 for bodies over ``max_body`` (``max_upload`` for a batch upload
    that carries credentials), 400 for JSON nested over ``max_depth``."""

    def __init__(
        self, app: ASGIApp, *, max_body: int, max_depth: int, max_upload: int | None = None
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_depth = max_depth
        self.max_upload = max(max_body, max_upload or max_body)

    def _cap(self, scope: Scope) -> int:
        if (
            scope["method"] == "POST"
            and UPLOAD_PATH.match(scope.get("path", ""))
            and _has_credentials(scope)
        ):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        cap = self._cap(scope)
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > cap:
                await _problem(
                    send,
                    413,
                    "Content Too Large",
                    f"the request body exceeds {cap} bytes",
                )
                return
        if _is_json(scope) and too_deep(body, self.max_depth):
            await _problem(
                send,
                400,
                "Bad Request",
                f"the JSON body is nested deeper than {self.max_depth} levels",
            )
            return
        await self.app(scope, _replay(body), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value
    return False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
