"""One function per message type; each runs in one transaction (inbox already claimed).

Carts and orders are projected (what the blacklist needs of them to judge them later, when a rule is added) and
judged as they come: a cart by its email, session IP and country; an order by its billing email, IP, geoip
country and billing country. Only active and abandoned carts are judged: a blocked cart coming back as `cart.upserted`
(status blocked) is recorded and left alone, so enforcement never loops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cartio_blacklist import tables as t
from cartio_blacklist.domain.matcher import Subject, email_parts
from cartio_blacklist.domain.rules import parse_ip
from cartio_blacklist.enforcement import enforce
from cartio_blacklist.index import RuleIndex
from cartio_blacklist.queries import JUDGED_CART_STATUSES
from cartio_contracts.messages import (
    CartConverted,
    CartDeleted,
    CartUpserted,
    OrderPlaced,
    StoreInstalled,
    StoreUninstalled,
)
from cartio_platform.messaging import Unit


def _shopper(email: str | None, ip: str | None, country: str | None) -> dict[str, Any]:
    """The projection's columns for a shopper: email lower case with its domain, IP canonical, country upper."""
    parts = email_parts(email)
    address = parse_ip(ip)
    return {
        "email": parts[0] if parts else None,
        "email_domain": parts[1] if parts else None,
        "ip": str(address) if address else None,
        "country": _country(country),
    }


def _subject(values: dict[str, Any]) -> Subject:
    countries = tuple(dict.fromkeys(c for c in (values["country"], values.get("billing_country")) if c))
    return Subject(email=values["email"], ips=(values["ip"],) if values["ip"] else (), countries=countries)


def _country(code: str | None) -> str | None:
    code = (code or "").strip().upper()
    return code if len(code) == 2 else None


async def on_cart_upserted(message: CartUpserted, unit: Unit, *, index: RuleIndex) -> None:
    cart = message.cart
    customer = cart.customer
    values = {
        "status": cart.status, **_shopper(customer.email, customer.ip, customer.country),
        "grand_total": cart.grand_total, "currency": cart.currency, "updated_at": cart.updated_at,
    }
    stmt = pg_insert(t.carts).values(store_hash=unit.store_hash, cart_id=cart.id, **values)
    applied = await unit.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.carts.c.store_hash, t.carts.c.cart_id], set_=values,
            # An older snapshot never overwrites a newer one, and a cart past judging never comes back to it.
            where=(t.carts.c.updated_at <= stmt.excluded.updated_at) & t.carts.c.status.in_(JUDGED_CART_STATUSES),
        ).returning(t.carts.c.cart_id)
    )
    if applied.first() is None or cart.status not in JUDGED_CART_STATUSES:
        return
    now = datetime.now(UTC)
    verdict = await index.judge(unit.store_hash, _subject(values), now)
    await enforce(unit, verdict, now, subject="cart", cart_id=cart.id)


async def _cart_ended(unit: Unit, cart_id: Any, status: str) -> None:
    await unit.session.execute(
        sa.update(t.carts).where(t.carts.c.store_hash == unit.store_hash, t.carts.c.cart_id == cart_id)
        .values(status=status)
    )


async def on_cart_deleted(message: CartDeleted, unit: Unit) -> None:
    await _cart_ended(unit, message.cart_id, "blocked" if message.reason == "blocked" else "deleted")


async def on_cart_converted(message: CartConverted, unit: Unit) -> None:
    await _cart_ended(unit, message.cart_id, "converted")


async def on_order_placed(message: OrderPlaced, unit: Unit, *, index: RuleIndex) -> None:
    cart = None
    if message.cart_id is not None:
        cart = (await unit.session.execute(
            sa.select(t.carts.c.ip, t.carts.c.country)
            .where(t.carts.c.store_hash == unit.store_hash, t.carts.c.cart_id == message.cart_id)
        )).first()
    # An order staff created through the Checkout API carries no shopper IP (and a billing country staff typed):
    # the shopper is judged by the cart's session. A shopper's own order is judged by its own, else the cart's.
    own_ip, own_country = (None, None) if message.created_by else (message.ip, message.country)
    ip = own_ip or (str(cart.ip) if cart is not None and cart.ip else None)
    country = own_country or (cart.country if cart is not None else None)
    # The billing country is the shopper's only in their own checkout (Cartio's orders may carry a default).
    billing_country = None if message.created_by else _country(message.billing_country)
    values = {
        "cart_id": message.cart_id, **_shopper(message.email, ip, country), "billing_country": billing_country,
        "grand_total": message.grand_total, "currency": message.currency, "created_by": message.created_by,
        "placed_at": message.placed_at,
    }
    await unit.session.execute(
        pg_insert(t.orders).values(store_hash=unit.store_hash, order_id=message.order_id, **values)
        .on_conflict_do_update(index_elements=[t.orders.c.store_hash, t.orders.c.order_id], set_=values)
    )
    now = datetime.now(UTC)
    verdict = await index.judge(unit.store_hash, _subject(values), now)
    await enforce(unit, verdict, now, subject="order", cart_id=message.cart_id, order_id=message.order_id)


async def on_store_installed(message: StoreInstalled, unit: Unit) -> None:
    values = {"installed_at": message.installed_at, "uninstalled_at": None, "purge_after": None}
    await unit.session.execute(
        pg_insert(t.stores).values(store_hash=unit.store_hash, **values)
        .on_conflict_do_update(
            index_elements=[t.stores.c.store_hash], set_=values,
            # A late install event never undoes a later uninstall.
            where=t.stores.c.uninstalled_at.is_(None) | (t.stores.c.uninstalled_at <= message.installed_at),
        )
    )


async def on_store_uninstalled(message: StoreUninstalled, unit: Unit) -> None:
    values = {"uninstalled_at": message.uninstalled_at, "purge_after": message.purge_after}
    await unit.session.execute(
        pg_insert(t.stores).values(store_hash=unit.store_hash, **values)
        .on_conflict_do_update(
            index_elements=[t.stores.c.store_hash], set_=values,
            where=t.stores.c.installed_at.is_(None) | (t.stores.c.installed_at <= message.uninstalled_at),
        )
    )
