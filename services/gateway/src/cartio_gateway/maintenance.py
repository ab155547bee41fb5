"""Periodic housekeeping: purge stores whose grace period after uninstall is over, prune what expires."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cartio_gateway import tables as t
from cartio_gateway.settings import Settings
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)

# Inbox ids and published outbox rows are kept this long (redeliveries come within minutes, not days).
MESSAGE_RETENTION = timedelta(days=7)


@dataclass
class PassResult:
    purged_stores: list[str] = field(default_factory=list)
    live_events: int = 0
    jtis: int = 0
    sessions: int = 0


async def purge_store(db: SessionMaker, store_hash: str) -> bool:
    """Delete every row of an uninstalled store whose purge time has come; False if it is not due (any more)."""
    async with db() as session, session.begin():
        st = t.stores
        due = await session.scalar(
            sa.select(st.c.store_hash)
            .where(st.c.store_hash == store_hash, st.c.active.is_(False), st.c.purge_after <= sa.func.now())
            .with_for_update(skip_locked=True)
        )
        if due is None:
            return False
        for table in t.STORE_TABLES:
            where = [table.c.store_hash == store_hash]
            if table is t.outbox:
                where.append(table.c.published_at.is_not(None))  # an event not yet sent still goes out
            await session.execute(sa.delete(table).where(*where))
        await session.execute(sa.delete(st).where(st.c.store_hash == store_hash))
    log.info("store purged", store_hash=store_hash)
    return True


async def run_pass(db: SessionMaker, settings: Settings) -> PassResult:
    result = PassResult()
    async with db() as session:
        due = (
            await session.scalars(
                sa.select(t.stores.c.store_hash).where(
                    t.stores.c.active.is_(False), t.stores.c.purge_after <= sa.func.now()
                )
            )
        ).all()
    for store_hash in due:
        if await purge_store(db, store_hash):
            result.purged_stores.append(store_hash)
    now = datetime.now(UTC)
    async with db() as session, session.begin():
        r = await session.execute(
            sa.delete(t.live_events).where(t.live_events.c.at < now - timedelta(seconds=settings.live_retention))
        )
        result.live_events = int(r.rowcount or 0)  # type: ignore[attr-defined]
        # A jti can be refused by its expiry alone once exp + leeway is past.
        r = await session.execute(
            sa.delete(t.used_jtis).where(t.used_jtis.c.exp < now - timedelta(seconds=settings.jwt_leeway + 60))
        )
        result.jtis = int(r.rowcount or 0)  # type: ignore[attr-defined]
        r = await session.execute(sa.delete(t.sessions).where(t.sessions.c.expires_at < now))
        result.sessions = int(r.rowcount or 0)  # type: ignore[attr-defined]
        await session.execute(sa.delete(t.inbox).where(t.inbox.c.handled_at < now - MESSAGE_RETENTION))
        await session.execute(
            sa.delete(t.outbox).where(t.outbox.c.published_at < now - MESSAGE_RETENTION)
        )
    return result


class Maintenance:
    def __init__(self, db: SessionMaker, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                result = await run_pass(self.db, self.settings)
                if result.purged_stores or result.live_events:
                    log.info("maintenance pass", purged=result.purged_stores, live_events=result.live_events,
                             jtis=result.jtis, sessions=result.sessions)
            except Exception as exc:
                log.warning("maintenance pass failed", error=str(exc))
            await asyncio.sleep(self.settings.maintenance_interval)
