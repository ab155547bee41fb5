"""Blacklist matches enforced: a cart deleted in BigCommerce and blocked in Cartio, an order declined.

Enforcing a match twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from typing import Any

from cartio_bigcommerce import BigCommerceClient, NotFound
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain, queries
from .core import SYSTEM, now
from .orders import Orders
from .tables import orders

log = get_logger(__name__)


class Enforcement(Orders):
    async def block_cart(
        self, unit: Unit, client: BigCommerceClient, cart_id: uuid.UUID, detail: Mapping[str, Any]
    ) -> bool:
        """Enforce a blacklist match on a cart: delete it in BigCommerce (already gone is fine), then mark it
        blocked (timeline entry by the system with the rule, `cart.deleted` reason blocked and `cart.upserted`).
        Safe to repeat: a blocked cart is left alone. False when nothing changed (blocked already, or a cart
        Cartio does not know: logged and dropped). BigCommerce being unavailable raises."""
        store_hash = unit.store_hash
        await self.lock(unit, cart_id)
        row = await self.get_row(unit, cart_id)
        if row is None:
            log.warning("blacklist match for a cart unknown here dropped", store_hash=store_hash,
                        cart_id=str(cart_id), rule_id=detail.get("rule_id"))
            return False
        if not domain.needs_block(row["status"]):
            log.info("cart already blocked", store_hash=store_hash, cart_id=str(cart_id))
            return False
        # Already deleted, converted or expired in the store (404): nothing left to delete there.
        with contextlib.suppress(NotFound):
            await client.delete_cart(str(cart_id))
        blocked = await self.mark(unit, cart_id, "blocked", actor=SYSTEM, detail=detail, locked=True)
        log.info("cart blocked", store_hash=store_hash, cart_id=str(cart_id), rule_id=detail.get("rule_id"),
                 kind=detail.get("kind"), status_from=row["status"])
        return blocked

    async def block_order(
        self, unit: Unit, client: BigCommerceClient, order_id: int, cart_hint: uuid.UUID | None,
        detail: Mapping[str, Any],
    ) -> bool:
        """Enforce a blacklist match on an order: decline it in BigCommerce (status 6) unless it is already,
        keep the status, and block the order's cart (in the store and in Cartio). The status webhooks the
        decline fires find nothing new, and `order.placed` never goes out twice (or, for an order not yet
        announced, at all). True when the order was declined now."""
        store_hash = unit.store_hash
        stored = await queries.order_status(unit.session, store_hash, order_id)
        known_cart = domain.linked_cart(cart_hint, stored.cart_id if stored is not None else None)
        if known_cart is not None:
            await self.lock(unit, known_cart)  # before the webhook of the order's cart may act
        try:
            order = await client.get_order(order_id)
        except NotFound:
            log.warning("blacklist match for an order BigCommerce does not have dropped", store_hash=store_hash,
                        order_id=order_id, rule_id=detail.get("rule_id"))
            return False
        declined = False
        if domain.needs_decline(order.status_id):
            previous = order.status_id
            order = await client.update_order_status(order_id, domain.DECLINED,
                                                     staff_notes=domain.decline_note(detail))
            declined = True
            log.info("order declined", store_hash=store_hash, order_id=order_id, status_from=previous,
                     rule_id=detail.get("rule_id"), kind=detail.get("kind"))
        cart_id = domain.linked_cart(known_cart, order.cart_id)
        if stored is None:
            products = await client.get_order_products(order_id)
            await self.record_order(unit, order, products, actor=SYSTEM, announce=False)
        else:
            await unit.session.execute(
                orders.update().where(orders.c.store_hash == store_hash, orders.c.order_id == order_id)
                .values(status_id=order.status_id, date_modified=order.date_modified, updated_at=now())
            )
        if cart_id is None:
            log.info("declined order has no cart to block", store_hash=store_hash, order_id=order_id)
            return declined
        await self.lock(unit, cart_id)
        if declined and await self.get_row(unit, cart_id) is not None:
            await self.timeline(unit, cart_id, actor=SYSTEM, action="order_declined",
                                detail={**detail, "order_id": order_id, "status_id": order.status_id})
        await self.block_cart(unit, client, cart_id, {**detail, "order_id": order_id})
        return declined
