"""Typed errors raised by the BigCommerce client, the token exchange and JWT verification."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BigCommerceError",
    "Conflict",
    "InvalidRequest",
    "InvalidSignedPayload",
    "NotFound",
    "RateLimited",
    "Transient",
    "Unauthorized",
    "error_from_response",
]


class BigCommerceError(Exception):
    """Any failed BigCommerce call.

    ``status`` is the HTTP status, or ``None`` when no response was received (transport error, timeout).
    ``body`` is the decoded JSON error body (or the raw text when it was not JSON, or ``None``).
    """

    def __init__(self, status: int | None, title: str, detail: str | None = None, body: Any = None) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.body = body
        super().__init__(self._message())

    def _message(self) -> str:
        prefix = f"{self.status} " if self.status is not None else ""
        if self.detail and self.detail != self.title:
            return f"{prefix}{self.title}: {self.detail}"
        return f"{prefix}{self.title}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, title={self.title!r}, detail={self.detail!r})"


class NotFound(BigCommerceError):
    """404: the resource does not exist (for carts: deleted, converted or expired)."""


class Conflict(BigCommerceError):
    """409: e.g. the cart/checkout ``version`` sent did not match the current one."""


class Unauthorized(BigCommerceError):
    """401 (bad or revoked token) or 403 (missing OAuth scope / plan limit)."""


class InvalidRequest(BigCommerceError):
    """400/413/415/422: the request itself is wrong. ``errors`` holds the v3 per-field messages."""

    def __init__(
        self,
        status: int | None,
        title: str,
        detail: str | None = None,
        body: Any = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        self.errors: dict[str, str] = dict(errors or {})
        super().__init__(status, title, detail, body)


class RateLimited(BigCommerceError):
    """429 still returned after every retry. ``reset_ms`` is the server's hint (None when absent)."""

    def __init__(
        self,
        status: int | None,
        title: str,
        detail: str | None = None,
        body: Any = None,
        reset_ms: int | None = None,
    ) -> None:
        self.reset_ms = reset_ms
        super().__init__(status, title, detail, body)


class Transient(BigCommerceError):
    """5xx, transport error or timeout, after the allowed retries were used (or retrying was unsafe)."""


class InvalidSignedPayload(Exception):
    """A ``signed_payload_jwt`` failed verification. ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(message or reason)


def _decode_body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _stringify_errors(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        out: dict[str, str] = {}
        for key, value in raw.items():
            if isinstance(value, list | tuple):
                out[str(key)] = "; ".join(str(v) for v in value)
            else:
                out[str(key)] = str(value)
        return out
    if isinstance(raw, list):
        return {str(i): str(v) for i, v in enumerate(raw)}
    return {}


def _parse_error_body(status: int, body: Any) -> tuple[str, str | None, dict[str, str]]:
    """Return (title, detail, field errors) from a v3 problem body, a v2 message list or anything else."""
    title = _default_title(status)
    detail: str | None = None
    errors: dict[str, str] = {}
    if isinstance(body, Mapping):
        # v3 problem-details style; also OAuth errors ({"error": ..., "error_description": ...}).
        raw_title = body.get("title") or body.get("message") or body.get("error")
        if isinstance(raw_title, str) and raw_title:
            title = raw_title
        raw_detail = body.get("detail") or body.get("error_description")
        if isinstance(raw_detail, str) and raw_detail:
            detail = raw_detail
        errors = _stringify_errors(body.get("errors"))
        if errors:
            field_text = "; ".join(f"{k}: {v}" for k, v in errors.items())
            detail = f"{detail}; {field_text}" if detail else field_text
    elif isinstance(body, list):
        # v2: [{"status": 400, "message": "..."}, ...]
        messages: list[str] = []
        for item in body:
            if isinstance(item, Mapping):
                msg = item.get("message") or item.get("details") or item.get("title")
                if msg:
                    messages.append(str(msg))
            elif item:
                messages.append(str(item))
        if messages:
            detail = "; ".join(messages)
            errors = {str(i): m for i, m in enumerate(messages)}
    elif isinstance(body, str) and body.strip():
        detail = body.strip()[:500]
    return title, detail, errors


def _default_title(status: int) -> str:
    titles = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        409: "Conflict",
        413: "Request Entity Too Large",
        415: "Unsupported Media Type",
        422: "Unprocessable Entity",
        423: "Locked",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        507: "Insufficient Storage",
    }
    return titles.get(status, f"HTTP {status}")


def int_header(headers: Mapping[str, str] | None, name: str) -> int | None:
    """A numeric header (``X-Rate-Limit-*``) as an int; None when absent or not a number."""
    if headers is None:
        return None
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def error_from_response(status: int, content: bytes, headers: Mapping[str, str] | None = None) -> BigCommerceError:
    """Map an error response to the matching :class:`BigCommerceError` subclass."""
    body = _decode_body(content)
    title, detail, errors = _parse_error_body(status, body)
    if status == 404:
        return NotFound(status, title, detail, body)
    if status == 409:
        return Conflict(status, title, detail, body)
    if status in (401, 403):
        return Unauthorized(status, title, detail, body)
    if status in (400, 413, 415, 422):
        return InvalidRequest(status, title, detail, body, errors=errors)
    if status == 429:
        reset_ms = int_header(headers, "X-Rate-Limit-Time-Reset-Ms")
        if reset_ms is None:
            retry_after = int_header(headers, "X-Retry-After")
            reset_ms = retry_after * 1000 if retry_after is not None else None
        return RateLimited(status, title, detail, body, reset_ms=reset_ms)
    if status >= 500 and status != 507:
        return Transient(status, title, detail, body)
    return BigCommerceError(status, title, detail, body)
