"""One fetch per burst of cart webhooks, and a store out of quota slows carts down instead of failing it.

A cart webhook (`on_change`) fetches the cart at once unless one was fetched within the settle time or a fetch
is pending; then it only marks the cart dirty (`refreshes`). `flush_due` (every `refresh_poll_interval`, on
every replica) fetches the carts whose burst settled: taken `FOR UPDATE SKIP LOCKED` under a lease, then
fetched under the cart's lock, so two replicas never fetch one cart for the same webhooks.

BigCommerce throttling (429 after the client's own waits) or down (5xx, timeouts) does not fail the webhook:
the cart stays dirty and is fetched when the quota window resets (or after a backoff), so nothing is retried
through the broker nor parked, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from cartio_bigcommerce import BigCommerceClient, InvalidRequest, RateLimited, Transient, Unauthorized
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import refreshes
from .clients import StoreUnavailable
from .refreshes import cart_refreshes
from .service import SHOPPER, CartService, now

log = get_logger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
STORES_AT_ONCE = 4


def retry_after(exc: RateLimited | Transient, attempts: int) -> timedelta:
    """When a fetch BigCommerce refused for now is tried again: when the quota window resets, else a backoff."""
    if isinstance(exc, RateLimited) and exc.reset_ms is not None:
        return timedelta(milliseconds=max(exc.reset_ms, 500))
    return timedelta(seconds=min(60.0, 2.0 ** min(attempts, 6)))


@dataclass(frozen=True)
class Due:
    store_hash: str
    cart_id: uuid.UUID
    attempts: int


class Coalescer:
    def __init__(self, service: CartService) -> None:
        self.service = service
        settings = service.settings
        self.settle = timedelta(seconds=settings.refresh_settle_seconds)
        self.max_delay = timedelta(seconds=settings.refresh_max_delay_seconds)

    async def on_change(self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID, received_at: datetime,
                        *, gone: bool = False, update: bool = False) -> None:
        """A webhook (ingest got it at `received_at`) says the cart changed: nothing when a later fetch saw it,
        else fetch it now, or once its burst has settled. `gone` (the cart was deleted, it says): fetched now
        unless covered, and a 404 then marks it deleted by the shopper. `update`: it is `store/cart/updated`,
        one change of the cart's own, counted for the fetch that covers it (see `checkout_can_matter`)."""
        service = self.service
        await service.lock(unit, cart_id)
        at = now()
        found = await refreshes.marker(unit, cart_id)
        counted = int(update)
        if refreshes.covered(found, received_at):
            if counted and found is not None and found.updates < 0:
                await refreshes.paid(unit, cart_id)  # its change was in the last read, a move it explains
            return
        if not gone and refreshes.should_wait(found, at, self.settle):
            since, due = refreshes.next_due(found, at, self.settle, self.max_delay)
            await refreshes.mark_dirty(unit, cart_id, since=since, due=due, updates=counted)
            return
        try:
            await service.refresh(unit, client, cart_id, actor=SHOPPER, gone_reason="shopper" if gone else "unknown",
                                  updates=(found.updates if found is not None else 0) + counted, first=True)
        except (RateLimited, Transient) as exc:
            # No write was made before the fetch failed: keep the change for later, answer the webhook.
            due = at + retry_after(exc, 0)
            await refreshes.mark_dirty(unit, cart_id, since=at, due=due, updates=counted)
            log.warning("BigCommerce cannot answer now; cart fetch deferred", store_hash=unit.store_hash,
                        cart_id=str(cart_id), error=str(exc), due_at=due.isoformat())

    async def claim_due(self, at: datetime) -> list[Due]:
        """Carts whose burst settled, taken for `LEASE` by this replica."""
        table = cart_refreshes
        due = (
            sa.select(table.c.store_hash, table.c.cart_id)
            .where(table.c.dirty_since.is_not(None), table.c.due_at <= at,
                   sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < at))
            .order_by(table.c.due_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        async with self.service.db() as session, session.begin():
            rows = (await session.execute(
                table.update()
                .where(sa.tuple_(table.c.store_hash, table.c.cart_id).in_(due))
                .values(claimed_until=at + LEASE)
                .returning(table.c.store_hash, table.c.cart_id, table.c.attempts)
            )).all()
        return [Due(r.store_hash, r.cart_id, r.attempts) for r in rows]

    async def flush_due(self) -> int:
        """Fetch every cart whose burst settled; returns how many were fetched. Stores are served side by side
        (a few at a time: each fetch holds a database connection), so one throttled store, whose client waits
        for its window, does not hold up the others."""
        by_store: dict[str, list[Due]] = defaultdict(list)
        for due in await self.claim_due(now()):
            by_store[due.store_hash].append(due)
        gate = asyncio.Semaphore(STORES_AT_ONCE)

        async def one_store(dues: list[Due]) -> int:
            async with gate:
                return sum([await self._flush(due) for due in dues])

        return sum(await asyncio.gather(*(one_store(d) for d in by_store.values())))

    async def _flush(self, due: Due) -> bool:
        service = self.service
        try:
            async with service.unit(due.store_hash) as unit:
                await service.lock(unit, due.cart_id)
                found = await refreshes.marker(unit, due.cart_id)
                if found is None or found.dirty_since is None:
                    return False  # another fetch covered it meanwhile
                client = await service.clients.get(due.store_hash, unit.session)
                await service.refresh(unit, client, due.cart_id, actor=SHOPPER, updates=found.updates)
            return True
        except (RateLimited, Transient) as exc:
            wait = retry_after(exc, due.attempts + 1)
            log.warning("BigCommerce cannot answer now; cart fetch put off", store_hash=due.store_hash,
                        cart_id=str(due.cart_id), error=str(exc), retry_in_s=wait.total_seconds())
            await self._release(due, due_at=now() + wait, attempts=due.attempts + 1)
        except (StoreUnavailable, Unauthorized) as exc:
            log.warning("cart fetch dropped: the store cannot be read", store_hash=due.store_hash,
                        cart_id=str(due.cart_id), reason=str(exc))
            await self._release(due, due_at=None)
        except InvalidRequest as exc:
            log.error("BigCommerce refused the cart fetch; dropped", store_hash=due.store_hash,
                      cart_id=str(due.cart_id), error=str(exc))
            await self._release(due, due_at=None)
        except Exception as exc:  # the database, say: the change stays pending, tried again after a while
            log.exception("cart fetch failed; tried again later", store_hash=due.store_hash,
                          cart_id=str(due.cart_id), error=str(exc))
            await self._release(due, due_at=now() + timedelta(seconds=30), attempts=due.attempts + 1)
        return False

    async def _release(self, due: Due, *, due_at: datetime | None, attempts: int = 0) -> None:
        """Give the claim back: fetch again at `due_at`, or (None) forget the pending fetch."""
        table = cart_refreshes
        values: dict[str, object] = {"claimed_until": None, "due_at": due_at, "attempts": attempts}
        if due_at is None:
            values["dirty_since"] = None
        async with self.service.db() as session, session.begin():
            await session.execute(
                table.update().where(table.c.store_hash == due.store_hash, table.c.cart_id == due.cart_id)
                .values(**values)
            )
