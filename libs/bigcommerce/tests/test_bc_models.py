"""Models parse the example bodies of the API reference (docs/bigcommerce-api.md)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from cartio_bigcommerce import STORE_HASH_PATTERN, StoreHash, WebhookPayload, is_store_hash
from cartio_bigcommerce.models import (
    Address,
    Cart,
    Checkout,
    ConsignmentInput,
    Customer,
    Hook,
    LineItemInput,
    Order,
    OrderProduct,
    Product,
    Script,
    SignedPayload,
    TokenResponse,
    Webhook,
    store_hash_from_context,
)

CART_5_2 = """
{"id": "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11", "customer_id": 0, "channel_id": 1,
 "email": "guest@buyer.example", "currency": {"code": "USD"}, "tax_included": false,
 "base_amount": 64.0, "discount_amount": 0, "manual_discount_amount": 0, "cart_amount": 64.0,
 "coupons": [{"id": "7", "code": "SPRING10", "coupon_type": "1", "display_name": "10% off", "discounted_amount": 6.4}],
 "discounts": [{"id": "coupon", "discounted_amount": 6.4}],
 "line_items": {
   "physical_items": [{"id": "e2b4c6d8-...", "parent_id": null, "variant_id": 301, "product_id": 112,
      "sku": "MUG-BLU", "name": "Blue Mug", "url": "https://shop.example/blue-mug/", "quantity": 2,
      "taxable": true, "image_url": "https://cdn11.bigcommerce.com/...jpg", "discounts": [], "coupons": [],
      "discount_amount": 0, "coupon_amount": 0, "original_price": 22.0, "list_price": 22.0, "sale_price": 22.0,
      "extended_list_price": 44.0, "extended_sale_price": 44.0, "is_require_shipping": true,
      "is_mutable": true, "added_by_promotion": false, "gift_wrapping": null,
      "options": [{"name": "Size", "nameId": 14, "value": "Large", "valueId": 55}]}],
   "digital_items": [], "gift_certificates": [],
   "custom_items": [{"id": "9a1f...", "sku": "ENGRAVE", "name": "Engraving", "quantity": 1, "list_price": 20.0,
                     "extended_list_price": 20.0}]},
 "created_time": "2026-03-02T10:15:00+00:00", "updated_time": "2026-03-02T10:21:07+00:00",
 "locale": "en-US", "version": 4,
 "redirect_urls": {"cart_url": "...", "checkout_url": "...", "embedded_checkout_url": "..."}}
"""

ORDER_V2 = {
    "id": 1043,
    "customer_id": 0,
    "date_created": "Tue, 03 Mar 2026 10:40:11 +0000",
    "date_modified": "Tue, 03 Mar 2026 11:02:45 +0000",
    "date_shipped": "",
    "status_id": 11,
    "status": "Awaiting Fulfillment",
    "custom_status": "Awaiting Fulfillment",
    "subtotal_ex_tax": "64.0000",
    "subtotal_inc_tax": "64.0000",
    "total_ex_tax": "62.6800",
    "total_inc_tax": "62.6800",
    "discount_amount": "0.0000",
    "coupon_discount": "6.4000",
    "items_total": 3,
    "payment_method": "Manual",
    "payment_status": "",
    "currency_code": "USD",
    "ip_address": "203.0.113.7",
    "ip_address_v6": "",
    "geoip_country": "United States",
    "geoip_country_iso2": "US",
    "cart_id": "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11",
    "channel_id": 1,
    "order_source": "external",
    "customer_message": "",
    "staff_notes": "",
    "billing_address": {
        "first_name": "Ana",
        "last_name": "Lee",
        "company": "",
        "street_1": "12 Elm St",
        "street_2": "",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "country": "United States",
        "country_iso2": "US",
        "phone": "",
        "email": "ana@buyer.example",
        "form_fields": [],
    },
    "products": {
        "url": "https://api.bigcommerce.com/stores/ab12cd/v2/orders/1043/products",
        "resource": "/orders/1043/products",
    },
    "shipping_addresses": {"url": "https://...", "resource": "/orders/1043/shipping_addresses"},
    "coupons": {"url": "https://...", "resource": "/orders/1043/coupons"},
    "some_new_field": {"ignored": True},
}


def test_cart_example_parses() -> None:
    cart = Cart.model_validate_json(CART_5_2)
    assert cart.id == "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
    assert cart.currency is not None
    assert cart.currency.code == "USD"
    assert cart.cart_amount == Decimal("64.0")
    assert cart.coupons[0].discounted_amount == Decimal("6.4")
    assert cart.coupons[0].coupon_type == "1"
    assert cart.discounts[0].id == "coupon"
    assert cart.created_time == datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert cart.updated_time is not None
    assert cart.updated_time.tzinfo is not None
    assert cart.version == 4
    item = cart.line_items.physical_items[0]
    assert item.taxable is True
    assert item.variant_id == 301
    assert item.quantity == 2
    assert item.extended_sale_price == Decimal("44.0")
    assert item.options[0].name_id == 14
    assert item.options[0].value_id == 55
    assert cart.line_items.custom_items[0].list_price == Decimal("20.0")
    assert cart.line_items.count == 2
    assert cart.redirect_urls is not None
    assert cart.redirect_urls.checkout_url == "..."


def test_line_item_accepts_is_taxable_and_exact_money() -> None:
    data = json.loads(CART_5_2)
    item = data["line_items"]["physical_items"][0]
    del item["taxable"]
    item["is_taxable"] = False
    item["sale_price"] = 0.1
    data["line_items"]["digital_items"] = [dict(item, id="d1")]
    cart = Cart.model_validate(data)
    assert cart.line_items.physical_items[0].taxable is False
    assert cart.line_items.physical_items[0].sale_price == Decimal("0.1")
    assert [i.id for i in cart.line_items.catalog_items] == ["e2b4c6d8-...", "d1"]


def test_checkout_parses_with_consignments() -> None:
    cart = json.loads(CART_5_2)
    cart["cart_amount_inc_tax"] = 64.0
    checkout = Checkout.model_validate(
        {
            "id": cart["id"],
            "cart": cart,
            "billing_address": {"id": "65", "email": "ana@buyer.example", "country_code": "US", "country": "US"},
            "consignments": [
                {
                    "id": "c1",
                    "address": {"first_name": "Ana", "country_code": "US"},
                    "line_item_ids": ["e2b4c6d8-..."],
                    "available_shipping_options": [
                        {"id": "opt-1", "type": "shipping_flatrate", "description": "Flat", "cost": 5.5}
                    ],
                    "selected_shipping_option": {"id": "opt-1", "description": "Flat", "cost": 5.5},
                    "shipping_cost_inc_tax": 5.5,
                    "shipping_cost_ex_tax": 5.5,
                }
            ],
            "taxes": [{"name": "Tax", "amount": 0}],
            "coupons": [{"id": 7, "code": "SPRING10", "coupon_type": "percentage_discount", "discounted_amount": 6.4}],
            "order_id": None,
            "shipping_cost_total_inc_tax": 5.5,
            "grand_total": 63.1,
            "version": 5,
        }
    )
    assert checkout.cart.cart_amount_inc_tax == Decimal("64.0")
    assert checkout.billing_address is not None
    assert checkout.billing_address.id == "65"
    consignment = checkout.consignments[0]
    assert consignment.available_shipping_options is not None
    assert consignment.available_shipping_options[0].cost == Decimal("5.5")
    assert consignment.selected_shipping_option is not None
    assert checkout.coupons[0].id == "7"
    assert checkout.grand_total == Decimal("63.1")
    assert checkout.order_id is None


def test_checkout_empty_billing_address_is_none() -> None:
    checkout = Checkout.model_validate({"id": "x", "cart": {"id": "x"}, "billing_address": {"custom_fields": []}})
    assert checkout.billing_address is None


def test_order_v2_strings() -> None:
    order = Order.model_validate(ORDER_V2)
    assert order.total_inc_tax == Decimal("62.6800")
    assert order.coupon_discount == Decimal("6.4")
    assert order.date_created == datetime(2026, 3, 3, 10, 40, 11, tzinfo=UTC)
    assert order.date_shipped is None
    assert order.ip_address == "203.0.113.7"
    assert order.ip_address_v6 is None
    assert order.geoip_country_iso2 == "US"
    assert order.cart_id == "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
    assert order.billing_address is not None
    assert order.billing_address.email == "ana@buyer.example"
    assert order.products is not None
    assert order.products.resource == "/orders/1043/products"


def test_order_rfc2822_with_offset_is_aware() -> None:
    order = Order.model_validate({**ORDER_V2, "date_modified": "Tue, 03 Mar 2026 12:00:00 +0200"})
    assert order.date_modified == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def test_order_product() -> None:
    product = OrderProduct.model_validate(
        {
            "id": 88,
            "order_id": 1043,
            "product_id": 112,
            "variant_id": 301,
            "name": "Blue Mug",
            "sku": "MUG-BLU",
            "type": "physical",
            "quantity": 2,
            "base_price": "22.0000",
            "price_ex_tax": "22.0000",
            "price_inc_tax": "22.0000",
            "total_ex_tax": "44.0000",
            "total_inc_tax": "44.0000",
            "applied_discounts": [
                {"id": "coupon", "amount": "4.4000", "name": "10% off", "code": "SPRING10", "target": "product"}
            ],
            "product_options": [{"display_name": "Size", "display_value": "Large"}],
            "parent_order_product_id": None,
            "is_bundled_product": False,
        }
    )
    assert product.total_inc_tax == Decimal("44")
    assert product.applied_discounts[0].amount == Decimal("4.4")
    assert product.product_options[0].display_value == "Large"


def test_product_example() -> None:
    body = {
        "id": 112, "name": "Blue Mug", "type": "physical", "sku": "MUG", "price": 22.0, "sale_price": 0,
        "retail_price": 0, "calculated_price": 22.0, "inventory_level": 40, "inventory_tracking": "variant",
        "is_visible": True, "availability": "available",
        "images": [{"id": 9, "product_id": 112, "is_thumbnail": True, "url_thumbnail": "https://cdn/thumb.jpg",
                    "url_standard": "...", "url_tiny": "...", "url_zoom": "..."}],
        "variants": [{"id": 301, "product_id": 112, "sku": "MUG-BLU", "price": None, "sale_price": None,
                      "calculated_price": 22.0, "inventory_level": 15, "purchasing_disabled": False,
                      "option_values": [{"id": 55, "label": "Large", "option_id": 14, "option_display_name": "Size"}]}],
    }  # fmt: skip
    product = Product.model_validate(body)
    assert product.calculated_price == Decimal("22.0")
    assert product.variants[0].price is None
    assert product.variants[0].option_values[0].label == "Large"
    assert product.thumbnail_url == "https://cdn/thumb.jpg"


def test_customer_hook_script() -> None:
    customer = Customer.model_validate(
        {"id": 4, "email": "a@x.example", "date_created": "2026-01-01T00:00:00Z",
         "addresses": [{"id": 1, "customer_id": 4, "country_code": "US"}]}
    )  # fmt: skip
    assert customer.addresses[0].country_code == "US"
    assert customer.date_created == datetime(2026, 1, 1, tzinfo=UTC)
    hook = Hook.model_validate(
        {"id": 18, "client_id": "CID", "store_hash": "ab12cd", "scope": "store/cart/*",
         "destination": "https://hooks.cartio.example/bc/ab12cd", "is_active": True,
         "headers": {"X-Cartio-Secret": "s"}, "created_at": 1767000000, "updated_at": 1767000000}
    )  # fmt: skip
    assert hook.created_at == datetime.fromtimestamp(1767000000, UTC)
    script = Script.model_validate(
        {"uuid": "u-1", "name": "Cartio tracker", "kind": "src", "src": "https://cdn/t.js",
         "date_created": "2026-03-02T10:15:00Z", "api_client_id": "CID"}
    )  # fmt: skip
    assert script.date_created is not None
    assert script.date_created.tzinfo is not None


def test_token_response_example() -> None:
    token = TokenResponse.model_validate_json(
        """{"access_token": "tok_abc", "scope": "store_cart store_v2_orders",
         "user":  {"id": 501, "username": "ops@shop.example", "email": "ops@shop.example"},
         "owner": {"id": 500, "username": "boss@shop.example", "email": "boss@shop.example"},
         "context": "stores/ab12cd", "account_uuid": "0f6c...-uuid"}"""
    )
    assert token.store_hash == "ab12cd"
    assert token.scopes == {"store_cart", "store_v2_orders"}
    assert token.user.id == 501
    assert token.owner is not None
    assert token.owner.id == 500


def test_signed_payload_claims_store_hash() -> None:
    claims = SignedPayload.model_validate(
        {"aud": "CID", "iss": "bc", "iat": 1767000000, "nbf": 1767000000, "exp": 1767086400,
         "jti": "5b0e", "sub": "stores/ab12cd", "user": {"id": 501, "email": "ops@shop.example", "locale": "en-US"},
         "owner": {"id": 500, "email": "boss@shop.example"}, "url": "/", "channel_id": None}
    )  # fmt: skip
    assert claims.store_hash == "ab12cd"
    assert claims.user.locale == "en-US"


WEBHOOKS = [
    """{"scope": "store/cart/converted", "store_id": "1009001", "producer": "stores/ab12cd",
     "data": {"type": "cart", "id": "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11", "orderId": 1043},
     "hash": "7a0c3b", "created_at": 1767000123}""",
    """{"scope": "store/cart/lineItem/updated", "store_id": "1009001", "producer": "stores/ab12cd",
     "data": {"type": "cart_line_item", "id": "e2b4...", "cartId": "5c1d0a3e-..."}, "hash": "91fe",
     "created_at": 1767000001}""",
    """{"scope": "store/cart/abandoned", "store_id": "1009001", "producer": "stores/ab12cd",
     "data": {"type": "cart", "id": "5c1d0a3e-...", "token": "4f9a0c..."}, "hash": "c02d", "created_at": 1767003700}""",
    """{"scope": "store/order/statusUpdated", "store_id": 1009001, "producer": "stores/ab12cd",
     "data": {"type": "order", "id": 1043, "status": {"previous_status_id": 0, "new_status_id": 11}},
     "hash": "3be1", "created_at": 1767000200}""",
]


@pytest.mark.parametrize("raw", WEBHOOKS)
def test_webhook_examples(raw: str) -> None:
    hook = Webhook.model_validate_json(raw)
    assert hook.store_hash == "ab12cd"
    assert hook.store_id == "1009001"
    assert hook.created_time.tzinfo is not None
    assert hook.created_at_unix == json.loads(raw)["created_at"]
    assert hook.resource_id is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("producer", "ab12cd"),
        ("producer", "stores/"),
        ("producer", "stores/ab/../x"),
        ("created_at", "1767000123"),
        ("created_at", 1767000123.5),
        ("created_at", True),
        ("store_id", True),
        ("store_id", ""),
        ("data", "not a dict"),
        ("data", None),
        ("scope", ""),
        ("scope", 5),
        ("hash", 123),
    ],
)
def test_webhook_rejects_bad_fields(field: str, value: object) -> None:
    body = json.loads(WEBHOOKS[0])
    body[field] = value
    with pytest.raises(ValidationError):
        Webhook.model_validate_json(json.dumps(body))


@pytest.mark.parametrize("missing", ["scope", "store_id", "producer", "data", "hash", "created_at"])
def test_webhook_requires_every_field(missing: str) -> None:
    body = json.loads(WEBHOOKS[0])
    del body[missing]
    with pytest.raises(ValidationError):
        Webhook.model_validate(body)


def test_inputs_serialise_for_the_api() -> None:
    item = LineItemInput(product_id=97, quantity=1, list_price=Decimal("19.5"))
    assert item.to_api() == {"product_id": 97, "quantity": 1, "list_price": 19.5}
    consignment = ConsignmentInput.model_validate(
        {"address": {"first_name": "Ana", "country_code": "US", "email": "ana@buyer.example"},
         "line_items": [{"item_id": "e2b4", "quantity": 2}]}
    )  # fmt: skip
    assert consignment.to_api() == {
        "address": {"first_name": "Ana", "country_code": "US", "email": "ana@buyer.example"},
        "line_items": [{"item_id": "e2b4", "quantity": 2}],
    }
    with pytest.raises(ValidationError):
        Address.model_validate({"email": "ana@buyer.example"})  # country_code is required


def test_store_hash_from_context() -> None:
    assert store_hash_from_context("stores/ab12cd") == "ab12cd"
    with pytest.raises(ValueError, match="store context"):
        store_hash_from_context("store/ab12cd")


def test_checkout_cart_derives_cart_amount() -> None:
    cart = {"id": "x", "is_tax_included": False, "cart_amount_inc_tax": 69.12, "cart_amount_ex_tax": 64.0}
    checkout = Checkout.model_validate({"id": "x", "cart": cart})
    assert checkout.cart.tax_included is False
    assert checkout.cart.cart_amount == Decimal("64.0")
    cart = {**cart, "is_tax_included": True}
    assert Checkout.model_validate({"id": "x", "cart": cart}).cart.cart_amount == Decimal("69.12")


def test_a_store_hash_is_lowercase_letters_and_digits_and_nothing_else() -> None:
    holder = TypeAdapter(StoreHash)
    assert holder.validate_python("ab12cd") == "ab12cd"
    for bad in ["", "AB12", "ab/12", "ab-12", "ab12cd\n", "a" * 33, 12]:
        with pytest.raises(ValidationError):
            holder.validate_python(bad)
    assert is_store_hash("ab12cd")
    for bad in ["<script>", "ab12cd\n", "", None]:
        assert not is_store_hash(bad)
    assert re.fullmatch(STORE_HASH_PATTERN, "ab12cd")


def test_a_webhook_body_keeps_created_at_as_unix_seconds_and_its_schema_is_flat() -> None:
    body = WebhookPayload.model_validate_json(WEBHOOKS[3])
    assert body.created_at == 1767000200
    assert body.store_id == "1009001"
    assert Webhook is WebhookPayload
    assert "$defs" not in WebhookPayload.model_json_schema()
    with pytest.raises(ValidationError):
        WebhookPayload.model_validate({**json.loads(WEBHOOKS[0]), "producer": "stores/AB12"})
