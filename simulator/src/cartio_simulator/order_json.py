"""Orders in the Orders v2 shape: bare JSON, money as 4-decimal strings, RFC 2822 dates."""

from __future__ import annotations

from .formats import v2_money, v2_time
from .geo import country_name
from .orders import ORDER_STATUSES
from .state import Json, Order, OrderProduct


def order_json(order: Order, api_base: str) -> Json:
    """`api_base` is `{public_url}/stores/{hash}/v2`."""
    url = f"{api_base}/orders/{order.id}"
    items_total = sum(p.quantity for p in order.products)
    country = order.geoip_country_iso2
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "date_created": v2_time(order.date_created),
        "date_modified": v2_time(order.date_modified),
        "date_shipped": "",
        "status_id": order.status_id,
        "status": ORDER_STATUSES[order.status_id],
        "custom_status": ORDER_STATUSES[order.status_id],
        "subtotal_ex_tax": v2_money(order.subtotal_ex_tax),
        "subtotal_inc_tax": v2_money(order.subtotal_inc_tax),
        "subtotal_tax": v2_money(order.subtotal_inc_tax - order.subtotal_ex_tax),
        "base_shipping_cost": v2_money(order.shipping_ex_tax),
        "shipping_cost_ex_tax": v2_money(order.shipping_ex_tax),
        "shipping_cost_inc_tax": v2_money(order.shipping_inc_tax),
        "shipping_cost_tax": v2_money(order.shipping_inc_tax - order.shipping_ex_tax),
        "base_handling_cost": "0.0000",
        "handling_cost_ex_tax": "0.0000",
        "handling_cost_inc_tax": "0.0000",
        "handling_cost_tax": "0.0000",
        "base_wrapping_cost": "0.0000",
        "wrapping_cost_ex_tax": "0.0000",
        "wrapping_cost_inc_tax": "0.0000",
        "wrapping_cost_tax": "0.0000",
        "total_ex_tax": v2_money(order.total_ex_tax),
        "total_inc_tax": v2_money(order.total_inc_tax),
        "total_tax": v2_money(order.total_tax),
        "items_total": items_total,
        "items_shipped": 0,
        "payment_method": order.payment_method,
        "payment_provider_id": None,
        "payment_status": order.payment_status,
        "refunded_amount": "0.0000",
        "order_is_digital": False,
        "store_credit_amount": "0.0000",
        "gift_certificate_amount": "0.0000",
        "ip_address": order.ip_address,
        "ip_address_v6": "",
        "geoip_country": country_name(country) if country else "",
        "geoip_country_iso2": country,
        "currency_id": 1,
        "currency_code": "USD",
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": "USD",
        "staff_notes": order.staff_notes,
        "customer_message": order.customer_message,
        "discount_amount": v2_money(order.discount_amount),
        "coupon_discount": v2_money(order.coupon_discount),
        "shipping_address_count": 1 if order.shipping_address else 0,
        "is_deleted": order.is_deleted,
        "ebay_order_id": "0",
        "cart_id": order.cart_id,
        "billing_address": dict(order.billing_address),
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": order.order_source,
        "channel_id": 1,
        "external_source": None,
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": "en",
        "store_default_currency_code": "USD",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "custom_status_label": "",
        "products": {"url": f"{url}/products", "resource": f"/orders/{order.id}/products"},
        "shipping_addresses": {
            "url": f"{url}/shipping_addresses",
            "resource": f"/orders/{order.id}/shipping_addresses",
        },
        "coupons": {"url": f"{url}/coupons", "resource": f"/orders/{order.id}/coupons"},
    }


def order_product_json(order: Order, product: OrderProduct) -> Json:
    applied = [
        {"id": code, "amount": v2_money(product.discount), "name": code, "code": code, "target": "order"}
        for code in product.coupon_codes[:1]
    ] if product.discount else []
    return {
        "id": product.id,
        "order_id": order.id,
        "product_id": product.product_id,
        "variant_id": product.variant_id,
        "order_address_id": order.id,
        "name": product.name,
        "name_customer": product.name,
        "name_merchant": product.name,
        "sku": product.sku,
        "type": "physical",
        "base_price": v2_money(product.base_price),
        "price_ex_tax": v2_money(product.price_ex_tax),
        "price_inc_tax": v2_money(product.price_inc_tax),
        "price_tax": v2_money(product.price_inc_tax - product.price_ex_tax),
        "base_total": v2_money(product.total_ex_tax),
        "total_ex_tax": v2_money(product.total_ex_tax),
        "total_inc_tax": v2_money(product.total_inc_tax),
        "total_tax": v2_money(product.total_inc_tax - product.total_ex_tax),
        "quantity": product.quantity,
        "base_cost_price": "0.0000",
        "quantity_shipped": 0,
        "quantity_refunded": 0,
        "is_refunded": False,
        "refund_amount": "0.0000",
        "return_id": 0,
        "applied_discounts": applied,
        "product_options": product.options,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "fixed_shipping_cost": "0.0000",
        "upc": "",
        "event_name": None,
        "event_date": "",
    }


def shipping_address_json(order: Order) -> list[Json]:
    if order.shipping_address is None:
        return []
    return [{
        "id": order.id,
        "order_id": order.id,
        **order.shipping_address,
        "items_total": sum(p.quantity for p in order.products),
        "items_shipped": 0,
        "shipping_method": order.shipping_method,
        "base_cost": v2_money(order.shipping_ex_tax),
        "cost_ex_tax": v2_money(order.shipping_ex_tax),
        "cost_inc_tax": v2_money(order.shipping_inc_tax),
        "cost_tax": v2_money(order.shipping_inc_tax - order.shipping_ex_tax),
    }]


def coupons_json(order: Order) -> list[Json]:
    return [
        {
            "id": index + 1,
            "coupon_id": coupon["coupon_id"],
            "order_id": order.id,
            "code": coupon["code"],
            "amount": v2_money(coupon["amount"]),
            "type": coupon["type"],
            "discount": v2_money(coupon["amount"]),
        }
        for index, coupon in enumerate(order.coupons)
    ]


def statuses_json() -> list[Json]:
    return [
        {"id": status_id, "name": name, "system_label": name, "custom_label": name,
         "system_description": "", "order": status_id}
        for status_id, name in ORDER_STATUSES.items()
    ]
