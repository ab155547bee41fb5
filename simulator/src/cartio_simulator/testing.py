"""Test helpers (also for other teams' tests): a uvicorn server inside the running event loop, a request
recorder to stand in for an app or a webhook destination, and polling with a deadline."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request, Response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def poll(check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Calls `check` (sync or async) until it returns something truthy; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


class Served:
    """`async with Served(app) as s:` serves `app` on `s.url` (a free loopback port) in this event loop."""

    def __init__(self, app: Any, port: int | None = None, lifespan: Literal["auto", "on", "off"] = "off") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan)
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Served:
        self._task = asyncio.get_running_loop().create_task(self._server.serve())
        task = self._task
        await poll(lambda: self._server.started or task.done(), timeout=10)
        if not self._server.started:
            raise RuntimeError(f"server on port {self.port} did not start")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request; answers with the next queued status, then `default_status`; `on_request` may
    answer instead."""

    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    on_request: Callable[[Received], Awaitable[Response | None]] | None = None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        async def catch_all(request: Request, path: str) -> Response:
            received = Received(request.method, "/" + path, dict(request.query_params),
                                {k.lower(): v for k, v in request.headers.items()}, await request.body())
            self.requests.append(received)
            if self.on_request is not None:
                custom = await self.on_request(received)
                if custom is not None:
                    return custom
            status = self.statuses.pop(0) if self.statuses else self.default_status
            return Response(status_code=status)

        return app
