"""Staff actions in-process, as carts' API calls them: each goes to BigCommerce (the simulator over ASGI) first,
then Cartio's copy, timeline and outbox follow in the same unit of work; what cannot be done is a domain error
that the API maps to its status."""

from __future__ import annotations

import uuid

import pytest

from cartio_carts.api import http_status
from cartio_carts.domain.errors import CartError

from .conftest import Carts

STAFF = "staff@shop.example"


async def test_staff_adding_an_item_changes_the_cart_in_bigcommerce_and_the_timeline_names_the_staff_member(
    carts_app: Carts,
) -> None:
    cart = await carts_app.known_cart()
    other = (await carts_app.simple_products())[1]
    answer = await carts_app.actions.add_item(carts_app.store, uuid.UUID(cart["id"]), STAFF,
                                              product_id=other["id"], variant_id=None, quantity=3)
    assert {i.product_id: i.quantity for i in answer.items}[other["id"]] == 3
    in_store = (await carts_app.sim.get(f"/_sim/carts/{cart['id']}", params={"store": carts_app.store})).json()
    assert other["id"] in [i["product_id"] for i in in_store["line_items"]["physical_items"]]
    added = [t for t in answer.timeline if t.action == "item_added" and t.detail.get("product_id") == other["id"]]
    assert [t.actor for t in added] == [STAFF]  # the shopper's own first line stays the shopper's
    upserted = [e for e in await carts_app.events("cart.upserted") if e.data["cart"]["id"] == cart["id"]]
    assert [c["actor"] for c in upserted[-1].data["item_changes"]] == [STAFF]


async def test_staff_changing_a_quantity_and_removing_the_last_line_deletes_the_cart_as_the_merchant(
    carts_app: Carts,
) -> None:
    cart = await carts_app.known_cart()
    cart_id = uuid.UUID(cart["id"])
    line = (await carts_app.row(cart["id"]))["items"][0]["id"]
    changed = await carts_app.actions.set_quantity(carts_app.store, cart_id, line, STAFF, quantity=4)
    assert [i.quantity for i in changed.items] == [4]
    assert changed.timeline[-1].action == "quantity_changed"
    assert changed.timeline[-1].actor == STAFF
    emptied = await carts_app.actions.remove_item(carts_app.store, cart_id, line, STAFF)
    assert emptied.status == "deleted"
    assert emptied.deleted_reason == "merchant"


async def test_a_converted_cart_refuses_staff_changes_with_a_conflict_naming_its_order(carts_app: Carts) -> None:
    cart = await carts_app.known_cart()
    paid = await carts_app.sim.post(f"/_sim/carts/{cart['id']}/checkout", params={"store": carts_app.store},
                                    json={"email": "ana@buyer.example"})
    assert paid.status_code == 201, paid.text
    order_id = paid.json()["id"]
    await carts_app.deliver(carts_app.hook("store/cart/converted", cart["id"], orderId=order_id))
    product = (await carts_app.simple_products())[0]
    with pytest.raises(CartError) as refused:
        await carts_app.actions.add_item(carts_app.store, uuid.UUID(cart["id"]), STAFF, product_id=product["id"],
                                         variant_id=None, quantity=1)
    assert http_status(refused.value) == 409
    assert refused.value.code == "cart_converted"
    assert refused.value.extra["order_id"] == order_id


async def test_an_unknown_cart_is_not_found(carts_app: Carts) -> None:
    with pytest.raises(CartError) as missing:
        await carts_app.actions.delete_cart(carts_app.store, uuid.uuid4(), STAFF)
    assert http_status(missing.value) == 404
    assert missing.value.code == "cart_not_found"


async def test_sending_twice_with_one_idempotency_key_queues_one_email_and_answers_the_same(
    carts_app: Carts,
) -> None:
    cart = await carts_app.known_cart()
    cart_id = uuid.UUID(cart["id"])
    first = await carts_app.actions.send(carts_app.store, cart_id, STAFF, email=None, message="Still there?",
                                         key="send-1")
    again = await carts_app.actions.send(carts_app.store, cart_id, STAFF, email=None, message="Still there?",
                                         key="send-1")
    assert first.replayed is False
    assert again.replayed is True
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert first.recipient == "ana@buyer.example"
    commands = [e for e in await carts_app.events("notifier.send_cart") if e.data["cart"]["id"] == cart["id"]]
    assert [str(e.message_id) for e in commands] == [first.notification.id]
    with pytest.raises(CartError) as reused:
        await carts_app.actions.send(carts_app.store, cart_id, STAFF, email=None, message="Other text",
                                     key="send-1")
    assert http_status(reused.value) == 422
    assert reused.value.code == "idempotency_key_reused"
