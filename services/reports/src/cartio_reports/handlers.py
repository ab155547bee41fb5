"""One function per message type; each runs in the consumer's transaction with the inbox already claimed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_contracts.messages import (
    BlacklistMatched,
    CartAbandoned,
    CartConverted,
    CartDeleted,
    CartUpserted,
    Message,
    NotificationSent,
    OrderPlaced,
    StoreInstalled,
    StoreUninstalled,
)
from cartio_platform.messaging import Handler, Unit

from . import counters
from .domain import funnel, products
from .tables import STORE_TABLES, orders_counted, stores


def _at(unit: Unit, fallback: datetime) -> datetime:
    return unit.envelope.occurred_at if unit.envelope is not None else fallback


# Every handler takes its row locks in one order: product names (by product id), then the product day rows
# (`add_products`), then the cart's facts and the funnel's day row (`update_cart`). In other orders, a backlog
# handled concurrently (after carts was down a minute) deadlocked a cart's snapshot against an order of the same
# products, and after its retries each such message was parked with its counts.


async def _remember_products(unit: Unit, lines: list[tuple[int, str, str | None]], seen_at: datetime) -> None:
    for product_id, name, image_url in sorted(lines, key=lambda line: line[0]):
        await counters.remember_product(unit.session, unit.store_hash, product_id, name, image_url, seen_at)


async def on_cart_upserted(message: CartUpserted, unit: Unit) -> None:
    cart, s = message.cart, unit.session
    await _remember_products(unit, [(i.product_id, i.name, i.image_url) for i in cart.items], cart.updated_at)
    if message.item_changes:
        # The change happened when carts saw it: the event's time (the cart's own clock is BigCommerce's).
        at, tz = _at(unit, cart.updated_at), await counters.store_zone(s, unit.store_hash)
        deltas = [d for c in message.item_changes if (d := products.from_item_change(c, at, tz)) is not None]
        await counters.add_products(s, unit.store_hash, deltas)
    await counters.update_cart(s, unit.store_hash, cart.id, lambda f: funnel.seen_snapshot(
        f, created_at=cart.created_at, updated_at=cart.updated_at, has_email=bool(cart.customer.email),
        total=cart.grand_total))


async def on_cart_abandoned(message: CartAbandoned, unit: Unit) -> None:
    await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                               lambda f: funnel.abandoned(f, message.abandoned_at, message.grand_total))


async def on_cart_converted(message: CartConverted, unit: Unit) -> None:
    await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                               lambda f: funnel.converted(f, message.converted_at))


async def on_cart_deleted(message: CartDeleted, unit: Unit) -> None:
    await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                               lambda f: funnel.deleted(f, message.deleted_at, blocked=message.reason == "blocked"))


async def on_blacklist_matched(message: BlacklistMatched, unit: Unit) -> None:
    if message.subject == "cart" and message.cart_id is not None:
        await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                                   lambda f: funnel.deleted(f, message.matched_at, blocked=True))


async def on_notification_sent(message: NotificationSent, unit: Unit) -> None:
    await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                               lambda f: funnel.sent(f, message.sent_at))
    checkout = message.checkout_cart_id
    if checkout is not None and checkout != message.cart_id:
        await counters.update_cart(unit.session, unit.store_hash, checkout,
                                   lambda f: funnel.sent(f, message.sent_at, recovery_of=message.cart_id))


async def on_order_placed(message: OrderPlaced, unit: Unit) -> None:
    first = (await unit.session.execute(
        pg_insert(orders_counted).values(store_hash=unit.store_hash, order_id=message.order_id)
        .on_conflict_do_nothing().returning(orders_counted.c.order_id)
    )).first()
    if first is None:
        return
    await _remember_products(unit, [(line.product_id, line.name, None) for line in message.items],
                             message.placed_at)
    tz = await counters.store_zone(unit.session, unit.store_hash)
    deltas = products.from_order(message.items, message.placed_at, tz)
    await counters.add_products(unit.session, unit.store_hash, deltas)
    if message.cart_id is not None:
        await counters.update_cart(unit.session, unit.store_hash, message.cart_id,
                                   lambda f: funnel.ordered(f, message.grand_total, at=message.placed_at,
                                                            has_email=bool(message.email)))


async def on_store_installed(message: StoreInstalled, unit: Unit) -> None:
    stmt = pg_insert(stores).values(store_hash=unit.store_hash, timezone=message.timezone or "UTC",
                                    currency=message.currency)
    await unit.session.execute(stmt.on_conflict_do_update(
        index_elements=[stores.c.store_hash],
        set_={"timezone": stmt.excluded.timezone,
              "currency": sa.func.coalesce(stmt.excluded.currency, stores.c.currency)},
    ))


async def on_store_uninstalled(message: StoreUninstalled, unit: Unit) -> None:
    # Reports hold no personal data worth a grace period: the store's figures go at once.
    for table in STORE_TABLES:
        await unit.session.execute(table.delete().where(table.c.store_hash == unit.store_hash))


HANDLERS: dict[type[Message], Handler] = {
    CartUpserted: on_cart_upserted,
    CartAbandoned: on_cart_abandoned,
    CartConverted: on_cart_converted,
    CartDeleted: on_cart_deleted,
    BlacklistMatched: on_blacklist_matched,
    NotificationSent: on_notification_sent,
    OrderPlaced: on_order_placed,
    StoreInstalled: on_store_installed,
    StoreUninstalled: on_store_uninstalled,
}
