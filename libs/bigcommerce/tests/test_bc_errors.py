"""Error responses map to typed exceptions with readable messages."""

from __future__ import annotations

import json

import pytest

from cartio_bigcommerce.errors import (
    BigCommerceError,
    Conflict,
    InvalidRequest,
    NotFound,
    RateLimited,
    Transient,
    Unauthorized,
    error_from_response,
)


def _body(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (404, NotFound),
        (409, Conflict),
        (401, Unauthorized),
        (403, Unauthorized),
        (400, InvalidRequest),
        (413, InvalidRequest),
        (415, InvalidRequest),
        (422, InvalidRequest),
        (429, RateLimited),
        (500, Transient),
        (502, Transient),
        (503, Transient),
        (504, Transient),
        (405, BigCommerceError),
        (423, BigCommerceError),
        (507, BigCommerceError),
    ],
)
def test_status_mapping(status: int, cls: type[BigCommerceError]) -> None:
    error = error_from_response(status, b"")
    assert type(error) is cls
    assert error.status == status


def test_v3_problem_details_with_field_errors() -> None:
    error = error_from_response(
        422,
        _body(
            {
                "status": 422,
                "title": "JSON data is missing or invalid",
                "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                "errors": {"line_items.0.quantity": "must be at least 1"},
            }
        ),
    )
    assert isinstance(error, InvalidRequest)
    assert error.title == "JSON data is missing or invalid"
    assert error.errors == {"line_items.0.quantity": "must be at least 1"}
    assert "line_items.0.quantity: must be at least 1" in str(error)
    assert str(error).startswith("422 JSON data is missing or invalid")


def test_v2_message_list() -> None:
    error = error_from_response(
        400, _body([{"status": 400, "message": "The field 'total_inc_tax' cannot be written to."}])
    )
    assert isinstance(error, InvalidRequest)
    assert error.detail == "The field 'total_inc_tax' cannot be written to."
    assert "total_inc_tax" in str(error)


def test_conflict_keeps_body_and_detail() -> None:
    body = {"status": 409, "title": "Conflict", "detail": "version mismatch"}
    error = error_from_response(409, _body(body))
    assert isinstance(error, Conflict)
    assert error.body == body
    assert error.detail == "version mismatch"


def test_rate_limited_carries_reset() -> None:
    error = error_from_response(429, b"", {"X-Rate-Limit-Time-Reset-Ms": "1500"})
    assert isinstance(error, RateLimited)
    assert error.reset_ms == 1500
    error = error_from_response(429, b"", {"X-Retry-After": "3"})
    assert isinstance(error, RateLimited)
    assert error.reset_ms == 3000
    error = error_from_response(429, b"")
    assert isinstance(error, RateLimited)
    assert error.reset_ms is None


def test_non_json_body() -> None:
    error = error_from_response(502, b"<html>bad gateway</html>")
    assert isinstance(error, Transient)
    assert error.body == "<html>bad gateway</html>"
    assert "bad gateway" in str(error)
