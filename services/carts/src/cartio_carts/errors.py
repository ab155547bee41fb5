"""Errors the internal API answers with: `{"error": {"code", "message"}}` and a fitting status."""

from __future__ import annotations

from cartio_platform.errors import ApiError

__all__ = ["ApiError", "CommitThen", "bigcommerce_unavailable", "not_found"]


def not_found(message: str = "No such cart in this store") -> ApiError:
    return ApiError(404, "cart_not_found", message)


def bigcommerce_unavailable(detail: str = "") -> ApiError:
    message = "BigCommerce is not answering right now; please try again in a moment"
    return ApiError(503, "bigcommerce_unavailable", message + (f" ({detail})" if detail else ""))


class CommitThen(Exception):
    """Raised inside a transaction whose writes must be kept: the transaction commits, then `error` is
    answered (e.g. a cart found gone is recorded as deleted, and the request gets 404)."""

    def __init__(self, error: ApiError) -> None:
        self.error = error
        super().__init__(str(error))
