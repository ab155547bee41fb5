"""Pure logic of carts: mapping, money, staleness, status rules, timeline diffs, shopper attributes, listing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartio_bigcommerce import Cart, Checkout
from cartio_carts import domain
from cartio_carts.domain import Clock, is_newer, map_cart, transition

CART_ID = "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11"
T0 = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def line(item_id: str, product_id: int, quantity: int, price: float, variant_id: int | None = None) -> dict[str, Any]:
    return {
        "id": item_id, "product_id": product_id, "variant_id": variant_id, "name": f"Product {product_id}",
        "sku": f"SKU-{product_id}", "quantity": quantity, "list_price": price, "sale_price": price,
        "extended_sale_price": price * quantity, "image_url": f"https://img/{product_id}.jpg",
        "options": [{"name": "Size", "nameId": 14, "value": "Large", "valueId": 55}],
    }


def bc_cart(items: list[dict[str, Any]], *, version: int = 1, updated: datetime = T0, email: str | None = None,
            customer_id: int = 0, coupons: list[dict[str, Any]] | None = None) -> Cart:
    return Cart.model_validate({
        "id": CART_ID, "customer_id": customer_id, "channel_id": 1, "email": email or "",
        "currency": {"code": "USD"}, "tax_included": False, "base_amount": 0, "discount_amount": 0,
        "manual_discount_amount": 0, "cart_amount": 0, "coupons": coupons or [],
        "line_items": {"physical_items": items, "digital_items": [], "custom_items": [], "gift_certificates": []},
        "created_time": "2026-03-02T10:15:00+00:00", "updated_time": updated.isoformat(), "version": version,
    })


def bc_checkout(cart: Cart, *, shipping: float = 0, tax: float = 0, first: str | None = None,
                last: str | None = None, email: str | None = None, chosen_shipping: bool = True) -> Checkout:
    billing = {"id": "b1", "first_name": first, "last_name": last, "email": email, "country_code": "US"} \
        if first or email else None
    chosen = [{"id": "c1", "line_item_ids": [], "selected_shipping_option": {"id": "o1", "cost": shipping}}]
    return Checkout.model_validate({
        "id": cart.id, "cart": cart.model_dump(mode="json"), "billing_address": billing,
        "consignments": chosen if chosen_shipping else [],
        "shipping_cost_total_ex_tax": shipping, "shipping_cost_total_inc_tax": shipping, "tax_total": tax,
        "grand_total": 0, "version": cart.version, "updated_time": cart.updated_time.isoformat()
        if cart.updated_time else None,
    })


# --- mapping and money ------------------------------------------------------------------------------------


def test_cart_and_checkout_map_to_the_merchants_view() -> None:
    cart = bc_cart([line("a", 112, 2, 22.0, 301), line("b", 97, 1, 19.5)], email="ana@buyer.example",
                   coupons=[{"id": "7", "code": "SPRING10", "discounted_amount": 6.35}])
    view = map_cart(cart, bc_checkout(cart, shipping=10.0, tax=4.77, first="Ana", last="Lee"))
    assert view.cart_id == uuid.UUID(CART_ID)
    assert [i.unit_price for i in view.items] == [Decimal("22.0"), Decimal("19.5")]
    assert view.items[0].extended_price == Decimal("44.0")
    assert view.items[0].options == (("Size", "Large"),)
    assert view.subtotal == Decimal("63.5")
    assert view.discount == Decimal("6.35")
    assert view.coupon_codes == ("SPRING10",)
    assert view.shipping == Decimal("10.0")
    assert view.tax == Decimal("4.77")
    assert view.grand_total == Decimal("71.92")
    assert view.email == "ana@buyer.example"
    assert view.name == "Ana Lee"
    assert view.user_type == "guest"
    assert view.item_count == 3
    assert all(isinstance(v, Decimal) for v in (view.subtotal, view.discount, view.shipping, view.tax))


def test_until_shipping_is_chosen_shipping_and_tax_are_zero() -> None:
    cart = bc_cart([line("a", 1, 3, 0.1)])
    for view in (map_cart(cart, None), map_cart(cart, bc_checkout(cart, tax=0.02, chosen_shipping=False))):
        assert view.shipping == view.tax == Decimal(0)
        assert view.grand_total == Decimal("0.3")  # Decimal, not 0.30000000000000004


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


@given(
    lines=st.lists(st.tuples(prices, st.integers(min_value=1, max_value=500)), min_size=1, max_size=8),
    shipping=st.decimals(min_value=0, max_value=Decimal("500"), places=2),
    tax=st.decimals(min_value=0, max_value=Decimal("500"), places=2),
    coupon=st.decimals(min_value=0, max_value=Decimal("100"), places=2),
)
def test_money_arithmetic_holds_for_any_cart(
    lines: list[tuple[Decimal, int]], shipping: Decimal, tax: Decimal, coupon: Decimal
) -> None:
    items = [line(f"i{n}", n + 1, qty, float(price)) for n, (price, qty) in enumerate(lines)]
    cart = bc_cart(items, coupons=[{"code": "C", "discounted_amount": float(coupon)}])
    view = map_cart(cart, bc_checkout(cart, shipping=float(shipping), tax=float(tax)))
    for item, (price, qty) in zip(view.items, lines, strict=True):
        assert item.unit_price == price
        assert item.extended_price == item.unit_price * item.quantity == price * qty
    assert view.subtotal == sum((i.extended_price for i in view.items), Decimal(0))
    assert view.discount == min(coupon, view.subtotal)
    assert view.grand_total == view.subtotal - view.discount + view.shipping + view.tax
    assert domain.money_str(view.grand_total).count(".") == 1


def test_a_customers_name_and_email_come_from_their_record() -> None:
    from cartio_bigcommerce import Customer

    cart = bc_cart([line("a", 1, 1, 5.0)], customer_id=9)
    customer = Customer.model_validate({"id": 9, "email": "jo@x.example", "first_name": "Jo", "last_name": "Park"})
    view = map_cart(cart, None, customer)
    assert (view.user_type, view.email, view.name, view.customer_id) == ("customer", "jo@x.example", "Jo Park", 9)


# --- staleness and status --------------------------------------------------------------------------------


def test_only_a_newer_snapshot_is_kept() -> None:
    stored = Clock(T0, 4)
    assert is_newer(Clock(T0 + timedelta(seconds=1), 5), stored)
    assert not is_newer(Clock(T0 - timedelta(seconds=1), 9), stored)  # older time wins over a bigger version
    assert not is_newer(Clock(T0, 4), stored)  # the same snapshot again
    assert is_newer(Clock(T0, 6), stored)  # same second, later version
    assert is_newer(Clock(T0, 1), None)


def test_status_rules() -> None:
    assert transition(None, "active") == "active"
    assert transition("active", "abandoned") == "abandoned"
    assert transition("abandoned", "active") == "active"
    assert transition("active", "deleted") == "deleted"
    assert transition("deleted", "active") is None  # deleted stays deleted
    assert transition("deleted", "abandoned") is None
    assert transition("converted", "deleted") is None  # converted stays converted
    assert transition("converted", "active") is None
    assert transition("deleted", "converted") == "converted"  # BigCommerce deletes a cart after its order
    assert transition("active", "blocked") == "blocked"
    assert transition("blocked", "deleted") is None
    assert transition("active", "active") is None
    assert not domain.accepts_snapshot("deleted")
    assert domain.accepts_snapshot("abandoned")


def test_idle_carts_are_abandoned_after_the_configured_time() -> None:
    hour = timedelta(hours=1)
    assert domain.is_idle(T0, T0 + hour, hour)
    assert not domain.is_idle(T0, T0 + hour - timedelta(seconds=1), hour)


# --- timeline --------------------------------------------------------------------------------------------


def test_diff_names_what_changed() -> None:
    before = map_cart(bc_cart([line("a", 1, 1, 5.0), line("b", 2, 1, 7.0)], version=1), None)
    after = map_cart(
        bc_cart([line("a", 1, 3, 5.0), line("c", 3, 1, 9.0)], version=2, email="x@y.example",
                coupons=[{"code": "TAKE5", "discounted_amount": 5}]),
        None,
    )
    changes = {(c.action, c.detail.get("item_id") or c.detail.get("code") or c.detail.get("email"))
               for c in domain.diff(before, after)}
    assert changes == {
        ("quantity_changed", "a"), ("item_added", "c"), ("item_removed", "b"), ("coupon_applied", "TAKE5"),
        ("email_entered", "x@y.example"),
    }
    quantity = next(c for c in domain.diff(before, after) if c.action == "quantity_changed")
    assert (quantity.detail["from"], quantity.detail["to"]) == (1, 3)


def test_first_snapshot_is_a_creation_and_a_readded_line_is_not_a_change() -> None:
    first = map_cart(bc_cart([line("a", 1, 1, 5.0)]), None)
    assert [c.action for c in domain.diff(None, first)] == ["created", "item_added"]
    readded = map_cart(bc_cart([line("a2", 1, 1, 5.0)], version=2), None)
    assert domain.diff(first, readded) == []


def test_a_line_swapped_for_one_with_another_engraving_is_a_removal_and_an_addition() -> None:
    def engraved(item_id: str, text: str) -> dict[str, Any]:
        return {**line(item_id, 147, 1, 59.0, 379), "options": [
            {"name": "Color", "nameId": 15, "value": "Navy", "valueId": 62},
            {"name": "Engraving", "nameId": 120, "value": text}]}

    first = map_cart(bc_cart([engraved("a", "Ana")]), None)
    swapped = map_cart(bc_cart([engraved("b", "Ben")], version=2), None)
    assert [c.action for c in domain.diff(first, swapped)] == ["item_added", "item_removed"]


# --- shopper attributes ----------------------------------------------------------------------------------

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
SAFARI_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.1 Mobile/15E148 Safari/604.1")


def test_browser_from_user_agent() -> None:
    assert domain.browser_from_user_agent(CHROME) == "Chrome 131 on Windows"
    assert domain.browser_from_user_agent(SAFARI_IOS) == "Mobile Safari 17 on iOS"
    assert domain.browser_from_user_agent("") is None
    assert domain.browser_from_user_agent(None) is None


def test_country_from_ip() -> None:
    assert domain.country_from_ip("8.8.8.8") == "US"
    assert domain.country_from_ip("81.2.69.160") == "GB"
    assert domain.country_from_ip("127.0.0.1") is None
    assert domain.country_from_ip("10.1.2.3") is None
    assert domain.country_from_ip("not an ip") is None
    assert domain.country_from_ip(None) is None


# --- listing ---------------------------------------------------------------------------------------------


def test_cursor_round_trip() -> None:
    at = datetime(2026, 3, 2, 10, 15, 7, 123456, tzinfo=UTC)
    cart_id = uuid.uuid4()
    assert domain.decode_cursor(domain.encode_cursor(at, cart_id)) == (at, cart_id)


@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_any_cursor_round_trips(at: datetime, cart_id: uuid.UUID) -> None:
    assert domain.decode_cursor(domain.encode_cursor(at, cart_id)) == (at, cart_id)


def test_listing_parameters_are_parsed() -> None:
    query = domain.parse_list_query(status="active", user_type="guest", q=" Ana@X ",
                                    updated_since="2026-03-01T00:00:00Z", min_total="25.50", limit="20")
    assert query.status == "active"
    assert query.user_type == "guest"
    assert query.q == "ana@x"
    assert query.updated_since == datetime(2026, 3, 1, tzinfo=UTC)
    assert query.min_total == Decimal("25.50")
    assert query.limit == 20
    assert domain.parse_list_query().limit == 50


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "open"}, "status"),
        ({"user_type": "robot"}, "user_type"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"min_total": "lots"}, "min_total"),
        ({"min_total": "-1"}, "min_total"),
        ({"min_total": "NaN"}, "min_total"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": "MXxub3R8YQ"}, "cursor"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"updated_since": "9999-12-31T23:59:59-01:00"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+01:00"}, "updated_since"),
        ({"cursor": "MXw5OTk5LTEyLTMxVDIzOjU5OjU5LTAxOjAwfDAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ"},
         "cursor"),  # a well-formed cursor past the year 9999 in UTC
    ],
)
def test_malformed_listing_parameters_are_refused(params: dict[str, str], name: str) -> None:
    with pytest.raises(domain.BadParameter) as err:
        domain.parse_list_query(**params)
    assert err.value.name == name


def test_missing_address_fields_are_named() -> None:
    assert domain.missing_address_fields({"first_name": "Ana", "city": "Austin"}) == ["email", "country_code"]
    assert domain.missing_address_fields({"email": "a@b.c", "country_code": "US"}) == []
    assert domain.missing_address_fields({"email": "a@b.c", "country_code": "US"}, shipping=True) == [
        "first_name", "last_name", "address1", "city"]
