"""Orders as carts announces them (`order.placed`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from cartio_bigcommerce.models import Order, OrderProduct
from cartio_contracts.messages import OrderLine, OrderPlaced

from .money import money
from .shopper import country_from_ip, normalize_ip


def order_lines(products: Sequence[OrderProduct]) -> list[OrderLine]:
    return [
        OrderLine(
            product_id=p.product_id, variant_id=p.variant_id, name=p.name, quantity=p.quantity,
            unit_price=money(p.price_ex_tax), total=money(p.total_ex_tax),
        )
        for p in products
        if p.parent_order_product_id is None
    ]


def _billing_country(order: Order) -> str | None:
    code = (order.billing_address.country_iso2 or "").strip().upper() if order.billing_address else ""
    return code[:2] or None


def order_placed(
    order: Order, products: Sequence[OrderProduct], *, cart_ip: str | None = None,
    cart_country: str | None = None, now: datetime | None = None,
) -> OrderPlaced:
    """The `order.placed` event: items, totals, email, IP and country (the order's, else the cart's)."""
    email = order.billing_address.email if order.billing_address else None
    ip = normalize_ip(order.ip_address) or normalize_ip(order.ip_address_v6) or cart_ip
    country = (order.geoip_country_iso2 or "").upper() or country_from_ip(ip) or cart_country
    return OrderPlaced(
        order_id=order.id,
        cart_id=uuid.UUID(order.cart_id) if order.cart_id and is_uuid(order.cart_id) else None,
        status_id=order.status_id,
        customer_id=order.customer_id or None,
        email=email or None,
        ip=ip,
        country=country[:2] if country else None,
        billing_country=_billing_country(order),
        currency=(order.currency_code or "USD").upper(),
        subtotal=money(order.subtotal_ex_tax),
        grand_total=money(order.total_inc_tax),
        items=order_lines(products),
        placed_at=order.date_created or now or datetime.now(UTC),
    )


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def uuid_or_none(value: str | None) -> uuid.UUID | None:
    """An order's `cart_id` as a UUID; None when it has none or it is not one."""
    return uuid.UUID(value) if value and is_uuid(value) else None


def billing_name(order: Order) -> str | None:
    """The name on the order's billing address, for a cart known only from its order."""
    if order.billing_address is None:
        return None
    parts = (order.billing_address.first_name or "", order.billing_address.last_name or "")
    return " ".join(p for p in parts if p) or None
