"""Typed async client for the BigCommerce REST Management API (v3 + v2 orders).

Protocol behaviour:

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

import asyncio
import json
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, Self, TypeVar
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from .errors import BigCommerceError, RateLimited, Transient, error_from_response
from .models import (
    Address,
    Cart,
    Checkout,
    ConsignmentInput,
    Customer,
    Hook,
    LineItemInput,
    Order,
    OrderProduct,
    Product,
    RedirectUrls,
    Script,
)

__all__ = ["DEFAULT_API_URL", "USER_AGENT", "BigCommerceClient"]

DEFAULT_API_URL: Final = "https://api.bigcommerce.com"
USER_AGENT: Final = "Cartio/1.0"

_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})
# Transport errors raised before any byte of the request was sent: safe to retry even for POST.
_NOT_SENT_ERRORS: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_CART_INCLUDE: Final = "line_items.physical_items.options,line_items.digital_items.options"
_CHECKOUT_INCLUDE: Final = "cart.line_items.physical_items.options,cart.line_items.digital_items.options"
_SHIPPING_OPTIONS_INCLUDE: Final = "consignments.available_shipping_options"
_V2_PAGE_LIMIT: Final = 250
_MAX_PAGES: Final = 10_000

M = TypeVar("M", bound=BaseModel)

LineItemLike = LineItemInput | Mapping[str, Any]
AddressLike = Address | Mapping[str, Any]
ConsignmentLike = ConsignmentInput | Mapping[str, Any]
Sleep = Callable[[float], Awaitable[None]]


def _seg(value: object) -> str:
    """One URL path segment, escaped."""
    return quote(str(value), safe="")


def _to_api(value: LineItemLike | AddressLike | ConsignmentLike) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return dict(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


class BigCommerceClient:
    """One store's REST Management API. Safe to share between coroutines; use as an async context manager."""

    def __init__(
        self,
        *,
        store_hash: str,
        access_token: str,
        api_url: str = DEFAULT_API_URL,
        client_id: str | None = None,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        timeout: float = 10.0,
        low_quota_threshold: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 16.0,
        sleep: Sleep | None = None,
    ) -> None:
        if not store_hash:
            raise ValueError("store_hash is required")
        if not access_token:
            raise ValueError("access_token is required")
        self.store_hash = store_hash
        self._base = f"{api_url.rstrip('/')}/stores/{_seg(store_hash)}"
        self._headers: dict[str, str] = {
            "X-Auth-Token": access_token,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        if client_id:
            self._headers["X-Auth-Client"] = client_id
        self._timeout = httpx.Timeout(timeout)
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=self._timeout)
        self._max_retries = max(0, max_retries)
        self._low_quota_threshold = low_quota_threshold
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        self._resume_at: float | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it (a client passed in stays open)."""
        if self._owns_http:
            await self._http.aclose()

    # -- transport --------------------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_cap, self._backoff_base * (2.0**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _pause_for(self, seconds: float) -> None:
        resume_at = time.monotonic() + max(0.0, seconds)
        if self._resume_at is None or resume_at > self._resume_at:
            self._resume_at = resume_at

    async def _wait_for_quota(self) -> None:
        while True:
            resume_at = self._resume_at
            if resume_at is None:
                return
            delay = resume_at - time.monotonic()
            if delay > 0:
                await self._sleep(delay)
            if self._resume_at == resume_at:
                self._resume_at = None
                return
            # The pause was extended while we slept: wait again.

    def _note_quota(self, headers: httpx.Headers) -> None:
        left = _int_header(headers, "X-Rate-Limit-Requests-Left")
        if left is None or left >= self._low_quota_threshold:
            return
        reset_ms = _int_header(headers, "X-Rate-Limit-Time-Reset-Ms")
        self._pause_for(math.ceil(reset_ms / 1000) if reset_ms is not None else 1.0)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
    ) -> httpx.Response:
        """Send one logical request (with retries); return a 2xx response or raise a BigCommerceError."""
        url = f"{self._base}{path}"
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        content = json.dumps(body, separators=(",", ":"), default=_json_default).encode() if has_body else None
        idempotent = method in _IDEMPOTENT
        attempt = 0
        while True:
            await self._wait_for_quota()
            try:
                response = await self._http.request(
                    method, url, params=query, content=content, headers=self._headers, timeout=self._timeout
                )
            except httpx.TransportError as exc:
                retryable = idempotent or isinstance(exc, _NOT_SENT_ERRORS)
                if not retryable or attempt >= self._max_retries:
                    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "transport error"
                    raise Transient(None, f"{method} {path}: {kind}", str(exc) or type(exc).__name__) from exc
                await self._sleep(self._backoff(attempt))
                attempt += 1
                continue

            self._note_quota(response.headers)
            status = response.status_code
            if status < 400:
                return response
            if status == 429:
                error = error_from_response(status, response.content, response.headers)
                if attempt >= self._max_retries:
                    raise error
                reset_ms = error.reset_ms if isinstance(error, RateLimited) else None
                if reset_ms is None:
                    # Throttled without rate-limit headers: the platform is overloaded for this store.
                    wait = self._backoff(attempt + 1)
                else:
                    wait = reset_ms / 1000 + (self._backoff(attempt - 1) if attempt > 0 else 0.0)
                self._pause_for(wait)
                attempt += 1
                continue
            if status in _RETRY_STATUSES and idempotent and attempt < self._max_retries:
                await self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            raise error_from_response(status, response.content, response.headers)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise BigCommerceError(
                response.status_code, "Response is not JSON", response.text[:200], response.text
            ) from exc

    @staticmethod
    def _parse(model: type[M], data: Any, status: int | None = None) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BigCommerceError(status, f"Unexpected {model.__name__} in response", str(exc), data) from exc

    def _parse_list(self, model: type[M], items: Any) -> list[M]:
        if items is None:
            return []
        if not isinstance(items, list):
            raise BigCommerceError(None, f"Expected a list of {model.__name__}", None, items)
        return [self._parse(model, item) for item in items]

    async def _v3(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
    ) -> Any:
        """A v3 call; returns ``data`` of the envelope (None for 204)."""
        response = await self._send(method, f"/v3{path}", params=params, body=body, has_body=has_body)
        payload = self._json(response)
        if payload is None:
            return None
        if isinstance(payload, Mapping) and "data" in payload:
            return payload["data"]
        raise BigCommerceError(response.status_code, "Response has no data envelope", None, payload)

    async def _v3_pages(self, path: str, params: Mapping[str, Any] | None = None) -> AsyncIterator[Any]:
        """Every item of a v3 collection, following ``meta.pagination.links.next``."""
        query: dict[str, Any] = dict(params or {})
        for _ in range(_MAX_PAGES):
            response = await self._send("GET", f"/v3{path}", params=query)
            payload = self._json(response)
            if not isinstance(payload, Mapping):
                return
            data = payload.get("data")
            if not isinstance(data, list) or not data:
                return
            for item in data:
                yield item
            next_link = self._next_link(payload)
            if not next_link:
                return
            next_query = dict(parse_qsl(urlsplit(next_link).query, keep_blank_values=True))
            merged = {**query, **next_query}
            if {k: _query_value(v) for k, v in merged.items()} == {k: _query_value(v) for k, v in query.items()}:
                return  # the link points at the page we just read
            query = merged

    @staticmethod
    def _next_link(payload: Mapping[str, Any]) -> str | None:
        meta = payload.get("meta")
        if not isinstance(meta, Mapping):
            return None
        pagination = meta.get("pagination")
        if not isinstance(pagination, Mapping):
            return None
        links = pagination.get("links")
        if not isinstance(links, Mapping):
            return None
        nxt = links.get("next")
        return nxt if isinstance(nxt, str) and nxt else None

    async def _v2(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        has_body: bool = False,
    ) -> Any:
        response = await self._send(method, f"/v2{path}", params=params, body=body, has_body=has_body)
        return self._json(response)

    async def _v2_list(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        payload = await self._v2("GET", path, params=params)
        if payload is None:
            return []  # 204: nothing matched
        if not isinstance(payload, list):
            raise BigCommerceError(None, "Expected a list", None, payload)
        return payload

    async def _v2_pages(self, path: str, params: Mapping[str, Any] | None = None) -> AsyncIterator[Any]:
        query: dict[str, Any] = {"limit": _V2_PAGE_LIMIT, **(params or {})}
        limit = int(query["limit"])
        page = int(query.get("page", 1))
        for _ in range(_MAX_PAGES):
            items = await self._v2_list(path, {**query, "page": page})
            for item in items:
                yield item
            if len(items) < limit:
                return
            page += 1

    # -- carts ------------------------------------------------------------------------------------------------

    @staticmethod
    def _cart_params(include_options: bool = True, include_redirect_urls: bool = False) -> dict[str, str]:
        include = [_CART_INCLUDE] if include_options else []
        if include_redirect_urls:
            include.append("redirect_urls")
        return {"include": ",".join(include)} if include else {}

    async def get_cart(self, cart_id: str, include_options: bool = True, include_redirect_urls: bool = False) -> Cart:
        """The cart; :class:`NotFound` when it was deleted, converted or expired."""
        data = await self._v3(
            "GET", f"/carts/{_seg(cart_id)}", params=self._cart_params(include_options, include_redirect_urls)
        )
        return self._parse(Cart, data)

    async def create_cart(
        self,
        line_items: Sequence[LineItemLike],
        customer_id: int = 0,
        channel_id: int = 1,
        currency: str | None = None,
        include_redirect_urls: bool = False,
        *,
        locale: str | None = None,
    ) -> Cart:
        body: dict[str, Any] = {
            "customer_id": customer_id,
            "channel_id": channel_id,
            "line_items": [_to_api(item) for item in line_items],
        }
        if currency:
            body["currency"] = {"code": currency}
        if locale:
            body["locale"] = locale
        data = await self._v3(
            "POST",
            "/carts",
            params=self._cart_params(True, include_redirect_urls),
            body=body,
            has_body=True,
        )
        return self._parse(Cart, data)

    async def add_cart_items(
        self, cart_id: str, line_items: Sequence[LineItemLike], version: int | None = None
    ) -> Cart:
        body: dict[str, Any] = {"line_items": [_to_api(item) for item in line_items]}
        if version is not None:
            body["version"] = version
        data = await self._v3(
            "POST", f"/carts/{_seg(cart_id)}/items", params=self._cart_params(), body=body, has_body=True
        )
        return self._parse(Cart, data)

    async def update_cart_item(
        self,
        cart_id: str,
        item_id: str,
        *,
        product_id: int,
        variant_id: int | None,
        quantity: int,
        version: int | None = None,
    ) -> Cart:
        """Change a line's quantity. :class:`Conflict` when ``version`` is stale."""
        line_item: dict[str, Any] = {"product_id": product_id, "quantity": quantity}
        if variant_id is not None:
            line_item["variant_id"] = variant_id
        body: dict[str, Any] = {"line_item": line_item}
        if version is not None:
            body["version"] = version
        data = await self._v3(
            "PUT",
            f"/carts/{_seg(cart_id)}/items/{_seg(item_id)}",
            params=self._cart_params(),
            body=body,
            has_body=True,
        )
        return self._parse(Cart, data)

    async def delete_cart_item(self, cart_id: str, item_id: str, version: int | None = None) -> Cart | None:
        """Remove a line; ``None`` when it was the last one (BigCommerce deleted the cart)."""
        data = await self._v3(
            "DELETE",
            f"/carts/{_seg(cart_id)}/items/{_seg(item_id)}",
            params=self._cart_params(),
            body={"version": version} if version is not None else None,
            has_body=version is not None,
        )
        return None if data is None else self._parse(Cart, data)

    async def delete_cart(self, cart_id: str) -> None:
        """Delete the cart (unrecoverable). :class:`NotFound` when it is already gone."""
        await self._send("DELETE", f"/v3/carts/{_seg(cart_id)}")

    async def create_redirect_urls(self, cart_id: str, query_params: Mapping[str, str] | None = None) -> RedirectUrls:
        """Fresh single-use cart/checkout URLs (only for carts created through the Management API)."""
        body = {"query_params": dict(query_params)} if query_params else None
        data = await self._v3("POST", f"/carts/{_seg(cart_id)}/redirect_urls", body=body, has_body=body is not None)
        return self._parse(RedirectUrls, data)

    async def get_abandoned_cart_id(self, token: str) -> str:
        """The cart id behind a ``store/cart/abandoned`` token."""
        data = await self._v3("GET", f"/abandoned-carts/{_seg(token)}")
        if not isinstance(data, Mapping) or not data.get("cart_id"):
            raise BigCommerceError(None, "Abandoned cart response has no cart_id", None, data)
        return str(data["cart_id"])

    # -- checkouts --------------------------------------------------------------------------------------------

    @staticmethod
    def _checkout_params(include_shipping_options: bool) -> dict[str, str]:
        include = _CHECKOUT_INCLUDE
        if include_shipping_options:
            include += "," + _SHIPPING_OPTIONS_INCLUDE
        return {"include": include}

    async def get_checkout(self, checkout_id: str, include_shipping_options: bool = False) -> Checkout:
        data = await self._v3(
            "GET", f"/checkouts/{_seg(checkout_id)}", params=self._checkout_params(include_shipping_options)
        )
        return self._parse(Checkout, data)

    async def add_billing_address(self, checkout_id: str, address: AddressLike) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{_seg(checkout_id)}/billing-address",
            params=self._checkout_params(False),
            body=_to_api(address),
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def update_billing_address(self, checkout_id: str, address_id: str | int, address: AddressLike) -> Checkout:
        data = await self._v3(
            "PUT",
            f"/checkouts/{_seg(checkout_id)}/billing-address/{_seg(address_id)}",
            params=self._checkout_params(False),
            body=_to_api(address),
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def add_consignments(
        self,
        checkout_id: str,
        consignments: Sequence[ConsignmentLike],
        include_shipping_options: bool = True,
    ) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{_seg(checkout_id)}/consignments",
            params=self._checkout_params(include_shipping_options),
            body=[_to_api(c) for c in consignments],
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def select_shipping_option(self, checkout_id: str, consignment_id: str, shipping_option_id: str) -> Checkout:
        data = await self._v3(
            "PUT",
            f"/checkouts/{_seg(checkout_id)}/consignments/{_seg(consignment_id)}",
            params=self._checkout_params(False),
            body={"shipping_option_id": shipping_option_id},
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def apply_coupon(self, checkout_id: str, code: str) -> Checkout:
        data = await self._v3(
            "POST",
            f"/checkouts/{_seg(checkout_id)}/coupons",
            params=self._checkout_params(False),
            body={"coupon_code": code},
            has_body=True,
        )
        return self._parse(Checkout, data)

    async def create_order(self, checkout_id: str) -> int:
        """Create an order (status 0 Incomplete) from the checkout; returns the order id. Never retried
        once the request may have reached BigCommerce."""
        data = await self._v3("POST", f"/checkouts/{_seg(checkout_id)}/orders")
        if not isinstance(data, Mapping) or "id" not in data:
            raise BigCommerceError(None, "Order response has no id", None, data)
        try:
            return int(data["id"])
        except (TypeError, ValueError) as exc:
            raise BigCommerceError(None, "Order id is not a number", None, data) from exc

    # -- orders v2 --------------------------------------------------------------------------------------------

    async def get_order(self, order_id: int) -> Order:
        data = await self._v2("GET", f"/orders/{_seg(order_id)}")
        return self._parse(Order, data)

    async def get_order_products(self, order_id: int) -> list[OrderProduct]:
        """Every line of the order (all pages)."""
        return [self._parse(OrderProduct, item) async for item in self._v2_pages(f"/orders/{_seg(order_id)}/products")]

    async def iter_orders(self, **filters: Any) -> AsyncIterator[Order]:
        """Orders matching the v2 filters (``status_id``, ``cart_id``, ``min_date_modified``...), all pages."""
        async for item in self._v2_pages("/orders", filters):
            yield self._parse(Order, item)

    async def list_orders(self, **filters: Any) -> list[Order]:
        """Orders matching the v2 filters: one page when ``page`` is given, otherwise every page."""
        if "page" in filters:
            return self._parse_list(Order, await self._v2_list("/orders", filters))
        return [order async for order in self.iter_orders(**filters)]

    async def update_order_status(self, order_id: int, status_id: int) -> Order:
        data = await self._v2("PUT", f"/orders/{_seg(order_id)}", body={"status_id": status_id}, has_body=True)
        return self._parse(Order, data)

    # -- catalog ----------------------------------------------------------------------------------------------

    async def search_products(
        self,
        keyword: str | None = None,
        ids: Iterable[int] | None = None,
        limit: int = 50,
        page: int = 1,
    ) -> list[Product]:
        """One page of products (with images and variants) matching ``keyword`` and/or ``ids``."""
        params: dict[str, Any] = {"include": "images,variants", "limit": limit, "page": page}
        if keyword:
            params["keyword"] = keyword
        if ids is not None:
            id_list = [int(i) for i in ids]
            if not id_list:
                return []
            params["id:in"] = id_list
        data = await self._v3("GET", "/catalog/products", params=params)
        return self._parse_list(Product, data)

    async def get_product(self, product_id: int) -> Product:
        data = await self._v3("GET", f"/catalog/products/{_seg(product_id)}", params={"include": "images,variants"})
        return self._parse(Product, data)

    # -- customers --------------------------------------------------------------------------------------------

    async def get_customers(self, ids: Iterable[int]) -> list[Customer]:
        """The customers with these ids (with addresses); unknown ids are simply absent."""
        id_list = sorted({int(i) for i in ids})
        customers: list[Customer] = []
        for start in range(0, len(id_list), 50):
            chunk = id_list[start : start + 50]
            params = {"id:in": chunk, "include": "addresses", "limit": 50}
            async for item in self._v3_pages("/customers", params):
                customers.append(self._parse(Customer, item))
        return customers

    # -- hooks ------------------------------------------------------------------------------------------------

    async def list_hooks(self, **filters: Any) -> list[Hook]:
        """This app's hooks (all pages); filters ``is_active``, ``scope``, ``destination``."""
        return [self._parse(Hook, item) async for item in self._v3_pages("/hooks", filters)]

    async def get_hook(self, hook_id: int) -> Hook:
        return self._parse(Hook, await self._v3("GET", f"/hooks/{_seg(hook_id)}"))

    async def create_hook(
        self, scope: str, destination: str, headers: Mapping[str, str], is_active: bool = True
    ) -> Hook:
        body = {"scope": scope, "destination": destination, "is_active": is_active, "headers": dict(headers)}
        return self._parse(Hook, await self._v3("POST", "/hooks", body=body, has_body=True))

    async def update_hook(self, hook_id: int, **fields: Any) -> Hook:
        """Update any subset of ``scope``, ``destination``, ``is_active``, ``headers``."""
        return self._parse(Hook, await self._v3("PUT", f"/hooks/{_seg(hook_id)}", body=fields, has_body=True))

    async def delete_hook(self, hook_id: int) -> None:
        await self._send("DELETE", f"/v3/hooks/{_seg(hook_id)}")

    # -- scripts ----------------------------------------------------------------------------------------------

    async def list_scripts(self) -> list[Script]:
        """Scripts created by this API account (all pages)."""
        return [self._parse(Script, item) async for item in self._v3_pages("/content/scripts")]

    async def get_script(self, uuid: str) -> Script:
        return self._parse(Script, await self._v3("GET", f"/content/scripts/{_seg(uuid)}"))

    async def create_script(self, **fields: Any) -> Script:
        """Create a script: ``name``, ``kind``, ``src``/``html``, ``location``, ``visibility``, ``auto_uninstall``,
        ``consent_category``, ``channel_id``, ``load_method``, ``description``, ``enabled``..."""
        return self._parse(Script, await self._v3("POST", "/content/scripts", body=fields, has_body=True))

    async def update_script(self, uuid: str, **fields: Any) -> Script:
        data = await self._v3("PUT", f"/content/scripts/{_seg(uuid)}", body=fields, has_body=True)
        return self._parse(Script, data)

    async def delete_script(self, uuid: str) -> None:
        await self._send("DELETE", f"/v3/content/scripts/{_seg(uuid)}")
