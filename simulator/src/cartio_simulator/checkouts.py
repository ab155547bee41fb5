"""Checkout changes: billing address, consignments and shipping options, coupons, manual discounts."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from typing import Any

from .carts import cart_event, check_email, check_version
from .errors import SimError, invalid, not_found
from .pricing import COUPONS, available_methods, totals
from .state import Cart, Consignment, Event, Json

ADDRESS_FIELDS = (
    "first_name", "last_name", "email", "company", "address1", "address2", "city", "state_or_province",
    "state_or_province_code", "country_code", "postal_code", "phone",
)


def clean_address(raw: object, prefix: str, *, email_required: bool) -> Json:
    """A checkout address from a request body: known fields as strings, country_code (and email) required."""
    if not isinstance(raw, dict):
        raise invalid("JSON data is missing or invalid", {prefix: "must be an object"})
    address: Json = {}
    errors: dict[str, str] = {}
    for name in ADDRESS_FIELDS:
        value = raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[f"{prefix}.{name}"] = "must be a string"
        address[name] = value
    custom_fields = raw.get("custom_fields", [])
    address["custom_fields"] = custom_fields if isinstance(custom_fields, list) else []
    code = address["country_code"]
    if isinstance(code, str):
        if len(code) != 2 or not code.isalpha():
            errors[f"{prefix}.country_code"] = "is required (ISO 3166 alpha-2)"
        address["country_code"] = code.upper()
    if email_required and not address["email"]:
        errors[f"{prefix}.email"] = "is required"
    if errors:
        raise invalid("JSON data is missing or invalid", errors)
    if address["email"]:
        check_email(address["email"], f"{prefix}.email")
    return address


def set_billing(cart: Cart, raw: object, address_id: str | None = None) -> list[Event]:
    """POST (new) or PUT (address_id) the billing address; its email becomes the cart's email."""
    if address_id is not None and (cart.billing_address is None or cart.billing_address["id"] != address_id):
        raise not_found("Billing address")
    if isinstance(raw, dict):
        check_version(cart, raw.get("version"))
    merged: Any = raw
    if address_id is not None and isinstance(raw, dict) and cart.billing_address is not None:
        merged = {**cart.billing_address, **raw}
    address = clean_address(merged, "billing_address", email_required=True)
    address["id"] = cart.billing_address["id"] if cart.billing_address else secrets.token_hex(12)
    cart.billing_address = address
    events: list[Event] = []
    if address["email"] != cart.email:
        cart.email = address["email"]
        events.append(cart_event("updated", cart))
    cart.touch()
    return events


def _consignment_items(cart: Cart, raw: object, prefix: str) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise invalid("JSON data is missing or invalid", {f"{prefix}.line_items": "at least one item is required"})
    ids: list[str] = []
    for index, entry in enumerate(raw):
        item_id = entry.get("item_id") if isinstance(entry, dict) else None
        if not isinstance(item_id, str) or cart.item(item_id) is None:
            raise invalid("Unknown line item", {f"{prefix}.line_items.{index}.item_id": "not in this cart"})
        ids.append(item_id)
    return ids


def add_consignments(cart: Cart, raw: object) -> None:
    if not isinstance(raw, list) or not raw:
        raise invalid("JSON data is missing or invalid", {"consignments": "must be a non-empty array"})
    new: list[Consignment] = []
    for index, entry in enumerate(raw):
        prefix = str(index)
        if not isinstance(entry, dict):
            raise invalid("JSON data is missing or invalid", {prefix: "must be an object"})
        # BigCommerce refuses a consignment address without an email (the order needs one to ship).
        address = clean_address(entry.get("address", entry.get("shipping_address")), f"{prefix}.address",
                                email_required=True)
        item_ids = _consignment_items(cart, entry.get("line_items"), prefix)
        new.append(Consignment(id=secrets.token_hex(12), address=address, line_item_ids=item_ids))
    assigned = {i for c in new for i in c.line_item_ids}
    for consignment in cart.consignments:  # an item lives in one consignment only
        consignment.line_item_ids = [i for i in consignment.line_item_ids if i not in assigned]
    cart.consignments = [c for c in cart.consignments if c.line_item_ids] + new
    cart.touch()


def update_consignment(cart: Cart, consignment_id: str, raw: object) -> None:
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Consignment")
    if not isinstance(raw, dict):
        raise invalid("JSON data is missing or invalid", {"body": "must be an object"})
    check_version(cart, raw.get("version"))
    if "shipping_option_id" in raw:
        option_id = raw["shipping_option_id"]
        methods = available_methods(totals(cart).cart_amount)
        chosen = next((m for m in methods if m.option_id(consignment) == option_id), None)
        if chosen is None:
            raise invalid("The shipping option is not available", {"shipping_option_id": "unknown option"})
        consignment.selected_option = chosen.key
    else:
        if "address" in raw or "shipping_address" in raw:
            consignment.address = clean_address(
                raw.get("address", raw.get("shipping_address")), "address", email_required=True
            )
            consignment.selected_option = None
        if "line_items" in raw:
            consignment.line_item_ids = _consignment_items(cart, raw["line_items"], "")
    cart.touch()


def delete_consignment(cart: Cart, consignment_id: str) -> None:
    consignment = next((c for c in cart.consignments if c.id == consignment_id), None)
    if consignment is None:
        raise not_found("Consignment")
    cart.consignments.remove(consignment)
    cart.touch()


def apply_coupon(cart: Cart, raw: object) -> list[Event]:
    if isinstance(raw, dict):
        check_version(cart, raw.get("version"))
    code = raw.get("coupon_code") if isinstance(raw, dict) else None
    if not isinstance(code, str) or not code or len(code) > 50:
        raise invalid("JSON data is missing or invalid", {"coupon_code": "is required (at most 50 characters)"})
    coupon = COUPONS.get(code.upper())
    if coupon is None:
        raise SimError(400, f"The coupon code '{code}' is not valid")
    if coupon.code in cart.coupons:
        raise SimError(400, f"The coupon code '{code}' has already been applied")
    base = totals(cart).base_amount
    if base < coupon.min_total:
        raise SimError(400, f"The coupon code '{code}' needs an order total of at least {coupon.min_total}")
    cart.coupons.append(coupon.code)
    cart.touch()
    return [cart_event("couponApplied", cart, couponId=coupon.id)]


def remove_coupon(cart: Cart, code: str) -> list[Event]:
    match = next((c for c in cart.coupons if c == code.upper()), None)
    if match is None:
        raise not_found("Coupon")
    cart.coupons.remove(match)
    cart.touch()
    return [cart_event("updated", cart)]


def set_manual_discount(cart: Cart, raw: object) -> list[Event]:
    """`{"cart": {"discounts": [{"discounted_amount": 5}]}}`: a cart-level manual discount."""
    if isinstance(raw, dict):
        check_version(cart, raw.get("version"))
    discounts = raw.get("cart", {}).get("discounts") if isinstance(raw, dict) else None
    if not isinstance(discounts, list) or not discounts:
        raise invalid("JSON data is missing or invalid", {"cart.discounts": "is required"})
    total = Decimal("0")
    for index, entry in enumerate(discounts):
        amount = entry.get("discounted_amount") if isinstance(entry, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise invalid("JSON data is missing or invalid",
                          {f"cart.discounts.{index}.discounted_amount": "must be a number >= 0"})
        total += Decimal(str(amount))
    cart.manual_discount = total
    cart.touch()
    return [cart_event("updated", cart)]


def auto_consignment(cart: Cart, address: Json) -> None:
    """What a shopper's one-page checkout does: ship everything to one address, cheapest option."""
    item_ids = [i.id for i in cart.items] + [c.id for c in cart.custom_items]
    consignment = Consignment(id=uuid.uuid4().hex[:24], address=dict(address), line_item_ids=item_ids)
    cart.consignments = [consignment]
    cheapest = min(available_methods(totals(cart).cart_amount), key=lambda m: m.cost)
    consignment.selected_option = cheapest.key
