"""Webhooks as BigCommerce really delivers them: twice, late and out of order; and webhooks that never came
(the app's hooks gone), repaired by the operator's `python -m cartio_carts reconcile --store`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from cartio_platform.testing.system import System

from .harness import Workload

pytestmark = pytest.mark.faults


@contextlib.asynccontextmanager
async def failing_deliveries(system: System, rate: float) -> AsyncIterator[None]:
    """The simulator fails this share of its webhook deliveries: each comes again later, on its schedule."""
    set_ = await system.sim_call("POST", "/_sim/faults", json={"webhook_failure_rate": rate})
    assert set_.status_code == 200, set_.text
    try:
        yield
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})


async def test_webhooks_delivered_twice_late_and_out_of_order_change_nothing_twice(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "twice")
    await work.run_around(failing_deliveries(system, 0.4))

    # BigCommerce's at-least-once delivery, played by hand once everything went: every cart's updated webhook
    # twice with one webhook-id; its created webhook late (ten minutes old) and after the updates; a converted
    # cart's late update after its order; each order's webhooks again.
    secret = await system.webhook_secret(work.store)
    old = int(time.time()) - 600
    posted = 0
    for cart in work.carts.values():
        update = system.webhook(work.store, "store/cart/updated", cart.id)
        webhook_id = str(uuid.uuid4())
        for _ in range(2):
            answer = await system.post_webhook(work.store, update, secret=secret, webhook_id=webhook_id)
            assert answer.status_code == 200, answer.text
            posted += 1
        late = system.webhook(work.store, "store/cart/created", cart.id, created_at=old)
        answer = await system.post_webhook(work.store, late, secret=secret)
        assert answer.status_code == 200, answer.text
        posted += 1
        if cart.order_id is not None:
            for scope in ("store/order/created", "store/order/statusUpdated"):
                body = {**system.webhook(work.store, scope, str(cart.order_id), created_at=old),
                        "data": {"type": "order", "id": cart.order_id}}
                answer = await system.post_webhook(work.store, body, secret=secret)
                assert answer.status_code == 200, answer.text
                posted += 1
    work.extra["posted_by_hand"] = posted
    await work.reconcile(request, "webhooks twice, late and out of order")


async def test_drift_from_webhooks_that_never_came_is_repaired_by_the_reconcile_command(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "drift")
    await work.before()
    await work.during()
    for cart in work.carts.values():
        if cart.fate != "blocked":
            await work.seen(cart)
    # The app's hooks are gone (BigCommerce deactivated them): what shoppers do next sends no webhook.
    token = (await system.sim_call("POST", "/_sim/api_token", store=work.store)).json()["access_token"]
    for hook in (await system.sim_call("GET", "/_sim/hooks", store=work.store)).json():
        gone = await system.sim_call("DELETE", f"/stores/{work.store}/v3/hooks/{hook['id']}",
                                     headers={"X-Auth-Token": token})
        assert gone.status_code == 200, gone.text
    drifted = work.open_carts()[:3]
    await work.change(drifted[0])
    await work.change(drifted[1])
    await work.checkout(drifted[2])

    async def carts_has_not_heard() -> bool:
        held = (await work.merchant.get(f"/api/carts/{drifted[2].id}")).json()
        return bool(held["status"] == "active")

    assert await carts_has_not_heard()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cartio_carts", "reconcile", "--store", work.store,
        env={**os.environ, **system.processes["carts"].env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, out.decode() + err.decode()
    last = out.decode().splitlines()[-1]
    assert "1 newly recorded" in last, last
    assert ", 2 changed; 0 failed" in last, last
    assert "carts: 100%" in err.decode()  # the progress bar
    work.extra["reconcile"] = f"'{last}'"
    await work.reconcile(request, "drift repaired by reconcile")
