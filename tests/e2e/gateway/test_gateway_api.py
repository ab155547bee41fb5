"""The merchant's JSON API: sessions, CSRF, the store always from the session, forwarding, audit log, pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

SERVICE_TOKEN = "gw-test-service-token"


def sim_items(cart: dict[str, Any] | None) -> dict[str, int]:
    """line id -> quantity of a cart as the store holds it."""
    assert cart is not None, "the cart is gone from the store"
    return {line["id"]: line["quantity"] for line in cart["line_items"]["physical_items"]}


def timeline(cart: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [t for t in cart["timeline"] if t["action"] == action]


@pytest.fixture(scope="module")
async def two_stores(gw: Any) -> dict[str, Any]:
    """Stores A and B side by side, each with a merchant and a cart a shopper made in the store (A's shopper is a
    customer with an address on file, so that an order can be made without one; B's has two lines)."""
    a, b = await gw.installed_store(), await gw.installed_store()
    ma, mb = await gw.merchant(a), await gw.merchant(b)
    cart_a = await gw.shopper_cart(ma, [("Red Mug", 2)], customer_id=1)
    cart_b = await gw.shopper_cart(mb, [("Fountain Pen", 1), ("Wall Calendar", 1)], email="shopper@b.example")
    (notebook, tote) = await gw.products("Dotted Notebook", "Canvas Tote Bag")
    return {
        "a": a, "b": b, "ma": ma, "mb": mb, "cart_a": cart_a["id"], "cart_b": cart_b["id"],
        "lines_b": [i["id"] for i in cart_b["items"]], "notebook": notebook["id"], "tote": tote["id"],
    }


async def test_api_without_session_is_401_json(gw: Any) -> None:
    client = gw.client()
    for method, path in [("GET", "/api/me"), ("GET", "/api/carts"), ("GET", "/api/live"), ("GET", "/api/audit"),
                         ("POST", f"/api/carts/{uuid.uuid4()}/items"), ("DELETE", f"/api/carts/{uuid.uuid4()}")]:
        answer = await client.request(method, path)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["error"]["code"] == "unauthorized"
    forged = gw.client(cookies={"cartio_session": "forged.value.here"})
    assert (await forged.get("/api/me")).status_code == 401


async def test_state_changes_need_the_csrf_token(gw: Any, two_stores: dict[str, Any]) -> None:
    a, ma, cart = two_stores["a"], two_stores["ma"], two_stores["cart_a"]
    in_store = sim_items(await gw.sim_cart(a, cart))
    in_cartio = (await ma.get(f"/api/carts/{cart}")).json()
    mark = await gw.carts_requests()
    body = {"product_id": two_stores["notebook"], "quantity": 1}
    missing = await ma.client.post(f"/api/carts/{cart}/items", json=body)
    wrong = await ma.client.post(f"/api/carts/{cart}/items", json=body, headers={"X-CSRF-Token": "nope"})
    other_session = await ma.client.delete(f"/api/carts/{cart}", headers={"X-CSRF-Token": two_stores["mb"].csrf})
    for answer in (missing, wrong, other_session):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "csrf_failed"
    assert await gw.carts_requests() == mark  # nothing reached carts
    # ...and nothing changed, in the store or in Cartio
    assert sim_items(await gw.sim_cart(a, cart)) == in_store
    assert (await ma.get(f"/api/carts/{cart}")).json()["timeline"] == in_cartio["timeline"]

    ok = await ma.send("POST", f"/api/carts/{cart}/items", json=body)
    assert ok.status_code == 200, ok.text  # carts took the gateway's service token (a refused one is a 502)
    assert ok.json()["id"] == cart
    assert await gw.carts_requests() == mark + 2  # the read above, and this one
    # the item is in the cart in A's store, added as the staff member who did it
    lines = {i["product_id"]: i for i in ok.json()["items"]}
    assert lines[body["product_id"]]["quantity"] == 1
    assert sim_items(await gw.sim_cart(a, cart))[lines[body["product_id"]]["id"]] == 1
    [added] = [t for t in timeline(ok.json(), "item_added") if t["detail"]["product_id"] == body["product_id"]]
    assert added["actor"] == (await ma.get("/api/me")).json()["user"]["email"]


async def test_every_route_serves_the_sessions_store_only(gw: Any, two_stores: dict[str, Any]) -> None:
    a, b, ma, mb = two_stores["a"], two_stores["b"], two_stores["ma"], two_stores["mb"]
    cart_a, cart_b = two_stores["cart_a"], two_stores["cart_b"]
    gone_b, line_b = two_stores["lines_b"]
    # B's staff acts first, so that B has audit entries A must never see.
    assert (await mb.send("DELETE", f"/api/carts/{cart_b}/items/{gone_b}")).status_code == 200
    b_before = sim_items(await gw.sim_cart(b, cart_b))
    assert list(b_before) == [line_b]

    mark = await gw.carts_requests()
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    hostile = {"store": b, "store_hash": b}
    attempts = [
        await ma.get(f"/api/carts/{cart_b}", params=hostile),
        await ma.send("POST", f"/api/carts/{cart_b}/items",
                      json={"product_id": two_stores["tote"], "quantity": 1, **hostile}),
        await ma.send("PATCH", f"/api/carts/{cart_b}/items/{line_b}", json={"quantity": 3, **hostile}),
        await ma.send("DELETE", f"/api/carts/{cart_b}/items/{line_b}", params=hostile),
        await ma.send("POST", f"/api/carts/{cart_b}/send", json={"email": "x@example.com", **hostile}),
        await ma.send("POST", f"/api/carts/{cart_b}/order", json=hostile, headers=idem),
        await ma.send("DELETE", f"/api/carts/{cart_b}", params=hostile, headers={"X-Cartio-Store": b}),
    ]
    for answer in attempts:
        # carts looked in A's store (where no such cart is) with a body it accepted: a store named in a body is
        # not even passed on (carts refuses unknown fields with 422)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "cart_not_found"
        assert b not in answer.text
        assert "shopper@b.example" not in answer.text

    listing = await ma.get("/api/carts", params={**hostile, "status": "active"})
    assert [c["id"] for c in listing.json()["items"]] == [cart_a]
    # the filter is passed on: none of A's carts is deleted (and B's deleted-line cart is not A's either)
    assert (await ma.get("/api/carts", params={**hostile, "status": "deleted"})).json()["items"] == []
    products = await ma.get("/api/products", params={"q": "mug", **hostile})
    assert products.status_code == 200, products.text
    assert "Mug" in products.json()["items"][0]["name"]
    # a store that is not installed, named in the query, changes nothing either (carts would say 404 for it)
    elsewhere = await ma.get("/api/products", params={"q": "mug", "store": "nosuchstore"})
    assert elsewhere.json() == products.json()
    me = (await ma.get("/api/me", params=hostile)).json()
    assert me["store_hash"] == a

    # every call reached carts (7 attempts, 2 listings, 2 product searches; /api/me is the gateway's own)
    assert await gw.carts_requests() == mark + 11
    # and B's cart is untouched, in B's store and in Cartio: no line added, changed or removed, not sent, not
    # deleted, no order
    assert sim_items(await gw.sim_cart(b, cart_b)) == b_before
    seen_by_b = (await mb.get(f"/api/carts/{cart_b}")).json()
    assert seen_by_b["status"] == "active"
    assert [i["id"] for i in seen_by_b["items"]] == [line_b]
    assert timeline(seen_by_b, "sent_to_shopper") == []
    assert timeline(seen_by_b, "quantity_changed") == []
    assert me["user"]["email"] not in {t["actor"] for t in seen_by_b["timeline"]}
    assert await gw.sim_orders(b) == []

    audit = (await ma.get("/api/audit", params=hostile)).json()["items"]
    b_staff = (await mb.get("/api/me")).json()["user"]["email"]
    assert audit
    assert all(entry["actor"]["email"] != b_staff for entry in audit)
    assert all(entry["target"] != f"{cart_b}/{gone_b}" or entry["status"] == 404 for entry in audit)
    assert all(entry["status"] == 404 for entry in audit if (entry["target"] or "").startswith(cart_b))

    # the same cart id, asked for by its own store's merchant, is there
    assert (await mb.get(f"/api/carts/{cart_b}")).status_code == 200
    # the screens are the admin UI's one page for every route; what they show comes only from the API above
    for path in ("/", f"/carts/{cart_a}", f"/carts/{cart_b}"):
        page = await ma.get(path)
        assert page.status_code == 200
        assert '<div id="root">' in page.text
        assert cart_b not in page.text


async def test_malformed_ids_are_refused_before_forwarding(gw: Any, two_stores: dict[str, Any]) -> None:
    a, ma, cart = two_stores["a"], two_stores["ma"], two_stores["cart_a"]
    in_store = sim_items(await gw.sim_cart(a, cart))
    mark = await gw.carts_requests()
    for method, path in [("GET", "/api/carts/not-a-uuid"), ("GET", "/api/carts/..%2F..%2Fstores"),
                         ("DELETE", f"/api/carts/{cart}/items/a%2Fb"),
                         ("POST", "/api/carts/123/items")]:
        answer = await ma.send(method, path, json={"product_id": two_stores["notebook"], "quantity": 1})
        assert answer.status_code == 404, (path, answer.text)
        assert "error" in answer.json()
    assert await gw.carts_requests() == mark
    assert sim_items(await gw.sim_cart(a, cart)) == in_store


async def test_bodies_must_be_json_objects_and_orders_need_an_idempotency_key(
    gw: Any, two_stores: dict[str, Any]
) -> None:
    a, ma, cart = two_stores["a"], two_stores["ma"], two_stores["cart_a"]
    mark = await gw.carts_requests()
    bad = await ma.send("POST", f"/api/carts/{cart}/items", content=b"{not json", headers={"Content-Type": "x"})
    assert bad.status_code == 400
    assert (await ma.send("POST", f"/api/carts/{cart}/items", json=[1, 2])).status_code == 422
    no_key = await ma.send("POST", f"/api/carts/{cart}/order", json={})
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    assert await gw.carts_requests() == mark  # refused by the gateway itself
    created = await ma.send("POST", f"/api/carts/{cart}/order", json={"status_id": 11},
                            headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201, created.text
    # the key went with it: the same key gives the same order back, made once in A's store
    again = await ma.send("POST", f"/api/carts/{cart}/order", json={"status_id": 11},
                          headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201, again.text
    assert again.json()["order_id"] == created.json()["order_id"]
    orders = await gw.sim_orders(a)
    assert [(o["id"], o["status_id"]) for o in orders] == [(created.json()["order_id"], 11)]


async def test_state_changes_are_audited_with_who_what_and_result(gw: Any) -> None:
    store = await gw.installed_store()
    m = await gw.merchant(store, user_id=7100, email="editor@example.com")
    made = await gw.shopper_cart(m, [("Scented Candle", 2)], email="s@example.com")
    cart, line = made["id"], made["items"][0]["id"]
    assert (await m.send("PATCH", f"/api/carts/{cart}/items/{line}", json={"quantity": 4})).status_code == 200
    await m.client.delete(f"/api/carts/{cart}")  # no CSRF token: refused, and recorded
    await m.send("DELETE", f"/api/carts/{uuid.uuid4()}")
    after = await m.get(f"/api/carts/{cart}")  # reads are not audited
    # the change happened in the store, as the staff member
    assert sim_items(await gw.sim_cart(store, cart)) == {line: 4}
    [changed] = timeline(after.json(), "quantity_changed")
    assert (changed["actor"], changed["detail"]["from"], changed["detail"]["to"]) == ("editor@example.com", 2, 4)

    first = (await m.get("/api/audit", params={"limit": 2})).json()
    second = (await m.get("/api/audit", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    entries = first["items"] + second["items"]
    actions = [(e["action"], e["status"]) for e in entries]
    assert actions[:3] == [
        ("DELETE /api/carts/{cart_id}", 404),
        ("DELETE /api/carts/{cart_id}", 403),
        ("PATCH /api/carts/{cart_id}/items/{item_id}", 200),
    ]
    patch = entries[2]
    assert patch["actor"] == {"id": 7100, "email": "editor@example.com"}
    assert patch["target"] == f"{cart}/{line}"
    assert patch["request"]["body"] == {"quantity": 4}
    assert entries[1]["target"] == cart
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    assert (await m.get("/api/audit", params={"cursor": "x"})).status_code == 422


async def test_carts_down_gives_503_json_and_the_app_still_opens(gw: Any, two_stores: dict[str, Any]) -> None:
    ma, cart = two_stores["ma"], two_stores["cart_a"]
    before = (await ma.get(f"/api/carts/{cart}")).json()
    gw.system.stop_process("carts")
    try:
        listing = await ma.get("/api/carts")
        assert listing.status_code == 503
        assert listing.json()["error"]["code"] == "carts_unavailable"
        change = await ma.send("DELETE", f"/api/carts/{cart}")
        assert change.status_code == 503
        # the admin UI still opens (it shows the API's message, as the browser tests see)
        page = await ma.get("/")
        assert page.status_code == 200
        assert '<div id="root">' in page.text
    finally:
        await gw.system.start_process("carts")
    assert (await ma.get("/api/carts")).status_code == 200
    # the delete that found carts down did nothing: the cart is as it was
    after = (await ma.get(f"/api/carts/{cart}")).json()
    assert (after["status"], after["timeline"]) == (before["status"], before["timeline"])
    audit = (await ma.get("/api/audit", params={"limit": 5})).json()["items"]
    assert any(e["action"] == "DELETE /api/carts/{cart_id}" and e["status"] == 503 for e in audit)
