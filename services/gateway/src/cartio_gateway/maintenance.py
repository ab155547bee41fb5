"""Periodic housekeeping: purge stores whose grace period after uninstall is over, prune what expires."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cartio_gateway import tables as t
from cartio_gateway.settings import Settings
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)

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
    return result


async def maintain(db: SessionMaker, settings: Settings) -> None:
    """One housekeeping pass, logged when it removed anything."""
    result = await run_pass(db, settings)
    if result.purged_stores or result.live_events:
        log.info("maintenance pass", purged=result.purged_stores, live_events=result.live_events,
                 jtis=result.jtis, sessions=result.sessions)
