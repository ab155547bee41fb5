"""Typed async client for the BigCommerce REST Management API (v3 + v2 orders): the resources joined.

The transport (``transport.py``) sends, retries, watches the quota, unwraps envelopes and pages; each resource
(``resources/*.py``) adds its methods on top.

The protocol (rate limits, retries, envelopes, paging) is described in ``transport.py``.
"""

from __future__ import annotations

from .resources.carts import CartsApi
from .resources.catalog import CatalogApi
from .resources.checkouts import CheckoutsApi
from .resources.customers import CustomersApi
from .resources.hooks import HooksApi
from .resources.orders import OrdersApi
from .resources.scripts import ScriptsApi
from .resources.store import StoreApi
from .transport import DEFAULT_API_URL, USER_AGENT

__all__ = ["DEFAULT_API_URL", "USER_AGENT", "BigCommerceClient"]


class BigCommerceClient(CartsApi, CheckoutsApi, OrdersApi, CatalogApi, CustomersApi, HooksApi, ScriptsApi,
                        StoreApi):
    """One store's REST Management API. Safe to share between coroutines; use as an async context manager."""
