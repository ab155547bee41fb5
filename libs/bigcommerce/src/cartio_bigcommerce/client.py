"""Typed async client for the BigCommerce REST Management API (v3 + v2 orders): the resources joined.

The transport (``transport.py``) sends, retries, watches the quota, unwraps envelopes and pages; each resource
(``resources/*.py``) adds its methods on top.

Protocol behaviour (all of it in the transport):

* Rate limits: a 429 waits ``X-Rate-Limit-Time-Reset-Ms`` (else ``X-Retry-After`` seconds, else an
  exponential backoff) and retries; repeated 429s back off further. When ``X-Rate-Limit-Requests-Left`` falls
  below ``low_quota_threshold`` the client pauses ``ceil(Reset-Ms / 1000)`` seconds before its next request
  (shared by every coroutine using this client).
* Retries: 500/502/503/504, transport errors and timeouts are retried with exponential backoff and jitter for
  idempotent methods (GET, PUT, DELETE). POST is retried only when the request certainly never left
  (connect error, connect/pool timeout) - a retried POST of an order could create two. When retries are used up
  (or retrying is unsafe) :class:`~cartio_bigcommerce.errors.Transient` is raised.
* v3 bodies are unwrapped from ``{"data": ...}``; v3 collections follow ``meta.pagination.links.next``.
  v2 lists answered with ``204 No Content`` are ``[]``.
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
