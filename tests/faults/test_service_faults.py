"""One of our own processes misbehaves while shoppers keep shopping: carts SIGKILLed mid-message (started again
by the harness, as the supervisor would: `test_supervised_run.py` shows the supervisor doing it), carts down for
a minute, carts restarted with other queue settings, and a poison message parked without blocking its queue."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest

from cartio_contracts import Envelope
from cartio_platform.testing import wait_until
from cartio_platform.testing.system import System

from .harness import Workload, rabbitmqctl

pytestmark = pytest.mark.faults


async def cart_reads(system: System, store: str, cart_id: str) -> int:
    usage = (await system.sim_call("GET", "/_sim/api_usage", store=store)).json()
    return sum(p["count"] for p in usage["by_path"] if p["method"] == "GET" and f"/v3/carts/{cart_id}" in p["path"])


async def test_carts_killed_mid_message_and_started_again_loses_and_repeats_nothing(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "kill")
    await work.before()
    carts = system.processes["carts"]
    # BigCommerce answers slowly, so carts is inside a webhook's handling (its read of the cart) when it dies.
    slow = await system.sim_call("POST", "/_sim/faults", json={"api_latency_ms": 3000})
    assert slow.status_code == 200, slow.text
    try:
        victim = await work.shopper()

        async def reading() -> bool:
            return await cart_reads(system, work.store, victim.id) > 0

        await wait_until(reading, timeout=30, what="carts reading the new cart from BigCommerce")
        assert carts.proc is not None
        os.kill(carts.proc.pid, signal.SIGKILL)
        carts.proc.wait(timeout=10)
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})
    await work.during()  # while carts is dead: the broker keeps what ingest accepts
    await system.start_process("carts")
    await work.after()
    work.extra["killed"] = f"carts pid {carts.proc.pid if carts.proc else 0} restarted by the harness"
    await work.reconcile(request, "consumer SIGKILLed mid-message")


@contextlib.asynccontextmanager
async def carts_down(system: System, figures: dict[str, Any], seconds: float = 60) -> AsyncIterator[None]:
    """Carts stopped for `seconds` (at least), however long the shoppers inside take."""
    loop = asyncio.get_running_loop()
    system.stop_process("carts")
    went = loop.time()
    try:
        yield
        await asyncio.sleep(max(0.0, went + seconds - loop.time()))  # the outage's length, not a wait for a condition
    finally:
        figures["down_s"] = f"{loop.time() - went:.0f}"
        await system.start_process("carts")


@pytest.mark.timeout(300)  # a minute's fault, then the backlog
async def test_carts_down_for_a_minute_while_shoppers_keep_coming_catches_up_with_every_change(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "down")
    await work.run_around(carts_down(system, work.extra), rounds=6, pause=8.0)
    await work.reconcile(request, "carts down for a minute")


async def test_carts_restarted_with_other_retry_delays_and_delivery_limit_consumes_again(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "args")
    await work.before()
    carts = system.processes["carts"]
    system.stop_process("carts")
    # A redeploy with new values: the delay queues are named by their TTL, the limit is the consumer's own.
    carts.env.update({"CARTIO_RETRY_DELAYS": "[0.3, 0.7, 1.5]", "CARTIO_DELIVERY_LIMIT": "12"})
    await work.during()
    await system.start_process("carts")
    names = await asyncio.to_thread(rabbitmqctl, "list_queues", "-q", "--no-table-headers", "name")
    assert f"{system.namespace}.carts.webhooks.delay.300ms" in names.split()
    await work.after()
    work.extra["new_settings"] = "CARTIO_RETRY_DELAYS=[0.3,0.7,1.5],CARTIO_DELIVERY_LIMIT=12"
    await work.reconcile(request, "queue arguments changed across a restart")


async def test_a_poison_message_is_parked_without_blocking_its_queue_and_replays(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "poison")
    queue = f"{system.namespace}.reports.events"
    # A producer's bug: a cart.upserted whose data is no cart. No retry can fix it: parked at once.
    poison = Envelope(type="cart.upserted", store_hash=work.store, data={"cart": {"id": "not-a-cart"}})
    dead = f"{queue}.dead"
    already = (await work.parked()).get(dead, 0)  # parked by the module's earlier tests, if any
    connection = await aio_pika.connect(system.infra.amqp_url)
    try:
        channel = await connection.channel()
        await channel.default_exchange.publish(
            aio_pika.Message(poison.to_bytes(), message_id=str(poison.message_id), type=poison.type,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=queue)
        work.expected_parked = 1

        async def parked() -> bool:
            return (await work.parked()).get(dead, 0) == already + 1

        await wait_until(parked, timeout=30, what="the poison message parked")
        await work.run_around(contextlib.nullcontext())  # the queue goes on: reports counts the workload
        await work.reconcile(request, "poison message parked")
        why = await parked_error(channel, dead, str(poison.message_id))
        assert "cart.upserted data is invalid" in why, why

        # The operator replays it (after a fix; here it is still poison, so it is parked again, once).
        replay = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cartio_reports", "replay", "--queue", "events",
            env={**os.environ, **system.processes["reports"].env},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(replay.communicate(), timeout=60)
        assert replay.returncode == 0, out.decode() + err.decode()
        assert "replayed" in (out + err).decode(), (out + err).decode()

        async def parked_again() -> str:
            if not await parked():
                return ""
            return await parked_error(channel, dead, str(poison.message_id))

        again = await wait_until(parked_again, timeout=30, what="the replayed poison parked again")
        assert "cart.upserted data is invalid" in again
        work.extra["replayed"] = "1 (parked again: still poison)"
        await work.reconcile(request, "poison message replayed")
    finally:
        await connection.close()


async def parked_error(channel: Any, dead: str, message_id: str) -> str:
    """The error the consumer wrote on the parked message `message_id` (every message looked at is left in
    place: taken unacknowledged, then returned)."""
    queue = await channel.declare_queue(dead, passive=True)
    taken = []
    error = ""
    while (message := await queue.get(no_ack=False, fail=False)) is not None and len(taken) < 100:
        taken.append(message)
        if message.message_id == message_id:
            error = str((message.headers or {}).get("x-cartio-error", ""))
            break
    for message in taken:
        await message.nack(requeue=True)
    return error
