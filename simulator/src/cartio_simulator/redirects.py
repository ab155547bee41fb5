"""Cart redirect URLs: single-use links into the simulated storefront."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from .errors import invalid
from .state import Cart, Json, RedirectToken, Store


def mint(store: Store, cart: Cart, public_url: str, query_params: dict[str, str] | None = None) -> Json:
    """Fresh `cart_url`, `checkout_url`, `embedded_checkout_url`; each works once."""
    if cart.created_via != "api":
        raise invalid(
            "Redirect URLs can only be generated for carts created through the Management API",
            {"cart": "created on the storefront"},
        )
    extra = dict(query_params or {})
    urls: Json = {}
    for key, action, embedded in (
        ("cart_url", "load", False),
        ("checkout_url", "loadInCheckout", False),
        ("embedded_checkout_url", "loadInCheckout", True),
    ):
        token = secrets.token_urlsafe(24)
        store.redirect_tokens[token] = RedirectToken(cart_id=cart.id, action=action)
        params = {"action": action, "id": cart.id, "token": token, **extra}
        if embedded:
            params = {"embedded": "1", **params}
        urls[key] = f"{public_url}/storefront/cart.php?{urlencode(params)}"
    return urls


def redeem(store: Store, cart_id: str, token: str) -> RedirectToken | None:
    """The token's record if it is valid for this cart and unused; marks it used."""
    record = store.redirect_tokens.get(token)
    if record is None or record.used or record.cart_id != cart_id:
        return None
    record.used = True
    return record
