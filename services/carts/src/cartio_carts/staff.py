"""What every staff action on a cart shares: the cart's lock held in one unit of work, the check that the cart
can still be changed, and the cart in full as the answer.

Each action goes to BigCommerce first and is reflected in Cartio at once: re-read, stored, timeline entry with
the staff member, event in the outbox. Writers of one cart are serialised by the cart's advisory lock, held
from before the BigCommerce call until Cartio's copy is stored, so the webhook BigCommerce fires for the change
finds nothing newer to record (and never attributes the staff member's change to the shopper).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from cartio_platform.messaging import Unit

from . import queries
from .domain.errors import CartError, CommitThen, Conflicting, cart_gone, cart_not_found
from .service import CartService, Row
from .views import CartInFull, cart_in_full


class StaffActions:
    def __init__(self, service: CartService) -> None:
        self.service = service
        self.settings = service.settings
        self.db = service.db

    async def cart_in_full(self, session: AsyncSession, store_hash: str, cart_id: uuid.UUID) -> CartInFull:
        row = await queries.cart_row(session, store_hash, cart_id)
        if row is None:
            raise cart_not_found()
        return await self._full(session, row)

    @staticmethod
    async def _full(session: AsyncSession, row: Row) -> CartInFull:
        return cart_in_full(row, await queries.timeline_of(session, row["store_hash"], row["cart_id"]))

    @staticmethod
    def _alive(row: Row | None) -> Row:
        """The cart, if staff can still change it."""
        if row is None:
            raise cart_not_found()
        status = row["status"]
        if status in ("deleted", "blocked"):
            raise cart_gone(status)
        if status == "converted":
            raise Conflicting("cart_converted",
                              f"This cart was turned into order {row['order_id']} and can no longer be changed",
                              order_id=row["order_id"])
        return row

    @asynccontextmanager
    async def _locked(self, store_hash: str, cart_id: uuid.UUID) -> AsyncIterator[Unit]:
        """A unit of work holding the cart's lock. `CommitThen` commits what was written, then raises."""
        deferred: CartError | None = None
        async with self.service.unit(store_hash) as unit:
            await self.service.lock(unit, cart_id)
            try:
                yield unit
            except CommitThen as exc:
                deferred = exc.error
        if deferred is not None:
            raise deferred
