"""Is a failure the message's fault, or the infrastructure's? An outage must not burn a message's retries.

A handler that fails because PostgreSQL or RabbitMQ is gone (or a connection was refused or reset) would fail
the same way for every message: counting it as a failed attempt would park the whole backlog in `.dead` during
a quarter-hour outage. Such failures wait for the infrastructure to answer and are retried without counting;
only a failure on a healthy system counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from cartio_platform.broker import Broker, BrokerUnavailable
from cartio_platform.db import SessionMaker

Probe = Callable[[], Awaitable[str | None]]

# asyncpg's errors for a server that is gone, shutting down or not accepting connections yet.
_PG_DOWN = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
)


def is_infrastructure_error(error: BaseException) -> bool:
    """True when `error` (or what caused it) says a connection failed: refused, reset, gone, pool exhausted."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, BrokerUnavailable, sa_exc.TimeoutError, *_PG_DOWN)):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.InterfaceError):
            return True
        current = current.__cause__ or current.__context__
    return False


def infrastructure_probe(sessionmaker: SessionMaker | None, broker: Broker, timeout: float = 5.0) -> Probe:
    """A probe answering None when the database and the broker answer, else what is down."""

    async def probe() -> str | None:
        if not broker.is_connected:
            return "broker not connected"
        if sessionmaker is None:
            return None
        try:
            async with asyncio.timeout(timeout), sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            return f"database: {type(exc).__name__}: {exc}"[:300]
        return None

    return probe
