"""Errors the routes raise: JSON for `/api`, an HTML page for the browser-facing routes."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cartio_platform.errors import describe_validation


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        super().__init__(message)


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


def error_json(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 422: "invalid_request", 429: "rate_limited", 503: "unavailable"}


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_json(exc.status, exc.code, exc.message, exc.headers)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_json(422, "invalid_request", describe_validation(list(exc.errors())))


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api"):
        return error_json(exc.status_code, _CODES.get(exc.status_code, "error"), str(exc.detail),
                          dict(exc.headers or {}))
    return Response(str(exc.detail), status_code=exc.status_code, headers=exc.headers, media_type="text/plain")
