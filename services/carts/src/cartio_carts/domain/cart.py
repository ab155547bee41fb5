"""The merchant's view of a BigCommerce cart: its lines, shopper, money and BigCommerce's clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from cartio_bigcommerce.models import Cart, Checkout, Customer

from .money import ZERO, money, money_str, utc

UserType = Literal["guest", "customer"]
USER_TYPES: tuple[UserType, ...] = ("guest", "customer")


ItemKey = tuple[str, int, int | None, str | None, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Item:
    id: str
    kind: str  # physical, digital, custom, gift_certificate
    product_id: int
    variant_id: int | None
    name: str
    sku: str | None
    image_url: str | None
    quantity: int
    unit_price: Decimal
    extended_price: Decimal
    list_price: Decimal
    options: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> ItemKey:
        """What the line is, whatever its id (BigCommerce may re-add a line under a new id): one variant with
        another engraving is another line."""
        return (self.kind, self.product_id, self.variant_id, self.sku, self.options)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "name": self.name,
            "sku": self.sku,
            "image_url": self.image_url,
            "quantity": self.quantity,
            "unit_price": money_str(self.unit_price),
            "extended_price": money_str(self.extended_price),
            "list_price": money_str(self.list_price),
            "options": [{"name": n, "value": v} for n, v in self.options],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        return cls(
            id=str(data["id"]),
            kind=str(data.get("kind") or "physical"),
            product_id=int(data.get("product_id") or 0),
            variant_id=data.get("variant_id"),
            name=str(data.get("name") or ""),
            sku=data.get("sku"),
            image_url=data.get("image_url"),
            quantity=int(data["quantity"]),
            unit_price=money(data.get("unit_price")),
            extended_price=money(data.get("extended_price")),
            list_price=money(data.get("list_price", data.get("unit_price"))),
            options=tuple((str(o.get("name") or ""), str(o.get("value") or "")) for o in data.get("options") or []),
        )


def make_item(
    *, id: str, kind: str, product_id: int, variant_id: int | None, name: str, sku: str | None,
    image_url: str | None, quantity: int, unit_price: Decimal, list_price: Decimal | None = None,
    options: Iterable[tuple[str, str]] = (),
) -> Item:
    """A line whose extended price is exactly unit price x quantity."""
    return Item(
        id=id, kind=kind, product_id=product_id, variant_id=variant_id, name=name, sku=sku, image_url=image_url,
        quantity=quantity, unit_price=unit_price, extended_price=unit_price * quantity,
        list_price=unit_price if list_price is None else list_price, options=tuple(options),
    )


@dataclass(frozen=True)
class CartView:
    """What Cartio keeps of a cart: items, shopper, money, and BigCommerce's clock."""

    cart_id: uuid.UUID
    currency: str
    channel_id: int | None
    customer_id: int
    email: str | None
    name: str | None
    items: tuple[Item, ...]
    subtotal: Decimal
    discount: Decimal
    coupon_codes: tuple[str, ...]
    shipping: Decimal
    tax: Decimal
    grand_total: Decimal
    tax_included: bool
    created_at: datetime
    updated_at: datetime
    version: int  # the cart's own version (BigCommerce's optimistic lock)
    clock: Clock = field(default_factory=lambda: Clock(None, 0))

    @property
    def user_type(self) -> UserType:
        return "customer" if self.customer_id > 0 else "guest"

    @property
    def item_count(self) -> int:
        return sum(i.quantity for i in self.items)


@dataclass(frozen=True, order=True)
class Clock:
    """BigCommerce's clock of a cart snapshot: its (and its checkout's) last update time and versions.

    Times have one-second resolution, so the versions break ties between changes in the same second.
    """

    updated_time: datetime | None
    seq: int


def is_newer(incoming: Clock, stored: Clock | None) -> bool:
    """Keep a fetched snapshot only if it is newer than the one stored (a late or repeated message changes
    nothing)."""
    if stored is None:
        return True
    new_time, old_time = incoming.updated_time, stored.updated_time
    if new_time is not None and old_time is not None and new_time != old_time:
        return new_time > old_time
    return incoming.seq > stored.seq


def map_cart(
    cart: Cart, checkout: Checkout | None, customer: Customer | None = None, *, now: datetime | None = None
) -> CartView:
    """The merchant's view of a BigCommerce cart and its checkout (shipping and tax come from the checkout,
    0 until the shopper chose shipping). Money is Decimal throughout."""
    items: list[Item] = []
    for kind, lines in (("physical", cart.line_items.physical_items), ("digital", cart.line_items.digital_items)):
        for line in lines:
            if line.parent_id:  # bundled child lines are part of their parent's price
                continue
            items.append(
                make_item(
                    id=line.id, kind=kind, product_id=line.product_id, variant_id=line.variant_id,
                    name=line.name, sku=line.sku, image_url=line.image_url, quantity=line.quantity,
                    unit_price=money(line.sale_price), list_price=money(line.list_price),
                    options=[(o.name or "", o.value or "") for o in line.options],
                )
            )
    for custom in cart.line_items.custom_items:
        items.append(
            make_item(
                id=custom.id, kind="custom", product_id=0, variant_id=None, name=custom.name, sku=custom.sku,
                image_url=custom.image_url, quantity=custom.quantity, unit_price=money(custom.list_price),
            )
        )
    for gift in cart.line_items.gift_certificates:
        items.append(
            make_item(
                id=gift.id, kind="gift_certificate", product_id=0, variant_id=None,
                name=gift.name or "Gift certificate", sku=None, image_url=None, quantity=gift.quantity,
                unit_price=money(gift.amount),
            )
        )
    subtotal = sum((i.extended_price for i in items), ZERO)
    coupons = list(cart.coupons)
    if checkout is not None:
        known = {c.code for c in coupons}
        coupons += [c for c in checkout.coupons if c.code not in known]
    discount = (
        money(cart.discount_amount)
        + money(cart.manual_discount_amount)
        + sum((money(c.discounted_amount) for c in coupons), ZERO)
    )
    discount = min(discount, subtotal)
    shipping = tax = ZERO
    # Shipping and tax come from the checkout once the shopper chose shipping (before that, the tax of a
    # cart with no address is not known yet): 0 until then.
    if checkout is not None and any(c.selected_shipping_option is not None for c in checkout.consignments):
        if cart.tax_included:
            shipping = money(checkout.shipping_cost_total_inc_tax) + money(checkout.handling_cost_total_inc_tax)
        else:
            shipping = money(checkout.shipping_cost_total_ex_tax) + money(checkout.handling_cost_total_ex_tax)
        tax = money(checkout.tax_total)
    grand_total = subtotal - discount + shipping + (ZERO if cart.tax_included else tax)

    email = cart.email or None
    name: str | None = None
    if checkout is not None and checkout.billing_address is not None:
        billing = checkout.billing_address
        email = email or billing.email or None
        name = _full_name(billing.first_name, billing.last_name)
    if customer is not None and customer.id == cart.customer_id:
        email = email or customer.email
        name = _full_name(customer.first_name, customer.last_name) or name

    fallback = now or datetime.now(UTC)
    created = cart.created_time or (checkout.created_time if checkout else None) or fallback
    updated = cart.updated_time or created
    times = [t for t in (cart.updated_time, checkout.updated_time if checkout else None) if t is not None]
    # The checkout is the cart's (one version): one not read counts as the cart's, so a snapshot read without
    # it compares with one read with it.
    seq = (cart.version or 0) + ((checkout.version or 0) if checkout else (cart.version or 0))
    return CartView(
        cart_id=uuid.UUID(cart.id),
        currency=(cart.currency.code if cart.currency else "USD").upper()[:3],
        channel_id=cart.channel_id,
        customer_id=cart.customer_id or 0,
        email=email,
        name=name,
        items=tuple(items),
        subtotal=subtotal,
        discount=discount,
        coupon_codes=tuple(c.code for c in coupons),
        shipping=shipping,
        tax=tax,
        grand_total=grand_total,
        tax_included=cart.tax_included,
        created_at=utc(created),
        updated_at=utc(max(times) if times else updated),
        version=cart.version or 0,
        clock=Clock(utc(max(times)) if times else None, seq),
    )


def _full_name(first: str | None, last: str | None) -> str | None:
    name = " ".join(p.strip() for p in (first or "", last or "") if p and p.strip())
    return name or None


def view_from_row(row: Mapping[str, Any]) -> CartView:
    """A stored cart as a CartView (to diff a new snapshot against)."""
    return CartView(
        cart_id=row["cart_id"], currency=row["currency"], channel_id=row["channel_id"],
        customer_id=row["customer_id"] or 0, email=row["email"], name=row["name"],
        items=tuple(Item.from_json(d) for d in row["items"] or []), subtotal=money(row["subtotal"]),
        discount=money(row["discount"]), coupon_codes=tuple(row["coupon_codes"] or []),
        shipping=money(row["shipping"]), tax=money(row["tax"]), grand_total=money(row["grand_total"]),
        tax_included=False, created_at=row["created_at"], updated_at=row["updated_at"], version=row["version"],
        clock=Clock(row["bc_updated_time"], row["bc_seq"]),
    )
