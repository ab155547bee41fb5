"""Background work every N seconds (purges, pruning, idle checks), and the inbox/outbox retention pass."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)


class Periodic:
    """Runs `work` every `interval` seconds until stopped; a failing pass is logged, not fatal."""

    def __init__(self, name: str, interval: float, work: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.interval = interval
        self.work = work
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.work()
            except Exception as exc:
                log.warning("periodic task failed", task=self.name, error=str(exc))
            await asyncio.sleep(self.interval)


async def prune_messages(db: SessionMaker, inbox: Any, outbox: Any, retention: timedelta) -> tuple[int, int]:
    """Forget handled message ids and published events older than `retention` (redeliveries come within
    minutes, so days are plenty). Returns the numbers of inbox and outbox rows removed."""
    cutoff = datetime.now(UTC) - retention
    async with db() as session, session.begin():
        seen = await session.execute(sa.delete(inbox).where(inbox.c.handled_at < cutoff))
        sent = await session.execute(sa.delete(outbox).where(outbox.c.published_at < cutoff))
    return int(getattr(seen, "rowcount", 0) or 0), int(getattr(sent, "rowcount", 0) or 0)
