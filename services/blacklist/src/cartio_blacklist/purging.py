"""Periodic work: an uninstalled store's rules, hits and projections are deleted once its grace period is over."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from cartio_blacklist import tables as t
from cartio_blacklist.index import RuleIndex
from cartio_platform.db import SessionMaker
from cartio_platform.logging import get_logger

log = get_logger(__name__)


async def purge_stores(db: SessionMaker, index: RuleIndex, at: datetime | None = None) -> list[str]:
    at = at or datetime.now(UTC)
    async with db() as session, session.begin():
        due = list((await session.execute(
            sa.select(t.stores.c.store_hash).where(t.stores.c.uninstalled_at.is_not(None), t.stores.c.purge_after <= at)
            .with_for_update(skip_locked=True)
        )).scalars())
        for table in (t.rules, t.hits, t.carts, t.orders, t.stores):
            await session.execute(sa.delete(table).where(table.c.store_hash.in_(due)))
    for store_hash in due:
        index.install(store_hash, [])
        log.info("store purged", store_hash=store_hash)
    return due
