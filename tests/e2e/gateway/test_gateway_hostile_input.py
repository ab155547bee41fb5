"""Nothing a browser sends makes `/api` answer 5xx: every malformed id, cursor, number or body found in the security
review (issue 13, point 4) gets a 4xx in the platform's error shape, and changes nothing in the store."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def sim_items(cart: dict[str, Any] | None) -> dict[str, int]:
    assert cart is not None, "the cart is gone from the store"
    return {line["id"]: line["quantity"] for line in cart["line_items"]["physical_items"]}


@pytest.fixture(scope="module")
async def shop(gw: Any) -> dict[str, Any]:
    store = await gw.installed_store()
    merchant = await gw.merchant(store)
    cart = await gw.shopper_cart(merchant, [("Red Mug", 2)])
    return {"store": store, "m": merchant, "cart": cart["id"], "item": cart["items"][0]["id"]}


def refused(answer: httpx.Response, *statuses: int) -> None:
    assert answer.status_code in statuses, (answer.request.url, answer.status_code, answer.text)
    error = answer.json()["error"]
    assert error["code"]
    assert error["message"]


async def test_ids_with_a_trailing_newline_are_no_such_cart_or_item(gw: Any, shop: dict[str, Any]) -> None:
    m, cart, item = shop["m"], shop["cart"], shop["item"]
    before = sim_items(await gw.sim_cart(shop["store"], cart))
    mark = await gw.carts_requests()
    refused(await m.get(f"/api/carts/{cart}%0A"), 404)
    refused(await m.send("PATCH", f"/api/carts/{cart}/items/{item}%0A", json={"quantity": 5}), 404)
    refused(await m.send("DELETE", f"/api/carts/{cart}%0A"), 404)
    assert await gw.carts_requests() == mark
    assert sim_items(await gw.sim_cart(shop["store"], cart)) == before


@pytest.mark.parametrize("cursor", ["\u0661\u0662", "\u00b2", "99999999999999999999", "9223372036854775808",
                                    "1\x00\xff", " 7", "-1"])
async def test_an_audit_cursor_that_is_not_one_of_ours_is_a_422(shop: dict[str, Any], cursor: str) -> None:
    refused(await shop["m"].get("/api/audit", params={"cursor": cursor}), 422)


@pytest.mark.parametrize("value", ["\u0661\u0662", "\u00b2", "99999999999999999999", "1\x00\xff"])
async def test_a_live_resume_point_that_is_not_one_of_ours_is_a_422(shop: dict[str, Any], value: str) -> None:
    # (a short timeout: before the fix some of these opened a stream that never ends)
    refused(await shop["m"].get("/api/live", params={"last_event_id": value}, timeout=10), 422)
    if "\x00" not in value:  # (a NUL cannot be sent in a header at all)
        header = {"Last-Event-ID": value.encode()}
        refused(await shop["m"].get("/api/live", headers=header, timeout=10), 422)


@pytest.mark.parametrize("params", [{"min_total": "1E-20000"}, {"min_total": "1e-7"}, {"cursor": "a\x00\xffb"},
                                    {"cursor": "\x00"}, {"updated_since": "\x00"}])
async def test_cart_list_parameters_that_make_no_sense_are_a_422(shop: dict[str, Any], params: dict[str, str]
                                                                 ) -> None:
    refused(await shop["m"].get("/api/carts", params=params), 422)


@pytest.mark.parametrize("body", [b'{"product_id": NaN, "quantity": 1}', b'{"product_id": 1, "quantity": Infinity}',
                                  b'{"quantity": -Infinity}', b"[" * 100_000 + b"]" * 100_000,
                                  b'{"quantity": 1e999999}', b'{"quantity": 1, "x": "\\ud800"}'])
async def test_a_body_json_cannot_carry_is_a_400_and_nothing_is_forwarded(
    gw: Any, shop: dict[str, Any], body: bytes
) -> None:
    m, cart, item = shop["m"], shop["cart"], shop["item"]
    before = sim_items(await gw.sim_cart(shop["store"], cart))
    mark = await gw.carts_requests()
    headers = {"Content-Type": "application/json"}
    refused(await m.send("POST", f"/api/carts/{cart}/items", content=body, headers=headers), 400, 413, 422)
    refused(await m.send("PATCH", f"/api/carts/{cart}/items/{item}", content=body, headers=headers), 400, 413, 422)
    assert await gw.carts_requests() == mark
    assert sim_items(await gw.sim_cart(shop["store"], cart)) == before


async def test_a_body_over_the_cap_is_a_413_whether_or_not_its_length_is_declared(
    gw: Any, shop: dict[str, Any]
) -> None:
    m, cart = shop["m"], shop["cart"]
    mark = await gw.carts_requests()
    big = b'{"product_id": 1, "quantity": 1, "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    refused(await m.send("POST", f"/api/carts/{cart}/items", content=big,
                         headers={"Content-Type": "application/json"}), 413)

    async def chunks() -> Any:
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    refused(await m.send("POST", f"/api/carts/{cart}/items", content=chunks(),
                         headers={"Content-Type": "application/json"}), 413)
    assert await gw.carts_requests() == mark
