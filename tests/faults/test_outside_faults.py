"""What lies outside Cartio fails: BigCommerce's API answers errors and throttles for a minute, and the mail
server is down while a merchant sends a cart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cartio_platform.testing import wait_until
from cartio_platform.testing.system import System

from .harness import Workload

pytestmark = pytest.mark.faults

# 30 % of the store's API calls fail: 15 % answered 429 with X-Retry-After (quota other apps spent: the rate
# headers carts paces itself by gave no warning), 18 % of the others 500 or 503.
BIGCOMMERCE_FAULTS = {"api_throttle_rate": 0.15, "api_error_rate": 0.18}


@contextlib.asynccontextmanager
async def bigcommerce_failing(system: System, store: str, figures: dict[str, Any], seconds: float = 60
                              ) -> AsyncIterator[None]:
    """BigCommerce's faults for `seconds` (at least), however long the shoppers inside take."""
    loop = asyncio.get_running_loop()
    before = (await system.sim_call("GET", "/_sim/api_usage", store=store)).json()
    answer = await system.sim_call("POST", "/_sim/faults", json=BIGCOMMERCE_FAULTS)
    assert answer.status_code == 200, answer.text
    began = loop.time()
    try:
        yield
        await asyncio.sleep(max(0.0, began + seconds - loop.time()))  # the fault's length, not a wait for a condition
    finally:
        await system.sim_call("POST", "/_sim/faults", json={})
        figures["fault_s"] = f"{loop.time() - began:.0f}"
        after = (await system.sim_call("GET", "/_sim/api_usage", store=store)).json()
        figures["api_calls_in_fault"] = after["requests"] - before["requests"]
        figures["throttled_429"] = after["throttled"] - before["throttled"]


@pytest.mark.timeout(300)  # a minute's fault, then the backlog
async def test_bigcommerce_failing_and_throttling_for_a_minute_delays_but_loses_nothing(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "bc")
    await work.run_around(bigcommerce_failing(system, work.store, work.extra), rounds=6, pause=8.0, settle=True)
    await work.reconcile(request, "BigCommerce 5xx at 30% and 429 for a minute")


async def notice_status(work: Workload, cart_id: str) -> str | None:
    answer = await work.merchant.get("/api/notifications", params={"cart_id": cart_id})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    return str(items[0]["status"]) if items else None


async def test_a_cart_sent_while_the_mail_server_is_down_arrives_once_when_it_is_back(
    fault_system: System, request: pytest.FixtureRequest,
) -> None:
    system = fault_system
    work = await Workload.start(system, "smtp")
    await work.before()
    down = await system.sim_call("POST", "/_sim/mail/faults", json={"down": True})
    assert down.status_code == 200, down.text
    try:
        await work.during()
        sent_in_outage = work.open_carts()[-1]
        await work.send(sent_in_outage)

        async def tried_and_waiting() -> bool:
            return await notice_status(work, sent_in_outage.id) not in (None, "sent")

        await wait_until(tried_and_waiting, timeout=15, what="the notice waiting for the mail server")
        mails = (await system.sim_call("GET", "/_sim/mail")).json()
        assert not [m for m in mails if sent_in_outage.email in m["to"]]
        work.extra["status_in_outage"] = await notice_status(work, sent_in_outage.id)
    finally:
        await system.sim_call("POST", "/_sim/mail/faults", json={})

    async def sent() -> bool:
        return await notice_status(work, sent_in_outage.id) == "sent"

    await wait_until(sent, timeout=30, what="the notice sent once the mail server is back")
    await work.after()
    await work.reconcile(request, "SMTP outage")
