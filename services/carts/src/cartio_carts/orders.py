"""An order kept, linked to its cart (converted), and announced as `order.placed` once."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_bigcommerce import Order, OrderProduct
from cartio_contracts.messages import OrderPlaced
from cartio_platform.logging import get_logger
from cartio_platform.messaging import Unit

from . import domain, queries
from .core import SHOPPER, SYSTEM, CartCore, Row, now
from .tables import carts, orders

log = get_logger(__name__)


class Orders(CartCore):
    async def record_order(
        self, unit: Unit, order: Order, products: list[OrderProduct], *, actor: str = SHOPPER,
        created_by: str | None = None, announce: bool = True,
    ) -> bool:
        """Keep the order, link it to its cart (converted) and publish `order.placed` once. An order still
        Incomplete (status 0) is kept but is not a conversion yet. True when order.placed was written.

        `announce=False` (an order declined for a blacklist match before Cartio had announced it): the order
        is kept and counted as announced, so `order.placed` never goes out for it, now or later."""
        store_hash, session = unit.store_hash, unit.session
        cart_id = domain.uuid_or_none(order.cart_id)
        cart_row: Row | None = None
        if cart_id is not None:
            await self.lock(unit, cart_id)
            cart_row = await self.get_row(unit, cart_id)
        placed = domain.order_placed(
            order, products, cart_ip=cart_row["ip"] if cart_row else None,
            cart_country=cart_row["country"] if cart_row else None,
        )
        values = {
            "cart_id": cart_id, "status_id": order.status_id, "customer_id": order.customer_id or None,
            "email": placed.email, "ip": placed.ip, "country": placed.country, "currency": placed.currency,
            "subtotal": placed.subtotal, "grand_total": placed.grand_total,
            "items": [line.model_dump(mode="json") for line in placed.items],
            "date_created": order.date_created, "date_modified": order.date_modified, "updated_at": now(),
        }
        if created_by is None:
            # An order Cartio itself is making: its request knows the staff member even before it is recorded.
            created_by = await queries.order_request_actor(session, store_hash, order.id)
        stmt = pg_insert(orders).values(store_hash=store_hash, order_id=order.id, created_by=created_by, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[orders.c.store_hash, orders.c.order_id],
            set_={**values, "created_by": sa.func.coalesce(orders.c.created_by, stmt.excluded.created_by)},
        )
        await session.execute(stmt)
        row = (
            await session.execute(
                sa.select(orders.c.placed_published_at, orders.c.created_by)
                .where(orders.c.store_hash == store_hash, orders.c.order_id == order.id)
                .with_for_update()
            )
        ).first()
        assert row is not None
        if order.status_id == 0:
            log.info("incomplete order kept; not a conversion yet", store_hash=store_hash, order_id=order.id)
            return False
        who = row.created_by or actor
        if cart_id is not None:
            if cart_row is None:
                await self._cart_from_order(unit, cart_id, order, placed)
            await self.mark(unit, cart_id, "converted", actor=who, order_id=order.id, locked=True,
                            at=order.date_created)
        if row.placed_published_at is not None:
            return False
        await session.execute(
            orders.update().where(orders.c.store_hash == store_hash, orders.c.order_id == order.id)
            .values(placed_published_at=now())
        )
        if not announce:
            log.info("order kept without order.placed", store_hash=store_hash, order_id=order.id,
                     status_id=order.status_id)
            return False
        if row.created_by:
            placed = placed.model_copy(update={"created_by": row.created_by})
        await unit.emit(placed)
        log.info("order placed", store_hash=store_hash, order_id=order.id, cart_id=str(cart_id) if cart_id else None,
                 status_id=order.status_id)
        return True

    async def _cart_from_order(self, unit: Unit, cart_id: uuid.UUID, order: Order, placed: OrderPlaced) -> None:
        """A cart Cartio never saw (converted before its first webhook was handled): kept from its order."""
        items = [
            domain.make_item(
                id=f"order-{order.id}-{n}", kind="physical", product_id=line.product_id, variant_id=line.variant_id,
                name=line.name, sku=None, image_url=None, quantity=line.quantity, unit_price=line.unit_price,
            )
            for n, line in enumerate(placed.items)
        ]
        created = order.date_created or now()
        await unit.session.execute(
            carts.insert().values(
                store_hash=unit.store_hash, cart_id=cart_id, status="active",
                user_type="customer" if order.customer_id else "guest", customer_id=order.customer_id or 0,
                email=placed.email, name=domain.billing_name(order), currency=placed.currency,
                items=[i.to_json() for i in items], item_count=sum(i.quantity for i in items),
                subtotal=placed.subtotal,
                discount=domain.money(order.discount_amount) + domain.money(order.coupon_discount),
                shipping=domain.money(order.shipping_cost_ex_tax), tax=domain.money(order.total_tax),
                grand_total=placed.grand_total, created_at=created, updated_at=created, ip=placed.ip,
                country=placed.country,
            )
        )
        await self.timeline(unit, cart_id, actor=SYSTEM, action="created",
                            detail={"from_order": order.id, "item_count": sum(i.quantity for i in items)})
        log.info("cart known only from its order kept", store_hash=unit.store_hash, cart_id=str(cart_id),
                 order_id=order.id)
