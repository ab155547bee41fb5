"""Periodic work: idle carts become abandoned; uninstalled stores' data is purged after its grace period.

Safe with several replicas: rows are taken `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from cartio_platform.logging import get_logger

from . import domain
from .refreshes import cart_refreshes
from .service import SYSTEM, CartService, now
from .tables import (
    cart_timeline,
    carts,
    inbox,
    order_requests,
    orders,
    outbox,
    pending_sessions,
    send_requests,
    stores,
)

log = get_logger(__name__)


async def abandon_idle(service: CartService, at: datetime | None = None, batch: int = 500) -> int:
    """Mark active carts with no change for `abandon_after` as abandoned (timeline and cart.abandoned).

    Each cart is taken under its advisory lock and checked again, in the same order of locking as every
    other writer (lock, then row), so a sweep never deadlocks with a webhook being handled.
    """
    at = at or now()
    cutoff = at - service.settings.abandon_after
    done = 0
    while True:
        async with service.db() as session:
            candidates = (
                await session.execute(
                    sa.select(carts.c.store_hash, carts.c.cart_id)
                    .where(carts.c.status == "active", carts.c.updated_at <= cutoff)
                    .order_by(carts.c.updated_at)
                    .limit(batch)
                )
            ).all()
        for c in candidates:
            async with service.unit(c.store_hash) as unit:
                await service.lock(unit, c.cart_id)
                row = await service.get_row(unit, c.cart_id)
                if row is None or row["status"] != "active" or not domain.is_idle(
                    row["updated_at"], at, service.settings.abandon_after
                ):
                    continue
                if await service.mark(unit, c.cart_id, "abandoned", actor=SYSTEM, at=at, locked=True,
                                      detail={"idle_since": row["updated_at"].isoformat()}):
                    done += 1
        if len(candidates) < batch:
            break
    if done:
        log.info("idle carts abandoned", count=done)
    return done


async def purge_stores(service: CartService, at: datetime | None = None) -> list[str]:
    """Delete every row of stores uninstalled and past their purge time."""
    at = at or now()
    purged: list[str] = []
    async with service.db() as session, session.begin():
        due = (
            await session.execute(
                sa.select(stores.c.store_hash)
                .where(stores.c.active.is_(False), stores.c.purge_after <= at, stores.c.purged_at.is_(None))
                .with_for_update(skip_locked=True)
            )
        ).scalars().all()
        for store_hash in due:
            for table in (cart_timeline, cart_refreshes, pending_sessions, order_requests, send_requests, orders,
                          carts, inbox):
                await session.execute(table.delete().where(table.c.store_hash == store_hash))
            await session.execute(
                outbox.delete().where(outbox.c.store_hash == store_hash, outbox.c.published_at.is_not(None))
            )
            await session.execute(
                stores.update().where(stores.c.store_hash == store_hash)
                .values(purged_at=at, access_token_encrypted=None, updated_at=at)
            )
            purged.append(store_hash)
            log.info("uninstalled store's data purged", store_hash=store_hash)
        await session.execute(
            pending_sessions.delete().where(pending_sessions.c.seen_at < at - service.settings.pending_session_ttl)
        )
    return purged
