"""Where BigCommerce is strict, the simulator is too (issue 11 point 6): each refusal changes nothing."""

from __future__ import annotations

ADDRESS = {"first_name": "Ana", "last_name": "Lee", "email": "ana@buyer.example", "address1": "12 Elm St",
           "city": "Austin", "state_or_province": "Texas", "country_code": "US", "postal_code": "78701"}


async def test_changing_a_line_needs_its_product_id_and_quantity(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 1})
    path = h.v3(f"/carts/{cart['id']}/items/{cart['line_items']['physical_items'][0]['id']}")
    no_product = await h.client.put(path, headers=h.headers, json={"line_item": {"quantity": 3}})
    assert no_product.status_code == 422
    assert no_product.json()["errors"] == {"line_item.product_id": "is required"}
    no_quantity = await h.client.put(path, headers=h.headers, json={"line_item": {"product_id": 111}})
    assert no_quantity.status_code == 422
    assert no_quantity.json()["errors"] == {"line_item.quantity": "is required"}
    unchanged = (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).json()["data"]
    assert (unchanged["version"], unchanged["line_items"]["physical_items"][0]["quantity"]) == (cart["version"], 1)
    ok = await h.client.put(path, headers=h.headers, json={"line_item": {"product_id": 111, "quantity": 3}})
    assert ok.json()["data"]["line_items"]["physical_items"][0]["quantity"] == 3


async def test_a_consignment_address_without_an_email_is_refused(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 1})
    base = h.v3(f"/checkouts/{cart['id']}")
    items = [{"item_id": cart["line_items"]["physical_items"][0]["id"], "quantity": 1}]
    no_email = {k: v for k, v in ADDRESS.items() if k != "email"}
    refused = await h.client.post(f"{base}/consignments", headers=h.headers,
                                  json=[{"address": no_email, "line_items": items}])
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"0.address.email": "is required"}
    assert (await h.client.get(base, headers=h.headers)).json()["data"]["consignments"] == []
    made = await h.client.post(f"{base}/consignments", headers=h.headers,
                               json=[{"address": ADDRESS, "line_items": items}])
    consignment = made.json()["data"]["consignments"][0]
    changed = await h.client.put(f"{base}/consignments/{consignment['id']}", headers=h.headers,
                                 json={"address": no_email})
    assert changed.status_code == 422
    kept = (await h.client.get(base, headers=h.headers)).json()["data"]["consignments"][0]
    assert kept["address"]["email"] == "ana@buyer.example"


async def test_every_checkout_write_that_takes_a_version_refuses_a_stale_one(h):
    cart = await h.api_cart({"product_id": 111, "quantity": 2})
    base = h.v3(f"/checkouts/{cart['id']}")
    billing = await h.client.post(f"{base}/billing-address", headers=h.headers, json=ADDRESS)
    address_id = billing.json()["data"]["billing_address"]["id"]
    items = [{"item_id": cart["line_items"]["physical_items"][0]["id"], "quantity": 2}]
    made = await h.client.post(f"{base}/consignments", headers=h.headers,
                               json=[{"address": ADDRESS, "line_items": items}])
    consignment_id = made.json()["data"]["consignments"][0]["id"]
    before = (await h.client.get(base, headers=h.headers)).json()["data"]
    stale = before["version"] - 1
    writes = [
        ("PUT", base, {"customer_message": "Leave at the door"}),
        ("POST", f"{base}/billing-address", ADDRESS),
        ("PUT", f"{base}/billing-address/{address_id}", {"city": "Dallas"}),
        ("PUT", f"{base}/consignments/{consignment_id}", {"address": {**ADDRESS, "city": "Dallas"}}),
        ("POST", f"{base}/coupons", {"coupon_code": "SPRING10"}),
        ("POST", f"{base}/discounts", {"cart": {"discounts": [{"discounted_amount": 5}]}}),
    ]
    for method, url, body in writes:
        response = await h.client.request(method, url, headers=h.headers, json={**body, "version": stale})
        assert response.status_code == 409, (method, url, response.text)
    after = (await h.client.get(base, headers=h.headers)).json()["data"]
    assert after == before  # nothing changed
    for method, url, body in writes:
        current = (await h.client.get(base, headers=h.headers)).json()["data"]["version"]
        response = await h.client.request(method, url, headers=h.headers, json={**body, "version": current})
        assert response.status_code == 200, (method, url, response.text)


async def test_redirect_urls_can_be_included_only_when_creating_a_cart(h):
    created = await h.client.post(h.v3("/carts"), headers=h.headers, params={"include": "redirect_urls"},
                                  json={"line_items": [{"product_id": 111, "quantity": 1}]})
    assert created.status_code == 201
    cart = created.json()["data"]
    assert cart["redirect_urls"]["checkout_url"]
    item = cart["line_items"]["physical_items"][0]["id"]
    include = {"include": "line_items.physical_items.options,redirect_urls"}
    calls = [
        ("GET", f"/carts/{cart['id']}", None),
        ("PUT", f"/carts/{cart['id']}", {"customer_id": 0}),
        ("POST", f"/carts/{cart['id']}/items", {"line_items": [{"product_id": 112, "quantity": 1}]}),
        ("PUT", f"/carts/{cart['id']}/items/{item}", {"line_item": {"product_id": 111, "quantity": 2}}),
        ("DELETE", f"/carts/{cart['id']}/items/{item}", None),
    ]
    for method, path, body in calls:
        response = await h.client.request(method, h.v3(path), headers=h.headers, params=include, json=body)
        assert response.status_code == 422, (method, path)
        assert "only available on POST /carts" in response.json()["title"]
    unchanged = (await h.client.get(h.v3(f"/carts/{cart['id']}"), headers=h.headers)).json()["data"]
    assert unchanged["version"] == cart["version"]
