"""The answers of carts' internal API as models, so its OpenAPI documents them and the contract tests check
them: a cart summary (list rows), a cart in full, a product, a send, an order. Money is a decimal string,
times ISO 8601 UTC with `Z`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from cartio_bigcommerce import Product

from .domain import Item, money, money_str

Row = Mapping[Any, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class CartSummary(BaseModel):
    id: str
    status: str
    user_type: str
    customer_id: int | None
    email: str | None
    name: str | None
    item_count: int
    grand_total: str
    currency: str | None
    country: str | None
    created_at: str | None
    updated_at: str | None


class CartPage(BaseModel):
    items: list[CartSummary]
    next_cursor: str | None


class ItemOption(BaseModel):
    name: str
    value: str


class CartItem(BaseModel):
    id: str
    kind: str
    product_id: int | None
    variant_id: int | None
    name: str
    sku: str | None
    image_url: str | None
    options: list[ItemOption]
    quantity: int
    unit_price: str
    list_price: str
    extended_price: str


class Shopper(BaseModel):
    user_type: str
    customer_id: int | None
    email: str | None
    name: str | None
    session_id: str | None
    browser: str | None
    ip: str | None
    country: str | None


class Totals(BaseModel):
    currency: str | None
    item_count: int
    subtotal: str
    coupon_codes: list[str]
    discount: str
    shipping: str
    tax: str
    grand_total: str


class TimelineEntry(BaseModel):
    at: str | None
    actor: str
    action: str
    detail: dict[str, Any]


class CartInFull(BaseModel):
    id: str
    status: str
    created_at: str | None
    updated_at: str | None
    version: int | None
    order_id: int | None
    deleted_reason: str | None
    abandoned_at: str | None
    converted_at: str | None
    deleted_at: str | None
    source_cart_id: str | None
    recreated_as: str | None
    items: list[CartItem]
    customer: Shopper
    summary: Totals
    timeline: list[TimelineEntry]


class VariantOption(BaseModel):
    name: str | None
    value: str | None


class Variant(BaseModel):
    id: int
    sku: str | None
    price: str
    options: list[VariantOption]
    label: str | None
    inventory_level: int | None
    purchasing_disabled: bool
    image_url: str | None


class ModifierValueOut(BaseModel):
    id: int
    label: str


class ModifierOut(BaseModel):
    """A choice to make when adding the product: a text field has no values; a required one must be given."""

    id: int
    display_name: str
    type: str
    required: bool
    option_values: list[ModifierValueOut]


class ProductOut(BaseModel):
    id: int
    name: str
    sku: str | None
    type: str | None
    price: str
    thumbnail_url: str | None
    image_url: str | None
    inventory_level: int | None
    availability: str | None
    is_visible: bool
    variants: list[Variant]
    modifiers: list[ModifierOut]


class ProductPage(BaseModel):
    items: list[ProductOut]


class Notification(BaseModel):
    id: str
    status: str
    recipient: str
    message: str | None
    requested_by: str


class SendResult(BaseModel):
    """A send to the shopper: the notice queued for the notifier, and the link the email carries."""

    notification: Notification
    checkout_url: str
    cart_url: str
    recipient: str
    cart_id: str
    link_cart_id: str
    replayed: bool = False


class OrderResult(BaseModel):
    order_id: int
    status_id: int
    status: str | None
    cart_id: str
    currency: str | None
    subtotal: str
    grand_total: str
    created_by: str


def cart_summary(row: Row) -> CartSummary:
    return CartSummary(
        id=str(row["cart_id"]),
        status=row["status"],
        user_type=row["user_type"],
        customer_id=row["customer_id"] or None,
        email=row["email"],
        name=row["name"],
        item_count=row["item_count"],
        grand_total=money_str(money(row["grand_total"]), row["currency"]),
        currency=row["currency"],
        country=row["country"],
        created_at=_iso(row["created_at"]),
        updated_at=_iso(row["updated_at"]),
    )


def _item(i: Item, currency: str | None) -> CartItem:
    return CartItem(
        id=i.id, kind=i.kind, product_id=i.product_id or None, variant_id=i.variant_id, name=i.name, sku=i.sku,
        image_url=i.image_url, options=[ItemOption(name=n, value=v) for n, v in i.options], quantity=i.quantity,
        unit_price=money_str(i.unit_price, currency), list_price=money_str(i.list_price, currency),
        extended_price=money_str(i.extended_price, currency),
    )


def cart_in_full(row: Row, timeline: Iterable[Row] = ()) -> CartInFull:
    return CartInFull(
        id=str(row["cart_id"]),
        status=row["status"],
        created_at=_iso(row["created_at"]),
        updated_at=_iso(row["updated_at"]),
        version=row["version"],
        order_id=row["order_id"],
        deleted_reason=row["deleted_reason"],
        abandoned_at=_iso(row["abandoned_at"]),
        converted_at=_iso(row["converted_at"]),
        deleted_at=_iso(row["deleted_at"]),
        source_cart_id=str(row["source_cart_id"]) if row["source_cart_id"] else None,
        recreated_as=str(row["recreated_as"]) if row["recreated_as"] else None,
        items=[_item(Item.from_json(d), row["currency"]) for d in row["items"] or []],
        customer=Shopper(
            user_type=row["user_type"], customer_id=row["customer_id"] or None, email=row["email"],
            name=row["name"], session_id=row["session_id"], browser=row["browser"], ip=row["ip"],
            country=row["country"],
        ),
        summary=Totals(
            currency=row["currency"],
            item_count=row["item_count"],
            subtotal=money_str(money(row["subtotal"]), row["currency"]),
            coupon_codes=list(row["coupon_codes"] or []),
            discount=money_str(money(row["discount"]), row["currency"]),
            shipping=money_str(money(row["shipping"]), row["currency"]),
            tax=money_str(money(row["tax"]), row["currency"]),
            grand_total=money_str(money(row["grand_total"]), row["currency"]),
        ),
        timeline=[
            TimelineEntry(at=_iso(t["at"]), actor=t["actor"], action=t["action"], detail=t["detail"])
            for t in timeline
        ],
    )


def product_out(product: Product) -> ProductOut:
    base = product.calculated_price if product.calculated_price is not None else product.price
    variants = []
    for v in product.variants:
        price = v.calculated_price if v.calculated_price is not None else (v.price if v.price is not None else base)
        options = [VariantOption(name=o.option_display_name, value=o.label) for o in v.option_values]
        variants.append(Variant(
            id=v.id,
            sku=v.sku,
            price=money_str(money(price)),
            options=options,
            label=", ".join(f"{o.name}: {o.value}" for o in options) or None,
            inventory_level=v.inventory_level,
            purchasing_disabled=v.purchasing_disabled,
            image_url=v.image_url,
        ))
    return ProductOut(
        id=product.id,
        name=product.name,
        sku=product.sku,
        type=product.type,
        price=money_str(money(base)),
        thumbnail_url=product.thumbnail_url,
        image_url=product.thumbnail_url,
        inventory_level=product.inventory_level,
        availability=product.availability,
        is_visible=product.is_visible,
        variants=variants,
        modifiers=[
            ModifierOut(id=m.id, display_name=m.display_name or m.name or f"Option {m.id}", type=m.type,
                        required=m.required,
                        option_values=[ModifierValueOut(id=v.id, label=v.label) for v in m.option_values])
            for m in product.modifiers
        ],
    )
