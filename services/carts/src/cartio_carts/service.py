"""The carts application as one object: the core (`core.py`) and one module per feature.

`snapshots` (BigCommerce's cart applied as the merchant's view, refreshes), `sessions` (storefront beacons),
`orders` (an order kept and linked to its cart), `enforcement` (blacklist matches). The merchant's requests
build on it: `editing`, `sending`, `ordering` (see `actions.py`).
"""

from __future__ import annotations

from .core import SHOPPER, SYSTEM, CartCore, Row, Units, now
from .enforcement import Enforcement
from .snapshots import Applied, Snapshots

__all__ = ["SHOPPER", "SYSTEM", "Applied", "CartCore", "CartService", "Row", "Units", "now"]


class CartService(Enforcement, Snapshots):
    """Every feature of the carts application, over the stores' carts."""
