"""The merchant's JSON API: sessions, CSRF, the store always from the session, forwarding, audit log, pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

SERVICE_TOKEN = "gw-test-service-token"


@pytest.fixture(scope="module")
async def two_stores(gw: Any) -> dict[str, Any]:
    """Stores A and B side by side, each with a merchant and a cart (in the carts stand-in)."""
    a, b = await gw.installed_store(), await gw.installed_store()
    ma, mb = await gw.merchant(a), await gw.merchant(b)
    return {
        "a": a, "b": b, "ma": ma, "mb": mb,
        "cart_a": gw.carts.add_cart(a, "shopper@a.example"),
        "cart_b": gw.carts.add_cart(b, "shopper@b.example"),
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
    ma, cart = two_stores["ma"], two_stores["cart_a"]
    mark = len(gw.carts.requests)
    body = {"product_id": 1, "quantity": 1}
    missing = await ma.client.post(f"/api/carts/{cart}/items", json=body)
    wrong = await ma.client.post(f"/api/carts/{cart}/items", json=body, headers={"X-CSRF-Token": "nope"})
    other_session = await ma.client.delete(f"/api/carts/{cart}", headers={"X-CSRF-Token": two_stores["mb"].csrf})
    for answer in (missing, wrong, other_session):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "csrf_failed"
    assert gw.carts.requests_since(mark) == []  # nothing reached carts

    ok = await ma.send("POST", f"/api/carts/{cart}/items", json=body)
    assert ok.status_code == 200, ok.text
    assert ok.json()["id"] == cart
    [forwarded] = gw.carts.requests_since(mark)
    assert forwarded["store"] == two_stores["a"]
    assert forwarded["authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert forwarded["actor"] == (await ma.get("/api/me")).json()["user"]["email"]
    assert forwarded["body"] == body


async def test_every_route_serves_the_sessions_store_only(gw: Any, two_stores: dict[str, Any]) -> None:
    a, b, ma, mb = two_stores["a"], two_stores["b"], two_stores["ma"], two_stores["mb"]
    cart_a, cart_b = two_stores["cart_a"], two_stores["cart_b"]
    # B's staff acts first, so that B has audit entries A must never see.
    assert (await mb.send("DELETE", f"/api/carts/{cart_b}/items/item-1")).status_code == 200

    mark = len(gw.carts.requests)
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    hostile = {"store": b, "store_hash": b}
    attempts = [
        await ma.get(f"/api/carts/{cart_b}", params=hostile),
        await ma.send("POST", f"/api/carts/{cart_b}/items", json={"product_id": 1, "quantity": 1, **hostile}),
        await ma.send("PATCH", f"/api/carts/{cart_b}/items/item-1", json={"quantity": 3, **hostile}),
        await ma.send("DELETE", f"/api/carts/{cart_b}/items/item-1", params=hostile),
        await ma.send("POST", f"/api/carts/{cart_b}/send", json={"email": "x@example.com", **hostile}),
        await ma.send("POST", f"/api/carts/{cart_b}/order", json=hostile, headers=idem),
        await ma.send("DELETE", f"/api/carts/{cart_b}", params=hostile, headers={"X-Cartio-Store": b}),
    ]
    for answer in attempts:
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "cart_not_found"
        assert b not in answer.text
        assert "shopper@b.example" not in answer.text

    listing = await ma.get("/api/carts", params={**hostile, "status": "active"})
    assert [c["id"] for c in listing.json()["items"]] == [cart_a]
    products = await ma.get("/api/products", params={"q": "mug", **hostile})
    assert products.json()["items"][0]["name"] == f"Mug of {a}"
    me = (await ma.get("/api/me", params=hostile)).json()
    assert me["store_hash"] == a

    forwarded = gw.carts.requests_since(mark)
    assert len(forwarded) == 9
    assert {r["store"] for r in forwarded} == {a}
    assert next(r for r in forwarded if r["rest"] == "carts")["query"] == {"status": "active"}
    # a store named in a body is not even passed on
    assert all(not (set(r["body"] or {}) & {"store", "store_hash"}) for r in forwarded)

    audit = (await ma.get("/api/audit", params=hostile)).json()["items"]
    b_staff = (await mb.get("/api/me")).json()["user"]["email"]
    assert audit
    assert all(entry["actor"]["email"] != b_staff for entry in audit)
    assert all(entry["target"] != f"{cart_b}/item-1" or entry["status"] == 404 for entry in audit)

    # the same cart id, asked for by its own store's merchant, is there
    assert (await mb.get(f"/api/carts/{cart_b}")).status_code == 200
    # and the plain pages too
    page_a = await ma.get("/")
    assert cart_a in page_a.text
    assert cart_b not in page_a.text
    assert (await ma.get(f"/carts/{cart_b}")).status_code == 404
    detail = await ma.get(f"/carts/{cart_a}")
    assert detail.status_code == 200
    assert f"Mug of {a}" in detail.text


async def test_malformed_ids_are_refused_before_forwarding(gw: Any, two_stores: dict[str, Any]) -> None:
    ma = two_stores["ma"]
    mark = len(gw.carts.requests)
    for method, path in [("GET", "/api/carts/not-a-uuid"), ("GET", "/api/carts/..%2F..%2Fstores"),
                         ("DELETE", f"/api/carts/{two_stores['cart_a']}/items/a%2Fb"),
                         ("POST", "/api/carts/123/items")]:
        answer = await ma.send(method, path, json={"product_id": 1, "quantity": 1})
        assert answer.status_code == 404, (path, answer.text)
        assert "error" in answer.json()
    assert gw.carts.requests_since(mark) == []


async def test_bodies_must_be_json_objects_and_orders_need_an_idempotency_key(
    gw: Any, two_stores: dict[str, Any]
) -> None:
    ma, cart = two_stores["ma"], two_stores["cart_a"]
    bad = await ma.send("POST", f"/api/carts/{cart}/items", content=b"{not json", headers={"Content-Type": "x"})
    assert bad.status_code == 400
    assert (await ma.send("POST", f"/api/carts/{cart}/items", json=[1, 2])).status_code == 422
    no_key = await ma.send("POST", f"/api/carts/{cart}/order", json={})
    assert no_key.status_code == 400
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    mark = len(gw.carts.requests)
    created = await ma.send("POST", f"/api/carts/{cart}/order", json={"status_id": 11},
                            headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201
    assert gw.carts.requests_since(mark)[0]["idempotency_key"] == "k1"


async def test_state_changes_are_audited_with_who_what_and_result(gw: Any) -> None:
    store = await gw.installed_store()
    m = await gw.merchant(store, user_id=7100, email="editor@example.com")
    cart = gw.carts.add_cart(store, "s@example.com")
    await m.send("PATCH", f"/api/carts/{cart}/items/item-1", json={"quantity": 4})
    await m.client.delete(f"/api/carts/{cart}")  # no CSRF token: refused, and recorded
    await m.send("DELETE", f"/api/carts/{uuid.uuid4()}")
    await m.get(f"/api/carts/{cart}")  # reads are not audited

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
    assert patch["target"] == f"{cart}/item-1"
    assert patch["request"]["body"] == {"quantity": 4}
    assert entries[1]["target"] == cart
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)
    assert (await m.get("/api/audit", params={"cursor": "x"})).status_code == 422


async def test_carts_down_gives_503_json_and_the_page_says_so(gw: Any, two_stores: dict[str, Any]) -> None:
    ma = two_stores["ma"]
    await gw.carts.stop()
    try:
        listing = await ma.get("/api/carts")
        assert listing.status_code == 503
        assert listing.json()["error"]["code"] == "carts_unavailable"
        change = await ma.send("DELETE", f"/api/carts/{two_stores['cart_a']}")
        assert change.status_code == 503
        page = await ma.get("/")
        assert page.status_code == 200
        assert "cannot be shown right now" in page.text
    finally:
        await gw.carts.start()
    assert (await ma.get("/api/carts")).status_code == 200
    audit = (await ma.get("/api/audit", params={"limit": 5})).json()["items"]
    assert any(e["action"] == "DELETE /api/carts/{cart_id}" and e["status"] == 503 for e in audit)
