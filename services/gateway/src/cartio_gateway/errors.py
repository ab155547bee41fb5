"""Errors the routes raise: JSON for `/api` (the platform's shape), an HTML page for the browser-facing routes."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cartio_platform.errors import HTTP_CODES, ApiError, error_response

__all__ = ["ApiError", "PageError", "http_error_handler"]


class PageError(Exception):
    """Shown to the merchant as a page: what happened and what to do."""

    def __init__(
        self, status: int, title: str, message: str, *, hint: str | None = None, details: list[str] | None = None
    ) -> None:
        self.status = status
        self.title = title
        self.message = message
        self.hint = hint
        self.details = details or []
        super().__init__(message)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api"):
        return error_response(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), str(exc.detail),
                              exc.headers)
    return Response(str(exc.detail), status_code=exc.status_code, headers=exc.headers, media_type="text/plain")
