"""What can stop a merchant's request to a cart, as carts' application raises it.

No HTTP here: `api.py` maps each kind to a status in one place. `code` names the case for machines (the
gateway and the UI branch on it), `message` says it for people, `extra` carries what helps (the current cart,
the missing address fields, an order id).
"""

from __future__ import annotations

from typing import Any


class CartError(Exception):
    """A request that cannot be done as asked; nothing was changed, or what was written is kept (see CommitThen)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.extra = extra


class Missing(CartError):
    """The cart, the line or the store is not there (any more)."""


class Conflicting(CartError):
    """The cart's state forbids it now: converted, changed meanwhile, an order already under way."""


class Refused(CartError):
    """The request itself cannot be done: bad values, an incomplete address, BigCommerce refusing it."""


class Unavailable(CartError):
    """BigCommerce is not answering; the same request may work in a moment."""


def cart_not_found() -> Missing:
    return Missing("cart_not_found", "No such cart in this store")


def cart_gone(status: str | None = None) -> Missing:
    if status is None:
        return Missing("cart_gone", "This cart no longer exists in the store")
    return Missing("cart_gone", f"This cart no longer exists in the store (it was {status})")


def bigcommerce_unavailable(detail: str = "") -> Unavailable:
    message = "BigCommerce is not answering right now; please try again in a moment"
    return Unavailable("bigcommerce_unavailable", message + (f" ({detail})" if detail else ""))


def key_reused(what: str = "request") -> Refused:
    return Refused("idempotency_key_reused", f"This Idempotency-Key was used for a different {what}; use a new key")


def order_in_progress(message: str) -> Conflicting:
    return Conflicting("order_in_progress", message)


class CommitThen(Exception):
    """Raised inside a transaction whose writes must be kept: the transaction commits, then `error` is raised
    (e.g. a cart found gone is recorded as deleted, and the request gets cart_gone)."""

    def __init__(self, error: CartError) -> None:
        self.error = error
        super().__init__(str(error))
