"""Every HTTP request of a service: its correlation id bound, counted by route and status, and logged.

A plain ASGI middleware rather than Starlette's `@app.middleware("http")`: that one runs the app in a task of
its own and streams the response through memory channels, which cost ingest more than handling a webhook.
"""

from __future__ import annotations

import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cartio_platform.logging import bind_correlation_id, get_logger
from cartio_platform.metrics import HTTP_REQUESTS

log = get_logger("cartio_platform.runtime")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: counted, not logged
_LOGGED = "cartio_outcome_logged"


def outcome_logged(scope: Scope) -> None:
    """The route logged a line of its own saying what it did with this request: no access line repeats it (at
    thousands of webhooks a second, one line each is what ingest can afford)."""
    scope.setdefault("state", {})[_LOGGED] = True


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The caller's correlation id, else a fresh one: the request's logs and events carry it.
        given = next((v for k, v in scope["headers"] if k == b"x-correlation-id"), b"")
        bind_correlation_id(given.decode("latin-1")[:200] or str(uuid.uuid4()))
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The router puts the matched route into the scope it was given: this one.
            path = getattr(scope.get("route"), "path", "(unmatched)")
            HTTP_REQUESTS.labels(method=scope["method"], route=path, status=str(status)).inc()
            if path not in QUIET_ROUTES and not scope.get("state", {}).get(_LOGGED):
                log.info("request", method=scope["method"], route=path, status=status,
                         ms=round((time.perf_counter() - started) * 1000, 1))
