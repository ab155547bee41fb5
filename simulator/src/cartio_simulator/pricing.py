"""Coupons, shipping options and tax of the simulated store, and the totals of a cart/checkout.

Rules (simple on purpose):
- `base_amount` = sum of list price x quantity (custom items included).
- Coupons: SPRING10 = 10% off the items; TAKE5 = 5.00 off when the items total at least 25.00.
- `cart_amount` = base_amount - coupons - manual discount (never below 0).
- Shipping: "Flat Rate" 10.00 and "Express" 25.00 always; "Free Shipping" 0.00 when cart_amount >= 100.00;
  each consignment pays for its chosen option.
- Tax: 8% ("Sales Tax") of cart_amount plus 8% of shipping, each rounded to cents.
- grand_total = cart_amount + shipping + tax_total.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from .formats import cents
from .state import Cart, Consignment

TAX_RATE = Decimal("0.08")
FREE_SHIPPING_FROM = Decimal("100.00")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Coupon:
    id: int
    code: str
    type_name: str
    type_digit: str
    display_name: str
    percent: Decimal = ZERO
    amount: Decimal = ZERO
    min_total: Decimal = ZERO

    def discount_on(self, items_total: Decimal) -> Decimal:
        if items_total < self.min_total:
            return ZERO
        if self.percent:
            return cents(items_total * self.percent / 100)
        return min(self.amount, items_total)


COUPONS: dict[str, Coupon] = {
    "SPRING10": Coupon(7, "SPRING10", "percentage_discount", "1", "10% off", percent=Decimal("10")),
    "TAKE5": Coupon(
        8, "TAKE5", "per_total_discount", "2", "$5 off orders over $25", amount=Decimal("5"),
        min_total=Decimal("25"),
    ),
}


@dataclass(frozen=True)
class ShippingMethod:
    key: str
    type: str
    description: str
    cost: Decimal
    transit_time: str

    def option_id(self, consignment: Consignment) -> str:
        return hashlib.md5(f"{consignment.id}:{self.key}".encode(), usedforsecurity=False).hexdigest()


SHIPPING_METHODS: dict[str, ShippingMethod] = {
    "flat": ShippingMethod("flat", "shipping_flatrate", "Flat Rate", Decimal("10.00"), "3-5 business days"),
    "express": ShippingMethod("express", "shipping_flatrate", "Express", Decimal("25.00"), "1-2 business days"),
    "free": ShippingMethod("free", "freeshipping", "Free Shipping", ZERO, "5-7 business days"),
}


@dataclass
class Totals:
    base_amount: Decimal
    coupon_amounts: dict[str, Decimal]  # code -> discount
    manual_discount: Decimal
    cart_amount: Decimal
    item_discounts: dict[str, Decimal]  # line item id -> share of coupons and manual discount
    shipping: Decimal
    item_tax: Decimal
    shipping_tax: Decimal
    consignment_costs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def coupon_total(self) -> Decimal:
        return sum(self.coupon_amounts.values(), ZERO)

    @property
    def tax_total(self) -> Decimal:
        return self.item_tax + self.shipping_tax

    @property
    def subtotal_inc_tax(self) -> Decimal:
        return cents(self.base_amount * (1 + TAX_RATE))

    @property
    def shipping_inc_tax(self) -> Decimal:
        return self.shipping + self.shipping_tax

    @property
    def cart_amount_inc_tax(self) -> Decimal:
        return self.cart_amount + self.item_tax

    @property
    def grand_total(self) -> Decimal:
        return self.cart_amount + self.shipping + self.tax_total


def available_methods(cart_amount: Decimal) -> list[ShippingMethod]:
    methods = [SHIPPING_METHODS["flat"], SHIPPING_METHODS["express"]]
    if cart_amount >= FREE_SHIPPING_FROM:
        methods.insert(0, SHIPPING_METHODS["free"])
    return methods


def totals(cart: Cart) -> Totals:
    lines: list[tuple[str, Decimal]] = [(i.id, i.list_price * i.quantity) for i in cart.items]
    lines += [(c.id, c.list_price * c.quantity) for c in cart.custom_items]
    base = sum((amount for _, amount in lines), ZERO)
    coupon_amounts: dict[str, Decimal] = {}
    remaining = base
    for code in cart.coupons:
        amount = min(COUPONS[code].discount_on(base), remaining)
        coupon_amounts[code] = amount
        remaining -= amount
    manual = min(cart.manual_discount, remaining)
    cart_amount = remaining - manual
    item_discounts = _allocate(lines, base - cart_amount)
    methods = {m.key for m in available_methods(cart_amount)}
    costs: dict[str, Decimal] = {}
    for consignment in cart.consignments:
        if consignment.selected_option and consignment.selected_option not in methods:
            consignment.selected_option = None  # no longer offered (e.g. free shipping threshold)
        key = consignment.selected_option
        costs[consignment.id] = SHIPPING_METHODS[key].cost if key else ZERO
    shipping = sum(costs.values(), ZERO)
    return Totals(
        base_amount=base,
        coupon_amounts=coupon_amounts,
        manual_discount=manual,
        cart_amount=cart_amount,
        item_discounts=item_discounts,
        shipping=shipping,
        item_tax=cents(cart_amount * TAX_RATE),
        shipping_tax=cents(shipping * TAX_RATE),
        consignment_costs=costs,
    )


def _allocate(lines: list[tuple[str, Decimal]], discount: Decimal) -> dict[str, Decimal]:
    """Spreads a cart-level discount over the lines in proportion to their amounts (last line takes the rest)."""
    shares = {line_id: ZERO for line_id, _ in lines}
    base = sum((amount for _, amount in lines), ZERO)
    if discount <= 0 or base <= 0:
        return shares
    left = discount
    for index, (line_id, amount) in enumerate(lines):
        share = left if index == len(lines) - 1 else cents(discount * amount / base)
        shares[line_id] = share
        left -= share
    return shares
