"""Two replicas of carts on one queue, one killed (SIGKILL) mid-stream: every message is still handled, once in effect.

This is what scaling carts out (compose `--scale`, a Deployment's replicas, KEDA) relies on; the test runs it
natively (no Docker engine here): the whole system as real processes (`cartio_platform.testing.system.System`)
plus a second carts process with the same database, namespace and queues. Shoppers make carts in the simulator
while both replicas consume; the second is killed without warning once it has handled some, so whatever it had
taken and not yet acknowledged goes back to the queue for the survivor.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.testing import Infra, Process, TempDatabases, free_port, wait_until
from cartio_platform.testing.system import LOG_DIR, System

CARTS = 30


async def test_killing_one_of_two_carts_replicas_mid_stream_loses_nothing_and_doubles_nothing(
    infra: Infra, namespace: str, databases: TempDatabases
) -> None:
    # The simulator's API quota would pace the shoppers more than the consumers; it is not what is tested here.
    system = System(infra, f"{namespace}.replicas", databases, name="replicas",
                    process_env={"simulator": {"SIM_RATE_LIMIT_PER_30S": "100000"}})
    try:
        await system.start()
        store = await system.install()
        merchant = await system.merchant(store)
        product = (await system.products())[0]["id"]

        first = system.processes["carts"]
        port = free_port()
        second = Process(name="replicas-carts-2", module="cartio_carts", port=port,
                         env={**first.env, "CARTIO_PORT": str(port)}, log_dir=LOG_DIR)
        system.processes["carts-2"] = second
        second.start()
        await second.wait_ready()

        async def shoppers() -> list[str]:
            ids = []
            for i in range(CARTS):
                cart = await system.shopper_cart(store, [{"product_id": product, "quantity": 2}],
                                                 email=f"replica{i}@example.com")
                ids.append(str(cart["id"]))
            return ids

        shopping = asyncio.create_task(shoppers())

        queue = f"{system.namespace}.carts.webhooks"

        async def second_has_handled_some() -> bool:
            handled = await system.metric("carts-2", "cartio_messages_consumed_total", queue=queue, outcome="handled")
            return handled >= 3

        await wait_until(second_has_handled_some, timeout=60, what="the second replica handling webhooks")
        assert second.proc is not None
        second.proc.kill()  # SIGKILL: no graceful shutdown, unacknowledged deliveries go back to the queue
        second.proc.wait(timeout=10)
        assert not shopping.done(), "the kill should land while shoppers are still making carts"
        cart_ids = await shopping

        # Nothing lost: every cart reaches the merchant with its line, through the surviving replica.
        for cart_id in cart_ids:
            cart = await system.wait_for_cart(
                merchant, cart_id, lambda c: [i["quantity"] for i in c["items"]] == [2], timeout=60
            )
            # Nothing twice: one creation and no timeline entry written twice for the same change.
            entries = [(e["action"], json.dumps(e.get("detail"), sort_keys=True)) for e in cart["timeline"]]
            assert [a for a, _ in entries].count("created") == 1, cart["timeline"]
            assert len(entries) == len(set(entries)), cart["timeline"]

        # The survivor worked after the kill, nothing was parked, and the queue is drained.
        assert await system.consumed("carts", "webhooks", "handled") > 0
        assert await system.consumed("carts", "webhooks", "parked") == 0
        connection = await aio_pika.connect(infra.amqp_url)
        async with connection:
            channel = await connection.channel()

            async def drained() -> bool:
                declared = await channel.declare_queue(queue, passive=True)
                return declared.declaration_result.message_count == 0

            await wait_until(drained, timeout=30, what=f"{queue} drained")
            dead = await channel.declare_queue(f"{queue}.dead", passive=True)
            assert dead.declaration_result.message_count == 0

        # Every message id once in carts' inbox, and one cart row per shopper's cart.
        engine = create_async_engine(system.db_urls["carts"])
        try:
            async with engine.connect() as conn:
                rows: Any = await conn.execute(sa.text(
                    "SELECT count(*), count(DISTINCT message_id) FROM inbox WHERE store_hash = :s"), {"s": store})
                total, distinct = rows.one()
                carts = await conn.scalar(sa.text("SELECT count(*) FROM carts WHERE store_hash = :s"), {"s": store})
        finally:
            await engine.dispose()
        assert total == distinct
        assert total >= CARTS
        assert carts == CARTS
    finally:
        await system.stop()
