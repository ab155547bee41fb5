"""The API quota a Standard store has, the calls it counts (`/_sim/api_usage`), and orders as a real store
makes them: Checkout API orders without a shopper, storefront orders Incomplete until paid."""

from __future__ import annotations

from typing import Any

from cartio_simulator.testing import poll

from .test_checkout_orders import _ready_checkout


async def test_a_store_gets_150_requests_per_30_seconds_by_default_shared_by_every_app(h: Any) -> None:
    first = await h.client.get(h.v3("/catalog/products"), headers=h.headers)
    assert first.headers["x-rate-limit-requests-quota"] == "150"
    assert first.headers["x-rate-limit-time-window-ms"] == "30000"
    # A second app's token on the same store draws on the same window.
    other = (await h.client.post("/_sim/api_token", json={"client_id": "another-app"})).json()["access_token"]
    second = await h.client.get(h.v3("/catalog/products"), headers={"X-Auth-Token": other})
    assert second.status_code == 200
    assert int(second.headers["x-rate-limit-requests-left"]) == int(first.headers["x-rate-limit-requests-left"]) - 1


async def test_api_usage_counts_every_call_by_method_and_path_and_the_throttled_ones(h: Any) -> None:
    cart = await h.api_cart()
    await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)
    await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)
    await h.client.get(h.v2("/orders/999"), headers=h.headers)  # a 404 spends the quota too
    await h.client.get(h.v3("/carts/x"), headers={"X-Auth-Token": "wrong"})  # refused before the quota
    usage = (await h.client.get("/_sim/api_usage")).json()
    assert usage["store"] == "teststore1"
    assert usage["requests"] == 4
    assert usage["throttled"] == 0
    assert usage["by_route"] == {"GET /v2/orders/{id}": 1, "GET /v3/carts/{id}": 2, "POST /v3/carts": 1}
    by_path = {(r["method"], r["path"]): r["count"] for r in usage["by_path"]}
    assert by_path[("GET", f"/stores/teststore1/v3/carts/{cart['id']}")] == 2

    assert (await h.client.post("/_sim/faults", json={"rate_limit_per_30s": 5})).status_code == 200
    answers = [(await h.client.get(h.v3("/catalog/products"), headers=h.headers)).status_code for _ in range(3)]
    assert answers == [200, 429, 429]
    usage = (await h.client.get("/_sim/api_usage")).json()
    assert (usage["requests"], usage["throttled"]) == (5, 2)
    await h.client.post("/_sim/faults", json={})


async def test_api_usage_of_an_unknown_store_is_a_404_naming_it(h: Any) -> None:
    answer = await h.client.get("/_sim/api_usage", params={"store": "nosuchstore"})
    assert answer.status_code == 404
    assert "nosuchstore" in answer.text


async def test_an_order_made_through_the_checkout_api_carries_no_shopper_ip_or_country(h: Any) -> None:
    _, base = await _ready_checkout(h)
    order_id = (await h.client.post(f"{base}/orders", headers=h.headers)).json()["data"]["id"]
    order = (await h.client.get(h.v2(f"/orders/{order_id}"), headers=h.headers)).json()
    assert (order["ip_address"], order["geoip_country"], order["geoip_country_iso2"]) == ("", "", "")
    assert order["billing_address"]["country_iso2"] == "US"  # the billing address is the only place


async def test_a_storefront_order_is_incomplete_until_paid_then_awaits_fulfillment_and_converts_the_cart(
    h: Any, receiver: Any,
) -> None:
    rec, served = receiver
    await h.hook("store/order/*", f"{served.url}/hooks")
    await h.hook("store/cart/converted", f"{served.url}/hooks")
    cart = (await h.client.post("/_sim/carts", json={
        "items": [{"product_id": 111, "quantity": 1}], "ip": "84.130.1.1"})).json()
    placed = await h.client.post(f"/_sim/carts/{cart['id']}/checkout", json={"email": "max@shop.example",
                                                                            "pay": False})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["status_id"], order["status"]) == (0, "Incomplete")
    assert order["ip_address"] == "84.130.1.1"  # a shopper's order knows the shopper
    assert (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 200

    paid = await h.client.post(f"/_sim/orders/{order['id']}/pay")
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status_id"], paid.json()["payment_status"]) == (11, "captured")
    assert (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 404
    await poll(lambda: len(rec.requests) == 4)
    hooks = [(r.json()["scope"], r.json()["data"]) for r in rec.requests]
    assert [s for s, _ in hooks] == ["store/order/created", "store/order/statusUpdated", "store/order/updated",
                                     "store/cart/converted"]
    assert hooks[1][1]["status"] == {"previous_status_id": 0, "new_status_id": 11}
    assert hooks[3][1] == {"type": "cart", "id": cart["id"], "orderId": order["id"]}

    again = await h.client.post(f"/_sim/orders/{order['id']}/pay")
    assert again.status_code == 409
    assert "not Incomplete" in again.json()["detail"]
