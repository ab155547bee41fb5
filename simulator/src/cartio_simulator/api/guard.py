"""Every REST call passes here: token check (401), per-store rate limit (429, headers on every response),
injected latency and errors, BigCommerce-shaped error bodies, and the store's API usage (`GET /_sim/api_usage`)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ..errors import SimError
from ..runtime import Simulator
from ..state import Store

log = logging.getLogger("cartio_simulator.api")

API_PATH = re.compile(r"^/stores/([^/]+)/(v2|v3)(/|$)")
WINDOW_MS = 30000
ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


@dataclass
class StoreUsage:
    """What one store's API answered since the simulator started: every app's calls together, as the quota
    counts them (`requests` by method and path), and the calls refused for the quota (`throttled`)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    throttled: int = 0

    def by_route(self) -> dict[str, int]:
        """Counts by "METHOD /v3/carts/{id}" (ids folded), as `docs/interfaces.md` shows them."""
        routes: Counter[str] = Counter()
        for (method, path), count in self.requests.items():
            routes[f"{method} {route_of(path)}"] += count
        return dict(sorted(routes.items()))


_ID_SEGMENT = re.compile(r"/(?:\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32})(?=/|$)", re.IGNORECASE)


def route_of(path: str) -> str:
    """`/stores/abc/v3/carts/5c1d.../items/e2b4...` -> `/v3/carts/{id}/items/{id}`."""
    match = API_PATH.match(path)
    rest = path[match.end(1):] if match else path
    return _ID_SEGMENT.sub("/{id}", rest)


@dataclass
class ApiUsage:
    stores: dict[str, StoreUsage] = field(default_factory=dict)

    def of(self, store_hash: str) -> StoreUsage:
        return self.stores.setdefault(store_hash, StoreUsage())


def error_body(path: str, status: int, title: str, errors: dict[str, str] | None = None) -> object:
    match = API_PATH.match(path)
    if match and match.group(2) == "v2":
        details = "; ".join(f"{k}: {v}" for k, v in (errors or {}).items())
        return [{"status": status, "message": f"{title} ({details})" if details else title}]
    if match:
        return {"status": status, "title": title, "type": ERROR_TYPE, "errors": errors or {}}
    if path.startswith("/oauth2/"):
        return {"error": title}
    return {"detail": title, "errors": errors or {}}


def _rate_headers(store: Store, quota: int) -> dict[str, str]:
    elapsed_ms = int((time.monotonic() - store.rate.started) * 1000)
    return {
        "X-Rate-Limit-Time-Window-Ms": str(WINDOW_MS),
        "X-Rate-Limit-Time-Reset-Ms": str(max(0, WINDOW_MS - elapsed_ms)),
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Requests-Left": str(max(0, quota - store.rate.count)),
    }


def install(app: FastAPI, sim: Simulator) -> None:
    usage = ApiUsage()
    app.state.api_usage = usage

    @app.exception_handler(SimError)
    async def sim_error(request: Request, exc: SimError) -> JSONResponse:
        return JSONResponse(error_body(request.url.path, exc.status, exc.title, exc.errors), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = {".".join(str(p) for p in e["loc"][1:]) or "request": str(e["msg"]) for e in exc.errors()}
        status = 400 if API_PATH.match(request.url.path) else 422
        return JSONResponse(error_body(request.url.path, status, "The request is invalid", errors),
                            status_code=status)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        match = API_PATH.match(request.url.path)
        if not match:
            return await call_next(request)
        path = request.url.path
        store = sim.world.stores.get(match.group(1))
        token = store.tokens.get(request.headers.get("x-auth-token", "")) if store else None
        if store is None or token is None:
            body = error_body(path, 401, "You are not authorized to access this store: missing or invalid "
                                         "X-Auth-Token")
            headers = _rate_headers(store, _quota(sim)) if store else {}
            return JSONResponse(body, status_code=401, headers=headers)
        quota = _quota(sim)
        now = time.monotonic()
        if now - store.rate.started >= WINDOW_MS / 1000:
            store.rate.started, store.rate.count = now, 0
        if store.rate.count >= quota:
            headers = _rate_headers(store, quota)
            headers["X-Retry-After"] = str(max(1, -(-int(headers["X-Rate-Limit-Time-Reset-Ms"]) // 1000)))
            log.info("store %s throttled (%d requests in the window)", store.hash, store.rate.count)
            usage.of(store.hash).throttled += 1
            return JSONResponse(error_body(path, 429, "Too many requests"), status_code=429, headers=headers)
        if sim.faults.throttled(sim.rng, path):
            headers = {**_rate_headers(store, quota), "X-Retry-After": "1"}
            log.info("fault: store %s throttled (api_throttle_rate)", store.hash)
            usage.of(store.hash).throttled += 1
            return JSONResponse(error_body(path, 429, "Too many requests"), status_code=429, headers=headers)
        store.rate.count += 1
        usage.of(store.hash).requests[(request.method, path)] += 1
        headers = _rate_headers(store, quota)
        faults = sim.faults
        if faults.api_latency_ms:
            await asyncio.sleep(faults.api_latency_ms / 1000)
        if faults.api_error(sim.rng, path):
            status = sim.rng.choice([500, 503])
            title = "Internal Server Error" if status == 500 else "Service Unavailable"
            return JSONResponse(error_body(path, status, title), status_code=status, headers=headers)
        request.state.store = store
        request.state.token = token
        response = await call_next(request)
        if faults.lost_response(sim.rng, path):
            log.info("fault: %s %s was carried out but its answer is lost", request.method, path)
            return JSONResponse(error_body(path, 504, "Gateway Timeout"), status_code=504)
        response.headers.update(headers)
        return response


def _quota(sim: Simulator) -> int:
    return sim.faults.rate_limit_per_30s or sim.settings.rate_limit_per_30s
