"""Carts and checkouts in the Carts v3 / Checkouts v3 shapes (money as JSON numbers, ISO 8601 times)."""

from __future__ import annotations

from decimal import Decimal

from .catalog import PRODUCTS
from .formats import cents, v3_money, v3_time
from .geo import country_name
from .pricing import COUPONS, SHIPPING_METHODS, TAX_RATE, Totals, available_methods, totals
from .redirects import mint
from .state import Cart, Consignment, Json, LineItem, Store

OPTIONS_INCLUDES = {"line_items.physical_items.options", "cart.line_items.physical_items.options"}


def parse_include(raw: str | None) -> set[str]:
    return {part.strip() for part in (raw or "").split(",") if part.strip()}


def _item(item: LineItem, share: Decimal, cart: Cart, public_url: str, options: bool, checkout: bool) -> Json:
    product = PRODUCTS[item.product_id]
    coupons = [
        {"id": COUPONS[code].id, "code": code, "coupon_type": COUPONS[code].type_digit,
         "discounted_amount": v3_money(share)}
        for code in cart.coupons
    ] if share else []
    body: Json = {
        "id": item.id,
        "parent_id": None,
        "variant_id": item.variant_id,
        "product_id": item.product_id,
        "sku": item.sku,
        "name": item.name,
        "url": f"{public_url}/storefront/{product.slug}/",
        "quantity": item.quantity,
        "brand": product.brand,
        "is_taxable" if checkout else "taxable": True,
        "image_url": f"{public_url}/images/{item.product_id}.svg",
        "discounts": [{"id": "coupon", "discounted_amount": v3_money(share)}] if share else [],
        "coupons": coupons,
        "discount_amount": v3_money(share),
        "coupon_amount": v3_money(share) if cart.coupons else 0.0,
        "original_price": v3_money(item.original_price),
        "list_price": v3_money(item.list_price),
        "sale_price": v3_money(item.list_price),
        "extended_list_price": v3_money(item.list_price * item.quantity),
        "extended_sale_price": v3_money(item.list_price * item.quantity),
        "is_require_shipping": True,
        "is_mutable": True,
        "added_by_promotion": False,
        "gift_wrapping": None,
    }
    if options:
        body["options"] = line_options(item)
    return body


def line_options(item: LineItem) -> list[Json]:
    """A line's variant options, then its modifiers; a text field's value is its text (and it has no value id)."""
    product = PRODUCTS[item.product_id]
    variant = product.variant(item.variant_id)
    options: list[Json] = [
        {"name": v.option_display_name, "nameId": v.option_id, "value": v.label, "valueId": v.id}
        for v in (variant.option_values if variant else ())
    ]
    for option_id, value in item.modifiers:
        modifier = product.modifier(option_id)
        assert modifier is not None
        if isinstance(value, str):
            options.append({"name": modifier.display_name, "nameId": option_id, "value": value})
        else:
            chosen = modifier.value(value)
            options.append({"name": modifier.display_name, "nameId": option_id,
                            "value": chosen.label if chosen else "", "valueId": value})
    return options


def _coupons(cart: Cart, t: Totals, named_types: bool) -> list[Json]:
    return [
        {
            "id": COUPONS[code].id if named_types else str(COUPONS[code].id),
            "code": code,
            "coupon_type": COUPONS[code].type_name if named_types else COUPONS[code].type_digit,
            "display_name": COUPONS[code].display_name,
            "discounted_amount": v3_money(t.coupon_amounts.get(code, Decimal(0))),
        }
        for code in cart.coupons
    ]


def _discounts(t: Totals) -> list[Json]:
    discounts: list[Json] = []
    if t.coupon_total:
        discounts.append({"id": "coupon", "discounted_amount": v3_money(t.coupon_total)})
    if t.manual_discount:
        discounts.append({"id": "manual-discount", "discounted_amount": v3_money(t.manual_discount)})
    return discounts


def cart_json(
    store: Store, cart: Cart, public_url: str, include: set[str], *, checkout: bool = False
) -> Json:
    t = totals(cart)
    options = bool(include & OPTIONS_INCLUDES)
    body: Json = {
        "id": cart.id,
        "customer_id": cart.customer_id,
        "channel_id": cart.channel_id,
        "email": cart.email,
        "currency": {"code": cart.currency},
        "tax_included": False,
        "base_amount": v3_money(t.base_amount),
        "discount_amount": 0.0,
        "manual_discount_amount": v3_money(t.manual_discount),
        "cart_amount": v3_money(t.cart_amount),
        "coupons": _coupons(cart, t, named_types=checkout),
        "discounts": _discounts(t),
        "line_items": {
            "physical_items": [
                _item(i, t.item_discounts.get(i.id, Decimal(0)), cart, public_url, options, checkout)
                for i in cart.items
            ],
            "digital_items": [],
            "gift_certificates": [],
            "custom_items": [
                {
                    "id": c.id,
                    "sku": c.sku,
                    "name": c.name,
                    "quantity": c.quantity,
                    "list_price": v3_money(c.list_price),
                    "extended_list_price": v3_money(c.list_price * c.quantity),
                    "image_url": c.image_url,
                }
                for c in cart.custom_items
            ],
        },
        "created_time": v3_time(cart.created_time),
        "updated_time": v3_time(cart.updated_time),
        "locale": cart.locale,
    }
    if checkout:
        del body["tax_included"], body["manual_discount_amount"], body["cart_amount"], body["locale"]
        body["currency"] = {"name": "US Dollar", "code": cart.currency, "symbol": "$", "decimal_places": 2}
        body["is_tax_included"] = False
        body["cart_amount_inc_tax"] = v3_money(t.cart_amount_inc_tax)
        body["cart_amount_ex_tax"] = v3_money(t.cart_amount)
    else:
        body["version"] = cart.version
        if "redirect_urls" in include and cart.created_via == "api":
            body["redirect_urls"] = mint(store, cart, public_url)
    return body


def _address(address: Json, address_id: str | None = None) -> Json:
    body: Json = {k: v for k, v in address.items() if k != "id"}
    body["country"] = country_name(str(address.get("country_code", "")))
    if address_id is not None:
        body = {"id": address_id, **body}
    return body


def _consignment(c: Consignment, t: Totals, cart_amount: Decimal, with_options: bool) -> Json:
    cost = t.consignment_costs.get(c.id, Decimal(0))
    tax = cents(cost * TAX_RATE)

    def option(key: str) -> Json:
        method = SHIPPING_METHODS[key]
        return {
            "id": method.option_id(c),
            "type": method.type,
            "description": method.description,
            "image_url": "",
            "cost": v3_money(method.cost),
            "transit_time": method.transit_time,
            "additional_description": "",
        }

    body: Json = {
        "id": c.id,
        "address": _address(c.address, c.id),
        "shipping_address": _address(c.address, c.id),
        "address_id": c.id,
        "line_item_ids": list(c.line_item_ids),
        "selected_shipping_option": option(c.selected_option) if c.selected_option else None,
        "coupon_discounts": [],
        "discounts": [],
        "shipping_cost_inc_tax": v3_money(cost + tax),
        "shipping_cost_ex_tax": v3_money(cost),
        "handling_cost_inc_tax": 0.0,
        "handling_cost_ex_tax": 0.0,
    }
    if with_options:
        body["available_shipping_options"] = [option(m.key) for m in available_methods(cart_amount)]
    return body


def checkout_json(store: Store, cart: Cart, public_url: str, include: set[str]) -> Json:
    t = totals(cart)
    with_options = "consignments.available_shipping_options" in include
    billing = cart.billing_address
    return {
        "id": cart.id,
        "cart": cart_json(store, cart, public_url, include, checkout=True),
        "billing_address": _address(billing, str(billing["id"])) if billing else None,
        "consignments": [_consignment(c, t, t.cart_amount, with_options) for c in cart.consignments],
        "taxes": [{"name": "Sales Tax", "amount": v3_money(t.tax_total)}],
        "coupons": _coupons(cart, t, named_types=True),
        "fees": [],
        "order_id": cart.order_ids[-1] if cart.order_ids else None,
        "shipping_cost_total_inc_tax": v3_money(t.shipping_inc_tax),
        "shipping_cost_total_ex_tax": v3_money(t.shipping),
        "handling_cost_total_inc_tax": 0.0,
        "handling_cost_total_ex_tax": 0.0,
        "tax_total": v3_money(t.tax_total),
        "subtotal_inc_tax": v3_money(t.subtotal_inc_tax),
        "subtotal_ex_tax": v3_money(t.base_amount),
        "grand_total": v3_money(t.grand_total),
        "outstanding_balance": v3_money(t.grand_total),
        "is_store_credit_applied": False,
        "gift_certificates": [],
        "created_time": v3_time(cart.created_time),
        "updated_time": v3_time(cart.updated_time),
        "customer_message": cart.customer_message,
        "promotions": [],
        "channel_id": cart.channel_id,
        "version": cart.version,
    }
