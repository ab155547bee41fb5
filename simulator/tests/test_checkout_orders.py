"""Checkouts v3 to an order, Orders v2 shapes and filters, the shopper's one-step checkout."""

from __future__ import annotations

import re

import pytest

MONEY_V2 = re.compile(r"^-?\d+\.\d{4}$")
RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
ADDRESS = {"first_name": "Ana", "last_name": "Lee", "email": "ana@buyer.example", "address1": "12 Elm St",
           "city": "Austin", "state_or_province": "Texas", "state_or_province_code": "TX", "country_code": "US",
           "postal_code": "78701"}


async def _ready_checkout(h, coupon: str | None = None):
    cart = await h.api_cart({"product_id": 111, "quantity": 2}, {"product_id": 117, "variant_id": 311, "quantity": 1})
    base = h.v3(f"/checkouts/{cart['id']}")
    billing = await h.client.post(f"{base}/billing-address", headers=h.headers, json=ADDRESS)
    assert billing.status_code == 200, billing.text
    assert billing.json()["data"]["billing_address"]["email"] == "ana@buyer.example"
    assert billing.json()["data"]["cart"]["email"] == "ana@buyer.example"
    items = [{"item_id": i["id"], "quantity": i["quantity"]} for i in cart["line_items"]["physical_items"]]
    shipping = await h.client.post(f"{base}/consignments", headers=h.headers,
                                   params={"include": "consignments.available_shipping_options"},
                                   json=[{"address": ADDRESS, "line_items": items}])
    assert shipping.status_code == 200, shipping.text
    consignment = shipping.json()["data"]["consignments"][0]
    options = {o["description"]: o for o in consignment["available_shipping_options"]}
    assert set(options) == {"Flat Rate", "Express"}  # free shipping needs 100.00
    chosen = await h.client.put(f"{base}/consignments/{consignment['id']}", headers=h.headers,
                                json={"shipping_option_id": options["Flat Rate"]["id"]})
    assert chosen.status_code == 200
    if coupon:
        applied = await h.client.post(f"{base}/coupons", headers=h.headers, json={"coupon_code": coupon})
        assert applied.status_code == 200, applied.text
    return cart, base


async def test_checkout_totals_with_coupon_and_shipping(h):
    _, base = await _ready_checkout(h, coupon="SPRING10")
    checkout = (await h.client.get(base, headers=h.headers)).json()["data"]
    assert checkout["subtotal_ex_tax"] == 69.0
    assert checkout["coupons"][0]["code"] == "SPRING10"
    assert checkout["coupons"][0]["discounted_amount"] == 6.9
    assert checkout["cart"]["cart_amount_ex_tax"] == 62.1
    assert checkout["shipping_cost_total_ex_tax"] == 10.0
    assert checkout["shipping_cost_total_inc_tax"] == 10.8
    assert checkout["tax_total"] == round(4.97 + 0.80, 2)  # 8% of 62.10 and of 10.00
    assert checkout["grand_total"] == 77.87
    assert checkout["consignments"][0]["selected_shipping_option"]["description"] == "Flat Rate"
    assert checkout["order_id"] is None


async def test_bad_checkout_inputs(h):
    cart = await h.api_cart()
    base = h.v3(f"/checkouts/{cart['id']}")
    no_email = await h.client.post(f"{base}/billing-address", headers=h.headers, json={"country_code": "US"})
    assert no_email.status_code == 422
    assert "billing_address.email" in no_email.json()["errors"]
    bad_coupon = await h.client.post(f"{base}/coupons", headers=h.headers, json={"coupon_code": "NOPE"})
    assert bad_coupon.status_code == 400
    not_ready = await h.client.post(f"{base}/orders", headers=h.headers)
    assert not_ready.status_code == 422
    assert (await h.client.get(h.v3("/checkouts/unknown"), headers=h.headers)).status_code == 404


async def test_order_from_checkout_then_status_change(h):
    cart, base = await _ready_checkout(h)
    created = await h.client.post(f"{base}/orders", headers=h.headers)
    assert created.status_code == 200
    order_id = created.json()["data"]["id"]
    assert order_id == 100
    assert (await h.client.get(base, headers=h.headers)).json()["data"]["order_id"] == order_id

    order = (await h.client.get(h.v2(f"/orders/{order_id}"), headers=h.headers)).json()
    assert order["status_id"] == 0
    assert order["status"] == "Incomplete"
    assert order["cart_id"] == cart["id"]
    assert order["billing_address"]["email"] == "ana@buyer.example"
    assert order["billing_address"]["country_iso2"] == "US"
    assert order["billing_address"]["street_1"] == "12 Elm St"
    for key in ("subtotal_ex_tax", "subtotal_inc_tax", "total_ex_tax", "total_inc_tax", "discount_amount",
                "coupon_discount", "shipping_cost_inc_tax"):
        assert MONEY_V2.match(order[key]), (key, order[key])
    assert order["total_inc_tax"] == "85.3200"  # 69.00 + 10.00 + 8% tax (5.52 + 0.80)
    assert RFC2822.match(order["date_created"])
    assert order["products"]["url"].endswith(f"/v2/orders/{order_id}/products")

    products = (await h.client.get(h.v2(f"/orders/{order_id}/products"), headers=h.headers)).json()
    assert [(p["product_id"], p["quantity"], p["base_price"]) for p in products] == [
        (111, 2, "22.0000"), (117, 1, "25.0000")]
    assert products[1]["product_options"][0]["display_name"] == "Size"

    # Incomplete orders are listed only when asked for.
    assert (await h.client.get(h.v2("/orders"), headers=h.headers)).status_code == 204
    listed = await h.client.get(h.v2("/orders"), headers=h.headers, params={"status_id": 0, "cart_id": cart["id"]})
    assert [o["id"] for o in listed.json()] == [order_id]

    changed = await h.client.put(h.v2(f"/orders/{order_id}"), headers=h.headers, json={"status_id": 11})
    assert changed.status_code == 200
    assert changed.json()["status"] == "Awaiting Fulfillment"
    by_email = await h.client.get(h.v2("/orders"), headers=h.headers, params={"email": "ana@buyer.example"})
    assert [o["id"] for o in by_email.json()] == [order_id]
    assert (await h.client.get(h.v2("/orders"), headers=h.headers, params={"min_id": 101})).status_code == 204
    read_only = await h.client.put(h.v2(f"/orders/{order_id}"), headers=h.headers, json={"total_inc_tax": "1"})
    assert read_only.status_code == 400
    assert "cannot be written" in read_only.json()[0]["message"]
    statuses = (await h.client.get(h.v2("/order_statuses"), headers=h.headers)).json()
    assert {s["id"]: s["name"] for s in statuses}[6] == "Declined"


async def test_shopper_checkout_places_paid_order_and_cart_disappears(h):
    cart = (await h.client.post("/_sim/carts", json={
        "items": [{"product_id": 111, "quantity": 1}], "ip": "84.130.1.1", "user_agent": "Mozilla/5.0"})).json()
    response = await h.client.post(f"/_sim/carts/{cart['id']}/checkout", json={"email": "max@shop.example"})
    assert response.status_code == 201
    order = response.json()
    assert order["status_id"] == 11
    assert order["cart_id"] == cart["id"]
    assert order["ip_address"] == "84.130.1.1"
    assert order["geoip_country_iso2"] == "DE"
    assert order["billing_address"]["email"] == "max@shop.example"
    assert (await h.client.get(f"/_sim/carts/{cart['id']}")).status_code == 404
    assert (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 404
    assert (await h.client.post(f"/_sim/carts/{cart['id']}/checkout", json={})).status_code == 404
    orders = (await h.client.get("/_sim/orders")).json()
    assert [o["id"] for o in orders] == [order["id"]]
    listed = (await h.client.get(h.v2("/orders"), headers=h.headers)).json()
    assert [o["id"] for o in listed] == [order["id"]]


async def test_shopper_checkout_with_billing_address_and_no_email_fails(h):
    cart = (await h.client.post("/_sim/carts", json={"items": [{"product_id": 112, "quantity": 1}]})).json()
    assert (await h.client.post(f"/_sim/carts/{cart['id']}/checkout", json={})).status_code == 422
    response = await h.client.post(f"/_sim/carts/{cart['id']}/checkout", json={"billing_address": {
        "first_name": "Jo", "last_name": "Doe", "email": "jo@x.example", "street_1": "1 Rue", "city": "Paris",
        "zip": "75001", "country_iso2": "FR"}})
    assert response.status_code == 201
    order = response.json()
    assert order["billing_address"]["country_iso2"] == "FR"
    assert order["geoip_country_iso2"] == "FR"  # no IP known: billing country


async def test_shopper_coupon_and_shipping_show_in_the_checkout(h) -> None:  # type: ignore[no-untyped-def]
    cart = (await h.client.post("/_sim/carts", json={"items": [{"product_id": 111, "quantity": 2}]})).json()
    coupon = await h.client.post(f"/_sim/carts/{cart['id']}/coupon", json={"code": "SPRING10"})
    assert coupon.status_code == 200, coupon.text
    assert [c["code"] for c in coupon.json()["coupons"]] == ["SPRING10"]
    assert (await h.client.post(f"/_sim/carts/{cart['id']}/coupon", json={"code": "NOPE"})).status_code == 400
    chosen = await h.client.post(f"/_sim/carts/{cart['id']}/shipping", json={"country_code": "DE"})
    assert chosen.status_code == 200, chosen.text
    checkout = (await h.client.get(h.v3(f"/checkouts/{cart['id']}"), headers=h.headers)).json()["data"]
    assert checkout["consignments"][0]["selected_shipping_option"] is not None
    assert checkout["consignments"][0]["address"]["country_code"] == "DE"
    assert checkout["tax_total"] > 0
    assert checkout["grand_total"] == pytest.approx(
        checkout["subtotal_ex_tax"] - checkout["coupons"][0]["discounted_amount"]
        + checkout["shipping_cost_total_ex_tax"] + checkout["tax_total"], abs=0.01)
