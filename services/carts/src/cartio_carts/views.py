"""JSON shapes of the internal API: cart summary (list rows), cart in full, product."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cartio_bigcommerce import Product

from .domain import Item, money, money_str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def summary_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": str(row["cart_id"]),
        "status": row["status"],
        "user_type": row["user_type"],
        "customer_id": row["customer_id"] or None,
        "email": row["email"],
        "name": row["name"],
        "item_count": row["item_count"],
        "grand_total": money_str(money(row["grand_total"])),
        "currency": row["currency"],
        "country": row["country"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def cart_json(row: Mapping[Any, Any], timeline: Iterable[Mapping[Any, Any]] = ()) -> dict[str, Any]:
    items = [Item.from_json(d) for d in row["items"] or []]
    return {
        "id": str(row["cart_id"]),
        "status": row["status"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "version": row["version"],
        "order_id": row["order_id"],
        "deleted_reason": row["deleted_reason"],
        "abandoned_at": _iso(row["abandoned_at"]),
        "converted_at": _iso(row["converted_at"]),
        "deleted_at": _iso(row["deleted_at"]),
        "source_cart_id": str(row["source_cart_id"]) if row["source_cart_id"] else None,
        "recreated_as": str(row["recreated_as"]) if row["recreated_as"] else None,
        "items": [
            {
                "id": i.id,
                "kind": i.kind,
                "product_id": i.product_id or None,
                "variant_id": i.variant_id,
                "name": i.name,
                "sku": i.sku,
                "image_url": i.image_url,
                "options": [{"name": n, "value": v} for n, v in i.options],
                "quantity": i.quantity,
                "unit_price": money_str(i.unit_price),
                "list_price": money_str(i.list_price),
                "extended_price": money_str(i.extended_price),
            }
            for i in items
        ],
        "customer": {
            "user_type": row["user_type"],
            "customer_id": row["customer_id"] or None,
            "email": row["email"],
            "name": row["name"],
            "session_id": row["session_id"],
            "browser": row["browser"],
            "ip": row["ip"],
            "country": row["country"],
        },
        "summary": {
            "currency": row["currency"],
            "item_count": row["item_count"],
            "subtotal": money_str(money(row["subtotal"])),
            "coupon_codes": list(row["coupon_codes"] or []),
            "discount": money_str(money(row["discount"])),
            "shipping": money_str(money(row["shipping"])),
            "tax": money_str(money(row["tax"])),
            "grand_total": money_str(money(row["grand_total"])),
        },
        "timeline": [
            {"at": _iso(t["at"]), "actor": t["actor"], "action": t["action"], "detail": t["detail"]}
            for t in timeline
        ],
    }


def product_json(product: Product) -> dict[str, Any]:
    base = product.calculated_price if product.calculated_price is not None else product.price
    variants = []
    for v in product.variants:
        price = v.calculated_price if v.calculated_price is not None else (v.price if v.price is not None else base)
        options = [{"name": o.option_display_name, "value": o.label} for o in v.option_values]
        variants.append({
            "id": v.id,
            "sku": v.sku,
            "price": money_str(money(price)),
            "options": options,
            "label": ", ".join(f"{o['name']}: {o['value']}" for o in options) or None,
            "inventory_level": v.inventory_level,
            "purchasing_disabled": v.purchasing_disabled,
            "image_url": v.image_url,
        })
    return {
        "id": product.id,
        "name": product.name,
        "sku": product.sku,
        "type": product.type,
        "price": money_str(money(base)),
        "thumbnail_url": product.thumbnail_url,
        "image_url": product.thumbnail_url,
        "inventory_level": product.inventory_level,
        "availability": product.availability,
        "is_visible": product.is_visible,
        "variants": variants,
    }
