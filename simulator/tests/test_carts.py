"""Carts v3: shape, versions, items, deletion, redirect URLs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


async def test_create_and_get_cart_shape(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 2}, {"product_id": 117, "variant_id": 311, "quantity": 1})
    assert cart["version"] == 1
    assert cart["currency"] == {"code": "USD"}
    assert cart["base_amount"] == 69.0
    assert cart["cart_amount"] == 69.0
    items = cart["line_items"]["physical_items"]
    assert [(i["product_id"], i["variant_id"], i["quantity"]) for i in items] == [(111, 301, 2), (117, 311, 1)]
    assert items[0]["extended_sale_price"] == 44.0
    assert items[0]["taxable"] is True
    assert items[0]["image_url"].endswith("/images/111.svg")
    assert "options" not in items[1]
    assert "redirect_urls" not in cart
    response = await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers,
                                  params={"include": "line_items.physical_items.options"})
    assert response.status_code == 200
    fetched = response.json()["data"]
    assert fetched["line_items"]["physical_items"][1]["options"] == [
        {"name": "Size", "nameId": 14, "value": "M", "valueId": 51},
        {"name": "Color", "nameId": 15, "value": "Black", "valueId": 60},
    ]
    assert fetched["created_time"].endswith("+00:00")


async def test_invalid_carts_are_422_with_field_errors(h):
    cases = [
        {"line_items": [{"product_id": 111, "quantity": 0}]},
        {"line_items": [{"product_id": 99999, "quantity": 1}]},
        {"line_items": [{"product_id": 117, "quantity": 1}]},  # has options: variant required
        {"line_items": [{"quantity": 1}]},
        {"line_items": []},
        {"line_items": [{"product_id": 111, "quantity": 1}], "customer_id": 4242},
    ]
    for body in cases:
        response = await h.client.post(h.v3("/carts"), headers=h.headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"], body


async def test_item_update_bumps_version_and_stale_version_is_409(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 1}, {"product_id": 112, "quantity": 1})
    item_id = cart["line_items"]["physical_items"][0]["id"]
    path = h.v3(f"/carts/{cart['id']}/items/{item_id}")
    ok = await h.client.put(path, headers=h.headers,
                            json={"line_item": {"product_id": 111, "quantity": 3}, "version": cart["version"]})
    assert ok.status_code == 200
    updated = ok.json()["data"]
    assert updated["version"] == cart["version"] + 1
    assert updated["line_items"]["physical_items"][0]["quantity"] == 3
    assert updated["updated_time"] >= cart["updated_time"]
    stale = await h.client.put(path, headers=h.headers,
                               json={"line_item": {"product_id": 111, "quantity": 4}, "version": cart["version"]})
    assert stale.status_code == 409
    assert stale.json()["status"] == 409
    current = (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).json()["data"]
    assert current["line_items"]["physical_items"][0]["quantity"] == 3


async def test_adding_items_merges_same_variant_and_returns_201(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 1})
    response = await h.client.post(h.v3(f"/carts/{cart['id']}/items"), headers=h.headers,
                                   json={"line_items": [{"product_id": 111, "quantity": 2},
                                                        {"product_id": 113, "variant_id": 303, "quantity": 1}]})
    assert response.status_code == 201
    items = response.json()["data"]["line_items"]["physical_items"]
    assert [(i["product_id"], i["quantity"]) for i in items] == [(111, 3), (113, 1)]


async def test_removing_last_item_is_204_and_cart_is_gone(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 1}, {"product_id": 112, "quantity": 1})
    first, second = (i["id"] for i in cart["line_items"]["physical_items"])
    response = await h.client.delete(h.v3(f"/carts/{cart['id']}/items/{first}"), headers=h.headers)
    assert response.status_code == 200
    assert len(response.json()["data"]["line_items"]["physical_items"]) == 1
    response = await h.client.delete(h.v3(f"/carts/{cart['id']}/items/{second}"), headers=h.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 404
    assert (await h.client.get(f"/_sim/carts/{cart['id']}")).status_code == 404


async def test_delete_cart_and_customer_update(h):
    cart = await h.api_cart()
    response = await h.client.put(h.v3(f"/carts/{cart['id']}"), headers=h.headers,
                                  json={"customer_id": 1, "version": 1})
    assert response.status_code == 201
    assert response.json()["data"]["customer_id"] == 1
    assert response.json()["data"]["email"] == "ana.lee@example.com"
    assert (await h.client.delete(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 204
    assert (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).status_code == 404


async def test_redirect_urls_are_single_use_and_only_for_api_carts(h):
    cart = await h.api_cart()
    response = await h.client.post(h.v3(f"/carts/{cart['id']}/redirect_urls"), headers=h.headers,
                                   json={"query_params": {"utm_source": "cartio"}})
    assert response.status_code == 201
    urls = response.json()["data"]
    assert set(urls) == {"cart_url", "checkout_url", "embedded_checkout_url"}
    query = parse_qs(urlsplit(urls["cart_url"]).query)
    assert query["action"] == ["load"]
    assert query["id"] == [cart["id"]]
    assert query["utm_source"] == ["cartio"]
    assert parse_qs(urlsplit(urls["embedded_checkout_url"]).query)["embedded"] == ["1"]
    page = urlsplit(urls["cart_url"])
    first = await h.client.get(f"{page.path}?{page.query}")
    assert first.status_code == 200
    assert "Blue Mug" in first.text
    again = await h.client.get(f"{page.path}?{page.query}")
    assert again.status_code == 410
    created = await h.client.post(h.v3("/carts"), headers=h.headers, params={"include": "redirect_urls"},
                                  json={"line_items": [{"product_id": 111, "quantity": 1}]})
    assert created.status_code == 201
    assert set(created.json()["data"]["redirect_urls"]) == {"cart_url", "checkout_url", "embedded_checkout_url"}

    shopper_cart = (await h.client.post("/_sim/carts", json={"items": [{"product_id": 111, "quantity": 1}]})).json()
    refused = await h.client.post(h.v3(f"/carts/{shopper_cart['id']}/redirect_urls"), headers=h.headers)
    assert refused.status_code == 422


async def test_control_cart_flow(h):
    response = await h.client.post("/_sim/carts", json={"items": [{"product_id": 111, "quantity": 1}],
                                                        "email": "guest@buyer.example"})
    assert response.status_code == 201
    cart = response.json()
    assert cart["email"] == "guest@buyer.example"
    added = await h.client.post(f"/_sim/carts/{cart['id']}/items", json={"product_id": 112, "quantity": 2})
    assert added.status_code == 201
    item_id = added.json()["line_items"]["physical_items"][1]["id"]
    changed = await h.client.patch(f"/_sim/carts/{cart['id']}/items/{item_id}", json={"quantity": 5})
    assert changed.json()["line_items"]["physical_items"][1]["quantity"] == 5
    emailed = await h.client.post(f"/_sim/carts/{cart['id']}/email", json={"email": "other@buyer.example"})
    assert emailed.json()["email"] == "other@buyer.example"
    bad = await h.client.post("/_sim/carts", json={"items": [{"product_id": 5, "quantity": 1}]})
    assert bad.status_code == 422
    assert "5" in bad.json()["detail"]
    assert (await h.client.post("/_sim/carts/nope/items", json={"product_id": 111})).status_code == 404


async def test_management_api_reads_storefront_cart(h):
    cart = (await h.client.post("/_sim/carts", json={"items": [{"product_id": 111, "quantity": 1}]})).json()
    response = await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)
    assert response.status_code == 200
    assert response.json()["data"]["id"] == cart["id"]
