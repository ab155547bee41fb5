"""The contract's CartSnapshot of a stored cart row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cartio_contracts.messages import CartCustomer, CartItem, CartSnapshot, ItemOption

from .cart import Item
from .money import money


def snapshot(row: Mapping[str, Any]) -> CartSnapshot:
    """The contract's CartSnapshot of a stored cart row."""
    return CartSnapshot(
        id=row["cart_id"],
        status=row["status"],
        currency=row["currency"],
        items=[
            CartItem(
                id=i.id, product_id=i.product_id, variant_id=i.variant_id, name=i.name, sku=i.sku,
                image_url=i.image_url, quantity=i.quantity, unit_price=i.unit_price,
                extended_price=i.extended_price, options=[ItemOption(name=n, value=v) for n, v in i.options],
            )
            for i in (Item.from_json(d) for d in row["items"] or [])
        ],
        customer=CartCustomer(
            user_type=row["user_type"], customer_id=row["customer_id"] or None, email=row["email"],
            name=row["name"], session_id=row["session_id"], browser=row["browser"], ip=row["ip"],
            country=row["country"],
        ),
        subtotal=money(row["subtotal"]),
        discount=money(row["discount"]),
        coupon_codes=list(row["coupon_codes"] or []),
        shipping=money(row["shipping"]),
        tax=money(row["tax"]),
        grand_total=money(row["grand_total"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
