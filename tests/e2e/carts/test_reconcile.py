"""`python -m cartio_carts reconcile`: after webhooks were lost, a store's carts agree with BigCommerce again."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from cartio_platform.testing import wait_until

from .conftest import StoreCtx, World, no_read_pending
from .test_webhooks import simple_products


async def _reconcile(world: World, store: StoreCtx) -> tuple[int, str, str]:
    """Run the command as an operator does, with carts' own settings; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cartio_carts", "reconcile", "--store", store.hash,
        env={**os.environ, **world.carts_process.env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_reconcile_repairs_carts_whose_webhooks_were_lost_and_a_second_run_changes_nothing(
    world: World,
) -> None:
    store = await world.new_store()
    product = simple_products(await world.products(store), 1)[0]["id"]
    changed, emptied, bought = [
        await world.shopper_cart(store, [{"product_id": product, "quantity": 1}], email=f"lost{i}@example.com")
        for i in range(3)
    ]
    for cart in (changed, emptied, bought):
        await world.wait_cart(store, cart["id"], lambda c: [i["quantity"] for i in c["items"]] == [1])
    await wait_until(lambda: no_read_pending(world, store), what="no coalesced read still to come")

    # The app's hooks are gone (as after BigCommerce deactivated them): what the shoppers do next is not sent.
    for hook in (await world.sim.get("/_sim/hooks", params={"store": store.hash})).json():
        deleted = await world.sim.delete(f"/stores/{store.hash}/v3/hooks/{hook['id']}",
                                         headers={"X-Auth-Token": store.token})
        assert deleted.status_code == 200, deleted.text
    item = changed["line_items"]["physical_items"][0]["id"]
    answer = await world.sim.patch(f"/_sim/carts/{changed['id']}/items/{item}", params={"store": store.hash},
                                   json={"quantity": 3})
    assert answer.status_code == 200, answer.text
    item = emptied["line_items"]["physical_items"][0]["id"]
    answer = await world.sim.delete(f"/_sim/carts/{emptied['id']}/items/{item}", params={"store": store.hash})
    assert answer.status_code == 204, answer.text
    answer = await world.sim.post(f"/_sim/carts/{bought['id']}/checkout", params={"store": store.hash}, json={})
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["id"]
    for cart in (changed, emptied, bought):
        assert (await world.wait_cart(store, cart["id"]))["status"] == "active"  # Cartio has not heard
    orders_in_store = len(await world.sim_orders(store))

    code, out, err = await _reconcile(world, store)

    assert code == 0, out + err
    assert out.splitlines()[-1] == (f"store {store.hash}: {orders_in_store} order(s) read, 1 newly recorded; "
                           "2 open cart(s) checked, 2 changed; 0 failed")
    assert "carts: 100%" in err  # the progress bar
    quantities = await world.wait_cart(store, changed["id"])
    assert [i["quantity"] for i in quantities["items"]] == [3]
    assert (await world.wait_cart(store, emptied["id"]))["status"] == "deleted"
    converted = await world.wait_cart(store, bought["id"])
    assert converted["status"] == "converted"
    assert converted["order_id"] == order_id

    def placed() -> list[Any]:
        return [e for e in world.events.of(store.hash, "order.placed") if e.data["order_id"] == order_id]

    await wait_until(placed, timeout=10, what="order.placed published by the command")

    code, out, err = await _reconcile(world, store)

    assert code == 0, out + err
    assert out.splitlines()[-1] == (f"store {store.hash}: {orders_in_store} order(s) read, 0 newly recorded; "
                           "1 open cart(s) checked, 0 changed; 0 failed")
    assert len(placed()) == 1


async def test_reconcile_of_a_store_not_installed_says_so_and_changes_nothing(world: World) -> None:
    store = StoreCtx(await world.system.new_store(), token="")

    code, out, err = await _reconcile(world, store)

    assert code == 2
    assert f"cannot reconcile: store {store.hash} is not installed" in err
    assert out == ""
