"""carts SIGTERMed while it handles a webhook (a redeploy, a scale-in): the change is finished once, not redone.

The whole system runs as real processes; BigCommerce (the simulator) answers slowly, so carts is in the middle
of fetching the changed cart when it is told to stop. A graceful stop cancels its consumers, lets that handler
commit and ack, flushes the outbox and exits 0 well inside the 30 s grace period. Without the drain the handler
is cut off: its change is not stored and the message goes back to the queue to be done again by the next replica.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import aio_pika
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from cartio_platform.testing import Infra, TempDatabases, wait_until
from cartio_platform.testing.system import System

LATENCY_MS = 3000  # each BigCommerce answer: time enough for the SIGTERM to land mid-handler
GRACE_SECONDS = 30  # terminationGracePeriodSeconds in deploy/k8s, stop_grace_period in compose


async def test_sigterm_while_carts_waits_on_bigcommerce_stores_the_change_once_and_exits_cleanly(
    infra: Infra, namespace: str, databases: TempDatabases
) -> None:
    # Every webhook read at once (no coalescing window), so the change's own webhook is the handler SIGTERM meets.
    system = System(infra, f"{namespace}.drain", databases, name="drain",
                    process_env={"carts": {"CARTIO_REFRESH_SETTLE_SECONDS": "0"}})
    try:
        await system.start()
        store = await system.install()
        merchant = await system.merchant(store)
        product = (await system.products())[0]["id"]
        cart = await system.shopper_cart(store, [{"product_id": product, "quantity": 1}], email="drain@example.com")
        cart_id = str(cart["id"])
        item_id = cart["line_items"]["physical_items"][0]["id"]
        await system.wait_for_cart(merchant, cart_id, lambda c: [i["quantity"] for i in c["items"]] == [1])

        queue = f"{system.namespace}.carts.webhooks"
        connection = await aio_pika.connect(infra.amqp_url)
        async with connection:
            channel = await connection.channel()

            async def ready(name: str) -> int:
                declared = await channel.declare_queue(name, passive=True)
                return declared.declaration_result.message_count or 0

            async def idle() -> bool:
                return await ready(queue) == 0

            await wait_until(idle, timeout=30, what="carts idle before the change")
            assert (await system.sim_call("DELETE", "/_sim/webhooks")).status_code == 204
            faults = await system.sim_call("POST", "/_sim/faults", json={"api_latency_ms": LATENCY_MS})
            assert faults.status_code == 200, faults.text

            # The shopper changes the quantity; BigCommerce sends store/cart/updated; ingest queues it (confirmed
            # before it answers 200) and carts takes it (nothing ready) and starts fetching the cart (slow).
            changed = await system.sim_call("PATCH", f"/_sim/carts/{cart_id}/items/{item_id}", store=store,
                                             json={"quantity": 4})
            assert changed.status_code == 200, changed.text

            async def taken() -> bool:
                log: list[dict[str, Any]] = (await system.sim_call(
                    "GET", "/_sim/webhooks", store=store, params={"scope": "store/cart/updated"})).json()
                delivered = any(d["state"] == "delivered" for d in log)
                return delivered and await ready(queue) == 0

            await wait_until(taken, timeout=10, interval=0.05, what="carts taking the webhook")

            carts = system.processes["carts"].proc
            assert carts is not None
            log_path = system.processes["carts"].log_path
            logged_before = log_path.stat().st_size  # the log file is appended to across runs
            began = time.monotonic()
            carts.send_signal(signal.SIGTERM)
            try:
                code = carts.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"carts did not exit within {GRACE_SECONDS} s of SIGTERM") from None
            took = time.monotonic() - began
            await system.sim_call("POST", "/_sim/faults", json={})

            with log_path.open("rb") as file:
                file.seek(logged_before)
                log = file.read().decode(errors="replace")
            assert code == 0, log
            assert "waiting for messages in flight" in log, "the SIGTERM should land while the handler runs"
            assert took < GRACE_SECONDS - 10, f"carts took {took:.1f} s to stop"
            # Acked: with no carts replica running, nothing waits to be done again, nor to be retried.
            assert await ready(queue) == 0
            for delay in (0.2, 0.5, 1, 2):  # the System's CARTIO_RETRY_DELAYS
                assert await ready(f"{queue}.delay.{round(delay * 1000)}ms") == 0
            assert await ready(f"{queue}.dead") == 0

        # Stored before carts exited, and its event published (nothing left in the outbox).
        engine = create_async_engine(system.db_urls["carts"])
        try:
            async with engine.connect() as conn:
                items: Any = await conn.scalar(sa.text(
                    "SELECT items FROM carts WHERE store_hash = :s AND cart_id = :c"), {"s": store, "c": cart_id})
                pending = await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        finally:
            await engine.dispose()
        assert [i["quantity"] for i in items] == [4]
        assert pending == 0

        # Back up, carts redoes nothing: the merchant sees the change once in the cart's history.
        await system.start_process("carts")
        seen = await system.wait_for_cart(merchant, cart_id, lambda c: [i["quantity"] for i in c["items"]] == [4])
        entries = [(e["action"], json.dumps(e.get("detail"), sort_keys=True)) for e in seen["timeline"]]
        assert [a for a, _ in entries].count("created") == 1, seen["timeline"]
        assert len(entries) == len(set(entries)), seen["timeline"]
        assert await system.consumed("carts", "webhooks", "handled") == 0
        assert await system.consumed("carts", "webhooks", "duplicate") == 0
    finally:
        await system.stop()
