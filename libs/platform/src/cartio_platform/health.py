"""/healthz (the process is alive), /readyz (its database and broker answer, its consumers consume), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cartio_platform.broker import Broker
from cartio_platform.security import service_token_of

Check = Callable[[], Awaitable[None]]


class Consuming(Protocol):
    @property
    def queue(self) -> str: ...
    @property
    def is_consuming(self) -> bool: ...


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


def broker_check(broker: Broker) -> Check:
    async def check() -> None:
        if not broker.is_connected:
            raise RuntimeError("not connected")

    return check


def consumers_check(consumers: Sequence[Consuming]) -> Check:
    """Every queue consumer is taking messages (not ready while one is reconnecting after a lost channel)."""

    async def check() -> None:
        idle = [consumer.queue for consumer in consumers if not consumer.is_consuming]
        if idle:
            raise RuntimeError("not consuming " + ", ".join(idle))

    return check


def health_router(checks: dict[str, Check], service_token: str) -> APIRouter:
    """/healthz is open (liveness says nothing); /readyz and /metrics tell what is connected and how busy a
    replica is, so they need `Authorization: Bearer <CARTIO_SERVICE_TOKEN>` like the internal APIs (401 else)."""
    router = APIRouter(include_in_schema=False)
    operator = [Depends(service_token_of(service_token))]

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", dependencies=operator)
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), 2.0)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"failing: {exc or type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": results},
                            status_code=200 if ready else 503)

    @router.get("/metrics", dependencies=operator)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
