"""The transport under every BigCommerce resource call (v3 + v2 orders).

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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, Self, TypeVar
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from .errors import BigCommerceError, RateLimited, Transient, error_from_response, int_header
from .metrics import REQUESTS_LEFT

__all__ = ["DEFAULT_API_URL", "USER_AGENT", "Transport", "seg", "to_api"]

DEFAULT_API_URL: Final = "https://api.bigcommerce.com"
USER_AGENT: Final = "Cartio/1.0"

_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})
# Transport errors raised before any byte of the request was sent: safe to retry even for POST.
_NOT_SENT_ERRORS: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_V2_PAGE_LIMIT: Final = 250
_MAX_PAGES: Final = 10_000

M = TypeVar("M", bound=BaseModel)

Sleep = Callable[[float], Awaitable[None]]


def seg(value: object) -> str:
    """One URL path segment, escaped."""
    return quote(str(value), safe="")


def to_api(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """An input model or a plain mapping, as the JSON BigCommerce takes."""
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


class Transport:
    """One store's connection: sending with quota, retries and backoff; v3/v2 envelopes and paging.

    The resource classes (``resources/``) build on it; :class:`~cartio_bigcommerce.BigCommerceClient` joins them.
    """

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
        self._base = f"{api_url.rstrip('/')}/stores/{seg(store_hash)}"
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
        left = int_header(headers, "X-Rate-Limit-Requests-Left")
        if left is not None:
            REQUESTS_LEFT.labels(store_hash=self.store_hash).set(left)
        if left is None or left >= self._low_quota_threshold:
            return
        reset_ms = int_header(headers, "X-Rate-Limit-Time-Reset-Ms")
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
