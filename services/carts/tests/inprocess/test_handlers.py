"""Carts' message handlers in-process: the real registry and PostgreSQL, BigCommerce played by the simulator
mounted through httpx's ASGI transport (see conftest.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cartio_contracts.messages import BlacklistMatched, StorefrontSession

from .conftest import Carts


async def test_a_cart_webhook_stores_the_cart_read_from_bigcommerce_and_announces_it_caused_by_the_webhook(
    carts_app: Carts,
) -> None:
    cart = await carts_app.shopper_cart(quantity=2)
    hook = await carts_app.webhook("store/cart/created", cart["id"])
    row = await carts_app.row(cart["id"])
    assert row is not None
    assert row["status"] == "active"
    assert row["item_count"] == 2
    assert row["email"] == "ana@buyer.example"
    upserted = [e for e in await carts_app.events("cart.upserted") if e.data["cart"]["id"] == cart["id"]]
    assert len(upserted) == 1
    assert upserted[0].causation_id == str(hook.message_id)
    assert upserted[0].correlation_id == str(hook.message_id)  # the first message of its chain
    assert "created" in await carts_app.timeline(cart["id"])


async def test_the_same_webhook_twice_stores_one_change_and_announces_it_once(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    await carts_app.webhook("store/cart/updated", cart["id"])  # nothing newer in BigCommerce
    upserted = [e for e in await carts_app.events("cart.upserted") if e.data["cart"]["id"] == cart["id"]]
    assert len(upserted) == 1


async def test_a_deleted_cart_webhook_marks_the_cart_deleted_and_carries_the_chain_on(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    item = cart["line_items"]["physical_items"][0]["id"]  # the shopper removes the last item: BigCommerce deletes
    assert (await carts_app.sim.delete(f"/_sim/carts/{cart['id']}/items/{item}",
                                       params={"store": carts_app.store})).status_code == 204
    gone = await carts_app.deliver(carts_app.hook("store/cart/deleted", cart["id"]), correlation_id="shopper-click-7")
    row = await carts_app.row(cart["id"])
    assert row["status"] == "deleted"
    assert row["deleted_reason"] == "shopper"
    deleted = [e for e in await carts_app.events("cart.deleted") if e.data["cart_id"] == cart["id"]]
    assert [(e.correlation_id, e.causation_id) for e in deleted] == [("shopper-click-7", str(gone.message_id))]


async def test_a_beacon_before_its_cart_is_kept_and_names_the_shopper_once_the_cart_arrives(
    carts_app: Carts,
) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.deliver(StorefrontSession(
        cart_id=uuid.UUID(cart["id"]), session_id="sess-4711-abcdef", ip="81.2.69.160",
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        seen_at=datetime.now(UTC),
    ))
    assert await carts_app.row(cart["id"]) is None  # kept aside: the cart has not arrived yet
    await carts_app.webhook("store/cart/created", cart["id"])
    row = await carts_app.row(cart["id"])
    assert row["session_id"] == "sess-4711-abcdef"
    assert row["browser"] is not None
    assert row["browser"].startswith("Firefox")
    assert row["country"] == "GB"
    assert "session_seen" in await carts_app.timeline(cart["id"])


async def test_a_blacklist_match_deletes_the_cart_in_bigcommerce_and_blocks_it_in_cartio(carts_app: Carts) -> None:
    cart = await carts_app.shopper_cart()
    await carts_app.webhook("store/cart/created", cart["id"])
    match = BlacklistMatched(rule_id=3, kind="email", value="ana@buyer.example", subject="cart",
                             cart_id=uuid.UUID(cart["id"]), matched_at=datetime.now(UTC),
                             matched="ana@buyer.example")
    await carts_app.deliver(match)
    await carts_app.deliver(match)  # enforced twice: nothing more the second time
    row = await carts_app.row(cart["id"])
    assert row["status"] == "blocked"
    in_store = await carts_app.sim.get(f"/_sim/carts/{cart['id']}", params={"store": carts_app.store})
    assert in_store.status_code == 404
    assert (await carts_app.timeline(cart["id"])).count("blocked") == 1
