"""What a client sends, judged before anything acts on it: strict JSON and a cap on request bodies.

Python's `json` accepts what neither PostgreSQL nor the next service does (`NaN`, `Infinity`, `1e999` as
infinity, lone surrogates, NUL in text) and raises `RecursionError` on deep nesting; each of those became a 500
somewhere downstream. `loads_strict` refuses them all with a sentence a client can act on.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cartio_platform.errors import error_response

MAX_DEPTH = 32
# How much of a refused body BodyCap reads (and drops) before answering 413.
DRAIN_BYTES = 16 * 1024 * 1024


class BadJson(ValueError):
    """The body is not JSON we accept; the message says why. `status`: 400 when it is not JSON at all, 422 when
    it is well-formed JSON whose text no store can hold (NUL, lone surrogates)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _no_constants(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"the number {text[:40]} is too large")
    return value


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise BadJson("text must not contain the NUL character (\\u0000)", status=422)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadJson("text must not contain a lone surrogate (e.g. \\ud800)", status=422) from None


def _check(value: Any) -> None:
    """Depth and text of a parsed document, iteratively (a recursive walk is what deep nesting breaks)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise BadJson(f"the JSON is nested deeper than {MAX_DEPTH} levels")
            if isinstance(node, dict):
                for key, item in node.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)


def loads_strict(raw: bytes | str) -> Any:
    """The JSON document in `raw`, or BadJson: not JSON, not UTF-8, NaN/Infinity, a number beyond a float, a
    lone surrogate or NUL in text, or deeper than MAX_DEPTH."""
    try:
        value = json.loads(raw, parse_constant=_no_constants, parse_float=_finite)
    except BadJson:
        raise
    except RecursionError:
        raise BadJson(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of more than 4300 digits
        raise BadJson(f"the body is not valid JSON ({str(exc)[:120]})") from None
    _check(value)
    return value


class BodyCap:
    """ASGI middleware: a request under `prefix` whose body is larger than `limit` bytes is answered 413 in the
    platform's error shape before the app sees it, whether or not it declares its length (the body is read, up to
    the limit, and replayed to the app)."""

    def __init__(self, app: ASGIApp, *, limit: int, prefix: str = "/") -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send, more=True)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away mid-body: there is no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, receive, send, more=message.get("more_body", False))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, *, more: bool) -> None:
        # Read (and drop) a bounded rest of the body first: closing on unread data resets the connection, and the
        # client would see a broken pipe instead of the 413.
        budget = DRAIN_BYTES
        while more and budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            more = message.get("more_body", False)
        response = error_response(413, "too_large", f"request bodies are limited to {self.limit} bytes")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
